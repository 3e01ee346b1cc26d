"""How two states of a role differ, and what a change list would do.

:func:`role_diff` compares two states cell by cell (any two versions, or before and after a
change list); :func:`preview` is the difference a change list would make; :func:`changes_between`
is the change list that turns one state into another (how an import becomes a change set).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from roles.changes.base import Change
from roles.changes.parts import (
    SetCell,
    SetDomain,
    SetFramework,
    SetLevelField,
    SetRow,
    SetScale,
    SetSkill,
    SetTrack,
)
from roles.changes.state import (
    JSON,
    ROLE_FIELD_ATTRS,
    ROLE_FIELDS,
    Cell,
    LevelState,
    RoleState,
    SkillState,
    role_field,
)
from roles.changes.types import (
    AddLevel,
    AddSkill,
    RemoveLevel,
    RemoveSkill,
    RenameDomain,
    RenameFamily,
    RenameSkill,
    SetCodeName,
    SetDetails,
    SetExtension,
    SetFocus,
    SetLayout,
    SetLevelName,
    SetLevelOrder,
    SetRequirement,
    SetRoleField,
    SetStack,
    apply_changes,
)
from roles.scale import CODES

LEVEL_FIELD_NAMES = ("name", "short", "focus", "stack", "rank", "track", "sections")
SKILL_FIELD_NAMES = (
    "name",
    "description",
    "scale",
    "steps",
    "home_domain",
    "skill_extensions",
    "row_description",
)
# The conflict place of a changed skill field (the change types' places say the same).
_SKILL_PLACES = {
    "description": "name",
    "steps": "scale",
    "home_domain": "scale",
    "skill_extensions": "scale",
    "row_description": "row",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class CellDiff:
    skill: str
    level: str
    old: Cell | None
    new: Cell | None


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldDiff:
    """A changed field of the role (``place`` "role"), a level (its code), a skill (its slug),
    a domain, a code's name or an extension place."""

    place: str
    field: str
    old: JSON
    new: JSON


@dataclass(frozen=True, kw_only=True, slots=True)
class RoleDiff:
    """How one state differs from another: cells of skills present in both, added and removed
    skills and levels, and changed fields."""

    cells: tuple[CellDiff, ...] = ()
    skills_added: tuple[str, ...] = ()
    skills_removed: tuple[str, ...] = ()
    levels_added: tuple[str, ...] = ()
    levels_removed: tuple[str, ...] = ()
    levels: tuple[FieldDiff, ...] = ()
    role: tuple[FieldDiff, ...] = ()
    skills: tuple[FieldDiff, ...] = ()
    domains: tuple[FieldDiff, ...] = ()
    codes: tuple[FieldDiff, ...] = ()
    # The framework's parts the role shows (v2): its own fields, scales, tracks, domains.
    framework: tuple[FieldDiff, ...] = ()
    extensions: tuple[str, ...] = ()
    layout_changed: bool = False
    level_order_changed: bool = False

    def __bool__(self) -> bool:
        return any(getattr(self, item.name) for item in fields(self))

    def places(self) -> list[str]:
        """Every place that differs, as conflict detection names them."""
        places: set[str] = set()
        places |= {f"cell:{c.skill}:{c.level}" for c in self.cells}
        places |= {f"skill:{s}" for s in (*self.skills_added, *self.skills_removed)}
        places |= {f"level:{lv}" for lv in (*self.levels_added, *self.levels_removed)}
        places |= {f"level:{d.place}:{d.field}" for d in self.levels}
        places |= {f"role:{d.field}" for d in self.role}
        places |= {f"skill:{d.place}:{_SKILL_PLACES.get(d.field, d.field)}" for d in self.skills}
        places |= {d.place for d in self.framework}
        places |= {f"domain:{d.place}:name" for d in self.domains}
        places |= {f"code:{d.place}" for d in self.codes}
        places |= {f"ext:{place}" for place in self.extensions}
        if self.layout_changed:
            places.add("layout")
        if self.level_order_changed:
            places.add("level-order")
        return sorted(places)


def _field_diffs(place: str, old: object, new: object, names: Sequence[str]) -> list[FieldDiff]:
    diffs = []
    for name in names:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            before = list(before) if isinstance(before, tuple) else before
            after = list(after) if isinstance(after, tuple) else after
            diffs.append(FieldDiff(place=place, field=name, old=before, new=after))
    return diffs


# --- what differs, shared by the diff and the change list ---------------------------------------


def _only_in(keys: Iterable[str], other: Iterable[str]) -> tuple[str, ...]:
    """The keys not in ``other``, in their order."""
    others = set(other)
    return tuple(key for key in keys if key not in others)


def _also_in(keys: Iterable[str], other: Iterable[str]) -> tuple[str, ...]:
    """The keys also in ``other``, in their order."""
    others = set(other)
    return tuple(key for key in keys if key in others)


def _by_code(levels: Iterable[LevelState]) -> dict[str, LevelState]:
    return {level.code: level for level in levels}


def _by_slug(skills: Iterable[SkillState]) -> dict[str, SkillState]:
    return {skill.slug: skill for skill in skills}


def _level_codes(old: RoleState, new: RoleState) -> list[str]:
    """The new ladder's codes, then those of the levels it dropped."""
    codes = [lv.code for lv in new.levels]
    return codes + list(_only_in((lv.code for lv in old.levels), codes))


def _cell_diffs(
    skill: str, old: Mapping[str, Cell], new: Mapping[str, Cell], levels: Iterable[str]
) -> list[CellDiff]:
    return [
        CellDiff(skill=skill, level=level, old=old.get(level), new=new.get(level))
        for level in levels
        if old.get(level) != new.get(level)
    ]


def _renamed_domains(old: RoleState, new: RoleState) -> dict[str, str]:
    """The new names of the domains in both states whose names differ."""
    return {
        slug: name
        for slug, name in new.domain_names.items()
        if slug in old.domain_names and old.domain_names[slug] != name
    }


def _renamed_codes(old: RoleState, new: RoleState) -> list[str]:
    return [code for code in CODES if old.code_name(code) != new.code_name(code)]


def _redescribed_codes(old: RoleState, new: RoleState) -> list[str]:
    return [
        code
        for code in CODES
        if old.code_descriptions.get(code, "") != new.code_descriptions.get(code, "")
    ]


def _extensions_differing(
    old: Mapping[str, Mapping[str, JSON]], new: Mapping[str, Mapping[str, JSON]]
) -> list[str]:
    return sorted(place for place in {*old, *new} if old.get(place) != new.get(place))


# --- the difference of two states -------------------------------------------------------------


def _kept_skills_cell_diffs(old: RoleState, new: RoleState) -> list[CellDiff]:
    """The cells that differ of the skills in both states, in the new state's order."""
    old_skills = _by_slug(old.skills)
    levels = _level_codes(old, new)
    diffs: list[CellDiff] = []
    for skill in new.skills:
        before = old_skills.get(skill.slug)
        if before is not None:
            diffs += _cell_diffs(skill.slug, before.cells, skill.cells, levels)
    return diffs


def _kept_field_diffs(
    old: Mapping[str, object], new: Mapping[str, object], names: Sequence[str]
) -> list[FieldDiff]:
    """The fields that differ of the entries in both (levels by code, skills by slug), in the
    new order."""
    diffs: list[FieldDiff] = []
    for key, item in new.items():
        if key in old:
            diffs += _field_diffs(key, old[key], item, names)
    return diffs


def _role_field_diffs(old: RoleState, new: RoleState) -> list[FieldDiff]:
    # A new family name shows as a change of the family.
    attributes = [ROLE_FIELD_ATTRS.get(name, name) for name in ROLE_FIELDS]
    named = {attribute: name for name, attribute in ROLE_FIELD_ATTRS.items()}
    return [
        replace(
            diff,
            field="family" if diff.field == "family_name" else named.get(diff.field, diff.field),
        )
        for diff in _field_diffs("role", old, new, [*attributes, "family_name"])
    ]


def _framework_diffs(old: RoleState, new: RoleState) -> list[FieldDiff]:
    """The framework's own fields, and its scales, tracks and domains the role shows, that
    differ (``place`` names the part: ``framework``, ``scale:<slug>``, ``track:<code>``,
    ``domain:<slug>``)."""
    diffs = _field_diffs(
        "framework",
        old.framework,
        new.framework,
        ("name", "description", "source", "extensions", "root_extensions"),
    )
    parts: list[tuple[str, Mapping[str, object], Mapping[str, object], tuple[str, ...]]] = [
        (
            "scale",
            {s.slug: s for s in old.scales},
            {s.slug: s for s in new.scales},
            ("name", "description", "steps", "extensions"),
        ),
        (
            "track",
            {t.code: t for t in old.tracks},
            {t.code: t for t in new.tracks},
            ("name", "description", "extensions"),
        ),
        ("domain", old.domains, new.domains, ("description", "extensions")),
    ]
    for kind, before, after, names in parts:
        diffs += [
            replace(diff, place=f"{kind}:{diff.place}")
            for diff in _kept_field_diffs(before, after, names)
        ]
    return diffs


def role_diff(old: RoleState, new: RoleState) -> RoleDiff:
    """Compare two states of a role (any two versions, or before and after a change list)."""
    old_skills, new_skills = _by_slug(old.skills), _by_slug(new.skills)
    old_levels, new_levels = _by_code(old.levels), _by_code(new.levels)
    return RoleDiff(
        cells=tuple(_kept_skills_cell_diffs(old, new)),
        skills_added=_only_in(new_skills, old_skills),
        skills_removed=_only_in(old_skills, new_skills),
        levels_added=_only_in(new_levels, old_levels),
        levels_removed=_only_in(old_levels, new_levels),
        levels=tuple(_kept_field_diffs(old_levels, new_levels, LEVEL_FIELD_NAMES)),
        role=tuple(_role_field_diffs(old, new)),
        skills=tuple(_kept_field_diffs(old_skills, new_skills, SKILL_FIELD_NAMES)),
        framework=tuple(_framework_diffs(old, new)),
        domains=tuple(
            FieldDiff(place=slug, field="name", old=old.domain_names[slug], new=name)
            for slug, name in _renamed_domains(old, new).items()
        ),
        codes=tuple(
            FieldDiff(place=code, field="name", old=old.code_name(code), new=new.code_name(code))
            for code in _renamed_codes(old, new)
        )
        + tuple(
            FieldDiff(
                place=code,
                field="description",
                old=old.code_descriptions.get(code, ""),
                new=new.code_descriptions.get(code, ""),
            )
            for code in _redescribed_codes(old, new)
        ),
        extensions=tuple(_extensions_differing(old.extensions, new.extensions)),
        layout_changed=old.layout() != new.layout(),
        level_order_changed=_also_in(old_levels, new_levels) != _also_in(new_levels, old_levels),
    )


def all_cell_changes(old: RoleState, new: RoleState) -> list[CellDiff]:
    """Every cell that differs, including those of skills and levels added or removed (a
    version's "changed cells"), in the new state's order, then what was removed."""
    old_cells = {s.slug: s.cells for s in old.skills}
    new_cells = {s.slug: s.cells for s in new.skills}
    levels = _level_codes(old, new)
    diffs: list[CellDiff] = []
    for slug in [*new_cells, *_only_in(old_cells, new_cells)]:
        diffs += _cell_diffs(slug, old_cells.get(slug, {}), new_cells.get(slug, {}), levels)
    return diffs


@dataclass(frozen=True, kw_only=True, slots=True)
class Preview:
    """What a change list would do: the difference (old → new for every touched cell, level
    and skill), the state after it, and the changes that would change nothing."""

    diff: RoleDiff
    state: RoleState
    noops: tuple[int, ...]


def preview(state: RoleState, changes: Sequence[Change]) -> Preview:
    """Old → new of a change list against a state, without writing anything."""
    applied = apply_changes(state, changes)
    return Preview(diff=role_diff(state, applied.state), state=applied.state, noops=applied.noops)


# --- the change list between two states ---------------------------------------------------------


def _role_changes(old: RoleState, new: RoleState) -> list[Change]:
    """The role's own fields, its family's name and its codes' names."""
    changes: list[Change] = [
        SetRoleField(field=name, value=role_field(new, name))
        for name in ROLE_FIELDS
        if role_field(old, name) != role_field(new, name)
    ]
    if old.family == new.family and old.family_name != new.family_name:
        changes.append(RenameFamily(family=new.family, name=new.family_name))
    codes = [*_renamed_codes(old, new), *_redescribed_codes(old, new)]
    changes += [
        SetCodeName(
            code=code, name=new.code_name(code), description=new.code_descriptions.get(code, "")
        )
        for code in CODES
        if code in codes
    ]
    return changes


def _shared_changes(old: RoleState, new: RoleState) -> list[Change]:
    """The framework's fields, then the scales, tracks and domains that differ (before the
    skills and levels that use them)."""
    changes: list[Change] = []
    if old.framework != new.framework:
        framework = new.framework
        changes.append(
            SetFramework(
                name=framework.name,
                description=framework.description,
                source=dict(framework.source),
                extensions=dict(framework.extensions),
                document_extensions=dict(framework.root_extensions),
            )
        )
    old_scales = {s.slug: s for s in old.scales}
    changes += [SetScale(scale=s) for s in new.scales if old_scales.get(s.slug) != s]
    old_tracks = {t.code: t for t in old.tracks}
    changes += [SetTrack(track=t) for t in new.tracks if old_tracks.get(t.code) != t]
    changes += [
        SetDomain(
            domain=slug,
            name=info.name,
            description=info.description,
            extensions=dict(info.extensions),
        )
        for slug, info in new.domains.items()
        if old.domains.get(slug) != info
    ]
    return changes


def _level_added(level: LevelState) -> list[Change]:
    added = AddLevel(
        level=level.code, name=level.name, short=level.short, focus=level.focus, stack=level.stack
    )
    return [added, *_level_parts(LevelState(code=level.code, name="", short=""), level)]


def _level_parts(before: LevelState, level: LevelState) -> list[Change]:
    """A level's v2 fields (rank, track, sections) that differ."""
    return [
        SetLevelField(level=level.code, field=name, value=getattr(level, name))
        for name in ("rank", "track", "sections")
        if getattr(before, name) != getattr(level, name)
    ]


def _level_edits(before: LevelState, level: LevelState) -> list[Change]:
    changes: list[Change] = _level_parts(before, level)
    if (before.name, before.short) != (level.name, level.short):
        changes.append(SetLevelName(level=level.code, name=level.name, short=level.short))
    if before.focus != level.focus:
        changes.append(SetFocus(level=level.code, text=level.focus))
    if before.stack != level.stack:
        changes.append(SetStack(level=level.code, items=level.stack))
    return changes


def _level_changes(old: RoleState, new: RoleState) -> list[Change]:
    """Levels added (at the top of the ladder), changed and removed, then the new order when
    that does not leave them in it."""
    old_levels = _by_code(old.levels)
    new_codes = [lv.code for lv in new.levels]
    changes: list[Change] = []
    for level in new.levels:
        before = old_levels.get(level.code)
        changes += _level_added(level) if before is None else _level_edits(before, level)
    changes += [RemoveLevel(level=code) for code in _only_in(old_levels, new_codes)]
    # Kept levels keep their order and added ones go on top: reorder when that is not new's.
    if [*_also_in(old_levels, new_codes), *_only_in(new_codes, old_levels)] != new_codes:
        changes.append(SetLevelOrder(levels=tuple(new_codes)))
    return changes


def _v2_skill(skill: SkillState) -> bool:
    return bool(skill.scale or skill.steps or skill.home_domain or skill.skill_extensions)


def _skill_added(skill: SkillState, domain_name: str) -> list[Change]:
    v1_cells = not _v2_skill(skill) and all(cell.v1 for cell in skill.cells.values())
    changes: list[Change] = [
        AddSkill(
            skill=skill.slug,
            domain=skill.domain,
            requirements=dict(skill.cells) if v1_cells else {},
            name=skill.name,
            description=skill.description,
            domain_name=domain_name,
        )
    ]
    empty = replace(skill, cells={}, row_description="", scale="", steps={}, home_domain="")
    changes += _skill_parts(replace(empty, skill_extensions={}), skill)
    if not v1_cells:
        changes += [
            SetCell(skill=skill.slug, level=level, cell=cell) for level, cell in skill.cells.items()
        ]
    return changes


def _skill_parts(before: SkillState, skill: SkillState) -> list[Change]:
    """A skill's v2 fields that differ: the framework's (scale, steps, home domain, x- keys)
    and this role's description of it."""
    changes: list[Change] = []
    shared = ("scale", "steps", "home_domain", "skill_extensions")
    if any(getattr(before, name) != getattr(skill, name) for name in shared):
        changes.append(
            SetSkill(
                skill=skill.slug,
                scale=skill.scale,
                steps=dict(skill.steps),
                domain=skill.home_domain,
                extensions=dict(skill.skill_extensions),
            )
        )
    if before.row_description != skill.row_description:
        changes.append(SetRow(skill=skill.slug, description=skill.row_description))
    return changes


def _cell_edits(skill: str, level: str, old: Cell | None, new: Cell | None) -> list[Change]:
    """The changes that turn one cell (empty or not) into another: v1's changes between v1
    cells, a whole v2 cell otherwise."""
    if (old is not None and not old.v1) or (new is not None and not new.v1):
        return [SetCell(skill=skill, level=level, cell=new)]
    if new is None:
        return [SetRequirement(skill=skill, level=level, code=None)]
    changes: list[Change] = []
    if old is None or (old.code, old.mandatory) != (new.code, new.mandatory):
        changes.append(
            SetRequirement(skill=skill, level=level, code=new.code, mandatory=new.mandatory)
        )
    if (old.details if old else "") != new.details:
        changes.append(SetDetails(skill=skill, level=level, text=new.details))
    return changes


def _skill_edits(before: SkillState, skill: SkillState, levels: Sequence[str]) -> list[Change]:
    changes: list[Change] = []
    if (before.name, before.description) != (skill.name, skill.description):
        changes.append(
            RenameSkill(skill=skill.slug, name=skill.name, description=skill.description)
        )
    changes += _skill_parts(before, skill)
    for diff in _cell_diffs(skill.slug, before.cells, skill.cells, levels):
        changes += _cell_edits(skill.slug, diff.level, diff.old, diff.new)
    return changes


def _skill_changes(old: RoleState, new: RoleState) -> list[Change]:
    """Skills removed, then added or changed (names and cells) in the new state's order."""
    old_skills = _by_slug(old.skills)
    levels = [lv.code for lv in new.levels]
    changes: list[Change] = [
        RemoveSkill(skill=slug) for slug in _only_in(old_skills, (s.slug for s in new.skills))
    ]
    for skill in new.skills:
        before = old_skills.get(skill.slug)
        if before is None:
            changes += _skill_added(skill, new.domain_names[skill.domain])
        else:
            changes += _skill_edits(before, skill, levels)
    return changes


def _layout_changes(old: RoleState, new: RoleState, changes: Sequence[Change]) -> list[Change]:
    """A new layout, when the changes so far do not leave the skills where ``new`` has them."""
    interim = apply_changes(old, changes).state
    if interim.layout() == new.layout():
        return []
    new_domains = {d for d, _s in new.layout()} - set(interim.domain_names)
    return [
        SetLayout(
            domains=new.layout(),
            domain_names={d: new.domain_names[d] for d in sorted(new_domains)},
        )
    ]


def _extension_changes(old: RoleState, new: RoleState, changes: Sequence[Change]) -> list[Change]:
    """The ``x-`` keys that differ after the changes so far (removed skills and levels have
    dropped theirs by then)."""
    interim = apply_changes(old, changes).state
    return [
        SetExtension(place=place, data=dict(new.extensions.get(place, {})))
        for place in _extensions_differing(interim.extensions, new.extensions)
    ]


def changes_between(old: RoleState, new: RoleState) -> list[Change]:
    """A change list that turns ``old`` into ``new`` (how an import becomes a change set).

    Global names (skills, domains, family) are taken as they are in ``new`` only for entries new
    to the role; renames of shared entries are listed too, for callers that want them."""
    changes = [
        *_shared_changes(old, new),
        *_role_changes(old, new),
        *_level_changes(old, new),
        *_skill_changes(old, new),
    ]
    changes += [
        RenameDomain(domain=slug, name=name) for slug, name in _renamed_domains(old, new).items()
    ]
    # Layout, then extensions, each from where the changes before it leave the role.
    changes += _layout_changes(old, new, changes)
    changes += _extension_changes(old, new, changes)
    return changes
