"""Reads of the grading domain: a role as the calculator needs it, and stored assessments.

A :class:`GradingSheet` is a role at one version reduced to what grading shows: its levels, its
skills grouped by domain with their expected codes, and the engine's ``Matrix``.
It is built from a live :class:`~roles.presenters.RoleMatrix` or from a version snapshot (the §4
document), and the two agree; a stored assessment is graded against the snapshot of the version
it was taken on, so it keeps showing the result it had.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import OuterRef, QuerySet, Subquery

from grading import engine
from grading.errors import AssessmentNotFound
from grading.models import Assessment
from roles.changes.state import AWE, Content, RoleState, SkillState, Step
from roles.framework_document import role_states
from roles.models import Level, Role, RoleVersion
from roles.presenters import RoleMatrix
from roles.selectors import role_matrix_for, role_state_from_matrix, version_state_kept


@dataclass(frozen=True, slots=True)
class SheetTrack:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class SheetLevel:
    code: str
    name: str
    short: str
    focus: str
    # v2: the track the level is on ("" = every path), its rank on the band (None: its place
    # in the ladder) and, under the points rule, the total it asks for (None: none).
    track: str = ""
    rank: int | None = None
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class SheetStep:
    """A step of a skill's scale as the calculator offers it: the scale's name and definition,
    what this skill looks like at that step (v2), and its points under the points rule."""

    code: str
    name: str
    description: str = ""
    content: Content | None = None
    points: float = 0.0


@dataclass(frozen=True, slots=True)
class SheetCell:
    level: str
    code: str | None
    mandatory: bool
    not_applicable: bool = False


@dataclass(frozen=True, slots=True)
class SheetSkill:
    slug: str
    name: str
    cells: tuple[SheetCell, ...]
    steps: tuple[SheetStep, ...] = ()
    description: str = ""
    # On the built-in A/W/E scale: its step names are the site's, translated when shown.
    awe: bool = True

    def step(self, code: str | None) -> SheetStep | None:
        return next((step for step in self.steps if step.code == code), None)

    @property
    def step_codes(self) -> tuple[str, ...]:
        return tuple(step.code for step in self.steps)


@dataclass(frozen=True, slots=True)
class SheetDomain:
    slug: str
    name: str
    skills: tuple[SheetSkill, ...]


POINTS = "points"
CUMULATIVE = "cumulative"


@dataclass(frozen=True, slots=True)
class GradingSheet:
    levels: tuple[SheetLevel, ...]
    domains: tuple[SheetDomain, ...]
    matrix: engine.Matrix
    # The role's rule (DESIGN §5): cumulative (with its optional share) or points.
    rule: str = CUMULATIVE
    # The role's own optional share (None: the site's GRADING_OPTIONAL_SHARE, read when grading).
    optional_share: float | None = None
    tracks: tuple[SheetTrack, ...] = ()
    layout: str = "matrix"
    # Every skill rated on the built-in A/W/E scale: the calculator shows one legend for all.
    awe_only: bool = True
    # No levels, or nothing to reach them by: no cell asks for a step (cumulative), no level
    # has a threshold (points). The calculator says so rather than grade (DESIGN §5).
    nothing_to_grade: bool = False
    _by_slug: Mapping[str, SheetSkill] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def level(self, code: str | None) -> SheetLevel | None:
        return next((level for level in self.levels if level.code == code), None)

    def track(self, code: str | None) -> SheetTrack | None:
        return next((track for track in self.tracks if track.code == code), None)

    @property
    def skills(self) -> tuple[SheetSkill, ...]:
        return tuple(skill for domain in self.domains for skill in domain.skills)

    def skill(self, slug: str) -> SheetSkill | None:
        return self._by_slug.get(slug)

    @property
    def skills_by_slug(self) -> Mapping[str, SheetSkill]:
        return self._by_slug

    def __post_init__(self) -> None:
        by_slug = {skill.slug: skill for domain in self.domains for skill in domain.skills}
        object.__setattr__(self, "_by_slug", by_slug)


def _points_of(state: RoleState, scale: str, step: Step) -> float:
    """A step's points under the role's points rule: the rule's own figure for the scale's step,
    else the step's (0 when neither gives one)."""
    given = (state.grading or {}).get("points")
    if isinstance(given, dict):
        figure = given.get(scale or AWE, {})
        if isinstance(figure, dict) and step.code in figure:
            return float(figure[step.code])
    return float(step.points or 0)


def _sheet_steps(state: RoleState, skill: SkillState) -> tuple[SheetStep, ...]:
    return tuple(
        SheetStep(
            code=step.code,
            name=step.name,
            description=step.description,
            content=skill.steps.get(step.code) or None,
            points=_points_of(state, skill.scale, step),
        )
        for step in state.scale(skill.scale).steps
    )


def _sheet_skill(state: RoleState, skill: SkillState) -> SheetSkill:
    cells = []
    for level in state.levels:
        cell = skill.cells.get(level.code)
        counted = cell is not None and cell.counted
        cells.append(
            SheetCell(
                level=level.code,
                code=cell.code if cell is not None and counted else None,
                mandatory=cell.mandatory if cell is not None and counted else True,
                not_applicable=cell is not None and cell.not_applicable,
            )
        )
    return SheetSkill(
        slug=skill.slug,
        name=skill.name,
        cells=tuple(cells),
        steps=_sheet_steps(state, skill),
        description=skill.row_description or skill.description,
        awe=skill.scale in ("", AWE),
    )


def _engine_row(
    domain: SheetDomain, skill: SheetSkill, *, points_rule: bool
) -> engine.SkillRequirements:
    return engine.SkillRequirements(
        skill=skill.slug,
        domain=domain.slug,
        requirements=tuple(
            engine.Requirement(level=cell.level, code=cell.code, mandatory=cell.mandatory)
            for cell in skill.cells
            if cell.code is not None
        ),
        steps=skill.step_codes,
        points=tuple(step.points for step in skill.steps) if points_rule else (),
    )


def _engine_matrix(
    levels: list[SheetLevel],
    domains: list[SheetDomain],
    tracks: list[SheetTrack],
    *,
    points_rule: bool,
) -> engine.Matrix:
    return engine.Matrix(
        levels=tuple(level.code for level in levels),
        skills=tuple(
            _engine_row(domain, skill, points_rule=points_rule)
            for domain in domains
            for skill in domain.skills
        ),
        tracks={level.code: level.track for level in levels if level.track},
        track_order=tuple(track.code for track in tracks),
        ranks={level.code: level.rank for level in levels if level.rank is not None},
        thresholds={level.code: level.threshold for level in levels if level.threshold is not None}
        if points_rule
        else None,
    )


def _sheet_tracks(state: RoleState) -> list[SheetTrack]:
    """The tracks the role's levels are on, in the framework's order."""
    used = {level.track for level in state.levels if level.track}
    tracks = [SheetTrack(code=t.code, name=t.name) for t in state.tracks if t.code in used]
    known = {track.code for track in tracks}
    for level in state.levels:  # a track the framework does not name (not from an import)
        if level.track and level.track not in known:
            known.add(level.track)
            tracks.append(SheetTrack(code=level.track, name=level.track))
    return tracks


def grading_sheet_from_state(state: RoleState) -> GradingSheet:
    """The sheet of a role's state: its domains grouped as its page shows them (no queries)."""
    grading = state.grading or {}
    points_rule = grading.get("rule") == POINTS
    thresholds = grading.get("thresholds") if points_rule else None
    thresholds = thresholds if isinstance(thresholds, dict) else {}
    levels = [
        SheetLevel(
            code=level.code,
            name=level.name,
            short=level.short,
            focus=level.focus,
            track=level.track,
            rank=level.rank,
            threshold=float(thresholds[level.code]) if level.code in thresholds else None,
        )
        for level in state.levels
    ]
    skills = {skill.slug: skill for skill in state.skills}
    domains = [
        SheetDomain(
            slug=domain,
            name=state.domain_names[domain],
            skills=tuple(_sheet_skill(state, skills[slug]) for slug in slugs),
        )
        for domain, slugs in state.grouped()
    ]
    share = grading.get("optional_share")
    tracks = _sheet_tracks(state)
    return GradingSheet(
        levels=tuple(levels),
        domains=tuple(domains),
        matrix=_engine_matrix(levels, domains, tracks, points_rule=points_rule),
        rule=POINTS if points_rule else CUMULATIVE,
        optional_share=None if share is None else float(share),
        tracks=tuple(tracks),
        layout=state.layout_kind,
        awe_only=all(skill.scale in ("", AWE) for skill in state.skills),
        nothing_to_grade=not state.has_something_to_grade(),
    )


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
    # A version never changes once written, so its sheet can live in the process for good, built
    # from the state roles keeps of it (same key: the role's update time as ``stamp``).
    state = version_state_kept(role_pk, number, stamp)
    return None if state is None else grading_sheet_from_state(state)


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


def grade_ratings(*, sheet: GradingSheet, ratings: Mapping[str, str]) -> engine.GradeResult:
    """Grade ratings (skill slug → a step code of that skill's scale) against a sheet with the
    role's optional share, or the site's. No queries. Raises :class:`engine.UnknownStep` for a
    code not on its skill's scale (callers check ratings first)."""
    share = sheet.optional_share
    return engine.grade(
        sheet.matrix,
        engine.ratings_from_step_codes(sheet.matrix, ratings),
        optional_share=settings.GRADING_OPTIONAL_SHARE if share is None else share,
    )


def known_ratings(sheet: GradingSheet, ratings: Mapping[str, object]) -> dict[str, str]:
    """The ratings of skills the sheet has, on their skill's scale: a stored assessment may
    rate skills, or steps, that a later version of the role removed."""
    known: dict[str, str] = {}
    for slug, code in ratings.items():
        skill = sheet.skill(slug)
        if skill is not None and isinstance(code, str) and code in skill.step_codes:
            known[slug] = code
    return known


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


def assessment_count() -> int:
    """How many assessments are kept, members' and visitors' (1 query)."""
    return Assessment.objects.count()
