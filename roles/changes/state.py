"""A role's content as plain frozen data: what its §4 document says, minus formatting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from roles.scale import CODE_NAMES

JSON: TypeAlias = Any  # a value json.loads can return
# Role fields a change may set, with the kind of value each takes.
ROLE_FIELDS: dict[str, str] = {
    "slug": "slug",
    "title": "text",
    "tagline": "text",
    "description": "text",
    "key_domains": "items",
    "family": "slug",
    "source": "text",
    "is_published": "bool",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Cell:
    """A non-empty cell: the code a level asks of a skill."""

    code: str
    mandatory: bool = True
    details: str = ""

    def as_json(self) -> dict[str, JSON]:
        return {"code": self.code, "mandatory": self.mandatory, "details": self.details}


@dataclass(frozen=True, kw_only=True, slots=True)
class LevelState:
    code: str
    name: str
    short: str
    focus: str = ""
    stack: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class SkillState:
    """A skill as it sits in one role: its (global) name and description, its domain in this
    role, and its non-empty cells by level code."""

    slug: str
    name: str
    description: str = ""
    domain: str
    cells: Mapping[str, Cell] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class RoleState:
    """Everything a role's §4 document says. Skills are in the role's order; the skills of a
    domain are contiguous. ``extensions`` maps a place (``$``, ``role``, ``level:junior``,
    ``skill:docker``, ``cell:docker:junior`` …) to the ``x-`` keys found there."""

    slug: str
    title: str
    tagline: str = ""
    description: str = ""
    key_domains: tuple[str, ...] = ()
    family: str
    family_name: str
    source: str = ""
    is_published: bool = True
    # Only the codes whose name differs from the default scale's (roles.scale.CODE_NAMES).
    code_names: Mapping[str, str] = field(default_factory=dict)
    extensions: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)
    levels: tuple[LevelState, ...] = ()
    skills: tuple[SkillState, ...] = ()
    domain_names: Mapping[str, str] = field(default_factory=dict)

    def level(self, code: str) -> LevelState | None:
        return next((level for level in self.levels if level.code == code), None)

    def skill(self, slug: str) -> SkillState | None:
        return next((skill for skill in self.skills if skill.slug == slug), None)

    def cell(self, skill: str, level: str) -> Cell | None:
        found = self.skill(skill)
        return found.cells.get(level) if found else None

    def code_name(self, code: str) -> str:
        return self.code_names.get(code, CODE_NAMES[code])

    def layout(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The domains in the role's order, each with its skills in order."""
        groups: list[tuple[str, list[str]]] = []
        for skill in self.skills:
            if not groups or groups[-1][0] != skill.domain:
                groups.append((skill.domain, []))
            groups[-1][1].append(skill.slug)
        return tuple((domain, tuple(slugs)) for domain, slugs in groups)
