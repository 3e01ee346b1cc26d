"""Fault tests against real services (issue 9, DESIGN §8): gunicorn with two workers on the
test PostgreSQL database and a private Redis (cache, rate limits and broker), which the tests
hang (SIGSTOP), kill and bring back, and PostgreSQL dropping the app's connections.

Every request is timed: with Redis hung or gone, pages, grading, voting and sign-in answer
within a second, and /readyz says 503 within two."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection

from skillsmatrix.tests.servers import RedisServer, free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
ROLE = "/roles/mlops-engineer/"
GRADE_API = "/api/v1/roles/mlops-engineer/grade/"
CALCULATOR = "/roles/mlops-engineer/grade/"
PROMPT = 1.0  # seconds per request: pages, grading, voting and sign-in with Redis down
READY_PROMPT = 2.0  # seconds: /readyz
BREAKER_SECONDS = 1.0
READYZ_CACHE_SECONDS = 0.5

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _on_postgresql() -> None:
    # The server process must see the test's committed rows: a file-less SQLite test database
    # cannot be shared, and terminating backends is PostgreSQL's. CI runs on PostgreSQL.
    if connection.vendor != "postgresql":
        message = "fault tests need PostgreSQL (DATABASE_URL=postgres://…)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float
    # A form's answer: the seconds of the page fetched first for its CSRF token (each request
    # is bound on its own: either may be the one that meets the outage on its worker).
    page_seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Browser:
    """Requests to the server, each on a new connection (so both workers serve them), with
    the cookies a browser would keep."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        start = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode()
        finally:
            conn.close()
        seconds = time.monotonic() - start
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return Answer(response.status, dict(response.getheaders()), content, seconds)

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict[str, str]) -> Answer:
        """A form posted as the browser would: the page first, for its CSRF token."""
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert token, f"no CSRF token on {path} ({page.status})"
        body = urlencode({"csrfmiddlewaretoken": token.group(1), **data})
        answer = self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        answer.page_seconds = page.seconds
        return answer

    def post_json(self, path: str, data: Any, **headers: str) -> Answer:
        headers["Content-Type"] = "application/json"
        return self.request("POST", path, json.dumps(data), headers)


@dataclass
class Site:
    port: int
    redis: RedisServer
    token: str
    proposal_id: int
    voter_id: int

    def browser(self) -> Browser:
        return Browser(self.port)

    def vote(self, value: int) -> Answer:
        return self.browser().post_json(
            f"/api/v1/proposals/{self.proposal_id}/vote/",
            {"value": value},
            Authorization=f"Token {self.token}",
        )

    def sign_in(self, password: str) -> Answer:
        return self.browser().post_form(
            "/accounts/login/", {"login": "voter", "password": password}
        )


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_site(redis_server, seed_document, tmp_path) -> Iterator[Callable[..., Site]]:
    """Start gunicorn (two sync workers, persistent database connections) on the test
    database and the private Redis, with the seed role, a verified member ``voter`` with an
    API token, and a proposal of another member in voting."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from proposals.services import proposal_create
    from roles.services import role_import

    processes: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> Site:
        role = role_import(raw=seed_document).role
        voter = User.objects.create_user("voter", "voter@example.com", "pw-voter-123")
        author = User.objects.create_user("author", "author@example.com", "pw-author-123")
        for user in (voter, author):
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        token = Token.objects.create(user=voter)
        proposal = proposal_create(
            role=role,
            author=author,
            title="Seniors master Docker",
            rationale="Every senior debugs image builds.",
            changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
        )
        port = free_port()
        server_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "skillsmatrix.tests.fault_settings",
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": "60",
            "REDIS_URL": redis_server.url(0),
            "CELERY_BROKER_URL": redis_server.url(1),
            "REDIS_BREAKER_SECONDS": str(BREAKER_SECONDS),
            "READYZ_CACHE_SECONDS": str(READYZ_CACHE_SECONDS),
            "DJANGO_SECRET_KEY": "fault-tests-only-secret-key-" + "x" * 30,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        log = (tmp_path / "gunicorn.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn and app
            [gunicorn, "skillsmatrix.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "-t", "30"],
            cwd=ROOT,
            env=server_env,
            stdout=log,
            stderr=log,
        )
        processes.append(process)
        wait_for_port(port)
        site = Site(port, redis_server, token.key, proposal.pk, voter.pk)
        # Both workers up and warm (imports, connections) with everything working.
        for _ in range(6):
            assert site.browser().get(ROLE).status == 200
        return site

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _prompt(answer: Answer, status: int, what: str, limit: float = PROMPT) -> None:
    assert answer.status == status, f"{what}: {answer.status} {answer.body[:300]}"
    assert answer.seconds < limit, f"{what} took {answer.seconds:.2f} s"
    assert answer.page_seconds < limit, f"{what}'s form page took {answer.page_seconds:.2f} s"


def _redis_outage(site: Site, kind: str) -> None:
    if kind == "hung":
        site.redis.stop()
    else:
        site.redis.kill()


@pytest.mark.parametrize("outage", ["hung", "killed"])
def test_the_site_answers_within_a_second_while_redis_is(start_site, outage):
    from proposals.models import Vote

    site = start_site()
    assert site.browser().get("/readyz").status == 200
    _redis_outage(site, outage)
    # Several rounds, so that both workers meet the outage (each pays one short timeout).
    for _ in range(3):
        _prompt(site.browser().get(ROLE), 200, "role page")
        _prompt(site.browser().post_json(GRADE_API, {"ratings": {"docker": "W"}}), 200, "grade API")
        calculator = site.browser().post_form(CALCULATOR, {"rating-docker": "W"})
        _prompt(calculator, 200, "calculator")
        _prompt(site.sign_in("pw-voter-123"), 302, "sign-in")
    vote = site.vote(1)
    _prompt(vote, 200, "vote")
    assert vote.json()["votes"] == {"up": 1, "down": 0}
    assert Vote.objects.get(proposal_id=site.proposal_id, voter_id=site.voter_id).value == 1
    time.sleep(READYZ_CACHE_SECONDS)  # past the answer a worker kept from before the outage
    for _ in range(4):
        ready = site.browser().get("/readyz")
        _prompt(ready, 503, "readyz", READY_PROMPT)
        assert ready.json() == {
            "ready": False,
            "database": "ok",
            "cache": "unavailable",
            "broker": "unavailable",
        }


def test_rate_limits_keep_limiting_while_redis_is_hung(start_site):
    site = start_site(LOGIN_ATTEMPTS_PER_15_MINUTES="3", PROPOSAL_WRITES_PER_MINUTE="3")
    site.redis.stop()
    guesses = [site.sign_in(f"guess-{n}") for n in range(4)]
    for guess in guesses:
        assert guess.seconds < PROMPT
    assert [guess.status for guess in guesses] == [200, 200, 200, 429]
    assert "Too many sign-in attempts" in guesses[-1].body
    votes = [site.vote(value) for value in (1, -1, 1, -1)]
    for vote in votes:
        assert vote.seconds < PROMPT
    assert [vote.status for vote in votes] == [200, 200, 200, 429]


@pytest.mark.parametrize("outage", ["hung", "killed"])
def test_caching_resumes_when_redis_comes_back(start_site, outage):
    site = start_site()
    _redis_outage(site, outage)
    for _ in range(4):
        assert site.browser().get(ROLE).status == 200
    if outage == "hung":
        site.redis.cont()
        site.redis.client().flushall()  # what the workers cached from now on is new
    else:
        site.redis.start()  # empty: no persistence
    time.sleep(BREAKER_SECONDS + 0.1)  # every worker's circuit is due for its probe
    for _ in range(6):
        assert site.browser().get(ROLE).status == 200
    assert site.redis.client().keys("*roles:role:mlops-engineer") != []
    time.sleep(READYZ_CACHE_SECONDS)
    for _ in range(4):
        ready = site.browser().get("/readyz")
        _prompt(ready, 200, "readyz", READY_PROMPT)
        assert ready.json()["cache"] == "ok"


def test_the_next_request_succeeds_after_postgresql_drops_the_connections(start_site):
    site = start_site()
    for _ in range(6):
        assert site.browser().get("/api/v1/proposals/").status == 200
    terminate = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with connection.cursor() as cursor:
        cursor.execute(terminate)
        terminated = len(cursor.fetchall())
    assert terminated >= 1  # the workers kept their connections (CONN_MAX_AGE)
    for _ in range(6):
        _prompt(site.browser().get("/api/v1/proposals/"), 200, "proposal list")
    _prompt(site.sign_in("pw-voter-123"), 302, "sign-in")
