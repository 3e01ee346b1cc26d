"""A vote whose commit succeeded answers with its result even when PostgreSQL drops the
connection right after the commit: the answer is read inside the vote's transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from proposals.models import Vote
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory
from tests.connections import drop_connection, reconnect_afterwards  # noqa: F401 - autouse

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="dropping a connection from outside needs PostgreSQL (set DATABASE_URL)",
    ),
]


@pytest.fixture
def drop_after_commit(monkeypatch):
    """Patch the service ``name`` as ``proposals.<module>`` calls it, to drop the connection
    as soon as the transaction it ran in commits (at once when it committed its own)."""

    def patch(name: str, module: str = "apis") -> None:
        target = __import__(f"proposals.{module}", fromlist=[name])
        real = getattr(target, name)

        def then_drop(**kwargs):
            result = real(**kwargs)
            transaction.on_commit(drop_connection)
            return result

        monkeypatch.setattr(target, name, then_drop)

    return patch


def _api(user, method: str, path: str, body: dict | None = None):
    from django.test import Client

    token = Token.objects.create(user=user)
    client = Client(raise_request_exception=False)
    response = getattr(client, method)(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    # A server checks its connection before the next request; the test client does not.
    connection.close()
    return response


def test_a_counted_vote_answers_with_the_tally_when_the_connection_drops(drop_after_commit):
    proposal = ProposalFactory.create()
    VoteFactory.create(proposal=proposal, value=-1)
    drop_after_commit("vote_cast")
    response = _api(
        UserFactory.create(), "post", f"/api/v1/proposals/{proposal.pk}/vote/", {"value": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"value": 1, "reason": "", "votes": {"up": 1, "down": 1}}
    # The tally it answered is the rows'.
    assert Vote.objects.filter(proposal=proposal, value=1).count() == 1
    assert Vote.objects.filter(proposal=proposal).count() == 2


def test_a_retracted_vote_answers_with_the_tally_when_the_connection_drops(drop_after_commit):
    proposal = ProposalFactory.create()
    voter = UserFactory.create()
    VoteFactory.create(proposal=proposal, voter=voter, value=1)
    drop_after_commit("vote_retract")
    response = _api(voter, "delete", f"/api/v1/proposals/{proposal.pk}/vote/")
    assert response.status_code == 200, response.content
    assert response.json()["votes"] == {"up": 0, "down": 0}
    assert not Vote.objects.filter(proposal=proposal).exists()


def test_a_vote_on_the_page_answers_with_its_panel_when_the_connection_drops(
    client, drop_after_commit
):
    proposal = ProposalFactory.create()
    voter = UserFactory.create()
    client.force_login(voter)
    drop_after_commit("vote_cast", module="views")
    client.raise_request_exception = False
    response = client.post(
        f"/proposals/{proposal.pk}/vote/", {"value": "-1"}, HTTP_HX_REQUEST="true"
    )
    connection.close()  # as _api() says
    assert response.status_code == 200
    assert "▼ 1" in response.content.decode()
    assert Vote.objects.get(proposal=proposal).value == -1
