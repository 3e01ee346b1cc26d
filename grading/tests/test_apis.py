"""POST /api/v1/roles/<slug>/grade/ (DESIGN §7)."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from grading.selectors import grade_ratings, grading_sheet_get
from roles.services import role_import
from roles.tests.factories import role_document


@pytest.fixture
def api():
    return APIClient()


def url(slug: str) -> str:
    return f"/api/v1/roles/{slug}/grade/"


def test_grading_returns_the_design_shape(api, seed_role):
    response = api.post(
        url(seed_role.slug), {"ratings": {"github-copilot": "W", "cursor-ide": None}}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "grade", "next_level", "levels", "gaps"}
    assert body["status"] == "graded"
    assert body["grade"] is None
    assert body["next_level"] == "junior"
    assert [level["code"] for level in body["levels"]] == [
        "junior",
        "middle",
        "senior",
        "lead",
        "principal",
    ]
    assert set(body["levels"][0]) == {"code", "met", "coverage"}
    assert body["levels"][0]["coverage"] == pytest.approx(1 / 56)
    assert body["gaps"][0] == {
        "skill": "cursor-ide",
        "domain": "ai-assisted-development",
        "code": "A",
        "rating": None,
        "mandatory": True,
        "steps": 1,
    }
    assert "github-copilot" not in {gap["skill"] for gap in body["gaps"]}


def test_the_api_agrees_with_the_engine_on_a_role_with_optional_and_empty_cells(api, db):
    role = role_import(raw=role_document(levels=4, domains=2, skills_per_domain=5)).role
    sheet = grading_sheet_get(role=role)
    ratings = {skill.slug: "AWE"[index % 3] for index, skill in enumerate(sheet.skills[:7])}

    body = api.post(url(role.slug), {"ratings": ratings}, format="json").json()

    result = grade_ratings(sheet=sheet, ratings=ratings)
    assert body["grade"] == result.grade
    assert body["next_level"] == result.next_level
    assert [(lv["code"], lv["met"], lv["coverage"]) for lv in body["levels"]] == [
        (lv.code, lv.met, lv.coverage) for lv in result.levels
    ]
    assert [
        (g["skill"], g["code"], g["rating"], g["mandatory"], g["steps"]) for g in body["gaps"]
    ] == [(g.skill, g.code, g.rating_code, g.mandatory, g.steps) for g in result.gaps]
    assert any(not gap["mandatory"] for gap in body["gaps"]) or body["next_level"] is None


def test_at_the_top_next_level_is_null_and_there_are_no_gaps(api, seed_role):
    sheet = grading_sheet_get(role=seed_role)

    body = api.post(
        url(seed_role.slug), {"ratings": {s.slug: "E" for s in sheet.skills}}, format="json"
    ).json()

    assert body["grade"] == "principal"
    assert body["next_level"] is None
    assert body["gaps"] == []
    assert all(level["met"] and level["coverage"] == 1.0 for level in body["levels"])


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({"ratings": {"no-such-skill": "A"}}, "unknown skill 'no-such-skill'"),
        ({"ratings": {"github-copilot": "X"}}, '"X" is not a rating'),
        ({"ratings": {"github-copilot": 2}}, '"2" is not a rating'),
        ({"ratings": {"github-copilot": ""}}, "github-copilot"),
        ({"ratings": {"github-copilot": ["A"]}}, "\"['A']\" is not a rating"),
        ({"ratings": {"github-copilot": {"A": 1}}}, "is not a rating"),
        ({"ratings": ["github-copilot"]}, "ratings: Expected a dictionary"),
        ({"ratings": "A"}, "ratings: Expected a dictionary"),
        ({}, "ratings: This field is required"),
        ([1, 2], "Expected a dictionary"),
    ],
)
def test_bad_input_is_a_400_naming_the_problem(api, seed_role, body, message_part):
    response = api.post(url(seed_role.slug), body, format="json")

    assert response.status_code == 400
    assert message_part in response.json()["message"]


@pytest.mark.parametrize("raw", ["not json", '{"ratings": {', "", "null"])
def test_a_body_that_is_not_a_json_object_is_a_400(api, seed_role, raw):
    response = api.generic("POST", url(seed_role.slug), raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ('{"ratings": ' * 2000 + "{}" + "}" * 2000, "nested deeper than 32 levels"),
        ('{"ratings": {"\\ud800": "A"}}', "$.ratings: key contains a lone surrogate"),
        ('{"ratings": {"docker": "\\udfff"}}', "$.ratings.docker: text contains a lone surrogate"),
        ('{"ratings": {"docker": ' + "9" * 5000 + "}}", "$.ratings.docker: number too long"),
        ('{"ratings": {"docker": NaN}}', "NaN is not a JSON number"),
    ],
)
def test_hostile_json_is_a_400_in_json_naming_the_place(api, seed_role, raw, message_part):
    response = api.generic("POST", url(seed_role.slug), raw, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message_part in response.json()["message"]


def test_more_ratings_than_the_role_has_skills_are_refused_at_once(api, seed_role):
    # 100 000 made-up ratings (1.5 MB) used to be validated and echoed one by one: 6.9 MB of
    # errors and seconds of CPU.
    body = json.dumps({"ratings": {f"skill-{i}": "X" for i in range(100_000)}})

    response = api.generic("POST", url(seed_role.slug), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["message"] == "ratings: 100000 ratings for a role of 56 skills"
    assert len(response.content) < 500


def test_many_bad_ratings_report_the_first_few_and_a_count(api, seed_role):
    ratings = {f"no-skill-{i}": "A" for i in range(50)}
    ratings["docker"] = "Z"

    response = api.post(url(seed_role.slug), {"ratings": ratings}, format="json")

    body = response.json()
    assert response.status_code == 400
    assert body["message"] == (
        "ratings.no-skill-0: unknown skill 'no-skill-0' in role 'mlops-engineer'"
        " (51 problems in all)"
    )
    assert list(body["errors"]["ratings"]) == [f"no-skill-{i}" for i in range(5)]
    assert body["error_count"] == 51


def test_one_bad_rating_is_named_with_the_ratings_there_are(api, seed_role):
    response = api.post(url(seed_role.slug), {"ratings": {"docker": "X"}}, format="json")

    problem = '"X" is not a rating of Docker: use "A", "W", "E" or null.'
    assert response.status_code == 400
    assert response.json() == {
        "message": f"ratings.docker: {problem}",
        "errors": {"ratings": {"docker": [problem]}},
        "error_count": 1,
    }


def test_two_bad_ratings_say_how_many_problems_there_are(api, seed_role):
    ratings = {"docker": "X", "redis": "A", "no-skill": "A"}

    response = api.post(url(seed_role.slug), {"ratings": ratings}, format="json")

    assert response.json()["message"] == (
        'ratings.docker: "X" is not a rating of Docker: use "A", "W", "E" or null. '
        "(2 problems in all)"
    )


def test_more_ratings_than_a_one_skill_role_has(api, db):
    role = role_import(raw=role_document(slug="one", domains=1, skills_per_domain=1)).role
    ratings = {"skill-0-0": "A", "other": "A"}

    response = api.post(url(role.slug), {"ratings": ratings}, format="json")

    message = "2 ratings for a role of 1 skill"
    assert response.status_code == 400
    assert response.json()["message"] == f"ratings: {message}"
    assert response.json()["errors"] == {"ratings": [message]}


@pytest.mark.parametrize(("skill", "shown"), [("x" * 60, "x" * 60), ("x" * 61, "x" * 59 + "…")])
def test_an_echoed_value_is_cut_after_60_characters(api, seed_role, skill, shown):
    response = api.post(url(seed_role.slug), {"ratings": {skill: "A"}}, format="json")

    assert response.json()["message"] == (
        f"ratings.{shown}: unknown skill '{shown}' in role 'mlops-engineer'"
    )
    assert list(response.json()["errors"]["ratings"]) == [shown]


def test_echoed_values_are_shortened(api, seed_role):
    response = api.post(url(seed_role.slug), {"ratings": {"x" * 10_000: "A"}}, format="json")

    assert response.status_code == 400
    assert len(response.content) < 500


def test_unknown_role_is_a_404_with_a_message(api, db):
    response = api.post(url("no-such-role"), {"ratings": {}}, format="json")

    assert response.status_code == 404
    assert "no-such-role" in response.json()["message"]


def test_other_methods_and_media_types_are_4xx(api, seed_role):
    assert api.get(url(seed_role.slug)).status_code == 405
    form = api.post(url(seed_role.slug), {"ratings": "x"})  # multipart, not JSON
    assert form.status_code == 415
    assert form.json()["message"]


def test_grading_stays_within_four_queries_on_a_big_role(
    api, big_role, django_assert_max_num_queries
):
    sheet_ratings = {f"skill-{d}-{s}": "W" for d in range(42) for s in range(4)}

    # Cold: 1 the role (with its family), 2 the current version's snapshot.
    with django_assert_max_num_queries(4):
        cold = api.post(url(big_role.slug), {"ratings": sheet_ratings}, format="json")
    # Warm: the role from the cache, the sheet from the process.
    with django_assert_max_num_queries(0):
        warm = api.post(url(big_role.slug), {"ratings": sheet_ratings}, format="json")

    assert cold.status_code == warm.status_code == 200
    assert cold.json() == warm.json()
    assert len(cold.json()["levels"]) == 5


def test_a_signed_in_session_stays_within_four_queries_and_needs_csrf(
    big_role, member, django_assert_max_num_queries
):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    body = json.dumps({"ratings": {"skill-0-0": "A"}})

    refused = client.post(url(big_role.slug), body, content_type="application/json")
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    # 1 session, 2 user, 3 role, 4 snapshot.
    with django_assert_max_num_queries(4):
        accepted = client.post(
            url(big_role.slug), body, content_type="application/json", HTTP_X_CSRFTOKEN=token
        )

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    assert accepted.status_code == 200


def test_the_hot_path_body_matches_the_documented_serializer(seed_role):
    from rest_framework.renderers import JSONRenderer

    from grading.apis import RoleGradeApi, grade_result_data, grade_result_json
    from grading.engine import Gap, GradeResult
    from grading.selectors import grade_ratings, grading_sheet_get

    sheet = grading_sheet_get(role=seed_role)
    results = [
        grade_ratings(sheet=sheet, ratings=ratings)
        for ratings in ({}, {"docker": "W", "redis": "E"}, {s.slug: "E" for s in sheet.skills})
    ]
    # Text the renderer escapes (JSON allows U+2028/2029 raw; JavaScript did not).
    odd = Gap(
        skill="a\u2028b", domain="\u2029é", level="l", code="A", rating=0, mandatory=True, steps=1
    )
    results.append(GradeResult(grade=None, next_level="l", levels=(), gaps=(odd,)))
    for result in results:
        data = grade_result_data(result)
        # Every field documented, with the documented types (a dict serializes the keys it has).
        documented = RoleGradeApi.OutputSerializer(data).data
        assert data == documented
        assert grade_result_json(result) == JSONRenderer().render(documented)
    assert b"a\\u2028b" in grade_result_json(results[-1])
