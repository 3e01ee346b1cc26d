"""Fixtures of the proposals tests: the seed role and proposals on it at each stage."""

from __future__ import annotations

from typing import Any

import pytest

from proposals.models import Proposal
from proposals.services import proposal_create
from proposals.tests.factories import UserFactory

DOCKER_SENIOR_E: dict[str, Any] = {
    "op": "set_requirement",
    "skill": "docker",
    "level": "senior",
    "code": "E",
    "mandatory": True,
}


@pytest.fixture
def author(db):
    return UserFactory.create(username="author")


@pytest.fixture
def proposal(seed_role, author) -> Proposal:
    """A proposal in voting on the seed role: Docker at Senior from A to E."""
    return proposal_create(
        role=seed_role,
        author=author,
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[DOCKER_SENIOR_E],
    )


@pytest.fixture
def in_review(proposal) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.IN_REVIEW)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def domain_expert(db):
    """An expert of Cloud & Infrastructure, the domain Docker sits in."""
    from proposals.services import expertise_grant
    from roles.models import SkillDomain

    user = UserFactory.create(username="cloud-expert")
    expertise_grant(user=user, domain=SkillDomain.objects.get(slug="cloud-infrastructure"))
    return user


@pytest.fixture
def other_expert(db):
    """An expert of a domain the proposal does not touch."""
    from proposals.services import expertise_grant
    from roles.models import SkillDomain

    user = UserFactory.create(username="api-expert")
    expertise_grant(user=user, domain=SkillDomain.objects.get(slug="api-integration"))
    return user


@pytest.fixture
def global_expert(db):
    from proposals.services import expertise_grant

    user = UserFactory.create(username="global-expert")
    expertise_grant(user=user)
    return user
