from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.errors import (
    ProposalForbidden,
    ProposalInvalid,
    ProposalLimitReached,
    ProposalStateError,
    VoteNotFound,
)
from proposals.models import Comment, Expertise, Proposal, Vote
from proposals.selectors import proposal_tally
from proposals.services import (
    comment_add,
    expertise_grant,
    expertise_revoke,
    proposal_close_if_due,
    proposal_close_now,
    proposal_reject_by_moderator,
    proposal_withdraw,
    proposals_close_due,
    vote_cast,
    vote_retract,
)
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory
from roles.tests.factories import SkillDomainFactory

pytestmark = pytest.mark.django_db

MOMENT = timedelta(microseconds=1)


# --- Voting ---


def test_a_member_votes_changes_and_retracts():
    proposal = ProposalFactory.create()
    voter = UserFactory.create()
    vote_cast(proposal=proposal, voter=voter, value=1)
    assert proposal_tally(proposal=proposal) == (1, 0)
    vote_cast(proposal=proposal, voter=voter, value=-1)
    assert proposal_tally(proposal=proposal) == (0, 1)
    assert Vote.objects.count() == 1
    vote_retract(proposal=proposal, voter=voter)
    assert proposal_tally(proposal=proposal) == (0, 0)
    with pytest.raises(VoteNotFound):
        vote_retract(proposal=proposal, voter=voter)


@pytest.mark.parametrize("value", [0, 2, -2])
def test_a_vote_is_up_or_down(value):
    with pytest.raises(ProposalInvalid):
        vote_cast(proposal=ProposalFactory.create(), voter=UserFactory.create(), value=value)
    assert Vote.objects.count() == 0


def test_authors_do_not_vote_on_their_own_proposals():
    proposal = ProposalFactory.create()
    with pytest.raises(ProposalForbidden):
        vote_cast(proposal=proposal, voter=proposal.author, value=1)


def test_unverified_members_do_not_vote():
    with pytest.raises(ProposalForbidden, match="Verify your email"):
        vote_cast(
            proposal=ProposalFactory.create(), voter=UserFactory.create(verified=False), value=1
        )


@pytest.mark.parametrize("status", ["in_review", "withdrawn"])
def test_votes_only_while_voting(status):
    proposal = ProposalFactory.create(
        status=status, decided_at=None if status == "in_review" else timezone.now()
    )
    voter = UserFactory.create()
    with pytest.raises(ProposalStateError):
        vote_cast(proposal=proposal, voter=voter, value=1)
    with pytest.raises(ProposalStateError):
        vote_retract(proposal=proposal, voter=voter)


def test_no_votes_after_the_window_even_before_closing():
    proposal = ProposalFactory.create(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ProposalStateError):
        vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)


def test_votes_per_day_cap(settings):
    settings.VOTES_PER_MEMBER_PER_DAY = 2
    voter = UserFactory.create()
    first, second, third = ProposalFactory.create_batch(3)
    vote_cast(proposal=first, voter=voter, value=1)
    vote_cast(proposal=second, voter=voter, value=1)
    # Changing a vote is not a new one.
    vote_cast(proposal=second, voter=voter, value=-1)
    with pytest.raises(ProposalLimitReached):
        vote_cast(proposal=third, voter=voter, value=1)
    assert not Vote.objects.filter(proposal=third).exists()
    # Votes older than a day no longer count.
    Vote.objects.filter(voter=voter).update(
        created_at=timezone.now() - timedelta(days=1, seconds=1)
    )
    vote_cast(proposal=third, voter=voter, value=1)
    assert Vote.objects.filter(voter=voter).count() == 3


# --- Discussion ---


def test_members_comment_on_open_proposals_only():
    proposal = ProposalFactory.create()
    comment = comment_add(proposal=proposal, author=UserFactory.create(), text="  Good idea  ")
    assert comment.text == "Good idea"
    with pytest.raises(ProposalInvalid):
        comment_add(proposal=proposal, author=UserFactory.create(), text="   ")
    with pytest.raises(ProposalInvalid):
        comment_add(proposal=proposal, author=UserFactory.create(), text="x" * 2001)
    with pytest.raises(ProposalForbidden):
        comment_add(proposal=proposal, author=UserFactory.create(verified=False), text="hi")
    Proposal.objects.filter(pk=proposal.pk).update(status="expired", decided_at=timezone.now())
    with pytest.raises(ProposalStateError):
        comment_add(proposal=proposal, author=UserFactory.create(), text="too late")
    assert Comment.objects.count() == 1


# --- Withdrawal ---


def test_only_the_author_withdraws_and_only_while_voting():
    proposal = ProposalFactory.create()
    with pytest.raises(ProposalForbidden):
        proposal_withdraw(proposal=proposal, author=UserFactory.create())
    proposal_withdraw(proposal=proposal, author=proposal.author)
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert proposal.decided_at is not None
    with pytest.raises(ProposalStateError):
        proposal_withdraw(proposal=proposal, author=proposal.author)


# --- Closing ---


def test_close_due_moves_only_due_voting_proposals(settings):
    settings.VOTING_QUORUM = 2
    due = ProposalFactory.create(closes_at=timezone.now() - timedelta(minutes=1))
    VoteFactory.create_batch(2, proposal=due, value=1)
    quiet = ProposalFactory.create(closes_at=timezone.now() - timedelta(minutes=1))
    disliked = ProposalFactory.create(closes_at=timezone.now() - timedelta(minutes=1))
    VoteFactory.create_batch(2, proposal=disliked, value=-1)
    running = ProposalFactory.create(closes_at=timezone.now() + timedelta(minutes=1))
    closed = proposals_close_due()
    assert {(c.proposal_id, c.status) for c in closed} == {
        (due.pk, "in_review"),
        (quiet.pk, "expired"),
        (disliked.pk, "rejected"),
    }
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert statuses == {
        due.pk: "in_review",
        quiet.pk: "expired",
        disliked.pk: "rejected",
        running.pk: "voting",
    }
    assert Proposal.objects.get(pk=due.pk).decided_at is None
    assert Proposal.objects.get(pk=quiet.pk).decided_at is not None
    assert proposals_close_due() == []


def test_a_proposal_not_yet_due_is_not_closed():
    proposal = ProposalFactory.create()
    VoteFactory.create_batch(5, proposal=proposal, value=1)

    assert proposal_close_if_due(proposal_id=proposal.pk, now=proposal.closes_at - MOMENT) is None

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at) == ("voting", None)


def test_a_proposal_is_due_at_its_closing_time_exactly():
    proposal = ProposalFactory.create()

    assert proposal_close_if_due(proposal_id=proposal.pk, now=proposal.closes_at) == "expired"

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at) == ("expired", proposal.closes_at)


def test_only_a_voting_proposal_is_closed():
    proposal = ProposalFactory.create(status="withdrawn", decided_at=timezone.now())
    assert proposal_close_if_due(proposal_id=proposal.pk, now=proposal.closes_at) is None
    assert Proposal.objects.get(pk=proposal.pk).status == "withdrawn"


@pytest.mark.parametrize(("ratio", "status"), [(0.75, "in_review"), (0.76, "rejected")])
def test_closing_applies_the_approval_ratio_setting(settings, ratio, status):
    settings.VOTING_QUORUM = 4
    settings.VOTING_APPROVAL_RATIO = ratio
    proposal = ProposalFactory.create()
    VoteFactory.create_batch(3, proposal=proposal, value=1)
    VoteFactory.create(proposal=proposal, value=-1)

    assert proposal_close_if_due(proposal_id=proposal.pk, now=proposal.closes_at) == status
    assert Proposal.objects.get(pk=proposal.pk).status == status


@pytest.mark.parametrize(("quorum", "status"), [(3, "in_review"), (4, "expired")])
def test_closing_applies_the_quorum_setting(settings, quorum, status):
    settings.VOTING_QUORUM = quorum
    proposal = ProposalFactory.create()
    VoteFactory.create_batch(3, proposal=proposal, value=1)

    assert proposal_close_if_due(proposal_id=proposal.pk, now=proposal.closes_at) == status


# --- Moderation ---


def test_moderators_close_early_and_reject_spam(admin):
    proposal = ProposalFactory.create()
    with pytest.raises(ProposalForbidden):
        proposal_close_now(proposal=proposal, moderator=UserFactory.create())
    assert proposal_close_now(proposal=proposal, moderator=admin) == "expired"
    spam = ProposalFactory.create()
    with pytest.raises(ProposalInvalid):
        proposal_reject_by_moderator(proposal=spam, moderator=admin, reason=" ", spam=True)
    proposal_reject_by_moderator(proposal=spam, moderator=admin, reason="Advertising", spam=True)
    spam.refresh_from_db()
    assert (spam.status, spam.is_spam, spam.moderation_reason) == ("rejected", True, "Advertising")
    with pytest.raises(ProposalStateError):
        proposal_reject_by_moderator(proposal=spam, moderator=admin, reason="again")


# --- Expertise ---


def test_expertise_grant_is_idempotent_and_revocable(admin):
    user = UserFactory.create()
    domain = SkillDomainFactory.create()
    _, created = expertise_grant(user=user, domain=domain, granted_by=admin)
    assert created
    _, created = expertise_grant(user=user, domain=domain, granted_by=admin)
    assert not created
    expertise_grant(user=user)
    assert Expertise.objects.filter(user=user).count() == 2
    assert expertise_revoke(user=user, domain=domain)
    assert not expertise_revoke(user=user, domain=domain)
    assert list(Expertise.objects.filter(user=user).values_list("domain", flat=True)) == [None]
