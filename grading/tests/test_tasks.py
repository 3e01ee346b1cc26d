"""The hourly purge of visitors' old assessments (ASSESSMENT_RETENTION_DAYS)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grading.models import Assessment
from grading.tasks import assessments_purge_task

pytestmark = pytest.mark.django_db


def test_old_anonymous_assessments_are_purged_and_members_kept(seed_role, member, settings):
    settings.ASSESSMENT_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    kept_recent = Assessment.objects.create(role=seed_role, role_version=1)
    purged = Assessment.objects.create(role=seed_role, role_version=1)
    kept_member = Assessment.objects.create(role=seed_role, role_version=1, user=member)
    Assessment.objects.filter(pk__in=[purged.pk, kept_member.pk]).update(created_at=old)
    assert assessments_purge_task.delay().get() == 1
    assert set(Assessment.objects.values_list("pk", flat=True)) == {kept_recent.pk, kept_member.pk}
    # Running again finds nothing more to do.
    assert assessments_purge_task.delay().get() == 0
