"""What the calculator and the share page show: an engine result dressed with the names of a
:class:`~grading.selectors.GradingSheet`. No queries, nothing Django beyond translations."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from grading import engine
from grading.forms import rating_field_name
from grading.selectors import GradingSheet, SheetCell, SheetLevel
from roles.models import RequirementCode

CODE_NAMES = dict(RequirementCode.choices)


@dataclass(frozen=True)
class RatingOption:
    value: str
    short: str
    name: str
    checked: bool


@dataclass(frozen=True)
class ExpectedCell:
    level: SheetLevel
    cell: SheetCell

    @property
    def code_name(self) -> str:
        return str(CODE_NAMES[self.cell.code]) if self.cell.code else ""


@dataclass(frozen=True)
class RatingRow:
    slug: str
    name: str
    field_name: str
    rating: str | None
    options: tuple[RatingOption, ...]
    expected: tuple[ExpectedCell, ...]

    @property
    def rating_name(self) -> str:
        return str(CODE_NAMES[self.rating]) if self.rating else ""


@dataclass(frozen=True)
class RatingGroup:
    slug: str
    name: str
    rows: tuple[RatingRow, ...]


def rating_groups(sheet: GradingSheet, ratings: Mapping[str, str]) -> list[RatingGroup]:
    """The skills of the sheet grouped by domain, each with its radio options and expected
    codes per level."""
    levels = {level.code: level for level in sheet.levels}
    groups = []
    for domain in sheet.domains:
        rows = []
        for skill in domain.skills:
            current = ratings.get(skill.slug) or ""
            options = tuple(
                RatingOption(
                    value=value,
                    short=value or "–",
                    name=str(_("None")) if not value else str(CODE_NAMES[value]),
                    checked=current == value,
                )
                for value in ("", "A", "W", "E")
            )
            rows.append(
                RatingRow(
                    slug=skill.slug,
                    name=skill.name,
                    field_name=rating_field_name(skill.slug),
                    rating=current or None,
                    options=options,
                    expected=tuple(
                        ExpectedCell(level=levels[cell.level], cell=cell) for cell in skill.cells
                    ),
                )
            )
        groups.append(RatingGroup(slug=domain.slug, name=domain.name, rows=tuple(rows)))
    return groups


@dataclass(frozen=True)
class GapItem:
    skill_name: str
    gap: engine.Gap

    @property
    def code_name(self) -> str:
        return str(CODE_NAMES[self.gap.code])

    @property
    def rating_name(self) -> str:
        code = self.gap.rating_code
        return str(CODE_NAMES[code]) if code else ""


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
    # Up to and including the grade; a met level above an unmet one does not count yet.
    within_grade: bool
    # Mandatory cells that keep the level from being met, by skill name, in gap order.
    blocking_skills: tuple[str, ...]

    @property
    def coverage_percent(self) -> int:
        # Floor, so 99.6 % never reads as 100 % while a cell is still unmet.
        return math.floor(self.result.coverage * 100)


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

    @property
    def at_top(self) -> bool:
        return self.result.at_top

    @property
    def gap_count(self) -> int:
        return len(self.result.gaps)

    @property
    def steps_total(self) -> int:
        return sum(gap.steps for gap in self.result.gaps)


def grade_report(
    sheet: GradingSheet, result: engine.GradeResult, ratings: Mapping[str, str]
) -> GradeReport:
    """Put names on ``result``; gaps are grouped by domain, domains in the order of their first
    gap, and each group keeps the engine's order."""
    skill_names = {skill.slug: skill.name for skill in sheet.skills}
    domain_names = {domain.slug: domain.name for domain in sheet.domains}
    groups: dict[str, list[GapItem]] = {}
    for gap in result.gaps:
        groups.setdefault(gap.domain, []).append(GapItem(skill_names[gap.skill], gap))
    codes = [level.code for level in sheet.levels]
    grade_index = codes.index(result.grade) if result.grade is not None else -1
    levels = tuple(
        LevelRow(
            level=level,
            result=level_result,
            is_grade=level.code == result.grade,
            is_next=level.code == result.next_level,
            within_grade=index <= grade_index,
            blocking_skills=tuple(skill_names[gap.skill] for gap in level_result.mandatory_unmet),
        )
        for index, (level, level_result) in enumerate(zip(sheet.levels, result.levels, strict=True))
    )
    return GradeReport(
        result=result,
        grade=sheet.level(result.grade),
        first_level=sheet.levels[0] if sheet.levels else None,
        next_level=sheet.level(result.next_level),
        levels=levels,
        gap_groups=tuple(
            GapGroup(domain_name=domain_names[slug], items=tuple(items))
            for slug, items in groups.items()
        ),
        rated_count=sum(1 for skill in sheet.skills if ratings.get(skill.slug)),
        skill_count=len(sheet.skills),
    )
