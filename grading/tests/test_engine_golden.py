"""The engine's whole output on the seed role, pinned (golden file).

Every field of the result is recorded for a few rating sets: the grade, the next level, each
level's counts and coverage and *all* its unmet cells in gap order (the calculator shows the
mandatory ones of every level), and the gaps. The seed has no optional cells, so the same sets
are graded against a variant with every third cell optional too. A change to how the engine
computes must leave this file unchanged; regenerate it only for an intended change of result:

    DJANGO_SETTINGS_MODULE=skillsmatrix.settings \
        .venv/bin/python -m grading.tests.test_engine_golden
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from grading import engine

SEED = Path(__file__).resolve().parents[2] / "roles" / "data" / "mlops-engineer.json"
GOLDEN = Path(__file__).with_name("data") / "engine_golden.json"
SHARES = (0.5, 0.66)


def _seed_matrices() -> dict[str, engine.Matrix]:
    from grading.selectors import grading_sheet_from_document  # needs Django set up

    seed = grading_sheet_from_document(SEED.read_bytes()).matrix
    # Every third cell (counting along the rows) optional, so the optional share is exercised.
    position = 0
    rows = []
    for row in seed.skills:
        requirements = []
        for requirement in row.requirements:
            requirements.append(
                engine.Requirement(
                    level=requirement.level, code=requirement.code, mandatory=position % 3 != 0
                )
            )
            position += 1
        rows.append(
            engine.SkillRequirements(
                skill=row.skill, domain=row.domain, requirements=tuple(requirements)
            )
        )
    return {"seed": seed, "seed-optional": engine.Matrix(levels=seed.levels, skills=tuple(rows))}


def _rating_sets(matrix: engine.Matrix) -> dict[str, dict[str, int]]:
    skills = [row.skill for row in matrix.skills]
    sets: dict[str, dict[str, int]] = {
        "none": {},
        "bench": {"docker": 2, "python-web-frameworks": 3, "redis": 1},
        "all-A": dict.fromkeys(skills, 1),
        "all-W": dict.fromkeys(skills, 2),
        "all-E": dict.fromkeys(skills, 3),
        "unknown-skills-ignored": {"no-such-skill": 3, "docker": 1},
    }
    # What every level up to N asks: reaches level N when nothing is optional; then one rank
    # less on every seventh skill.
    reached: dict[str, int] = {}
    for level in matrix.levels[:4]:
        for row in matrix.skills:
            for requirement in row.requirements:
                if requirement.level == level:
                    rank = engine.RANKS[requirement.code]
                    reached[row.skill] = max(reached.get(row.skill, 0), rank)
        sets[f"up-to-{level}"] = dict(reached)
        sets[f"almost-{level}"] = {
            skill: rank - 1 if index % 7 == 0 else rank
            for index, (skill, rank) in enumerate(reached.items())
        }
    rng = random.Random(20250101)  # noqa: S311 - fixed data, not security
    for index in range(4):
        sets[f"random-{index}"] = {skill: rng.randint(0, 3) for skill in skills}
    return sets


def _gap(gap: engine.Gap) -> str:
    flag = "M" if gap.mandatory else "O"
    return f"{gap.skill}|{gap.domain}|{gap.level}|{gap.code}|{gap.rating}|{flag}|{gap.steps}"


def _digest(gaps: tuple[engine.Gap, ...]) -> str:
    """Every field of every gap, in order (the unmet cells of all levels are too many to keep
    readable in the file)."""
    return hashlib.sha256("\n".join(_gap(gap) for gap in gaps).encode()).hexdigest()[:16]


def _snapshot(result: engine.GradeResult) -> dict[str, Any]:
    return {
        "grade": result.grade,
        "next_level": result.next_level,
        "at_top": result.at_top,
        "levels": [
            {
                "code": level.code,
                "met": level.met,
                "coverage": level.coverage,
                "cells": level.cells,
                "cells_met": level.cells_met,
                "optional_cells": level.optional_cells,
                "optional_met": level.optional_met,
                "optional_needed": level.optional_needed,
                "optional_shortfall": level.optional_shortfall,
                "unmet": [len(level.unmet), _digest(level.unmet)],
                "mandatory_unmet": [len(level.mandatory_unmet), _digest(level.mandatory_unmet)],
            }
            for level in result.levels
        ],
        # The API's gaps, readable.
        "gaps": [
            f"{gap.skill} {gap.code} {gap.rating_code or '-'} {'M' if gap.mandatory else 'O'}"
            f" {gap.steps}"
            for gap in result.gaps
        ],
        "gaps_digest": _digest(result.gaps),
    }


def _cases() -> dict[str, dict[str, Any]]:
    cases = {}
    for matrix_name, matrix in _seed_matrices().items():
        # The seed has no optional cell, so the optional share changes nothing there.
        for share in SHARES if matrix_name == "seed-optional" else SHARES[:1]:
            for set_name, ratings in _rating_sets(matrix).items():
                result = engine.grade(matrix, ratings, optional_share=share)
                cases[f"{matrix_name}/{share}/{set_name}"] = _snapshot(result)
    return cases


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_golden_file_covers_every_case_and_varied_results(golden):
    assert set(golden) == set(_cases())
    grades = {case["grade"] for case in golden.values()}
    assert {None, "junior", "senior", "principal"} <= grades  # the seed's Senior asks little
    assert any(level["optional_shortfall"] for case in golden.values() for level in case["levels"])


def test_the_engine_output_on_the_seed_is_unchanged(golden):
    for name, case in _cases().items():
        assert case == golden[name], name


if __name__ == "__main__":
    import django

    django.setup()
    GOLDEN.parent.mkdir(exist_ok=True)
    # One case a line, so a change shows which cases it touched.
    lines = [f"{json.dumps(name)}: {json.dumps(case)}" for name, case in _cases().items()]
    GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
