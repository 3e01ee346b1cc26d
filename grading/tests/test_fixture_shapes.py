"""Our own frameworks of each shape grade as their rules say, through the API (DESIGN §5): a
five-step forked ladder, a points ladder with a points table, a yes/no checklist, a role with no
levels, twelve levels; and the grade POST keeps its query budget on a large v2 role."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from roles.services import document_import
from roles.tests import framework_fixtures as fixtures
from roles.tests.test_v2_pages import large_v2_document

pytestmark = pytest.mark.django_db


def imported(document: dict[str, Any]) -> None:
    document_import(raw=json.dumps(document).encode())


def grade(client, slug: str, ratings: Mapping[str, str | None]) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/roles/{slug}/grade/", {"ratings": ratings}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_forked_ladder_takes_the_higher_ranked_track_and_each_path_has_its_gaps(client):
    imported(fixtures.five_step_forked())

    body = grade(client, "q-engineer", {"q-design": "3", "q-care": "4"})

    paths = {p["track"]: (p["grade"], p["next_level"], p["gaps"]) for p in body["paths"]}
    builder_grade, builder_next, builder_gaps = paths["builder"]
    assert (builder_grade, builder_next) == ("l3", "b4")
    assert [(g["skill"], g["rating"], g["code"]) for g in builder_gaps] == [("q-design", "3", "4")]
    leader_grade, leader_next, leader_gaps = paths["leader"]
    # m4 asks Design 3 only as optional (met) and Care 4; m5's Design is n/a, never counted.
    assert (leader_grade, leader_next) == ("m4", "m5")
    assert [(g["skill"], g["rating"], g["code"]) for g in leader_gaps] == [("q-care", "4", "5")]
    # Leader 4 (rank 4) outranks Level three (rank 3): the overall grade follows that path.
    assert (body["grade"], body["next_level"]) == ("m4", "m5")


def test_a_points_ladder_uses_the_rules_points_table_over_the_steps_own(client):
    imported(fixtures.points_ladder())

    ratings = {"tw-building": "M2", "tw-helping": "s1", "tw-tooling": "A"}
    body = grade(client, "tw-engineer", ratings)

    # M2 2.5 (the step's) + s1 2 + A 1 (the table's) = 5.5: past g2's 3.5, short of g3's 10.
    assert body["points"]["total"] == 5.5
    assert (body["grade"], body["next_level"]) == ("g2", "g3")
    assert body["points"]["thresholds"][-1] == {
        "level": "g3",
        "threshold": 10,
        "reached": False,
        "missing": 4.5,
    }
    # M3 is worth 7 by the table (0 on the step): +4.5, then Two stars +3, then W +1.
    assert [(s["skill"], s["next"], s["adds"]) for s in body["points"]["suggestions"]] == [
        ("tw-building", "M3", 4.5),
        ("tw-helping", "s2", 3),
        ("tw-tooling", "W", 1),
    ]


def test_a_yes_no_checklist_counts_no_as_the_lower_step(client):
    imported(fixtures.yes_no_checklist())

    partly = grade(client, "cl-analyst", {"cl-writes-it-down": "yes", "cl-asks": "no"})
    every = grade(
        client, "cl-analyst", {"cl-writes-it-down": "yes", "cl-asks": "yes", "cl-tidies": "yes"}
    )

    assert (partly["grade"], partly["next_level"]) == ("a1", "a2")
    assert [g["skill"] for g in partly["gaps"]] == ["cl-asks", "cl-tidies"]
    assert (every["grade"], every["next_level"], every["gaps"]) == ("a2", None, [])


def test_roles_without_levels_have_nothing_to_grade(client):
    imported(fixtures.role_without_levels())

    body = grade(client, "solo-cto", {})

    assert (body["status"], body["grade"], body["next_level"]) == ("nothing_to_grade", None, None)


def test_twelve_levels_grade_to_the_last(client):
    imported(fixtures.twelve_levels())

    body = grade(client, "twelve", {f"tw-{n}": "E" for n in range(12)})

    assert (body["grade"], body["next_level"]) == ("t12", None)
    assert len(body["levels"]) == 12


def test_the_grade_post_keeps_its_budget_on_a_large_v2_role(client, django_assert_max_num_queries):
    imported(large_v2_document())
    slug = large_v2_document()["roles"][0]["slug"]
    ratings = {row["skill"]: None for row in large_v2_document()["roles"][0]["skills"]}
    grade(client, slug, ratings)  # the sheet is now in the process

    with django_assert_max_num_queries(1):  # the role
        body = grade(client, slug, ratings)
    assert body["status"] == "graded"

    with django_assert_max_num_queries(2):  # the role and the version's snapshot
        page = client.get(f"/roles/{slug}/grade/")
    assert page.status_code == 200
