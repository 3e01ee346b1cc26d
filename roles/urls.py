from __future__ import annotations

from django.urls import path

from roles import feeds, views
from skillsmatrix.themes import theme_set

app_name = "roles"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("feed/", feeds.LatestVersionsFeed(), name="feed"),
    # The site-wide theme switch, under the name pages have always used.
    path("theme/", theme_set, name="theme"),
    path("frameworks/", views.framework_list_page, name="framework_list"),
    path("frameworks/<slug:slug>/", views.framework_detail_page, name="framework_detail"),
    path("roles/<slug:slug>/", views.role_detail, name="detail"),
    path("roles/<slug:slug>/export.json", views.role_export_json_view, name="export_json"),
    path("roles/<slug:slug>/export.csv", views.role_export_csv_view, name="export_csv"),
    path(
        "roles/<slug:slug>/cells/<slug:skill>/<slug:level>/",
        views.cell_detail,
        name="cell",
    ),
    path("roles/<slug:slug>/history/", views.role_history, name="history"),
    path("roles/<slug:slug>/history/feed/", feeds.RoleHistoryFeed(), name="history-feed"),
    path(
        "roles/<slug:slug>/versions/<int:number>/",
        views.role_version_detail,
        name="version",
    ),
    path("roles/<slug:slug>/compare/", views.role_compare_page, name="compare"),
]
