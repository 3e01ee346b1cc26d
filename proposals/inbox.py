"""Reads of the inbox: a member's notifications, what they watch, and how a notification is
said and linked (the same words on the page, in its email and in the digest)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from proposals.models import Notification, Proposal, Watch
from roles.models import Role
from skillsmatrix.members import member_page_stamp

# What a notification's line reads; the big columns (a proposal's changes, a version's
# snapshot, a role's texts) are never loaded for it.
_LINE_FIELDS = (
    "kind",
    "status",
    "state",
    "created_at",
    "read_at",
    "recipient_id",
    "proposal__title",
    "proposal__role__slug",
    "proposal__role__title",
    "version__number",
    "version__role__slug",
    "version__role__title",
    "actor__username",
    "comment__text",
    "comment__hidden_at",
    "comment__removed_at",
)


def inbox_notifications(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications (only the unread ones with ``unread_only``), newest first, with
    what their lines show (one query a page)."""
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return (
        notifications.select_related("proposal__role", "version__role", "actor", "comment")
        .only(*_LINE_FIELDS)
        .order_by("-created_at", "-pk")
    )


def notification_is_members(*, user: Any, notification_id: int) -> bool:
    """Whether ``notification_id`` is one of ``user``'s notifications (1 query)."""
    return Notification.objects.filter(pk=notification_id, recipient=user).exists()


# A bound on a count read after a change made outside the services (the admin, say).
UNREAD_CACHE_SECONDS = 300


def _unread_key(user_id: int) -> str:
    return f"proposals:inbox-unread:{user_id}"


def inbox_unread_count(*, user: Any) -> int:
    """How many of ``user``'s notifications are unread (none for visitors).

    Kept in the cache with the member's page stamp it was counted under (the stamp changes
    after every commit that writes or reads one of their notifications): 1 query when the
    stamp moved on, none otherwise. The stamp is read before counting, so a count that races
    a change is stored under the old stamp and counted again."""
    if user is None or not user.is_authenticated:
        return 0
    stamp = member_page_stamp(user)
    kept = cache.get(_unread_key(user.pk))
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == stamp:
        return int(kept[1])
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    cache.set(_unread_key(user.pk), (stamp, count), UNREAD_CACHE_SECONDS)
    return count


def is_watching(*, user: Any, role: Role | None = None, proposal: Proposal | None = None) -> bool:
    """Whether ``user`` watches the role or the proposal (1 query; none for visitors)."""
    if not user.is_authenticated:
        return False
    subject = {"role": role} if role is not None else {"proposal": proposal}
    return Watch.objects.filter(user=user, **subject).exists()


def _title(notification: Notification) -> str:
    return notification.proposal.title if notification.proposal else ""


def notification_summary(notification: Notification) -> str:
    """One line saying what happened, in the active language."""
    kind = notification.kind
    Kind = Notification.Kind
    values = {
        "title": _title(notification),
        "actor": notification.actor.get_username() if notification.actor else _("Someone"),
        "status": Proposal.Status(notification.status).label if notification.status else "",
    }
    if kind == Kind.ROLE_VERSION:
        version = notification.version
        return _("%(role)s has a new version: %(number)s") % {
            "role": version.role.title if version else "",
            "number": version.number if version else "",
        }
    if kind == Kind.ROLE_PROPOSAL:
        values["role"] = notification.proposal.role.title if notification.proposal else ""
        return _("%(actor)s proposed “%(title)s” to the role %(role)s") % values
    texts: dict[str, str] = {
        Kind.STATUS: _("Your proposal “%(title)s” is now: %(status)s"),
        Kind.REVIEW: _("“%(title)s” is waiting for your review"),
        Kind.COMMENT: _("%(actor)s commented on “%(title)s”"),
        Kind.REPLY: _("%(actor)s replied to your comment on “%(title)s”"),
        Kind.MENTION: _("%(actor)s mentioned you on “%(title)s”"),
        Kind.WATCHED_STATUS: _("“%(title)s”, which you watch, is now: %(status)s"),
        Kind.VOTE_SET_ASIDE: _(
            "%(actor)s revised the changes of “%(title)s”: your vote was set aside, vote again"
        ),
    }
    return texts[kind] % values


def notification_excerpt(notification: Notification) -> str:
    """The start of the comment it tells of ("" for others); a placeholder for a comment
    flags hid or a moderator removed."""
    comment = notification.comment
    if comment is None:
        return ""
    if comment.removed_at is not None:
        return _("[removed by a moderator]")
    if comment.hidden_at is not None:
        return _("[hidden pending moderation]")
    return Truncator(comment.text).chars(160)


def notification_path(notification: Notification) -> str:
    """Where it leads: the comment, the proposal, or the role's new version."""
    if notification.version is not None:
        version = notification.version
        return reverse("roles:version", args=[version.role.slug, version.number])
    path = reverse("proposals:detail", args=[notification.proposal_id])
    if notification.comment_id:
        return f"{path}#comment-{notification.comment_id}"
    return path
