"""Grading any framework (DESIGN §5 v2) through the API, the calculator page and saved
assessments, on the worked example: a forked ladder, a checklist, a points ladder and a role with
nothing to grade."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from grading.models import Assessment
from roles.services import document_import

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "roles" / "data" / "harbour-works.framework.json"
SWE = {
    "hw-testing": "4",
    "hw-operations": "3",
    "hw-planning": "3",
    "hw-coaching": "2",
    "hw-hiring": "2",
}


@pytest.fixture
def harbour_works():
    document_import(raw=EXAMPLE.read_bytes())


def grade(client, slug: str, ratings: Mapping[str, str | None]):
    return client.post(
        f"/api/v1/roles/{slug}/grade/", {"ratings": ratings}, content_type="application/json"
    )


def gaps(items) -> list[tuple[str, str, str | None, int]]:
    return [(gap["skill"], gap["code"], gap["rating"], gap["steps"]) for gap in items]


def test_a_forked_ladder_grades_each_track_and_the_overall_grade_is_the_highest(
    client, harbour_works
):
    body = grade(client, "hw-software-engineer", SWE).json()

    assert body["status"] == "graded"
    assert body["grade"] == "senior"
    assert [(p["track"], p["grade"], p["next_level"]) for p in body["paths"]] == [
        ("ic", "senior", "staff"),
        ("manager", "senior", "em"),
    ]
    ic, manager = body["paths"]
    assert gaps(ic["gaps"]) == [
        ("hw-testing", "5", "4", 1),
        ("hw-operations", "4", "3", 1),
        ("hw-planning", "4", "3", 1),
        ("hw-hiring", "3", "2", 1),
        ("hw-coaching", "3", "2", 1),
    ]
    assert gaps(manager["gaps"]) == [
        ("hw-planning", "4", "3", 1),
        ("hw-hiring", "4", "2", 2),
        ("hw-coaching", "4", "2", 2),
    ]
    # A tie on rank goes to the first path: next level and gaps are the IC track's.
    assert body["next_level"] == "staff"
    assert body["gaps"] == ic["gaps"]
    assert "points" not in body


def test_a_manager_is_not_blocked_by_an_ic_level(client, harbour_works):
    # Meets Engineering Manager, far from Staff Engineer's Testing 5.
    ratings = {**SWE, "hw-planning": "4", "hw-coaching": "4", "hw-hiring": "4", "hw-testing": "4"}

    body = grade(client, "hw-software-engineer", ratings).json()

    assert body["grade"] == "em"
    paths = {p["track"]: p for p in body["paths"]}
    assert paths["manager"]["grade"] == "em"
    assert paths["ic"]["grade"] == "senior"
    assert body["next_level"] == "director"


def test_a_points_ladder_grades_by_the_total(client, harbour_works):
    body = grade(client, "hw-growth-ladder", {"hw-shipping": "m3", "hw-mentoring": "m2"}).json()

    assert body["grade"] == "g3"
    assert body["next_level"] == "g4"
    assert body["gaps"] == []
    assert body["points"]["total"] == 9
    g4 = next(t for t in body["points"]["thresholds"] if t["level"] == "g4")
    assert g4 == {"level": "g4", "threshold": 18, "reached": False, "missing": 9}
    # The next step of Shipping (m3 → m4: +6) adds more than Mentoring's (m2 → m3: +3).
    assert [(s["skill"], s["next"], s["adds"]) for s in body["points"]["suggestions"]] == [
        ("hw-shipping", "m4", 6),
        ("hw-mentoring", "m3", 3),
    ]


def test_a_checklist_grades_behaviour_by_behaviour(client, harbour_works):
    body = grade(
        client, "hw-site-reliability", {"hw-asks-for-review": "Y", "hw-unblocks-others": "Y"}
    ).json()

    assert (body["grade"], body["next_level"]) == ("sre2", "sre3")
    assert gaps(body["gaps"]) == [("hw-owns-incidents", "Y", None, 1)]
    assert "paths" not in body


def test_a_role_with_no_levels_has_nothing_to_grade(client, harbour_works):
    response = grade(client, "hw-head-of-engineering", {"hw-hiring": "3"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "nothing_to_grade"
    assert body["grade"] is None
    assert body["next_level"] is None


def test_a_code_not_on_the_skills_scale_is_refused_naming_the_skill_and_its_steps(
    client, harbour_works
):
    response = grade(client, "hw-software-engineer", {"hw-testing": "E"})

    assert response.status_code == 400
    assert response.json()["message"] == (
        'ratings.hw-testing: "E" is not a rating of Testing: use "1", "2", "3", "4", "5" or null.'
    )


def test_the_calculator_page_rates_each_skill_on_its_own_scale_and_shows_both_tracks(
    client, harbour_works
):
    response = client.post(
        "/roles/hw-software-engineer/grade/", {f"rating-{k}": v for k, v in SWE.items()}
    )

    assert response.status_code == 200
    page = response.content.decode()
    # The five steps of the proficiency scale, with their names and the skill's own words.
    assert 'name="rating-hw-testing" value="5"' in page
    assert 'value="E"' not in page
    assert "Practitioner" in page
    assert "Designs the test strategy of a product line." in page
    assert re.search(r'data-grade="senior"', page)
    assert 'data-track="ic"' in page
    assert 'data-track="manager"' in page
    assert "Staff Engineer needs 5 skills" in page
    assert "Engineering Manager needs 3 skills" in page


def test_the_checklist_calculator_ticks_behaviours(client, harbour_works):
    page = client.get("/roles/hw-site-reliability/grade/").content.decode()

    assert page.count('type="checkbox" class="rating-check"') == 3
    response = client.post(
        "/roles/hw-site-reliability/grade/",
        {"rating-hw-asks-for-review": "Y", "rating-hw-unblocks-others": "Y"},
    )
    assert 'data-grade="sre2"' in response.content.decode()


def test_the_points_calculator_shows_the_total_and_the_thresholds(client, harbour_works):
    response = client.post(
        "/roles/hw-growth-ladder/grade/", {"rating-hw-shipping": "m3", "rating-hw-mentoring": "m2"}
    )

    page = response.content.decode()
    assert 'data-points-total="9"' in page
    assert 'data-grade="g3"' in page
    assert "9 to go" in page


def test_nothing_to_grade_is_said_on_the_calculator_and_the_role_page_offers_none(
    client, harbour_works
):
    response = client.get("/roles/hw-head-of-engineering/grade/")

    assert response.status_code == 200
    assert "nothing to grade" in response.content.decode()
    assert 'name="rating-' not in response.content.decode()
    role_page = client.get("/roles/hw-head-of-engineering/").content.decode()
    assert "/roles/hw-head-of-engineering/grade/" not in role_page
    assert (
        "/roles/hw-software-engineer/grade/"
        in client.get("/roles/hw-software-engineer/").content.decode()
    )


def test_a_saved_assessment_keeps_v2_ratings_and_its_result(client, harbour_works):
    response = client.post(
        "/roles/hw-software-engineer/grade/share/", {f"rating-{k}": v for k, v in SWE.items()}
    )

    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.ratings == SWE
    assert assessment.grade == "senior"
    page = client.get(response["Location"]).content.decode()
    assert 'data-grade="senior"' in page
