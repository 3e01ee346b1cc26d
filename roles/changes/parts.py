"""The change types of format v2's parts (DESIGN §4b): structured cells and ``n/a``, a level's
rank, track and sections, a skill's scale and step content, its description in one role, and
the parts a framework shares between its roles — its scales, tracks, domains and its own
fields. Shared parts change in every role that shows them (``roles.services`` carries a change
of one to the framework's other roles).

Each value is parsed from its v2 document form, so a change carries exactly what an imported
document would say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, cast

from roles.changes.base import (
    Change,
    Parsers,
    need_level,
    need_skill,
    with_cell,
    with_level,
    with_skill,
)
from roles.changes.errors import FieldInvalid, type_of
from roles.changes.fields import parse_bool, parse_extension, parse_name, parse_slug, parse_text
from roles.changes.state import (
    AWE,
    JSON,
    LAYOUTS,
    NOT_APPLICABLE,
    Cell,
    Content,
    DomainInfo,
    FrameworkState,
    Link,
    RoleState,
    ScaleState,
    Section,
    SkillState,
    Step,
    TrackState,
    content_json,
    link_json,
    section_json,
    step_json,
)

STEP_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,15}$")
LINE_LIMIT = 500
TEXT_LIMIT = 20000
LEVEL_FIELDS = ("rank", "track", "sections")


# --- the values, in their v2 document forms -----------------------------------------------------


def _object(value: JSON, name: str) -> dict[str, JSON]:
    if not isinstance(value, dict):
        raise FieldInvalid(name, "not_object", type=type_of(value))
    return value


def _keys(value: dict[str, JSON], name: str, allowed: set[str]) -> dict[str, JSON]:
    """Refuse keys neither allowed nor ``x-``; return the ``x-`` keys."""
    for key in value:
        if key not in allowed and not key.startswith("x-"):
            raise FieldInvalid(f"{name}.{key}", "unknown_key")
    return {key: item for key, item in value.items() if key.startswith("x-")}


def parse_line(value: JSON, name: str) -> str:
    text = parse_text(value, name)
    if len(text) > LINE_LIMIT:
        raise FieldInvalid(name, "too_long", limit=LINE_LIMIT)
    return text


def parse_long_text(value: JSON, name: str) -> str:
    text = parse_text(value, name)
    if len(text) > TEXT_LIMIT:
        raise FieldInvalid(name, "too_long", limit=TEXT_LIMIT)
    return text


def _texts(value: JSON, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise FieldInvalid(name, "not_strings", type=type_of(value))
    return tuple(parse_long_text(item, f"{name}[{index}]") for index, item in enumerate(value))


def parse_step_code(value: JSON, name: str) -> str:
    if not isinstance(value, str) or not STEP_CODE_RE.fullmatch(value):
        raise FieldInvalid(name, "not_step_code", value=value)
    return value


def parse_link(value: JSON, name: str) -> Link:
    data = _object(value, name)
    extensions = _keys(data, name, {"title", "url"})
    url = parse_text(data.get("url"), f"{name}.url") if "url" in data else ""
    if not re.match(r"^https?://", url) or len(url) > 2000:
        raise FieldInvalid(f"{name}.url", "not_url", value=url)
    title = parse_line(data.get("title", ""), f"{name}.title")
    return Link(url=url, title=title, extensions=extensions)


def _links(value: JSON, name: str) -> tuple[Link, ...]:
    if not isinstance(value, list):
        raise FieldInvalid(name, "not_array", type=type_of(value))
    return tuple(parse_link(item, f"{name}[{index}]") for index, item in enumerate(value))


def parse_content(value: JSON, name: str) -> Content:
    data = _object(value, name)
    extensions = _keys(data, name, {"summary", "details", "examples", "links"})
    return Content(
        summary=parse_line(data.get("summary", ""), f"{name}.summary"),
        details=parse_long_text(data.get("details", ""), f"{name}.details"),
        examples=_texts(data.get("examples", []), f"{name}.examples"),
        links=_links(data.get("links", []), f"{name}.links"),
        extensions=extensions,
    )


def parse_v2_cell(value: JSON, name: str) -> tuple[Cell | None, dict[str, JSON]]:
    """A cell in its v2 forms (null, ``"n/a"``, a step code, or an object), with the ``x-``
    keys of the object form."""
    if value is None:
        return None, {}
    if value == NOT_APPLICABLE:
        return Cell(code=NOT_APPLICABLE), {}
    if isinstance(value, str):
        return Cell(code=parse_step_code(value, name)), {}
    data = _object(value, name)
    extensions = _keys(data, name, {"code", "mandatory", "summary", "details", "examples", "links"})
    code = data.get("code")
    content = parse_content(
        {k: v for k, v in data.items() if k in ("summary", "details", "examples", "links")}, name
    )
    cell = Cell(
        code="" if code is None else parse_step_code(code, f"{name}.code"),
        mandatory=parse_bool(data.get("mandatory", True), f"{name}.mandatory"),
        details=content.details,
        summary=content.summary,
        examples=content.examples,
        links=content.links,
    )
    if not cell.code and not (cell.summary or cell.details or cell.examples or cell.links):
        return None, extensions
    return cell, extensions


def v2_cell_json(cell: Cell | None) -> JSON:
    """The v2 document form of a cell (without ``x-`` keys)."""
    if cell is None or cell.not_applicable:
        return None if cell is None else NOT_APPLICABLE
    data: dict[str, JSON] = {"code": cell.code} if cell.code else {}
    if not cell.mandatory:
        data["mandatory"] = False
    content = Content(
        summary=cell.summary, details=cell.details, examples=cell.examples, links=cell.links
    )
    data.update(content_json(content))
    return cell.code if set(data) == {"code"} else data


def parse_section(value: JSON, name: str) -> Section:
    data = _object(value, name)
    extensions = _keys(data, name, {"title", "text", "items"})
    title = parse_line(data.get("title"), f"{name}.title") if "title" in data else ""
    if not title:
        raise FieldInvalid(f"{name}.title", "empty")
    return Section(
        title=title,
        text=parse_long_text(data.get("text", ""), f"{name}.text"),
        items=_texts(data.get("items", []), f"{name}.items"),
        extensions=extensions,
    )


def parse_sections(value: JSON, name: str) -> tuple[Section, ...]:
    if not isinstance(value, list):
        raise FieldInvalid(name, "not_array", type=type_of(value))
    return tuple(parse_section(item, f"{name}[{index}]") for index, item in enumerate(value))


def _number(value: JSON, name: str, *, limit: float) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= limit:
        raise FieldInvalid(name, "not_number", limit=limit)
    return value


def parse_step(value: JSON, name: str) -> Step:
    data = _object(value, name)
    extensions = _keys(data, name, {"code", "name", "description", "points"})
    points = data.get("points")
    return Step(
        code=parse_step_code(data.get("code"), f"{name}.code"),
        name=parse_line(data.get("name"), f"{name}.name") if "name" in data else "",
        description=parse_long_text(data.get("description", ""), f"{name}.description"),
        points=None if points is None else _number(points, f"{name}.points", limit=1_000_000),
        extensions=extensions,
    )


def parse_steps(value: JSON, name: str) -> tuple[Step, ...]:
    if not isinstance(value, list) or not value:
        raise FieldInvalid(name, "no_steps")
    steps = tuple(parse_step(item, f"{name}[{index}]") for index, item in enumerate(value))
    seen: set[str] = set()
    for index, step in enumerate(steps):
        if not step.name:
            raise FieldInvalid(f"{name}[{index}].name", "empty")
        if step.code in seen:
            raise FieldInvalid(f"{name}[{index}].code", "duplicate_step", value=step.code)
        seen.add(step.code)
    return steps


def parse_step_content(value: JSON, name: str) -> dict[str, Content]:
    data = _object(value, name)
    return {
        parse_step_code(code, f"{name}.{code}"): parse_content(item, f"{name}.{code}")
        for code, item in data.items()
    }


def parse_grading(value: JSON, name: str) -> dict[str, JSON] | None:
    """A grading object (DESIGN §4b), kept as given; levels are checked against the role."""
    if value is None:
        return None
    data = _object(value, name)
    rule = data.get("rule")
    if rule == "cumulative":
        _keys(data, name, {"rule", "optional_share"})
        if "optional_share" in data:
            _number(data["optional_share"], f"{name}.optional_share", limit=1)
    elif rule == "points":
        _keys(data, name, {"rule", "points", "thresholds"})
        for scale, steps in _object(data.get("points", {}), f"{name}.points").items():
            for step, points in _object(steps, f"{name}.points.{scale}").items():
                _number(points, f"{name}.points.{scale}.{step}", limit=1_000_000)
        if "thresholds" not in data:
            raise FieldInvalid(f"{name}.thresholds", "missing")
        for level, points in _object(data["thresholds"], f"{name}.thresholds").items():
            _number(points, f"{name}.thresholds.{level}", limit=100_000_000)
    else:
        raise FieldInvalid(f"{name}.rule", "not_rule", value=rule)
    return dict(data)


def parse_layout_name(value: JSON, name: str) -> str:
    if value not in ("", *LAYOUTS):
        raise FieldInvalid(name, "not_layout", value=value)
    return str(value)


# --- checks of a whole state, once a change list has applied ------------------------------------


def scale_codes(state: RoleState, skill: SkillState) -> tuple[str, ...]:
    return state.scale(skill.scale).codes()


def _need_step(state: RoleState, skill: SkillState, code: str, name: str) -> None:
    if code in ("", NOT_APPLICABLE):
        return
    scale = state.scale(skill.scale)
    if code not in scale.codes():
        raise FieldInvalid(
            name, "not_step", value=code, scale=scale.slug, steps=", ".join(scale.codes())
        )


def _trimmed(state: RoleState) -> RoleState:
    """A v2 role's shared parts trimmed to those it shows (scales its skills use, tracks its
    levels use, domains its rows, skills and key domains name)."""
    used_scales = {skill.scale for skill in state.skills if skill.scale}
    used_tracks = {level.track for level in state.levels if level.track}
    shown = {skill.domain for skill in state.skills} | set(state.key_domains)
    shown |= {skill.home_domain for skill in state.skills if skill.home_domain}
    domains = {slug: info for slug, info in state.domains.items() if slug in shown}
    for slug, name in state.domain_names.items():
        domains.setdefault(slug, DomainInfo(name=name))
    return replace(
        state,
        scales=tuple(s for s in state.scales if s.slug in used_scales),
        tracks=tuple(t for t in state.tracks if t.code in used_tracks),
        domains=domains,
    )


def settle(state: RoleState) -> RoleState:
    """The state once a change list has applied: a v2 role's shared parts trimmed to those it
    shows; then every cell must be a step of its skill's scale and a points rule must name the
    role's levels (raises FieldInvalid)."""
    if state.markdown:
        state = _trimmed(state)
    for skill in state.skills:
        for level, cell in skill.cells.items():
            _need_step(state, skill, cell.code, f"{skill.slug}.{level}")
    grading = state.grading or {}
    if grading.get("rule") == "points":
        levels = {level.code for level in state.levels}
        for level in cast(dict[str, JSON], grading.get("thresholds", {})):
            if level not in levels:
                raise FieldInvalid(
                    f"grading.thresholds.{level}", "unknown_level", level=level, role=state.slug
                )
    return state


# --- the changes ---------------------------------------------------------------------------------


def _parse_cell_field(value: JSON, name: str) -> Cell | None:
    return parse_v2_cell(value, name)[0]


@dataclass(frozen=True, kw_only=True, slots=True)
class SetCell(Change):
    """Set a whole cell as v2 says it: empty, ``n/a``, a step of the skill's scale, or a step
    with content (summary, Markdown details, examples, links)."""

    op: ClassVar[str] = "set_cell"
    _parsers: ClassVar[Parsers] = {
        "skill": parse_slug,
        "level": parse_slug,
        "cell": _parse_cell_field,
    }
    skill: str
    level: str
    cell: Cell | None

    def as_json(self) -> dict[str, JSON]:
        return {
            "op": self.op,
            "skill": self.skill,
            "level": self.level,
            "cell": v2_cell_json(self.cell),
        }

    def apply(self, state: RoleState) -> RoleState:
        skill = need_skill(state, self.skill)
        need_level(state, self.level)
        if self.cell is not None:
            _need_step(state, skill, self.cell.code, "cell")
        return with_cell(state, skill, self.level, self.cell)

    def places(self) -> set[str]:
        return {f"cell:{self.skill}:{self.level}", f"skill:{self.skill}", f"level:{self.level}"}


def _parse_level_value(value: JSON, name: str) -> JSON:
    return value  # parsed by SetLevelField.from_json, which knows the field


@dataclass(frozen=True, kw_only=True, slots=True)
class SetLevelField(Change):
    """Set a level's rank (its band across roles, or null), track ("" = on every path) or
    sections."""

    op: ClassVar[str] = "set_level_field"
    _parsers: ClassVar[Parsers] = {
        "level": parse_slug,
        "field": _parse_level_value,
        "value": _parse_level_value,
    }
    level: str
    field: str
    value: int | str | tuple[Section, ...] | None

    @classmethod
    def from_json(cls, data: Mapping[str, JSON]) -> Change:
        parsed = cast(SetLevelField, super(SetLevelField, cls).from_json(data))
        value: Any = parsed.value
        if parsed.field == "rank":
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000
            ):
                raise FieldInvalid("value", "not_rank")
        elif parsed.field == "track":
            value = parse_slug(value, "value") if value else ""
        elif parsed.field == "sections":
            value = parse_sections(value, "value")
        else:
            raise FieldInvalid("field", "unknown_level_field", value=parsed.field)
        return cls(level=parsed.level, field=parsed.field, value=value)

    def as_json(self) -> dict[str, JSON]:
        value: JSON = self.value
        if self.field == "sections":
            value = [section_json(s) for s in cast(tuple[Section, ...], self.value)]
        return {"op": self.op, "level": self.level, "field": self.field, "value": value}

    def apply(self, state: RoleState) -> RoleState:
        level = need_level(state, self.level)
        if self.field not in LEVEL_FIELDS:
            raise FieldInvalid("field", "unknown_level_field", value=self.field)
        if self.field == "track" and self.value and state.track(str(self.value)) is None:
            raise FieldInvalid("value", "unknown_track", track=self.value, role=state.slug)
        changed: dict[str, Any] = {self.field: self.value}
        return with_level(state, replace(level, **changed))

    def places(self) -> set[str]:
        return {f"level:{self.level}", f"level:{self.level}:{self.field}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetRow(Change):
    """Say what a skill means in this role (a description of the row; "" drops it)."""

    op: ClassVar[str] = "set_row"
    _parsers: ClassVar[Parsers] = {"skill": parse_slug, "description": parse_long_text}
    skill: str
    description: str

    def apply(self, state: RoleState) -> RoleState:
        skill = need_skill(state, self.skill)
        return with_skill(state, replace(skill, row_description=self.description))

    def places(self) -> set[str]:
        return {f"skill:{self.skill}:row"}


def _parse_scale_slug(value: JSON, name: str) -> str:
    return "" if value in ("", None, AWE) else parse_slug(value, name)


@dataclass(frozen=True, kw_only=True, slots=True)
class SetSkill(Change):
    """Set a framework skill's scale, what it looks like at each step, the domain the
    framework files it under and its ``x-`` keys (shared: every role showing it changes)."""

    op: ClassVar[str] = "set_skill"
    _parsers: ClassVar[Parsers] = {
        "skill": parse_slug,
        "scale": _parse_scale_slug,
        "steps": parse_step_content,
        "domain": lambda value, name: parse_slug(value, name) if value else "",
        "extensions": parse_extension,
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"steps", "domain", "extensions"})
    skill: str
    scale: str
    steps: Mapping[str, Content] = field(default_factory=dict)
    domain: str = ""
    extensions: Mapping[str, JSON] = field(default_factory=dict)

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"op": self.op, "skill": self.skill, "scale": self.scale or AWE}
        if self.steps:
            data["steps"] = {code: content_json(c) for code, c in self.steps.items()}
        if self.domain:
            data["domain"] = self.domain
        if self.extensions:
            data["extensions"] = dict(self.extensions)
        return data

    def apply(self, state: RoleState) -> RoleState:
        skill = need_skill(state, self.skill)
        try:
            codes = state.scale(self.scale).codes()
        except KeyError:
            raise FieldInvalid(
                "scale", "unknown_scale", scale=self.scale, role=state.slug
            ) from None
        for code in self.steps:
            if code not in codes:
                raise FieldInvalid(
                    f"steps.{code}",
                    "not_step",
                    value=code,
                    scale=self.scale,
                    steps=", ".join(codes),
                )
        if self.domain and self.domain not in state.domains:
            raise FieldInvalid("domain", "unknown_domain", domain=self.domain, role=state.slug)
        changed = replace(
            skill,
            scale=self.scale,
            steps=dict(self.steps),
            home_domain=self.domain,
            skill_extensions=dict(self.extensions),
        )
        return with_skill(state, changed)

    def places(self) -> set[str]:
        return {f"skill:{self.skill}:scale"}


def _parse_scale(value: JSON, name: str) -> ScaleState:
    data = _object(value, name)
    extensions = _keys(data, name, {"slug", "name", "description", "steps"})
    slug = parse_slug(data.get("slug"), f"{name}.slug")
    if slug == AWE:
        raise FieldInvalid(f"{name}.slug", "builtin_scale")
    return ScaleState(
        slug=slug,
        name=parse_line(data.get("name"), f"{name}.name") if "name" in data else "",
        description=parse_long_text(data.get("description", ""), f"{name}.description"),
        steps=parse_steps(data.get("steps"), f"{name}.steps"),
        extensions=extensions,
    )


def scale_json(scale: ScaleState) -> dict[str, JSON]:
    data: dict[str, JSON] = {"slug": scale.slug, "name": scale.name}
    if scale.description:
        data["description"] = scale.description
    data["steps"] = [step_json(step) for step in scale.steps]
    return {**data, **scale.extensions}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetScale(Change):
    """Declare or change one of the framework's scales: its name, description and steps
    (shared: every role whose skills use it changes)."""

    op: ClassVar[str] = "set_scale"
    _parsers: ClassVar[Parsers] = {"scale": _parse_scale}
    scale: ScaleState

    def as_json(self) -> dict[str, JSON]:
        return {"op": self.op, "scale": scale_json(self.scale)}

    def apply(self, state: RoleState) -> RoleState:
        if not self.scale.name:
            raise FieldInvalid("scale.name", "empty")
        scales = [s for s in state.scales if s.slug != self.scale.slug]
        at = next((i for i, s in enumerate(state.scales) if s.slug == self.scale.slug), None)
        scales.insert(len(scales) if at is None else at, self.scale)
        return replace(state, scales=tuple(scales))

    def places(self) -> set[str]:
        return {f"scale:{self.scale.slug}"}


def _parse_track(value: JSON, name: str) -> TrackState:
    data = _object(value, name)
    extensions = _keys(data, name, {"code", "name", "description"})
    return TrackState(
        code=parse_slug(data.get("code"), f"{name}.code"),
        name=parse_line(data.get("name"), f"{name}.name") if "name" in data else "",
        description=parse_long_text(data.get("description", ""), f"{name}.description"),
        extensions=extensions,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class SetTrack(Change):
    """Declare or change one of the framework's tracks (shared)."""

    op: ClassVar[str] = "set_track"
    _parsers: ClassVar[Parsers] = {"track": _parse_track}
    track: TrackState

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"code": self.track.code, "name": self.track.name}
        if self.track.description:
            data["description"] = self.track.description
        return {"op": self.op, "track": {**data, **self.track.extensions}}

    def apply(self, state: RoleState) -> RoleState:
        if not self.track.name:
            raise FieldInvalid("track.name", "empty")
        tracks = [t for t in state.tracks if t.code != self.track.code]
        at = next((i for i, t in enumerate(state.tracks) if t.code == self.track.code), None)
        tracks.insert(len(tracks) if at is None else at, self.track)
        return replace(state, tracks=tuple(tracks))

    def places(self) -> set[str]:
        return {f"track:{self.track.code}"}


@dataclass(frozen=True, kw_only=True, slots=True)
class SetDomain(Change):
    """Declare or change one of the framework's domains: name, description, ``x-`` keys
    (shared)."""

    op: ClassVar[str] = "set_domain"
    _parsers: ClassVar[Parsers] = {
        "domain": parse_slug,
        "name": parse_line,
        "description": parse_long_text,
        "extensions": parse_extension,
    }
    _optional: ClassVar[frozenset[str]] = frozenset({"description", "extensions"})
    domain: str
    name: str
    description: str = ""
    extensions: Mapping[str, JSON] = field(default_factory=dict)

    def apply(self, state: RoleState) -> RoleState:
        if not self.name:
            raise FieldInvalid("name", "empty")
        info = DomainInfo(
            name=self.name, description=self.description, extensions=dict(self.extensions)
        )
        names = dict(state.domain_names)
        if self.domain in names:
            names[self.domain] = self.name
        return replace(state, domains={**state.domains, self.domain: info}, domain_names=names)

    def places(self) -> set[str]:
        # A version records a new name as ``domain:<slug>:name``, a new description or new
        # x- keys as ``domain:<slug>`` (roles.changes.diff): this change writes both.
        return {f"domain:{self.domain}:name", f"domain:{self.domain}"}


def _parse_source(value: JSON, name: str) -> dict[str, JSON]:
    data = _object(value, name)
    _keys(data, name, {"url", "licence", "attribution", "version", "notes"})
    for key in ("licence", "attribution", "version"):
        if key in data:
            parse_line(data[key], f"{name}.{key}")
    if "notes" in data:
        parse_long_text(data["notes"], f"{name}.notes")
    if "url" in data:
        url = parse_text(data["url"], f"{name}.url")
        if not re.match(r"^https?://", url) or len(url) > 2000:
            raise FieldInvalid(f"{name}.url", "not_url", value=url)
    return dict(data)


@dataclass(frozen=True, kw_only=True, slots=True)
class SetFramework(Change):
    """Change the framework's name, description, source and licence, or its ``x-`` keys
    (shared: every role of the framework changes)."""

    op: ClassVar[str] = "set_framework"
    _parsers: ClassVar[Parsers] = {
        "name": parse_name,
        "description": parse_long_text,
        "source": _parse_source,
        "extensions": parse_extension,
        "document_extensions": parse_extension,
    }
    _optional: ClassVar[frozenset[str]] = frozenset(
        {"description", "source", "extensions", "document_extensions"}
    )
    name: str
    description: str = ""
    source: Mapping[str, JSON] = field(default_factory=dict)
    extensions: Mapping[str, JSON] = field(default_factory=dict)
    document_extensions: Mapping[str, JSON] = field(default_factory=dict)

    def apply(self, state: RoleState) -> RoleState:
        framework = FrameworkState(
            slug=state.framework.slug,
            name=self.name,
            description=self.description,
            source=dict(self.source),
            extensions=dict(self.extensions),
            root_extensions=dict(self.document_extensions),
        )
        return replace(state, framework=framework)

    def places(self) -> set[str]:
        return {"framework"}


PART_TYPES: tuple[type[Change], ...] = (
    SetCell,
    SetLevelField,
    SetRow,
    SetSkill,
    SetScale,
    SetTrack,
    SetDomain,
    SetFramework,
)
# The changes to parts a framework shares between its roles.
SHARED_OPS = frozenset({"set_skill", "set_scale", "set_track", "set_domain", "set_framework"})
__all__ = ["PART_TYPES", "SHARED_OPS", "link_json"]
