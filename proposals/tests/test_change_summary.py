"""Each row of the proposal list says what it changes ("Docker · Senior: A → E, +2 more"): the
first change in the preview's words against the base version, then how many more; the list
stays within its query budget however many proposals, roles and base versions it shows."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from proposals.models import Proposal
from proposals.selectors import ChangeSummary, change_summary, role_current_state
from proposals.services import proposal_create
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from roles.changes.types import SetRequirement
from roles.models import Role, RoleVersion
from roles.selectors import version_state_kept
from roles.services import document_import, role_change_apply

pytestmark = pytest.mark.django_db

EXAMPLE = Path(django_settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"


@pytest.fixture
def seed_state(seed_role):
    return role_current_state(role=seed_role)


@pytest.fixture
def hw_role() -> Role:
    document_import(raw=EXAMPLE.read_bytes())
    return Role.objects.get(slug="hw-software-engineer")


@pytest.fixture
def hw_state(hw_role):
    return role_current_state(role=hw_role)


def _first(state, change) -> str:
    summary = change_summary(state, [change])
    assert summary is not None
    assert summary.more == 0
    return summary.first


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (DOCKER_SENIOR_E, "Docker · Senior: A → E"),
        ({**DOCKER_SENIOR_E, "mandatory": False}, "Docker · Senior: A → E, optional"),
        ({**DOCKER_SENIOR_E, "code": None}, "Docker · Senior: A → —"),
        (
            {"op": "set_details", "skill": "docker", "level": "senior", "text": "Multi-stage."},
            "Docker · Senior · details",
        ),
        (
            {
                "op": "add_skill",
                "skill": {"name": "Triton Inference Server", "domain": "Model Serving"},
                "requirements": {"senior": "W"},
            },
            "+ Triton Inference Server",
        ),
        ({"op": "remove_skill", "skill": "docker"}, "\N{MINUS SIGN} Docker"),
        ({"op": "set_focus", "level": "senior", "text": "Owns the platform."}, "Focus of Senior"),
        ({"op": "set_stack", "level": "lead", "items": ["Argo CD"]}, "Tech stack of Lead"),
    ],
)
def test_the_words_of_each_kind_of_change_on_a_v1_role(seed_state, change, words):
    assert _first(seed_state, change) == words


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"op": "set_cell", "skill": "hw-testing", "level": "e2", "cell": "4"},
            "Testing · E2: 3 Working → 4 Practitioner",
        ),
        (
            {"op": "set_cell", "skill": "hw-operations", "level": "director", "cell": "n/a"},
            "Operations · Director: 3 Working → n/a",
        ),
        (
            {
                "op": "set_cell",
                "skill": "hw-testing",
                "level": "e2",
                "cell": {"code": "3", "summary": "Tests the hard cases"},
            },
            "Testing · E2 · summary",
        ),
        (
            {"op": "set_row", "skill": "hw-testing", "description": "Tests *our* services."},
            "What Testing means in this role",
        ),
        (
            {"op": "set_level_field", "level": "senior", "field": "rank", "value": 7},
            "Band of Senior",
        ),
        (
            {
                "op": "set_scale",
                "scale": {
                    "slug": "proficiency",
                    "name": "Proficiency levels",
                    "steps": [{"code": str(n), "name": f"Step {n}"} for n in range(1, 6)],
                },
            },
            "Proficiency levels",
        ),
    ],
)
def test_the_words_of_each_kind_of_change_on_a_v2_role(hw_state, change, words):
    level_names = {level.code: level.name for level in hw_state.levels}
    words = words.replace("E2", level_names["e2"]).replace("Director", level_names["director"])
    assert _first(hw_state, change) == words.replace("Senior", level_names["senior"])


def test_more_changes_are_counted_and_a_version_that_cannot_show_them_names_the_change(
    seed_state,
):
    changes = [DOCKER_SENIOR_E, {"op": "set_focus", "level": "senior", "text": "x"}] * 2
    assert change_summary(seed_state, changes) == ChangeSummary("Docker · Senior: A → E", 3)
    # No state (the version is gone), or one without the skill: the change in its own terms.
    assert change_summary(None, changes[:1]) == ChangeSummary(
        "set_requirement · docker · senior · E", 0
    )
    ghost = {**DOCKER_SENIOR_E, "skill": "no-such-skill"}
    assert change_summary(seed_state, [ghost]).first == "no-such-skill · Senior: — → E"
    assert change_summary(seed_state, []) is None


def _propose(role: Role, author, title: str, changes: list[dict], **kwargs) -> Proposal:
    return proposal_create(
        role=role, author=author, title=title, rationale="Because.", changes=changes, **kwargs
    )


def test_the_list_says_what_each_proposal_changes_and_links_its_author(client, seed_role):
    author = UserFactory.create(username="ada")
    _propose(
        seed_role,
        author,
        "Docker for seniors",
        [
            DOCKER_SENIOR_E,
            {"op": "set_focus", "level": "senior", "text": "Owns the platform."},
            {"op": "set_stack", "level": "senior", "items": ["Argo CD"]},
        ],
    )
    body = html.unescape(client.get("/proposals/").content.decode())
    assert "Docker · Senior: A → E, +2 more" in body
    assert 'href="/members/ada/"' in body
    fragment = html.unescape(client.get("/proposals/", HTTP_HX_REQUEST="true").content.decode())
    assert "Docker · Senior: A → E, +2 more" in fragment


def test_a_row_says_the_old_value_of_its_base_version(client, seed_role):
    """Written against version 1 (Docker at Senior: A); the role has moved on since."""
    _propose(seed_role, UserFactory.create(), "Docker for seniors", [DOCKER_SENIOR_E])
    role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="docker", level="senior", code="W")],
        author=None,
        source=RoleVersion.Source.ADMIN,
    )
    body = html.unescape(client.get("/proposals/").content.decode())
    assert "Docker · Senior: A → E" in body


def test_the_list_of_many_proposals_on_many_versions_keeps_its_query_budget(
    client, seed_role, hw_role, settings, django_assert_max_num_queries, django_assert_num_queries
):
    settings.NEW_MEMBER_OPEN_PROPOSALS = 10
    authors = UserFactory.create_batch(6)
    # Seed role: proposals on version 1, then on version 2 (after a change of another cell).
    for index in range(8):
        _propose(seed_role, authors[index % 6], f"On version 1 #{index}", [DOCKER_SENIOR_E])
    role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="docker", level="junior", code="W")],
        author=None,
        source=RoleVersion.Source.ADMIN,
    )
    seed_role.refresh_from_db()
    for index in range(7):
        changes = [
            {**DOCKER_SENIOR_E, "level": "lead", "code": "W"},
            {"op": "set_focus", "level": "lead", "text": f"Leads #{index}."},
        ]
        _propose(seed_role, authors[index % 6], f"On version 2 #{index}", changes)
    # The v2 framework role: set_cell changes in its scale's words.
    for index in range(7):
        change = {"op": "set_cell", "skill": "hw-testing", "level": "e2", "cell": "4"}
        _propose(hw_role, authors[index % 6], f"On the framework #{index}", [change])
    assert Proposal.objects.count() == 22
    client.force_login(UserFactory.create())
    client.get("/proposals/")
    version_state_kept.cache_clear()  # a process that has read none of the versions yet
    # session, user, count, the page's proposals with tallies and comment counts, the three
    # base versions' states (one query for all), roles and domains for the filters (the
    # authors' reputations and the unread count kept)
    with django_assert_max_num_queries(8):
        body = html.unescape(client.get("/proposals/").content.decode())
    assert body.count("Docker · Senior: A → E") == 6  # newest first: 6 of the 8 on page 1
    assert body.count("Docker · Lead: E → W, +1 more") == 7
    assert body.count("Testing · ") == 7
    assert "3 Working → 4 Practitioner" in body
    with django_assert_num_queries(6):  # the same, every state kept now
        body = html.unescape(client.get("/proposals/?page=2").content.decode())
    assert body.count("Docker · Senior: A → E") == 2
