"""The home page's sections from other apps, without roles importing them (DESIGN §3).

The home page is the catalogue (``roles.views.catalogue``). Apps above roles add what they know
of the community's recent activity by registering a section at start-up — the site's app config
(``skillsmatrix.apps``) wires them — so roles stays independent of proposals.

A section is a template and a function giving its context. The context is kept in the default
cache for ``cache_seconds`` (``HOME_ACTIVITY_CACHE_SECONDS``): short, so what the home page says
is happening is never old by more than that, yet a busy home page costs its queries once per
period, not once per visit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class HomeSection:
    name: str
    template: str
    context: Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class RenderedSection:
    template: str
    context: dict[str, Any]


_sections: dict[str, HomeSection] = {}


def home_section_register(section: HomeSection) -> None:
    """Add a section to the home page (again under the same name replaces it)."""
    _sections[section.name] = section


def home_sections() -> list[RenderedSection]:
    """Every registered section with its context, from the cache when fresh (each section's
    queries on a miss, none on a hit)."""
    rendered = []
    seconds = settings.HOME_ACTIVITY_CACHE_SECONDS
    for section in _sections.values():
        key = _section_key(section.name)
        context = cache.get(key) if seconds else None
        if context is None:
            context = section.context()
            if seconds:
                cache.set(key, context, seconds)
        rendered.append(RenderedSection(template=section.template, context=context))
    return rendered


def home_section_forget(name: str) -> None:
    """What the section ``name`` shows changed in a way that must not wait for its cache to
    run out (spam hidden, say): it is read again on the next visit."""
    cache.delete(_section_key(name))


def _section_key(name: str) -> str:
    return f"home:section:{name}"
