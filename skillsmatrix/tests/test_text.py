"""The shared checks of members' text (skillsmatrix.text)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from skillsmatrix.text import validate_one_line, validate_visible_text

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200b\u200c\u200d\u2060",  # zero-width (non-)joiners, word joiner
    "\u202e\u202d\u2066\u2069",  # bidi overrides and isolates
    " \u200e \ufeff ",  # a direction mark, the BOM and spaces
]


@pytest.mark.parametrize("value", INVISIBLE)
def test_only_invisible_characters_are_refused(value):
    with pytest.raises(ValidationError, match="visible text"):
        validate_visible_text(value)


@pytest.mark.parametrize("value", ["Docker", "\u200bDocker", "مرحبا\u200f", "🙂"])
def test_visible_text_passes(value):
    validate_visible_text(value)


@pytest.mark.parametrize("value", ["One\nTwo", "One\rTwo", "One\r\nTwo"])
def test_line_breaks_are_refused(value):
    with pytest.raises(ValidationError, match="one line"):
        validate_one_line(value)


def test_one_line_passes():
    validate_one_line("Seniors master Docker")
