"""History, version, compare and the Atom feed say v2 changes in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from roles.changes.types import parse_changes
from roles.models import Role
from roles.services import document_import, role_change_apply

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "harbour-works.framework.json"


@pytest.fixture
def changed_engineer():
    document_import(raw=EXAMPLE.read_bytes())
    role = Role.objects.get(slug="hw-software-engineer")
    changes = parse_changes(
        [
            {"op": "set_level_field", "level": "em", "field": "track", "value": "ic"},
            {
                "op": "set_cell",
                "skill": "hw-testing",
                "level": "senior",
                "cell": {"code": "4", "summary": "Reviews others' tests", "examples": ["New"]},
            },
            {
                "op": "set_scale",
                "scale": {
                    "slug": "proficiency",
                    "name": "Proficiency",
                    "steps": [
                        {"code": "1", "name": "Aware"},
                        {"code": "2", "name": "Foundational"},
                        {"code": "3", "name": "Working"},
                        {"code": "4", "name": "Senior practitioner"},
                        {"code": "5", "name": "Expert"},
                    ],
                },
            },
        ]
    )
    role_change_apply(role=role, changes=changes, author=None, source="admin", message="v2 edit")
    return role


def test_history_and_feed_say_the_changes_in_words(client, changed_engineer):
    history = client.get("/roles/hw-software-engineer/history/").content.decode()
    assert "moved to the track ic" in history
    feed = client.get("/roles/hw-software-engineer/history/feed/").content.decode()
    assert "moved to the track ic" in feed
    assert "Scale proficiency" in feed


def test_compare_names_what_changed(client, changed_engineer):
    page = client.get("/roles/hw-software-engineer/compare/?from=1&to=2").content.decode()
    assert "moved to the track ic" in page
    assert "step 4 renamed “Practitioner” → “Senior practitioner”" in page
    assert "details, examples, links changed" in page


def test_the_old_version_page_renders(client, changed_engineer):
    response = client.get("/roles/hw-software-engineer/versions/1/")
    assert response.status_code == 200
    assert "Engineering Manager" in response.content.decode()
