"""Query budgets of DESIGN §8: proposal page ≤ 10, list ≤ 8, constant in votes, comments and
changes (pinned with a proposal of 500 votes and 100 comments)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from proposals.models import Comment, Proposal, Vote
from proposals.tests.factories import UserFactory, tally_from_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(proposal):
    user_model = get_user_model()
    voters = user_model.objects.bulk_create([user_model(username=f"voter{i}") for i in range(500)])
    Vote.objects.bulk_create(
        [Vote(proposal=proposal, voter=v, value=1 if i % 4 else -1) for i, v in enumerate(voters)]
    )
    tally_from_rows(proposal)
    Comment.objects.bulk_create(
        [Comment(proposal=proposal, author=voters[i], text=f"Comment {i}") for i in range(100)]
    )
    return proposal


# Whether a member's email is verified takes a query once allauth keeps the addresses.
VERIFIED = 1 if apps.is_installed("allauth.account") else 0


# A page's first view also reads what is then kept: the names' reputations and the member's
# unread count (in the cache, under stamps their writes change; the base version's state is
# kept in the process, here since the proposal was written). Each test pins the views after it.
WARMED = 2


def test_a_proposal_pages_first_view_reads_what_later_views_keep(
    client, busy, django_assert_num_queries
):
    client.force_login(UserFactory.create())
    with django_assert_num_queries(7 + VERIFIED + WARMED):
        client.get(f"/proposals/{busy.pk}/")
    with django_assert_num_queries(7 + VERIFIED):
        client.get(f"/proposals/{busy.pk}/")


def test_proposal_page_for_a_member(client, busy, django_assert_num_queries):
    client.force_login(UserFactory.create())
    client.get(f"/proposals/{busy.pk}/")
    # session, user, proposal with tally, own vote, watch and whether they may review, its
    # reviews, comments with authors, the voters named, competing open proposals (+ verified
    # email)
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
    client.get(f"/proposals/{busy.pk}/")
    # as for a member, plus the touched domains with the approvals counted for each
    with django_assert_num_queries(8 + VERIFIED):
        body = client.get(f"/proposals/{busy.pk}/").content.decode()
    assert "Your review" in body


def test_proposal_page_for_a_visitor(client, busy, django_assert_num_queries):
    client.get(f"/proposals/{busy.pk}/")
    # proposal, reviews, comments, voters, competing open proposals
    with django_assert_num_queries(5):
        client.get(f"/proposals/{busy.pk}/")


def test_proposal_list(client, busy, django_assert_num_queries):
    client.force_login(UserFactory.create())
    client.get("/proposals/?sort=score")
    # session, user, count, page with tallies and comment counts, roles and domains for the
    # filters (the authors' reputations and the unread count kept)
    with django_assert_num_queries(6):
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


def test_proposal_page_with_revisions_replies_and_reasons(
    client, busy, django_assert_max_num_queries
):
    from proposals.models import ProposalRevision

    Vote.objects.filter(proposal=busy, value=-1).update(reason="Too strict for seniors")
    first = Comment.objects.filter(proposal=busy).order_by("pk").first()
    Comment.objects.filter(proposal=busy, pk__gt=first.pk + 50).update(parent=first)
    ProposalRevision.objects.bulk_create(
        [
            ProposalRevision(
                proposal=busy,
                number=n,
                title=f"Title {n}",
                rationale=f"Rationale {n}",
                base_version=busy.base_version,
                changes=busy.changes,
                created_at=busy.created_at,
            )
            for n in range(1, 6)
        ]
    )
    Proposal.objects.filter(pk=busy.pk).update(revision=6)
    client.force_login(UserFactory.create())
    client.get(f"/proposals/{busy.pk}/")
    # as for a member, plus the earlier revisions: within the page's budget of 10
    with django_assert_max_num_queries(8 + VERIFIED):
        body = client.get(f"/proposals/{busy.pk}/").content.decode()
    assert "Revision 6 (after 5)" in body
    assert "and 325 more" in body  # 375 up votes, 50 named
    assert "and 75 more" in body
    assert "Too strict for seniors" in body
    assert "Comment 99" in body
