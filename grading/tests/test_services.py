from __future__ import annotations

import pytest
from django.db import IntegrityError

from grading.models import Assessment
from grading.selectors import grading_sheet_get
from grading.services import AssessmentError, assessment_create


def test_assessment_create_stores_ratings_version_grade_and_a_token(seed_role, member):
    sheet = grading_sheet_get(role=seed_role)
    ratings: dict[str, str | None] = {skill.slug: "A" for skill in sheet.skills}
    ratings["github-copilot"] = None

    assessment = assessment_create(role=seed_role, sheet=sheet, ratings=ratings, user=member)

    assessment.refresh_from_db()
    assert assessment.role_version == seed_role.current_version == 1
    assert "github-copilot" not in assessment.ratings
    assert len(assessment.ratings) == 55
    assert assessment.grade == ""  # one junior cell unmet
    assert assessment.user == member
    assert len(assessment.token) >= 32


def test_anonymous_assessments_have_no_user_and_distinct_tokens(seed_role, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    sheet = grading_sheet_get(role=seed_role)
    all_a = {skill.slug: "A" for skill in sheet.skills}

    first = assessment_create(role=seed_role, sheet=sheet, ratings=all_a, user=AnonymousUser())
    second = assessment_create(role=seed_role, sheet=sheet, ratings={"docker": "W"}, user=None)

    assert first.user is None
    assert first.token != second.token
    assert (first.grade, first.grade_name) == ("junior", "Junior")


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"no-such-skill": "A"}, r"^Unknown skill no-such-skill\.$"),
        ({"github-copilot": "X"}, r"^The rating of GitHub Copilot must be one of A, W, E\.$"),
    ],
)
def test_bad_ratings_are_refused_and_nothing_is_saved(seed_role, ratings, message):
    sheet = grading_sheet_get(role=seed_role)

    with pytest.raises(AssessmentError, match=message):
        assessment_create(role=seed_role, sheet=sheet, ratings=ratings)

    assert Assessment.objects.count() == 0


@pytest.mark.parametrize("ratings", [{}, {"docker": None, "github-copilot": ""}])
def test_an_assessment_with_no_rating_is_refused(seed_role, ratings):
    sheet = grading_sheet_get(role=seed_role)

    with pytest.raises(AssessmentError, match="Rate at least one skill"):
        assessment_create(role=seed_role, sheet=sheet, ratings=ratings)

    assert Assessment.objects.count() == 0


def test_the_database_refuses_a_short_token(seed_role):
    with pytest.raises(IntegrityError):
        Assessment.objects.create(role=seed_role, role_version=1, token="short")


def test_the_database_refuses_version_zero(seed_role):
    with pytest.raises(IntegrityError):
        Assessment.objects.create(role=seed_role, role_version=0)
