"""Background work of the proposals app: closing due proposals and sending the outbox's emails.

Thin: each task takes ids (or nothing), calls a service that re-reads the state, and does
nothing when the work was done already, so a retried or duplicated task is harmless.
"""

from __future__ import annotations

from celery import shared_task

from proposals.notify import digests_send, notification_send, notifications_send_pending
from proposals.services import proposals_close_due
from skillsmatrix.background import IDEMPOTENT_TASK


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=50, time_limit=60)
def proposals_close_due_task() -> int:
    """Close every proposal whose voting window has ended (beat: every minute)."""
    return len(proposals_close_due())


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=30, time_limit=60)
def notification_send_task(*, notification_id: int) -> bool:
    """Send one outbox email unless it was sent already."""
    return notification_send(notification_id=notification_id)


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=50, time_limit=60)
def notifications_sweep() -> int:
    """Send the outbox's emails whose task was lost or failed (beat: every minute)."""
    return notifications_send_pending()


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=600, time_limit=660)
def digests_send_task() -> int:
    """Send every member's daily digest of their waiting notifications (beat: daily)."""
    return digests_send()
