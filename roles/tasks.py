"""Background work of the roles app: warming the role page's cache after a new version."""

from __future__ import annotations

from celery import shared_task

from skillsmatrix.background import IDEMPOTENT_TASK


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=20, time_limit=30)
def role_page_warm_task(*, role_id: int, version: int) -> list[str]:
    """Render the role page at ``version`` in every language, so its first visitors get it from
    the cache; nothing when the role has moved on to a newer version (whose task warms it)."""
    from roles.views import role_page_warm  # the page's rendering lives with its view

    return role_page_warm(role_id=role_id, version=version)
