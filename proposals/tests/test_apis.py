from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from proposals.models import Vote
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_list_and_detail_show_tallies_counted_from_rows():
    proposal = ProposalFactory.create(title="Docker for seniors")
    VoteFactory.create_batch(3, proposal=proposal, value=1)
    VoteFactory.create(proposal=proposal, value=-1)
    body = _client().get("/api/v1/proposals/").json()
    assert body["count"] == 1
    summary = body["results"][0]
    assert summary["votes"] == {"up": 3, "down": 1}
    assert summary["title"] == "Docker for seniors"
    detail = _client().get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert detail["votes"] == {"up": 3, "down": 1}
    assert detail["status"] == "voting"
    assert detail["reviews"] == []
    assert detail["applied_version"] is None
    assert set(detail) >= {
        "id",
        "role",
        "title",
        "rationale",
        "base_version",
        "changes",
        "closes_at",
    }


def test_unknown_proposal_is_a_json_404():
    response = _client().get("/api/v1/proposals/999999/")
    assert response.status_code == 404
    assert response.json()["message"] == "No proposal #999999"


def test_vote_change_and_retract():
    proposal = ProposalFactory.create()
    voter = UserFactory.create()
    client = _client(voter)
    url = f"/api/v1/proposals/{proposal.pk}/vote/"
    assert client.post(url, {"value": 1}, format="json").json() == {
        "value": 1,
        "reason": "",
        "votes": {"up": 1, "down": 0},
    }
    assert client.post(url, {"value": -1}, format="json").json()["votes"] == {"up": 0, "down": 1}
    assert client.delete(url).json() == {
        "value": None,
        "reason": "",
        "votes": {"up": 0, "down": 0},
    }
    response = client.delete(url)
    assert response.status_code == 404
    assert response.json()["message"] == "You have not voted on this proposal."


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"value": 2}, 400, "value: A vote is 1 (up) or -1 (down)."),
        ({}, 400, "value: This field is required."),
    ],
)
def test_bad_votes_are_400(body, status, message):
    proposal = ProposalFactory.create()
    response = _client(UserFactory.create()).post(
        f"/api/v1/proposals/{proposal.pk}/vote/", body, format="json"
    )
    assert response.status_code == status
    assert response.json()["message"] == message
    assert not Vote.objects.exists()


def test_vote_refusals_map_to_status_codes(settings):
    proposal = ProposalFactory.create()
    url = f"/api/v1/proposals/{proposal.pk}/vote/"
    assert _client().post(url, {"value": 1}, format="json").status_code == 401
    assert _client(proposal.author).post(url, {"value": 1}, format="json").status_code == 403
    unverified = _client(UserFactory.create(verified=False)).post(url, {"value": 1}, format="json")
    assert unverified.status_code == 403
    assert "Verify your email" in unverified.json()["message"]
    settings.VOTES_PER_MEMBER_PER_DAY = 1
    voter = UserFactory.create()
    VoteFactory.create(voter=voter)
    assert _client(voter).post(url, {"value": 1}, format="json").status_code == 429
    proposal.status = "withdrawn"
    proposal.decided_at = proposal.created_at
    proposal.save()
    assert _client(UserFactory.create()).post(url, {"value": 1}, format="json").status_code == 409


def test_withdraw_by_the_author_only():
    proposal = ProposalFactory.create()
    url = f"/api/v1/proposals/{proposal.pk}/withdraw/"
    assert _client(UserFactory.create()).post(url).status_code == 403
    response = _client(proposal.author).post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert _client(proposal.author).post(url).status_code == 409


def test_schema_documents_the_proposal_operations(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for operation in (
        "proposals_list",
        "proposals_retrieve",
        "proposals_vote",
        "proposals_withdraw",
    ):
        assert operation in schema


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"role": "mlops-engineer", "title": "t", "rationale": "r", "changes": None}, 400),
        ({"role": "mlops-engineer", "title": "t", "rationale": "r", "changes": "x"}, 400),
        ({"role": "mlops-engineer", "title": "t", "rationale": "r", "changes": [1, "a"]}, 400),
        ({"role": "mlops-engineer", "title": "t", "rationale": "r", "changes": [{}]}, 400),
        ({"role": "nope", "title": "t", "rationale": "r", "changes": [{"op": "x"}]}, 404),
        (
            {
                "role": "mlops-engineer",
                "title": "t",
                "rationale": "r",
                "changes": [{"op": "set_requirement", "skill": "docker", "level": "senior"}],
            },
            400,
        ),
        (
            {
                "role": "mlops-engineer",
                "title": "t",
                "rationale": "r",
                "evidence_links": ["ftp://x"],
                "changes": [{"op": "remove_skill", "skill": "docker"}],
            },
            400,
        ),
        (
            {
                "role": "mlops-engineer",
                "title": "t",
                "rationale": "r",
                "base_version": 99,
                "changes": [{"op": "remove_skill", "skill": "docker"}],
            },
            400,
        ),
    ],
)
def test_bad_proposals_are_4xx_with_a_message(seed_role, body, status):
    from proposals.models import Proposal

    response = _client(UserFactory.create()).post("/api/v1/proposals/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["message"]
    assert not Proposal.objects.exists()


_PROPOSAL = {
    "role": "mlops-engineer",
    "title": "Docker for seniors",
    "rationale": "Because.",
    "changes": [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rationale", 0),
        ("rationale", 12.5),
        ("title", 7),
        ("title", True),
        ("role", 5),
        ("evidence_links", [3]),
    ],
)
def test_text_fields_take_only_strings(seed_role, field, value):
    """The schema says `string`; DRF's CharField took numbers too ("rationale": 0 was "0")."""
    from proposals.models import Proposal

    body = {**_PROPOSAL, field: value}
    response = _client(UserFactory.create()).post("/api/v1/proposals/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["message"].startswith(field)
    assert "string" in response.json()["message"] or "URL" in response.json()["message"]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("vote", {"value": -1, "reason": 3}),
        ("review", {"decision": "approve", "comment": 1}),
        ("revise", {"title": "t", "rationale": 0, "changes": [{"op": "remove_skill"}]}),
    ],
)
def test_every_operation_takes_only_strings_for_text(operation, body):
    proposal = ProposalFactory.create()
    response = _client(proposal.author if operation == "revise" else UserFactory.create()).post(
        f"/api/v1/proposals/{proposal.pk}/{operation}/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert "Not a valid string." in response.json()["message"]


def test_create_through_the_api(seed_role):
    body = {
        "role": "mlops-engineer",
        "title": "Docker for seniors",
        "rationale": "Because.",
        "evidence_links": ["https://example.com/survey"],
        "changes": [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    }
    response = _client(UserFactory.create()).post("/api/v1/proposals/", body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "voting"
    assert data["base_version"] == 1
    assert data["votes"] == {"up": 0, "down": 0}
    assert data["changes"][0]["code"] == "E"
    assert data["evidence_links"] == ["https://example.com/survey"]


def test_token_authentication_votes(client):
    from rest_framework.authtoken.models import Token

    proposal = ProposalFactory.create()
    token = Token.objects.create(user=UserFactory.create())
    response = client.post(
        f"/api/v1/proposals/{proposal.pk}/vote/",
        {"value": -1},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 200
    assert response.json()["votes"] == {"up": 0, "down": 1}


@pytest.mark.parametrize("query", ["?sort=best", "?status=merged"])
def test_list_refuses_unknown_filters(query):
    response = _client().get(f"/api/v1/proposals/{query}")
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("language", [None, "en"])
@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            [
                {"op": "set_requirement", "skill": "Apache Kafka", "level": "senior", "code": "E"},
                {"op": "set_requirement", "skill": "docker", "level": "senior", "code": "Q"},
            ],
            {
                "changes[0].skill": (
                    "must be a slug (lowercase letters, digits, - and _), not 'Apache Kafka'"
                ),
                "changes[1].code": "must be one of A, W, E or null, not 'Q'",
            },
        ),
        (
            [
                {"op": "set_requirement", "skill": "docker", "level": "staff", "code": "E"},
                {"op": "set_requirement", "skill": "cobol", "level": "senior", "code": "E"},
            ],
            {
                "changes[0].level": "no level 'staff' in role 'mlops-engineer'",
                "changes[1].skill": "no skill 'cobol' in role 'mlops-engineer'",
            },
        ),
        (
            [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "A"}],
            {"changes[0]": "this change makes no difference"},
        ),
    ],
)
def test_bad_changes_are_named_by_their_path_in_english(seed_role, language, changes, errors):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    body = {"role": "mlops-engineer", "title": "t", "rationale": "r", "changes": changes}
    response = _client(UserFactory.create()).post(
        "/api/v1/proposals/", body, format="json", **headers
    )
    assert response.status_code == 400
    path, message = next(iter(errors.items()))
    assert response.json() == {"message": f"{path}: {message}", "errors": errors}
