"""What is shown of a role, shaped from what the selectors read: no queries here.

The rule between the two modules: **selectors read** — querysets, the cache, versions'
snapshots — and fill the structures defined here; **presenters shape what was read** — they
group, count and compare data already loaded and never touch the database. Everything here is
a dataclass that pages, the API, the admin and grading are given (a role's matrix, one cell, a
skill found by a search, two versions compared, the counts a role page states), or a pure
function from one of them to another (``role_matrix_stats``, ``role_matrix_drops``,
``state_domains``, ``comparison_domains``).

What turns a read into the domain's own forms — a role's state for the change machinery
(``role_state_from_matrix``), its §4 document (``role_document_build``), a version's state
(``version_state``) — stays in :mod:`roles.selectors`: that is how the roles domain reads a
role, not how a page shows one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from roles.changes.diff import RoleDiff
from roles.changes.state import (
    AWE,
    NOT_APPLICABLE,
    Cell,
    Content,
    LevelState,
    RoleState,
    ScaleState,
    SkillState,
    Step,
    TrackState,
)
from roles.models import (
    Framework,
    Level,
    Requirement,
    Role,
    RoleFamily,
    RoleSkill,
    RoleVersion,
    Skill,
    SkillDomain,
)
from roles.scale import CODE_NAMES, CODE_RANKS, CODES

# --- a role's matrix, one cell, a skill found: what the selectors fill ---------------------------


@dataclass
class MatrixCell:
    level: Level
    requirement: Requirement | None

    @property
    def code(self) -> str | None:
        return self.requirement.code if self.requirement else None

    @property
    def rank(self) -> int:
        # awe ranks; a v2 step's rank comes from its skill's scale (RoleState.scale).
        return CODE_RANKS.get(self.requirement.code, 0) if self.requirement else 0

    @property
    def not_applicable(self) -> bool:
        return self.requirement is not None and self.requirement.code == NOT_APPLICABLE


@dataclass
class MatrixRow:
    role_skill: RoleSkill
    cells: list[MatrixCell]

    @property
    def skill(self) -> Skill:
        return self.role_skill.skill


@dataclass
class MatrixDomain:
    domain: SkillDomain
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class RoleMatrix:
    """A role with its levels and its matrix, grouped by domain in the role's order (each
    domain where its first skill is); ``ordered`` is every row in the role's own order."""

    role: Role
    levels: list[Level]
    domains: list[MatrixDomain]
    ordered: list[MatrixRow] = field(default_factory=list)

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for domain in self.domains for row in domain.rows]

    @property
    def skill_count(self) -> int:
        return sum(len(domain.rows) for domain in self.domains)

    @property
    def requirements(self) -> list[Requirement]:
        return [cell.requirement for row in self.rows for cell in row.cells if cell.requirement]


@dataclass
class CellDetail:
    """One cell of a role's matrix and the same skill at every level of the role."""

    role_skill: RoleSkill
    level: Level
    requirement: Requirement | None
    cells: list[MatrixCell]
    # v2 (filled by roles.selectors.role_cell_get): the skill's scale, the cell in the
    # domain's form and what the skill says at each step of its scale.
    scale: ScaleState | None = None
    state_cell: Cell | None = None
    skill_steps: Mapping[str, Content] = field(default_factory=dict)

    @property
    def role(self) -> Role:
        return self.role_skill.role

    @property
    def not_applicable(self) -> bool:
        return self.state_cell is not None and self.state_cell.not_applicable

    @property
    def step(self) -> Step | None:
        """The step of the skill's scale this cell asks for (v2)."""
        if self.scale is None or self.state_cell is None or not self.state_cell.counted:
            return None
        return self.scale.step(self.state_cell.code)

    @property
    def step_number(self) -> int:
        """The step's position on its scale, from 1 (0 when the cell asks for no step)."""
        step = self.step
        return self.scale.steps.index(step) + 1 if self.scale and step else 0

    @property
    def step_content(self) -> Content:
        """What the skill itself says at the cell's step (v2)."""
        code = self.state_cell.code if self.state_cell else ""
        return self.skill_steps.get(code) or Content()

    @property
    def description(self) -> str:
        """The role's description of the skill when it gives one, else the skill's own."""
        return self.role_skill.description or self.skill.description

    @property
    def skill(self) -> Skill:
        return self.role_skill.skill

    @property
    def domain(self) -> SkillDomain:
        return self.role_skill.domain

    @property
    def code(self) -> str | None:
        return self.requirement.code if self.requirement else None


@dataclass(frozen=True)
class SkillMatch:
    """A skill matching a catalogue search, and a published role it appears in."""

    role_skill: RoleSkill

    @property
    def skill(self) -> Skill:
        return self.role_skill.skill

    @property
    def role(self) -> Role:
        return self.role_skill.role


# --- what a role page states about its matrix -----------------------------------------------------


@dataclass(frozen=True)
class RequirementDrop:
    """A skill whose requirement falls from one level to the next (e.g. Middle W → Senior A).

    Ladders are expected to ask for as much or more at each step up, so a drop is usually a
    mistake in the data that curators want to see.
    """

    row: MatrixRow
    from_level: Level
    to_level: Level
    from_code: str | None
    to_code: str | None

    @property
    def skill(self) -> Skill:
        return self.row.skill

    @property
    def domain(self) -> SkillDomain:
        return self.row.role_skill.domain


def role_matrix_drops(matrix: RoleMatrix) -> list[RequirementDrop]:
    """Every place where a skill's requirement rank decreases from one level to the next, in the
    matrix's order. An empty cell ranks 0, so W followed by an empty cell is a drop too.
    No queries: works on an already-loaded matrix."""
    drops: list[RequirementDrop] = []
    for row in matrix.rows:
        for lower, upper in zip(row.cells, row.cells[1:], strict=False):
            if upper.rank < lower.rank:
                drops.append(
                    RequirementDrop(
                        row=row,
                        from_level=lower.level,
                        to_level=upper.level,
                        from_code=lower.code,
                        to_code=upper.code,
                    )
                )
    return drops


@dataclass(frozen=True)
class RoleMatrixStats:
    """The counts a role page states about its matrix, all computed from the data."""

    skill_count: int
    level_count: int
    domain_count: int
    requirement_count: int
    mandatory_count: int
    optional_count: int
    empty_count: int
    first_level: Level | None
    last_level: Level | None
    # Every stack item of the role once, in ladder order of first appearance.
    stack_items: list[str]
    # Levels with a focus written.
    focus_count: int


def role_matrix_stats(matrix: RoleMatrix) -> RoleMatrixStats:
    """Counts of skills, levels, domains and requirements of a loaded matrix (no queries)."""
    requirements = matrix.requirements
    mandatory = sum(1 for requirement in requirements if requirement.is_mandatory)
    cells = matrix.skill_count * len(matrix.levels)
    stack_items: list[str] = []
    seen: set[str] = set()
    for level in matrix.levels:
        for item in level.stack:
            if item.casefold() not in seen:
                seen.add(item.casefold())
                stack_items.append(item)
    return RoleMatrixStats(
        skill_count=matrix.skill_count,
        level_count=len(matrix.levels),
        domain_count=len(matrix.domains),
        requirement_count=len(requirements),
        mandatory_count=mandatory,
        optional_count=len(requirements) - mandatory,
        empty_count=cells - len(requirements),
        first_level=matrix.levels[0] if matrix.levels else None,
        last_level=matrix.levels[-1] if matrix.levels else None,
        stack_items=stack_items,
        focus_count=sum(1 for level in matrix.levels if level.focus),
    )


# --- versions: a version's matrix, two versions compared ------------------------------------------


@dataclass(frozen=True)
class RoleComparison:
    """Two versions of a role and how the second differs from the first."""

    role: Role
    old_version: RoleVersion
    new_version: RoleVersion
    old: RoleState
    new: RoleState
    diff: RoleDiff


@dataclass(frozen=True)
class StateRow:
    """A skill of a role as a version shows it, with one entry per level (None when empty)."""

    skill: SkillState
    cells: list[tuple[LevelState, Cell | None]]


@dataclass(frozen=True)
class StateDomain:
    slug: str
    name: str
    rows: list[StateRow]


def state_domains(state: RoleState) -> list[StateDomain]:
    """A version's matrix grouped by domain in the role's order, for a page (no queries)."""
    skills = {skill.slug: skill for skill in state.skills}
    return [
        StateDomain(
            slug=domain,
            name=state.domain_names[domain],
            rows=[
                StateRow(
                    skill=skills[slug],
                    cells=[(level, skills[slug].cells.get(level.code)) for level in state.levels],
                )
                for slug in slugs
            ],
        )
        for domain, slugs in state.layout()
    ]


@dataclass(frozen=True)
class ComparedCell:
    level: LevelState
    old: Cell | None
    new: Cell | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class ComparedRow:
    skill: SkillState
    cells: list[ComparedCell]


@dataclass(frozen=True)
class ComparedDomain:
    name: str
    rows: list[ComparedRow]


@dataclass(frozen=True)
class TextChange:
    """A changed text, old → new: ``place`` names where it is ("Docker · Senior", a level's
    or a skill's name), ``part`` which text it is, in words ("details", "focus")."""

    place: str
    part: str
    old: str
    new: str


# The texts of a cell that a change can rewrite, in words.
CELL_TEXTS = (("summary", gettext_lazy("summary")), ("details", gettext_lazy("details")))


def cell_text_changes(place: str, old: Cell | None, new: Cell | None) -> list[TextChange]:
    """A cell's changed texts (summary, details), old → new, for pages that mark their words."""
    changes = []
    for name, words in CELL_TEXTS:
        before = getattr(old, name, "") if old else ""
        after = getattr(new, name, "") if new else ""
        if before != after:
            changes.append(TextChange(place, str(words), before, after))
    return changes


def comparison_text_changes(domains: list[ComparedDomain]) -> list[TextChange]:
    """The changed texts of two versions' compared cells, in the matrix's order (no queries)."""
    return [
        change
        for domain in domains
        for row in domain.rows
        for cell in row.cells
        for change in cell_text_changes(f"{row.skill.name} · {cell.level.name}", cell.old, cell.new)
    ]


def comparison_domains(comparison: RoleComparison) -> list[ComparedDomain]:
    """The skills present in both versions that have a changed cell, in the newer version's
    matrix layout, each with every level's old and new cell (no queries)."""
    changed = {cell.skill for cell in comparison.diff.cells}
    old_skills = {skill.slug: skill for skill in comparison.old.skills}
    new, old = comparison.new, comparison.old
    levels = list(new.levels) + [lv for lv in old.levels if new.level(lv.code) is None]
    domains = []
    for domain in state_domains(new):
        rows = [
            ComparedRow(
                skill=row.skill,
                cells=[
                    ComparedCell(
                        level=level,
                        old=old_skills[row.skill.slug].cells.get(level.code),
                        new=row.skill.cells.get(level.code),
                    )
                    for level in levels
                ],
            )
            for row in domain.rows
            if row.skill.slug in changed
        ]
        if rows:
            domains.append(ComparedDomain(name=domain.name, rows=rows))
    return domains


# --- a framework's page: its roles by family and the band their levels sit on ------------------


@dataclass(frozen=True)
class FrameworkFamily:
    """A family of a framework's published roles, the roles by title."""

    family: RoleFamily
    roles: list[Role]


@dataclass(frozen=True)
class BandRow:
    """One rank of a framework's band: for each role (in the band's order), its levels there."""

    rank: int
    cells: list[list[Level]]


@dataclass(frozen=True)
class FrameworkBand:
    """Where the levels of a framework's roles sit across roles (DESIGN §4b ``rank``): one row
    per rank, lowest first, one column per role that ranks a level. Levels without a rank are
    not on the band (``unranked`` counts them)."""

    roles: list[Role]
    rows: list[BandRow]
    unranked: int


@dataclass(frozen=True)
class ShownScale:
    """A framework's scale on its page."""

    scale: ScaleState

    @property
    def has_points(self) -> bool:
        """Whether some step gives points (a scale without any needs no points column)."""
        return any(step.points is not None for step in self.scale.steps)


@dataclass(frozen=True)
class FrameworkPage:
    """What a framework's page shows; ``source`` is its ``framework.source`` object."""

    framework: Framework
    source: dict[str, Any]
    scales: tuple[ScaleState, ...]
    tracks: tuple[TrackState, ...]
    domains: list[SkillDomain]
    families: list[FrameworkFamily]
    band: FrameworkBand

    @property
    def roles(self) -> list[Role]:
        return [role for family in self.families for role in family.roles]

    @property
    def shown_scales(self) -> list[ShownScale]:
        return [ShownScale(scale=scale) for scale in self.scales]

    @property
    def source_url(self) -> str:
        """The source's address when it is a web one (the only kind a page links to)."""
        url = self.source.get("url")
        return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""

    @property
    def role_count(self) -> int:
        return sum(len(family.roles) for family in self.families)


def framework_families(roles: list[Role]) -> list[FrameworkFamily]:
    """Roles grouped by family, families by name, roles in the order given."""
    families: dict[int, FrameworkFamily] = {}
    for role in roles:
        families.setdefault(role.family_id, FrameworkFamily(family=role.family, roles=[]))
        families[role.family_id].roles.append(role)
    return sorted(families.values(), key=lambda group: (group.family.name, group.family.pk))


def framework_band(roles: list[Role], levels: list[Level]) -> FrameworkBand:
    """The band of ``levels`` (each with ``role_id``, in each role's order) across ``roles``."""
    ranked = [level for level in levels if level.rank is not None]
    shown = [role for role in roles if any(level.role_id == role.pk for level in ranked)]
    column = {role.pk: index for index, role in enumerate(shown)}
    rows: dict[int, BandRow] = {}
    for level in ranked:
        rank = int(level.rank)  # type: ignore[arg-type] # not None: filtered above
        row = rows.setdefault(rank, BandRow(rank=rank, cells=[[] for _role in shown]))
        row.cells[column[level.role_id]].append(level)
    return FrameworkBand(
        roles=shown,
        rows=[rows[rank] for rank in sorted(rows)],
        unranked=len(levels) - len(ranked),
    )


def text_excerpt(text: str) -> str:
    """A long text's first paragraph, for a list: where a description says what it is."""
    for paragraph in text.replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            return " ".join(paragraph.split())
    return ""


@dataclass(frozen=True)
class FrameworkSummary:
    """A framework as the list of frameworks shows it (``framework.role_count`` annotated)."""

    framework: Framework
    source: dict[str, Any]
    excerpt: str


# --- the role page of a format v2 role: its layouts, shaped from its state -----------------------


def awe_scale(*, code_names: Mapping[str, str], code_descriptions: Mapping[str, str]) -> ScaleState:
    """The built-in A/W/E scale with a role's own names and descriptions (its v2 legend), for a
    page that has the role but not its state (a cell's panel)."""
    return ScaleState(
        slug=AWE,
        name="A/W/E",
        steps=tuple(
            Step(
                code=code,
                name=code_names.get(code) or CODE_NAMES[code],
                description=code_descriptions.get(code, ""),
            )
            for code in CODES
        ),
    )


@dataclass(frozen=True)
class PageLevel:
    """A level as a column of the page: with its track (None: on every path)."""

    level: LevelState
    track: TrackState | None


@dataclass(frozen=True)
class TrackGroup:
    """A run of adjacent columns under one header: the shared levels (track None) or a track."""

    track: TrackState | None
    span: int


@dataclass(frozen=True)
class PageCell:
    level: LevelState
    cell: Cell | None
    # The step of the skill's scale the cell asks for (None: empty, n/a, or content only).
    step: Step | None

    @property
    def not_applicable(self) -> bool:
        return self.cell is not None and self.cell.not_applicable

    @property
    def code(self) -> str:
        return self.cell.code if self.cell else ""

    @property
    def counted(self) -> bool:
        """Whether the cell asks for a step (a behaviour the level adds, in a checklist)."""
        return self.cell is not None and self.cell.counted

    @property
    def awe(self) -> bool:
        """Whether the code is one of A/W/E, which have their own colours."""
        return self.code in CODES


@dataclass(frozen=True)
class PageRow:
    skill: SkillState
    scale: ScaleState
    # This role's description of the skill when it gives one, else the skill's own.
    description: str
    cells: tuple[PageCell, ...]


@dataclass(frozen=True)
class PageDomain:
    slug: str
    name: str
    description: str
    rows: tuple[PageRow, ...]


@dataclass(frozen=True)
class Behaviour:
    """A skill a level asks for, in the checklist layout, with what the cell and the skill's
    step say about it."""

    row: PageRow
    cell: PageCell

    @property
    def step_content(self) -> Content:
        return self.row.skill.steps.get(self.cell.code) or Content()


@dataclass(frozen=True)
class ChecklistDomain:
    slug: str
    name: str
    behaviours: tuple[Behaviour, ...]


@dataclass(frozen=True)
class ChecklistLevel:
    level: PageLevel
    domains: tuple[ChecklistDomain, ...]

    @property
    def count(self) -> int:
        return sum(len(domain.behaviours) for domain in self.domains)


@dataclass(frozen=True)
class StepsRow:
    row: PageRow
    # One entry per step of the scale: the step and what the skill says there.
    steps: tuple[tuple[Step, Content], ...]


@dataclass(frozen=True)
class StepsTable:
    scale: ScaleState
    rows: tuple[StepsRow, ...]


@dataclass(frozen=True)
class Threshold:
    level: LevelState
    points: int | float | None


@dataclass(frozen=True)
class RolePage:
    """What a v2 role's page shows, in each of its layouts (no queries: from its state)."""

    state: RoleState
    columns: tuple[PageLevel, ...]
    track_groups: tuple[TrackGroup, ...]
    domains: tuple[PageDomain, ...]
    # The scales the role's skills use, in order of first use (the legend's entries).
    scales: tuple[ScaleState, ...]
    checklist: tuple[ChecklistLevel, ...]
    steps: tuple[StepsTable, ...]
    thresholds: tuple[Threshold, ...]

    @property
    def has_tracks(self) -> bool:
        return any(group.track is not None for group in self.track_groups)

    @property
    def has_not_applicable(self) -> bool:
        return any(cell.not_applicable for d in self.domains for r in d.rows for cell in r.cells)

    @property
    def has_optional(self) -> bool:
        return any(
            cell.cell is not None and cell.cell.counted and not cell.cell.mandatory
            for d in self.domains
            for r in d.rows
            for cell in r.cells
        )

    @property
    def skill_count(self) -> int:
        return len(self.state.skills)

    @property
    def layout(self) -> str:
        return self.state.layout_kind


def _columns(state: RoleState) -> tuple[PageLevel, ...]:
    """The levels in column order: the shared levels first (in the role's order), then each
    track's levels together, tracks in framework order — a forked ladder reads as branches."""
    shared = [PageLevel(level=lv, track=None) for lv in state.levels if not lv.track]
    tracked = []
    known = [track.code for track in state.tracks]
    codes = known + sorted({lv.track for lv in state.levels if lv.track} - set(known))
    for code in codes:
        track = state.track(code) or TrackState(code=code, name=code)
        tracked += [PageLevel(level=lv, track=track) for lv in state.levels if lv.track == code]
    return tuple(shared + tracked)


def _track_groups(columns: tuple[PageLevel, ...]) -> tuple[TrackGroup, ...]:
    groups: list[TrackGroup] = []
    for column in columns:
        if groups and groups[-1].track == column.track:
            groups[-1] = TrackGroup(track=column.track, span=groups[-1].span + 1)
        else:
            groups.append(TrackGroup(track=column.track, span=1))
    return tuple(groups)


def _scale_of(state: RoleState, slug: str) -> ScaleState:
    try:
        return state.scale(slug)
    except KeyError:  # a scale the state does not carry: show its codes, unnamed
        return ScaleState(slug=slug, name=slug)


def _rows(state: RoleState, columns: tuple[PageLevel, ...]) -> tuple[PageDomain, ...]:
    skills = {skill.slug: skill for skill in state.skills}
    domains = []
    for slug, skill_slugs in state.grouped():
        rows = []
        for skill_slug in skill_slugs:
            skill = skills[skill_slug]
            scale = _scale_of(state, skill.scale)
            cells = []
            for column in columns:
                cell = skill.cells.get(column.level.code)
                step = scale.step(cell.code) if cell and cell.counted else None
                cells.append(PageCell(level=column.level, cell=cell, step=step))
            rows.append(
                PageRow(
                    skill=skill,
                    scale=scale,
                    description=skill.row_description or skill.description,
                    cells=tuple(cells),
                )
            )
        info = state.domains.get(slug)
        domains.append(
            PageDomain(
                slug=slug,
                name=state.domain_names.get(slug) or (info.name if info else slug),
                description=info.description if info else "",
                rows=tuple(rows),
            )
        )
    return tuple(domains)


def _checklist(
    columns: tuple[PageLevel, ...], domains: tuple[PageDomain, ...]
) -> tuple[ChecklistLevel, ...]:
    levels = []
    for index, column in enumerate(columns):
        groups = []
        for domain in domains:
            behaviours = tuple(
                Behaviour(row=row, cell=row.cells[index])
                for row in domain.rows
                if row.cells[index].counted
            )
            if behaviours:
                groups.append(
                    ChecklistDomain(slug=domain.slug, name=domain.name, behaviours=behaviours)
                )
        levels.append(ChecklistLevel(level=column, domains=tuple(groups)))
    return tuple(levels)


def _steps(
    scales: tuple[ScaleState, ...], domains: tuple[PageDomain, ...]
) -> tuple[StepsTable, ...]:
    tables = []
    for scale in scales:
        rows = tuple(
            StepsRow(
                row=row,
                steps=tuple(
                    (step, row.skill.steps.get(step.code) or Content()) for step in scale.steps
                ),
            )
            for domain in domains
            for row in domain.rows
            if row.scale.slug == scale.slug
        )
        tables.append(StepsTable(scale=scale, rows=rows))
    return tuple(tables)


def _thresholds(state: RoleState) -> tuple[Threshold, ...]:
    grading = state.grading or {}
    if grading.get("rule") != "points":
        return ()
    given = grading.get("thresholds") or {}
    return tuple(Threshold(level=level, points=given.get(level.code)) for level in state.levels)


def role_page_build(state: RoleState) -> RolePage:
    """Everything a v2 role's page shows, from its state (no queries)."""
    columns = _columns(state)
    domains = _rows(state, columns)
    scales: dict[str, ScaleState] = {}
    for domain in domains:
        for row in domain.rows:
            scales.setdefault(row.scale.slug, row.scale)
    ordered_scales = tuple(scales.values())
    return RolePage(
        state=state,
        columns=columns,
        track_groups=_track_groups(columns),
        domains=domains,
        scales=ordered_scales,
        checklist=_checklist(columns, domains),
        steps=_steps(ordered_scales, domains),
        thresholds=_thresholds(state),
    )
