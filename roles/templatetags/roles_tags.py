"""Template helpers for the roles pages: requirement codes in words, a role's description."""

from __future__ import annotations

from django import template
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from roles.models import RequirementCode, Role

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


@register.simple_tag
def role_meta_description(role: Role) -> str:
    """A role page's description for search engines and link previews, from the role's own
    fields (its tagline, else its description), so it costs no query."""
    summary = " ".join((role.tagline or role.description).split())
    summary = Truncator(summary).chars(160).rstrip(".")
    values = {"title": role.title, "family": role.family.name, "summary": summary}
    if summary:
        return (
            gettext(
                "%(title)s (%(family)s): %(summary)s. The skills each level of the role asks for, "
                "its tech stack by level and a grade calculator."
            )
            % values
        )
    return (
        gettext(
            "%(title)s (%(family)s): the skills each level of the role asks for, its tech stack by "
            "level and a grade calculator."
        )
        % values
    )
