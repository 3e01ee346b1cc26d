"""Who may do what, in the pages and the API: every persona × every action.

Personas: anonymous, a member whose email is not verified, a member, the proposal's author, an
expert of a domain it touches, an expert of another domain, and staff (a verified member without
expertise). "ok" means the action happened; otherwise the status code the refusal answers with.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from proposals.models import Comment, Proposal, Review, Vote
from proposals.services import expertise_grant
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory, VoteFactory
from roles.models import SkillDomain

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "unverified", "member", "author", "expert_in", "expert_out", "staff"]

# action: {persona: expected in HTML, expected in the API}; None = no such operation there.
Expected = int | str | None
TABLE: dict[str, dict[str, tuple[Expected, Expected]]] = {
    "propose": {
        "anonymous": (302, 401),
        "unverified": (403, 403),
        "member": ("ok", "ok"),
        "author": ("ok", "ok"),
        "expert_in": ("ok", "ok"),
        "expert_out": ("ok", "ok"),
        "staff": ("ok", "ok"),
    },
    "vote": {
        "anonymous": (302, 401),
        "unverified": (403, 403),
        "member": ("ok", "ok"),
        "author": (403, 403),
        "expert_in": ("ok", "ok"),
        "expert_out": ("ok", "ok"),
        "staff": ("ok", "ok"),
    },
    "retract": {
        "anonymous": (302, 401),
        "unverified": (403, 403),
        "member": ("ok", "ok"),
        "author": (404, 404),  # authors have no vote to take back
        "expert_in": ("ok", "ok"),
        "expert_out": ("ok", "ok"),
        "staff": ("ok", "ok"),
    },
    "comment": {
        "anonymous": (302, None),
        "unverified": (403, None),
        "member": ("ok", None),
        "author": ("ok", None),
        "expert_in": ("ok", None),
        "expert_out": ("ok", None),
        "staff": ("ok", None),
    },
    "withdraw": {
        "anonymous": (302, 401),
        "unverified": (403, 403),
        "member": (403, 403),
        "author": ("ok", "ok"),
        "expert_in": (403, 403),
        "expert_out": (403, 403),
        "staff": (403, 403),
    },
    "review": {
        "anonymous": (302, 401),
        "unverified": (403, 403),
        "member": (403, 403),
        "author": (403, 403),  # even as a global expert
        "expert_in": ("ok", "ok"),
        "expert_out": (403, 403),
        "staff": (403, 403),
    },
}
CASES = [
    (action, persona, channel, TABLE[action][persona][index])
    for action in TABLE
    for persona in PERSONAS
    for index, channel in enumerate(("html", "api"))
    if TABLE[action][persona][index] is not None
]


@pytest.fixture
def people(proposal, author):
    cloud = SkillDomain.objects.get(slug="cloud-infrastructure")
    api = SkillDomain.objects.get(slug="api-integration")
    people = {
        "anonymous": None,
        "unverified": UserFactory.create(verified=False),
        "member": UserFactory.create(),
        "author": author,
        "expert_in": UserFactory.create(),
        "expert_out": UserFactory.create(),
        "staff": UserFactory.create(is_staff=True),
    }
    expertise_grant(user=people["expert_in"], domain=cloud)
    expertise_grant(user=people["expert_out"], domain=api)
    expertise_grant(user=author)  # a global expert still does not review their own proposal
    return people


def _happened(action: str, proposal: Proposal, user) -> bool:
    proposal.refresh_from_db()
    return {
        "propose": lambda: Proposal.objects.filter(title="Permission check").exists(),
        "vote": lambda: Vote.objects.filter(proposal=proposal, voter=user).exists(),
        "retract": lambda: not Vote.objects.filter(proposal=proposal, voter=user).exists(),
        "comment": lambda: Comment.objects.filter(proposal=proposal).exists(),
        "withdraw": lambda: proposal.status == "withdrawn",
        "review": lambda: Review.objects.filter(proposal=proposal, reviewer=user).exists(),
    }[action]()


def _html(client, action: str, pk: int):
    editor = {
        "rows": "1",
        "base_version": "1",
        "title": "Permission check",
        "rationale": "r",
        "change-0-op": "set_requirement",
        "change-0-skill": "docker",
        "change-0-level": "senior",
        "change-0-code": "E",
        "change-0-mandatory": "on",
        "action": "submit",
    }
    return {
        "propose": lambda: client.post("/proposals/new/?role=mlops-engineer", editor),
        "vote": lambda: client.post(f"/proposals/{pk}/vote/", {"value": "1"}),
        "retract": lambda: client.post(f"/proposals/{pk}/vote/", {"value": "retract"}),
        "comment": lambda: client.post(f"/proposals/{pk}/comments/", {"text": "Hi"}),
        "withdraw": lambda: client.post(f"/proposals/{pk}/withdraw/"),
        "review": lambda: client.post(
            f"/proposals/{pk}/review/", {"decision": "approve", "comment": "ok"}
        ),
    }[action]()


def _api(client: APIClient, action: str, pk: int):
    body = {
        "role": "mlops-engineer",
        "title": "Permission check",
        "rationale": "r",
        "changes": [DOCKER_SENIOR_E],
    }
    return {
        "propose": lambda: client.post("/api/v1/proposals/", body, format="json"),
        "vote": lambda: client.post(f"/api/v1/proposals/{pk}/vote/", {"value": 1}, format="json"),
        "retract": lambda: client.delete(f"/api/v1/proposals/{pk}/vote/"),
        "withdraw": lambda: client.post(f"/api/v1/proposals/{pk}/withdraw/"),
        "review": lambda: client.post(
            f"/api/v1/proposals/{pk}/review/",
            {"decision": "approve", "comment": "ok"},
            format="json",
        ),
    }[action]()


@pytest.mark.parametrize(("action", "persona", "channel", "expected"), CASES)
def test_permission_table(client, people, proposal, action, persona, channel, expected):
    user = people[persona]
    if action == "review":
        Proposal.objects.filter(pk=proposal.pk).update(status="in_review")
    if action == "retract" and user is not None and user != proposal.author:
        VoteFactory.create(proposal=proposal, voter=user, value=1)
    if channel == "html":
        if user is not None:
            client.force_login(user)
        response = _html(client, action, proposal.pk)
    else:
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        response = _api(api, action, proposal.pk)
    if expected == "ok":
        assert response.status_code in (200, 201, 303), response.content[:300]
        assert _happened(action, proposal, user)
    else:
        assert response.status_code == expected, response.content[:300]
        if action != "retract":
            assert not _happened(action, proposal, user)
