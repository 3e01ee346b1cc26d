"""Until the engine grades format v2's shapes, the calculator and the API say a role cannot be
graded yet (or has nothing to grade) — never a wrong grade."""

from __future__ import annotations

from pathlib import Path

import pytest

from roles.services import document_import

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "roles" / "data" / "harbour-works.framework.json"


@pytest.fixture
def harbour_works():
    document_import(raw=EXAMPLE.read_bytes())


@pytest.mark.parametrize(
    ("slug", "status", "words"),
    [
        ("hw-software-engineer", "not_supported", "forks into tracks"),
        ("hw-site-reliability", "not_supported", "scales of their own"),
        ("hw-growth-ladder", "not_supported", "grading rule is not supported yet"),
        ("hw-head-of-engineering", "nothing_to_grade", "nothing to grade"),
    ],
)
def test_the_api_refuses_to_grade_what_it_cannot_grade_exactly(
    client, harbour_works, slug, status, words
):
    response = client.post(
        f"/api/v1/roles/{slug}/grade/", {"ratings": {}}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["status"] == status
    assert words in response.json()["message"]


def test_the_calculator_page_says_so_with_a_way_back(client, harbour_works):
    response = client.get("/roles/hw-software-engineer/grade/")
    assert response.status_code == 422
    page = response.content.decode()
    assert "grading forked ladders is not supported yet" in page
    assert 'href="/roles/hw-software-engineer/"' in page
    spanish = client.get("/roles/hw-head-of-engineering/grade/", HTTP_ACCEPT_LANGUAGE="es")
    assert "no tiene nada que evaluar" in spanish.content.decode()


def test_sharing_an_assessment_of_such_a_role_is_refused(client, harbour_works):
    response = client.post("/roles/hw-site-reliability/grade/share/", {})
    assert response.status_code == 422
