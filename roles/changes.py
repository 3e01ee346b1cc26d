"""Typed changes to a role (DESIGN §5 "Change sets"), pure: no ORM, no database.

A role's content is a :class:`RoleState` (what a §4 document says, minus formatting). A change is
a frozen, keyword-only dataclass with an ``op`` name; it parses from and serialises to the JSON
form that proposals and the API use (``{"op": "set_requirement", "skill": "docker", ...}``) and
applies to a state, giving a new state. :func:`apply_changes` validates a whole list against a
state, naming the change and field of every problem (``changes[2].level: no level 'staff' in role
'mlops-engineer'``), and reports the changes that make no difference. :func:`role_diff` compares
two states cell by cell; :func:`preview` is the diff a change list would make, and
:func:`changes_between` the change list that turns one state into another (an import).

Every change names the *places* it touches (``cell:docker:senior``, ``skill:docker``,
``level:senior:focus`` …); a version records the places it changed, so a change set written
against an older version conflicts exactly when the two sets of places meet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, TypeAlias, cast

from roles.errors import RoleChangeError
from roles.scale import CODE_NAMES, CODES

JSON: TypeAlias = Any  # a value json.loads can return
# How each field of a change parses from JSON: (value, field name) -> the typed value.
Parsers: TypeAlias = dict[str, Callable[[JSON, str], Any]]
_SLUG_RE = re.compile(r"^[-a-z0-9_]+$")
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
ROLE_FIELD_LIMITS: dict[str, int] = {"slug": 100, "title": 200, "tagline": 300, "source": 500}


# --- state -------------------------------------------------------------------------------------


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


# --- errors ------------------------------------------------------------------------------------


class ChangeError(RoleChangeError):
    """A change list that cannot apply; ``problems`` are lines like
    ``changes[2].level: no level 'staff' in role 'mlops-engineer'``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class _Invalid(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        self.field_name = field_name
        self.message = message
        super().__init__(message)


# --- field parsing -----------------------------------------------------------------------------


def _type_name(value: JSON) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    names |= {int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _parse_slug(value: JSON, name: str) -> str:
    if not isinstance(value, str) or not _SLUG_RE.fullmatch(value) or len(value) > 100:
        raise _Invalid(name, f"must be a slug (lowercase letters, digits, - and _), not {value!r}")
    return value


def _parse_text(value: JSON, name: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(name, f"must be a string, not {_type_name(value)}")
    return value.strip()


def _parse_name(value: JSON, name: str) -> str:
    text = _parse_text(value, name)
    if not text:
        raise _Invalid(name, "must not be empty")
    if len(text) > 200:
        raise _Invalid(name, "must be at most 200 characters")
    return text


def _parse_bool(value: JSON, name: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(name, f"must be true or false, not {_type_name(value)}")
    return value


def _parse_code(value: JSON, name: str) -> str | None:
    if value is None:
        return None
    if value not in CODES:
        raise _Invalid(name, f"must be one of A, W, E or null, not {value!r}")
    return str(value)


def _parse_items(value: JSON, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(name, f"must be an array of strings, not {_type_name(value)}")
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(f"{name}[{index}]", "must be a non-empty string")
        items.append(item.strip())
    return tuple(items)


def _parse_slugs(value: JSON, name: str) -> tuple[str, ...]:
    items = _parse_items(value, name)
    for index, item in enumerate(items):
        _parse_slug(item, f"{name}[{index}]")
    return items


def parse_cell(value: JSON, name: str) -> Cell | None:
    """A cell in the §4 forms: null, ``"W"`` or ``{code, mandatory?, details?}``."""
    if value is None:
        return None
    if isinstance(value, str):
        code = _parse_code(value, name)
        return Cell(code=code) if code else None
    if not isinstance(value, dict):
        raise _Invalid(name, f"must be null, a code or an object, not {_type_name(value)}")
    unknown = set(value) - {"code", "mandatory", "details"}
    if unknown:
        raise _Invalid(f"{name}.{sorted(unknown)[0]}", "unknown key")
    code = _parse_code(value.get("code"), f"{name}.code")
    if code is None:
        raise _Invalid(f"{name}.code", "is missing")
    return Cell(
        code=code,
        mandatory=_parse_bool(value.get("mandatory", True), f"{name}.mandatory"),
        details=_parse_text(value.get("details", ""), f"{name}.details"),
    )


def _parse_cells(value: JSON, name: str) -> dict[str, Cell]:
    if not isinstance(value, dict):
        raise _Invalid(name, f"must be an object of level codes, not {_type_name(value)}")
    cells = {}
    for level, raw in value.items():
        cell = parse_cell(raw, f"{name}.{level}")
        if cell is not None:
            cells[level] = cell
    return cells


def _parse_extension(value: JSON, name: str) -> dict[str, JSON]:
    if not isinstance(value, dict):
        raise _Invalid(name, f"must be an object, not {_type_name(value)}")
    for key in value:
        if not key.startswith("x-"):
            raise _Invalid(f"{name}.{key}", "extension keys start with 'x-'")
    return dict(value)


def _parse_layout(value: JSON, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, list):
        raise _Invalid(name, f"must be an array, not {_type_name(value)}")
    layout = []
    for index, group in enumerate(value):
        here = f"{name}[{index}]"
        if not isinstance(group, dict) or set(group) != {"domain", "skills"}:
            raise _Invalid(here, "must be an object with 'domain' and 'skills'")
        layout.append(
            (
                _parse_slug(group["domain"], f"{here}.domain"),
                _parse_slugs(group["skills"], f"{here}.skills"),
            )
        )
    return tuple(layout)


def _parse_names(value: JSON, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Invalid(name, f"must be an object, not {_type_name(value)}")
    return {_parse_slug(k, f"{name}.{k}"): _parse_name(v, f"{name}.{k}") for k, v in value.items()}


def _parse_role_value(value: JSON, name: str, kind: str) -> str | bool | tuple[str, ...]:
    parsers: dict[str, Callable[[JSON, str], str | bool | tuple[str, ...]]] = {
        "slug": _parse_slug,
        "text": _parse_text,
        "items": _parse_items,
        "bool": _parse_bool,
    }
    return parsers[kind](value, name)


def _cells_json(cells: Mapping[str, Cell]) -> dict[str, JSON]:
    return {level: cell.as_json() for level, cell in cells.items()}


# --- changes -----------------------------------------------------------------------------------


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
                raise _Invalid(name, "is missing")
            values[name] = parser(data[name], name)
        unknown = set(data) - set(cls._parsers) - {"op"}
        if unknown:
            raise _Invalid(sorted(unknown)[0], f"unknown field for {cls.op}")
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


def _need_level(state: RoleState, code: str, name: str = "level") -> LevelState:
    level = state.level(code)
    if level is None:
        raise _Invalid(name, f"no level {code!r} in role {state.slug!r}")
    return level


def _need_skill(state: RoleState, slug: str, name: str = "skill") -> SkillState:
    skill = state.skill(slug)
    if skill is None:
        raise _Invalid(name, f"no skill {slug!r} in role {state.slug!r}")
    return skill


def _with_skill(state: RoleState, skill: SkillState) -> RoleState:
    return replace(state, skills=tuple(skill if s.slug == skill.slug else s for s in state.skills))


def _with_level(state: RoleState, level: LevelState) -> RoleState:
    return replace(
        state, levels=tuple(level if lv.code == level.code else lv for lv in state.levels)
    )


def _with_cell(state: RoleState, skill: SkillState, level: str, cell: Cell | None) -> RoleState:
    cells = dict(skill.cells)
    if cell is None:
        cells.pop(level, None)
    else:
        cells[level] = cell
    # Keep cells in ladder order so equal states compare equal however they were reached.
    ordered = {lv.code: cells[lv.code] for lv in state.levels if lv.code in cells}
    state = _with_skill(state, replace(skill, cells=ordered))
    if cell is None:
        state = _without_extension(state, f"cell:{skill.slug}:{level}")
    return state


def _without_extension(state: RoleState, *places: str) -> RoleState:
    if not any(place in state.extensions for place in places):
        return state
    kept = {key: value for key, value in state.extensions.items() if key not in places}
    return replace(state, extensions=kept)


@dataclass(frozen=True, kw_only=True, slots=True)
class SetRequirement(Change):
    """Set a cell's code and mandatory flag (its details stay); ``code=None`` empties it."""

    op: ClassVar[str] = "set_requirement"
    _parsers: ClassVar[Parsers] = {
        "skill": _parse_slug,
        "level": _parse_slug,
        "code": _parse_code,
        "mandatory": _parse_bool,
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"mandatory"})
    skill: str
    level: str
    code: str | None
    mandatory: bool = True

    def apply(self, state: RoleState) -> RoleState:
        skill = _need_skill(state, self.skill)
        _need_level(state, self.level)
        if self.code is None:
            return _with_cell(state, skill, self.level, None)
        old = skill.cells.get(self.level)
        details = old.details if old else ""
        cell = Cell(code=self.code, mandatory=self.mandatory, details=details)
        return _with_cell(state, skill, self.level, cell)

    def places(self) -> set[str]:
        return {f"cell:{self.skill}:{self.level}", f"skill:{self.skill}", f"level:{self.level}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetDetails(Change):
    """Set the details text of a non-empty cell."""

    op: ClassVar[str] = "set_details"
    _parsers: ClassVar[Parsers] = {
        "skill": _parse_slug,
        "level": _parse_slug,
        "text": _parse_text,
    }
    skill: str
    level: str
    text: str

    def apply(self, state: RoleState) -> RoleState:
        skill = _need_skill(state, self.skill)
        _need_level(state, self.level)
        old = skill.cells.get(self.level)
        if old is None:
            raise _Invalid(
                "level", f"the cell {self.skill}/{self.level} is empty: set a code first"
            )
        return _with_cell(state, skill, self.level, replace(old, details=self.text))

    def places(self) -> set[str]:
        return {f"cell:{self.skill}:{self.level}", f"skill:{self.skill}", f"level:{self.level}"}


def _parse_add_skill_target(value: JSON, name: str) -> JSON:
    # Kept as given; AddSkill.from_json unpacks the {name, domain} form.
    return value


@dataclass(frozen=True, kw_only=True, slots=True)
class AddSkill(Change):
    """Add a skill to the role at the end of its domain (a domain new to the role goes last).

    ``name`` (and ``description``) create the global skill when no skill has this slug yet;
    ``domain_name`` likewise for the domain. The JSON form also accepts
    ``"skill": {"name": "Docker", "domain": "Containers"}`` (slugs from the names)."""

    op: ClassVar[str] = "add_skill"
    _parsers: ClassVar[Parsers] = {
        "skill": _parse_add_skill_target,
        "domain": _parse_slug,
        "requirements": _parse_cells,
        "name": _parse_name,
        "description": _parse_text,
        "domain_name": _parse_name,
    }
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"domain", "requirements", "name", "description", "domain_name"}
    )
    skill: str
    domain: str
    requirements: Mapping[str, Cell] = field(default_factory=dict)
    name: str = ""
    description: str = ""
    domain_name: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, JSON]) -> Change:
        target = data.get("skill")
        if isinstance(target, dict):
            from django.utils.text import slugify  # pure helper, no database

            if set(target) - {"name", "domain"}:
                raise _Invalid("skill", "must be a slug or an object with 'name' and 'domain'")
            name = _parse_name(target.get("name"), "skill.name")
            domain_name = _parse_name(target.get("domain"), "skill.domain")
            data = {
                **{k: v for k, v in data.items() if k != "skill"},
                "skill": slugify(name)[:100],
                "name": name,
                "domain": slugify(domain_name)[:100],
                "domain_name": domain_name,
            }
        elif "domain" not in data:
            raise _Invalid("domain", "is missing")
        parsed = cast(AddSkill, super(AddSkill, cls).from_json(data))
        _parse_slug(parsed.skill, "skill")
        return parsed

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"op": self.op, "skill": self.skill, "domain": self.domain}
        data["requirements"] = _cells_json(self.requirements)
        for name in ("name", "description", "domain_name"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    def apply(self, state: RoleState) -> RoleState:
        if state.skill(self.skill) is not None:
            raise _Invalid("skill", f"role {state.slug!r} already has the skill {self.skill!r}")
        for level in self.requirements:
            _need_level(state, level, f"requirements.{level}")
        if not self.name:
            raise _Invalid("name", f"no skill {self.skill!r} exists: give its name")
        domain_name = state.domain_names.get(self.domain) or self.domain_name
        if not domain_name:
            raise _Invalid("domain_name", f"no domain {self.domain!r} exists: give its name")
        cells = {
            lv.code: self.requirements[lv.code]
            for lv in state.levels
            if lv.code in self.requirements
        }
        new = SkillState(
            slug=self.skill,
            name=self.name,
            description=self.description,
            domain=self.domain,
            cells=cells,
        )
        skills = list(state.skills)
        in_domain = [index for index, s in enumerate(skills) if s.domain == self.domain]
        skills.insert(in_domain[-1] + 1 if in_domain else len(skills), new)
        return replace(
            state,
            skills=tuple(skills),
            domain_names={**state.domain_names, self.domain: domain_name},
        )

    def places(self) -> set[str]:
        return {f"skill:{self.skill}", "layout", *(f"level:{level}" for level in self.requirements)}


@dataclass(frozen=True, kw_only=True, slots=True)
class RemoveSkill(Change):
    """Take a skill and its cells out of the role (the global skill stays)."""

    op: ClassVar[str] = "remove_skill"
    _parsers: ClassVar[Parsers] = {"skill": _parse_slug}
    skill: str

    def apply(self, state: RoleState) -> RoleState:
        skill = _need_skill(state, self.skill)
        skills = tuple(s for s in state.skills if s.slug != self.skill)
        domains = {s.domain for s in skills}
        state = replace(
            state,
            skills=skills,
            domain_names={k: v for k, v in state.domain_names.items() if k in domains},
        )
        places = [f"skill:{self.skill}", *(f"cell:{self.skill}:{lv}" for lv in skill.cells)]
        if skill.domain not in domains:
            places.append(f"domain:{skill.domain}")
        return _without_extension(state, *places)

    def places(self) -> set[str]:
        return {f"skill:{self.skill}", "layout"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLayout(Change):
    """Order the role's skills and say which domain each sits in: every skill of the role,
    once, grouped by domain."""

    op: ClassVar[str] = "set_layout"
    _parsers: ClassVar[Parsers] = {
        "domains": _parse_layout,
        "domain_names": lambda value, name: _parse_names(value, name),
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"domain_names"})
    domains: tuple[tuple[str, tuple[str, ...]], ...]
    # Names of domains new to the role (global ones that do not exist yet).
    domain_names: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {
            "op": self.op,
            "domains": [{"domain": d, "skills": list(s)} for d, s in self.domains],
        }
        if self.domain_names:
            data["domain_names"] = dict(self.domain_names)
        return data

    def apply(self, state: RoleState) -> RoleState:
        listed = [slug for _domain, slugs in self.domains for slug in slugs]
        current = {s.slug: s for s in state.skills}
        if sorted(listed) != sorted(current) or len(set(listed)) != len(listed):
            raise _Invalid("domains", "must list every skill of the role exactly once")
        seen: set[str] = set()
        skills: list[SkillState] = []
        names = {**state.domain_names, **self.domain_names}
        for index, (domain, slugs) in enumerate(self.domains):
            if domain in seen:
                raise _Invalid(f"domains[{index}].domain", f"domain {domain!r} listed twice")
            seen.add(domain)
            if domain not in names:
                raise _Invalid(f"domains[{index}].domain", f"no name for domain {domain!r}")
            skills.extend(replace(current[slug], domain=domain) for slug in slugs)
        gone = [f"domain:{d}" for d in state.domain_names if d not in seen]
        state = replace(
            state,
            skills=tuple(skills),
            domain_names={d: names[d] for d in names if d in seen},
        )
        return _without_extension(state, *gone)

    def places(self) -> set[str]:
        return {"layout", *(f"skill:{slug}" for _d, slugs in self.domains for slug in slugs)}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetFocus(Change):
    op: ClassVar[str] = "set_focus"
    _parsers: ClassVar[Parsers] = {
        "level": _parse_slug,
        "text": _parse_text,
    }
    level: str
    text: str

    def apply(self, state: RoleState) -> RoleState:
        return _with_level(state, replace(_need_level(state, self.level), focus=self.text))

    def places(self) -> set[str]:
        return {f"level:{self.level}", f"level:{self.level}:focus"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetStack(Change):
    op: ClassVar[str] = "set_stack"
    _parsers: ClassVar[Parsers] = {
        "level": _parse_slug,
        "items": _parse_items,
    }
    level: str
    items: tuple[str, ...]

    def apply(self, state: RoleState) -> RoleState:
        return _with_level(state, replace(_need_level(state, self.level), stack=self.items))

    def places(self) -> set[str]:
        return {f"level:{self.level}", f"level:{self.level}:stack"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLevelName(Change):
    op: ClassVar[str] = "set_level_name"
    _parsers: ClassVar[Parsers] = {
        "level": _parse_slug,
        "name": _parse_name,
        "short": _parse_name,
    }
    level: str
    name: str
    short: str

    def apply(self, state: RoleState) -> RoleState:
        if len(self.name) > 100:
            raise _Invalid("name", "must be at most 100 characters")
        if len(self.short) > 20:
            raise _Invalid("short", "must be at most 20 characters")
        level = _need_level(state, self.level)
        return _with_level(state, replace(level, name=self.name, short=self.short))

    def places(self) -> set[str]:
        return {f"level:{self.level}", f"level:{self.level}:name"}


@dataclass(frozen=True, kw_only=True, slots=True)
class AddLevel(Change):
    """Add a level at the top of the ladder (``set_level_order`` moves it)."""

    op: ClassVar[str] = "add_level"
    _parsers: ClassVar[Parsers] = {
        "level": _parse_slug,
        "name": _parse_name,
        "short": _parse_name,
        "focus": _parse_text,
        "stack": _parse_items,
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"focus", "stack"})
    level: str
    name: str
    short: str
    focus: str = ""
    stack: tuple[str, ...] = ()

    def apply(self, state: RoleState) -> RoleState:
        if state.level(self.level) is not None:
            raise _Invalid("level", f"role {state.slug!r} already has the level {self.level!r}")
        new = LevelState(
            code=self.level, name=self.name, short=self.short, focus=self.focus, stack=self.stack
        )
        return replace(state, levels=(*state.levels, new))

    def places(self) -> set[str]:
        return {f"level:{self.level}", "level-order"}


@dataclass(frozen=True, kw_only=True, slots=True)
class RemoveLevel(Change):
    """Take a level and all its cells out of the role."""

    op: ClassVar[str] = "remove_level"
    _parsers: ClassVar[Parsers] = {"level": _parse_slug}
    level: str

    def apply(self, state: RoleState) -> RoleState:
        _need_level(state, self.level)
        if len(state.levels) == 1:
            raise _Invalid("level", "a role keeps at least one level")
        skills = tuple(
            replace(s, cells={k: v for k, v in s.cells.items() if k != self.level})
            for s in state.skills
        )
        state = replace(
            state, levels=tuple(lv for lv in state.levels if lv.code != self.level), skills=skills
        )
        places = [f"level:{self.level}", *(f"cell:{s.slug}:{self.level}" for s in skills)]
        return _without_extension(state, *places)

    def places(self) -> set[str]:
        return {f"level:{self.level}", "level-order"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLevelOrder(Change):
    op: ClassVar[str] = "set_level_order"
    _parsers: ClassVar[Parsers] = {"levels": _parse_slugs}
    levels: tuple[str, ...]

    def apply(self, state: RoleState) -> RoleState:
        current = {lv.code: lv for lv in state.levels}
        if sorted(self.levels) != sorted(current) or len(set(self.levels)) != len(self.levels):
            raise _Invalid("levels", "must list every level of the role exactly once")
        ordered = tuple(current[code] for code in self.levels)
        codes = [lv.code for lv in ordered]
        skills = tuple(
            replace(s, cells={c: s.cells[c] for c in codes if c in s.cells}) for s in state.skills
        )
        return replace(state, levels=ordered, skills=skills)

    def places(self) -> set[str]:
        return {"level-order"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetRoleField(Change):
    """Set one of the role's own fields (title, tagline, description, key domains, family,
    source, slug, published)."""

    op: ClassVar[str] = "set_role_field"
    _parsers: ClassVar[Parsers] = {
        "field": lambda value, name: value,
        "value": lambda value, name: value,
    }
    field: str
    value: str | bool | tuple[str, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, JSON]) -> Change:
        parsed = cast(SetRoleField, super(SetRoleField, cls).from_json(data))
        if parsed.field not in ROLE_FIELDS:
            raise _Invalid(
                "field", f"must be one of {', '.join(ROLE_FIELDS)}, not {parsed.field!r}"
            )
        value = _parse_role_value(parsed.value, "value", ROLE_FIELDS[parsed.field])
        return cls(field=parsed.field, value=value)

    def apply(self, state: RoleState) -> RoleState:
        if self.field not in ROLE_FIELDS:
            raise _Invalid("field", f"must be one of {', '.join(ROLE_FIELDS)}, not {self.field!r}")
        limit = ROLE_FIELD_LIMITS.get(self.field)
        if limit and isinstance(self.value, str) and len(self.value) > limit:
            raise _Invalid("value", f"must be at most {limit} characters")
        if self.field == "title" and not self.value:
            raise _Invalid("value", "must not be empty")
        return replace(state, **cast(dict[str, Any], {self.field: self.value}))

    def places(self) -> set[str]:
        return {f"role:{self.field}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class RenameSkill(Change):
    """Rename or re-describe a global skill (every role showing it gets a version)."""

    op: ClassVar[str] = "rename_skill"
    _parsers: ClassVar[Parsers] = {
        "skill": _parse_slug,
        "name": _parse_name,
        "description": _parse_text,
    }
    skill: str
    name: str
    description: str

    def apply(self, state: RoleState) -> RoleState:
        skill = _need_skill(state, self.skill)
        return _with_skill(state, replace(skill, name=self.name, description=self.description))

    def places(self) -> set[str]:
        return {f"skill:{self.skill}:name"}


@dataclass(frozen=True, kw_only=True, slots=True)
class RenameDomain(Change):
    op: ClassVar[str] = "rename_domain"
    _parsers: ClassVar[Parsers] = {
        "domain": _parse_slug,
        "name": _parse_name,
    }
    domain: str
    name: str

    def apply(self, state: RoleState) -> RoleState:
        if self.domain not in state.domain_names:
            raise _Invalid("domain", f"no domain {self.domain!r} in role {state.slug!r}")
        return replace(state, domain_names={**state.domain_names, self.domain: self.name})

    def places(self) -> set[str]:
        return {f"domain:{self.domain}:name"}


@dataclass(frozen=True, kw_only=True, slots=True)
class RenameFamily(Change):
    op: ClassVar[str] = "rename_family"
    _parsers: ClassVar[Parsers] = {
        "family": _parse_slug,
        "name": _parse_name,
    }
    family: str
    name: str

    def apply(self, state: RoleState) -> RoleState:
        if self.family != state.family:
            raise _Invalid("family", f"role {state.slug!r} is not in the family {self.family!r}")
        return replace(state, family_name=self.name)

    def places(self) -> set[str]:
        return {"role:family"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetCodeName(Change):
    """Relabel a code in this role's legend (ranks never change); the default name resets it."""

    op: ClassVar[str] = "set_code_name"
    _parsers: ClassVar[Parsers] = {
        "code": _parse_code,
        "name": _parse_name,
    }
    code: str
    name: str

    def apply(self, state: RoleState) -> RoleState:
        if self.code not in CODES:
            raise _Invalid("code", f"must be one of A, W, E, not {self.code!r}")
        names = {k: v for k, v in state.code_names.items() if k != self.code}
        if self.name != CODE_NAMES[self.code]:
            names[self.code] = self.name
        return replace(state, code_names={c: names[c] for c in CODES if c in names})

    def places(self) -> set[str]:
        return {f"code:{self.code}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetExtension(Change):
    """Set the ``x-`` keys kept at one place of the role's document (an empty object drops
    them). Places: ``$``, ``family``, ``role``, ``level:<code>``, ``code:<code>``,
    ``domain:<slug>``, ``skill:<slug>``, ``cell:<skill>:<level>``."""

    op: ClassVar[str] = "set_extension"
    _parsers: ClassVar[Parsers] = {
        "place": _parse_text,
        "data": _parse_extension,
    }
    place: str
    data: Mapping[str, JSON]

    def apply(self, state: RoleState) -> RoleState:
        kind, _sep, rest = self.place.partition(":")
        exists = {
            "$": lambda: not rest,
            "family": lambda: not rest,
            "role": lambda: not rest,
            "level": lambda: state.level(rest) is not None,
            "code": lambda: rest in CODES,
            "domain": lambda: rest in state.domain_names,
            "skill": lambda: state.skill(rest) is not None,
            "cell": lambda: state.cell(*rest.partition(":")[::2]) is not None,
        }.get(kind)
        if exists is None or not exists():
            raise _Invalid("place", f"no place {self.place!r} in role {state.slug!r}")
        extensions = {k: v for k, v in state.extensions.items() if k != self.place}
        if self.data:
            extensions[self.place] = dict(self.data)
        return replace(state, extensions=extensions)

    def places(self) -> set[str]:
        return {f"ext:{self.place}"}


CHANGE_TYPES: dict[str, type[Change]] = {
    cls.op: cls
    for cls in (
        SetRequirement,
        SetDetails,
        AddSkill,
        RemoveSkill,
        SetLayout,
        SetFocus,
        SetStack,
        SetLevelName,
        AddLevel,
        RemoveLevel,
        SetLevelOrder,
        SetRoleField,
        RenameSkill,
        RenameDomain,
        RenameFamily,
        SetCodeName,
        SetExtension,
    )
}
# What a proposal may carry (DESIGN §5); the rest are for curators and imports.
PROPOSAL_OPS = frozenset(
    {"set_requirement", "set_details", "add_skill", "remove_skill", "set_focus", "set_stack"}
)


def parse_changes(data: JSON, *, allowed: Iterable[str] | None = None) -> list[Change]:
    """Parse a JSON change list; raises :class:`ChangeError` listing every bad change."""
    if not isinstance(data, list):
        raise ChangeError([f"changes: must be an array, not {_type_name(data)}"])
    allowed_ops = set(allowed) if allowed is not None else set(CHANGE_TYPES)
    changes: list[Change] = []
    problems: list[str] = []
    for index, item in enumerate(data):
        here = f"changes[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{here}: must be an object, not {_type_name(item)}")
            continue
        op = item.get("op")
        if op not in allowed_ops or op not in CHANGE_TYPES:
            names = ", ".join(sorted(allowed_ops & set(CHANGE_TYPES)))
            problems.append(f"{here}.op: must be one of {names}, not {op!r}")
            continue
        try:
            changes.append(CHANGE_TYPES[op].from_json(item))
        except _Invalid as exc:
            problems.append(f"{here}.{exc.field_name}: {exc.message}")
    if problems:
        raise ChangeError(problems)
    return changes


def changes_as_json(changes: Iterable[Change]) -> list[dict[str, JSON]]:
    return [change.as_json() for change in changes]


@dataclass(frozen=True, kw_only=True, slots=True)
class Applied:
    """The state after a change list, and the indexes of the changes that changed nothing."""

    state: RoleState
    noops: tuple[int, ...]


def apply_changes(state: RoleState, changes: Sequence[Change]) -> Applied:
    """Apply changes in order. Raises :class:`ChangeError` naming every change that cannot apply
    (each is checked against the state the changes before it left)."""
    problems: list[str] = []
    noops: list[int] = []
    for index, change in enumerate(changes):
        try:
            after = change.apply(state)
        except _Invalid as exc:
            problems.append(f"changes[{index}].{exc.field_name}: {exc.message}")
            continue
        if after == state:
            noops.append(index)
        state = after
    if problems:
        raise ChangeError(problems)
    return Applied(state=state, noops=tuple(noops))


# --- differences -------------------------------------------------------------------------------


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


def role_diff(old: RoleState, new: RoleState) -> RoleDiff:
    """Compare two states of a role (any two versions, or before and after a change list)."""
    old_skills = {s.slug: s for s in old.skills}
    new_skills = {s.slug: s for s in new.skills}
    old_levels = {lv.code: lv for lv in old.levels}
    new_levels = {lv.code: lv for lv in new.levels}
    level_codes = [lv.code for lv in new.levels] + [c for c in old_levels if c not in new_levels]
    cells = []
    skill_fields = []
    for skill in new.skills:
        before = old_skills.get(skill.slug)
        if before is None:
            continue
        skill_fields += _field_diffs(skill.slug, before, skill, ("name", "description"))
        for code in level_codes:
            a, b = before.cells.get(code), skill.cells.get(code)
            if a != b:
                cells.append(CellDiff(skill=skill.slug, level=code, old=a, new=b))
    level_fields = []
    for level in new.levels:
        before_level = old_levels.get(level.code)
        if before_level is not None:
            level_fields += _field_diffs(
                level.code, before_level, level, ("name", "short", "focus", "stack")
            )
    role_names = [*ROLE_FIELDS, "family_name"]
    role_fields = [
        replace(d, field="family") if d.field == "family_name" else d
        for d in _field_diffs("role", old, new, role_names)
    ]
    domains = [
        FieldDiff(place=slug, field="name", old=old.domain_names[slug], new=name)
        for slug, name in new.domain_names.items()
        if slug in old.domain_names and old.domain_names[slug] != name
    ]
    codes = [
        FieldDiff(place=code, field="name", old=old.code_name(code), new=new.code_name(code))
        for code in CODES
        if old.code_name(code) != new.code_name(code)
    ]
    ext_places = set(old.extensions) | set(new.extensions)
    extensions = sorted(p for p in ext_places if old.extensions.get(p) != new.extensions.get(p))
    return RoleDiff(
        cells=tuple(cells),
        skills_added=tuple(s for s in new_skills if s not in old_skills),
        skills_removed=tuple(s for s in old_skills if s not in new_skills),
        levels_added=tuple(c for c in new_levels if c not in old_levels),
        levels_removed=tuple(c for c in old_levels if c not in new_levels),
        levels=tuple(level_fields),
        role=tuple(role_fields),
        skills=tuple(skill_fields),
        domains=tuple(domains),
        codes=tuple(codes),
        extensions=tuple(extensions),
        layout_changed=old.layout() != new.layout(),
        level_order_changed=[c for c in old_levels if c in new_levels]
        != [c for c in new_levels if c in old_levels],
    )


def all_cell_changes(old: RoleState, new: RoleState) -> list[CellDiff]:
    """Every cell that differs, including those of skills and levels added or removed (a
    version's "changed cells"), in the new state's order, then what was removed."""
    old_skills = {s.slug: s for s in old.skills}
    new_skills = {s.slug: s for s in new.skills}
    slugs = [*new_skills, *(s for s in old_skills if s not in new_skills)]
    levels = [lv.code for lv in new.levels]
    levels += [lv.code for lv in old.levels if lv.code not in levels]
    diffs = []
    for slug in slugs:
        before, after = old_skills.get(slug), new_skills.get(slug)
        for level in levels:
            a = before.cells.get(level) if before else None
            b = after.cells.get(level) if after else None
            if a != b:
                diffs.append(CellDiff(skill=slug, level=level, old=a, new=b))
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


def changes_between(old: RoleState, new: RoleState) -> list[Change]:
    """A change list that turns ``old`` into ``new`` (how an import becomes a change set).

    Global names (skills, domains, family) are taken as they are in ``new`` only for entries new
    to the role; renames of shared entries are listed too, for callers that want them."""
    changes: list[Change] = []
    for name in ROLE_FIELDS:
        if getattr(old, name) != getattr(new, name):
            changes.append(SetRoleField(field=name, value=getattr(new, name)))
    if old.family == new.family and old.family_name != new.family_name:
        changes.append(RenameFamily(family=new.family, name=new.family_name))
    changes += [
        SetCodeName(code=code, name=new.code_name(code))
        for code in CODES
        if old.code_name(code) != new.code_name(code)
    ]
    old_levels = {lv.code: lv for lv in old.levels}
    new_levels = {lv.code: lv for lv in new.levels}
    for level in new.levels:
        before = old_levels.get(level.code)
        if before is None:
            changes.append(
                AddLevel(
                    level=level.code,
                    name=level.name,
                    short=level.short,
                    focus=level.focus,
                    stack=level.stack,
                )
            )
            continue
        if (before.name, before.short) != (level.name, level.short):
            changes.append(SetLevelName(level=level.code, name=level.name, short=level.short))
        if before.focus != level.focus:
            changes.append(SetFocus(level=level.code, text=level.focus))
        if before.stack != level.stack:
            changes.append(SetStack(level=level.code, items=level.stack))
    changes += [RemoveLevel(level=code) for code in old_levels if code not in new_levels]
    kept_order = [c for c in old_levels if c in new_levels] + [
        c for c in new_levels if c not in old_levels
    ]
    if kept_order != list(new_levels):
        changes.append(SetLevelOrder(levels=tuple(new_levels)))
    old_skills = {s.slug: s for s in old.skills}
    new_skills = {s.slug: s for s in new.skills}
    changes += [RemoveSkill(skill=slug) for slug in old_skills if slug not in new_skills]
    for skill in new.skills:
        before_skill = old_skills.get(skill.slug)
        if before_skill is None:
            changes.append(
                AddSkill(
                    skill=skill.slug,
                    domain=skill.domain,
                    requirements=dict(skill.cells),
                    name=skill.name,
                    description=skill.description,
                    domain_name=new.domain_names[skill.domain],
                )
            )
            continue
        if (before_skill.name, before_skill.description) != (skill.name, skill.description):
            changes.append(
                RenameSkill(skill=skill.slug, name=skill.name, description=skill.description)
            )
        for code in new_levels:
            a, b = before_skill.cells.get(code), skill.cells.get(code)
            if a == b:
                continue
            if b is None:
                changes.append(SetRequirement(skill=skill.slug, level=code, code=None))
                continue
            if a is None or (a.code, a.mandatory) != (b.code, b.mandatory):
                changes.append(
                    SetRequirement(skill=skill.slug, level=code, code=b.code, mandatory=b.mandatory)
                )
            if (a.details if a else "") != b.details:
                changes.append(SetDetails(skill=skill.slug, level=code, text=b.details))
    for slug, name in new.domain_names.items():
        if slug in old.domain_names and old.domain_names[slug] != name:
            changes.append(RenameDomain(domain=slug, name=name))
    # Where the changes so far leave the skills decides whether the layout needs a change.
    interim = apply_changes(old, changes).state
    if interim.layout() != new.layout():
        new_domains = {d for d, _s in new.layout()} - set(interim.domain_names)
        changes.append(
            SetLayout(
                domains=new.layout(),
                domain_names={d: new.domain_names[d] for d in sorted(new_domains)},
            )
        )
    # Extensions last: removed skills and levels have dropped theirs by now.
    interim = apply_changes(old, changes).state
    places = set(interim.extensions) | set(new.extensions)
    for place in sorted(places):
        if interim.extensions.get(place) != new.extensions.get(place):
            changes.append(SetExtension(place=place, data=dict(new.extensions.get(place, {}))))
    return changes
