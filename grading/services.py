"""Writes of the grading domain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grading.errors import AssessmentError as AssessmentError  # exported: callers catch it
from grading.models import Assessment
from grading.selectors import GradingSheet, grade_ratings
from roles.models import Role


def _clean_ratings(sheet: GradingSheet, ratings: Mapping[str, str | None]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for slug, code in ratings.items():
        skill = sheet.skill(slug)
        if skill is None:
            raise AssessmentError(_("Unknown skill %(skill)s.") % {"skill": slug})
        if code is None or code == "":
            continue
        if code not in skill.step_codes:
            raise AssessmentError(
                _("The rating of %(skill)s must be one of %(steps)s.")
                % {"skill": skill.name, "steps": ", ".join(skill.step_codes)}
            )
        cleaned[slug] = code
    return cleaned


@transaction.atomic
def assessment_create(
    *,
    role: Role,
    sheet: GradingSheet,
    ratings: Mapping[str, str | None],
    user: User | AnonymousUser | None = None,
) -> Assessment:
    """Store ``ratings`` against ``role`` at its current version (``sheet`` is that version's
    sheet) with an unguessable share token, and the grade they give, for the history list.

    Unrated skills are left out. Raises :class:`AssessmentError` on an unknown skill or code,
    or when no skill is rated at all.
    """
    if role.current_version < 1:
        raise AssessmentError(_("This role has no published version to assess against yet."))
    if sheet.nothing_to_grade:
        raise AssessmentError(_("This role has nothing to grade: it has no levels to reach."))
    cleaned = _clean_ratings(sheet, ratings)
    if not cleaned:
        # A result with nothing rated says nothing about anyone: not worth a share link.
        raise AssessmentError(_("Rate at least one skill before saving your result."))
    result = grade_ratings(sheet=sheet, ratings=cleaned)
    level = sheet.level(result.grade)
    assessment = Assessment(
        role=role,
        role_version=role.current_version,
        ratings=cleaned,
        grade=result.grade or "",
        grade_name=level.name if level else "",
        user=user if user is not None and user.is_authenticated else None,
    )
    try:
        assessment.full_clean()
    except ValidationError as exc:
        raise AssessmentError("; ".join(exc.messages)) from None
    try:
        # A savepoint, so a token collision (astronomically unlikely) leaves the outer
        # transaction usable for the caller.
        with transaction.atomic():
            assessment.save()
    except IntegrityError as exc:
        raise AssessmentError(_("The assessment could not be saved; please try again.")) from exc
    return assessment


def assessments_purge_anonymous(*, now: datetime | None = None) -> int:
    """Delete assessments saved without a member that are older than
    ``ASSESSMENT_RETENTION_DAYS``; members' own assessments are kept. How many went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ASSESSMENT_RETENTION_DAYS)
    deleted, _rows = Assessment.objects.filter(user__isnull=True, created_at__lt=cutoff).delete()
    return deleted
