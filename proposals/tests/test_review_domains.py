"""Issue 18: every domain a proposal touches needs an approving expert of that domain (or a
global expert) before it applies; the review panel says which domains still need one."""

from __future__ import annotations

import pytest

from proposals.models import Proposal
from proposals.selectors import role_current_state
from proposals.services import expertise_grant, proposal_create, review_submit
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from roles.models import SkillDomain

pytestmark = pytest.mark.django_db


def _two_domains(role, author) -> Proposal:
    """Docker (Cloud & Infrastructure) and a skill of API & Integration in one proposal."""
    state = role_current_state(role=role)
    api_skill = next(skill for skill in state.skills if skill.domain == "api-integration")
    proposal = proposal_create(
        role=role,
        author=author,
        title="Two domains",
        rationale="Cloud and API together.",
        changes=[
            DOCKER_SENIOR_E,
            {"op": "remove_skill", "skill": api_skill.slug},
        ],
    )
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.IN_REVIEW)
    proposal.refresh_from_db()
    return proposal


def test_an_expert_of_one_domain_does_not_apply_another_domains_changes(
    seed_role, author, domain_expert, other_expert
):
    proposal = _two_domains(seed_role, author)
    review_submit(proposal=proposal, reviewer=domain_expert, decision="approve", comment="Cloud ok")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.IN_REVIEW  # the API change still waits
    review_submit(proposal=proposal, reviewer=other_expert, decision="approve", comment="API ok")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED


def test_a_global_experts_approval_counts_for_every_domain(seed_role, author, global_expert):
    proposal = _two_domains(seed_role, author)
    review_submit(proposal=proposal, reviewer=global_expert, decision="approve", comment="All ok")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED


def test_one_rejection_by_an_eligible_expert_rejects(seed_role, author, domain_expert):
    proposal = _two_domains(seed_role, author)
    review_submit(proposal=proposal, reviewer=domain_expert, decision="reject", comment="No.")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED


def test_an_approver_whose_expertise_covers_neither_domain_counts_nowhere(
    seed_role, author, domain_expert
):
    proposal = _two_domains(seed_role, author)
    review_submit(proposal=proposal, reviewer=domain_expert, decision="approve", comment="ok")
    # A second expert of the same domain: the API domain still has nobody.
    second = UserFactory.create(username="cloud-two")
    expertise_grant(user=second, domain=SkillDomain.objects.get(slug="cloud-infrastructure"))
    review_submit(proposal=proposal, reviewer=second, decision="approve", comment="ok too")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.IN_REVIEW


def test_the_review_panel_names_the_domains_still_waiting(client, seed_role, author, domain_expert):
    proposal = _two_domains(seed_role, author)
    review_submit(proposal=proposal, reviewer=domain_expert, decision="approve", comment="ok")
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    pending = page.split("data-domains-pending")[1].split("</ul>")[0]
    api_name = SkillDomain.objects.get(slug="api-integration").name
    cloud_name = SkillDomain.objects.get(slug="cloud-infrastructure").name
    assert api_name.replace("&", "&amp;") in pending
    assert cloud_name.replace("&", "&amp;") not in pending
