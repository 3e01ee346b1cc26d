"""The role interchange format ``skillsmatrix.role/v1`` (DESIGN §4): parsing with validation.

Parsing is pure: it turns raw JSON (text, bytes or an already-decoded object) into dataclasses or
raises :class:`RoleDocumentError` naming the JSON path of the first problem. Nothing here touches
the database, so a document is validated completely before anything is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.text import slugify

from skillsmatrix.safejson import JSONInputError, check_value, load_json

FORMAT = "skillsmatrix.role/v1"
CODES = ("A", "W", "E")
CODE_LEGEND = (
    {"code": "A", "name": "Awareness", "rank": 1},
    {"code": "W", "name": "Working knowledge", "rank": 2},
    {"code": "E", "name": "Expert", "rank": 3},
)
_SLUG_RE = re.compile(r"^[-a-z0-9_]+$")


class RoleDocumentError(JSONInputError):
    """A document that cannot be imported; ``path`` is the JSON path of the problem."""


@dataclass(frozen=True)
class CellData:
    code: str
    mandatory: bool = True
    details: str = ""


@dataclass(frozen=True)
class SkillData:
    slug: str
    name: str
    description: str
    requirements: dict[str, CellData]  # level code -> cell; empty cells are absent


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


def _cell(value: Any, path: str) -> CellData | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value not in CODES:
            raise RoleDocumentError(path, f"code must be one of A, W, E, not {value!r}")
        return CellData(code=value)
    cell = _object(value, path)
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
    return CellData(code=code, mandatory=mandatory, details=details)


def _levels(root: dict[str, Any]) -> list[LevelData]:
    raw_levels = _array(root, "levels", "$", max_items=settings.ROLE_MAX_LEVELS)
    if not raw_levels:
        raise RoleDocumentError("$.levels", "must list at least one level")
    levels: list[LevelData] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_levels):
        path = f"$.levels[{index}]"
        level = _object(raw, path)
        code = _slug(level, "code", path, fallback_name=None)
        if code in seen:
            raise RoleDocumentError(f"{path}.code", f"duplicate level code {code!r}")
        seen.add(code)
        name = _string(level, "name", path, max_length=100)
        short = _string(level, "short", path, max_length=20)
        focus = _string(level, "focus", path, allow_blank=True)
        stack = _string_items(level, "stack", path)
        levels.append(LevelData(code=code, name=name, short=short, focus=focus, stack=stack))
    return levels


def _domains(root: dict[str, Any], level_codes: list[str]) -> list[DomainData]:
    domains: list[DomainData] = []
    seen_domains: set[str] = set()
    seen_skills: dict[str, str] = {}
    raw_domains = _array(root, "domains", "$", max_items=settings.ROLE_MAX_DOMAINS)
    for d_index, raw_domain in enumerate(raw_domains):
        d_path = f"$.domains[{d_index}]"
        domain = _object(raw_domain, d_path)
        d_name = _string(domain, "name", d_path, max_length=200)
        d_slug = _slug(domain, "slug", d_path, fallback_name=d_name)
        if d_slug in seen_domains:
            raise RoleDocumentError(f"{d_path}.name", f"duplicate domain {d_slug!r}")
        seen_domains.add(d_slug)
        skills: list[SkillData] = []
        for s_index, raw_skill in enumerate(_array(domain, "skills", d_path)):
            s_path = f"{d_path}.skills[{s_index}]"
            skill = _object(raw_skill, s_path)
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
            if "requirements" not in skill:
                raise RoleDocumentError(f"{s_path}.requirements", "is missing")
            raw_requirements = _object(skill["requirements"], f"{s_path}.requirements")
            requirements: dict[str, CellData] = {}
            for level_code, raw_cell in raw_requirements.items():
                c_path = f"{s_path}.requirements.{level_code}"
                if level_code not in level_codes:
                    raise RoleDocumentError(c_path, f"unknown level code {level_code!r}")
                cell = _cell(raw_cell, c_path)
                if cell is not None:
                    requirements[level_code] = cell
            skills.append(
                SkillData(
                    slug=s_slug,
                    name=s_name,
                    description=_string(skill, "description", s_path, required=False),
                    requirements=requirements,
                )
            )
        domains.append(DomainData(slug=d_slug, name=d_name, skills=skills))
    return domains


def _codes_legend(root: dict[str, Any]) -> None:
    for index, raw in enumerate(_array(root, "codes", "$", required=False, max_items=len(CODES))):
        path = f"$.codes[{index}]"
        entry = _object(raw, path)
        if entry.get("code") not in CODES:
            raise RoleDocumentError(
                f"{path}.code", f"must be one of A, W, E, not {entry.get('code')!r}"
            )


def parse_role_document(raw: str | bytes | dict[str, Any]) -> RoleDocument:
    """Validate a whole ``skillsmatrix.role/v1`` document and return it parsed."""
    try:
        if isinstance(raw, str | bytes):
            data = load_json(raw)
        else:
            check_value(raw)
            data = raw
    except JSONInputError as exc:
        raise RoleDocumentError(exc.path, exc.problem) from None
    root = _object(data, "$")
    if "format" not in root:
        raise RoleDocumentError("$.format", f"is missing (expected {FORMAT!r})")
    if root["format"] != FORMAT:
        raise RoleDocumentError(
            "$.format", f"unknown format {root['format']!r}, expected {FORMAT!r}"
        )

    if "family" not in root:
        raise RoleDocumentError("$.family", "is missing")
    family = _object(root["family"], "$.family")
    family_name = _string(family, "name", "$.family", max_length=200)
    family_slug = _slug(family, "slug", "$.family", fallback_name=family_name)

    if "role" not in root:
        raise RoleDocumentError("$.role", "is missing")
    role = _object(root["role"], "$.role")
    title = _string(role, "title", "$.role", max_length=200)
    slug = _slug(role, "slug", "$.role", fallback_name=None)
    key_domains = _string_items(role, "key_domains", "$.role")

    _codes_legend(root)
    levels = _levels(root)
    domains = _domains(root, [level.code for level in levels])
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
    )


def dumps_role_document(document: dict[str, Any]) -> str:
    """The canonical text of a document: stable key order and indentation, one final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
