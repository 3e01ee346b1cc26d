"""Template filters of the proposal pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def time_left(closes_at: datetime) -> str:
    """How long voting stays open, in words: "2 days, 3 hours left"; in the last minute
    "less than a minute left" (Django's timeuntil would say "0 minutes")."""
    if (closes_at - timezone.now()).total_seconds() < 60:
        return _("less than a minute left")
    return _("%(left)s left") % {"left": timeuntil(closes_at)}
