"""The base of every change type and the helpers they share to read and rewrite a state.

A change is a frozen, keyword-only dataclass with an ``op`` name; it parses from and serialises
to the JSON form that proposals and the API use and applies to a
:class:`~roles.changes.state.RoleState`, giving a new state. :mod:`roles.changes.types` holds
the change types of v1's parts and the registry, :mod:`roles.changes.parts` those of format
v2's parts (scales, tracks, structured cells, the framework).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, TypeAlias

from roles.changes.errors import FieldInvalid
from roles.changes.state import JSON, ROLE_FIELDS, Cell, LevelState, RoleState, SkillState

# How each field of a change parses from JSON: (value, field name) -> the typed value.
Parsers: TypeAlias = dict[str, Callable[[JSON, str], Any]]
ROLE_FIELD_LIMITS: dict[str, int] = {"slug": 100, "title": 200, "tagline": 300, "source": 500}


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """Base of every change type. Subclasses set ``op`` and ``_parsers``."""

    op: ClassVar[str] = ""
    _parsers: ClassVar[Parsers] = {}
    _optional: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_json(cls, data: Mapping[str, JSON]) -> Change:
        values = {}
        for name, parser in cls._parsers.items():
            if name not in data:
                if name in cls._optional:
                    continue
                raise FieldInvalid(name, "missing")
            values[name] = parser(data[name], name)
        unknown = set(data) - set(cls._parsers) - {"op"}
        if unknown:
            raise FieldInvalid(sorted(unknown)[0], "unknown_field", op=cls.op)
        return cls(**values)

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"op": self.op}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            data[item.name] = value
        return data

    def apply(self, state: RoleState) -> RoleState:
        raise NotImplementedError

    def places(self) -> set[str]:
        """The places this change reads or writes, for conflict detection."""
        raise NotImplementedError


def unknown_role_field(name: str) -> FieldInvalid:
    return FieldInvalid("field", "unknown_role_field", choices=", ".join(ROLE_FIELDS), value=name)


def need_level(state: RoleState, code: str, name: str = "level") -> LevelState:
    level = state.level(code)
    if level is None:
        raise FieldInvalid(name, "unknown_level", level=code, role=state.slug)
    return level


def need_skill(state: RoleState, slug: str, name: str = "skill") -> SkillState:
    skill = state.skill(slug)
    if skill is None:
        raise FieldInvalid(name, "unknown_skill", skill=slug, role=state.slug)
    return skill


def with_skill(state: RoleState, skill: SkillState) -> RoleState:
    return replace(state, skills=tuple(skill if s.slug == skill.slug else s for s in state.skills))


def with_level(state: RoleState, level: LevelState) -> RoleState:
    return replace(
        state, levels=tuple(level if lv.code == level.code else lv for lv in state.levels)
    )


def with_cell(state: RoleState, skill: SkillState, level: str, cell: Cell | None) -> RoleState:
    cells = dict(skill.cells)
    if cell is None:
        cells.pop(level, None)
    else:
        cells[level] = cell
    # Keep cells in ladder order so equal states compare equal however they were reached.
    ordered = {lv.code: cells[lv.code] for lv in state.levels if lv.code in cells}
    state = with_skill(state, replace(skill, cells=ordered))
    if cell is None:
        state = without_extension(state, f"cell:{skill.slug}:{level}")
    return state


def without_extension(state: RoleState, *places: str) -> RoleState:
    if not any(place in state.extensions for place in places):
        return state
    kept = {key: value for key, value in state.extensions.items() if key not in places}
    return replace(state, extensions=kept)
