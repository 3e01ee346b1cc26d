"""Background work of the grading app: forgetting old anonymous assessments."""

from __future__ import annotations

from celery import shared_task

from grading.services import assessments_purge_anonymous
from skillsmatrix.background import IDEMPOTENT_TASK


@shared_task(**IDEMPOTENT_TASK, soft_time_limit=240, time_limit=300)
def assessments_purge_task() -> int:
    """Delete visitors' assessments older than ``ASSESSMENT_RETENTION_DAYS`` (beat: hourly)."""
    return assessments_purge_anonymous()
