"""Two replicas of the app behind a load balancer (issue 19): on one PostgreSQL and one Redis,
whichever replica answers, a member is signed in, a change is there at once, rate limits count
once, and concurrent votes leave an exact tally. tests/deploy/conftest.py starts them."""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from typing import Any

import requests

from proposals.models import Proposal, Vote
from proposals.services import expertise_grant, proposal_create
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from roles.services import role_import
from tests.deploy.conftest import FIGURES

SLUG = "mlops-engineer"
VOTERS = 100


def _upstreams(answers: list[requests.Response]) -> set[str]:
    return {answer.headers["X-Upstream"] for answer in answers}


def _docker_at_senior(role_json: dict[str, Any]) -> str | None:
    for domain in role_json["domains"]:
        for skill in domain["skills"]:
            if skill["slug"] == "docker":
                cell = skill["requirements"]["senior"]
                return cell["code"] if cell else None
    raise AssertionError("no docker skill in the role")


def test_a_member_signed_in_through_one_replica_is_signed_in_through_the_other(
    replicas, transactional_db
):
    UserFactory.create(username="traveller")
    browser = requests.Session()
    browser.get(f"{replicas.url}/accounts/login/", timeout=30)
    signed_in = browser.post(
        f"{replicas.url}/accounts/login/",
        data={
            "login": "traveller",
            "password": "pw-member-123",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302, signed_in.text
    # Round robin: consecutive requests alternate between the replicas.
    profiles = [
        browser.get(f"{replicas.url}/accounts/profile/", allow_redirects=False, timeout=30)
        for _ in range(4)
    ]
    assert _upstreams(profiles) == set(replicas.backends)
    assert [profile.status_code for profile in profiles] == [200] * 4
    assert all("traveller" in profile.text for profile in profiles)

    # Signing out through one replica signs out of both.
    signed_out = browser.post(
        f"{replicas.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_out.status_code == 302
    profiles = [
        browser.get(f"{replicas.url}/accounts/profile/", allow_redirects=False, timeout=30)
        for _ in range(2)
    ]
    assert _upstreams(profiles) == set(replicas.backends)
    assert [profile.status_code for profile in profiles] == [302, 302]
    assert all("/accounts/login/" in profile.headers["Location"] for profile in profiles)


def test_an_approval_through_one_replica_is_seen_at_once_through_the_other(
    replicas, transactional_db, seed_document
):
    role = role_import(raw=seed_document).role
    author = UserFactory.create(username="author")
    reviewer = UserFactory.create(username="reviewer")
    expertise_grant(user=reviewer)
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=reviewer)
    proposal = proposal_create(
        role=role,
        author=author,
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[DOCKER_SENIOR_E],
    )
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.IN_REVIEW)
    page_url = f"{replicas.url}/roles/{SLUG}/"
    api_url = f"{replicas.url}/api/v1/roles/{SLUG}/"

    # Both replicas have read (and cached) the role as it is: version 1, Docker at A.
    pages = [requests.get(page_url, timeout=30) for _ in range(2)]
    apis = [requests.get(api_url, timeout=30) for _ in range(2)]
    assert _upstreams(pages) == _upstreams(apis) == set(replicas.backends)
    assert all("Version 1, last changed" in page.text for page in pages)
    assert [_docker_at_senior(api.json()) for api in apis] == ["A", "A"]
    etags = {page.headers["ETag"] for page in pages}
    assert len(etags) == 1  # the replicas agree on the page
    (old_etag,) = etags

    approved = requests.post(
        f"{replicas.url}/api/v1/proposals/{proposal.pk}/review/",
        json={"decision": "approve", "comment": "Matches what seniors do."},
        headers={"Authorization": f"Token {token.key}"},
        timeout=30,
    )
    assert approved.status_code in (200, 201), approved.text
    approved_by = approved.headers["X-Upstream"]

    # At once, through either replica: the new version, its cell, a new ETag (the old one no
    # longer revalidates).
    pages = [
        requests.get(page_url, headers={"If-None-Match": old_etag}, timeout=30) for _ in range(2)
    ]
    apis = [requests.get(api_url, timeout=30) for _ in range(2)]
    assert _upstreams(pages) == _upstreams(apis) == set(replicas.backends)
    assert [page.status_code for page in pages] == [200, 200]
    assert all("Version 2, last changed" in page.text for page in pages)
    new_etags = {page.headers["ETag"] for page in pages}
    assert len(new_etags) == 1
    (new_etag,) = new_etags
    assert new_etag != old_etag
    assert [api.json()["version"] for api in apis] == [2, 2]
    assert [_docker_at_senior(api.json()) for api in apis] == ["E", "E"]
    # And the new ETag revalidates on both.
    revalidated = [
        requests.get(page_url, headers={"If-None-Match": new_etag}, timeout=30) for _ in range(2)
    ]
    assert [answer.status_code for answer in revalidated] == [304, 304]
    assert _upstreams(revalidated) == set(replicas.backends)
    others = set(replicas.backends) - {approved_by}
    FIGURES.append(
        f"approval through {approved_by}: version 2 and its ETag served at once by both "
        f"(also {', '.join(sorted(others))})"
    )


def _clear_of_the_day_boundary() -> None:
    """The anonymous API rate is counted per UTC day: a burst that straddled midnight would
    count in two windows."""
    left = 86_400 - time.time() % 86_400
    if left < 60:
        time.sleep(left + 1)


def test_rate_limits_count_across_the_replicas(replicas, transactional_db):
    _clear_of_the_day_boundary()
    # The replicas allow 40 anonymous API calls per client per day (API_THROTTLE_ANON): each of
    # the four processes counting on its own would allow 160.
    answers = [requests.get(f"{replicas.url}/api/v1/roles/", timeout=30) for _ in range(50)]
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: 40, 429: 10}
    refused = [answer for answer in answers if answer.status_code == 429]
    assert _upstreams(answers[:40]) == _upstreams(refused) == set(replicas.backends)
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in refused)
    split = Counter(answer.headers["X-Upstream"] for answer in answers)
    FIGURES.append(
        f"rate limit 40/day over both replicas: 50 calls -> 40 answered, 10 refused (429); "
        f"per replica {dict(split)}"
    )


def test_votes_of_100_concurrent_clients_over_both_replicas_leave_an_exact_tally(
    replicas, transactional_db, seed_document
):
    from rest_framework.authtoken.models import Token

    role = role_import(raw=seed_document).role
    proposal = proposal_create(
        role=role,
        author=UserFactory.create(username="author"),
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[DOCKER_SENIOR_E],
    )
    voters = UserFactory.create_batch(VOTERS)
    tokens = [Token.objects.create(user=voter).key for voter in voters]
    # Two in three vote up.
    values = [-1 if index % 3 == 2 else 1 for index in range(VOTERS)]
    url = f"{replicas.url}/api/v1/proposals/{proposal.pk}/vote/"
    barrier = threading.Barrier(VOTERS)
    results: list[tuple[int, str, float] | BaseException] = [ValueError("not run")] * VOTERS

    def vote(index: int) -> None:
        # A client of its own: its own connection to the load balancer and its own token.
        with requests.Session() as client:
            client.headers["Authorization"] = f"Token {tokens[index]}"
            barrier.wait(timeout=60)
            started = time.monotonic()
            try:
                answer = client.post(url, json={"value": values[index]}, timeout=120)
                results[index] = (
                    answer.status_code,
                    answer.headers.get("X-Upstream", ""),
                    time.monotonic() - started,
                )
            except requests.RequestException as exc:
                results[index] = exc

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(VOTERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    elapsed = time.monotonic() - started

    failures = [result for result in results if not isinstance(result, tuple)]
    assert failures == []
    answered = [result for result in results if isinstance(result, tuple)]
    succeeded = [result for result in answered if result[0] == 200]
    assert Counter(result[0] for result in answered) == {200: VOTERS}
    rows = Counter(Vote.objects.filter(proposal=proposal).values_list("value", flat=True))
    sent = Counter(values)
    # tally == vote rows == successful answers, and each vote is the one its client sent.
    assert rows == sent
    assert sum(rows.values()) == len(succeeded) == VOTERS
    assert set(
        Vote.objects.filter(proposal=proposal).values_list("voter__auth_token__key", "value")
    ) == set(zip(tokens, values, strict=True))
    tallies = [
        requests.get(f"{replicas.url}/api/v1/proposals/{proposal.pk}/", timeout=30)
        for _ in range(2)
    ]
    assert _upstreams(tallies) == set(replicas.backends)
    assert [answer.json()["votes"] for answer in tallies] == [{"up": rows[1], "down": rows[-1]}] * 2

    split = Counter(result[1] for result in answered)
    assert set(split) == set(replicas.backends)
    durations = sorted(result[2] for result in answered)
    FIGURES.append(
        f"{VOTERS} concurrent vote POSTs over 2 replicas (2 gunicorn workers each): "
        f"{len(succeeded)} answered 200 in {elapsed:.2f} s; per replica {dict(split)}; "
        f"latency median {statistics.median(durations):.3f} s, "
        f"p90 {durations[int(0.9 * VOTERS) - 1]:.3f} s, max {durations[-1]:.3f} s; "
        f"tally up {rows[1]} down {rows[-1]} == {sum(rows.values())} vote rows"
    )
