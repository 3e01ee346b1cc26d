"""The framework interchange format ``skillsmatrix.framework/v2`` (DESIGN §4b): the parser, with
validation, and the writer; and the dispatch between it and the role format v1.

A v2 document holds one career framework: its scales, tracks, domains and skills, shared by one
or more roles. Parsing is pure, like :mod:`roles.document`: raw JSON in, frozen data out, or a
:class:`~roles.document.RoleDocumentError` naming the JSON path of the first problem, so a
document is checked whole before anything is written. The shape follows the JSON Schema in
``roles/schemas/skillsmatrix.framework.v2.schema.json`` (its limits are the constants below, and
a test keeps the two equal); the references between parts (a row's skill, a cell's step, a
level's track …) are what the schema cannot say and this module checks.

The writer is canonical: keys in a fixed order, ``x-`` keys after the known keys of their object,
empty optional keys left out. So export, import, export gives the same bytes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.utils.text import slugify

from roles.changes.state import (
    AWE,
    JSON,
    LAYOUTS,
    NOT_APPLICABLE,
    Cell,
    Content,
    DomainInfo,
    FrameworkState,
    LevelState,
    Link,
    RoleState,
    ScaleState,
    Section,
    SkillState,
    Step,
    TrackState,
)
from roles.document import (
    FORMAT as FORMAT_V1,
)
from roles.document import (
    RoleDocument,
    RoleDocumentError,
    _load,
    _type_name,
    parse_role_document,
    role_document_write,
)
from roles.scale import CODE_NAMES, CODES

FORMAT_V2 = "skillsmatrix.framework/v2"

# The schema's limits ($defs line, text, slug, levelCode …, and each array's maxItems).
LINE_LENGTH = 500
TEXT_LENGTH = 20000
URL_LENGTH = 2000
SLUG_LENGTH = 100
LEVEL_CODE_LENGTH = 50
SHORT_LENGTH = 20
STACK_ITEM_LENGTH = 200
MAX_POINTS = 1_000_000
MAX_THRESHOLD = 100_000_000
MAX_RANK = 1000
MAX_ITEMS: dict[str, int] = {
    "scales": 50,
    "tracks": 20,
    "domains": 100,
    "skills": 2000,  # the framework's, and the rows of one role
    "roles": 200,
    "steps": 20,
    "examples": 100,
    "links": 50,
    "key_domains": 20,
    "legend": 20,
    "levels": 30,
    "stack": 50,
    "sections": 20,
    "items": 200,
}

_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_STEP_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,15}")
_URL_RE = re.compile(r"https?://")
_PLAIN_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_SLUG_RULE = "lowercase letters, digits, - and _, starting with a letter or digit"
_STEP_CODE_RULE = "1 to 16 letters, digits, _ . + or -, starting with a letter or digit"

_ROOT_KEYS = ("format", "framework", "scales", "tracks", "domains", "skills", "roles")
_SOURCE_KEYS = ("url", "licence", "attribution", "version", "notes")
_CONTENT_KEYS = ("summary", "details", "examples", "links")
_CELL_KEYS = ("code", "mandatory", *_CONTENT_KEYS)
_ROLE_KEYS = (
    "slug",
    "title",
    "tagline",
    "description",
    "family",
    "key_domains",
    "legend",
    "layout",
    "grading",
    "levels",
    "skills",
)
_LEVEL_KEYS = ("code", "name", "short", "rank", "track", "focus", "stack", "sections")
_ROW_KEYS = ("skill", "domain", "description", "requirements")

Places = dict[str, dict[str, JSON]]  # RoleState.extensions while it is being filled


@dataclass(frozen=True)
class FrameworkDocument:
    """A parsed v2 document. ``skills`` are the framework's skills with their shared fields only
    (no cells, ``domain`` = ``home_domain``); ``roles`` are whole role states."""

    framework: FrameworkState
    scales: tuple[ScaleState, ...]
    tracks: tuple[TrackState, ...]
    domains: Mapping[str, DomainInfo]
    skills: tuple[SkillState, ...]
    roles: tuple[RoleState, ...]


def default_short(name: str) -> str:
    """A level's short name when the document gives none: the name, cut to fit 20 characters."""
    return name if len(name) <= SHORT_LENGTH else name[: SHORT_LENGTH - 1] + "…"


# --- reading values --------------------------------------------------------------------------


def _member(path: str, key: str) -> str:
    """The path of a map's member: dotted when the key is plain, bracketed otherwise."""
    return f"{path}.{key}" if _PLAIN_KEY_RE.fullmatch(key) else f"{path}[{key!r}]"


def _shown(value: Any) -> str:
    """A value for a one-line message: strings and numbers repr'd (long strings cut), other
    values by their type."""
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:60] + "…")
    if isinstance(value, int | float):
        return repr(value)
    return _type_name(value)


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    if not names:
        return "none is declared"
    shown = ", ".join(names[:12])
    return f"expected one of {shown}" + (", …" if len(names) > 12 else "")


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RoleDocumentError(path, f"must be an object, not {_type_name(value)}")
    return value


def _fields(obj: dict[str, Any], path: str, allowed: tuple[str, ...]) -> dict[str, JSON]:
    """Refuse keys that are neither ``allowed`` nor extensions; return the ``x-`` keys (copies,
    in document order)."""
    extensions: dict[str, JSON] = {}
    for key, value in obj.items():
        if key.startswith("x-"):
            extensions[key] = copy.deepcopy(value)
        elif key not in allowed:
            raise RoleDocumentError(
                _member(path, key),
                f"unknown key (expected {', '.join(allowed)}, or an extension starting with 'x-')",
            )
    return extensions


def _keep(places: Places, place: str, found: dict[str, JSON]) -> None:
    if found:
        places[place] = found


def _string(value: Any, path: str, *, limit: int = TEXT_LENGTH, required: bool = False) -> str:
    """A string, stripped; null is "" unless ``required``."""
    if value is None:
        if required:
            raise RoleDocumentError(path, "is missing")
        return ""
    if not isinstance(value, str):
        raise RoleDocumentError(path, f"must be a string, not {_type_name(value)}")
    text = value.strip()
    if required and not text:
        raise RoleDocumentError(path, "must not be empty")
    if len(text) > limit:
        raise RoleDocumentError(path, f"must be at most {limit} characters (it has {len(text)})")
    return text


def _text(
    obj: dict[str, Any],
    key: str,
    path: str,
    *,
    limit: int = TEXT_LENGTH,
    required: bool = False,
) -> str:
    """A string member (absent is "" unless ``required``)."""
    return _string(obj.get(key), _member(path, key), limit=limit, required=required)


def _line(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> str:
    return _text(obj, key, path, limit=LINE_LENGTH, required=required)


def _code(
    obj: dict[str, Any],
    key: str,
    path: str,
    *,
    limit: int = SLUG_LENGTH,
    pattern: re.Pattern[str] = _SLUG_RE,
    rule: str = _SLUG_RULE,
) -> str:
    """A required identifier: a slug, a level code or a step code."""
    value = _text(obj, key, path, limit=limit, required=True)
    if not pattern.fullmatch(value):
        raise RoleDocumentError(_member(path, key), f"{_shown(value)} is not valid ({rule})")
    return value


def _reference(
    obj: dict[str, Any], key: str, path: str, known: Collection[str], what: str, *, required: bool
) -> str:
    """A member naming something declared elsewhere ("" when absent and not ``required``)."""
    return _known(obj.get(key), _member(path, key), known, what, required=required)


def _known(value: Any, path: str, known: Collection[str], what: str, *, required: bool) -> str:
    # ``known`` is usually a dict: a framework's thousands of rows are looked up in O(1) each.
    name = _string(value, path, limit=SLUG_LENGTH, required=required)
    if name and name not in known:
        raise RoleDocumentError(path, f"unknown {what} {_shown(name)} ({_listing(known)})")
    return name


def _array(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> list[Any]:
    here = _member(path, key)
    if key not in obj:
        if required:
            raise RoleDocumentError(here, "is missing")
        return []
    value = obj[key]
    if not isinstance(value, list):
        raise RoleDocumentError(here, f"must be an array, not {_type_name(value)}")
    limit = MAX_ITEMS[key]
    if len(value) > limit:
        raise RoleDocumentError(here, f"has {len(value)} items, at most {limit} are allowed")
    return value


def _texts(
    obj: dict[str, Any], key: str, path: str, *, limit: int = TEXT_LENGTH
) -> tuple[str, ...]:
    """A list of non-empty strings (examples, a section's items, a level's stack)."""
    items = _array(obj, key, path)
    here = _member(path, key)
    return tuple(
        _string(item, f"{here}[{index}]", limit=limit, required=True)
        for index, item in enumerate(items)
    )


def _number(value: Any, path: str, *, maximum: int | float, whole: bool = False) -> int | float:
    """A number from 0 to ``maximum``, kept as parsed (an int stays an int)."""
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RoleDocumentError(path, f"must be {kind}, not {_type_name(value)}")
    if whole and not isinstance(value, int):
        raise RoleDocumentError(path, f"must be {kind}, not {value!r}")
    if not 0 <= value <= maximum:
        raise RoleDocumentError(path, f"must be from 0 to {maximum}, not {value!r}")
    return value


def _boolean(obj: dict[str, Any], key: str, path: str, *, default: bool) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise RoleDocumentError(
            _member(path, key), f"must be true or false, not {_type_name(value)}"
        )
    return value


def _url(obj: dict[str, Any], key: str, path: str, *, required: bool) -> str:
    value = _text(obj, key, path, limit=URL_LENGTH, required=required)
    if value and not _URL_RE.match(value):
        raise RoleDocumentError(
            _member(path, key), f"{_shown(value)} is not an http:// or https:// address"
        )
    return value


def _unique(seen: dict[str, str], value: str, path: str, what: str) -> None:
    if value in seen:
        raise RoleDocumentError(path, f"duplicate {what} {value!r} (already at {seen[value]})")
    seen[value] = path


def _step_code(code: Any, path: str, scale: str, codes: tuple[str, ...]) -> str:
    if code not in codes:
        raise RoleDocumentError(path, f"{_shown(code)} is not a step of scale {scale!r}")
    return str(code)


# --- content, links ----------------------------------------------------------------------------


def _links(obj: dict[str, Any], path: str) -> tuple[Link, ...]:
    links = []
    for index, raw in enumerate(_array(obj, "links", path)):
        here = f"{_member(path, 'links')}[{index}]"
        link = _object(raw, here)
        found = _fields(link, here, ("title", "url"))
        links.append(
            Link(
                url=_url(link, "url", here, required=True),
                title=_line(link, "title", here),
                extensions=found,
            )
        )
    return tuple(links)


def _content_parts(obj: dict[str, Any], path: str) -> Content:
    """The content keys of a skill's step or of a cell (their x- keys are read by the caller)."""
    return Content(
        summary=_line(obj, "summary", path),
        details=_text(obj, "details", path),
        examples=_texts(obj, "examples", path),
        links=_links(obj, path),
    )


def _content(value: Any, path: str) -> Content:
    obj = _object(value, path)
    found = _fields(obj, path, _CONTENT_KEYS)
    return replace(_content_parts(obj, path), extensions=found)


# --- the framework's parts ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    """What the framework declares, for the roles to refer to."""

    framework: FrameworkState
    scales: dict[str, ScaleState]
    tracks: dict[str, TrackState]
    domains: dict[str, DomainInfo]
    skills: dict[str, SkillState]

    def scale(self, slug: str) -> ScaleState:
        """A declared scale, or the built-in one ("" or awe)."""
        return self.scales.get(slug, _AWE_SCALE)

    def scale_names(self) -> list[str]:
        return [AWE, *self.scales]


# The built-in scale (its steps have no points: a points rule must give them).
_AWE_SCALE = ScaleState(
    slug=AWE, name="A/W/E", steps=tuple(Step(code=code, name=CODE_NAMES[code]) for code in CODES)
)


def _framework(root: dict[str, Any], root_extensions: dict[str, JSON]) -> FrameworkState:
    if "framework" not in root:
        raise RoleDocumentError("$.framework", "is missing")
    path = "$.framework"
    framework = _object(root["framework"], path)
    found = _fields(framework, path, ("slug", "name", "description", "source"))
    return FrameworkState(
        slug=_code(framework, "slug", path),
        name=_line(framework, "name", path, required=True),
        description=_text(framework, "description", path),
        source=_source(framework, path),
        extensions=found,
        root_extensions=root_extensions,
    )


def _source(framework: dict[str, Any], path: str) -> dict[str, JSON]:
    """The source object: its known keys in the writer's order, then its x- keys."""
    if framework.get("source") is None:
        return {}
    here = f"{path}.source"
    source = _object(framework["source"], here)
    found = _fields(source, here, _SOURCE_KEYS)
    values = {
        "url": _url(source, "url", here, required=False),
        "licence": _line(source, "licence", here),
        "attribution": _line(source, "attribution", here),
        "version": _line(source, "version", here),
        "notes": _text(source, "notes", here),
    }
    return {**{key: value for key, value in values.items() if value}, **found}


def _scales(root: dict[str, Any]) -> dict[str, ScaleState]:
    scales: dict[str, ScaleState] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(_array(root, "scales", "$")):
        path = f"$.scales[{index}]"
        scale = _object(raw, path)
        found = _fields(scale, path, ("slug", "name", "description", "steps"))
        slug = _code(scale, "slug", path)
        if slug == AWE:
            raise RoleDocumentError(
                f"{path}.slug", "'awe' is the built-in A/W/E scale and cannot be declared"
            )
        _unique(seen, slug, f"{path}.slug", "scale")
        scales[slug] = ScaleState(
            slug=slug,
            name=_line(scale, "name", path, required=True),
            description=_text(scale, "description", path),
            steps=_steps(scale, path),
            extensions=found,
        )
    return scales


def _steps(scale: dict[str, Any], path: str) -> tuple[Step, ...]:
    raw_steps = _array(scale, "steps", path, required=True)
    if not raw_steps:
        raise RoleDocumentError(f"{path}.steps", "must list at least one step")
    steps = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_steps):
        here = f"{path}.steps[{index}]"
        step = _object(raw, here)
        found = _fields(step, here, ("code", "name", "description", "points"))
        code = _code(step, "code", here, limit=16, pattern=_STEP_CODE_RE, rule=_STEP_CODE_RULE)
        _unique(seen, code, f"{here}.code", "step")
        points = step.get("points")
        steps.append(
            Step(
                code=code,
                name=_line(step, "name", here, required=True),
                description=_text(step, "description", here),
                points=None
                if points is None
                else _number(points, f"{here}.points", maximum=MAX_POINTS),
                extensions=found,
            )
        )
    return tuple(steps)


def _tracks(root: dict[str, Any]) -> dict[str, TrackState]:
    tracks: dict[str, TrackState] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(_array(root, "tracks", "$")):
        path = f"$.tracks[{index}]"
        track = _object(raw, path)
        found = _fields(track, path, ("code", "name", "description"))
        code = _code(track, "code", path, limit=LEVEL_CODE_LENGTH)
        _unique(seen, code, f"{path}.code", "track")
        tracks[code] = TrackState(
            code=code,
            name=_line(track, "name", path, required=True),
            description=_text(track, "description", path),
            extensions=found,
        )
    return tracks


def _domains(root: dict[str, Any]) -> dict[str, DomainInfo]:
    domains: dict[str, DomainInfo] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(_array(root, "domains", "$")):
        path = f"$.domains[{index}]"
        domain = _object(raw, path)
        found = _fields(domain, path, ("slug", "name", "description"))
        slug = _code(domain, "slug", path)
        _unique(seen, slug, f"{path}.slug", "domain")
        domains[slug] = DomainInfo(
            name=_line(domain, "name", path, required=True),
            description=_text(domain, "description", path),
            extensions=found,
        )
    return domains


def _skills(
    root: dict[str, Any], scales: dict[str, ScaleState], domains: dict[str, DomainInfo]
) -> dict[str, SkillState]:
    skills: dict[str, SkillState] = {}
    seen: dict[str, str] = {}
    known_scales = [AWE, *scales]
    for index, raw in enumerate(_array(root, "skills", "$")):
        path = f"$.skills[{index}]"
        skill = _object(raw, path)
        found = _fields(skill, path, ("slug", "name", "domain", "description", "scale", "steps"))
        slug = _code(skill, "slug", path)
        _unique(seen, slug, f"{path}.slug", "skill")
        name = _line(skill, "name", path, required=True)
        domain = _reference(skill, "domain", path, domains, "domain", required=True)
        scale = _reference(skill, "scale", path, known_scales, "scale", required=False)
        codes = scales[scale].codes() if scale in scales else CODES
        skills[slug] = SkillState(
            slug=slug,
            name=name,
            description=_text(skill, "description", path),
            domain=domain,
            # The built-in scale is the default: naming it says nothing more ("" either way).
            scale="" if scale == AWE else scale,
            steps=_skill_steps(skill, path, scale or AWE, codes),
            home_domain=domain,
            skill_extensions=found,
        )
    return skills


def _skill_steps(
    skill: dict[str, Any], path: str, scale: str, codes: tuple[str, ...]
) -> dict[str, Content]:
    """What the skill looks like at steps of its scale, in the scale's order (empty ones go)."""
    if skill.get("steps") is None:
        return {}
    here = f"{path}.steps"
    raw_steps = _object(skill["steps"], here)
    steps: dict[str, Content] = {}
    for code, raw in raw_steps.items():
        step_path = _member(here, code)
        _step_code(code, step_path, scale, codes)
        content = _content(raw, step_path)
        if content:
            steps[code] = content
    return {code: steps[code] for code in codes if code in steps}


# --- roles -------------------------------------------------------------------------------------


def _roles(root: dict[str, Any], catalogue: _Catalogue) -> tuple[RoleState, ...]:
    raw_roles = _array(root, "roles", "$", required=True)
    if not raw_roles:
        raise RoleDocumentError("$.roles", "must list at least one role")
    roles = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_roles):
        path = f"$.roles[{index}]"
        role = _role(raw, path, catalogue)
        _unique(seen, role.slug, f"{path}.slug", "role")
        roles.append(role)
    return tuple(roles)


def _role(raw: Any, path: str, catalogue: _Catalogue) -> RoleState:
    """One role, whole: what the framework declares that the role uses (scales, tracks,
    domains) travels with it, so a role's state stands alone."""
    role = _object(raw, path)
    places: Places = {}
    _keep(places, "role", _fields(role, path, _ROLE_KEYS))
    slug = _code(role, "slug", path)
    title = _line(role, "title", path, required=True)
    tagline = _line(role, "tagline", path)
    description = _text(role, "description", path)
    family, family_name = _family(role, path, places)
    key_domains = _key_domains(role, path, catalogue)
    code_names, code_descriptions = _legend(role, path, places)
    layout = _layout(role, path)
    levels = _levels(role, path, catalogue, places)
    skills = _rows(role, path, catalogue, levels, places)
    grading = _grading(role, path, catalogue, levels, skills)
    used_scales = {skill.scale for skill in skills}
    used_tracks = {level.track for level in levels}
    shown = {*key_domains, *(s.domain for s in skills), *(s.home_domain for s in skills)}
    return RoleState(
        slug=slug,
        title=title,
        tagline=tagline,
        description=description,
        key_domains=key_domains,
        family=family,
        family_name=family_name,
        code_names=code_names,
        extensions=places,
        levels=levels,
        skills=skills,
        domain_names={s.domain: catalogue.domains[s.domain].name for s in skills},
        framework=catalogue.framework,
        markdown=True,
        layout_name=layout,
        grading=grading,
        code_descriptions=code_descriptions,
        scales=tuple(s for slug, s in catalogue.scales.items() if slug in used_scales),
        tracks=tuple(t for code, t in catalogue.tracks.items() if code in used_tracks),
        domains={slug: d for slug, d in catalogue.domains.items() if slug in shown},
    )


def _family(role: dict[str, Any], path: str, places: Places) -> tuple[str, str]:
    here = f"{path}.family"
    if "family" not in role:
        raise RoleDocumentError(here, "is missing")
    family = _object(role["family"], here)
    _keep(places, "family", _fields(family, here, ("slug", "name")))
    return _code(family, "slug", here), _line(family, "name", here, required=True)


def _key_domains(role: dict[str, Any], path: str, catalogue: _Catalogue) -> tuple[str, ...]:
    items = _array(role, "key_domains", path)
    here = f"{path}.key_domains"
    return tuple(
        _known(item, f"{here}[{index}]", catalogue.domains, "domain", required=True)
        for index, item in enumerate(items)
    )


def _legend(
    role: dict[str, Any], path: str, places: Places
) -> tuple[dict[str, str], dict[str, str]]:
    """The names (where they differ from the default) and descriptions a role gives the built-in
    scale's codes."""
    names: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    seen: dict[str, str] = {}
    for index, raw in enumerate(_array(role, "legend", path)):
        here = f"{path}.legend[{index}]"
        entry = _object(raw, here)
        found = _fields(entry, here, ("code", "name", "description"))
        code = entry.get("code")
        if code not in CODES:
            raise RoleDocumentError(
                f"{here}.code",
                f"must be A, W or E (a legend renames the built-in scale's steps), "
                f"not {_shown(code)}",
            )
        _unique(seen, code, f"{here}.code", "legend code")
        name = _line(entry, "name", here, required=True)
        if name != CODE_NAMES[code]:
            names[code] = name
        description = _text(entry, "description", here)
        if description:
            descriptions[code] = description
        _keep(places, f"code:{code}", found)
    order = {code: rank for rank, code in enumerate(CODES)}
    return (
        dict(sorted(names.items(), key=lambda item: order[item[0]])),
        dict(sorted(descriptions.items(), key=lambda item: order[item[0]])),
    )


def _layout(role: dict[str, Any], path: str) -> str:
    layout = role.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise RoleDocumentError(
            f"{path}.layout", f"must be one of {', '.join(LAYOUTS)}, not {_shown(layout)}"
        )
    return str(layout or "")


def _levels(
    role: dict[str, Any], path: str, catalogue: _Catalogue, places: Places
) -> tuple[LevelState, ...]:
    levels = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(_array(role, "levels", path, required=True)):
        here = f"{path}.levels[{index}]"
        level = _object(raw, here)
        found = _fields(level, here, _LEVEL_KEYS)
        code = _code(level, "code", here, limit=LEVEL_CODE_LENGTH)
        _unique(seen, code, f"{here}.code", "level")
        _keep(places, f"level:{code}", found)
        name = _line(level, "name", here, required=True)
        rank = level.get("rank")
        levels.append(
            LevelState(
                code=code,
                name=name,
                short=_text(level, "short", here, limit=SHORT_LENGTH) or default_short(name),
                focus=_text(level, "focus", here),
                stack=_texts(level, "stack", here, limit=STACK_ITEM_LENGTH),
                rank=None
                if rank is None
                else int(_number(rank, f"{here}.rank", maximum=MAX_RANK, whole=True)),
                track=_reference(level, "track", here, catalogue.tracks, "track", required=False),
                sections=_sections(level, here),
            )
        )
    return tuple(levels)


def _sections(level: dict[str, Any], path: str) -> tuple[Section, ...]:
    sections = []
    for index, raw in enumerate(_array(level, "sections", path)):
        here = f"{path}.sections[{index}]"
        section = _object(raw, here)
        found = _fields(section, here, ("title", "text", "items"))
        sections.append(
            Section(
                title=_line(section, "title", here, required=True),
                text=_text(section, "text", here),
                items=_texts(section, "items", here),
                extensions=found,
            )
        )
    return tuple(sections)


def _rows(
    role: dict[str, Any],
    path: str,
    catalogue: _Catalogue,
    levels: tuple[LevelState, ...],
    places: Places,
) -> tuple[SkillState, ...]:
    """The role's rows in document order, each the framework's skill with this role's cells."""
    rows = []
    seen: dict[str, str] = {}
    level_codes = tuple(level.code for level in levels)
    for index, raw in enumerate(_array(role, "skills", path, required=True)):
        here = f"{path}.skills[{index}]"
        row = _object(raw, here)
        found = _fields(row, here, _ROW_KEYS)
        slug = _reference(row, "skill", here, catalogue.skills, "skill", required=True)
        _unique(seen, slug, f"{here}.skill", "row of skill")
        _keep(places, f"skill:{slug}", found)
        skill = catalogue.skills[slug]
        domain = _reference(row, "domain", here, catalogue.domains, "domain", required=False)
        rows.append(
            replace(
                skill,
                domain=domain or skill.home_domain,
                row_description=_text(row, "description", here),
                cells=_requirements(row, here, catalogue, skill, level_codes, places),
            )
        )
    return tuple(rows)


def _requirements(
    row: dict[str, Any],
    path: str,
    catalogue: _Catalogue,
    skill: SkillState,
    level_codes: tuple[str, ...],
    places: Places,
) -> dict[str, Cell]:
    here = f"{path}.requirements"
    if "requirements" not in row:
        raise RoleDocumentError(here, "is missing")
    requirements = _object(row["requirements"], here)
    scale = catalogue.scale(skill.scale)
    codes = scale.codes()  # once per row: a framework may have hundreds of thousands of cells
    cells: dict[str, Cell] = {}
    for level, value in requirements.items():
        cell_path = _member(here, level)
        if level not in level_codes:
            raise RoleDocumentError(
                cell_path,
                f"unknown level {_shown(level)} "
                f"({_listing(level_codes) if level_codes else 'the role has no levels'})",
            )
        place = f"cell:{skill.slug}:{level}"
        cell = _cell(value, cell_path, (scale.slug, codes), places, place)
        if cell is not None:
            cells[level] = cell
    return {code: cells[code] for code in level_codes if code in cells}


def _cell(
    value: Any, path: str, scale: tuple[str, tuple[str, ...]], places: Places, place: str
) -> Cell | None:
    """A requirement: null, "n/a", a step code of the skill's scale (its slug and step codes),
    or an object."""
    slug, codes = scale
    if value is None:
        return None
    if value == NOT_APPLICABLE:
        return Cell(code=NOT_APPLICABLE)
    if isinstance(value, str):
        return Cell(code=_step_code(value, path, slug, codes))
    if not isinstance(value, dict):
        raise RoleDocumentError(
            path,
            f"must be null, 'n/a', a step code of scale {slug!r} or an object, "
            f"not {_type_name(value)}",
        )
    found = _fields(value, path, _CELL_KEYS)
    code = value.get("code")
    if code is not None:
        if not isinstance(code, str):
            raise RoleDocumentError(f"{path}.code", f"must be a string, not {_type_name(code)}")
        _step_code(code, f"{path}.code", slug, codes)
    mandatory = _boolean(value, "mandatory", path, default=True)
    content = _content_parts(value, path)
    if code is None and not content and not found:
        return None  # nothing at all: an empty cell
    _keep(places, place, found)
    return Cell(
        code=code or "",
        mandatory=mandatory,
        details=content.details,
        summary=content.summary,
        examples=content.examples,
        links=content.links,
    )


def _grading(
    role: dict[str, Any],
    path: str,
    catalogue: _Catalogue,
    levels: tuple[LevelState, ...],
    skills: tuple[SkillState, ...],
) -> dict[str, JSON] | None:
    """The grading object as given, once checked against the role's levels and scales."""
    if role.get("grading") is None:
        return None
    here = f"{path}.grading"
    grading = _object(role["grading"], here)
    rule = grading.get("rule")
    if rule == "cumulative":
        _fields(grading, here, ("rule", "optional_share"))
        if "optional_share" in grading:
            _number(grading["optional_share"], f"{here}.optional_share", maximum=1)
    elif rule == "points":
        _fields(grading, here, ("rule", "points", "thresholds"))
        _thresholds(grading, here, levels)
        _points(grading, here, catalogue, skills)
    elif rule is None:
        raise RoleDocumentError(f"{here}.rule", "is missing (expected 'cumulative' or 'points')")
    else:
        raise RoleDocumentError(
            f"{here}.rule", f"must be 'cumulative' or 'points', not {_shown(rule)}"
        )
    return copy.deepcopy(grading)


def _thresholds(grading: dict[str, Any], path: str, levels: tuple[LevelState, ...]) -> None:
    here = f"{path}.thresholds"
    if "thresholds" not in grading:
        raise RoleDocumentError(here, "is missing (the points each level needs)")
    level_codes = [level.code for level in levels]
    for level, value in _object(grading["thresholds"], here).items():
        level_path = _member(here, level)
        if level not in level_codes:
            raise RoleDocumentError(
                level_path, f"unknown level {_shown(level)} ({_listing(level_codes)})"
            )
        _number(value, level_path, maximum=MAX_THRESHOLD)


def _points(
    grading: dict[str, Any], path: str, catalogue: _Catalogue, skills: tuple[SkillState, ...]
) -> None:
    """Check the points table, then that every step of every scale the role's skills use is
    worth some points (the table's, or the step's own)."""
    used = [slug for slug in catalogue.scale_names() if slug in {s.scale or AWE for s in skills}]
    here = f"{path}.points"
    table = _object(grading.get("points", {}), here)
    for slug, steps in table.items():
        scale_path = _member(here, slug)
        _points_scale(slug, scale_path, catalogue, used)
        scale = catalogue.scale(slug)
        for code, value in _object(steps, scale_path).items():
            step_path = _member(scale_path, code)
            _step_code(code, step_path, slug, scale.codes())
            _number(value, step_path, maximum=MAX_POINTS)
    for slug in used:
        for step in catalogue.scale(slug).steps:
            if step.points is None and step.code not in table.get(slug, {}):
                raise RoleDocumentError(
                    path,
                    f"step {step.code!r} of scale {slug!r} has no points (give the step "
                    f"points, or set grading.points.{slug}.{step.code})",
                )


def _points_scale(slug: str, path: str, catalogue: _Catalogue, used: list[str]) -> None:
    """A scale the points table prices must be one the role's skills are on."""
    if slug not in catalogue.scale_names():
        raise RoleDocumentError(
            path, f"unknown scale {_shown(slug)} ({_listing(catalogue.scale_names())})"
        )
    if slug not in used:
        raise RoleDocumentError(
            path,
            f"scale {slug!r} is not used by this role's skills "
            f"({'they use ' + ', '.join(used) if used else 'the role has no skills'})",
        )


# --- the document ------------------------------------------------------------------------------


def _parse_root(root: dict[str, Any]) -> FrameworkDocument:
    if "format" not in root:
        raise RoleDocumentError("$.format", f"is missing (expected {FORMAT_V2!r})")
    if root["format"] != FORMAT_V2:
        raise RoleDocumentError(
            "$.format", f"unknown format {_shown(root['format'])}, expected {FORMAT_V2!r}"
        )
    root_extensions = _fields(root, "$", _ROOT_KEYS)
    framework = _framework(root, root_extensions)
    scales = _scales(root)
    tracks = _tracks(root)
    domains = _domains(root)
    skills = _skills(root, scales, domains)
    catalogue = _Catalogue(
        framework=framework, scales=scales, tracks=tracks, domains=domains, skills=skills
    )
    return FrameworkDocument(
        framework=framework,
        scales=tuple(scales.values()),
        tracks=tuple(tracks.values()),
        domains=domains,
        skills=tuple(skills.values()),
        roles=_roles(root, catalogue),
    )


def parse_framework_document(raw: str | bytes | dict[str, Any]) -> FrameworkDocument:
    """Validate a whole ``skillsmatrix.framework/v2`` document and return it parsed."""
    return _parse_root(_object(_load(raw), "$"))


def parse_document(raw: str | bytes | dict[str, Any]) -> RoleDocument | FrameworkDocument:
    """Parse a document of either format, chosen by its ``format`` key."""
    root = _object(_load(raw), "$")
    formats = f"expected {FORMAT_V1!r} or {FORMAT_V2!r}"
    if "format" not in root:
        raise RoleDocumentError("$.format", f"is missing ({formats})")
    if root["format"] == FORMAT_V1:
        return parse_role_document(root)
    if root["format"] == FORMAT_V2:
        return _parse_root(root)
    raise RoleDocumentError("$.format", f"unknown format {_shown(root['format'])}, {formats}")


def role_states(raw: str | bytes | dict[str, Any]) -> tuple[RoleState, ...]:
    """The roles a document of either format describes (a v1 document: one)."""
    document = parse_document(raw)
    if isinstance(document, RoleDocument):
        return (document.to_state(),)
    return document.roles


# --- the writer --------------------------------------------------------------------------------


def _with(obj: dict[str, JSON], extensions: Mapping[str, JSON]) -> dict[str, JSON]:
    """``obj`` followed by its x- keys (copies: the written document shares nothing)."""
    obj.update(copy.deepcopy(dict(extensions)))
    return obj


def _put(obj: dict[str, JSON], key: str, value: JSON) -> None:
    """Set an optional key, left out when empty."""
    if value:
        obj[key] = value


def _link_json(link: Link) -> dict[str, JSON]:
    written: dict[str, JSON] = {}
    _put(written, "title", link.title)
    written["url"] = link.url
    return _with(written, link.extensions)


def _content_json(
    content: Content | Cell, written: dict[str, JSON] | None = None
) -> dict[str, JSON]:
    written = {} if written is None else written
    _put(written, "summary", content.summary)
    _put(written, "details", content.details)
    _put(written, "examples", list(content.examples))
    _put(written, "links", [_link_json(link) for link in content.links])
    return written


def _framework_json(framework: FrameworkState) -> dict[str, JSON]:
    written: dict[str, JSON] = {"slug": framework.slug, "name": framework.name}
    _put(written, "description", framework.description)
    _put(written, "source", copy.deepcopy(dict(framework.source)))
    return _with(written, framework.extensions)


def _scale_json(scale: ScaleState) -> dict[str, JSON]:
    written: dict[str, JSON] = {"slug": scale.slug, "name": scale.name}
    _put(written, "description", scale.description)
    steps = []
    for step in scale.steps:
        step_json: dict[str, JSON] = {"code": step.code, "name": step.name}
        _put(step_json, "description", step.description)
        if step.points is not None:
            step_json["points"] = step.points
        steps.append(_with(step_json, step.extensions))
    written["steps"] = steps
    return _with(written, scale.extensions)


def _named_json(key: str, value: str, info: TrackState | DomainInfo) -> dict[str, JSON]:
    written: dict[str, JSON] = {key: value, "name": info.name}
    _put(written, "description", info.description)
    return _with(written, info.extensions)


def _skill_json(skill: SkillState) -> dict[str, JSON]:
    written: dict[str, JSON] = {
        "slug": skill.slug,
        "name": skill.name,
        "domain": skill.home_domain or skill.domain,
    }
    _put(written, "scale", skill.scale)
    _put(written, "description", skill.description)
    _put(
        written,
        "steps",
        {code: _with(_content_json(c), c.extensions) for code, c in skill.steps.items()},
    )
    return _with(written, skill.skill_extensions)


def _legend_json(state: RoleState) -> list[dict[str, JSON]]:
    legend = []
    for code in CODES:
        place = f"code:{code}"
        if code in state.code_names or code in state.code_descriptions or place in state.extensions:
            entry: dict[str, JSON] = {"code": code, "name": state.code_name(code)}
            _put(entry, "description", state.code_descriptions.get(code, ""))
            legend.append(_with(entry, state.extensions.get(place, {})))
    return legend


def _level_json(state: RoleState, level: LevelState) -> dict[str, JSON]:
    written: dict[str, JSON] = {"code": level.code, "name": level.name}
    if level.short != default_short(level.name):
        written["short"] = level.short
    if level.rank is not None:
        written["rank"] = level.rank
    _put(written, "track", level.track)
    _put(written, "focus", level.focus)
    _put(written, "stack", list(level.stack))
    sections = []
    for section in level.sections:
        section_json: dict[str, JSON] = {"title": section.title}
        _put(section_json, "text", section.text)
        _put(section_json, "items", list(section.items))
        sections.append(_with(section_json, section.extensions))
    _put(written, "sections", sections)
    return _with(written, state.extensions.get(f"level:{level.code}", {}))


def _cell_json(state: RoleState, place: str, cell: Cell | None) -> JSON:
    if cell is None:
        return None
    extensions = state.extensions.get(place, {})
    has_content = bool(cell.summary or cell.details or cell.examples or cell.links)
    if cell.code and cell.mandatory and not has_content and not extensions:
        return cell.code
    written: dict[str, JSON] = {}
    _put(written, "code", cell.code)
    if not cell.mandatory:
        written["mandatory"] = False
    return _with(_content_json(cell, written), extensions)


def _row_json(state: RoleState, skill: SkillState) -> dict[str, JSON]:
    written: dict[str, JSON] = {"skill": skill.slug}
    if skill.domain != (skill.home_domain or skill.domain):
        written["domain"] = skill.domain
    _put(written, "description", skill.row_description)
    # Either every level (null where empty) or, for a row without cells, nothing at all.
    if any(level.code in skill.cells for level in state.levels):
        written["requirements"] = {
            level.code: _cell_json(
                state, f"cell:{skill.slug}:{level.code}", skill.cells.get(level.code)
            )
            for level in state.levels
        }
    else:
        written["requirements"] = {}
    return _with(written, state.extensions.get(f"skill:{skill.slug}", {}))


def _role_json(state: RoleState) -> dict[str, JSON]:
    written: dict[str, JSON] = {"slug": state.slug, "title": state.title}
    _put(written, "tagline", state.tagline)
    _put(written, "description", state.description)
    written["family"] = _with(
        {"slug": state.family, "name": state.family_name}, state.extensions.get("family", {})
    )
    _put(written, "key_domains", list(state.key_domains))
    _put(written, "legend", _legend_json(state))
    _put(written, "layout", state.layout_name)
    if state.grading is not None:
        written["grading"] = copy.deepcopy(dict(state.grading))
    written["levels"] = [_level_json(state, level) for level in state.levels]
    written["skills"] = [_row_json(state, skill) for skill in state.skills]
    return _with(written, state.extensions.get("role", {}))


def framework_document_write(document: FrameworkDocument) -> dict[str, JSON]:
    """The canonical v2 document: known keys in a fixed order, each object's ``x-`` keys after
    them, empty optional keys left out. ``roles.document.dumps_role_document`` of it is the
    exported text."""
    written: dict[str, JSON] = {
        "format": FORMAT_V2,
        "framework": _framework_json(document.framework),
    }
    _put(written, "scales", [_scale_json(scale) for scale in document.scales])
    _put(written, "tracks", [_named_json("code", t.code, t) for t in document.tracks])
    _put(written, "domains", [_named_json("slug", s, d) for s, d in document.domains.items()])
    _put(written, "skills", [_skill_json(skill) for skill in document.skills])
    written["roles"] = [_role_json(role) for role in document.roles]
    return _with(written, document.framework.root_extensions)


def _shared(skill: SkillState) -> SkillState:
    """A row's skill as the framework declares it: no cells, nothing of this role's."""
    home = skill.home_domain or skill.domain
    return SkillState(
        slug=skill.slug,
        name=skill.name,
        description=skill.description,
        domain=home,
        scale=skill.scale,
        steps=skill.steps,
        home_domain=home,
        skill_extensions=skill.skill_extensions,
    )


def _declared_domains(state: RoleState) -> tuple[dict[str, DomainInfo], tuple[str, ...]]:
    """The domains a one-role document declares, and the role's key domains by slug.

    A v2 role has its domains; one that came from v1 has only their names, and names its key
    domains rather than giving their slugs: a key domain that is no domain of the role's
    becomes one, so nothing the role said is lost and the document refers only to what it
    declares."""
    domains = dict(state.domains)
    for skill in state.skills:
        for slug in (skill.domain, skill.home_domain or skill.domain):
            if slug not in domains:
                domains[slug] = DomainInfo(name=state.domain_names.get(slug, slug))
    by_name = {info.name: slug for slug, info in domains.items()}
    key_domains = []
    for key in state.key_domains:
        slug = key if key in domains else by_name.get(key) or slugify(key)[:SLUG_LENGTH]
        if slug and slug not in domains:
            domains[slug] = DomainInfo(name=state.domain_names.get(key, key))
        if slug:
            key_domains.append(slug)
    return domains, tuple(key_domains)


def role_framework_document(state: RoleState) -> FrameworkDocument:
    """A document of one role: the framework, with the scales, tracks, domains and skills the
    role uses (its skills in row order)."""
    domains, key_domains = _declared_domains(state)
    role = replace(state, key_domains=key_domains)
    framework = state.framework
    if state.source and not framework.source:
        # v1 says where a role comes from in a string; v2 says it of the framework.
        key = "url" if _URL_RE.match(state.source) else "notes"
        framework = replace(framework, source={key: state.source})
    return FrameworkDocument(
        framework=framework,
        scales=state.scales,
        tracks=state.tracks,
        domains=domains,
        skills=tuple(_shared(skill) for skill in state.skills),
        roles=(role,),
    )


def document_write(state: RoleState) -> dict[str, JSON]:
    """A role's document: format v1 when it holds the role exactly, v2 otherwise."""
    if state.fits_v1():
        return role_document_write(state)
    return framework_document_write(role_framework_document(state))
