"""The role interchange format ``skillsmatrix.role/v1`` (DESIGN §4): the parser, with validation,
and the writer.

Parsing is pure: it turns raw JSON (text, bytes or an already-decoded object) into dataclasses or
raises :class:`RoleDocumentError` naming the JSON path of the first problem. Nothing here touches
the database, so a document is validated completely before anything is written. Unknown keys are
refused; ``source`` and ``x-`` keys (at any object level) are kept, and written back unchanged by
:func:`role_document_write`, which turns a role's state into the document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.text import slugify

from roles.changes.state import Cell, LevelState, RoleState, SkillState
from roles.scale import CODE_NAMES, CODE_RANKS, CODES
from skillsmatrix.safejson import JSONInputError, check_value, load_json

FORMAT = "skillsmatrix.role/v1"
_SLUG_RE = re.compile(r"^[-a-z0-9_]+$")


class RoleDocumentError(JSONInputError):
    """A document that cannot be imported; ``path`` is the JSON path of the problem."""


Extensions = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class SkillData:
    slug: str
    name: str
    description: str
    requirements: dict[str, Cell]  # level code -> cell; empty cells are absent


@dataclass(frozen=True)
class DomainData:
    slug: str
    name: str
    skills: list[SkillData]


@dataclass(frozen=True)
class LevelData:
    code: str
    name: str
    short: str
    focus: str
    stack: list[str]


@dataclass(frozen=True)
class RoleDocument:
    family_slug: str
    family_name: str
    slug: str
    title: str
    tagline: str
    description: str
    key_domains: list[str]
    levels: list[LevelData]
    domains: list[DomainData] = field(default_factory=list)
    source: str = ""
    # Names of the codes the document relabels (only those differing from the default scale).
    code_names: dict[str, str] = field(default_factory=dict)
    # The x- keys of every object, by place (see roles.changes.state.RoleState).
    extensions: Extensions = field(default_factory=dict)

    def to_state(self) -> RoleState:
        """The role this document describes, as the change machinery sees it."""
        return RoleState(
            slug=self.slug,
            title=self.title,
            tagline=self.tagline,
            description=self.description,
            key_domains=tuple(self.key_domains),
            family=self.family_slug,
            family_name=self.family_name,
            source=self.source,
            code_names=dict(self.code_names),
            extensions=dict(self.extensions),
            levels=tuple(
                LevelState(
                    code=level.code,
                    name=level.name,
                    short=level.short,
                    focus=level.focus,
                    stack=tuple(level.stack),
                )
                for level in self.levels
            ),
            skills=tuple(
                SkillState(
                    slug=skill.slug,
                    name=skill.name,
                    description=skill.description,
                    domain=domain.slug,
                    cells=dict(skill.requirements),
                )
                for domain in self.domains
                for skill in domain.skills
            ),
            domain_names={domain.slug: domain.name for domain in self.domains},
        )


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RoleDocumentError(path, f"must be an object, not {_type_name(value)}")
    return value


def _array(
    parent: dict[str, Any],
    key: str,
    path: str,
    *,
    required: bool = True,
    max_items: int | None = None,
) -> list[Any]:
    if key not in parent:
        if required:
            raise RoleDocumentError(f"{path}.{key}", "is missing")
        return []
    value = parent[key]
    if not isinstance(value, list):
        raise RoleDocumentError(f"{path}.{key}", f"must be an array, not {_type_name(value)}")
    if max_items is not None and len(value) > max_items:
        raise RoleDocumentError(
            f"{path}.{key}", f"has {len(value)} items, at most {max_items} are allowed"
        )
    return value


def _string_items(parent: dict[str, Any], key: str, path: str) -> list[str]:
    """A list of short non-empty strings (a level's stack, the role's key domains)."""
    items = _array(parent, key, path, max_items=settings.ROLE_MAX_STACK_ITEMS)
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise RoleDocumentError(f"{path}.{key}[{index}]", "must be a non-empty string")
        if len(item.strip()) > settings.ROLE_MAX_ITEM_LENGTH:
            raise RoleDocumentError(
                f"{path}.{key}[{index}]",
                f"must be at most {settings.ROLE_MAX_ITEM_LENGTH} characters",
            )
    return [item.strip() for item in items]


def _string(
    parent: dict[str, Any],
    key: str,
    path: str,
    *,
    required: bool = True,
    max_length: int | None = None,
    allow_blank: bool = False,
) -> str:
    here = f"{path}.{key}"
    if key not in parent or parent[key] is None:
        if required:
            raise RoleDocumentError(here, "is missing")
        return ""
    value = parent[key]
    if not isinstance(value, str):
        raise RoleDocumentError(here, f"must be a string, not {_type_name(value)}")
    value = value.strip()
    if not value and required and not allow_blank:
        raise RoleDocumentError(here, "must not be empty")
    max_length = settings.ROLE_MAX_TEXT_LENGTH if max_length is None else max_length
    if len(value) > max_length:
        raise RoleDocumentError(here, f"must be at most {max_length} characters")
    return value


def _slug(parent: dict[str, Any], key: str, path: str, *, fallback_name: str | None) -> str:
    """An explicit slug, or ``slugify(name)`` when the document leaves it out."""
    if key in parent and parent[key] is not None:
        value = _string(parent, key, path, max_length=100)
        if not _SLUG_RE.fullmatch(value):
            raise RoleDocumentError(
                f"{path}.{key}", f"{value!r} is not a slug (lowercase letters, digits, - and _)"
            )
        return value
    if fallback_name is None:
        raise RoleDocumentError(f"{path}.{key}", "is missing")
    value = slugify(fallback_name)[:100]
    if not value:
        raise RoleDocumentError(f"{path}.name", f"{fallback_name!r} gives an empty slug")
    return value


def _keys(obj: dict[str, Any], path: str, allowed: set[str]) -> dict[str, Any]:
    """Refuse keys that are neither ``allowed`` nor extensions; return the ``x-`` keys."""
    extensions: dict[str, Any] = {}
    for key, value in obj.items():
        if key.startswith("x-"):
            extensions[key] = value
        elif key not in allowed:
            raise RoleDocumentError(
                f"{path}.{key}", "unknown key (extensions must start with 'x-')"
            )
    return extensions


def _keep(extensions: Extensions, place: str, found: dict[str, Any]) -> None:
    if found:
        extensions[place] = found


def _cell(value: Any, path: str, extensions: Extensions, place: str) -> Cell | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value not in CODES:
            raise RoleDocumentError(path, f"code must be one of A, W, E, not {value!r}")
        return Cell(code=value)
    cell = _object(value, path)
    _keep(extensions, place, _keys(cell, path, {"code", "mandatory", "details"}))
    if "code" not in cell:
        raise RoleDocumentError(f"{path}.code", "is missing")
    code = cell["code"]
    if code not in CODES:
        raise RoleDocumentError(f"{path}.code", f"must be one of A, W, E, not {code!r}")
    mandatory = cell.get("mandatory", True)
    if not isinstance(mandatory, bool):
        raise RoleDocumentError(
            f"{path}.mandatory", f"must be a boolean, not {_type_name(mandatory)}"
        )
    details = _string(cell, "details", path, required=False)
    return Cell(code=code, mandatory=mandatory, details=details)


def _levels(root: dict[str, Any], extensions: Extensions) -> list[LevelData]:
    raw_levels = _array(root, "levels", "$", max_items=settings.ROLE_MAX_LEVELS)
    if not raw_levels:
        raise RoleDocumentError("$.levels", "must list at least one level")
    levels: list[LevelData] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_levels):
        path = f"$.levels[{index}]"
        level = _object(raw, path)
        found = _keys(level, path, {"code", "name", "short", "focus", "stack"})
        code = _slug(level, "code", path, fallback_name=None)
        if code in seen:
            raise RoleDocumentError(f"{path}.code", f"duplicate level code {code!r}")
        seen.add(code)
        _keep(extensions, f"level:{code}", found)
        name = _string(level, "name", path, max_length=100)
        short = _string(level, "short", path, max_length=20)
        focus = _string(level, "focus", path, allow_blank=True)
        stack = _string_items(level, "stack", path)
        levels.append(LevelData(code=code, name=name, short=short, focus=focus, stack=stack))
    return levels


def _domains(
    root: dict[str, Any], level_codes: list[str], extensions: Extensions
) -> list[DomainData]:
    domains: list[DomainData] = []
    seen_domains: set[str] = set()
    seen_skills: dict[str, str] = {}
    raw_domains = _array(root, "domains", "$", max_items=settings.ROLE_MAX_DOMAINS)
    for d_index, raw_domain in enumerate(raw_domains):
        d_path = f"$.domains[{d_index}]"
        domain = _object(raw_domain, d_path)
        found = _keys(domain, d_path, {"name", "slug", "skills"})
        d_name = _string(domain, "name", d_path, max_length=200)
        d_slug = _slug(domain, "slug", d_path, fallback_name=d_name)
        if d_slug in seen_domains:
            raise RoleDocumentError(f"{d_path}.name", f"duplicate domain {d_slug!r}")
        seen_domains.add(d_slug)
        _keep(extensions, f"domain:{d_slug}", found)
        skills: list[SkillData] = []
        raw_skills = _array(domain, "skills", d_path)
        if not raw_skills:
            # A domain exists in a role only through its skills: an empty one would be lost.
            raise RoleDocumentError(f"{d_path}.skills", "must list at least one skill")
        for s_index, raw_skill in enumerate(raw_skills):
            s_path = f"{d_path}.skills[{s_index}]"
            skill = _object(raw_skill, s_path)
            found = _keys(skill, s_path, {"name", "slug", "description", "requirements"})
            s_name = _string(skill, "name", s_path, max_length=200)
            s_slug = _slug(skill, "slug", s_path, fallback_name=s_name)
            if s_slug in seen_skills:
                raise RoleDocumentError(
                    f"{s_path}.name",
                    f"duplicate skill {s_slug!r} (already at {seen_skills[s_slug]})",
                )
            seen_skills[s_slug] = s_path
            if len(seen_skills) > settings.ROLE_MAX_SKILLS:
                raise RoleDocumentError(
                    s_path, f"more than {settings.ROLE_MAX_SKILLS} skills in the role"
                )
            _keep(extensions, f"skill:{s_slug}", found)
            if "requirements" not in skill:
                raise RoleDocumentError(f"{s_path}.requirements", "is missing")
            raw_requirements = _object(skill["requirements"], f"{s_path}.requirements")
            requirements: dict[str, Cell] = {}
            for level_code, raw_cell in raw_requirements.items():
                c_path = f"{s_path}.requirements.{level_code}"
                if level_code.startswith("x-"):
                    raise RoleDocumentError(c_path, "requirements map level codes only")
                if level_code not in level_codes:
                    raise RoleDocumentError(c_path, f"unknown level code {level_code!r}")
                cell = _cell(raw_cell, c_path, extensions, f"cell:{s_slug}:{level_code}")
                if cell is not None:
                    requirements[level_code] = cell
                elif f"cell:{s_slug}:{level_code}" in extensions:
                    raise RoleDocumentError(c_path, "an empty cell cannot carry x- keys")
            skills.append(
                SkillData(
                    slug=s_slug,
                    name=s_name,
                    description=_string(skill, "description", s_path, required=False),
                    requirements={c: requirements[c] for c in level_codes if c in requirements},
                )
            )
        domains.append(DomainData(slug=d_slug, name=d_name, skills=skills))
    return domains


def _codes_legend(root: dict[str, Any], extensions: Extensions) -> dict[str, str]:
    """The names a document gives the codes, where they differ from the default scale."""
    names: dict[str, str] = {}
    seen: set[str] = set()
    raw_codes = _array(root, "codes", "$", required=False, max_items=len(CODES))
    for index, raw in enumerate(raw_codes):
        path = f"$.codes[{index}]"
        entry = _object(raw, path)
        found = _keys(entry, path, {"code", "name", "rank"})
        code = entry.get("code")
        if code not in CODES:
            raise RoleDocumentError(f"{path}.code", f"must be one of A, W, E, not {code!r}")
        if code in seen:
            raise RoleDocumentError(f"{path}.code", f"duplicate code {code!r}")
        seen.add(code)
        if "rank" in entry and entry["rank"] != CODE_RANKS[code]:
            raise RoleDocumentError(
                f"{path}.rank", f"the rank of {code} is {CODE_RANKS[code]}, not {entry['rank']!r}"
            )
        name = _string(entry, "name", path, max_length=100)
        if name != CODE_NAMES[code]:
            names[code] = name
        _keep(extensions, f"code:{code}", found)
    return {code: names[code] for code in CODES if code in names}


def _load(raw: str | bytes | dict[str, Any]) -> Any:
    """Decode (or check) the raw document with the bounded JSON loader."""
    try:
        if isinstance(raw, str | bytes):
            return load_json(raw)
        check_value(raw)
        return raw
    except JSONInputError as exc:
        raise RoleDocumentError(exc.path, exc.problem) from None


def parse_role_document(raw: str | bytes | dict[str, Any]) -> RoleDocument:
    """Validate a whole ``skillsmatrix.role/v1`` document and return it parsed."""
    root = _object(_load(raw), "$")
    extensions: Extensions = {}
    _keep(
        extensions,
        "$",
        _keys(root, "$", {"format", "source", "family", "role", "levels", "codes", "domains"}),
    )
    if "format" not in root:
        raise RoleDocumentError("$.format", f"is missing (expected {FORMAT!r})")
    if root["format"] != FORMAT:
        raise RoleDocumentError(
            "$.format", f"unknown format {root['format']!r}, expected {FORMAT!r}"
        )
    source = _string(root, "source", "$", required=False, max_length=500)

    if "family" not in root:
        raise RoleDocumentError("$.family", "is missing")
    family = _object(root["family"], "$.family")
    _keep(extensions, "family", _keys(family, "$.family", {"slug", "name"}))
    family_name = _string(family, "name", "$.family", max_length=200)
    family_slug = _slug(family, "slug", "$.family", fallback_name=family_name)

    if "role" not in root:
        raise RoleDocumentError("$.role", "is missing")
    role = _object(root["role"], "$.role")
    _keep(
        extensions,
        "role",
        _keys(role, "$.role", {"slug", "title", "tagline", "description", "key_domains"}),
    )
    title = _string(role, "title", "$.role", max_length=200)
    slug = _slug(role, "slug", "$.role", fallback_name=None)
    key_domains = _string_items(role, "key_domains", "$.role")

    code_names = _codes_legend(root, extensions)
    levels = _levels(root, extensions)
    domains = _domains(root, [level.code for level in levels], extensions)
    return RoleDocument(
        family_slug=family_slug,
        family_name=family_name,
        slug=slug,
        title=title,
        tagline=_string(role, "tagline", "$.role", max_length=300, allow_blank=True),
        description=_string(role, "description", "$.role", required=False),
        key_domains=key_domains,
        levels=levels,
        domains=domains,
        source=source,
        code_names=code_names,
        extensions=extensions,
    )


def _with_extensions(obj: dict[str, Any], state: RoleState, place: str) -> dict[str, Any]:
    obj.update(state.extensions.get(place, {}))
    return obj


def _cell_document(state: RoleState, place: str, cell: Cell | None) -> str | dict[str, Any] | None:
    if cell is None:
        return None
    if cell.mandatory and not cell.details and place not in state.extensions:
        return cell.code
    written: dict[str, Any] = {"code": cell.code}
    if not cell.mandatory:
        written["mandatory"] = False
    if cell.details:
        written["details"] = cell.details
    return _with_extensions(written, state, place)


def role_document_write(state: RoleState) -> dict[str, Any]:
    """The §4 document of a role: known keys in a fixed order, each object's ``x-`` keys after
    them. ``dumps_role_document`` of it is the exported text."""
    role: dict[str, Any] = {"slug": state.slug, "title": state.title, "tagline": state.tagline}
    if state.description:
        role["description"] = state.description
    role["key_domains"] = list(state.key_domains)
    domains: list[dict[str, Any]] = []
    skills_by_slug = {skill.slug: skill for skill in state.skills}
    for domain_slug, skill_slugs in state.layout():
        skills = []
        for skill_slug in skill_slugs:
            skill = skills_by_slug[skill_slug]
            written: dict[str, Any] = {"name": skill.name, "slug": skill.slug}
            if skill.description:
                written["description"] = skill.description
            written["requirements"] = {
                level.code: _cell_document(
                    state, f"cell:{skill.slug}:{level.code}", skill.cells.get(level.code)
                )
                for level in state.levels
            }
            skills.append(_with_extensions(written, state, f"skill:{skill.slug}"))
        domain = {"name": state.domain_names[domain_slug], "slug": domain_slug, "skills": skills}
        domains.append(_with_extensions(domain, state, f"domain:{domain_slug}"))
    document: dict[str, Any] = {"format": FORMAT}
    if state.source:
        document["source"] = state.source
    document["family"] = _with_extensions(
        {"slug": state.family, "name": state.family_name}, state, "family"
    )
    document["role"] = _with_extensions(role, state, "role")
    document["levels"] = [
        _with_extensions(
            {
                "code": level.code,
                "name": level.name,
                "short": level.short,
                "focus": level.focus,
                "stack": list(level.stack),
            },
            state,
            f"level:{level.code}",
        )
        for level in state.levels
    ]
    document["codes"] = [
        _with_extensions(
            {"code": code, "name": state.code_name(code), "rank": CODE_RANKS[code]},
            state,
            f"code:{code}",
        )
        for code in CODES
    ]
    document["domains"] = domains
    return _with_extensions(document, state, "$")


def dumps_role_document(document: dict[str, Any]) -> str:
    """The canonical text of a document: stable key order and indentation, one final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
