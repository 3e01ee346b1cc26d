"""People in proposals: reputation from the record, and the new members' rule of proposing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from proposals.errors import MemberNotFound, ProposalLimitReached
from proposals.models import Proposal, Review
from proposals.selectors import (
    member_get,
    member_is_trusted,
    member_reputation_attach,
    member_reputations,
)
from proposals.services import expertise_grant, proposal_create
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def _accepted(role, author, **kwargs) -> Proposal:
    return ProposalFactory.create(
        role=role,
        author=author,
        status=Proposal.Status.ACCEPTED,
        decided_at=timezone.now(),
        **kwargs,
    )


def _propose(role, author) -> Proposal:
    return proposal_create(
        role=role, author=author, title="A change", rationale="Because.", changes=[DOCKER_SENIOR_E]
    )


def _old_member(username: str) -> User:
    user = UserFactory.create(username=username)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=3))
    user.refresh_from_db()
    return user


# --- Reputation --------------------------------------------------------------------------------


def test_reputation_counts_accepted_proposals_reviews_and_backed_votes(
    seed_role, settings, django_assert_num_queries
):
    settings.REPUTATION_ACCEPTED_PROPOSAL = 10
    settings.REPUTATION_REVIEW = 3
    settings.REPUTATION_ACCEPTED_VOTE = 1
    alice, bob, carol = UserFactory.create_batch(3)
    accepted = _accepted(seed_role, alice)
    _accepted(seed_role, alice)
    _accepted(seed_role, alice, is_spam=True)  # spam earns nothing
    open_one = ProposalFactory.create(role=seed_role, author=alice)
    VoteFactory.create(proposal=accepted, voter=bob, value=1)
    VoteFactory.create(proposal=open_one, voter=bob, value=1)  # not accepted (yet)
    VoteFactory.create(proposal=accepted, voter=carol, value=-1)  # voted against it
    Review.objects.create(proposal=accepted, reviewer=carol, decision="approve", comment="Good.")

    with django_assert_num_queries(1):
        reputations = member_reputations(user_ids=[alice.pk, bob.pk, carol.pk])

    assert (reputations[alice.pk].accepted_proposals, reputations[alice.pk].score) == (2, 20)
    assert (reputations[bob.pk].accepted_votes, reputations[bob.pk].score) == (1, 1)
    assert (reputations[carol.pk].reviews, reputations[carol.pk].score) == (1, 3)


def test_reputation_of_nobody_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert member_reputations(user_ids=[]) == {}


def test_reputation_attach_sets_every_member_in_one_query(seed_role, django_assert_num_queries):
    alice, newcomer = UserFactory.create_batch(2)
    _accepted(seed_role, alice)

    with django_assert_num_queries(1):
        member_reputation_attach([alice, newcomer])

    assert alice.reputation.score == 10  # type: ignore[attr-defined]
    assert newcomer.reputation.score == 0  # type: ignore[attr-defined]


# --- Finding a member --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["nobody", "", "x" * 151, "a\x00b", "inactive"])
def test_member_get_refuses_unknown_odd_and_inactive_names(username):
    UserFactory.create(username="inactive", is_active=False)

    with pytest.raises(MemberNotFound):
        member_get(username=username)


# --- The new members' rule ---------------------------------------------------------------------


def test_a_new_member_may_have_one_open_proposal(seed_role, author):
    _propose(seed_role, author)

    with pytest.raises(ProposalLimitReached, match="New members may have 1 open proposal"):
        _propose(seed_role, author)
    assert Proposal.objects.filter(author=author).count() == 1


def test_an_old_member_without_an_accepted_proposal_is_still_new(seed_role):
    member = _old_member("old-timer")
    _propose(seed_role, member)

    assert not member_is_trusted(user=member)
    with pytest.raises(ProposalLimitReached):
        _propose(seed_role, member)


def test_a_young_member_with_an_accepted_proposal_is_still_new(seed_role, author):
    _accepted(seed_role, author)

    assert not member_is_trusted(user=author)


def test_an_old_member_with_an_accepted_proposal_may_open_more(seed_role):
    member = _old_member("trusted")
    _accepted(seed_role, member)
    _propose(seed_role, member)
    _propose(seed_role, member)

    assert member_is_trusted(user=member)
    assert Proposal.objects.filter(author=member, status="voting").count() == 2


def test_experts_are_unaffected(seed_role, author):
    expertise_grant(user=author)
    _propose(seed_role, author)
    _propose(seed_role, author)

    assert Proposal.objects.filter(author=author, status="voting").count() == 2


def test_the_rule_follows_its_settings(seed_role, author, settings):
    settings.NEW_MEMBER_OPEN_PROPOSALS = 2
    _propose(seed_role, author)
    _propose(seed_role, author)

    with pytest.raises(ProposalLimitReached, match="New members may have 2 open proposals"):
        _propose(seed_role, author)


def test_a_decided_proposal_frees_the_new_members_slot(seed_role, author):
    first = _propose(seed_role, author)
    Proposal.objects.filter(pk=first.pk).update(status="withdrawn", decided_at=timezone.now())

    _propose(seed_role, author)

    assert Proposal.objects.filter(author=author, status="voting").count() == 1
