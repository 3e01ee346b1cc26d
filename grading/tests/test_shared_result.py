"""A shared assessment speaks to its owner ("Your grade") and to anyone else in the third
person (issue 18); the calculator, the same result include, stays the viewer's own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from grading.models import Assessment
from grading.selectors import grading_sheet_get

pytestmark = pytest.mark.django_db


def _shared(client, role) -> str:
    sheet = grading_sheet_get(role=role)
    data = {f"rating-{skill.slug}": "A" for skill in sheet.skills}
    response = client.post(reverse("grading:share", kwargs={"slug": role.slug}), data)
    return response["Location"]


def test_a_stranger_sees_the_grade_not_your_grade(client, seed_role):
    owner = User.objects.create_user(username="owner", password="pw-owner-123")
    client.force_login(owner)
    url = _shared(client, seed_role)
    assert Assessment.objects.get().user == owner
    mine = client.get(url).content.decode()
    assert "Your grade" in mine

    client.logout()
    theirs = client.get(url).content.decode()
    assert "Your grade" not in theirs
    assert "Your result" not in theirs
    assert "You rated" not in theirs
    assert '<span class="grade-label">Grade</span>' in theirs
    assert "56 of 56 skills rated." in theirs


def test_the_calculator_still_says_your_grade(client, seed_role):
    html = client.get(reverse("grading:calculator", kwargs={"slug": seed_role.slug})).content
    assert "Your grade" in html.decode()
