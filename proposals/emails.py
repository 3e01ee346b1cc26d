"""The emails of the notification outbox, rendered in the recipient's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from proposals.models import Notification, Proposal
from proposals.selectors import proposal_preview


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def notification_email(notification: Notification, *, language: str) -> EmailMultiAlternatives:
    """The email ``notification`` stands for, in ``language`` (plain text and HTML)."""
    proposal = notification.proposal
    with translation.override(language):
        context: dict[str, Any] = {
            "recipient": notification.recipient,
            "proposal": proposal,
            "status": notification.status,
            "status_label": Proposal.Status(notification.status).label,
            "role_title": proposal.role.title,
            "proposal_url": _absolute(reverse("proposals:detail", args=[proposal.pk])),
            "settings_url": _absolute(reverse("profile") + "#email-notifications"),
            "quorum": settings.VOTING_QUORUM,
            # The changed texts old → new, so the email can be read without the page.
            "preview": proposal_preview(proposal=proposal),
            "applied_version": (
                proposal.applied_version.number if proposal.applied_version else None
            ),
        }
        name = f"proposals/email/{notification.kind}"
        subject = render_to_string(f"{name}_subject.txt", context)
        message = EmailMultiAlternatives(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
            body=render_to_string(f"{name}_body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
            headers={"Content-Language": language},
        )
        message.attach_alternative(render_to_string(f"{name}_body.html", context), "text/html")
    return message
