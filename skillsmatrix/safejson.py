"""JSON from strangers: decoded with bounds, every problem reported with its JSON path.

``json.loads`` alone answers hostile input with exceptions that are not ``JSONDecodeError`` and
carry no location (``RecursionError`` for deep nesting, ``ValueError`` for a number of more than
4 300 digits) or accepts what nothing downstream can store or print (a lone surrogate, which no
UTF-8 encoder writes back; NUL, which PostgreSQL text refuses; ``NaN``). :func:`load_json` turns
each of those into :class:`JSONInputError` naming the path of the first problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 100

# Tokens that matter for nesting: strings (skipped whole, escapes included) and punctuation.
_STRING = r'"(?:[^"\\]|\\.)*"'
_STRING_RE = re.compile(_STRING, re.DOTALL)
_TOKEN_RE = re.compile(_STRING + r"|[\[\]{},:]", re.DOTALL)
_BRACKETS_RE = re.compile(r"[\[\]{}]")
# What may decode to a NUL or a lone surrogate; text without any needs no walk after decoding.
_SUSPECT_TEXT_RE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])|[\x00\ud800-\udfff]")


class JSONInputError(ValueError):
    """Input that is not acceptable JSON; ``path`` is the JSON path of the problem."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class _Refused:
    """Put in place of a decoded value the decoder must not produce, so the walk that follows
    can name where it stood."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def _number_too_long(length: int) -> str:
    return _("number too long (%(length)d characters, at most %(limit)d)") % {
        "length": length,
        "limit": MAX_NUMBER_DIGITS,
    }


def _too_deep(max_depth: int) -> str:
    return _("nested deeper than %(depth)d levels") % {"depth": max_depth}


class _Decoder:
    """``json.loads`` hooks that replace refused numbers and constants and remember doing so."""

    def __init__(self) -> None:
        self.refused = False

    def _refuse(self, problem: str) -> _Refused:
        self.refused = True
        return _Refused(problem)

    def parse_int(self, text: str) -> int | _Refused:
        digits = len(text.lstrip("-"))
        if digits > MAX_NUMBER_DIGITS:
            return self._refuse(_number_too_long(digits))
        return int(text)

    def parse_float(self, text: str) -> float | _Refused:
        if len(text) > MAX_NUMBER_DIGITS:
            return self._refuse(_number_too_long(len(text)))
        return float(text)

    def parse_constant(self, name: str) -> _Refused:
        return self._refuse(_("%(name)s is not a JSON number") % {"name": name})


def _child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f"{path}[{key!r}]"


def _max_depth(text: str) -> int:
    """How deeply ``text`` nests, strings aside (cheap: brackets only)."""
    deepest = depth = 0
    for bracket in _BRACKETS_RE.findall(_STRING_RE.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


@dataclass
class _Container:
    path: str
    is_object: bool
    key: str | int  # the current member's key, or the current item's index


def _deep_path(text: str, max_depth: int) -> str | None:
    """The path where ``text`` first nests deeper than ``max_depth``, or None.

    A scan of the raw text (strings skipped whole) so that nothing deeper than the limit is ever
    handed to the recursive decoder.
    """
    open_containers: list[_Container] = []
    last_string = ""
    for match in _TOKEN_RE.finditer(text):
        lexeme = match.group()
        if lexeme in "[{":
            parent = open_containers[-1] if open_containers else None
            path = _child_path(parent.path, parent.key) if parent else "$"
            if len(open_containers) >= max_depth:
                return path
            is_object = lexeme == "{"
            open_containers.append(_Container(path, is_object, "" if is_object else 0))
        elif lexeme in "]}":
            if open_containers:
                open_containers.pop()
        elif open_containers and lexeme in ",:":
            _next_member(open_containers[-1], lexeme, last_string)
        elif lexeme not in ",:":
            last_string = _string_value(lexeme)
    return None


def _next_member(container: _Container, separator: str, last_string: str) -> None:
    """Move ``container``'s key on at a separator: the next index after a comma in an array,
    the member's name (the string just read) at a colon in an object."""
    if separator == "," and isinstance(container.key, int):
        container.key += 1
    elif separator == ":" and container.is_object:
        container.key = last_string


def _string_value(lexeme: str) -> str:
    try:
        return str(json.loads(lexeme))
    except ValueError:
        return lexeme[1:-1]


def check_value(value: Any, *, path: str = "$", max_depth: int = MAX_DEPTH) -> None:
    """Refuse, by path, what the decoder let through: lone surrogates and NUL in keys and
    strings, refused numbers, and nesting deeper than ``max_depth`` (for already-decoded input).

    Iterative, so a value nested deeper than Python's recursion limit is reported, not a crash.
    """
    pending: list[tuple[Any, str, int]] = [(value, path, 0)]
    while pending:
        item, here, depth = pending.pop()
        if isinstance(item, _Refused):
            raise JSONInputError(here, item.problem)
        if isinstance(item, str):
            _check_text(item, here)
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                raise JSONInputError(here, _too_deep(max_depth))
            if isinstance(item, dict):
                children = list(item.items())
                for key, _child in children:
                    _check_text(str(key), here, is_key=True)
            else:
                children = list(enumerate(item))
            # Reversed, so the first problem in document order is the one reported.
            pending.extend(
                (child, _child_path(here, key), depth + 1) for key, child in reversed(children)
            )


def _check_text(text: str, path: str, *, is_key: bool = False) -> None:
    if "\x00" in text:
        raise JSONInputError(
            path,
            _("key contains a NUL character") if is_key else _("text contains a NUL character"),
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONInputError(
            path,
            _("key contains a lone surrogate (not valid Unicode)")
            if is_key
            else _("text contains a lone surrogate (not valid Unicode)"),
        ) from None


def load_json(raw: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode ``raw`` (UTF-8 when bytes) and check it with :func:`check_value`."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JSONInputError(
                "$", _("not valid JSON (not UTF-8 at byte %(byte)d)") % {"byte": exc.start}
            ) from None
    brackets = raw.count("[") + raw.count("{")
    if brackets > max_depth and _max_depth(raw) > max_depth:
        path = _deep_path(raw, max_depth) or "$"
        raise JSONInputError(path, _too_deep(max_depth))
    decoder = _Decoder()
    try:
        value = json.loads(
            raw,
            parse_int=decoder.parse_int,
            parse_float=decoder.parse_float,
            parse_constant=decoder.parse_constant,
        )
    except json.JSONDecodeError as exc:
        raise JSONInputError("$", _("not valid JSON (%(error)s)") % {"error": exc}) from None
    except RecursionError:  # pragma: no cover - the scan above stops this first
        raise JSONInputError("$", _too_deep(max_depth)) from None
    if decoder.refused or _SUSPECT_TEXT_RE.search(raw):
        check_value(value, max_depth=max_depth)
    return value
