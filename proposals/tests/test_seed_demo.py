"""manage.py seed_demo: a demo community on the bundled role, in DEBUG only."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from proposals.models import Comment, Proposal, Review, Vote
from roles.models import RoleVersion

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_refuses_without_debug(seed_role, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG only"):
        _seed()
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_creates_the_lifecycle_at_every_stage(seed_role, settings):
    settings.DEBUG = True

    output = _seed()

    demo = User.objects.filter(username__startswith="demo-")
    assert demo.count() == 7
    assert all(user.email.endswith("@demo.invalid") for user in demo)
    statuses = sorted(Proposal.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "in_review", "rejected", "voting", "voting"]
    assert all(
        title.startswith("[Demo] ") for title in Proposal.objects.values_list("title", flat=True)
    )
    accepted = Proposal.objects.get(status="accepted")
    assert accepted.applied_version == RoleVersion.objects.get(role=seed_role, number=2)
    assert Review.objects.filter(proposal=accepted, decision="approve").count() == 1
    assert Vote.objects.count() == 5 + 6 + 5 + 3 + 1
    assert Comment.objects.count() == 4
    assert "7 members" in output
    assert "demo-password" in output


def test_twice_is_refused(seed_role, settings):
    settings.DEBUG = True
    _seed()

    with pytest.raises(CommandError, match="there already"):
        _seed()


def test_if_empty_leaves_a_database_with_proposals_alone(seed_role, settings):
    settings.DEBUG = True
    _seed()

    output = _seed("--if-empty")

    assert "no demo community added" in output
    assert Proposal.objects.count() == 5


def test_needs_the_bundled_role(db, settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="import it first"):
        _seed()
