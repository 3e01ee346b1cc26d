from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from proposals.models import Expertise, Proposal
from proposals.tests.factories import ProposalFactory, UserFactory
from roles.tests.factories import SkillDomainFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_close_due_proposals_reports_each_one():
    due = ProposalFactory.create(closes_at=timezone.now() - timedelta(seconds=1))
    ProposalFactory.create()
    output = _run("close_due_proposals")
    assert f"#{due.pk}: expired" in output
    assert "1 proposal(s) closed." in output
    assert Proposal.objects.get(pk=due.pk).status == "expired"
    assert "0 proposal(s) closed." in _run("close_due_proposals")


def test_grant_expert_globally_and_per_domain_then_revoke():
    user = UserFactory.create(username="ada")
    domain = SkillDomainFactory.create(slug="containers")
    assert "expert of every domain." in _run("grant_expert", "ada")
    assert "expert of domain 'containers'." in _run("grant_expert", "ada", "--domain", "containers")
    assert "(already was)" in _run("grant_expert", "ada")
    assert set(Expertise.objects.filter(user=user).values_list("domain", flat=True)) == {
        None,
        domain.pk,
    }
    assert "no longer" in _run("grant_expert", "ada", "--revoke")
    assert list(Expertise.objects.filter(user=user).values_list("domain", flat=True)) == [domain.pk]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "no user 'nobody'"),
        (["ada", "--domain", "nope"], "no skill domain with slug 'nope'"),
        (["ada", "--revoke"], "ada is not an expert of every domain"),
    ],
)
def test_grant_expert_errors_are_one_line(args, message):
    UserFactory.create(username="ada")
    with pytest.raises(CommandError, match=message):
        call_command("grant_expert", *args)
