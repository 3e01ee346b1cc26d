"""Background work of the accounts: telling a member their account is being guessed.

Registered by ``skillsmatrix.apps`` (Celery's discovery finds only ``<app>.tasks`` modules), so
the worker knows it. Thin, as every task: ids and numbers in, the service does the rest.
"""

from __future__ import annotations

from celery import shared_task

from skillsmatrix.accounts.signin import sign_in_warning_send
from skillsmatrix.background import IDEMPOTENT_TASK


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=30, time_limit=60)
def sign_in_warning_task(*, user_id: int, failures: int, address: str, decided_at: int) -> bool:
    """Email the member that wrong passwords were tried for their account (once per window:
    the sign-in that sends this decides). A retry sends the same message (its Message-ID)."""
    return sign_in_warning_send(
        user_id=user_id, failures=failures, address=address, decided_at=decided_at
    )
