"""The emails of the notification outbox, rendered in the recipient's language: one per
notification sent at once, and the daily digest of those that wait for it. Each carries a
one-click unsubscribe link for its kind (RFC 8058's ``List-Unsubscribe-Post``), and a
``Message-ID`` derived from its rows, so that one sent again (a worker killed after sending it,
before marking it sent) is the same message to every mail system."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from proposals.inbox import notification_excerpt, notification_path, notification_summary
from proposals.models import Notification, Proposal
from proposals.notify import unsubscribe_token
from proposals.selectors import proposal_preview

# The kinds with an email of their own; the others share the plain one ("notice").
_OWN_TEMPLATES = {Notification.Kind.STATUS, Notification.Kind.REVIEW}


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return _absolute(
        reverse("proposals:unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)])
    )


def message_id(local_part: str) -> str:
    """A stable ``Message-ID`` for ``local_part`` (what the email stands for) on the site's
    domain (``SITE_URL``): RFC 5322 asks that a resent message keep its id."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{local_part}@{domain}>"


def _message(
    *,
    recipient: User,
    name: str,
    context: dict[str, Any],
    language: str,
    unsubscribe: str,
    message_id: str,
) -> EmailMultiAlternatives:
    subject = render_to_string(f"{name}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body=render_to_string(f"{name}_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": message_id,
            "Content-Language": language,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{name}_body.html", context), "text/html")
    return message


def notification_email(notification: Notification, *, language: str) -> EmailMultiAlternatives:
    """The email ``notification`` stands for, in ``language`` (plain text and HTML)."""
    proposal = notification.proposal
    recipient = notification.recipient
    with translation.override(language):
        unsubscribe = unsubscribe_url(user_id=recipient.pk, kind=notification.kind)
        context: dict[str, Any] = {
            "recipient": recipient,
            "notification": notification,
            "summary": notification_summary(notification),
            "excerpt": notification_excerpt(notification),
            "url": _absolute(notification_path(notification)),
            "kind_label": Notification.Kind(notification.kind).label,
            "unsubscribe_url": unsubscribe,
            "inbox_url": _absolute(reverse("proposals:inbox")),
            "settings_url": _absolute(reverse("profile") + "#email-notifications"),
        }
        if notification.kind in _OWN_TEMPLATES and proposal is not None:
            context |= {
                "proposal": proposal,
                "status": notification.status,
                "status_label": Proposal.Status(notification.status).label,
                "role_title": proposal.role.title,
                "proposal_url": _absolute(reverse("proposals:detail", args=[proposal.pk])),
                "quorum": settings.VOTING_QUORUM,
                # The changed texts old → new, so the email can be read without the page.
                "preview": proposal_preview(proposal=proposal),
                "applied_version": (
                    proposal.applied_version.number if proposal.applied_version else None
                ),
            }
            name = f"proposals/email/{notification.kind}"
        else:
            name = "proposals/email/notice"
        return _message(
            recipient=recipient,
            name=name,
            context=context,
            language=language,
            unsubscribe=unsubscribe,
            message_id=message_id(f"notification-{notification.pk}"),
        )


def digest_email(
    recipient: User, notifications: Sequence[Notification], *, language: str
) -> EmailMultiAlternatives:
    """One member's daily digest of ``notifications``, in ``language``, with an unsubscribe
    link for each kind it holds (the header's stops the digest's first kind)."""
    with translation.override(language):
        kinds = list(dict.fromkeys(n.kind for n in notifications))
        entries = [
            {
                "summary": notification_summary(n),
                "excerpt": notification_excerpt(n),
                "url": _absolute(notification_path(n)),
            }
            for n in notifications
        ]
        unsubscribes: list[dict[str, str]] = [
            {
                "label": str(Notification.Kind(kind).label),
                "url": unsubscribe_url(user_id=recipient.pk, kind=kind),
            }
            for kind in kinds
        ]
        context = {
            "recipient": recipient,
            "entries": entries,
            "count": len(entries),
            "unsubscribes": unsubscribes,
            "inbox_url": _absolute(reverse("proposals:inbox")),
            "settings_url": _absolute(reverse("proposals:email_settings")),
        }
        return _message(
            recipient=recipient,
            name="proposals/email/digest",
            context=context,
            language=language,
            unsubscribe=unsubscribes[0]["url"],
            # The digest of these rows: sent again, it holds the same ones.
            message_id=message_id(f"digest-{recipient.pk}-{_rows_digest(notifications)}"),
        )


def _rows_digest(notifications: Sequence[Notification]) -> str:
    ids = ",".join(str(pk) for pk in sorted(n.pk for n in notifications))
    return hashlib.sha256(ids.encode()).hexdigest()[:16]
