"""Issue 18: a conflicted proposal names its places in words, shows the role's current value
beside the proposed one, and "Propose it again" opens the editor with the same changes."""

from __future__ import annotations

import pytest

from proposals.models import Proposal
from proposals.selectors import conflict_place_words, role_current_state
from proposals.services import review_submit
from roles.changes.types import parse_changes
from roles.services import role_change_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflicted(in_review, author, domain_expert) -> Proposal:
    """Docker · Senior A → E proposed; a curator set it to W meanwhile; approved: conflict."""
    role_change_apply(
        role=in_review.role,
        changes=parse_changes(
            [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "W"}]
        ),
        author=author,
        source="admin",
        message="Curator edit",
    )
    review_submit(proposal=in_review, reviewer=domain_expert, decision="approve", comment="ok")
    in_review.refresh_from_db()
    assert in_review.status == Proposal.Status.CONFLICT
    return in_review


def test_places_read_as_skill_and_level_names(seed_role):
    state = role_current_state(role=seed_role)
    assert conflict_place_words(state, "cell:docker:senior") == "Docker · Senior"
    assert conflict_place_words(state, "level:senior:focus") == "Senior · focus"
    assert conflict_place_words(state, "skill:docker") == "Docker"
    assert conflict_place_words(state, "layout") == "the order of the skills"
    assert conflict_place_words(state, "Some problem in words") == "Some problem in words"


def test_the_conflict_names_its_place_and_shows_the_current_value(client, conflicted):
    page = client.get(f"/proposals/{conflicted.pk}/").content.decode()
    places = page.split("data-conflicts")[1].split("</ul>")[0]
    assert "Docker · Senior" in places
    assert "cell:docker:senior" not in page
    assert "data-preview-current" in page
    row = page.split("preview-row--changed")[1].split("</tr>")[0]
    # The Senior cell: the current W beside the proposed E, not the stale A.
    assert "code--W" in row
    assert "code--E" in row
    changed = [cell for cell in row.split("<td")[1:] if "is-changed" in cell]
    assert len(changed) == 1
    assert "code--A" not in changed[0]


def test_propose_it_again_opens_the_editor_with_the_same_changes(client, conflicted):
    page = client.get(f"/proposals/{conflicted.pk}/").content.decode()
    assert f"?role=mlops-engineer&amp;again={conflicted.pk}" in page
    client.force_login(conflicted.author)
    editor = client.get(f"/proposals/new/?role=mlops-engineer&again={conflicted.pk}")
    body = editor.content.decode()
    assert editor.status_code == 200
    assert 'value="Seniors master Docker"' in body
    assert f'name="base_version" value="{conflicted.role.current_version}"' in body
    row = body.split('class="change-row"')[1]
    assert '<option value="docker" selected>' in row
    assert '<option value="senior" selected>' in row
    assert '<option value="E" selected>' in row
