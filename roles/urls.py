from __future__ import annotations

from django.urls import path

from roles import views

app_name = "roles"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("theme/", views.theme_set, name="theme"),
    path("roles/<slug:slug>/", views.role_detail, name="detail"),
    path(
        "roles/<slug:slug>/cells/<slug:skill>/<slug:level>/",
        views.cell_detail,
        name="cell",
    ),
]
