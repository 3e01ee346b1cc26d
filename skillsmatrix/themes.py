"""The light and dark themes: the visitor's choice lives in a cookie that every page reads
(``base.html``) and every app may set, so it sits with the site's helpers, below the apps."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

THEME_COOKIE = "theme"
THEMES = ("light", "dark")


def theme_from(request: HttpRequest) -> str:
    """The theme the visitor chose ("light" or "dark"), or "" to follow the system."""
    theme = request.COOKIES.get(THEME_COOKIE, "")
    return theme if theme in THEMES else ""


@require_POST
def theme_set(request: HttpRequest) -> HttpResponse:
    """Remember a theme without JavaScript (the toggle's script sets the same cookie itself)."""
    requested = request.POST.get("theme", "")
    if requested == "toggle":
        requested = "light" if theme_from(request) == "dark" else "dark"
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # By URL name only: the site's helpers import no app (DESIGN §3).
        next_url = reverse("roles:catalogue")
    response = HttpResponseRedirect(next_url)
    if requested in THEMES:
        response.set_cookie(
            THEME_COOKIE,
            requested,
            max_age=365 * 24 * 60 * 60,
            samesite="Lax",
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(THEME_COOKIE)
    return response
