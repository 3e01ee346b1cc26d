"""Template helpers for the roles pages: requirement codes in words."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from roles.models import RequirementCode

register = template.Library()

# What each code asks of a person, shown in a cell's details.
CODE_MEANINGS = {
    "A": _(
        "Knows what it is, what it is for and when to use it; can follow existing work with "
        "guidance."
    ),
    "W": _("Uses it independently in day-to-day work and solves the usual problems alone."),
    "E": _("Deep mastery: designs with it, solves the hard cases and teaches others."),
}


@register.filter
def code_label(code: str | None) -> str:
    """``"W"`` → "Working knowledge" in the active language; an empty cell → "Not required"."""
    if not code:
        return str(_("Not required"))
    return str(RequirementCode(code).label)


@register.filter
def code_meaning(code: str | None) -> str:
    if not code:
        return str(_("This level does not ask for this skill."))
    return str(CODE_MEANINGS[code])


@register.simple_tag
def code_legend() -> list[tuple[str, str]]:
    """The codes in rank order with their names, for a matrix legend."""
    return [(code.value, str(code.label)) for code in RequirementCode]
