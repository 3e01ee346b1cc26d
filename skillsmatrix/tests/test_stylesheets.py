"""Every stylesheet the app serves parses as plain CSS: braces balance and no rule opens inside
another (only @-rules hold rules). A dropped brace silently swallows every rule after it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHEETS = sorted(
    path
    for path in ROOT.glob("**/static/**/*.css")
    if ".venv" not in path.parts and "staticfiles" not in path.parts
)
COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _problems(text: str) -> list[str]:
    problems = []
    open_rules: list[str] = []
    for number, line in enumerate(
        COMMENT.sub(lambda m: "\n" * m[0].count("\n"), text).split("\n"), 1
    ):
        for char in line:
            if char == "{":
                head = line.split("{")[0].strip()
                if open_rules and not open_rules[-1].startswith("@"):
                    problems.append(f"line {number}: {head!r} opens inside {open_rules[-1]!r}")
                open_rules.append(head)
            elif char == "}":
                if not open_rules:
                    problems.append(f"line {number}: a closing brace with nothing open")
                else:
                    open_rules.pop()
    problems += [f"end: {head!r} is never closed" for head in open_rules]
    return problems


def test_there_are_stylesheets():
    assert len(SHEETS) >= 4


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_stylesheet_parses(sheet):
    assert _problems(sheet.read_text()) == []


def test_a_dropped_brace_is_found():
    assert _problems(".a {\n  color: red;\n\n.b {\n  color: blue;\n}\n") == [
        "line 4: '.b' opens inside '.a'",
        "end: '.a' is never closed",
    ]
