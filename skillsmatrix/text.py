"""Checks of text members write (titles, rationales, comments), shared by the forms, the API
and the services so that each refuses the same things in the same words."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _is_invisible(char: str) -> bool:
    # Whitespace, control characters (Cc) and format characters (Cf): zero-width spaces and
    # joiners, bidi controls (U+200E, U+202A…U+202E, U+2066…U+2069), the BOM; they draw nothing.
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def validate_visible_text(value: str) -> None:
    """Refuse a text made only of invisible characters (it would look empty)."""
    if value and all(_is_invisible(char) for char in value):
        raise ValidationError(
            _("Write some visible text: this has only spaces or invisible characters."),
            code="invisible",
        )


def validate_one_line(value: str) -> None:
    """Refuse line breaks (CR or LF) in a one-line text such as a title."""
    if "\r" in value or "\n" in value:
        raise ValidationError(_("Keep it to one line: no line breaks."), code="line_break")
