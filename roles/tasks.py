"""Background work of the roles app: warming the role page's cache after a new version.

Thin: the task takes ids and calls :func:`roles.pages.role_page_warm`, which re-reads the role
and does nothing for a version that is no longer current, so a retried or duplicated task is
harmless. Services send it by name (``skillsmatrix.background.send_after_commit``) and never
import this module: tasks sit above services (DESIGN §3).
"""

from __future__ import annotations

from celery import shared_task

from roles.pages import role_page_warm
from skillsmatrix.background import IDEMPOTENT_TASK


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=20, time_limit=30)
def role_page_warm_task(*, role_id: int, version: int) -> list[str]:
    """Render the role page at ``version`` in every language, so its first visitors get it from
    the cache; nothing when the role has moved on to a newer version (whose task warms it)."""
    return role_page_warm(role_id=role_id, version=version)
