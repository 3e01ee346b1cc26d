"""Public pages of the roles app: the catalogue, the role page, a matrix cell's details, and each
role's public history (its versions, one version's page, and the comparison of two).

Each view serves its full page and, for htmx requests, the fragment defined inline in the same
template with ``{% partialdef %}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import condition, require_safe

from roles.exports import role_export_csv, role_export_json
from roles.forms import CompareForm
from roles.home import home_sections
from roles.models import Role
from roles.pages import (
    MATRIX_CACHE_SECONDS,
    ROLE_PAGE_TEMPLATE,
    deploy_fingerprint,
    role_open_cells,
    role_page_context,
)
from roles.presenters import (
    CellDetail,
    FrameworkSummary,
    RoleMatrix,
    comparison_domains,
    comparison_text_changes,
    role_page_build,
    state_domains,
    text_excerpt,
)
from roles.selectors import (
    family_list_with_roles,
    framework_list,
    framework_page_get,
    framework_source,
    role_cell_get,
    role_compare,
    role_get,
    role_matrix_for,
    role_version_get,
    role_version_latest,
    role_version_list,
    skill_search,
    version_state,
)
from skillsmatrix.http import HtmxHttpRequest
from skillsmatrix.members import member_page_stamp
from skillsmatrix.themes import theme_from


def can_see_matrix_health(request: HttpRequest) -> bool:
    """Matrix-health flags are for curators: active staff who may change roles."""
    user = request.user
    return bool(user.is_active and user.is_staff and user.has_perm("roles.change_role"))


# How many of the newest role versions the home page lists.
HOME_VERSIONS = 5


@require_safe
def catalogue(request: HtmxHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    families = family_list_with_roles(search=search)
    context = {
        "families": families,
        "skill_matches": skill_search(search=search),
        "search": search,
        # For the page's description and preview.
        "role_titles": [
            role.title
            for family in families
            for role in family.matching_roles  # type: ignore[attr-defined] # the selector's
        ],
    }
    template = "roles/catalogue.html" + ("#results" if request.htmx else "")
    if not request.htmx and not search:
        # The home page around the catalogue: how the site works and what is happening (a
        # search's page shows only what matches).
        context["is_home"] = True
        context["latest_versions"] = role_version_latest(limit=HOME_VERSIONS)
        context["home_sections"] = home_sections()
        # The grade calculator's call goes to the role with the most skills (every role page
        # has its own calculator).
        context["calculator_role"] = max(
            (role for family in families for role in family.matching_roles),  # type: ignore[attr-defined]
            key=lambda role: role.skill_count,
            default=None,
        )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _role_for_request(request: HttpRequest, slug: str) -> Role:
    # The ETag function and the view both need the role; fetch it once per request.
    role = getattr(request, "_roles_role", None)
    if role is None or role.slug != slug:
        role = role_get(slug=slug)
        request._roles_role = role  # type: ignore[attr-defined]
    return role


def _role_detail_etag(request: HttpRequest, slug: str) -> str:
    """Changes whenever the page's HTML would: role version, language, theme, the user, their
    staff flag and what their header and watch button show (their page stamp), the CSRF secret
    the page embeds, and the deployed templates."""
    role = _role_for_request(request, slug)
    user = request.user
    parts = [
        str(role.pk),
        str(role.current_version),
        # With the pk, tells apart roles of a database that was reset and imported again.
        role.updated_at.isoformat(),
        get_language() or "",
        theme_from(request),
        str(user.pk or ""),
        str(can_see_matrix_health(request)),
        member_page_stamp(user),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        deploy_fingerprint(),
        # The cells marked as having open proposals change without a new version.
        role_open_cells(role_id=role.pk).stamp,
    ]
    return _etag(parts)


def _etag(parts: list[str]) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _revalidated(response: HttpResponse) -> HttpResponse:
    """Browsers revalidate every time; an unchanged page then costs one query and no body."""
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def _role_page(request: HttpRequest, role: Role, cell: CellDetail | None = None) -> HttpResponse:
    """The role page; with ``cell``, that cell's details open in its panel."""
    context = role_page_context(role=role, cell=cell, show_health=can_see_matrix_health(request))
    return _revalidated(render(request, ROLE_PAGE_TEMPLATE, context))


@require_safe
@condition(etag_func=_role_detail_etag)
def role_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _role_page(request, _role_for_request(request, slug))


def _role_export_etag(request: HttpRequest, slug: str) -> str:
    """Changes whenever a download would: role version, language (CSV headings) and deploy."""
    role = _role_for_request(request, slug)
    parts = [
        str(role.pk),
        str(role.current_version),
        role.updated_at.isoformat(),
        get_language() or "",
        deploy_fingerprint(),
    ]
    return _etag(parts)


# Each format: how it is built, its media type and what a spreadsheet needs first (Excel reads
# a CSV as UTF-8 only after a byte order mark).
_EXPORTS: dict[str, tuple[Callable[[RoleMatrix], str], str, str]] = {
    "json": (role_export_json, "application/json; charset=utf-8", ""),
    "csv": (role_export_csv, "text/csv; charset=utf-8", "\ufeff"),
}


def _role_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    role = _role_for_request(request, slug)
    build, content_type, prefix = _EXPORTS[fmt]
    # Kept like the role page's fragments: per version and language, never stale.
    key = f"roles:export:{fmt}:{_role_export_etag(request, slug)}"
    body = django_cache.get(key)
    if body is None:
        body = prefix + build(role_matrix_for(role))
        django_cache.set(key, body, MATRIX_CACHE_SECONDS)
    response = HttpResponse(body, content_type=content_type)
    filename = f"{role.slug}-v{role.current_version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _revalidated(response)


@require_safe
@condition(etag_func=_role_export_etag)
def role_export_json_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The role's §4 document, the same as the API's export and ``manage.py export_role``."""
    return _role_export(request, slug, "json")


@require_safe
@condition(etag_func=_role_export_etag)
def role_export_csv_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The role's matrix for spreadsheets: one row per skill, one column per level."""
    return _role_export(request, slug, "csv")


def _serves_fragment(request: HtmxHttpRequest) -> bool:
    # htmx asks for the whole page when it restores a history entry it has no snapshot of.
    return bool(request.htmx and not request.htmx.history_restore_request)


def _cell_detail_etag(request: HtmxHttpRequest, slug: str, skill: str, level: str) -> str | None:
    """For the whole page (what Back and Forward reload): the role page's ETag and the cell.
    None for the fragment, which keeps to its own queries."""
    if _serves_fragment(request):
        return None
    return _etag([_role_detail_etag(request, slug), skill, level])


@require_safe
@condition(etag_func=_cell_detail_etag)
def cell_detail(request: HtmxHttpRequest, slug: str, skill: str, level: str) -> HttpResponse:
    """One cell's details: the panel's fragment for htmx, which also puts this URL in the
    address bar; otherwise the role page with the panel open, so the address can be shared,
    bookmarked and gone back to, with or without JavaScript."""
    cell = role_cell_get(slug=slug, skill_slug=skill, level_code=level)
    if _serves_fragment(request):
        response = render(
            request, "roles/role_detail.html#panel", {"cell": cell, "role": cell.role}
        )
    else:
        response = _role_page(request, _role_for_request(request, slug), cell)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return _revalidated(response)


HISTORY_PAGE_SIZE = 20


@require_safe
def role_history(request: HttpRequest, slug: str) -> HttpResponse:
    """A role's versions, newest first: 3 queries (role, count, page) whatever their number."""
    role = role_get(slug=slug)
    page = Paginator(role_version_list(role=role), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"role": role, "page_obj": page, "versions": page.object_list}
    return render(request, "roles/history.html", context)


@require_safe
def role_version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The role page as it was at one version, read from that version's snapshot (2 queries)."""
    role = role_get(slug=slug)
    version = role_version_get(role=role, number=number)
    state = version_state(version)
    context = {
        "role": role,
        "version": version,
        "state": state,
        "domains": state_domains(state),
        # A v2 role is shown in its own layout, as its current page shows it.
        "page": role_page_build(state) if state.markdown else None,
        "is_current": version.number == role.current_version,
    }
    return render(request, "roles/version_detail.html", context)


@require_safe
def role_compare_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Two versions side by side, cell by cell. Without a choice it compares the latest version
    with the one before; a malformed choice is a 400 with the form, an unknown version a 404."""
    role = role_get(slug=slug)
    form = CompareForm(
        request.GET if {"from", "to"} & set(request.GET) else None,
        latest=role.current_version,
    )
    comparison = None
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        old, new = form.numbers()
        if old >= 1:
            comparison = role_compare(role=role, old=old, new=new)
    domains = comparison_domains(comparison) if comparison else []
    context = {
        "role": role,
        "form": form,
        "comparison": comparison,
        "domains": domains,
        # The cells' changed texts, their words marked as the proposal page marks them.
        "text_changes": comparison_text_changes(domains),
    }
    return render(request, "roles/compare.html", context, status=status)


@require_safe
def framework_list_page(request: HttpRequest) -> HttpResponse:
    """Every framework, the site's own included, with its licence and number of roles."""
    frameworks = [
        FrameworkSummary(
            framework=framework,
            source=framework_source(framework),
            excerpt=text_excerpt(framework.description),
        )
        for framework in framework_list()
    ]
    return render(request, "roles/framework_list.html", {"frameworks": frameworks})


@require_safe
def framework_detail_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A framework: where it comes from, its roles by family, its scales and tracks, and the
    band its roles' levels sit on (DESIGN §8: at most 6 queries, whatever its roles)."""
    page = framework_page_get(slug=slug)
    return render(
        request, "roles/framework_detail.html", {"page": page, "framework": page.framework}
    )
