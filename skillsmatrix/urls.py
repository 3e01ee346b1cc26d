from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from skillsmatrix import views
from skillsmatrix.accounts import public as member_views
from skillsmatrix.accounts import views as account_views

# The admin speaks with the site's name, not "Django administration".
admin.site.site_header = _("Skills Matrix administration")
admin.site.site_title = _("Skills Matrix admin")
admin.site.index_title = _("Roles, skills and assessments")

api_v1 = [
    path("", include("roles.apis")),
    path("", include("grading.apis")),
    path("", include("proposals.apis")),
    path("", include("proposals.inbox_apis")),
]

handler400 = "skillsmatrix.views.bad_request"
handler404 = "skillsmatrix.views.page_not_found"
handler500 = "skillsmatrix.views.server_error"
# allauth answers its rate limits with this view.
handler429 = "skillsmatrix.accounts.views.rate_limited"

urlpatterns = [
    path("", include("roles.urls")),
    path("", include("grading.urls")),
    path("", include("proposals.urls")),
    # Before Django's own: a member's emails follow the language they switch to.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/profile/", account_views.profile, name="profile"),
    path(
        "accounts/profile/token/",
        account_views.api_token_regenerate_view,
        name="api_token_regenerate",
    ),
    path(
        "accounts/profile/notifications/",
        account_views.email_preferences_update,
        name="email_preferences",
    ),
    path("accounts/", include("allauth.urls")),
    # Any name a username can be, and more: an odd one is a clean 404 (member_get).
    path("members/<str:username>/", member_views.member_page, name="member"),
    # Before the admin's own: its sign-in goes through the site's (and its rate limits).
    path("admin/login/", account_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, JSON, files).
    path(
        "favicon.ico",
        # Lazily: the hashed name comes from the static files manifest, read when asked for.
        RedirectView.as_view(url=lazy(static, str)("icons/logo.svg"), permanent=True),
        name="favicon",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
