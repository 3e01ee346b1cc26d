"""proposal_create, the preview and expert review with the apply step (proposals.services)."""

from __future__ import annotations

import pytest

from proposals.errors import (
    ProposalForbidden,
    ProposalInvalid,
    ProposalLimitReached,
    ProposalStateError,
)
from proposals.models import Proposal, ProposalTarget, Review
from proposals.selectors import proposal_list, proposal_list_open, proposal_preview
from proposals.services import expertise_grant, proposal_create, review_submit
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from roles.models import RoleVersion
from roles.selectors import role_cell_get

pytestmark = pytest.mark.django_db


def _create(role, author, changes, **kwargs):
    return proposal_create(
        role=role,
        author=author,
        title=kwargs.pop("title", "A change"),
        rationale=kwargs.pop("rationale", "Because."),
        changes=changes,
        **kwargs,
    )


def test_create_records_changes_targets_and_the_base_version(proposal, seed_role, settings):
    assert proposal.status == "voting"
    assert proposal.base_version == seed_role.current_version == 1
    assert proposal.changes == [DOCKER_SENIOR_E]
    target = ProposalTarget.objects.get(proposal=proposal)
    assert (target.skill, target.level, target.domain.slug) == (
        "docker",
        "senior",
        "cloud-infrastructure",
    )
    window = (proposal.closes_at - proposal.created_at).total_seconds() / 3600
    assert window == pytest.approx(settings.VOTING_WINDOW_HOURS, abs=0.01)


def test_fractional_window(seed_role, author, settings):
    settings.VOTING_WINDOW_HOURS = 0.5
    proposal = _create(seed_role, author, [DOCKER_SENIOR_E])
    assert (proposal.closes_at - proposal.created_at).total_seconds() == pytest.approx(1800, abs=5)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ([], "changes", "Add at least one change."),
        (
            [{**DOCKER_SENIOR_E, "level": "staff"}],
            "changes[0].level",
            "no level 'staff' in role 'mlops-engineer'",
        ),
        (
            [DOCKER_SENIOR_E, {**DOCKER_SENIOR_E, "skill": "cobol"}],
            "changes[1].skill",
            "no skill 'cobol' in role 'mlops-engineer'",
        ),
        (
            [{**DOCKER_SENIOR_E, "code": "A"}],
            "changes[0]",
            "this change makes no difference",
        ),
        ([{"op": "rename_family", "family": "x", "name": "y"}], "changes[0].op", "must be one of"),
        ("not a list", "changes", "must be an array"),
    ],
)
def test_bad_changes_are_refused_with_their_path(seed_role, author, changes, field, message):
    with pytest.raises(ProposalInvalid) as caught:
        _create(seed_role, author, changes)
    assert field in caught.value.errors
    assert message in caught.value.errors[field]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"rationale": ""}, "rationale"),
        ({"rationale": "x" * 5001}, "rationale"),
        ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links[0]"),
        ({"base_version": 9}, "base_version"),
    ],
)
def test_bad_fields_are_refused(seed_role, author, kwargs, field):
    with pytest.raises(ProposalInvalid) as caught:
        _create(seed_role, author, [DOCKER_SENIOR_E], **kwargs)
    assert field in caught.value.errors


def test_unverified_members_do_not_propose(seed_role):
    with pytest.raises(ProposalForbidden):
        _create(seed_role, UserFactory.create(verified=False), [DOCKER_SENIOR_E])


def test_open_proposal_cap(seed_role, author, settings):
    settings.PROPOSALS_OPEN_PER_MEMBER = 2
    settings.NEW_MEMBER_OPEN_PROPOSALS = 5  # the cap of trusted members, not the new ones'
    first = _create(seed_role, author, [DOCKER_SENIOR_E])
    _create(seed_role, author, [DOCKER_SENIOR_E])
    with pytest.raises(ProposalLimitReached):
        _create(seed_role, author, [DOCKER_SENIOR_E])
    # A decided proposal no longer counts.
    Proposal.objects.filter(pk=first.pk).update(status="withdrawn", decided_at=first.created_at)
    _create(seed_role, author, [DOCKER_SENIOR_E])
    assert Proposal.objects.filter(author=author).count() == 3


def test_every_change_type_with_targets_and_preview(seed_role, author):
    changes = [
        {"op": "set_details", "skill": "docker", "level": "junior", "text": "Build an image."},
        {"op": "add_skill", "skill": {"name": "Podman", "domain": "Cloud & Infrastructure"}},
        {"op": "remove_skill", "skill": "kubernetes-advanced"},
        {"op": "set_focus", "level": "lead", "text": "Lead the platform."},
        {"op": "set_stack", "level": "lead", "items": ["Kubernetes", "Podman"]},
    ]
    proposal = _create(seed_role, author, changes)
    targets = set(ProposalTarget.objects.filter(proposal=proposal).values_list("skill", "level"))
    assert targets == {
        ("docker", "junior"),
        ("podman", ""),
        ("kubernetes-advanced", ""),
        ("", "lead"),
    }
    preview = proposal_preview(proposal=proposal)
    statuses = {row.skill: row.status for row in preview.rows}
    assert statuses == {"docker": "changed", "podman": "added", "kubernetes-advanced": "removed"}
    assert {(f.level, f.field) for f in preview.level_fields} == {
        ("lead", "focus"),
        ("lead", "stack"),
    }


def test_lists_filter_by_role_skill_level_and_domain(proposal, seed_role):
    assert list(proposal_list_open(role_slug="mlops-engineer", skill_slug="docker")) == [proposal]
    assert list(
        proposal_list_open(role_slug="mlops-engineer", skill_slug="docker", level_code="senior")
    ) == [proposal]
    assert not proposal_list_open(
        role_slug="mlops-engineer", skill_slug="docker", level_code="junior"
    ).exists()
    assert list(proposal_list(domain_slug="cloud-infrastructure")) == [proposal]
    assert not proposal_list(domain_slug="api-integration").exists()
    assert not proposal_list(role_slug="other").exists()


# --- Review ---


def test_one_approval_applies_the_changes_as_one_version(in_review, seed_role, domain_expert):
    review_submit(
        proposal=in_review, reviewer=domain_expert, decision="approve", comment="Matches reality."
    )
    in_review.refresh_from_db()
    assert in_review.status == "accepted"
    assert in_review.decided_at is not None
    version = in_review.applied_version
    assert version.number == 2
    assert version.source == RoleVersion.Source.PROPOSAL
    assert version.author == in_review.author
    seed_role.refresh_from_db()
    assert seed_role.current_version == 2
    cell = role_cell_get(slug="mlops-engineer", skill_slug="docker", level_code="senior")
    assert cell.code == "E"


def test_review_approvals_setting(in_review, domain_expert, global_expert, settings):
    settings.REVIEW_APPROVALS = 2
    review_submit(proposal=in_review, reviewer=domain_expert, decision="approve", comment="ok")
    in_review.refresh_from_db()
    assert in_review.status == "in_review"
    review_submit(proposal=in_review, reviewer=global_expert, decision="approve", comment="ok")
    in_review.refresh_from_db()
    assert in_review.status == "accepted"


def test_one_rejection_rejects(in_review, domain_expert, global_expert, settings):
    settings.REVIEW_APPROVALS = 2
    review_submit(proposal=in_review, reviewer=domain_expert, decision="approve", comment="ok")
    review_submit(proposal=in_review, reviewer=global_expert, decision="reject", comment="No.")
    in_review.refresh_from_db()
    assert in_review.status == "rejected"
    assert in_review.applied_version is None
    assert RoleVersion.objects.filter(role=in_review.role).count() == 1


def test_who_may_review(in_review, other_expert, domain_expert):
    with pytest.raises(ProposalForbidden):
        review_submit(proposal=in_review, reviewer=other_expert, decision="approve", comment="ok")
    with pytest.raises(ProposalForbidden):
        review_submit(
            proposal=in_review, reviewer=UserFactory.create(), decision="approve", comment="ok"
        )
    expertise_grant(user=in_review.author)
    with pytest.raises(ProposalForbidden, match="own proposals"):
        review_submit(
            proposal=in_review, reviewer=in_review.author, decision="approve", comment="ok"
        )
    with pytest.raises(ProposalInvalid):
        review_submit(proposal=in_review, reviewer=domain_expert, decision="approve", comment=" ")
    with pytest.raises(ProposalInvalid):
        review_submit(proposal=in_review, reviewer=domain_expert, decision="maybe", comment="ok")
    assert not Review.objects.exists()


def test_no_review_outside_review_or_twice(proposal, domain_expert, settings):
    with pytest.raises(ProposalStateError):
        review_submit(proposal=proposal, reviewer=domain_expert, decision="approve", comment="ok")
    Proposal.objects.filter(pk=proposal.pk).update(status="in_review")
    settings.REVIEW_APPROVALS = 3
    review_submit(proposal=proposal, reviewer=domain_expert, decision="approve", comment="ok")
    with pytest.raises(ProposalStateError, match="already reviewed"):
        review_submit(proposal=proposal, reviewer=domain_expert, decision="reject", comment="no")


def test_a_cell_changed_since_the_base_version_is_a_conflict(in_review, seed_role, domain_expert):
    from roles.changes.types import parse_changes
    from roles.services import role_change_apply

    role_change_apply(
        role=seed_role,
        changes=parse_changes(
            [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "W"}]
        ),
        author=None,
        source=RoleVersion.Source.ADMIN,
    )
    review_submit(proposal=in_review, reviewer=domain_expert, decision="approve", comment="ok")
    in_review.refresh_from_db()
    assert in_review.status == "conflict"
    assert "cell:docker:senior" in in_review.conflicts
    assert in_review.applied_version is None
    seed_role.refresh_from_db()
    assert seed_role.current_version == 2  # the curator's edit only
    cell = role_cell_get(slug="mlops-engineer", skill_slug="docker", level_code="senior")
    assert cell.code == "W"
    assert Review.objects.filter(proposal=in_review).count() == 1


def test_changes_the_role_no_longer_takes_are_a_conflict_naming_them(in_review, domain_expert):
    # Written when the role had a skill "cobol", say: the stored problems are the English lines.
    cobol = {"op": "set_requirement", "skill": "cobol", "level": "senior", "code": "E"}
    Proposal.objects.filter(pk=in_review.pk).update(changes=[DOCKER_SENIOR_E, cobol])
    in_review.refresh_from_db()
    review_submit(proposal=in_review, reviewer=domain_expert, decision="approve", comment="ok")
    in_review.refresh_from_db()
    assert in_review.status == "conflict"
    assert in_review.conflicts == ["changes[1].skill: no skill 'cobol' in role 'mlops-engineer'"]
    assert in_review.applied_version is None


def test_a_role_without_versions_is_read_from_its_rows(seed_role, author):
    RoleVersion.objects.filter(role=seed_role).delete()
    proposal = _create(seed_role, author, [DOCKER_SENIOR_E])
    assert proposal.changes == [DOCKER_SENIOR_E]
