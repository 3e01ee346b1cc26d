"""How two states of a role differ, and what a change list would do.

:func:`role_diff` compares two states cell by cell (any two versions, or before and after a
change list); :func:`preview` is the difference a change list would make; :func:`changes_between`
is the change list that turns one state into another (how an import becomes a change set).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from roles.changes.state import JSON, ROLE_FIELDS, Cell, LevelState, RoleState, SkillState
from roles.changes.types import (
    AddLevel,
    AddSkill,
    Change,
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
        places |= {f"skill:{d.place}:name" for d in self.skills}
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
    return [
        replace(diff, field="family") if diff.field == "family_name" else diff
        for diff in _field_diffs("role", old, new, [*ROLE_FIELDS, "family_name"])
    ]


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
        levels=tuple(
            _kept_field_diffs(old_levels, new_levels, ("name", "short", "focus", "stack"))
        ),
        role=tuple(_role_field_diffs(old, new)),
        skills=tuple(_kept_field_diffs(old_skills, new_skills, ("name", "description"))),
        domains=tuple(
            FieldDiff(place=slug, field="name", old=old.domain_names[slug], new=name)
            for slug, name in _renamed_domains(old, new).items()
        ),
        codes=tuple(
            FieldDiff(place=code, field="name", old=old.code_name(code), new=new.code_name(code))
            for code in _renamed_codes(old, new)
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
        SetRoleField(field=name, value=getattr(new, name))
        for name in ROLE_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    if old.family == new.family and old.family_name != new.family_name:
        changes.append(RenameFamily(family=new.family, name=new.family_name))
    changes += [
        SetCodeName(code=code, name=new.code_name(code)) for code in _renamed_codes(old, new)
    ]
    return changes


def _level_added(level: LevelState) -> AddLevel:
    return AddLevel(
        level=level.code, name=level.name, short=level.short, focus=level.focus, stack=level.stack
    )


def _level_edits(before: LevelState, level: LevelState) -> list[Change]:
    changes: list[Change] = []
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
        changes += [_level_added(level)] if before is None else _level_edits(before, level)
    changes += [RemoveLevel(level=code) for code in _only_in(old_levels, new_codes)]
    # Kept levels keep their order and added ones go on top: reorder when that is not new's.
    if [*_also_in(old_levels, new_codes), *_only_in(new_codes, old_levels)] != new_codes:
        changes.append(SetLevelOrder(levels=tuple(new_codes)))
    return changes


def _skill_added(skill: SkillState, domain_name: str) -> AddSkill:
    return AddSkill(
        skill=skill.slug,
        domain=skill.domain,
        requirements=dict(skill.cells),
        name=skill.name,
        description=skill.description,
        domain_name=domain_name,
    )


def _cell_edits(skill: str, level: str, old: Cell | None, new: Cell | None) -> list[Change]:
    """The changes that turn one cell (empty or not) into another."""
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
            changes.append(_skill_added(skill, new.domain_names[skill.domain]))
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
    changes = [*_role_changes(old, new), *_level_changes(old, new), *_skill_changes(old, new)]
    changes += [
        RenameDomain(domain=slug, name=name) for slug, name in _renamed_domains(old, new).items()
    ]
    # Layout, then extensions, each from where the changes before it leave the role.
    changes += _layout_changes(old, new, changes)
    changes += _extension_changes(old, new, changes)
    return changes
