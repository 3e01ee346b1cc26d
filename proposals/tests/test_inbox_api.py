"""The inbox through the API, and the voters told when a revision sets their votes aside."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from proposals.models import Notification, Watch
from proposals.services import comment_add, proposal_revise, vote_cast
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DOCKER_SENIOR_W = {**DOCKER_SENIOR_E, "code": "W"}


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _revise(proposal, **fields):
    current = {
        "title": proposal.title,
        "rationale": proposal.rationale,
        "changes": proposal.changes,
        "evidence_links": proposal.evidence_links,
    }
    return proposal_revise(proposal=proposal, author=proposal.author, **(current | fields))


# --- Votes set aside ---------------------------------------------------------------------------


def test_voters_whose_votes_a_revision_sets_aside_are_told_each_time(
    proposal, django_capture_on_commit_callbacks
):
    fan, critic = UserFactory.create(), UserFactory.create()
    vote_cast(proposal=proposal, voter=fan, value=1)
    vote_cast(proposal=proposal, voter=critic, value=-1)
    with django_capture_on_commit_callbacks(execute=True):
        _revise(proposal, changes=[DOCKER_SENIOR_W])

    told = Notification.objects.filter(kind=Notification.Kind.VOTE_SET_ASIDE)
    assert sorted(told.values_list("recipient", "revision")) == [(fan.pk, 2), (critic.pk, 2)]
    # Immediately by default: there is a window to vote again in.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([fan.email, critic.email])
    assert "vote again" in mail.outbox[0].body

    proposal.refresh_from_db()
    vote_cast(proposal=proposal, voter=fan, value=1)
    _revise(proposal, changes=[DOCKER_SENIOR_E])
    assert list(
        told.filter(recipient=fan).order_by("revision").values_list("revision", flat=True)
    ) == [2, 3]
    assert not told.filter(recipient=critic, revision=3).exists()


def test_a_revision_of_the_words_only_tells_no_voter(proposal):
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)
    _revise(proposal, title="Seniors master Docker builds")
    assert not Notification.objects.filter(kind=Notification.Kind.VOTE_SET_ASIDE).exists()


def test_one_notification_per_voter_and_revision(proposal):
    voter = UserFactory.create()
    fields = {"proposal": proposal, "recipient": voter, "kind": "vote_set_aside", "revision": 2}
    Notification.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(**fields)
    # Only that kind carries a revision.
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(proposal=proposal, recipient=voter, kind="comment", revision=3)


def test_the_inbox_page_says_the_vote_was_set_aside(client, proposal):
    voter = UserFactory.create()
    vote_cast(proposal=proposal, voter=voter, value=1)
    _revise(proposal, changes=[DOCKER_SENIOR_W])
    client.force_login(voter)
    page = client.get("/notifications/").content.decode()
    assert "your vote was set aside, vote again" in page


# --- The notifications API ---------------------------------------------------------------------


@pytest.fixture
def commented(proposal):
    """The author is told of two comments."""
    for text in ("First", "Second, with @nobody"):
        comment_add(proposal=proposal, author=UserFactory.create(), text=text)
    return proposal


def test_api_lists_the_members_notifications_newest_first(commented, author):
    stranger = UserFactory.create()
    body = _client(author).get("/api/v1/notifications/").json()
    assert body["count"] == 2
    first = body["results"][0]
    assert set(first) == {
        "id",
        "kind",
        "summary",
        "excerpt",
        "url",
        "proposal",
        "created_at",
        "read_at",
    }
    assert (first["kind"], first["excerpt"], first["read_at"]) == (
        "comment",
        "Second, with @nobody",
        None,
    )
    assert first["url"].startswith("http://testserver/proposals/")
    assert "commented on “Seniors master Docker”" in first["summary"]
    assert _client(stranger).get("/api/v1/notifications/").json()["count"] == 0


def test_api_summaries_speak_the_requests_language(commented, author):
    body = _client(author).get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert "comentó" in body["results"][0]["summary"]


def test_api_marks_one_and_then_all_read(commented, author):
    client = _client(author)
    newest = client.get("/api/v1/notifications/").json()["results"][0]["id"]
    assert client.post(f"/api/v1/notifications/{newest}/read/").json() == {"marked": 1}
    assert client.post(f"/api/v1/notifications/{newest}/read/").json() == {"marked": 0}
    unread = client.get("/api/v1/notifications/?unread=true").json()
    assert [n["id"] for n in unread["results"]] != [newest]
    assert unread["count"] == 1
    assert client.post("/api/v1/notifications/read/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0


def test_api_refuses_visitors_others_notifications_and_bad_filters(commented, author):
    theirs = Notification.objects.filter(recipient=author).first()
    assert _client().get("/api/v1/notifications/").status_code in (401, 403)
    other = _client(UserFactory.create())
    answer = other.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert (answer.status_code, answer.json()["message"]) == (404, "You have no such notification.")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    bad = _client(author).get("/api/v1/notifications/?unread=maybe")
    assert bad.status_code == 400
    assert "unread" in bad.json()["message"]


def test_api_watches_and_unwatches_a_role_and_a_proposal(proposal, seed_role):
    member = UserFactory.create()
    client = _client(member)
    answer = client.post(
        f"/api/v1/roles/{seed_role.slug}/watch/", {"watching": True}, format="json"
    )
    assert answer.json() == {"watching": True}
    client.post(f"/api/v1/proposals/{proposal.pk}/watch/", {"watching": True}, format="json")
    assert Watch.objects.filter(user=member).count() == 2
    client.post(f"/api/v1/roles/{seed_role.slug}/watch/", {"watching": False}, format="json")
    assert list(Watch.objects.filter(user=member).values_list("proposal", flat=True)) == [
        proposal.pk
    ]
    bad = client.post(
        f"/api/v1/proposals/{proposal.pk}/watch/", {"watching": "often"}, format="json"
    )
    for not_a_boolean in ("false", 0, None):
        refused = client.post(
            f"/api/v1/roles/{seed_role.slug}/watch/", {"watching": not_a_boolean}, format="json"
        )
        assert refused.status_code == 400
    assert bad.status_code == 400
    assert client.post("/api/v1/roles/no-such-role/watch/", {"watching": True}).status_code == 404
    assert _client().post(
        f"/api/v1/proposals/{proposal.pk}/watch/", {"watching": True}
    ).status_code in (401, 403)
