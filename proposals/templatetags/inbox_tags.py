"""The watch button, for pages of other apps too (the role page): ``{% watch_button role=role %}``.

Rendered on every request, never inside a cached fragment: it is the member's own."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from proposals.inbox import is_watching

register = template.Library()


@register.inclusion_tag("proposals/includes/watch_button.html", takes_context=True)
def watch_button(
    context: template.Context, role: Any = None, proposal: Any = None
) -> dict[str, Any]:
    """A signed-in member's watch/unwatch form for ``role`` or ``proposal`` (1 query, none for a
    proposal read with ``watching``); nothing for visitors (no query)."""
    request = context["request"]
    user = request.user
    if not user.is_authenticated:
        return {"show": False}
    if role is not None:
        action = reverse("proposals:role_watch", args=[role.slug])
    else:
        action = reverse("proposals:watch", args=[proposal.pk])
    return {
        "show": True,
        "role": role,
        "proposal": proposal,
        # proposals.selectors.proposal_get reads it with the proposal.
        "watching": getattr(proposal, "watching", None)
        if proposal is not None and hasattr(proposal, "watching")
        else is_watching(user=user, role=role, proposal=proposal),
        "action": action,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
