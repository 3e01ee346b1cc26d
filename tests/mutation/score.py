"""Print the mutation score of the last ``mutmut run`` per mutated module, and fail below a floor.

Run from the project root after ``mutmut run`` (``make mutation`` does both). The modules are
the files ``[tool.mutmut] only_mutate`` (pyproject.toml) names; a glob such as
``roles/changes/*`` scores each file of the package and the package as a whole. A mutant counts
as killed when a test failed or timed out with it; the score is killed / all mutants. Survivors
are listed, except those ``tests/mutation/EQUIVALENT.md`` names as equivalent (a listed name
that no longer survives is reported, so the list stays true).

    python tests/mutation/score.py [--min 90] [--gate GLOB ...]

Exits 1 when a module matching a ``--gate`` glob (every module when none is given) scores
below ``--min`` per cent, when the run left mutants unchecked (stopped by the time box), or when
an ``only_mutate`` entry has no results.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "mutants"
EQUIVALENT = Path(__file__).with_name("EQUIVALENT.md")
MUTANT_NAME = re.compile(r"`([\w.]+__mutmut_\d+)`")


@dataclass
class Score:
    name: str
    killed: int = 0
    survived: int = 0
    no_tests: int = 0
    unchecked: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.killed + self.survived + self.no_tests + self.unchecked + self.other

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 100.0

    def add(self, other: Score) -> None:
        self.killed += other.killed
        self.survived += other.survived
        self.no_tests += other.no_tests
        self.unchecked += other.unchecked
        self.other += other.other

    def line(self) -> str:
        return (
            f"{self.name:<32} {self.killed:>5} / {self.total:<5} {self.percent:6.1f} %"
            f"   survived {self.survived}, no tests {self.no_tests}, unchecked {self.unchecked}"
            + (f", other {self.other}" if self.other else "")
        )


def _patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["mutmut"]["only_mutate"])


def _modules(pattern: str) -> list[str]:
    """The source files of ``pattern`` that mutmut mutated (those with a results file)."""
    found = (str(meta.relative_to(MUTANTS))[: -len(".meta")] for meta in MUTANTS.rglob("*.py.meta"))
    return sorted(path for path in found if fnmatch.fnmatch(path, pattern))


def _score(module: str, survivors: dict[str, list[str]]) -> Score:
    results = json.loads((MUTANTS / f"{module}.meta").read_text(encoding="utf-8"))
    score = Score(module)
    statuses = {
        name: status_by_exit_code[exit_code]
        for name, exit_code in results["exit_code_by_key"].items()
    }
    for status, count in Counter(statuses.values()).items():
        if status in ("killed", "timeout"):  # a test failed, or the tests ran out of time
            score.killed += count
        elif status == "survived":
            score.survived += count
        elif status == "no tests":
            score.no_tests += count
        elif status == "not checked":
            score.unchecked += count
        elif status != "skipped":  # `# pragma: no mutate`: not a mutant
            score.other += count
    survivors[module] = [
        name for name, status in statuses.items() if status in ("survived", "no tests")
    ]
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=90.0, help="floor, in per cent")
    parser.add_argument("--gate", action="append", default=[], help="glob of gated modules")
    args = parser.parse_args(argv)
    if not MUTANTS.is_dir():
        print("No mutants/ directory: run `mutmut run` (or `make mutation`) first.")
        return 1

    survivors: dict[str, list[str]] = {}
    scores: list[Score] = []
    failed = False
    print(f"{'module':<32} killed / total   score")
    for pattern in _patterns():
        modules = _modules(pattern)
        if not modules:
            print(f"{pattern:<32} no mutants (no such file, or mutmut has not run on it)")
            failed = True
            continue
        for module in modules:
            scores.append(_score(module, survivors))
            print(scores[-1].line())
        if len(modules) > 1:
            whole = Score(pattern)
            for score in scores[-len(modules) :]:
                whole.add(score)
            print(whole.line())
    total = Score("all")
    for score in scores:
        total.add(score)
    print(total.line())

    gates = args.gate or ["*"]
    gated = [score for score in scores if any(fnmatch.fnmatch(score.name, g) for g in gates)]
    listed = set(MUTANT_NAME.findall(EQUIVALENT.read_text(encoding="utf-8")))
    print(f"\nSurviving mutants (`mutmut show NAME` shows one; {EQUIVALENT.relative_to(ROOT)}")
    print("lists those judged equivalent):")
    for score in scores:
        names = survivors[score.name]
        unexplained = [name for name in names if name not in listed]
        print(f"  {score.name}: {len(names)}, {len(names) - len(unexplained)} listed as equivalent")
        if score in gated:
            for name in unexplained:
                print(f"    not explained: {name}")
    every = {name for names in survivors.values() for name in names}
    for name in sorted(listed - every):
        print(f"  listed as equivalent but not surviving (update the list): {name}")

    if total.unchecked:
        print(f"\n{total.unchecked} mutants were not checked (the run was stopped).")
        failed = True
    for score in gated:
        if score.percent < args.min:
            print(f"{score.name}: {score.percent:.1f} % is below the floor of {args.min:g} %.")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
