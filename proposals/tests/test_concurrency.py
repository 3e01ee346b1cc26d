"""Votes, caps and reviews racing each other, with real threads and separate connections on
PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from proposals.errors import ProposalLimitReached
from proposals.models import Proposal, Vote
from proposals.selectors import proposal_get, proposal_tally, proposal_tally_counted
from proposals.services import vote_cast, vote_retract
from proposals.tests.factories import ProposalFactory, UserFactory
from tests.concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL (set DATABASE_URL); SQLite serialises all writers",
    ),
]


def test_fifty_members_voting_twice_at_once_leave_one_row_each():
    proposal = ProposalFactory.create()
    voters = UserFactory.create_batch(50)

    def work(index: int) -> None:
        # 50 connections at once (PostgreSQL's default limit is 100); each member votes twice.
        vote_cast(proposal=proposal, voter=voters[index], value=1)
        vote_cast(proposal=proposal, voter=voters[index], value=-1 if index % 3 == 0 else 1)

    assert race(50, work) == []
    rows = Vote.objects.filter(proposal=proposal)
    assert rows.count() == 50
    assert rows.values("voter").distinct().count() == 50
    up, down = proposal_tally(proposal=proposal)
    assert (up, down) == (33, 17) == proposal_tally_counted(proposal=proposal)
    shown = proposal_get(pk=proposal.pk)
    assert (shown.votes_up, shown.votes_down) == (up, down)


def test_the_stored_tally_equals_the_rows_after_many_votes_changes_and_retractions_at_once():
    proposals = ProposalFactory.create_batch(3)
    voters = UserFactory.create_batch(45)
    leaving = UserFactory.create_batch(3)
    for proposal in proposals:
        for member in leaving:
            vote_cast(proposal=proposal, voter=member, value=-1)

    def work(index: int) -> None:
        if index >= len(voters):  # a member's deletion takes their votes meanwhile
            leaving[index - len(voters)].delete()
            return
        voter = voters[index]
        for turn, proposal in enumerate(proposals):
            vote_cast(proposal=proposal, voter=voter, value=1)
            if (index + turn) % 3 == 1:
                vote_cast(proposal=proposal, voter=voter, value=-1, reason="On second thought")
            elif (index + turn) % 3 == 2:
                vote_retract(proposal=proposal, voter=voter)

    assert race(len(voters) + len(leaving), work) == []
    for proposal in proposals:
        stored = Proposal.objects.values_list("votes_up", "votes_down", "score").get(pk=proposal.pk)
        up, down = proposal_tally_counted(proposal=proposal)
        assert stored == (up, down, up - down)
        assert (up, down) == (15, 15)  # a third of the 45 kept each of up, down, none
        assert proposal_tally(proposal=proposal) == (up, down)


def test_one_member_voting_from_many_connections_at_once_has_one_vote():
    proposal = ProposalFactory.create()
    voter = UserFactory.create()

    def work(index: int) -> None:
        vote_cast(proposal=proposal, voter=voter, value=1 if index % 2 else -1)

    assert race(20, work) == []
    assert Vote.objects.filter(proposal=proposal).count() == 1
    assert sum(proposal_tally(proposal=proposal)) == 1


def test_the_daily_vote_cap_cannot_be_beaten_in_parallel(settings):
    settings.VOTES_PER_MEMBER_PER_DAY = 3
    voter = UserFactory.create()
    proposals = ProposalFactory.create_batch(10)

    def work(index: int) -> None:
        vote_cast(proposal=proposals[index], voter=voter, value=1)

    errors = race(10, work)
    assert Vote.objects.filter(voter=voter).count() == 3
    assert len(errors) == 7
    assert all(isinstance(error, ProposalLimitReached) for error in errors)


def test_two_experts_approving_at_once_apply_it_exactly_once(seed_role, settings):
    from proposals.models import Review
    from proposals.services import expertise_grant, proposal_create, review_submit
    from roles.models import RoleVersion

    settings.REVIEW_APPROVALS = 1
    proposal = proposal_create(
        role=seed_role,
        author=UserFactory.create(),
        title="Docker at Senior",
        rationale="r",
        changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    )
    Proposal.objects.filter(pk=proposal.pk).update(status="in_review")
    experts = UserFactory.create_batch(2)
    for expert in experts:
        expertise_grant(user=expert)

    def work(index: int) -> None:
        review_submit(proposal=proposal, reviewer=experts[index], decision="approve", comment="ok")

    errors = race(2, work)
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    assert RoleVersion.objects.filter(role=seed_role).count() == 2  # the import and this one
    assert proposal.applied_version.number == 2
    # The second expert found it already decided: a clear refusal, and no second review.
    assert len(errors) == 1
    assert "not in review" in str(errors[0])
    assert Review.objects.filter(proposal=proposal).count() == 1


def test_the_open_proposal_cap_cannot_be_beaten_in_parallel(seed_role, settings):
    from proposals.errors import ProposalLimitReached
    from proposals.models import Proposal
    from proposals.services import proposal_create

    settings.PROPOSALS_OPEN_PER_MEMBER = 2
    settings.NEW_MEMBER_OPEN_PROPOSALS = 5  # the cap of trusted members, not the new ones'
    author = UserFactory.create()

    def work(index: int) -> None:
        proposal_create(
            role=seed_role,
            author=author,
            title=f"Parallel {index}",
            rationale="r",
            changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
        )

    errors = race(8, work)
    assert Proposal.objects.filter(author=author).count() == 2
    assert len(errors) == 6
    assert all(isinstance(error, ProposalLimitReached) for error in errors)


def test_votes_racing_a_revision_are_either_counted_or_set_aside(seed_role):
    """A revision that changes the change list moves the votes aside under the proposal's row
    lock: a vote cast at the same moment lands before it (and is set aside) or after it (and
    counts); none is lost, none counted twice, and the tally equals the vote rows."""
    from proposals.models import SetAsideVote
    from proposals.services import proposal_create, proposal_revise

    author = UserFactory.create()
    change = {"op": "set_requirement", "skill": "docker", "level": "senior", "mandatory": True}
    proposal = proposal_create(
        role=seed_role,
        author=author,
        title="Docker at Senior",
        rationale="r",
        changes=[{**change, "code": "E"}],
    )
    voters = UserFactory.create_batch(20)

    def work(index: int) -> None:
        if index == 20:
            proposal_revise(
                proposal=proposal,
                author=author,
                title=proposal.title,
                rationale=proposal.rationale,
                changes=[{**change, "code": "W"}],
            )
        else:
            vote_cast(proposal=proposal, voter=voters[index], value=1)

    assert race(21, work) == []
    counted = Vote.objects.filter(proposal=proposal).count()
    aside = SetAsideVote.objects.filter(proposal=proposal).count()
    assert counted + aside == 20
    assert proposal_tally(proposal=proposal) == (counted, 0)
    shown = proposal_get(pk=proposal.pk)
    assert shown.votes_up == counted
    assert not set(Vote.objects.filter(proposal=proposal).values_list("voter", flat=True)) & set(
        SetAsideVote.objects.filter(proposal=proposal).values_list("voter", flat=True)
    )


def test_flags_at_once_hide_the_item_exactly_once(monkeypatch, settings):
    """Flags cast at the same moment are counted one after the other under the flagged row's
    lock: however many arrive together, the threshold is crossed once (one hiding, one pending
    queue entry), and exactly at the threshold it is crossed at all."""
    from proposals import moderation
    from proposals.models import FlaggedItem
    from proposals.moderation import comment_flag, proposal_flag
    from proposals.services import comment_add

    settings.FLAGS_TO_HIDE = 3
    hidings: list[int] = []
    real_hide = moderation._hide

    def counted_hide(proposal, comment, now):
        hidings.append(comment.pk if comment is not None else -proposal.pk)
        real_hide(proposal, comment, now)

    monkeypatch.setattr(moderation, "_hide", counted_hide)
    proposal = ProposalFactory.create()
    comment = comment_add(proposal=proposal, author=UserFactory.create(), text="Ad")
    flaggers = UserFactory.create_batch(12)

    def work(index: int) -> None:
        # Twelve on the comment at once; three of them (exactly the threshold) on the proposal.
        comment_flag(comment=comment, member=flaggers[index], reason="spam")
        if index < 3:
            proposal_flag(proposal=proposal, member=flaggers[index], reason="spam")

    assert race(12, work) == []
    assert sorted(hidings) == sorted([comment.pk, -proposal.pk])
    for target in ({"comment": comment}, {"proposal": proposal, "comment": None}):
        [item] = FlaggedItem.objects.filter(**target)
        assert item.state == FlaggedItem.State.HIDDEN
    assert FlaggedItem.objects.get(comment=comment).flags.count() == 12
    comment.refresh_from_db()
    proposal.refresh_from_db()
    assert comment.is_hidden
    assert proposal.is_hidden


def test_one_member_flagging_from_many_connections_at_once_flags_once():
    from proposals.errors import ProposalStateError
    from proposals.models import Flag
    from proposals.moderation import proposal_flag

    proposal = ProposalFactory.create()
    member = UserFactory.create()

    def work(index: int) -> None:
        proposal_flag(proposal=proposal, member=member, reason="spam")

    errors = race(10, work)
    assert Flag.objects.filter(proposal=proposal).count() == 1
    assert len(errors) == 9
    assert all(isinstance(error, ProposalStateError) for error in errors)
