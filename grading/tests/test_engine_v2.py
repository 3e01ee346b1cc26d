"""The grade engine on any framework (DESIGN §5 "Grading any framework (v2)"): the worked cases
on the example framework, paths and tracks, scales of their own, the points rule and
"nothing to grade"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from grading import engine
from grading.engine import Matrix, Requirement, SkillRequirements, grade

FRAMEWORK = Path(__file__).resolve().parents[2] / "roles" / "data" / "harbour-works.framework.json"
DEFAULT_SHARE = 0.5
PROFICIENCY = ("1", "2", "3", "4", "5")


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


# --- The example framework, turned into matrices by hand -------------------------------------


def _requirement(level: str, cell: Any) -> Requirement | None:
    """A cell of the document: null (empty) and "n/a" are not passed to the engine."""
    if cell is None or cell == "n/a":
        return None
    if isinstance(cell, str):
        return Requirement(level=level, code=cell)
    if cell.get("code") is None:
        return None
    return Requirement(level=level, code=cell["code"], mandatory=cell.get("mandatory", True))


def _points(scale: dict[str, Any], table: dict[str, dict[str, float]]) -> tuple[float, ...]:
    """Each step's points: the points table's for the scale, else the step's own."""
    own = table.get(scale["slug"], {})
    points = [own.get(step["code"], step.get("points")) for step in scale["steps"]]
    if all(value is None for value in points):
        return ()
    return tuple(0 if value is None else value for value in points)


def framework_role(slug: str) -> tuple[Matrix, float]:
    """The role's matrix and optional share, read from the example framework."""
    document = json.loads(FRAMEWORK.read_text(encoding="utf-8"))
    scales = {scale["slug"]: scale for scale in document["scales"]}
    scales["awe"] = {"slug": "awe", "steps": [{"code": code} for code in "AWE"]}
    skills = {skill["slug"]: skill for skill in document["skills"]}
    role = next(role for role in document["roles"] if role["slug"] == slug)
    grading = role.get("grading", {"rule": "cumulative"})
    table = grading.get("points", {})
    # Ladder order: by rank, then document order (sorted is stable).
    levels = sorted(role["levels"], key=lambda level: level.get("rank", 0))
    rows = []
    for row in role["skills"]:
        skill = skills[row["skill"]]
        scale = scales[skill.get("scale", "awe")]
        requirements = tuple(
            requirement
            for level, cell in row["requirements"].items()
            if (requirement := _requirement(level, cell)) is not None
        )
        rows.append(
            SkillRequirements(
                skill=row["skill"],
                domain=row.get("domain", skill["domain"]),
                requirements=requirements,
                steps=tuple(step["code"] for step in scale["steps"]),
                points=_points(scale, table) if grading["rule"] == "points" else (),
            )
        )
    matrix = Matrix(
        levels=tuple(level["code"] for level in levels),
        skills=tuple(rows),
        tracks={level["code"]: level["track"] for level in levels if level.get("track")},
        track_order=tuple(track["code"] for track in document.get("tracks", [])),
        thresholds=grading.get("thresholds") if grading["rule"] == "points" else None,
    )
    return matrix, grading.get("optional_share", DEFAULT_SHARE)


def _gaps(gaps: tuple[engine.Gap, ...]) -> list[tuple[str, str, str | None, int]]:
    return [(gap.skill, gap.code, gap.rating_code, gap.steps) for gap in gaps]


def test_software_engineer_is_senior_on_both_paths_with_each_paths_gaps():
    matrix, share = framework_role("hw-software-engineer")
    ratings = engine.ratings_from_step_codes(
        matrix,
        {
            "hw-testing": "4",
            "hw-operations": "3",
            "hw-planning": "3",
            "hw-coaching": "2",
            "hw-hiring": "2",
        },
    )

    result = grade(matrix, ratings, optional_share=share)

    assert result.status == "graded"
    assert result.grade == "senior"
    assert [(path.track, path.grade, path.next_level) for path in result.paths] == [
        ("ic", "senior", "staff"),
        ("manager", "senior", "em"),
    ]
    ic, manager = result.paths
    assert ic.levels == ("e1", "e2", "senior", "staff", "principal")
    assert manager.levels == ("e1", "e2", "senior", "em", "director")
    # Hiring sits under delivery in this role, so it follows Planning and precedes Coaching.
    assert _gaps(ic.gaps) == [
        ("hw-testing", "5", "4", 1),
        ("hw-operations", "4", "3", 1),
        ("hw-planning", "4", "3", 1),
        ("hw-hiring", "3", "2", 1),
        ("hw-coaching", "3", "2", 1),
    ]
    # EM's Testing 3 (optional) is met; Operations 3 too.
    assert _gaps(manager.gaps) == [
        ("hw-planning", "4", "3", 1),
        ("hw-hiring", "4", "2", 2),
        ("hw-coaching", "4", "2", 2),
    ]
    assert result.next_level == "staff"
    assert result.gaps == ic.gaps
    assert result.points is None
    assert all(path.points_missing is None for path in result.paths)


def test_growth_ladder_totals_the_milestones_points():
    matrix, share = framework_role("hw-growth-ladder")
    ratings = engine.ratings_from_step_codes(matrix, {"hw-shipping": "m3", "hw-mentoring": "m2"})

    result = grade(matrix, ratings, optional_share=share)

    assert result.status == "graded"
    assert result.grade == "g3"
    assert result.next_level == "g4"
    assert result.gaps == ()
    assert [(path.track, path.grade, path.points_missing) for path in result.paths] == [
        (None, "g3", 9)
    ]
    points = result.points
    assert points is not None
    assert points.total == 9
    assert [(s.skill, s.rating, s.rating_code, s.points) for s in points.per_skill] == [
        ("hw-shipping", 3, "m3", 6),
        ("hw-mentoring", 2, "m2", 3),
    ]
    assert [(t.level, t.threshold, t.reached, t.missing) for t in points.thresholds] == [
        ("g1", 0, True, 0),
        ("g2", 4, True, 0),
        ("g3", 9, True, 0),
        ("g4", 18, False, 9),
    ]
    # Shipping m3 → m4 adds 6, Mentoring m2 → m3 adds 3.
    assert [(s.skill, s.next_code, s.adds) for s in points.suggestions] == [
        ("hw-shipping", "m4", 6),
        ("hw-mentoring", "m3", 3),
    ]
    assert [level.met for level in result.levels] == [True, True, True, False]


def test_site_reliability_with_the_first_two_behaviours_is_sre2():
    matrix, share = framework_role("hw-site-reliability")
    ratings = engine.ratings_from_step_codes(
        matrix, {"hw-asks-for-review": "Y", "hw-unblocks-others": "Y", "hw-owns-incidents": None}
    )

    result = grade(matrix, ratings, optional_share=share)

    assert result.grade == "sre2"
    assert result.next_level == "sre3"
    assert [(path.track, path.grade) for path in result.paths] == [(None, "sre2")]
    assert _gaps(result.gaps) == [("hw-owns-incidents", "Y", None, 1)]


def test_head_of_engineering_has_nothing_to_grade():
    matrix, share = framework_role("hw-head-of-engineering")

    result = grade(matrix, {}, optional_share=share)

    assert result.status == "nothing_to_grade"
    assert (result.grade, result.next_level, result.gaps, result.paths) == (None, None, (), ())
    assert result.at_top is False


# --- Paths ----------------------------------------------------------------------------------


def _forked(*, track_order: tuple[str, ...] = ("ic", "manager")) -> Matrix:
    """A ladder of one shared level, then an IC and a manager level at the same band."""
    return Matrix(
        levels=("mid", "staff", "em"),
        skills=(
            SkillRequirements(
                "code", "craft", (Requirement("mid", "A"), Requirement("staff", "E"))
            ),
            SkillRequirements("people", "people", (Requirement("em", "W"),)),
        ),
        tracks={"staff": "ic", "em": "manager"},
        track_order=track_order,
    )


def test_a_manager_is_not_blocked_by_an_ic_level():
    # Staff (IC) is not met, and comes before EM in the ladder: on one chain EM would be out of
    # reach; on the manager path it is reached.
    result = grade(_forked(), {"code": 1, "people": 2}, optional_share=0.5)

    assert [level.met for level in result.levels] == [True, False, True]
    assert [(path.track, path.grade, path.next_level) for path in result.paths] == [
        ("ic", "mid", "staff"),
        ("manager", "em", None),
    ]
    assert result.grade == "em"
    assert result.next_level is None
    assert result.gaps == ()
    assert result.at_top is True


def test_two_paths_with_the_same_grade_follow_the_first_path():
    result = grade(_forked(), {"code": 1}, optional_share=0.5)

    assert [path.grade for path in result.paths] == ["mid", "mid"]
    assert result.grade == "mid"
    assert result.next_level == "staff"
    assert [gap.skill for gap in result.gaps] == ["code"]


def test_the_track_order_orders_the_paths_and_breaks_ties():
    result = grade(_forked(track_order=("manager",)), {"code": 1}, optional_share=0.5)

    assert [path.track for path in result.paths] == ["manager", "ic"]
    assert result.next_level == "em"
    assert [gap.skill for gap in result.gaps] == ["people"]


def test_no_path_graded_follows_the_first_path():
    result = grade(_forked(), {}, optional_share=0.5)

    assert result.grade is None
    assert result.next_level == "mid"
    assert [path.next_level for path in result.paths] == ["mid", "mid"]


def test_the_overall_grade_is_the_highest_on_the_ladder_not_the_longest_path():
    # The manager path reaches "em" (ladder position 2), the IC path "staff" (position 1).
    matrix = Matrix(
        levels=("staff", "em"),
        skills=(SkillRequirements("s", "d", (Requirement("staff", "A"),)),),
        tracks={"staff": "ic", "em": "manager"},
        track_order=("ic", "manager"),
    )

    result = grade(matrix, {"s": 1}, optional_share=0.5)

    assert [(path.levels, path.grade) for path in result.paths] == [
        (("staff",), "staff"),
        (("em",), "em"),
    ]
    assert result.grade == "em"


# --- Scales ---------------------------------------------------------------------------------


def test_cells_and_ratings_use_the_skills_own_scale():
    matrix = Matrix(
        levels=("one", "two"),
        skills=(
            SkillRequirements(
                "deploy",
                "ops",
                (Requirement("one", "2"), Requirement("two", "5")),
                steps=PROFICIENCY,
            ),
        ),
    )

    result = grade(matrix, {"deploy": 2}, optional_share=0.5)

    assert result.grade == "one"
    assert _gaps(result.gaps) == [("deploy", "5", "2", 3)]


def test_a_code_not_on_the_skills_steps_is_refused():
    with pytest.raises(engine.MatrixError, match=exactly("bad code 'E' for 'deploy'")):
        Matrix(
            levels=("one",),
            skills=(SkillRequirements("deploy", "ops", (Requirement("one", "E"),), steps=("Y",)),),
        )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (SkillRequirements("s", "d", steps=()), "'s' needs 1 to 20 steps, not 0"),
        (
            SkillRequirements("s", "d", steps=tuple("abcdefghijklmnopqrstu")),
            "'s' needs 1 to 20 steps, not 21",
        ),
        (SkillRequirements("s", "d", steps=("a", "a")), "duplicate step code for 's'"),
        (
            SkillRequirements("s", "d", steps=("a", "b"), points=(1,)),
            "'s' has 2 steps but 1 points",
        ),
    ],
)
def test_a_scale_the_engine_cannot_use_is_refused(row, message):
    with pytest.raises(engine.MatrixError, match=exactly(message)):
        Matrix(levels=("one",), skills=(row,))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"tracks": {"lead": "manager"}}, "track for unknown level 'lead'"),
        ({"thresholds": {"one": 0, "lead": 3}}, "threshold for unknown level 'lead'"),
        ({"thresholds": {"one": "3"}}, "threshold of 'one' must be a number, not '3'"),
    ],
)
def test_tracks_and_thresholds_must_name_the_matrixs_levels(extra, message):
    with pytest.raises(engine.MatrixError, match=exactly(message)):
        Matrix(levels=("one",), skills=(), **extra)


def test_a_twenty_step_scale_orders_its_gaps_by_steps():
    steps = tuple(f"s{index}" for index in range(1, 21))
    matrix = Matrix(
        levels=("one",),
        skills=(
            SkillRequirements("far", "d", (Requirement("one", "s20"),), steps=steps),
            SkillRequirements(
                "opt", "d", (Requirement("one", "s1", mandatory=False),), steps=steps
            ),
            SkillRequirements("near", "d", (Requirement("one", "s2"),), steps=steps),
            SkillRequirements("awe", "d", (Requirement("one", "E"),)),
        ),
    )

    result = grade(matrix, {"near": 1}, optional_share=0.5)

    assert [(gap.skill, gap.steps, gap.rating_code) for gap in result.gaps] == [
        ("near", 1, "s1"),
        ("awe", 3, None),
        ("far", 20, None),
        ("opt", 1, None),
    ]


def test_ratings_above_a_skills_steps_are_refused():
    matrix = Matrix(
        levels=("one",),
        skills=(SkillRequirements("y", "d", (Requirement("one", "Y"),), steps=("Y",)),),
    )

    assert grade(matrix, {"y": 1}, optional_share=0.5).grade == "one"
    message = "rating of 'y' must be a whole number between 0 and 1, not 2"
    with pytest.raises(ValueError, match=exactly(message)):
        grade(matrix, {"y": 2}, optional_share=0.5)


def test_step_codes_become_ranks_on_each_skills_scale():
    matrix = Matrix(
        levels=("one",),
        skills=(
            SkillRequirements("p", "d", steps=PROFICIENCY),
            SkillRequirements("a", "d"),
            SkillRequirements("y", "d", steps=("Y",)),
        ),
    )

    ratings = engine.ratings_from_step_codes(
        matrix, {"p": "4", "a": "W", "y": None, "removed": "whatever"}
    )

    assert ratings == {"p": 4, "a": 2}


def test_a_rating_code_not_on_the_scale_is_an_unknown_step():
    matrix = Matrix(levels=("one",), skills=(SkillRequirements("p", "d", steps=PROFICIENCY),))

    with pytest.raises(engine.UnknownStep) as raised:
        engine.ratings_from_step_codes(matrix, {"p": "E"})

    assert str(raised.value) == "'E' is not a step of 'p': one of 1, 2, 3, 4, 5"
    assert (raised.value.skill, raised.value.code, raised.value.steps) == ("p", "E", PROFICIENCY)
    assert isinstance(raised.value, ValueError)


# --- Points rule ----------------------------------------------------------------------------


def _points_ladder(**thresholds: float) -> Matrix:
    return Matrix(
        levels=("p1", "p2", "p3"),
        skills=(
            SkillRequirements("ship", "impact", steps=("m1", "m2"), points=(2, 5)),
            SkillRequirements("plain", "impact", steps=("m1", "m2")),
            SkillRequirements("help", "impact", steps=("m1", "m2"), points=(1, 1.5)),
        ),
        thresholds=thresholds,
    )


def test_unrated_skills_and_skills_without_points_add_nothing():
    matrix = _points_ladder(p1=0, p2=2, p3=6)

    nobody = grade(matrix, {}, optional_share=0.5)
    someone = grade(matrix, {"plain": 2, "help": 2}, optional_share=0.5)

    assert nobody.points is not None
    assert nobody.points.total == 0
    assert [s.points for s in nobody.points.per_skill] == [0, 0, 0]
    assert nobody.grade == "p1"
    assert someone.points is not None
    assert someone.points.total == 1.5
    assert someone.grade == "p1"
    assert someone.paths[0].points_missing == 0.5
    # "plain" has no points and "help" is at its top: only "ship" would add.
    assert [(s.skill, s.rating, s.next_code, s.adds) for s in someone.points.suggestions] == [
        ("ship", 0, "m1", 2)
    ]


def test_suggestions_put_the_most_points_first():
    result = grade(_points_ladder(p1=1, p2=2, p3=6), {"ship": 1}, optional_share=0.5)

    assert result.points is not None
    assert [(s.skill, s.adds) for s in result.points.suggestions] == [("ship", 3), ("help", 1)]


def test_a_level_without_a_threshold_is_never_reached_by_points():
    result = grade(_points_ladder(p1=0, p3=3), {"ship": 2}, optional_share=0.5)

    assert [level.met for level in result.levels] == [True, False, True]
    assert result.grade == "p3"
    assert result.at_top is True
    assert result.points is not None
    assert result.points.suggestions == ()
    assert [t.level for t in result.points.thresholds] == ["p1", "p3"]


def test_below_every_threshold_the_first_level_with_one_is_next():
    result = grade(_points_ladder(p2=2, p3=6), {"help": 1}, optional_share=0.5)

    assert result.grade is None
    assert result.next_level == "p2"
    assert result.paths[0].points_missing == 1


def test_the_points_rule_grades_each_path():
    matrix = Matrix(
        levels=("base", "staff", "em"),
        skills=(SkillRequirements("ship", "impact", steps=("m1",), points=(4,)),),
        tracks={"staff": "ic", "em": "manager"},
        track_order=("ic", "manager"),
        thresholds={"base": 0, "staff": 5, "em": 4},
    )

    result = grade(matrix, {"ship": 1}, optional_share=0.5)

    assert [(p.track, p.grade, p.next_level, p.points_missing) for p in result.paths] == [
        ("ic", "base", "staff", 1),
        ("manager", "em", None, None),
    ]
    assert result.grade == "em"


# --- Nothing to grade -----------------------------------------------------------------------


def test_no_levels_is_nothing_to_grade():
    result = grade(
        Matrix(levels=(), skills=(SkillRequirements("s", "d"),)), {"s": 3}, optional_share=0.5
    )

    assert result.status == "nothing_to_grade"
    assert (result.grade, result.next_level, result.gaps, result.paths) == (None, None, (), ())
    assert result.levels == ()


def test_a_points_ladder_without_thresholds_is_nothing_to_grade():
    result = grade(_points_ladder(), {"ship": 2}, optional_share=0.5)

    assert result.status == "nothing_to_grade"
    assert (result.grade, result.next_level, result.paths) == (None, None, ())
    assert result.points is not None
    assert result.points.total == 5
    assert result.points.suggestions == ()


def test_a_cumulative_matrix_without_cells_is_nothing_to_grade():
    matrix = Matrix(levels=("one", "two"), skills=(SkillRequirements("s", "d"),))

    result = grade(matrix, {"s": 3}, optional_share=0.5)

    assert result.status == "nothing_to_grade"
    assert (result.next_level, result.gaps, result.paths) == (None, (), ())
    assert result.at_top is False
    # Never "top level met" for a role with nothing to test (DESIGN §5).
    assert result.grade is None


def test_a_v1_matrix_is_graded_on_one_trackless_path():
    matrix = Matrix(
        levels=("jun", "mid"),
        skills=(
            SkillRequirements("py", "prog", (Requirement("jun", "A"), Requirement("mid", "W"))),
        ),
    )

    result = grade(matrix, {"py": 1}, optional_share=0.5)

    assert result.status == "graded"
    assert result.paths == (
        engine.PathResult(
            track=None,
            levels=("jun", "mid"),
            grade="jun",
            next_level="mid",
            gaps=result.gaps,
            points_missing=None,
        ),
    )
    assert _gaps(result.gaps) == [("py", "W", "A", 1)]


def test_the_matrix_stays_hashable_and_read_only():
    matrix = _forked()

    assert hash(matrix) == hash(_forked())
    assert matrix == _forked()
    assert matrix != _forked(track_order=("manager", "ic"))
    with pytest.raises(TypeError):
        matrix.tracks["mid"] = "ic"  # type: ignore[index]


def test_the_overall_grade_is_the_met_level_of_highest_rank_not_the_later_in_the_ladder():
    # Staff (IC) and EM (manager) share rank 4; EM comes later in the ladder.
    rows = (SkillRequirements("s", "d", (Requirement("base", "A"),)),)
    tied = Matrix(
        levels=("base", "staff", "em"),
        skills=rows,
        tracks={"staff": "ic", "em": "manager"},
        track_order=("ic", "manager"),
        ranks={"base": 1, "staff": 4, "em": 4},
    )
    assert grade(tied, {"s": 1}, optional_share=0.5).grade == "staff"  # tie: the first path

    # A manager level ranked above the IC one wins although the ladder lists it first.
    ranked = Matrix(
        levels=("base", "lead", "staff"),
        skills=rows,
        tracks={"lead": "manager", "staff": "ic"},
        track_order=("ic", "manager"),
        ranks={"base": 1, "lead": 5, "staff": 4},
    )
    result = grade(ranked, {"s": 1}, optional_share=0.5)
    assert result.grade == "lead"
    assert [path.track for path in result.paths] == ["ic", "manager"]


def test_ranks_must_name_levels_of_the_matrix():
    with pytest.raises(engine.MatrixError, match="rank for unknown level 'x'"):
        Matrix(levels=("a",), skills=(), ranks={"x": 1})
