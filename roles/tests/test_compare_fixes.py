"""Compare (issue 18): a version the role does not have is a form error naming the range, a
version made by an accepted proposal links to it, and a cell's changed texts show their words
marked."""

from __future__ import annotations

import pytest

from roles.changes.types import SetFocus
from roles.models import RoleVersion
from roles.services import role_change_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(seed_role):
    role_change_apply(
        role=seed_role,
        changes=[SetFocus(level="lead", text="Lead the platform")],
        author=None,
        source="admin",
    )
    seed_role.refresh_from_db()
    return seed_role


def test_an_unknown_version_is_a_form_error_naming_the_range(client, two_versions):
    response = client.get("/roles/mlops-engineer/compare/?from=1&to=99")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<form method="get" class="compare-form"' in html
    assert "This role has versions 1 to 2." in html
    assert 'value="99"' in html  # the form keeps what was asked


def test_compare_links_the_proposal_behind_a_version(client, two_versions):
    RoleVersion.objects.filter(role=two_versions, number=2).update(source="proposal", proposal_id=7)
    html = client.get("/roles/mlops-engineer/compare/?from=1&to=2").content.decode()
    assert '<a href="/proposals/7/">proposal #7</a>' in html


def test_compare_marks_the_words_a_cells_details_changed(client, seed_role):
    from roles.changes.types import SetDetails

    for text in ("Builds images for one service.", "Builds small images for every service."):
        role_change_apply(
            role=seed_role,
            changes=[SetDetails(skill="docker", level="senior", text=text)],
            author=None,
            source="admin",
        )
    html = client.get("/roles/mlops-engineer/compare/?from=2&to=3").content.decode()

    texts = html.split("data-text-changes", 1)[1]
    assert "<strong>Docker · Senior</strong> · details:" in texts
    assert "<ins> small</ins>" in texts
    assert "<del>one</del> <ins>every</ins>" in texts
    assert "Builds" in texts  # the unchanged words are shown too, unmarked
    assert "<del>Builds" not in texts


def test_compare_marks_the_words_of_a_v2_cells_summary(client):
    from pathlib import Path

    from roles.changes.types import parse_changes
    from roles.models import Role
    from roles.services import document_import

    example = Path(__file__).resolve().parents[1] / "data" / "harbour-works.framework.json"
    document_import(raw=example.read_bytes())
    role = Role.objects.get(slug="hw-software-engineer")
    cell = {"code": "4", "summary": "Reviews the tests of others"}
    role_change_apply(
        role=role,
        changes=parse_changes(
            [{"op": "set_cell", "skill": "hw-testing", "level": "senior", "cell": cell}]
        ),
        author=None,
        source="admin",
    )
    html = client.get("/roles/hw-software-engineer/compare/?from=1&to=2").content.decode()

    texts = html.split("data-text-changes", 1)[1]
    assert "<strong>Testing · Senior Engineer</strong> · summary:" in texts
    assert "<del>others&#x27;</del> <ins>the</ins> tests<ins> of others</ins>" in texts
    # The new cell has no details: the old text is shown struck through.
    assert '· details: <span class="word-diff"><del>Reviews the tests in every' in texts
