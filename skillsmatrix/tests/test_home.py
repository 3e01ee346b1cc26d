"""The home page (roles' catalogue) with the proposals' activity the site hands it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from proposals.models import Proposal
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def _html(client, **params) -> str:
    response = client.get("/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_home_explains_the_site_in_four_steps_with_the_legend(client, seed_role):
    html = _html(client)

    assert 'id="about"' in html
    for step in ("Browse", "Rate yourself", "Propose", "Vote and review"):
        assert f"<strong>{step}</strong>" in html
    for code, name in (("A", "Awareness"), ("W", "Working knowledge"), ("E", "Expert")):
        assert f'<span class="code code--{code}" aria-hidden="true">{code}</span>' in html
        assert name in html
    assert 'href="/roles/mlops-engineer/grade/"' in html
    # The catalogue and its search stay on it.
    assert 'href="/roles/mlops-engineer/"' in html
    assert 'id="catalogue-q"' in html


def test_home_lists_recent_activity(client, seed_role):
    now = timezone.now()
    closing = ProposalFactory.create(
        role=seed_role, title="Closing in an hour", closes_at=now + timedelta(hours=1)
    )
    waiting = ProposalFactory.create(
        role=seed_role, title="Needs a few votes", closes_at=now + timedelta(days=5)
    )
    VoteFactory.create(proposal=waiting)
    ProposalFactory.create(
        role=seed_role,
        title="Decided already",
        status=Proposal.Status.ACCEPTED,
        decided_at=now,
        closes_at=now - timedelta(days=1),
    )
    ProposalFactory.create(
        role=seed_role, title="Spam proposal", is_spam=True, closes_at=now + timedelta(days=5)
    )

    html = _html(client)

    assert f'href="/proposals/{closing.pk}/"' in html
    assert f'href="/proposals/{waiting.pk}/"' in html
    assert "4 more votes needed" in html  # quorum 5, one vote cast
    assert "Decided already" not in html
    assert "Spam proposal" not in html
    # The import's version of the seed role.
    assert 'href="/roles/mlops-engineer/versions/1/">MLOps Engineer, version 1</a>' in html


def test_home_activity_is_cached_briefly(client, seed_role, settings):
    settings.HOME_ACTIVITY_CACHE_SECONDS = 60
    _html(client)
    ProposalFactory.create(role=seed_role, title="Brand new proposal")

    assert "Brand new proposal" not in _html(client)
    cache.clear()  # as when the minute is over
    assert "Brand new proposal" in _html(client)


def test_home_without_cache_shows_activity_at_once(client, seed_role, settings):
    settings.HOME_ACTIVITY_CACHE_SECONDS = 0
    _html(client)
    ProposalFactory.create(role=seed_role, title="Brand new proposal")

    assert "Brand new proposal" in _html(client)


def test_home_query_budget(client, seed_role, django_assert_num_queries):
    for n in range(10):
        proposal = ProposalFactory.create(role=seed_role, title=f"Voting {n}")
        VoteFactory.create_batch(2, proposal=proposal)
    # families; their roles; the latest versions; the voting proposals with their tallies
    with django_assert_num_queries(4):
        _html(client)
    # again, the activity from the cache
    with django_assert_num_queries(3):
        _html(client)


def test_home_query_budget_signed_in(client, seed_role, django_assert_max_num_queries):
    client.force_login(UserFactory.create())
    ProposalFactory.create_batch(5, role=seed_role)
    _html(client)  # the header's unread count is kept from here on
    # the session and the member, then the home page's four
    with django_assert_max_num_queries(6):
        _html(client)


def test_search_page_shows_only_matches(client, seed_role):
    html = _html(client, q="docker")

    assert 'id="about"' not in html
    assert "Recent activity" not in html


def test_footer_links_about_api_docs_feed_and_licence(client, seed_role):
    html = _html(client)

    assert 'href="/#about"' in html
    assert 'href="/api/docs/"' in html
    assert 'href="/feed/"' in html
    assert 'rel="license"' in html


def test_site_feed_lists_new_versions(client, seed_role):
    response = client.get("/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "MLOps Engineer, version 1" in response.content.decode()
