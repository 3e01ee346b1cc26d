"""Query budgets of DESIGN §8: proposal page ≤ 10, list ≤ 8, constant in votes, comments and
changes (pinned with a proposal of 500 votes and 100 comments)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from proposals.models import Comment, Proposal, Vote
from proposals.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(proposal):
    user_model = get_user_model()
    voters = user_model.objects.bulk_create([user_model(username=f"voter{i}") for i in range(500)])
    Vote.objects.bulk_create(
        [Vote(proposal=proposal, voter=v, value=1 if i % 4 else -1) for i, v in enumerate(voters)]
    )
    Comment.objects.bulk_create(
        [Comment(proposal=proposal, author=voters[i], text=f"Comment {i}") for i in range(100)]
    )
    return proposal


# Whether a member's email is verified takes a query once allauth keeps the addresses.
VERIFIED = 1 if apps.is_installed("allauth.account") else 0


def test_proposal_page_for_a_member(client, busy, django_assert_num_queries):
    client.force_login(UserFactory.create())
    # session, user, proposal with tally and own vote, its reviews, the base version's
    # snapshot, comments with authors, the reputation of every name (+ verified email)
    with django_assert_num_queries(7 + VERIFIED):
        response = client.get(f"/proposals/{busy.pk}/")
    body = response.content.decode()
    assert "▲ 375" in body
    assert "▼ 125" in body
    assert "Comment 99" in body
    assert 'href="/members/voter99/"' in body


def test_proposal_page_for_an_expert_in_review(
    client, busy, domain_expert, django_assert_num_queries
):
    Proposal.objects.filter(pk=busy.pk).update(status="in_review")
    client.force_login(domain_expert)
    # as for a member, plus whether they may review (expertise of a touched domain)
    with django_assert_num_queries(8 + VERIFIED):
        body = client.get(f"/proposals/{busy.pk}/").content.decode()
    assert "Your review" in body


def test_proposal_page_for_a_visitor(client, busy, django_assert_num_queries):
    # proposal, reviews, snapshot, comments, reputations
    with django_assert_num_queries(5):
        client.get(f"/proposals/{busy.pk}/")


def test_proposal_list(client, busy, django_assert_num_queries):
    client.force_login(UserFactory.create())
    # session, user, count, page with tallies and comment counts, roles and domains for the
    # filters, the authors' reputations
    with django_assert_num_queries(7):
        body = client.get("/proposals/?sort=score").content.decode()
    assert "100 comments" in body


def test_api_detail_and_list(client, busy, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert client.get(f"/api/v1/proposals/{busy.pk}/").json()["votes"] == {
            "up": 375,
            "down": 125,
        }
    with django_assert_num_queries(2):
        client.get("/api/v1/proposals/")
