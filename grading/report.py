"""What the calculator and the share page show: an engine result dressed with the names of a
:class:`~grading.selectors.GradingSheet`. No queries, nothing Django beyond translations."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grading import engine
from grading.forms import rating_field_name
from grading.selectors import GradingSheet, SheetCell, SheetLevel, SheetSkill, SheetTrack
from roles.changes.state import Content


def step_name(skill: SheetSkill, code: str | None) -> str:
    """The name of a step of the skill's scale in the visitor's language ("" for none): the
    built-in scale's names are the site's own, translated; a framework's are its own words."""
    step = skill.step(code)
    if step is None:
        return ""
    return gettext(step.name) if skill.awe else step.name


@dataclass(frozen=True)
class RatingOption:
    value: str
    short: str
    name: str
    checked: bool
    # v2: the step's definition on its scale and what this skill looks like at that step.
    description: str = ""
    content: Content | None = None


@dataclass(frozen=True)
class ExpectedCell:
    level: SheetLevel
    cell: SheetCell
    code_name: str = ""


@dataclass(frozen=True)
class RatingRow:
    slug: str
    name: str
    field_name: str
    rating: str | None
    options: tuple[RatingOption, ...]
    expected: tuple[ExpectedCell, ...]
    description: str = ""
    # A scale of one step (a behaviour shown or not): the calculator offers a checkbox.
    single_step: bool = False

    @property
    def rating_name(self) -> str:
        return next((o.name for o in self.options if o.value and o.value == self.rating), "")

    @property
    def has_step_text(self) -> bool:
        """Whether any step says more than its name (the calculator then shows the steps)."""
        return any(option.description or option.content for option in self.options)


@dataclass(frozen=True)
class RatingGroup:
    slug: str
    name: str
    rows: tuple[RatingRow, ...]


def _options(skill: SheetSkill, current: str) -> tuple[RatingOption, ...]:
    none = RatingOption(value="", short="–", name=str(_("None")), checked=current == "")
    return (
        none,
        *(
            RatingOption(
                value=step.code,
                short=step.code,
                name=step_name(skill, step.code),
                checked=current == step.code,
                description=step.description,
                content=step.content,
            )
            for step in skill.steps
        ),
    )


def rating_groups(sheet: GradingSheet, ratings: Mapping[str, str]) -> list[RatingGroup]:
    """The skills of the sheet grouped by domain, each with the steps of its scale as options
    and the steps each level expects."""
    levels = {level.code: level for level in sheet.levels}
    groups = []
    for domain in sheet.domains:
        rows = []
        for skill in domain.skills:
            current = ratings.get(skill.slug) or ""
            rows.append(
                RatingRow(
                    slug=skill.slug,
                    name=skill.name,
                    field_name=rating_field_name(skill.slug),
                    rating=current or None,
                    options=_options(skill, current),
                    expected=tuple(
                        ExpectedCell(
                            level=levels[cell.level],
                            cell=cell,
                            code_name=step_name(skill, cell.code),
                        )
                        for cell in skill.cells
                    ),
                    description=skill.description,
                    single_step=len(skill.steps) == 1,
                )
            )
        groups.append(RatingGroup(slug=domain.slug, name=domain.name, rows=tuple(rows)))
    return groups


@dataclass(frozen=True)
class GapItem:
    skill: SheetSkill
    gap: engine.Gap

    @property
    def skill_name(self) -> str:
        return self.skill.name

    @property
    def code_name(self) -> str:
        return step_name(self.skill, self.gap.code)

    @property
    def rating_name(self) -> str:
        return step_name(self.skill, self.gap.rating_code)


@dataclass(frozen=True)
class GapGroup:
    domain_name: str
    items: tuple[GapItem, ...]


@dataclass(frozen=True)
class LevelRow:
    level: SheetLevel
    result: engine.LevelResult
    is_grade: bool
    is_next: bool
    # Up to and including the grade of a path it is on; a met level above an unmet one does
    # not count yet.
    within_grade: bool
    # Mandatory cells that keep the level from being met, by skill name, in gap order.
    blocking_skills: tuple[str, ...]
    track: SheetTrack | None = None

    @property
    def coverage_percent(self) -> int:
        # Floor, so 99.6 % never reads as 100 % while a cell is still unmet.
        return math.floor(self.result.coverage * 100)


@dataclass(frozen=True)
class PathView:
    """One path of a forked ladder: where the person stands on it and what its next level
    needs."""

    track: SheetTrack | None
    grade: SheetLevel | None
    next_level: SheetLevel | None
    gap_groups: tuple[GapGroup, ...]
    gap_count: int
    steps_total: int
    points_missing: float | None
    # The path the overall grade (and the main "what to learn next") follows.
    is_main: bool


@dataclass(frozen=True)
class ThresholdRow:
    level: SheetLevel
    threshold: float
    reached: bool
    missing: float
    is_grade: bool
    is_next: bool


@dataclass(frozen=True)
class SuggestionItem:
    skill: SheetSkill
    suggestion: engine.PointsStep

    @property
    def next_name(self) -> str:
        return step_name(self.skill, self.suggestion.next_code)


@dataclass(frozen=True)
class PointsView:
    total: float
    thresholds: tuple[ThresholdRow, ...]
    suggestions: tuple[SuggestionItem, ...]
    # The overall next level's threshold minus the total (None at the top).
    missing: float | None


@dataclass(frozen=True)
class GradeReport:
    result: engine.GradeResult
    grade: SheetLevel | None
    first_level: SheetLevel | None
    next_level: SheetLevel | None
    levels: tuple[LevelRow, ...]
    gap_groups: tuple[GapGroup, ...]
    rated_count: int
    skill_count: int
    # Forked ladders: every path (empty for a role without tracks).
    paths: tuple[PathView, ...] = ()
    # The points rule: the total, the thresholds and the steps that add most.
    points: PointsView | None = None

    @property
    def at_top(self) -> bool:
        return self.result.at_top

    @property
    def gap_count(self) -> int:
        return len(self.result.gaps)

    @property
    def steps_total(self) -> int:
        return sum(gap.steps for gap in self.result.gaps)


def _gap_groups(sheet: GradingSheet, gaps: tuple[engine.Gap, ...]) -> tuple[GapGroup, ...]:
    """Gaps grouped by domain, domains in the order of their first gap, each group in the
    engine's order."""
    domain_names = {domain.slug: domain.name for domain in sheet.domains}
    groups: dict[str, list[GapItem]] = {}
    for gap in gaps:
        # The engine only names the sheet's skills.
        groups.setdefault(gap.domain, []).append(GapItem(sheet.skills_by_slug[gap.skill], gap))
    return tuple(
        GapGroup(domain_name=domain_names[slug], items=tuple(items))
        for slug, items in groups.items()
    )


def _paths(sheet: GradingSheet, result: engine.GradeResult) -> tuple[PathView, ...]:
    if not sheet.tracks:
        return ()
    main = next(
        (p for p in result.paths if p.grade == result.grade and p.next_level == result.next_level),
        None,
    )
    return tuple(
        PathView(
            track=sheet.track(path.track),
            grade=sheet.level(path.grade),
            next_level=sheet.level(path.next_level),
            gap_groups=_gap_groups(sheet, path.gaps),
            gap_count=len(path.gaps),
            steps_total=sum(gap.steps for gap in path.gaps),
            points_missing=path.points_missing,
            is_main=path is main,
        )
        for path in result.paths
    )


def _points(sheet: GradingSheet, result: engine.GradeResult) -> PointsView | None:
    points = result.points
    if points is None:
        return None
    levels = {level.code: level for level in sheet.levels}
    rows = []
    for item in points.thresholds:
        rows.append(
            ThresholdRow(
                level=levels[item.level],
                threshold=item.threshold,
                reached=item.reached,
                missing=item.missing,
                is_grade=item.level == result.grade,
                is_next=item.level == result.next_level,
            )
        )
    suggestions = [
        SuggestionItem(skill=sheet.skills_by_slug[item.skill], suggestion=item)
        for item in points.suggestions
    ]
    missing = next((row.missing for row in rows if row.is_next), None)
    return PointsView(
        total=points.total, thresholds=tuple(rows), suggestions=tuple(suggestions), missing=missing
    )


def _within_grade(result: engine.GradeResult) -> set[str]:
    """The levels up to and including the grade of each path they are on."""
    within: set[str] = set()
    for path in result.paths:
        if path.grade is not None:
            within.update(path.levels[: path.levels.index(path.grade) + 1])
    return within


def grade_report(
    sheet: GradingSheet, result: engine.GradeResult, ratings: Mapping[str, str]
) -> GradeReport:
    """Put names on ``result``: levels, gaps grouped by domain, every path of a forked ladder
    and the points of a points ladder."""
    skill_names = {skill.slug: skill.name for skill in sheet.skills}
    within = _within_grade(result)
    levels = tuple(
        LevelRow(
            level=level,
            result=level_result,
            is_grade=level.code == result.grade,
            is_next=level.code == result.next_level,
            within_grade=level.code in within,
            blocking_skills=tuple(skill_names[gap.skill] for gap in level_result.mandatory_unmet),
            track=sheet.track(level.track),
        )
        for level, level_result in zip(sheet.levels, result.levels, strict=True)
    )
    return GradeReport(
        result=result,
        grade=sheet.level(result.grade),
        first_level=sheet.levels[0] if sheet.levels else None,
        next_level=sheet.level(result.next_level),
        levels=levels,
        gap_groups=_gap_groups(sheet, result.gaps),
        rated_count=sum(1 for skill in sheet.skills if ratings.get(skill.slug)),
        skill_count=len(sheet.skills),
        paths=_paths(sheet, result),
        points=_points(sheet, result),
    )
