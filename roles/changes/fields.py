"""How each field of a change parses from its JSON value: ``(value, field name) -> typed value``,
raising :class:`~roles.changes.errors.FieldInvalid` at the field (or inside it) otherwise."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from roles.changes.errors import FieldInvalid, type_of
from roles.changes.state import JSON, Cell
from roles.scale import CODES

_SLUG_RE = re.compile(r"^[-a-z0-9_]+$")


def parse_slug(value: JSON, name: str) -> str:
    if not isinstance(value, str) or not _SLUG_RE.fullmatch(value) or len(value) > 100:
        raise FieldInvalid(name, "not_slug", value=value)
    return value


def parse_text(value: JSON, name: str) -> str:
    if not isinstance(value, str):
        raise FieldInvalid(name, "not_string", type=type_of(value))
    return value.strip()


def parse_name(value: JSON, name: str) -> str:
    text = parse_text(value, name)
    if not text:
        raise FieldInvalid(name, "empty")
    if len(text) > 200:
        raise FieldInvalid(name, "too_long", limit=200)
    return text


def parse_bool(value: JSON, name: str) -> bool:
    if not isinstance(value, bool):
        raise FieldInvalid(name, "not_bool", type=type_of(value))
    return value


def parse_code(value: JSON, name: str) -> str | None:
    if value is None:
        return None
    if value not in CODES:
        raise FieldInvalid(name, "not_code", value=value)
    return str(value)


def parse_items(value: JSON, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise FieldInvalid(name, "not_strings", type=type_of(value))
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise FieldInvalid(f"{name}[{index}]", "empty_item")
        items.append(item.strip())
    return tuple(items)


def parse_slugs(value: JSON, name: str) -> tuple[str, ...]:
    items = parse_items(value, name)
    for index, item in enumerate(items):
        parse_slug(item, f"{name}[{index}]")
    return items


def parse_cell(value: JSON, name: str) -> Cell | None:
    """A cell in the §4 forms: null, ``"W"`` or ``{code, mandatory?, details?}``."""
    if value is None:
        return None
    if isinstance(value, str):
        code = parse_code(value, name)
        return Cell(code=code) if code else None
    if not isinstance(value, dict):
        raise FieldInvalid(name, "not_cell", type=type_of(value))
    unknown = set(value) - {"code", "mandatory", "details"}
    if unknown:
        raise FieldInvalid(f"{name}.{sorted(unknown)[0]}", "unknown_key")
    code = parse_code(value.get("code"), f"{name}.code")
    if code is None:
        raise FieldInvalid(f"{name}.code", "missing")
    return Cell(
        code=code,
        mandatory=parse_bool(value.get("mandatory", True), f"{name}.mandatory"),
        details=parse_text(value.get("details", ""), f"{name}.details"),
    )


def parse_cells(value: JSON, name: str) -> dict[str, Cell]:
    if not isinstance(value, dict):
        raise FieldInvalid(name, "not_cells", type=type_of(value))
    cells = {}
    for level, raw in value.items():
        cell = parse_cell(raw, f"{name}.{level}")
        if cell is not None:
            cells[level] = cell
    return cells


def parse_extension(value: JSON, name: str) -> dict[str, JSON]:
    if not isinstance(value, dict):
        raise FieldInvalid(name, "not_object", type=type_of(value))
    for key in value:
        if not key.startswith("x-"):
            raise FieldInvalid(f"{name}.{key}", "not_extension_key")
    return dict(value)


def parse_layout(value: JSON, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, list):
        raise FieldInvalid(name, "not_array", type=type_of(value))
    layout = []
    for index, group in enumerate(value):
        here = f"{name}[{index}]"
        if not isinstance(group, dict) or set(group) != {"domain", "skills"}:
            raise FieldInvalid(here, "not_layout_group")
        layout.append(
            (
                parse_slug(group["domain"], f"{here}.domain"),
                parse_slugs(group["skills"], f"{here}.skills"),
            )
        )
    return tuple(layout)


def parse_names(value: JSON, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise FieldInvalid(name, "not_object", type=type_of(value))
    return {parse_slug(k, f"{name}.{k}"): parse_name(v, f"{name}.{k}") for k, v in value.items()}


def parse_role_value(value: JSON, name: str, kind: str) -> str | bool | tuple[str, ...]:
    """A value of the kind :data:`roles.changes.state.ROLE_FIELDS` gives a role field."""
    parsers: dict[str, Callable[[JSON, str], str | bool | tuple[str, ...]]] = {
        "slug": parse_slug,
        "text": parse_text,
        "items": parse_items,
        "bool": parse_bool,
    }
    return parsers[kind](value, name)


def cells_json(cells: Mapping[str, Cell]) -> dict[str, JSON]:
    return {level: cell.as_json() for level, cell in cells.items()}
