"""Proposals that change parts a framework shares between its roles (DESIGN §4b): a skill's
scale and step content, a scale, a track, a domain, the framework's source and licence. A
proposal is on one role; applying it versions every role that shows the part."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail

from proposals.errors import ProposalForbidden
from proposals.models import Proposal, ProposalTarget
from proposals.selectors import expert_can_review, proposal_expert_ids
from proposals.services import expertise_grant, proposal_create, review_submit
from proposals.tests.factories import UserFactory
from roles.changes.types import parse_changes
from roles.models import Role, RoleVersion, SkillDomain
from roles.services import document_import, role_change_apply

pytestmark = pytest.mark.django_db

EXAMPLE = Path(django_settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"
ROLE = "hw-software-engineer"
PROFICIENCY: dict[str, Any] = {
    "slug": "proficiency",
    "name": "Proficiency",
    "steps": [
        {"code": "1", "name": "Aware"},
        {"code": "2", "name": "Foundational"},
        {"code": "3", "name": "Working"},
        {"code": "4", "name": "Practised"},
        {"code": "5", "name": "Expert"},
    ],
}


@pytest.fixture
def hw_role() -> Role:
    document_import(raw=EXAMPLE.read_bytes())
    return Role.objects.get(slug=ROLE)


def _propose(role: Role, changes: list[Any]) -> Proposal:
    return proposal_create(
        role=role, author=UserFactory.create(), title="Shared", rationale="Why.", changes=changes
    )


def _in_review(proposal: Proposal) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.IN_REVIEW)
    proposal.refresh_from_db()
    return proposal


def _approve(proposal: Proposal) -> Proposal:
    for _index in range(django_settings.REVIEW_APPROVALS):
        expert = UserFactory.create()
        expertise_grant(user=expert)
        review_submit(proposal=proposal, reviewer=expert, decision="approve", comment="Yes.")
    proposal.refresh_from_db()
    return proposal


def _domain_expert(slug: str):
    user = UserFactory.create()
    expertise_grant(user=user, domain=SkillDomain.objects.get(slug=slug))
    return user


def _versions(slug: str) -> list[RoleVersion]:
    return list(RoleVersion.objects.filter(role__slug=slug).order_by("number"))


def _practised() -> dict:
    return {"op": "set_scale", "scale": PROFICIENCY}


def _hiring_steps() -> dict:
    return {
        "op": "set_skill",
        "skill": "hw-hiring",
        "scale": "proficiency",
        "steps": {"3": {"summary": "Runs a fair interview loop"}},
    }


# --- Applying: every role showing the part gets a version ---


def test_a_scale_proposal_versions_every_role_whose_skills_use_it(hw_role):
    proposal = _approve(_in_review(_propose(hw_role, [_practised()])))
    assert proposal.status == Proposal.Status.ACCEPTED, proposal.conflicts
    own = _versions(ROLE)[-1]
    assert proposal.applied_version == own
    assert own.proposal_id == proposal.pk
    assert own.source == RoleVersion.Source.PROPOSAL
    # Head of Engineering shows Hiring, on Proficiency: it follows, as the community's.
    head = _versions("hw-head-of-engineering")
    assert len(head) == 2
    assert head[-1].source == RoleVersion.Source.PROPOSAL
    assert head[-1].proposal_id is None
    scales = {s["slug"]: s for s in head[-1].snapshot["scales"]}
    assert scales["proficiency"]["steps"][3]["name"] == "Practised"
    # Site Reliability's skills are on other scales: no version.
    assert len(_versions("hw-site-reliability")) == 1


def test_a_skill_proposal_changes_its_step_content_everywhere(hw_role):
    proposal = _approve(_in_review(_propose(hw_role, [_hiring_steps()])))
    assert proposal.status == Proposal.Status.ACCEPTED, proposal.conflicts
    head = _versions("hw-head-of-engineering")[-1].snapshot
    hiring = next(s for s in head["skills"] if s["slug"] == "hw-hiring")
    assert hiring["steps"] == {"3": {"summary": "Runs a fair interview loop"}}
    assert len(_versions("hw-growth-ladder")) == 1


def test_a_framework_proposal_sets_source_and_licence_in_every_role(hw_role):
    change = {
        "op": "set_framework",
        "name": "Harbour Works engineering framework",
        "source": {"url": "https://example.org/hw", "licence": "CC BY-SA 4.0"},
    }
    proposal = _approve(_in_review(_propose(hw_role, [change])))
    assert proposal.status == Proposal.Status.ACCEPTED, proposal.conflicts
    for slug in (ROLE, "hw-site-reliability", "hw-growth-ladder", "hw-head-of-engineering"):
        snapshot = _versions(slug)[-1].snapshot
        assert snapshot["framework"]["source"]["licence"] == "CC BY-SA 4.0", slug


def test_a_track_and_a_domain_proposal_apply(hw_role):
    changes = [
        {"op": "set_track", "track": {"code": "manager", "name": "Engineering manager"}},
        {"op": "set_domain", "domain": "people", "name": "People", "description": "Growing us."},
    ]
    proposal = _approve(_in_review(_propose(hw_role, changes)))
    assert proposal.status == Proposal.Status.ACCEPTED, proposal.conflicts
    snapshot = _versions("hw-site-reliability")[-1].snapshot  # shows People, not the tracks
    domains = {d["slug"]: d for d in snapshot["domains"]}
    assert domains["people"]["description"] == "Growing us."
    tracks = {t["code"]: t for t in _versions(ROLE)[-1].snapshot["tracks"]}
    assert tracks["manager"]["name"] == "Engineering manager"


# --- Conflicts ---


def _curator_changes(role_slug: str, changes: list[dict]) -> None:
    role_change_apply(
        role=Role.objects.get(slug=role_slug),
        changes=parse_changes(changes),
        author=None,
        source=RoleVersion.Source.ADMIN,
        message="curators",
    )


def test_a_scale_changed_after_the_base_version_is_a_conflict(hw_role):
    proposal = _in_review(_propose(hw_role, [_practised()]))
    # A curator renames a step from another role that shows the scale.
    renamed = {**PROFICIENCY, "steps": [{**s} for s in PROFICIENCY["steps"]]}
    renamed["steps"][0]["name"] = "Aware of it"
    renamed["steps"][3]["name"] = "Practitioner"
    _curator_changes("hw-head-of-engineering", [{"op": "set_scale", "scale": renamed}])
    proposal = _approve(proposal)
    assert proposal.status == Proposal.Status.CONFLICT
    assert proposal.conflicts == ["scale:proficiency"]


def test_a_skills_steps_changed_after_the_base_version_is_a_conflict(hw_role):
    proposal = _in_review(_propose(hw_role, [_hiring_steps()]))
    other = {**_hiring_steps(), "steps": {"4": {"summary": "Designs the loop"}}}
    _curator_changes("hw-head-of-engineering", [other])
    assert _approve(proposal).status == Proposal.Status.CONFLICT


def test_a_domain_described_after_the_base_version_is_a_conflict(hw_role):
    change = {"op": "set_domain", "domain": "people", "name": "People", "description": "Us."}
    proposal = _in_review(_propose(hw_role, [change]))
    _curator_changes("hw-site-reliability", [{**change, "description": "Them."}])
    proposal = _approve(proposal)
    assert proposal.status == Proposal.Status.CONFLICT
    assert any(place.startswith("domain:people") for place in proposal.conflicts)


# --- Who may review ---


def test_targets_of_shared_changes(hw_role):
    proposal = _propose(
        hw_role,
        [
            _hiring_steps(),
            {"op": "set_domain", "domain": "craft", "name": "Craft", "description": "Building."},
            _practised(),
        ],
    )
    targets = {
        (t.skill, t.level, t.domain.slug if t.domain else None)
        for t in ProposalTarget.objects.filter(proposal=proposal)
    }
    assert targets == {("hw-hiring", "", "people"), ("", "", "craft"), ("", "", None)}


def test_a_scale_proposal_needs_a_global_expert(hw_role):
    proposal = _in_review(_propose(hw_role, [_practised()]))
    people = _domain_expert("people")
    assert not expert_can_review(user=people, proposal=proposal)
    assert people.pk not in proposal_expert_ids(proposal=proposal)
    with pytest.raises(ProposalForbidden):
        review_submit(proposal=proposal, reviewer=people, decision="approve", comment="Fine.")
    everywhere = UserFactory.create()
    expertise_grant(user=everywhere)
    assert expert_can_review(user=everywhere, proposal=proposal)


def test_a_part_outside_every_domain_is_not_for_a_domain_expert(hw_role):
    """A proposal touching People and a scale: a People expert may not approve the scale."""
    proposal = _in_review(_propose(hw_role, [_hiring_steps(), _practised()]))
    people = _domain_expert("people")
    assert not expert_can_review(user=people, proposal=proposal)
    assert people.pk not in proposal_expert_ids(proposal=proposal)


def test_a_skill_proposal_is_for_its_domains_experts(hw_role):
    proposal = _in_review(_propose(hw_role, [_hiring_steps()]))
    assert expert_can_review(user=_domain_expert("people"), proposal=proposal)
    assert not expert_can_review(user=_domain_expert("craft"), proposal=proposal)


def test_refiling_a_skill_touches_both_domains(hw_role):
    change = {**_hiring_steps(), "domain": "craft"}
    proposal = _propose(hw_role, [change])
    domains = {t.domain.slug for t in ProposalTarget.objects.filter(proposal=proposal)}
    assert domains == {"people", "craft"}


def test_a_domain_proposal_is_for_that_domains_experts(hw_role):
    change = {"op": "set_domain", "domain": "craft", "name": "Craft", "description": "Building."}
    proposal = _in_review(_propose(hw_role, [change]))
    assert expert_can_review(user=_domain_expert("craft"), proposal=proposal)
    assert not expert_can_review(user=_domain_expert("people"), proposal=proposal)


# --- The API, the page and the emails ---


def _api(client, changes):
    return client.post(
        "/api/v1/proposals/",
        {"role": ROLE, "title": "t", "rationale": "r", "changes": changes},
        content_type="application/json",
    )


def test_the_api_takes_shared_changes(client, hw_role):
    client.force_login(UserFactory.create())
    response = _api(client, [_practised(), _hiring_steps()])
    assert response.status_code == 201, response.content
    assert [c["op"] for c in response.json()["changes"]] == ["set_scale", "set_skill"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"op": "set_skill", "skill": "hw-testing", "scale": "nope"}, "changes[0].scale"),
        (
            {"op": "set_skill", "skill": "hw-testing", "scale": "proficiency", "steps": {"Y": {}}},
            "changes[0].steps.Y",
        ),
        ({"op": "set_scale", "scale": {"slug": "proficiency", "steps": []}}, "changes[0].scale"),
        ({"op": "set_scale", "scale": {"slug": "awe", "name": "A", "steps": []}}, "changes[0]"),
        ({"op": "set_track", "track": {"code": "ic"}}, "changes[0].track.name"),
        ({"op": "set_domain", "domain": "people", "name": ""}, "changes[0].name"),
        (
            {"op": "set_framework", "name": "HW", "source": {"url": "ftp://x"}},
            "changes[0].source.url",
        ),
        ({"op": "set_skill", "skill": "hw-testing", "scale": 5}, "changes[0].scale"),
    ],
)
def test_the_api_refuses_bad_shared_changes_with_their_path(client, hw_role, change, path):
    client.force_login(UserFactory.create())
    response = _api(client, [change])
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(key.startswith(path) for key in errors), errors
    assert not Proposal.objects.exists()


def test_the_proposal_page_says_shared_changes_in_words(client, hw_role):
    proposal = _propose(
        hw_role,
        [
            _practised(),
            _hiring_steps(),
            {"op": "set_domain", "domain": "people", "name": "People", "description": "Us."},
            {"op": "set_framework", "name": "HW", "source": {"licence": "CC0"}},
        ],
    )
    body = html.unescape(client.get(f"/proposals/{proposal.pk}/").content.decode())
    assert "step 4 renamed “Practitioner” → “Practised”" in body
    assert "what the skill looks like at steps 3 changed" in body
    assert "Hiring" in body
    assert "Proficiency" in body
    assert "source and licence" in body
    assert "Changes parts the framework's other roles share" in body


def test_the_review_email_lists_the_changes_in_words(hw_role, django_capture_on_commit_callbacks):
    expert = UserFactory.create()
    expertise_grant(user=expert)
    proposal = _propose(hw_role, [_practised(), _hiring_steps()])
    from proposals.services import proposal_close_now

    moderator = UserFactory.create(is_staff=True, is_superuser=True)
    for _index in range(django_settings.VOTING_QUORUM):
        from proposals.services import vote_cast

        vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert proposal_close_now(proposal=proposal, moderator=moderator) == "in_review"
    review = next(m for m in mail.outbox if expert.email in m.to)
    assert "Scale proficiency: 1 Aware, 2 Foundational, 3 Working, 4 Practised, 5 Expert" in (
        review.body
    )
    assert "Scale and step texts of hw-hiring set (proficiency)" in review.body
    html_body = html.unescape(str(review.alternatives[0][0]))  # type: ignore[attr-defined]
    assert "Scale and step texts of hw-hiring set (proficiency)" in html_body
