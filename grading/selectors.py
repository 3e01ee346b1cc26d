"""Reads of the grading domain: a role as the calculator needs it, and stored assessments.

A :class:`GradingSheet` is a role at one version reduced to what grading shows: its levels, its
skills grouped by domain with their expected codes, and the engine's ``Matrix``.
It is built from a live :class:`~roles.presenters.RoleMatrix` or from a version snapshot (the §4
document), and the two agree; a stored assessment is graded against the snapshot of the version
it was taken on, so it keeps showing the result it had.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext, gettext_noop

from grading import engine
from grading.errors import AssessmentNotFound, GradingNotSupported
from grading.models import Assessment
from roles.changes.state import RoleState
from roles.framework_document import role_states
from roles.models import Level, Role, RoleVersion
from roles.presenters import RoleMatrix
from roles.selectors import role_matrix_for, role_state_from_matrix


@dataclass(frozen=True, slots=True)
class SheetLevel:
    code: str
    name: str
    short: str
    focus: str


@dataclass(frozen=True, slots=True)
class SheetCell:
    level: str
    code: str | None
    mandatory: bool


@dataclass(frozen=True, slots=True)
class SheetSkill:
    slug: str
    name: str
    cells: tuple[SheetCell, ...]


@dataclass(frozen=True, slots=True)
class SheetDomain:
    slug: str
    name: str
    skills: tuple[SheetSkill, ...]


@dataclass(frozen=True, slots=True)
class GradingSheet:
    levels: tuple[SheetLevel, ...]
    domains: tuple[SheetDomain, ...]
    matrix: engine.Matrix
    # Why the grade engine cannot grade this role yet ("" when it can): format v2 roles with
    # forked ladders, their own scales or a points rule come with the next engine; until then
    # the calculator says so rather than give a wrong grade.
    unsupported: str = ""
    nothing_to_grade: bool = False

    def level(self, code: str | None) -> SheetLevel | None:
        return next((level for level in self.levels if level.code == code), None)

    def check_gradable(self) -> None:
        """Raise :class:`GradingNotSupported` when the engine cannot grade this role."""
        if self.unsupported:
            raise GradingNotSupported(
                gettext(self.unsupported), nothing_to_grade=self.nothing_to_grade
            )

    @property
    def skills(self) -> tuple[SheetSkill, ...]:
        return tuple(skill for domain in self.domains for skill in domain.skills)


def _sheet(levels: list[SheetLevel], domains: list[SheetDomain], state: RoleState) -> GradingSheet:
    unsupported = unsupported_reason(state)
    # The engine is only given what it grades exactly; a sheet it cannot grade keeps its
    # skills (for the page) with no requirements.
    matrix = engine.Matrix(
        levels=tuple(level.code for level in levels),
        skills=tuple(
            engine.SkillRequirements(
                skill=skill.slug,
                domain=domain.slug,
                requirements=()
                if unsupported
                else tuple(
                    engine.Requirement(level=cell.level, code=cell.code, mandatory=cell.mandatory)
                    for cell in skill.cells
                    if cell.code is not None
                ),
            )
            for domain in domains
            for skill in domain.skills
        ),
    )
    return GradingSheet(
        levels=tuple(levels),
        domains=tuple(domains),
        matrix=matrix,
        unsupported=unsupported,
        nothing_to_grade=unsupported == NOTHING_TO_GRADE,
    )


NOTHING_TO_GRADE = gettext_noop(
    "This role has nothing to grade: it has no levels or no requirements."
)


def nothing_to_grade(state: RoleState) -> bool:
    """A role with no levels, or no cell asking for a step (DESIGN §5)."""
    return not state.levels or not any(c.counted for s in state.skills for c in s.cells.values())


def unsupported_reason(state: RoleState) -> str:
    """Why today's engine (one chain of levels, A/W/E, the cumulative rule with the site's
    optional share) cannot grade a role exactly, or "". ``n/a`` cells are fine: never counted,
    they weigh as an empty cell does."""
    grading = state.grading or {"rule": "cumulative"}
    share = grading.get("optional_share", settings.GRADING_OPTIONAL_SHARE)
    if grading.get("rule") != "cumulative" or share != settings.GRADING_OPTIONAL_SHARE:
        return gettext_noop("This role's grading rule is not supported yet.")
    if nothing_to_grade(state):
        return NOTHING_TO_GRADE
    if any(level.track for level in state.levels):
        return gettext_noop(
            "This role's ladder forks into tracks; grading forked ladders is not supported yet."
        )
    if any(skill.scale for skill in state.skills):
        return gettext_noop(
            "This role rates skills on scales of their own; grading them is not supported yet."
        )
    return ""


def grading_sheet_from_state(state: RoleState) -> GradingSheet:
    """The sheet of a role's state: its domains grouped as its page shows them (no queries)."""
    levels = [
        SheetLevel(code=level.code, name=level.name, short=level.short, focus=level.focus)
        for level in state.levels
    ]
    skills = {skill.slug: skill for skill in state.skills}
    domains = []
    for domain, slugs in state.grouped():
        rows = []
        for slug in slugs:
            skill = skills[slug]
            cells = []
            for level in state.levels:
                cell = skill.cells.get(level.code)
                counted = cell is not None and cell.counted
                cells.append(
                    SheetCell(
                        level=level.code,
                        code=cell.code if cell is not None and counted else None,
                        mandatory=cell.mandatory if cell is not None and counted else True,
                    )
                )
            rows.append(SheetSkill(slug=slug, name=skill.name, cells=tuple(cells)))
        domains.append(
            SheetDomain(slug=domain, name=state.domain_names[domain], skills=tuple(rows))
        )
    return _sheet(levels, domains, state)


def grading_sheet_from_matrix(matrix: RoleMatrix) -> GradingSheet:
    """The sheet of a role as its live tables hold it (no queries beyond the matrix's)."""
    return grading_sheet_from_state(role_state_from_matrix(matrix))


def grading_sheet_from_document(document: dict[str, Any] | str | bytes) -> GradingSheet:
    """The sheet of a document of either format, e.g. a :class:`~roles.models.RoleVersion`
    snapshot (its first role).

    Raises :class:`roles.document.RoleDocumentError` when the document is not valid.
    """
    return grading_sheet_from_state(role_states(document)[0])


@functools.lru_cache(maxsize=64)
def _snapshot_sheet(role_pk: int, number: int, stamp: float) -> GradingSheet | None:
    # A version never changes once written, so its sheet can live in the process for good:
    # no cache round trip and no unpickling of ~1,000 small objects per request. ``stamp`` (the
    # role's update time) keeps a recycled primary key (a test database rolled back, a role
    # deleted and imported again) from being served another role's sheet.
    snapshot = (
        RoleVersion.objects.filter(role_id=role_pk, number=number)
        .values_list("snapshot", flat=True)
        .first()
    )
    return None if snapshot is None else grading_sheet_from_document(snapshot)


def grading_sheet_get(*, role: Role) -> GradingSheet:
    """The sheet of ``role`` at its current version.

    Kept in the process per version: 0 queries when known, otherwise 1 (the version's
    snapshot), or 3 (the live matrix) for a role that has no version yet.
    """
    stamp = role.updated_at.timestamp() if role.updated_at else 0.0
    sheet = _snapshot_sheet(role.pk, role.current_version, stamp)
    return sheet if sheet is not None else grading_sheet_from_matrix(role_matrix_for(role))


def grading_sheet_for_version(*, role: Role, number: int) -> GradingSheet | None:
    """The sheet of ``role`` as it was at version ``number`` (1 query); None if not recorded."""
    snapshot = (
        RoleVersion.objects.filter(role=role, number=number)
        .values_list("snapshot", flat=True)
        .first()
    )
    return None if snapshot is None else grading_sheet_from_document(snapshot)


def grade_ratings(*, sheet: GradingSheet, ratings: dict[str, str]) -> engine.GradeResult:
    """Grade rating codes (skill slug → A/W/E) against a sheet with the configured optional
    share. No queries."""
    return engine.grade(
        sheet.matrix,
        engine.ratings_from_codes(ratings),
        optional_share=settings.GRADING_OPTIONAL_SHARE,
    )


def assessment_get(*, token: str) -> Assessment:
    """An assessment by its share token, with role and family (1 query); raises
    :class:`AssessmentNotFound` when unknown."""
    assessment = (
        Assessment.objects.select_related("role", "role__family").filter(token=token).first()
    )
    if assessment is None:
        raise AssessmentNotFound("No such assessment")
    return assessment


def assessment_list_for_user(*, user: User) -> QuerySet[Assessment]:
    """A member's assessments, newest first, with their roles and ``first_level_name`` (the
    role's first level, to say "Below Junior" of an assessment with no grade), in 1 query."""
    first_level = Level.objects.filter(role=OuterRef("role")).order_by("order").values("name")
    return (
        Assessment.objects.filter(user=user)
        .select_related("role")
        .annotate(first_level_name=Subquery(first_level[:1]))
        .order_by("-created_at", "-pk")
    )
