"""The proposal pages' texts: ``{% load proposal_text %}``, then ``{{ comment|comment_html }}``
(Markdown with its recorded mentions as links), ``{{ text|discussion_html }}`` (Markdown) and
``{{ share|percent }}`` (0.755 → 76)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from proposals.presenters import discussion_html as render_discussion

register = template.Library()


@register.filter
def comment_html(comment: Any) -> SafeString:
    """A comment's Markdown as safe HTML, each member it mentioned a link to their page."""
    return render_discussion(str(comment.text or ""), mentions=comment.mentions or ())


@register.filter
def discussion_html(text: str | None) -> SafeString:
    """A rationale's or review comment's Markdown as safe HTML (``roles.markup``'s rules)."""
    return render_discussion(str(text or ""))


@register.filter
def percent(share: float | None) -> int:
    """A share as a whole percentage, rounded half up."""
    return int(share * 100 + 0.5) if share is not None else 0
