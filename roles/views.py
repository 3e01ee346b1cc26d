from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from roles.selectors import family_list_with_roles, role_matrix_get


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    families = family_list_with_roles(search=search)
    return render(request, "roles/catalogue.html", {"families": families, "search": search})


@require_GET
def role_detail(request: HttpRequest, slug: str) -> HttpResponse:
    matrix = role_matrix_get(slug=slug)
    return render(request, "roles/role_detail.html", {"matrix": matrix, "role": matrix.role})
