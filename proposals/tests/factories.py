"""Factories for the proposals domain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.apps import apps
from django.contrib.auth.models import User
from django.utils import timezone

from proposals.models import Comment, Proposal, Vote
from proposals.selectors import proposal_tally_counted
from roles.tests.factories import RoleFactory


def verify_email(user: User) -> None:
    """Give ``user`` a verified email address, the way the accounts app records one."""
    if not user.email:
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    if apps.is_installed("allauth.account"):
        email_address = apps.get_model("account", "EmailAddress")
        email_address.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-member-123")

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            verify_email(obj)


class ProposalFactory(factory.django.DjangoModelFactory[Proposal]):
    class Meta:
        model = Proposal

    role = factory.SubFactory(RoleFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}")
    rationale = "Because the industry moved on."
    base_version = factory.LazyAttribute(lambda o: o.role.current_version)
    changes = factory.LazyFunction(list)
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))


def tally_from_rows(proposal: Proposal) -> None:
    """Write ``proposal``'s stored tally from its vote rows (and set it on ``proposal``), as the
    vote services would have: for the rows a test writes without them."""
    up, down = proposal_tally_counted(proposal=proposal)
    proposal.votes_up, proposal.votes_down, proposal.score = up, down, up - down
    Proposal.objects.filter(pk=proposal.pk).update(votes_up=up, votes_down=down, score=up - down)


class VoteFactory(factory.django.DjangoModelFactory[Vote]):
    """A vote row, and its proposal's stored tally counted again (as the services keep it)."""

    class Meta:
        model = Vote

    proposal = factory.SubFactory(ProposalFactory)
    voter = factory.SubFactory(UserFactory)
    value = 1

    @classmethod
    def _create(cls, model_class: type[Vote], *args: Any, **kwargs: Any) -> Vote:
        vote: Vote = super()._create(model_class, *args, **kwargs)
        tally_from_rows(vote.proposal)
        return vote


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    class Meta:
        model = Comment

    proposal = factory.SubFactory(ProposalFactory)
    author = factory.SubFactory(UserFactory)
    text = "Makes sense to me."
