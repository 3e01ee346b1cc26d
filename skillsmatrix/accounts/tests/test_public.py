"""The public member page, and member names linked with their reputation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from proposals.models import Proposal, Review
from proposals.services import expertise_grant
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory
from roles.models import SkillDomain

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(seed_role):
    alice = UserFactory.create(username="alice", email="alice@example.com")
    for n in range(12):
        proposal = ProposalFactory.create(
            role=seed_role,
            author=alice,
            title=f"Accepted change {n}",
            status=Proposal.Status.ACCEPTED,
            decided_at=timezone.now(),
        )
        VoteFactory.create_batch(2, proposal=proposal)
    ProposalFactory.create(role=seed_role, author=alice, title="Still voting")
    other = ProposalFactory.create(role=seed_role, title="Someone else's")
    Review.objects.create(proposal=other, reviewer=alice, decision="approve", comment="Fine.")
    expertise_grant(user=alice, domain=SkillDomain.objects.get(slug="cloud-infrastructure"))
    return alice


def test_member_page_shows_the_record_never_the_email(client, alice):
    response = client.get("/members/alice/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>alice</h1>" in html
    assert "Member since" in html
    assert "Accepted change 11" in html
    assert "Accepted change 0" not in html  # the latest ten
    assert "12 accepted proposals in all" in html
    assert 'href="/proposals/?author=alice"' in html
    assert "Still voting" not in html
    assert "Someone else&#x27;s" in html  # the review
    assert "Cloud &amp; Infrastructure" in html
    assert '<span class="member-reputation__number">123</span>' in html  # 12 × 10 + 1 × 3
    assert "alice@example.com" not in html
    assert "@example.com" not in html


def test_member_page_query_budget(client, alice, django_assert_num_queries):
    # member, reputation, accepted proposals, reviews, expertise
    with django_assert_num_queries(5):
        client.get("/members/alice/")
    client.force_login(UserFactory.create())
    # ... plus the session and the viewer
    with django_assert_num_queries(7):
        client.get("/members/alice/")


@pytest.mark.parametrize(
    "path",
    [
        "/members/nobody/",
        "/members/%00/",
        "/members/a%00b/",
        "/members/%E2%80%AE%F0%9F%98%80/",
        "/members/" + "x" * 300 + "/",
        "/members/..%5C/",
        "/members/%FF%FE/",
    ],
)
def test_unknown_and_odd_names_are_a_clean_404(client, path):
    UserFactory.create(username="bob")

    response = client.get(path)

    assert response.status_code == 404
    assert "<html" in response.content.decode()


def test_an_inactive_member_has_no_page(client):
    UserFactory.create(username="gone", is_active=False)

    assert client.get("/members/gone/").status_code == 404


def test_a_username_with_allowed_odd_characters_has_its_page(client):
    UserFactory.create(username="zoë.o+x@home-1")

    response = client.get("/members/zo%C3%AB.o+x@home-1/")

    assert response.status_code == 200
    assert "zoë.o+x@home-1" in response.content.decode()


def test_proposal_list_links_authors_with_their_reputation(client, alice):
    html = client.get("/proposals/").content.decode()

    assert '<a href="/members/alice/" class="member-name">alice</a>' in html
    assert '<span class="visually-hidden">reputation </span>123</span>' in html


def test_proposal_page_links_the_author_with_reputation(client, alice):
    proposal = Proposal.objects.get(title="Still voting")

    html = client.get(f"/proposals/{proposal.pk}/").content.decode()

    assert '<a href="/members/alice/" class="member-name">alice</a>' in html
    assert '<span class="visually-hidden">reputation </span>123</span>' in html
