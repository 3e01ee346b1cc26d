"""The grade engine of DESIGN §5: pure Python, no Django. Data in, frozen dataclasses out.

A role's matrix is described by :class:`Matrix` (its levels in ladder order and, for each skill in
the role's order, the non-empty cells). A person's ratings map skill slugs to ranks on the same
scale as requirement codes (empty 0 < A 1 < W 2 < E 3); an unrated skill counts as 0.
:func:`grade` applies the rule with the optional share passed in (the caller reads it from
settings), so the engine can be tested and benchmarked on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain

RANKS: dict[str, int] = {"A": 1, "W": 2, "E": 3}
CODES_BY_RANK: dict[int, str | None] = {0: None, 1: "A", 2: "W", 3: "E"}
MAX_RANK = 3


class MatrixError(ValueError):
    """A matrix the engine cannot grade against (unknown level, bad code, duplicate skill)."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """One non-empty cell: the code a level asks of a skill, and whether it is mandatory."""

    level: str
    code: str
    mandatory: bool = True


@dataclass(frozen=True, slots=True)
class SkillRequirements:
    """One row of the matrix. Empty cells are simply absent from ``requirements``."""

    skill: str
    domain: str
    requirements: tuple[Requirement, ...] = ()


# One cell as a level's plan holds it: the skill, the rank asked, whether the cell is optional
# and, for each rating below the rank, that gap's bucket and the gap (built once per matrix: a
# gap depends only on the cell and the rating).
_PlanCell = tuple[str, int, bool, tuple[tuple[int, "Gap"], ...]]

# Gap order is: mandatory first, then fewer steps, then the domain's position, then the skill's.
# A level's cells are kept sorted by (optional, domain, skill), so appending each unmet cell to
# the bucket of its (optional, steps) and reading the buckets in turn yields that order without
# sorting: bucket = 3 * optional + steps - 1 (steps are 1..3).
_BUCKETS = 2 * 3


@dataclass(frozen=True, slots=True)
class _LevelPlan:
    """A level of a :class:`Matrix` compiled once for grading."""

    code: str
    cells: tuple[_PlanCell, ...]
    optional_cells: int

    @property
    def mandatory_cells(self) -> int:
        return len(self.cells) - self.optional_cells


@dataclass(frozen=True, slots=True)
class Matrix:
    """Levels in ladder order and skill rows in the role's order.

    A domain's order is the position of its first skill, so a role whose domains are contiguous
    (every role imported from a §4 document) sorts exactly by "domain order, then skill order".
    """

    levels: tuple[str, ...]
    skills: tuple[SkillRequirements, ...]
    # Compiled once per matrix (a role version's lives in the process): each level's cells in
    # gap order with their gaps, and each skill's cells as (level index, rank, optional), so
    # grading counts met cells from the rated skills alone.
    _plans: tuple[_LevelPlan, ...] = field(init=False, repr=False, compare=False, default=())
    _skill_cells: Mapping[str, tuple[tuple[int, int, bool], ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _skill_slugs: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self) -> None:
        if len(set(self.levels)) != len(self.levels):
            raise MatrixError("duplicate level code")
        positions = {code: index for index, code in enumerate(self.levels)}
        # (optional, domain index, skill index, cell) per level, sorted below.
        by_level: list[list[tuple[bool, int, int, _PlanCell]]] = [[] for _ in self.levels]
        skill_cells: dict[str, tuple[tuple[int, int, bool], ...]] = {}
        domain_order: dict[str, int] = {}
        for skill_index, row in enumerate(self.skills):
            if row.skill in skill_cells:
                raise MatrixError(f"duplicate skill {row.skill!r}")
            domain_index = domain_order.setdefault(row.domain, len(domain_order))
            cells: list[tuple[int, int, bool]] = []
            for requirement in row.requirements:
                if requirement.level not in positions:
                    raise MatrixError(f"unknown level {requirement.level!r} for {row.skill!r}")
                level_index = positions[requirement.level]
                if any(index == level_index for index, _, _ in cells):
                    raise MatrixError(f"two cells for {row.skill!r} at {requirement.level!r}")
                if requirement.code not in RANKS:
                    raise MatrixError(f"bad code {requirement.code!r} for {row.skill!r}")
                rank = RANKS[requirement.code]
                optional = not requirement.mandatory
                cells.append((level_index, rank, optional))
                gaps = tuple(
                    (
                        3 * optional + rank - rating - 1,
                        Gap(
                            skill=row.skill,
                            domain=row.domain,
                            level=requirement.level,
                            code=requirement.code,
                            rating=rating,
                            mandatory=requirement.mandatory,
                            steps=rank - rating,
                        ),
                    )
                    for rating in range(rank)
                )
                by_level[level_index].append(
                    (optional, domain_index, skill_index, (row.skill, rank, optional, gaps))
                )
            skill_cells[row.skill] = tuple(cells)
        plans = tuple(
            _level_plan(code, level_cells)
            for code, level_cells in zip(self.levels, by_level, strict=True)
        )
        object.__setattr__(self, "_plans", plans)
        object.__setattr__(self, "_skill_cells", skill_cells)
        object.__setattr__(self, "_skill_slugs", frozenset(skill_cells))

    @property
    def skill_slugs(self) -> frozenset[str]:
        return self._skill_slugs


def _level_plan(code: str, level_cells: list[tuple[bool, int, int, _PlanCell]]) -> _LevelPlan:
    """A level's plan from its cells as (optional, domain index, skill index, cell)."""
    # A skill has one cell per level, so no two items tie before the cell: no cell is compared.
    level_cells.sort()
    return _LevelPlan(
        code=code,
        cells=tuple(cell for *_, cell in level_cells),
        optional_cells=sum(1 for optional, *_ in level_cells if optional),
    )


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

    @property
    def rating_code(self) -> str | None:
        return CODES_BY_RANK[self.rating]


def _unmet_cells(plan: _LevelPlan, ratings: Mapping[str, int]) -> tuple[Gap, ...]:
    """The unmet cells of a level, in gap order: one pass, each dropped in its bucket."""
    rating_of = ratings.get
    buckets: list[list[Gap]] = [[] for _ in range(_BUCKETS)]
    for skill, rank, _optional, gaps in plan.cells:
        rating = rating_of(skill, 0)
        if rating < rank:
            bucket, gap = gaps[rating]
            buckets[bucket].append(gap)
    return tuple(chain.from_iterable(buckets))


@dataclass(frozen=True, slots=True, eq=False)
class LevelResult:
    code: str
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
class GradeResult:
    grade: str | None
    next_level: str | None
    levels: tuple[LevelResult, ...]
    # The unmet cells of the next level, in gap order; empty at the top.
    gaps: tuple[Gap, ...]

    @property
    def at_top(self) -> bool:
        return self.grade is not None and self.next_level is None


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
    unrated skill meets nothing)."""
    met = [0] * len(matrix._plans)
    optional_met = [0] * len(matrix._plans)
    skill_cells = matrix._skill_cells
    for skill, rating in ratings.items():
        # A rating indexes the cells' prepared gaps: a whole number (bool is one) 0..3.
        if not isinstance(rating, int) or not 0 <= rating <= MAX_RANK:
            raise ValueError(
                f"rating of {skill!r} must be a whole number between 0 and 3, not {rating!r}"
            )
        for index, rank, optional in skill_cells.get(skill, ()):
            if rating >= rank:
                met[index] += 1
                optional_met[index] += optional
    return met, optional_met


def grade(matrix: Matrix, ratings: Mapping[str, int], *, optional_share: float) -> GradeResult:
    """Grade ``ratings`` (skill slug → rank 0..3) against ``matrix`` (DESIGN §5).

    Ratings of skills the matrix does not hold are ignored: a stored assessment may rate skills
    a later version of the role removed.
    """
    if not 0.0 <= optional_share <= 1.0:
        raise ValueError(f"optional_share must be between 0 and 1, not {optional_share!r}")
    plans = matrix._plans
    met, optional_met = _met_cells(matrix, ratings)
    # The caller's mapping may change after this returns; the results keep a copy.
    kept = dict(ratings)
    levels = []
    for index, plan in enumerate(plans):
        cells = len(plan.cells)
        optional_total = plan.optional_cells
        mandatory_ok = met[index] - optional_met[index] == plan.mandatory_cells
        optional_ok = optional_total == 0 or optional_met[index] / optional_total >= optional_share
        levels.append(
            LevelResult(
                code=plan.code,
                met=mandatory_ok and optional_ok,
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
    reached = 0
    while reached < len(levels) and levels[reached].met:
        reached += 1
    grade_code = levels[reached - 1].code if reached else None
    next_result = levels[reached] if reached < len(levels) else None
    return GradeResult(
        grade=grade_code,
        next_level=next_result.code if next_result else None,
        levels=tuple(levels),
        gaps=next_result.unmet if next_result else (),
    )
