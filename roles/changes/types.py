"""The change types of a role (DESIGN §5): what each change is, its JSON form and how it applies.

A change is a frozen, keyword-only dataclass with an ``op`` name; it parses from and serialises
to the JSON form that proposals and the API use (``{"op": "set_requirement", "skill": "docker",
...}``) and applies to a :class:`~roles.changes.state.RoleState`, giving a new state.
:func:`parse_changes` and :func:`apply_changes` check a whole list, naming the change and field
of every problem (``changes[2].level``, :class:`~roles.changes.errors.ChangeProblem`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, cast

from roles.changes.base import (
    ROLE_FIELD_LIMITS,
    Change,
    Parsers,
    need_level,
    need_skill,
    unknown_role_field,
    with_cell,
    with_level,
    with_skill,
    without_extension,
)
from roles.changes.errors import ChangeError, ChangeProblem, FieldInvalid, type_of
from roles.changes.fields import (
    cells_json,
    parse_bool,
    parse_cells,
    parse_code,
    parse_extension,
    parse_items,
    parse_layout,
    parse_name,
    parse_names,
    parse_role_value,
    parse_slug,
    parse_slugs,
    parse_text,
)
from roles.changes.parts import (
    PART_TYPES,
    parse_grading,
    parse_layout_name,
    parse_long_text,
    settle,
)
from roles.changes.state import (
    JSON,
    ROLE_FIELD_ATTRS,
    ROLE_FIELDS,
    Cell,
    LevelState,
    RoleState,
    SkillState,
)
from roles.scale import CODE_NAMES, CODES


@dataclass(frozen=True, kw_only=True, slots=True)
class SetRequirement(Change):
    """Set a cell's code and mandatory flag (its details stay); ``code=None`` empties it."""

    op: ClassVar[str] = "set_requirement"
    _parsers: ClassVar[Parsers] = {
        "skill": parse_slug,
        "level": parse_slug,
        "code": parse_code,
        "mandatory": parse_bool,
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"mandatory"})
    skill: str
    level: str
    code: str | None
    mandatory: bool = True

    def apply(self, state: RoleState) -> RoleState:
        skill = need_skill(state, self.skill)
        need_level(state, self.level)
        if self.code is None:
            return with_cell(state, skill, self.level, None)
        old = skill.cells.get(self.level)
        details = old.details if old else ""
        cell = Cell(code=self.code, mandatory=self.mandatory, details=details)
        return with_cell(state, skill, self.level, cell)

    def places(self) -> set[str]:
        return {f"cell:{self.skill}:{self.level}", f"skill:{self.skill}", f"level:{self.level}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetDetails(Change):
    """Set the details text of a non-empty cell."""

    op: ClassVar[str] = "set_details"
    _parsers: ClassVar[Parsers] = {
        "skill": parse_slug,
        "level": parse_slug,
        "text": parse_text,
    }
    skill: str
    level: str
    text: str

    def apply(self, state: RoleState) -> RoleState:
        skill = need_skill(state, self.skill)
        need_level(state, self.level)
        old = skill.cells.get(self.level)
        if old is None:
            raise FieldInvalid("level", "empty_cell", skill=self.skill, level=self.level)
        return with_cell(state, skill, self.level, replace(old, details=self.text))

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
        "domain": parse_slug,
        "requirements": parse_cells,
        "name": parse_name,
        "description": parse_text,
        "domain_name": parse_name,
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
                raise FieldInvalid("skill", "not_skill_target")
            name = parse_name(target.get("name"), "skill.name")
            domain_name = parse_name(target.get("domain"), "skill.domain")
            data = {
                **{k: v for k, v in data.items() if k != "skill"},
                "skill": slugify(name)[:100],
                "name": name,
                "domain": slugify(domain_name)[:100],
                "domain_name": domain_name,
            }
        elif "domain" not in data:
            raise FieldInvalid("domain", "missing")
        parsed = cast(AddSkill, super(AddSkill, cls).from_json(data))
        parse_slug(parsed.skill, "skill")
        return parsed

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"op": self.op, "skill": self.skill, "domain": self.domain}
        data["requirements"] = cells_json(self.requirements)
        for name in ("name", "description", "domain_name"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    def apply(self, state: RoleState) -> RoleState:
        if state.skill(self.skill) is not None:
            raise FieldInvalid("skill", "skill_exists", role=state.slug, skill=self.skill)
        for level in self.requirements:
            need_level(state, level, f"requirements.{level}")
        if not self.name:
            raise FieldInvalid("name", "skill_unnamed", skill=self.skill)
        domain_name = state.domain_names.get(self.domain) or self.domain_name
        if not domain_name:
            raise FieldInvalid("domain_name", "domain_unnamed", domain=self.domain)
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
    _parsers: ClassVar[Parsers] = {"skill": parse_slug}
    skill: str

    def apply(self, state: RoleState) -> RoleState:
        skill = need_skill(state, self.skill)
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
        return without_extension(state, *places)

    def places(self) -> set[str]:
        return {f"skill:{self.skill}", "layout"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLayout(Change):
    """Order the role's skills and say which domain each sits in: every skill of the role,
    once, grouped by domain."""

    op: ClassVar[str] = "set_layout"
    _parsers: ClassVar[Parsers] = {
        "domains": parse_layout,
        "domain_names": lambda value, name: parse_names(value, name),
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
            raise FieldInvalid("domains", "layout_skills")
        seen: set[str] = set()
        skills: list[SkillState] = []
        names = {**state.domain_names, **self.domain_names}
        for index, (domain, slugs) in enumerate(self.domains):
            # A v2 role may list a domain's skills apart (its pages group them); v1 keeps
            # each domain together.
            if domain in seen and not state.markdown:
                raise FieldInvalid(f"domains[{index}].domain", "layout_domain_twice", domain=domain)
            seen.add(domain)
            if domain not in names:
                raise FieldInvalid(
                    f"domains[{index}].domain", "layout_unnamed_domain", domain=domain
                )
            skills.extend(replace(current[slug], domain=domain) for slug in slugs)
        gone = [f"domain:{d}" for d in state.domain_names if d not in seen]
        state = replace(
            state,
            skills=tuple(skills),
            domain_names={d: names[d] for d in names if d in seen},
        )
        return without_extension(state, *gone)

    def places(self) -> set[str]:
        return {"layout", *(f"skill:{slug}" for _d, slugs in self.domains for slug in slugs)}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetFocus(Change):
    op: ClassVar[str] = "set_focus"
    _parsers: ClassVar[Parsers] = {
        "level": parse_slug,
        "text": parse_text,
    }
    level: str
    text: str

    def apply(self, state: RoleState) -> RoleState:
        return with_level(state, replace(need_level(state, self.level), focus=self.text))

    def places(self) -> set[str]:
        return {f"level:{self.level}", f"level:{self.level}:focus"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetStack(Change):
    op: ClassVar[str] = "set_stack"
    _parsers: ClassVar[Parsers] = {
        "level": parse_slug,
        "items": parse_items,
    }
    level: str
    items: tuple[str, ...]

    def apply(self, state: RoleState) -> RoleState:
        return with_level(state, replace(need_level(state, self.level), stack=self.items))

    def places(self) -> set[str]:
        return {f"level:{self.level}", f"level:{self.level}:stack"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLevelName(Change):
    op: ClassVar[str] = "set_level_name"
    _parsers: ClassVar[Parsers] = {
        "level": parse_slug,
        "name": parse_name,
        "short": parse_name,
    }
    level: str
    name: str
    short: str

    def apply(self, state: RoleState) -> RoleState:
        if len(self.name) > 100:
            raise FieldInvalid("name", "too_long", limit=100)
        if len(self.short) > 20:
            raise FieldInvalid("short", "too_long", limit=20)
        level = need_level(state, self.level)
        return with_level(state, replace(level, name=self.name, short=self.short))

    def places(self) -> set[str]:
        return {f"level:{self.level}", f"level:{self.level}:name"}


@dataclass(frozen=True, kw_only=True, slots=True)
class AddLevel(Change):
    """Add a level at the top of the ladder (``set_level_order`` moves it)."""

    op: ClassVar[str] = "add_level"
    _parsers: ClassVar[Parsers] = {
        "level": parse_slug,
        "name": parse_name,
        "short": parse_name,
        "focus": parse_text,
        "stack": parse_items,
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"focus", "stack"})
    level: str
    name: str
    short: str
    focus: str = ""
    stack: tuple[str, ...] = ()

    def apply(self, state: RoleState) -> RoleState:
        if state.level(self.level) is not None:
            raise FieldInvalid("level", "level_exists", role=state.slug, level=self.level)
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
    _parsers: ClassVar[Parsers] = {"level": parse_slug}
    level: str

    def apply(self, state: RoleState) -> RoleState:
        need_level(state, self.level)
        if len(state.levels) == 1:
            raise FieldInvalid("level", "last_level")
        skills = tuple(
            replace(s, cells={k: v for k, v in s.cells.items() if k != self.level})
            for s in state.skills
        )
        state = replace(
            state, levels=tuple(lv for lv in state.levels if lv.code != self.level), skills=skills
        )
        places = [f"level:{self.level}", *(f"cell:{s.slug}:{self.level}" for s in skills)]
        return without_extension(state, *places)

    def places(self) -> set[str]:
        return {f"level:{self.level}", "level-order"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLevelOrder(Change):
    op: ClassVar[str] = "set_level_order"
    _parsers: ClassVar[Parsers] = {"levels": parse_slugs}
    levels: tuple[str, ...]

    def apply(self, state: RoleState) -> RoleState:
        current = {lv.code: lv for lv in state.levels}
        if sorted(self.levels) != sorted(current) or len(set(self.levels)) != len(self.levels):
            raise FieldInvalid("levels", "level_order")
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
    value: str | bool | tuple[str, ...] | Mapping[str, JSON] | None

    @classmethod
    def from_json(cls, data: Mapping[str, JSON]) -> Change:
        parsed = cast(SetRoleField, super(SetRoleField, cls).from_json(data))
        if parsed.field not in ROLE_FIELDS:
            raise unknown_role_field(parsed.field)
        kind = ROLE_FIELDS[parsed.field]
        value: JSON
        if kind in V2_VALUE_PARSERS:
            value = V2_VALUE_PARSERS[kind](parsed.value, "value")
        else:
            value = parse_role_value(parsed.value, "value", kind)
        return cls(field=parsed.field, value=value)

    def apply(self, state: RoleState) -> RoleState:
        if self.field not in ROLE_FIELDS:
            raise unknown_role_field(self.field)
        limit = ROLE_FIELD_LIMITS.get(self.field)
        if limit and isinstance(self.value, str) and len(self.value) > limit:
            raise FieldInvalid("value", "too_long", limit=limit)
        if self.field == "title" and not self.value:
            raise FieldInvalid("value", "empty")
        attribute = ROLE_FIELD_ATTRS.get(self.field, self.field)
        return replace(state, **cast(dict[str, Any], {attribute: self.value}))

    def places(self) -> set[str]:
        return {f"role:{self.field}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class RenameSkill(Change):
    """Rename or re-describe a global skill (every role showing it gets a version)."""

    op: ClassVar[str] = "rename_skill"
    _parsers: ClassVar[Parsers] = {
        "skill": parse_slug,
        "name": parse_name,
        "description": parse_text,
    }
    skill: str
    name: str
    description: str

    def apply(self, state: RoleState) -> RoleState:
        skill = need_skill(state, self.skill)
        return with_skill(state, replace(skill, name=self.name, description=self.description))

    def places(self) -> set[str]:
        return {f"skill:{self.skill}:name"}


@dataclass(frozen=True, kw_only=True, slots=True)
class RenameDomain(Change):
    op: ClassVar[str] = "rename_domain"
    _parsers: ClassVar[Parsers] = {
        "domain": parse_slug,
        "name": parse_name,
    }
    domain: str
    name: str

    def apply(self, state: RoleState) -> RoleState:
        if self.domain not in state.domain_names:
            raise FieldInvalid("domain", "unknown_domain", domain=self.domain, role=state.slug)
        return replace(state, domain_names={**state.domain_names, self.domain: self.name})

    def places(self) -> set[str]:
        return {f"domain:{self.domain}:name"}


@dataclass(frozen=True, kw_only=True, slots=True)
class RenameFamily(Change):
    op: ClassVar[str] = "rename_family"
    _parsers: ClassVar[Parsers] = {
        "family": parse_slug,
        "name": parse_name,
    }
    family: str
    name: str

    def apply(self, state: RoleState) -> RoleState:
        if self.family != state.family:
            raise FieldInvalid("family", "other_family", role=state.slug, family=self.family)
        return replace(state, family_name=self.name)

    def places(self) -> set[str]:
        return {"role:family"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetCodeName(Change):
    """Relabel a code in this role's legend (ranks never change); the default name resets it."""

    op: ClassVar[str] = "set_code_name"
    _parsers: ClassVar[Parsers] = {
        "code": parse_code,
        "name": parse_name,
        "description": parse_long_text,
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"description"})
    code: str
    name: str
    # v2 legends describe a code too ("" = no description).
    description: str = ""

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"op": self.op, "code": self.code, "name": self.name}
        if self.description:
            data["description"] = self.description
        return data

    def apply(self, state: RoleState) -> RoleState:
        if self.code not in CODES:
            raise FieldInvalid("code", "unknown_code", value=self.code)
        names = {k: v for k, v in state.code_names.items() if k != self.code}
        if self.name != CODE_NAMES[self.code]:
            names[self.code] = self.name
        descriptions = {k: v for k, v in state.code_descriptions.items() if k != self.code}
        if self.description:
            descriptions[self.code] = self.description
        return replace(
            state,
            code_names={c: names[c] for c in CODES if c in names},
            code_descriptions={c: descriptions[c] for c in CODES if c in descriptions},
        )

    def places(self) -> set[str]:
        return {f"code:{self.code}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetExtension(Change):
    """Set the ``x-`` keys kept at one place of the role's document (an empty object drops
    them). Places: ``$``, ``family``, ``role``, ``level:<code>``, ``code:<code>``,
    ``domain:<slug>``, ``skill:<slug>``, ``cell:<skill>:<level>``."""

    op: ClassVar[str] = "set_extension"
    _parsers: ClassVar[Parsers] = {
        "place": parse_text,
        "data": parse_extension,
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
            raise FieldInvalid("place", "unknown_place", place=self.place, role=state.slug)
        extensions = {k: v for k, v in state.extensions.items() if k != self.place}
        if self.data:
            extensions[self.place] = dict(self.data)
        return replace(state, extensions=extensions)

    def places(self) -> set[str]:
        return {f"ext:{self.place}"}


# Role field kinds that format v2 added, parsed by roles.changes.parts.
V2_VALUE_PARSERS: dict[str, Callable[[JSON, str], JSON]] = {
    "layout": parse_layout_name,
    "grading": parse_grading,
}
_ALL_TYPES: tuple[type[Change], ...] = (
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
    *PART_TYPES,
)
CHANGE_TYPES: dict[str, type[Change]] = {cls.op: cls for cls in _ALL_TYPES}
# What a proposal may carry (DESIGN §5); the rest are for curators and imports.
# v2's parts too: the role-local ones (a cell, a row, a level's rank/track/sections) and the
# ones its framework shares (a skill's scale and step content, a scale, a track, a domain, the
# framework's source and licence), which version every role showing them once applied.
PROPOSAL_OPS = frozenset(
    {
        "set_requirement",
        "set_details",
        "add_skill",
        "remove_skill",
        "set_focus",
        "set_stack",
        "set_cell",
        "set_row",
        "set_level_field",
        "set_skill",
        "set_scale",
        "set_track",
        "set_domain",
        "set_framework",
    }
)


def parse_changes(data: JSON, *, allowed: Iterable[str] | None = None) -> list[Change]:
    """Parse a JSON change list; raises :class:`ChangeError` listing every bad change."""
    if not isinstance(data, list):
        raise ChangeError([ChangeProblem("changes", "not_array", {"type": type_of(data)})])
    allowed_ops = set(allowed) if allowed is not None else set(CHANGE_TYPES)
    changes: list[Change] = []
    problems: list[ChangeProblem] = []
    for index, item in enumerate(data):
        here = f"changes[{index}]"
        if not isinstance(item, dict):
            problems.append(ChangeProblem(here, "not_object", {"type": type_of(item)}))
            continue
        op = item.get("op")
        if op not in allowed_ops or op not in CHANGE_TYPES:
            names = ", ".join(sorted(allowed_ops & set(CHANGE_TYPES)))
            problems.append(
                ChangeProblem(f"{here}.op", "unknown_op", {"choices": names, "value": op})
            )
            continue
        try:
            changes.append(CHANGE_TYPES[op].from_json(item))
        except FieldInvalid as exc:
            problems.append(exc.problem(here))
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
    problems: list[ChangeProblem] = []
    noops: list[int] = []
    for index, change in enumerate(changes):
        try:
            after = change.apply(state)
        except FieldInvalid as exc:
            problems.append(exc.problem(f"changes[{index}]"))
            continue
        if after == state:
            noops.append(index)
        state = after
    if problems:
        raise ChangeError(problems)
    try:
        state = settle(state)
    except FieldInvalid as exc:
        raise ChangeError([exc.problem("changes")]) from None
    return Applied(state=state, noops=tuple(noops))
