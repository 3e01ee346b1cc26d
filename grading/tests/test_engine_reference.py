"""The grade engine against a reference implementation of DESIGN §5 written here.

The reference is plain loops over the framework as drawn, sharing no code with the engine: no
compiled plans, no buckets, no sorting tricks. Random frameworks cover scales of 1-6 steps with
random points, 0-3 tracks on random levels (a track order that may miss or add tracks), empty
and "n/a" cells (neither is passed to the engine), optional cells, any optional share and,
sometimes, the points rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from grading import engine

SHARES = st.one_of(st.sampled_from([0.0, 0.5, 0.66, 1.0]), st.floats(0.0, 1.0))
# Whole and half points: their sums are exact, so totals compare with ==.
POINTS = st.integers(0, 16).map(lambda n: n / 2)


@dataclass
class Row:
    skill: str
    domain: str
    steps: list[str]
    points: list[float]  # empty: no points
    cells: dict[str, tuple[str, bool] | str]  # level → (code, mandatory) or "n/a"


@dataclass
class Framework:
    levels: list[str]
    rows: list[Row]
    tracks: dict[str, str]
    track_order: list[str]
    thresholds: dict[str, float] | None


@st.composite
def frameworks(draw: st.DrawFn) -> Framework:
    # Weighted draws, so forks, ties between paths and deep gaps are common, and the
    # degenerate frameworks (no levels, no cells) still turn up.
    levels = [f"L{index}" for index in range(draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 6])))]
    track_names = [f"t{index}" for index in range(draw(st.sampled_from([0, 1, 2, 2, 3])))]
    tracks = {}
    if track_names:
        # As real ladders fork: shared levels first, then mostly track levels.
        shared = draw(st.integers(0, len(levels)))
        for level in levels[shared:]:
            track = draw(st.sampled_from([None, *track_names, *track_names]))
            if track is not None:
                tracks[level] = track
    track_order = draw(st.lists(st.sampled_from(track_names), max_size=4)) if track_names else []
    rows = []
    for index in range(draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 6]))):
        steps = [f"{index}.{step}" for step in range(draw(st.sampled_from([1, 2, 3, 4, 5, 6, 6])))]
        points = draw(st.lists(POINTS, min_size=len(steps), max_size=len(steps)))
        if draw(st.booleans()):
            points = []
        cells: dict[str, tuple[str, bool] | str] = {}
        for level in levels:
            kind = draw(st.sampled_from(["empty", "n/a", "cell", "cell", "cell"]))
            if kind == "n/a":
                cells[level] = "n/a"
            elif kind == "cell":
                cells[level] = (draw(st.sampled_from(steps)), draw(st.booleans()))
        domain = draw(st.sampled_from(["d0", "d1", "d2"]))
        rows.append(Row(f"s{index}", domain, steps, points, cells))
    thresholds: dict[str, float] | None = None
    if draw(st.booleans()) and levels:
        thresholds = {
            level: draw(st.integers(0, 20))
            for level in draw(st.lists(st.sampled_from(levels), unique=True))
        }
    return Framework(levels, rows, tracks, track_order, thresholds)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Framework, dict[str, int], float]:
    framework = draw(frameworks())
    ratings = {}
    for row in framework.rows:
        kind = draw(st.sampled_from(["unrated", "any", "top", "top"]))
        if kind == "any":
            ratings[row.skill] = draw(st.integers(0, len(row.steps)))
        elif kind == "top":  # meets every cell of the row, so levels are met and paths fork
            ratings[row.skill] = len(row.steps)
    return framework, ratings, draw(SHARES)


def to_matrix(framework: Framework) -> engine.Matrix:
    skills = []
    for row in framework.rows:
        requirements = []
        for level, cell in row.cells.items():
            if isinstance(cell, str):
                continue  # "n/a": never passed to the engine
            code, mandatory = cell
            requirements.append(engine.Requirement(level=level, code=code, mandatory=mandatory))
        skills.append(
            engine.SkillRequirements(
                skill=row.skill,
                domain=row.domain,
                requirements=tuple(requirements),
                steps=tuple(row.steps),
                points=tuple(row.points),
            )
        )
    return engine.Matrix(
        levels=tuple(framework.levels),
        skills=tuple(skills),
        tracks=framework.tracks,
        track_order=tuple(framework.track_order),
        thresholds=framework.thresholds,
    )


# --- The reference ------------------------------------------------------------------------


def coded_cells(framework: Framework, level: str) -> list[tuple[int, Row, str, bool]]:
    """(row index, row, code, mandatory) of the level's cells that have a code."""
    found = []
    for index, row in enumerate(framework.rows):
        cell = row.cells.get(level)
        if isinstance(cell, tuple):  # not empty, not "n/a"
            found.append((index, row, cell[0], cell[1]))
    return found


def rank(row: Row, code: str) -> int:
    return row.steps.index(code) + 1


def points_total(framework: Framework, ratings: dict[str, int]) -> float:
    total = 0.0
    for row in framework.rows:
        rating = ratings.get(row.skill, 0)
        if rating > 0 and row.points:
            total += row.points[rating - 1]
    return total


def cumulative_met(framework: Framework, ratings: dict[str, int], level: str, share: float) -> bool:
    optional_total = 0
    optional_met = 0
    for _, row, code, mandatory in coded_cells(framework, level):
        met = ratings.get(row.skill, 0) >= rank(row, code)
        if mandatory and not met:
            return False
        if not mandatory:
            optional_total += 1
            if met:
                optional_met += 1
    if optional_total == 0:
        return True
    return optional_met / optional_total >= share


def coverage(framework: Framework, ratings: dict[str, int], level: str) -> float:
    cells = coded_cells(framework, level)
    if not cells:
        return 1.0
    met = 0
    for _, row, code, _ in cells:
        if ratings.get(row.skill, 0) >= rank(row, code):
            met += 1
    return met / len(cells)


def gaps(framework: Framework, ratings: dict[str, int], level: str) -> tuple[Any, ...]:
    first_of_domain: dict[str, int] = {}
    for index, row in enumerate(framework.rows):
        if row.domain not in first_of_domain:
            first_of_domain[row.domain] = index
    unmet = []
    for index, row, code, mandatory in coded_cells(framework, level):
        rating = ratings.get(row.skill, 0)
        if rating < rank(row, code):
            steps = rank(row, code) - rating
            rating_code = row.steps[rating - 1] if rating > 0 else None
            key = (not mandatory, steps, first_of_domain[row.domain], index)
            gap = (row.skill, row.domain, level, code, rating, rating_code, mandatory, steps)
            unmet.append((key, gap))
    unmet.sort()
    return tuple(gap for _, gap in unmet)


def paths(framework: Framework) -> list[tuple[str | None, list[str]]]:
    used: list[str] = []
    for level in framework.levels:
        track = framework.tracks.get(level)
        if track is not None and track not in used:
            used.append(track)
    if not framework.levels:
        return []
    if not used:
        return [(None, list(framework.levels))]
    ordered: list[str] = []
    for track in framework.track_order:
        if track in used and track not in ordered:
            ordered.append(track)
    for track in used:
        if track not in ordered:
            ordered.append(track)
    found: list[tuple[str | None, list[str]]] = []
    for track in ordered:
        on_path = []
        for level in framework.levels:
            if framework.tracks.get(level) in (None, track):
                on_path.append(level)
        found.append((track, on_path))
    return found


def reference(framework: Framework, ratings: dict[str, int], share: float) -> dict[str, Any]:
    thresholds = framework.thresholds
    total = points_total(framework, ratings)
    met = {}
    for level in framework.levels:
        if thresholds is None:
            met[level] = cumulative_met(framework, ratings, level, share)
        else:
            met[level] = level in thresholds and thresholds[level] <= total
    any_cell = any(coded_cells(framework, level) for level in framework.levels)
    if not framework.levels or (thresholds is not None and not thresholds):
        nothing = True
    else:
        nothing = thresholds is None and not any_cell
    answer: dict[str, Any] = {
        "levels": [(lv, met[lv], coverage(framework, ratings, lv)) for lv in framework.levels],
        "total": total if thresholds is not None else None,
    }
    if nothing:
        # No grade: never "top level met" for a role with nothing to test.
        answer.update(status="nothing_to_grade", grade=None, next=None, gaps=(), paths=[])
        return answer
    path_answers = []
    for track, on_path in paths(framework):
        grade_level = None
        next_level = None
        if thresholds is None:
            for level in on_path:
                if not met[level]:
                    next_level = level
                    break
                grade_level = level
            path_gaps = gaps(framework, ratings, next_level) if next_level else ()
            missing = None
        else:
            for level in on_path:
                if met[level]:
                    grade_level = level
            after = on_path if grade_level is None else on_path[on_path.index(grade_level) + 1 :]
            for level in after:
                if level in thresholds:
                    next_level = level
                    break
            path_gaps = ()
            missing = thresholds[next_level] - total if next_level else None
        path_answers.append((track, tuple(on_path), grade_level, next_level, path_gaps, missing))
    best = path_answers[0]
    for path in path_answers[1:]:
        if path[2] is not None and (
            best[2] is None or framework.levels.index(path[2]) > framework.levels.index(best[2])
        ):
            best = path
    answer.update(status="graded", grade=best[2], next=best[3], gaps=best[4], paths=path_answers)
    return answer


def reference_thresholds(framework: Framework, total: float) -> list[Any]:
    assert framework.thresholds is not None
    found = []
    for level in framework.levels:
        if level in framework.thresholds:
            threshold = framework.thresholds[level]
            found.append((level, threshold, threshold <= total, max(0.0, threshold - total)))
    return found


def reference_suggestions(framework: Framework, ratings: dict[str, int]) -> list[Any]:
    found = []
    for index, row in enumerate(framework.rows):
        rating = ratings.get(row.skill, 0)
        if rating == len(row.steps) or not row.points:
            continue
        now = row.points[rating - 1] if rating > 0 else 0
        adds = row.points[rating] - now
        if adds > 0:
            found.append((-adds, index, row.skill, row.steps[rating], adds))
    found.sort()
    return [(skill, next_code, adds) for _, _, skill, next_code, adds in found]


def as_tuple(gap: engine.Gap) -> tuple[Any, ...]:
    return (
        gap.skill,
        gap.domain,
        gap.level,
        gap.code,
        gap.rating,
        gap.rating_code,
        gap.mandatory,
        gap.steps,
    )


# --- The comparison -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, derandomize=True)
@given(cases())
def test_the_engine_grades_as_the_reference_does(case):
    framework, ratings, share = case
    expected = reference(framework, ratings, share)

    result = engine.grade(to_matrix(framework), ratings, optional_share=share)

    assert result.status == expected["status"]
    assert result.grade == expected["grade"]
    assert result.next_level == expected["next"]
    assert tuple(as_tuple(gap) for gap in result.gaps) == expected["gaps"]
    assert [(lv.code, lv.met, lv.coverage) for lv in result.levels] == expected["levels"]
    assert [
        (
            path.track,
            path.levels,
            path.grade,
            path.next_level,
            tuple(as_tuple(gap) for gap in path.gaps),
            path.points_missing,
        )
        for path in result.paths
    ] == expected["paths"]
    if framework.thresholds is None:
        assert result.points is None
        return
    assert result.points is not None
    assert result.points.total == expected["total"]
    assert [
        (t.level, t.threshold, t.reached, t.missing) for t in result.points.thresholds
    ] == reference_thresholds(framework, expected["total"])
    assert [(s.skill, s.points) for s in result.points.per_skill] == [
        (
            row.skill,
            row.points[ratings[row.skill] - 1] if ratings.get(row.skill) and row.points else 0,
        )
        for row in framework.rows
    ]
    suggestions = reference_suggestions(framework, ratings) if result.next_level else []
    assert [(s.skill, s.next_code, s.adds) for s in result.points.suggestions] == suggestions


@settings(max_examples=200, deadline=None, derandomize=True)
@given(cases())
def test_rating_codes_round_trip_through_the_steps(case):
    framework, ratings, _ = case
    matrix = to_matrix(framework)
    rows = {row.skill: row for row in framework.rows}
    codes = {
        skill: rows[skill].steps[rating - 1] if rating else None
        for skill, rating in ratings.items()
    }

    assert engine.ratings_from_step_codes(matrix, codes) == {
        skill: rating for skill, rating in ratings.items() if rating
    }
