"""The Atom feeds of a role's versions and of every role's (Django's syndication framework)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roles.models import Role, RoleVersion
from roles.selectors import role_get, role_version_latest, role_version_list
from roles.templatetags.roles_tags import (
    version_author,
    version_change_count,
    version_summary,
)

FEED_SIZE = 20
ENTRY_LINES = 10  # the changes an entry lists; "and N more" says the rest


class RoleHistoryFeed(Feed[RoleVersion, Role]):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Role:
        return role_get(slug=slug)

    def title(self, obj: Role) -> str:
        return _("%(role)s: changes") % {"role": obj.title}

    def subtitle(self, obj: Role) -> str:
        return _("Every new version of the %(role)s skills matrix.") % {"role": obj.title}

    def link(self, obj: Role) -> str:
        return reverse("roles:history", args=[obj.slug])

    def items(self, obj: Role) -> QuerySet[RoleVersion]:
        return role_version_list(role=obj).select_related("role")[:FEED_SIZE]

    def item_title(self, item: RoleVersion) -> str:
        return _("Version %(number)d") % {"number": item.number}

    def item_description(self, item: RoleVersion) -> str:
        lines = version_summary(item, limit=ENTRY_LINES) or [item.message or _("No change listed")]
        more = version_change_count(item) - ENTRY_LINES
        if more > 0:
            lines.append(ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more})
        return str(format_html_join("", "<p>{}</p>", ((line,) for line in lines)))

    def item_link(self, item: RoleVersion) -> str:
        return reverse("roles:version", args=[item.role.slug, item.number])

    def item_pubdate(self, item: RoleVersion) -> datetime:
        return item.created_at

    def item_updateddate(self, item: RoleVersion) -> datetime:
        return item.created_at

    def item_author_name(self, item: RoleVersion) -> str:
        return version_author(item)


class LatestVersionsFeed(RoleHistoryFeed):
    """Every published role's new versions, newest first: the site's one feed to follow."""

    def get_object(self, request: HttpRequest) -> None:  # type: ignore[override]
        return None

    def title(self, obj: None) -> str:  # type: ignore[override]
        return _("Skills Matrix: new versions")

    def subtitle(self, obj: None) -> str:  # type: ignore[override]
        return _("Every new version of every role's skills matrix.")

    def link(self, obj: None) -> str:  # type: ignore[override]
        return reverse("roles:catalogue")

    def items(self, obj: None) -> list[RoleVersion]:  # type: ignore[override]
        return role_version_latest(limit=FEED_SIZE)

    def item_title(self, item: RoleVersion) -> str:
        return _("%(role)s, version %(number)d") % {"role": item.role.title, "number": item.number}
