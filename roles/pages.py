"""The role page's rendering, shared by its view and by the task that warms its cache.

Everything on the role page computed from the role's data sits in fragments cached per role
version and language (``{% cache %}`` in ``roles/role_detail.html``). The view renders the whole
page for a request; :func:`role_page_warm` renders only the visitors' cached fragment, from the
same template and the same context, so it stores exactly the entry a visitor's request would.
No request is involved: the fragment reads nothing of one (its one request-dependent input, the
language, is passed as ``LANGUAGE_CODE``, as the i18n context processor would).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache as django_cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from roles.models import Role
from roles.presenters import (
    CellDetail,
    RoleMatrix,
    role_matrix_drops,
    role_matrix_stats,
    role_page_build,
)
from roles.selectors import role_matrix_for, role_queryset, role_state_from_matrix

ROLE_PAGE_TEMPLATE = "roles/role_detail.html"
# The fragment a visitor (anyone but a curator) gets from the cache: the hero and the body.
VISITOR_FRAGMENT = ROLE_PAGE_TEMPLATE + "#visitor_page"
# A rendered matrix is keyed by role version, so it never goes stale; the timeout only frees
# memory held by versions nobody asks for any more.
MATRIX_CACHE_SECONDS = 24 * 60 * 60
# Everything that shapes the HTML besides the data: when a deploy changes one of these files,
# cached fragments and browsers' copies (ETags) are dropped with it.
_FINGERPRINT_DIRS = (
    Path(__file__).resolve().parent / "templates",
    Path(__file__).resolve().parent / "locale",
    settings.BASE_DIR / "skillsmatrix" / "templates",
    settings.BASE_DIR / "templates",
    settings.BASE_DIR / "static",
    settings.BASE_DIR / "locale",
)


def deploy_fingerprint() -> str:
    """A short hash of the templates, catalogues and static files this process serves."""
    # In development files change under a running server; in production only with a deploy.
    return _fingerprint() if settings.DEBUG else _fingerprint_once()


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for directory in _FINGERPRINT_DIRS:
        if not directory.exists():
            continue
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_fingerprint_once = cache(_fingerprint)


# --- Cells with open proposals -------------------------------------------------------------------
# The proposals app tells roles how to find them (roles does not import proposals, DESIGN §3):
# a callable taking a role's pk and giving (skill, level) pairs, level "" for a whole skill.
_open_cells_source: Callable[[int], Iterable[tuple[str, str]]] | None = None
# Kept until a proposal of the role opens or closes (the proposals app forgets it then); the
# timeout only bounds how long a missed forget could show a stale mark.
OPEN_CELLS_CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class OpenCells:
    """The cells of a role that open proposals touch, and a stamp that changes with them (it
    keys the cached fragments and the ETag, so a mark appears and goes at once)."""

    cells: frozenset[str] = frozenset()

    @property
    def stamp(self) -> str:
        joined = "|".join(sorted(self.cells))
        return hashlib.sha256(joined.encode()).hexdigest()[:12] if joined else "none"

    def touched(self, skill: str, level: str) -> bool:
        return f"{skill}:{level}" in self.cells or f"{skill}:" in self.cells


def open_cells_source_set(source: Callable[[int], Iterable[tuple[str, str]]] | None) -> None:
    """Where :func:`role_open_cells` finds the cells of open proposals (set by proposals)."""
    global _open_cells_source  # one hook, set once at start-up
    _open_cells_source = source


def _open_cells_key(role_id: int) -> str:
    return f"roles:open-cells:{role_id}"


def role_open_cells(*, role_id: int) -> OpenCells:
    """The cells of ``role_id`` with open proposals: from the cache, else one query."""
    if _open_cells_source is None:
        return OpenCells()
    cells = django_cache.get(_open_cells_key(role_id))
    if cells is None:
        cells = sorted({f"{skill}:{level}" for skill, level in _open_cells_source(role_id)})
        django_cache.set(_open_cells_key(role_id), cells, OPEN_CELLS_CACHE_SECONDS)
    return OpenCells(frozenset(cells))


def role_open_cells_forget(*, role_id: int) -> None:
    """A proposal of the role opened or closed: its marks are read again on the next visit."""
    django_cache.delete(_open_cells_key(role_id))


def role_page_context(
    *, role: Role, cell: CellDetail | None = None, show_health: bool = False
) -> dict[str, Any]:
    """The role page's template context; with ``cell``, that cell's details open in its panel,
    with ``show_health`` the curators' matrix-health box. Nothing is queried here: the matrix
    is loaded only when a cached fragment misses (a hit costs just the role's query)."""
    # The proxy stands in for the matrix it loads.
    matrix = cast(RoleMatrix, SimpleLazyObject(lambda: role_matrix_for(role)))
    return {
        "role": role,
        "cell": cell,
        # Marks the open cell in the matrix, JavaScript or not.
        "open_skill": cell.skill.slug if cell else None,
        "open_level": cell.level.code if cell else None,
        "matrix": matrix,
        "stats": SimpleLazyObject(lambda: role_matrix_stats(matrix)),
        "drops": SimpleLazyObject(lambda: role_matrix_drops(matrix)) if show_health else None,
        # A v2 role's layouts, from its state (built from the same matrix, no more queries).
        "page": SimpleLazyObject(lambda: role_page_build(role_state_from_matrix(matrix))),
        "show_health": show_health,
        # One reverse() per page; the matrix builds each cell's URL from it.
        "role_url": reverse("roles:detail", args=[role.slug]),
        # By URL name only: roles does not import grading (DESIGN §3).
        "grade_url": reverse("grading:calculator", args=[role.slug]),
        "matrix_cache_seconds": MATRIX_CACHE_SECONDS,
        "deploy_fingerprint": deploy_fingerprint(),
        "open_cells": role_open_cells(role_id=role.pk),
    }


def role_page_warm(*, role_id: int, version: int) -> list[str]:
    """Render the visitors' cached fragment of the role page in every language, so it is there
    for the first visitors of ``version``. The languages warmed: none when the role is
    unpublished or already has a newer version (whose own warming counts). Harmless when
    repeated: a fragment already cached is left as it is."""
    role = role_queryset().filter(pk=role_id).first()
    if role is None or role.current_version != version:
        return []
    warmed = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            # What the i18n context processor gives a visitor's request in this language.
            context = {**role_page_context(role=role), "LANGUAGE_CODE": code}
            render_to_string(VISITOR_FRAGMENT, context)
        warmed.append(code)
    return warmed
