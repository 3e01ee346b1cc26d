"""The requirement scale of DESIGN §5, defined once: codes, their ranks and their names.

Empty 0 < A 1 < W 2 < E 3; a person's rating uses the same scale. The names are English here
(they are what a role file's ``codes`` legend says by default) and marked for translation, so
pages show them in the visitor's language. ``grading.engine`` keeps its own copy of the ranks
(it imports nothing from Django); a test checks the two stay equal.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Marks a string for ``makemessages`` (which looks for this name) without needing Django's
    settings, so the pure modules can import the scale."""
    return message


CODES: tuple[str, ...] = ("A", "W", "E")
CODE_RANKS: dict[str, int] = {"A": 1, "W": 2, "E": 3}
CODE_NAMES: dict[str, str] = {
    "A": gettext_noop("Awareness"),
    "W": gettext_noop("Working knowledge"),
    "E": gettext_noop("Expert"),
}
