"""The grade engine of DESIGN §5: pure Python, no Django. Data in, frozen dataclasses out.

A role's matrix is described by :class:`Matrix`: its levels in ladder order (each on every path,
or on one track's path), for each skill in the role's order its scale's steps and non-empty
cells, and, for a points ladder, each level's points threshold. A person's ratings map skill
slugs to ranks on that skill's scale (a step's rank is its position, 1, 2, …; unrated 0; on the
default scale empty 0 < A 1 < W 2 < E 3). :func:`grade` applies the rule with the optional share
passed in (the caller reads it from the role or settings), so the engine can be tested and
benchmarked on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from types import MappingProxyType

RANKS: dict[str, int] = {"A": 1, "W": 2, "E": 3}
CODES_BY_RANK: dict[int, str | None] = {0: None, 1: "A", 2: "W", 3: "E"}
MAX_RANK = 3
# The default scale's steps (``awe``), lowest first.
AWE_STEPS: tuple[str, ...] = ("A", "W", "E")
# The most steps a scale may have: gap buckets are 2 × the matrix's longest scale.
MAX_STEPS = 20

GRADED = "graded"
NOTHING_TO_GRADE = "nothing_to_grade"


class MatrixError(ValueError):
    """A matrix the engine cannot grade against (unknown level, bad code, duplicate skill)."""


class UnknownStep(ValueError):
    """A rating's code that is not a step of the skill's scale."""

    def __init__(self, skill: str, code: str, steps: tuple[str, ...]) -> None:
        self.skill = skill
        self.code = code
        self.steps = steps
        super().__init__(f"{code!r} is not a step of {skill!r}: one of {', '.join(steps)}")

    def __reduce__(self) -> tuple[type[UnknownStep], tuple[str, str, tuple[str, ...]]]:
        return (UnknownStep, (self.skill, self.code, self.steps))


@dataclass(frozen=True, slots=True)
class Requirement:
    """One non-empty cell: the step a level asks of a skill, and whether it is mandatory."""

    level: str
    code: str
    mandatory: bool = True


@dataclass(frozen=True, slots=True)
class SkillRequirements:
    """One row of the matrix. Empty and ``n/a`` cells are simply absent from ``requirements``.

    ``steps`` are the codes of the skill's scale, lowest first (a code's rank is its position
    + 1); ``points`` the points of each step for a points ladder (empty: every step 0).
    """

    skill: str
    domain: str
    requirements: tuple[Requirement, ...] = ()
    steps: tuple[str, ...] = AWE_STEPS
    points: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    """An unmet cell: what the level asks, what the person has, how many steps are missing."""

    skill: str
    domain: str
    level: str
    code: str
    rating: int
    mandatory: bool
    steps: int
    # The step code of ``rating`` on the skill's scale (None when unrated).
    rating_code: str | None = None


# One cell as a level's plan holds it: the skill, the rank asked, whether the cell is optional
# and, for each rating below the rank, that gap's bucket and the gap (built once per matrix: a
# gap depends only on the cell and the rating).
_PlanCell = tuple[str, int, bool, tuple[tuple[int, Gap], ...]]

# Gap order is: mandatory first, then fewer steps, then the domain's position, then the skill's.
# A level's cells are kept sorted by (optional, domain, skill), so appending each unmet cell to
# the bucket of its (optional, steps) and reading the buckets in turn yields that order without
# sorting: bucket = most * optional + steps - 1, where ``most`` is the most steps of any scale in
# the matrix (steps are 1..most), so a matrix has 2 * most buckets (6 on the default scale).
_BUCKETS = 2 * 3

# A path as compiled: its track, its levels' indices and codes.
_Path = tuple[str | None, tuple[int, ...], tuple[str, ...]]
# A skill's cells as compiled: (level index, rank, optional).
_SkillCell = tuple[int, int, bool]
# What a rating of a skill meets, for each rating 0..the top of its scale: the indices of the
# levels whose cell it meets, and of those whose optional cell it meets.
_SkillHits = tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]


@dataclass(frozen=True, slots=True)
class _LevelPlan:
    """A level of a :class:`Matrix` compiled once for grading."""

    code: str
    cells: tuple[_PlanCell, ...]
    optional_cells: int
    buckets: int = _BUCKETS

    @property
    def mandatory_cells(self) -> int:
        return len(self.cells) - self.optional_cells


@dataclass(frozen=True, slots=True)
class Matrix:
    """Levels in ladder order and skill rows in the role's order.

    A domain's order is the position of its first skill, so a role whose domains are contiguous
    (every role imported from a §4 document) sorts exactly by "domain order, then skill order".

    ``tracks`` maps a level on one track's path to that track (levels on every path are absent);
    ``track_order`` gives the tracks' order (tracks it misses follow, as the levels first name
    them). ``thresholds`` set makes a points ladder: level → the points it takes (a level
    without one is never reached). The mappings are kept read-only and left out of the hash.
    """

    levels: tuple[str, ...]
    skills: tuple[SkillRequirements, ...]
    tracks: Mapping[str, str] = field(default_factory=dict, hash=False)
    track_order: tuple[str, ...] = ()
    thresholds: Mapping[str, float] | None = field(default=None, hash=False)
    # Level → its rank on the band (DESIGN §4b); a level without one ranks by its place in the
    # ladder (1, 2, …). The overall grade is the path grade of highest rank.
    ranks: Mapping[str, int] = field(default_factory=dict, hash=False)
    # Compiled once per matrix (a role version's lives in the process): each level's cells in
    # gap order with their gaps; each skill's top rank and cells, so grading counts met cells
    # from the rated skills alone; the paths as level indices; each level's threshold.
    _plans: tuple[_LevelPlan, ...] = field(init=False, repr=False, compare=False, default=())
    _skill_hits: Mapping[str, _SkillHits] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _skill_slugs: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())
    _paths: tuple[_Path, ...] = field(init=False, repr=False, compare=False, default=())
    _level_thresholds: tuple[float | None, ...] | None = field(
        init=False, repr=False, compare=False, default=None
    )
    _gradable: bool = field(init=False, repr=False, compare=False, default=False)
    _heights: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if len(set(self.levels)) != len(self.levels):
            raise MatrixError("duplicate level code")
        positions = {code: index for index, code in enumerate(self.levels)}
        for row in self.skills:
            _check_scale(row)
        most = max((len(row.steps) for row in self.skills), default=len(AWE_STEPS))
        by_level, skill_hits = _compile_rows(self.skills, positions, most)
        plans = tuple(
            _level_plan(code, level_cells, 2 * most)
            for code, level_cells in zip(self.levels, by_level, strict=True)
        )
        tracks = MappingProxyType(dict(self.tracks))
        _check_levels_named(tracks, positions, "track")
        thresholds = None
        level_thresholds = None
        if self.thresholds is not None:
            thresholds = MappingProxyType(dict(self.thresholds))
            _check_levels_named(thresholds, positions, "threshold")
            level_thresholds = tuple(_threshold(thresholds, code) for code in self.levels)
        has_cells = any(plan.cells for plan in plans)
        gradable = bool(self.levels) and (bool(thresholds) if thresholds is not None else has_cells)
        object.__setattr__(self, "tracks", tracks)
        object.__setattr__(self, "thresholds", thresholds)
        object.__setattr__(self, "_plans", plans)
        object.__setattr__(self, "_skill_hits", skill_hits)
        object.__setattr__(self, "_skill_slugs", frozenset(skill_hits))
        object.__setattr__(self, "_paths", _compile_paths(self.levels, tracks, self.track_order))
        object.__setattr__(self, "_level_thresholds", level_thresholds)
        object.__setattr__(self, "_gradable", gradable)
        ranks = MappingProxyType(dict(self.ranks))
        _check_levels_named(ranks, positions, "rank")
        object.__setattr__(self, "ranks", ranks)
        heights = tuple(ranks.get(code, index + 1) for index, code in enumerate(self.levels))
        object.__setattr__(self, "_heights", heights)

    @property
    def skill_slugs(self) -> frozenset[str]:
        return self._skill_slugs


def _check_scale(row: SkillRequirements) -> None:
    steps = row.steps
    if not 1 <= len(steps) <= MAX_STEPS:
        raise MatrixError(f"{row.skill!r} needs 1 to {MAX_STEPS} steps, not {len(steps)}")
    if len(set(steps)) != len(steps):
        raise MatrixError(f"duplicate step code for {row.skill!r}")
    if row.points and len(row.points) != len(steps):
        raise MatrixError(f"{row.skill!r} has {len(steps)} steps but {len(row.points)} points")


def _check_levels_named(
    mapping: Mapping[str, object], positions: Mapping[str, int], what: str
) -> None:
    for level in mapping:
        if level not in positions:
            raise MatrixError(f"{what} for unknown level {level!r}")


def _threshold(thresholds: Mapping[str, float], level: str) -> float | None:
    value = thresholds.get(level)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise MatrixError(f"threshold of {level!r} must be a number, not {value!r}")
    return float(value)


def _compile_rows(
    rows: tuple[SkillRequirements, ...], positions: Mapping[str, int], most: int
) -> tuple[
    list[list[tuple[bool, int, int, _PlanCell]]],
    dict[str, _SkillHits],
]:
    """Each level's cells as (optional, domain index, skill index, cell), to be sorted, and
    each skill's top rank and cells."""
    by_level: list[list[tuple[bool, int, int, _PlanCell]]] = [[] for _ in positions]
    skill_hits: dict[str, _SkillHits] = {}
    domain_order: dict[str, int] = {}
    for skill_index, row in enumerate(rows):
        if row.skill in skill_hits:
            raise MatrixError(f"duplicate skill {row.skill!r}")
        domain_index = domain_order.setdefault(row.domain, len(domain_order))
        ranks = {code: index + 1 for index, code in enumerate(row.steps)}
        cells: list[_SkillCell] = []
        for requirement in row.requirements:
            level_index = _cell_level(row, requirement, positions, cells)
            if requirement.code not in ranks:
                raise MatrixError(f"bad code {requirement.code!r} for {row.skill!r}")
            rank = ranks[requirement.code]
            optional = not requirement.mandatory
            cells.append((level_index, rank, optional))
            gaps = _cell_gaps(row, requirement, rank, most)
            by_level[level_index].append(
                (optional, domain_index, skill_index, (row.skill, rank, optional, gaps))
            )
        skill_hits[row.skill] = _skill_hits(cells, len(row.steps))
    return by_level, skill_hits


def _skill_hits(cells: list[_SkillCell], top: int) -> _SkillHits:
    return tuple(
        (
            tuple(index for index, rank, _ in cells if rating >= rank),
            tuple(index for index, rank, optional in cells if optional and rating >= rank),
        )
        for rating in range(top + 1)
    )


def _cell_level(
    row: SkillRequirements,
    requirement: Requirement,
    positions: Mapping[str, int],
    cells: list[_SkillCell],
) -> int:
    if requirement.level not in positions:
        raise MatrixError(f"unknown level {requirement.level!r} for {row.skill!r}")
    level_index = positions[requirement.level]
    if any(index == level_index for index, _, _ in cells):
        raise MatrixError(f"two cells for {row.skill!r} at {requirement.level!r}")
    return level_index


def _cell_gaps(
    row: SkillRequirements, requirement: Requirement, rank: int, most: int
) -> tuple[tuple[int, Gap], ...]:
    """The cell's (bucket, gap) for each rating below its rank."""
    optional = not requirement.mandatory
    return tuple(
        (
            most * optional + rank - rating - 1,
            Gap(
                skill=row.skill,
                domain=row.domain,
                level=requirement.level,
                code=requirement.code,
                rating=rating,
                mandatory=requirement.mandatory,
                steps=rank - rating,
                rating_code=row.steps[rating - 1] if rating else None,
            ),
        )
        for rating in range(rank)
    )


def _level_plan(
    code: str, level_cells: list[tuple[bool, int, int, _PlanCell]], buckets: int
) -> _LevelPlan:
    """A level's plan from its cells as (optional, domain index, skill index, cell)."""
    # A skill has one cell per level, so no two items tie before the cell: no cell is compared.
    level_cells.sort()
    return _LevelPlan(
        code=code,
        cells=tuple(cell for *_, cell in level_cells),
        optional_cells=sum(1 for optional, *_ in level_cells if optional),
        buckets=buckets,
    )


def _compile_paths(
    levels: tuple[str, ...], tracks: Mapping[str, str], track_order: tuple[str, ...]
) -> tuple[_Path, ...]:
    """The paths as (track, level indices, level codes): one trackless path of every level, or
    one per track the levels use, each the trackless levels and the track's own, in ladder
    order."""
    if not levels:
        return ()
    used = list(dict.fromkeys(track for code in levels if (track := tracks.get(code))))
    if not used:
        return ((None, tuple(range(len(levels))), levels),)
    ordered = [track for track in dict.fromkeys(track_order) if track in used]
    ordered += [track for track in used if track not in ordered]
    paths = []
    for track in ordered:
        indices = tuple(
            index for index, code in enumerate(levels) if tracks.get(code) in (None, track)
        )
        paths.append((track, indices, tuple(levels[index] for index in indices)))
    return tuple(paths)


def _unmet_cells(plan: _LevelPlan, ratings: Mapping[str, int]) -> tuple[Gap, ...]:
    """The unmet cells of a level, in gap order: one pass, each dropped in its bucket."""
    rating_of = ratings.get
    buckets: list[list[Gap]] = [[] for _ in range(plan.buckets)]
    for skill, rank, _optional, gaps in plan.cells:
        rating = rating_of(skill, 0)
        if rating < rank:
            bucket, gap = gaps[rating]
            buckets[bucket].append(gap)
    return tuple(chain.from_iterable(buckets))


@dataclass(frozen=True, slots=True, eq=False)
class LevelResult:
    code: str
    # Cumulative rule: the level's cells hold; points rule: its threshold is reached.
    met: bool
    coverage: float
    cells: int
    cells_met: int
    optional_cells: int
    optional_met: int
    # How many optional cells must be met for the optional share to hold.
    optional_needed: int
    # What ``unmet`` is worked out from, when first asked for: the API shows only the next
    # level's gaps, so the other levels' are never built there.
    _plan: _LevelPlan = field(repr=False)
    _ratings: Mapping[str, int] = field(repr=False)
    _unmet: tuple[Gap, ...] | None = field(default=None, repr=False)

    @property
    def unmet(self) -> tuple[Gap, ...]:
        """Every unmet cell of the level, in gap order (mandatory first, fewer steps, domain,
        skill)."""
        unmet = self._unmet
        if unmet is None:
            unmet = _unmet_cells(self._plan, self._ratings)
            object.__setattr__(self, "_unmet", unmet)
        return unmet

    @property
    def mandatory_unmet(self) -> tuple[Gap, ...]:
        return tuple(gap for gap in self.unmet if gap.mandatory)

    @property
    def optional_shortfall(self) -> int:
        """Optional cells still to meet before the optional share holds (0 when it does)."""
        return max(0, self.optional_needed - self.optional_met)


@dataclass(frozen=True, slots=True)
class PathResult:
    """One path of the ladder (``track`` None for a role without tracks) and its grade."""

    track: str | None
    levels: tuple[str, ...]
    grade: str | None
    next_level: str | None
    # The unmet cells of the path's next level, in gap order (empty for the points rule).
    gaps: tuple[Gap, ...]
    # Points rule: the points the next level still takes (None at the top or when cumulative).
    points_missing: float | None


@dataclass(frozen=True, slots=True)
class SkillPoints:
    skill: str
    domain: str
    rating: int
    rating_code: str | None
    points: float


@dataclass(frozen=True, slots=True)
class Threshold:
    level: str
    threshold: float
    reached: bool
    missing: float


@dataclass(frozen=True, slots=True)
class PointsStep:
    """A skill whose next step would add points."""

    skill: str
    domain: str
    rating: int
    rating_code: str | None
    next_code: str
    adds: float


@dataclass(frozen=True, slots=True)
class PointsResult:
    total: float
    # Every skill, in the role's order.
    per_skill: tuple[SkillPoints, ...]
    # The levels with a threshold, in ladder order.
    thresholds: tuple[Threshold, ...]
    # Towards the overall next level: most points added first, then the role's order.
    suggestions: tuple[PointsStep, ...]


@dataclass(frozen=True, slots=True)
class GradeResult:
    grade: str | None
    next_level: str | None
    levels: tuple[LevelResult, ...]
    # The unmet cells of the next level, in gap order; empty at the top.
    gaps: tuple[Gap, ...]
    status: str = GRADED
    paths: tuple[PathResult, ...] = ()
    points: PointsResult | None = None

    @property
    def at_top(self) -> bool:
        return self.status == GRADED and self.grade is not None and self.next_level is None


def rank_of(code: str | None) -> int:
    """The rank of a requirement code or rating code; ``None`` (empty, unrated) is 0."""
    if code is None:
        return 0
    try:
        return RANKS[code]
    except KeyError:
        raise ValueError(f"code must be one of A, W, E or None, not {code!r}") from None


def ratings_from_codes(codes: Mapping[str, str | None]) -> dict[str, int]:
    """Turn ``{skill: "A"|"W"|"E"|None}`` into ranks, dropping unrated skills."""
    return {skill: rank for skill, code in codes.items() if (rank := rank_of(code))}


def ratings_from_step_codes(matrix: Matrix, codes: Mapping[str, str | None]) -> dict[str, int]:
    """Turn ``{skill: step code | None}`` into ranks on each skill's scale, dropping unrated
    skills and skills the matrix does not hold (a stored assessment may rate removed skills).

    Raises :class:`UnknownStep` for a code that is not a step of its skill's scale.
    """
    rows = {row.skill: row.steps for row in matrix.skills}
    ranks: dict[str, int] = {}
    for skill, code in codes.items():
        steps = rows.get(skill)
        if steps is None or code is None:
            continue
        try:
            ranks[skill] = steps.index(code) + 1
        except ValueError:
            raise UnknownStep(skill, code, steps) from None
    return ranks


def optional_needed(total: int, share: float) -> int:
    """The smallest number of optional cells ``k`` with ``k / total >= share`` (0 of none).

    Counted up from ``share * total`` rounded down (never above the answer) by comparing the
    same ratio the rule states, rather than ``ceil(share * total)``, whose float rounding would
    ask 0.7 × 10 = 7.000000000000001 → 8 cells.
    """
    needed = min(total, max(0, int(share * total)))
    while needed < total and needed / total < share:
        needed += 1
    return needed


def _met_cells(matrix: Matrix, ratings: Mapping[str, int]) -> tuple[list[int], list[int]]:
    """Met cells and met optional cells per level, counted from the rated skills alone (an
    unrated skill meets nothing). Ratings of skills the matrix does not hold are ignored."""
    met = [0] * len(matrix._plans)
    optional_met = [0] * len(matrix._plans)
    skill_hits = matrix._skill_hits
    for skill, rating in ratings.items():
        hits = skill_hits.get(skill)
        if hits is None:
            continue
        # A rating indexes the prepared hits and gaps: a whole number (bool is one) 0..top.
        if not isinstance(rating, int) or not 0 <= rating < len(hits):
            raise ValueError(
                f"rating of {skill!r} must be a whole number between 0 and {len(hits) - 1},"
                f" not {rating!r}"
            )
        levels_met, optional_levels_met = hits[rating]
        for index in levels_met:
            met[index] += 1
        for index in optional_levels_met:
            optional_met[index] += 1
    return met, optional_met


def _points_of(row: SkillRequirements, rating: int) -> float:
    return float(row.points[rating - 1]) if rating and row.points else 0.0


def _points_total(matrix: Matrix, ratings: Mapping[str, int]) -> float:
    """Σ over the rated skills of their rating's points, in the role's order."""
    total = 0.0
    for row in matrix.skills:
        total += _points_of(row, ratings.get(row.skill, 0))
    return total


def _level_results(
    matrix: Matrix, ratings: Mapping[str, int], optional_share: float, total: float
) -> tuple[LevelResult, ...]:
    met, optional_met = _met_cells(matrix, ratings)
    thresholds = matrix._level_thresholds
    # The caller's mapping may change after this returns; the results keep a copy.
    kept = dict(ratings)
    levels = []
    for index, plan in enumerate(matrix._plans):
        cells = len(plan.cells)
        optional_total = plan.optional_cells
        if thresholds is None:
            mandatory_ok = met[index] - optional_met[index] == plan.mandatory_cells
            optional_ok = (
                optional_total == 0 or optional_met[index] / optional_total >= optional_share
            )
            level_met = mandatory_ok and optional_ok
        else:
            threshold = thresholds[index]
            level_met = threshold is not None and threshold <= total
        levels.append(
            LevelResult(
                code=plan.code,
                met=level_met,
                coverage=met[index] / cells if cells else 1.0,
                cells=cells,
                cells_met=met[index],
                optional_cells=optional_total,
                optional_met=optional_met[index],
                optional_needed=optional_needed(optional_total, optional_share),
                _plan=plan,
                _ratings=kept,
            )
        )
    return tuple(levels)


def _cumulative_path(path: _Path, levels: tuple[LevelResult, ...]) -> tuple[int | None, PathResult]:
    """The cumulative rule along a path: (the grade's level index, the path's result)."""
    track, indices, codes = path
    reached = 0
    while reached < len(indices) and levels[indices[reached]].met:
        reached += 1
    grade_index = indices[reached - 1] if reached else None
    next_result = levels[indices[reached]] if reached < len(indices) else None
    return grade_index, PathResult(
        track=track,
        levels=codes,
        grade=levels[grade_index].code if grade_index is not None else None,
        next_level=next_result.code if next_result else None,
        gaps=next_result.unmet if next_result else (),
        points_missing=None,
    )


def _points_path(
    path: _Path,
    levels: tuple[LevelResult, ...],
    thresholds: tuple[float | None, ...],
    total: float,
) -> tuple[int | None, PathResult]:
    """The points rule along a path: the highest level whose threshold is reached; next, the
    first level after it with a threshold."""
    track, indices, codes = path
    grade_at = None
    for position, index in enumerate(indices):
        if levels[index].met:
            grade_at = position
    above = indices[grade_at + 1 :] if grade_at is not None else indices
    next_index = next((index for index in above if thresholds[index] is not None), None)
    next_threshold = thresholds[next_index] if next_index is not None else None
    grade_index = indices[grade_at] if grade_at is not None else None
    return grade_index, PathResult(
        track=track,
        levels=codes,
        grade=levels[grade_index].code if grade_index is not None else None,
        next_level=levels[next_index].code if next_index is not None else None,
        gaps=(),
        points_missing=next_threshold - total if next_threshold is not None else None,
    )


def _points_result(
    matrix: Matrix, ratings: Mapping[str, int], total: float, next_level: str | None
) -> PointsResult:
    per_skill = []
    suggestions = []
    for position, row in enumerate(matrix.skills):
        rating = ratings.get(row.skill, 0)
        rating_code = row.steps[rating - 1] if rating else None
        points = _points_of(row, rating)
        per_skill.append(SkillPoints(row.skill, row.domain, rating, rating_code, points))
        if next_level is not None and rating < len(row.steps):
            adds = _points_of(row, rating + 1) - points
            if adds > 0:
                step = PointsStep(
                    row.skill, row.domain, rating, rating_code, row.steps[rating], adds
                )
                suggestions.append((-adds, position, step))
    suggestions.sort(key=lambda item: item[:2])
    thresholds = matrix._level_thresholds or ()
    return PointsResult(
        total=total,
        per_skill=tuple(per_skill),
        thresholds=tuple(
            Threshold(code, threshold, threshold <= total, max(0.0, threshold - total))
            for code, threshold in zip(matrix.levels, thresholds, strict=True)
            if threshold is not None
        ),
        suggestions=tuple(step for *_, step in suggestions),
    )


def _path_results(
    matrix: Matrix, levels: tuple[LevelResult, ...], total: float
) -> list[tuple[int | None, PathResult]]:
    thresholds = matrix._level_thresholds
    if thresholds is None:
        return [_cumulative_path(path, levels) for path in matrix._paths]
    return [_points_path(path, levels, thresholds, total) for path in matrix._paths]


def grade(matrix: Matrix, ratings: Mapping[str, int], *, optional_share: float) -> GradeResult:
    """Grade ``ratings`` (skill slug → rank 0..its scale's steps) against ``matrix`` (DESIGN §5).

    Each path is graded on its own; the overall grade is the path grade highest on the ladder
    (ties: the first path), and the next level and gaps are that path's (the first path's when
    no path has a grade). Ratings of skills the matrix does not hold are ignored: a stored
    assessment may rate skills a later version of the role removed.
    """
    if not 0.0 <= optional_share <= 1.0:
        raise ValueError(f"optional_share must be between 0 and 1, not {optional_share!r}")
    points_rule = matrix._level_thresholds is not None
    total = _points_total(matrix, ratings) if points_rule else 0.0
    levels = _level_results(matrix, ratings, optional_share, total)
    if not matrix._gradable:
        # No grade: a role with nothing to test is never "top level met" (DESIGN §5).
        return GradeResult(
            grade=None,
            next_level=None,
            levels=levels,
            gaps=(),
            status=NOTHING_TO_GRADE,
            paths=(),
            points=_points_result(matrix, ratings, total, None) if points_rule else None,
        )
    graded = _path_results(matrix, levels, total)
    heights = matrix._heights
    best_index, best = graded[0]
    for grade_index, path in graded[1:]:
        if grade_index is not None and (
            best_index is None or heights[grade_index] > heights[best_index]
        ):
            best_index, best = grade_index, path
    return GradeResult(
        grade=best.grade,
        next_level=best.next_level,
        levels=levels,
        gaps=best.gaps,
        status=GRADED,
        paths=tuple(path for _, path in graded),
        points=_points_result(matrix, ratings, total, best.next_level) if points_rule else None,
    )
