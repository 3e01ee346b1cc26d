"""manage.py seed_load (skillsmatrix.loadseed): the benchmarks' large community, here at 1 %."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from rest_framework.authtoken.models import Token

from grading.models import Assessment
from grading.selectors import grade_ratings, grading_sheet_get
from proposals.models import Comment, Proposal, Review, Vote
from proposals.rules import decision_for
from roles.models import Role, RoleVersion
from skillsmatrix import loadseed
from skillsmatrix.loadseed import Counts
from skillsmatrix.tests.production import PRODUCTION, run_python

pytestmark = pytest.mark.django_db

SCALE = "0.01"


def _load(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_load", "--scale", SCALE, *args, stdout=out)
    return out.getvalue()


def _digest() -> str:
    """The generated data by natural keys (no ids or clock times), as one hash."""
    order = {pk: i for i, pk in enumerate(Proposal.objects.order_by("pk").values_list("pk"))}
    rows = {
        "members": list(
            User.objects.filter(username__startswith="load-")
            .order_by("username")
            .values_list("username", "first_name", "email")
        ),
        "roles": list(
            Role.objects.filter(slug__regex=r"^load-[0-9]+$")
            .order_by("slug")
            .values_list("slug", "title", "current_version")
        ),
        "proposals": [
            (r[0], r[1], r[2], r[3], r[4], r[5])
            for r in Proposal.objects.order_by("pk").values_list(
                "role__slug", "author__username", "title", "status", "changes", "base_version"
            )
        ],
        "votes": sorted(
            (order[(p,)], voter, value, reason)
            for p, voter, value, reason in Vote.objects.values_list(
                "proposal", "voter__username", "value", "reason"
            )
        ),
        "comments": sorted(
            (order[(p,)], author, text, parent is not None)
            for p, author, text, parent in Comment.objects.values_list(
                "proposal", "author__username", "text", "parent"
            )
        ),
        "assessments": sorted(
            Assessment.objects.values_list(
                "token", "role__slug", "ratings", "grade", "user__username"
            )
        ),
        "tokens": sorted(Token.objects.values_list("key", "user__username")),
    }
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def test_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG only, or pass --i-know-this-is-not-production"):
        _load()
    assert not User.objects.filter(username__startswith="load-").exists()


def test_refuses_in_production_settings():
    result = run_python(["manage.py", "seed_load", "--scale", SCALE], **PRODUCTION)

    assert result.returncode == 1
    assert "seed_load creates members with a known password: DEBUG only" in result.stderr


def test_makes_the_community_at_scale(settings, tmp_path):
    settings.DEBUG = True
    counts = Counts.scaled(float(SCALE))
    tokens = tmp_path / "tokens.txt"

    output = _load("--tokens-file", str(tokens))

    load = Proposal.objects.filter(role__slug__startswith="load-")
    assert User.objects.filter(username__startswith="load-").count() == counts.members == 200
    assert Role.objects.filter(slug__regex=r"^load-[0-9]+$").count() == counts.roles == 1
    assert load.count() == counts.proposals == 100
    assert Vote.objects.count() == counts.votes == 3000
    assert Comment.objects.count() == counts.comments == 200
    assert Assessment.objects.count() == counts.assessments == 500
    versions = RoleVersion.objects.filter(role__slug__startswith="load-")
    assert versions.count() == counts.versions == 4
    assert versions.filter(source="proposal").count() == 3
    role = Role.objects.get(slug="load-01")
    assert 40 <= role.role_skills.count() <= 80
    # Every status, the accepted ones each applied as one of the role's versions.
    assert set(load.values_list("status", flat=True)) == set(Proposal.Status.values)
    accepted = load.filter(status="accepted")
    assert sorted(accepted.values_list("applied_version__number", flat=True)) == [2, 3, 4]
    assert Review.objects.filter(proposal__in=accepted, decision="approve").count() == 3
    # The members can log in (one hash for all) and vote through the API with their tokens.
    member = User.objects.get(username="load-00001")
    assert member.check_password("load-password")
    keys = tokens.read_text().split()
    assert len(keys) == counts.tokens
    assert Token.objects.get(key=keys[0]).user == member
    assert EmailAddress.objects.get(user=member).verified
    assert "load-password" in output


def test_tallies_fit_the_statuses():
    _load("--i-know-this-is-not-production")

    tallies = Proposal.objects.annotate(
        up=Count("votes", filter=Q(votes__value=1)),
        down=Count("votes", filter=Q(votes__value=-1)),
        total=Count("votes"),
    )
    quorum, ratio = settings.VOTING_QUORUM, settings.VOTING_APPROVAL_RATIO
    decided: Counter[str] = Counter()
    for p in tallies:
        if p.status in ("in_review", "accepted", "conflict", "rejected", "expired"):
            # Accepted and conflicting proposals were carried by the vote, then reviewed.
            expected = "in_review" if p.status in ("accepted", "conflict") else p.status
            assert (
                decision_for(up=p.up, down=p.down, quorum=quorum, approval_ratio=ratio) == expected
            ), (p.status, p.up, p.down)
            decided[p.status] += 1
        assert (p.decided_at is None) == (p.status in ("voting", "in_review"))
    assert set(decided) == {"in_review", "accepted", "conflict", "rejected", "expired"}
    # Nobody votes on their own proposal; only down votes carry a reason.
    assert not Vote.objects.filter(voter=F("proposal__author")).exists()
    assert not Vote.objects.filter(value=1).exclude(reason="").exists()
    assert Vote.objects.filter(value=-1).exclude(reason="").exists()
    # A proposal with as many votes as the members allow (500–1 500 at scale 1) and ~150
    # comments.
    heavy = Proposal.objects.annotate(discussion=Count("comments")).order_by("-discussion")[0]
    assert 130 <= heavy.discussion <= 170
    assert heavy.votes.count() == Counts.scaled(float(SCALE)).members - 1


def test_the_same_seed_gives_the_same_data(settings):
    settings.DEBUG = True
    _load()
    first = _digest()

    with pytest.raises(CommandError, match="seed_load data is there already"):
        _load()
    assert _digest() == first

    output = _load("--reset")
    assert "Removed the earlier seed_load data" in output
    assert _digest() == first
    assert User.objects.filter(username__startswith="load-").count() == 200

    _load("--reset", "--seed", "7")
    assert _digest() != first


def test_reset_leaves_other_data_alone(settings, seed_role, member):
    settings.DEBUG = True
    _load()

    _load("--reset")

    assert Role.objects.filter(pk=seed_role.pk).exists()
    assert User.objects.filter(pk=member.pk).exists()
    assert Role.objects.filter(slug__regex=r"^load-[0-9]+$").count() == 1


def test_refuses_a_bad_scale(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="--scale must be above 0"):
        call_command("seed_load", "--scale", "0")


def test_a_stored_tally_is_written_where_proposals_have_one(settings, monkeypatch):
    """With the tally fields on Proposal (issue 20), each proposal's is its vote rows'."""
    settings.DEBUG = True
    written: dict[int, tuple[int, int, int]] = {}
    real = Proposal.objects.bulk_update
    native = loadseed._has_tally()

    def bulk_update(rows, fields, **kwargs):
        if fields == loadseed.TALLY_FIELDS:
            written.update({r.pk: (r.votes_up, r.votes_down, r.score) for r in rows})
            if not native:
                return len(rows)
        return real(rows, fields, **kwargs)

    monkeypatch.setattr(loadseed, "_has_tally", lambda: True)
    monkeypatch.setattr(Proposal.objects, "bulk_update", bulk_update)
    _load()

    rows = Proposal.objects.annotate(
        up=Count("votes", filter=Q(votes__value=1)), down=Count("votes", filter=Q(votes__value=-1))
    )
    assert written == {p.pk: (p.up, p.down, p.up - p.down) for p in rows}


def test_assessments_have_the_engines_grade(settings):
    settings.DEBUG = True
    _load()

    role = Role.objects.get(slug="load-01")
    sheet = grading_sheet_get(role=role)
    grades = set()
    for assessment in Assessment.objects.filter(role=role)[:50]:
        assert assessment.role_version == role.current_version
        assert grade_ratings(sheet=sheet, ratings=assessment.ratings).grade == (
            assessment.grade or None
        )
        grades.add(assessment.grade)
    assert len(grades) > 1
