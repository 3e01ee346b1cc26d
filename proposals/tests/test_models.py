from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from proposals.models import Expertise, Proposal, Review, Vote
from proposals.tests.factories import CommentFactory, ProposalFactory, UserFactory, VoteFactory
from roles.tests.factories import SkillDomainFactory

pytestmark = pytest.mark.django_db


def _refused(**kwargs) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        kwargs.pop("model").objects.create(**kwargs)


def test_one_vote_per_member_per_proposal():
    vote = VoteFactory.create()
    _refused(model=Vote, proposal=vote.proposal, voter=vote.voter, value=-1)
    assert Vote.objects.count() == 1


def test_vote_value_is_plus_or_minus_one():
    proposal = ProposalFactory.create()
    _refused(model=Vote, proposal=proposal, voter=UserFactory.create(), value=2)
    _refused(model=Vote, proposal=proposal, voter=UserFactory.create(), value=0)


def test_status_must_be_known_and_decisions_carry_a_time():
    proposal = ProposalFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(status="merged")
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(status="rejected")
    Proposal.objects.filter(pk=proposal.pk).update(status="rejected", decided_at=timezone.now())


def test_rationale_and_title_are_required():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalFactory.create(rationale="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalFactory.create(title="")


def test_one_review_per_expert_with_a_comment():
    proposal = ProposalFactory.create()
    reviewer = UserFactory.create()
    _refused(model=Review, proposal=proposal, reviewer=reviewer, decision="approve", comment="")
    _refused(model=Review, proposal=proposal, reviewer=reviewer, decision="maybe", comment="ok")
    Review.objects.create(proposal=proposal, reviewer=reviewer, decision="approve", comment="ok")
    _refused(model=Review, proposal=proposal, reviewer=reviewer, decision="reject", comment="no")


def test_comment_text_is_required():
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFactory.create(text="")


def test_expertise_is_unique_per_domain_and_globally():
    user = UserFactory.create()
    domain = SkillDomainFactory.create()
    Expertise.objects.create(user=user, domain=domain)
    _refused(model=Expertise, user=user, domain=domain)
    Expertise.objects.create(user=user, domain=None)
    _refused(model=Expertise, user=user, domain=None)
