"""A read whose PostgreSQL connection is dropped mid-request (a restart, ``pg_terminate_backend``,
a pooler) runs once more on a fresh connection instead of answering 500."""

from __future__ import annotations

import pytest
from django.db import connection

from proposals.tests.factories import ProposalFactory
from tests.connections import drop_connection, reconnect_afterwards  # noqa: F401 - autouse

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="dropping a connection from outside needs PostgreSQL (set DATABASE_URL)",
    ),
]


@pytest.fixture
def drop_once(monkeypatch):
    """Patch ``target`` (a function a view calls) to drop the request's connection the first
    time it is called, just before it queries; the calls are counted."""

    def patch(target: str):
        module, _, name = target.rpartition(".")
        real = getattr(__import__(module, fromlist=[name]), name)
        calls: list[int] = []

        def dropping(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                drop_connection()
            return real(*args, **kwargs)

        monkeypatch.setattr(target, dropping)
        return calls

    return patch


def test_an_api_read_is_retried_on_a_fresh_connection(client, drop_once):
    ProposalFactory.create(title="Seniors master Docker")
    calls = drop_once("proposals.apis.proposal_list")
    response = client.get("/api/v1/proposals/")
    assert response.status_code == 200
    assert [p["title"] for p in response.json()["results"]] == ["Seniors master Docker"]
    assert len(calls) == 2  # the view ran twice: the first time lost its connection


def test_a_page_is_retried_on_a_fresh_connection(client, drop_once):
    proposal = ProposalFactory.create(title="Seniors master Docker")
    calls = drop_once("proposals.views.proposal_read")
    response = client.get(f"/proposals/{proposal.pk}/")
    assert response.status_code == 200
    assert "Seniors master Docker" in response.content.decode()
    assert len(calls) == 2


def test_a_read_is_retried_once_only(client, monkeypatch):
    """A database that keeps dropping the connection gets the error page, not a loop."""
    from proposals.selectors import proposal_list

    calls: list[int] = []

    def always_dropping(**kwargs):
        calls.append(1)
        drop_connection()
        return proposal_list(**kwargs)

    monkeypatch.setattr("proposals.apis.proposal_list", always_dropping)
    client.raise_request_exception = False
    assert client.get("/api/v1/proposals/").status_code == 500
    assert len(calls) == 2


def test_a_write_is_not_run_twice(client, drop_once, verified_member):
    """A POST whose connection dropped may have committed: it is not run again."""
    from rest_framework.authtoken.models import Token

    proposal = ProposalFactory.create()
    token = Token.objects.create(user=verified_member)
    calls = drop_once("proposals.apis.vote_cast")
    client.raise_request_exception = False
    response = client.post(
        f"/api/v1/proposals/{proposal.pk}/vote/",
        {"value": 1},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 500
    assert len(calls) == 1
