"""``/metrics`` (issue 19): its guard, the series the processes record, the gauges a scrape
computes, and multiprocess mode (gunicorn's several workers add up)."""

from __future__ import annotations

import json
import socket
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from grading.models import Assessment
from proposals.models import NOTIFICATION_MAX_ATTEMPTS, Notification
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory
from skillsmatrix import metrics
from skillsmatrix.breaker import breaker_for
from skillsmatrix.cache import BreakerRedis
from skillsmatrix.tests.production import ROOT, run_python

TOKEN = "metrics-token-for-the-tests"
BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


@pytest.fixture
def scrape(client, settings):
    """GET /metrics with the right token: the text."""
    settings.METRICS_TOKEN = TOKEN

    def get() -> str:
        response = client.get("/metrics", **BEARER)
        assert response.status_code == 200
        return response.content.decode()

    return get


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- The guard ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_token_metrics_is_a_404_unless_debug(client, settings):
    settings.METRICS_TOKEN = ""
    settings.DEBUG = False
    assert client.get("/metrics").status_code == 404

    settings.DEBUG = True
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "skillsmatrix_proposals" in response.content.decode()


@pytest.mark.django_db
def test_with_a_token_metrics_asks_for_it(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.DEBUG = True  # the token guards even in DEBUG

    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"skillsmatrix_" not in missing.content
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")
    assert wrong.status_code == 403
    assert b"skillsmatrix_" not in wrong.content
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}").status_code == 403

    right = client.get("/metrics", **BEARER)
    assert right.status_code == 200
    assert right["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-store" in right["Cache-Control"]
    assert client.post("/metrics", **BEARER).status_code == 405


@pytest.mark.django_db
def test_metrics_answers_any_host_and_plain_http(client, settings):
    """Prometheus scrapes each server by its address, over the cluster's plain HTTP."""
    settings.METRICS_TOKEN = TOKEN
    settings.ALLOWED_HOSTS = ["skills.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/metrics", HTTP_HOST="10.1.2.3:8000", **BEARER)

    assert response.status_code == 200
    # Everything else still goes through the host check.
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_a_short_metrics_token_stops_the_app_at_start():
    result = run_python(["-c", "import django; django.setup()"], METRICS_TOKEN="short")
    assert result.returncode != 0
    assert "METRICS_TOKEN must be at least 16 characters long" in result.stderr


# --- What the processes record -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_is_counted_by_view_method_and_status(client, scrape):
    before = scrape()
    assert client.get("/healthz").status_code == 200
    assert client.get("/roles/ghost/").status_code == 404
    after = scrape()

    name = "skillsmatrix_http_request_duration_seconds_count"
    healthz = {"view": "healthz", "method": "GET", "status": "200"}
    assert (value(after, name, **healthz) or 0) - (value(before, name, **healthz) or 0) == 1
    role = {"view": "roles:detail", "method": "GET", "status": "404"}
    assert (value(after, name, **role) or 0) - (value(before, name, **role) or 0) == 1
    bucket = "skillsmatrix_http_request_duration_seconds_bucket"
    assert value(after, bucket, le="+Inf", **healthz) == value(after, name, **healthz)
    # The scrape before counts too, under its own name.
    assert value(after, name, view="metrics", method="GET", status="200")


@pytest.mark.django_db
def test_database_statements_are_timed(client, scrape):
    before = (
        value(
            scrape(),
            "skillsmatrix_db_query_duration_seconds_count",
            alias="default",
            operation="select",
        )
        or 0
    )
    client.get("/roles/ghost/")  # looks the role up
    after = value(
        scrape(),
        "skillsmatrix_db_query_duration_seconds_count",
        alias="default",
        operation="select",
    )
    assert after is not None
    assert after > before


@pytest.mark.django_db
def test_redis_commands_are_timed_with_their_outcome(scrape):
    client = BreakerRedis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    server = f"Redis at 127.0.0.1:{client.connection_pool.connection_kwargs['port']}"
    for _ in range(2):  # unreachable, then refused by the open circuit
        with pytest.raises(redis.exceptions.ConnectionError):
            client.get("key")

    text = scrape()
    name = "skillsmatrix_redis_command_duration_seconds_count"
    assert value(text, name, server=server, command="GET", outcome="unreachable") == 1
    assert value(text, name, server=server, command="GET", outcome="refused") == 1
    assert value(text, "skillsmatrix_circuit_breaker_open", breaker=server) == 1


@pytest.mark.django_db
def test_the_circuit_breaker_state_and_openings(scrape):
    breaker = breaker_for("Redis at metrics-test:1", reset_seconds=5)
    assert value(scrape(), "skillsmatrix_circuit_breaker_open", breaker=breaker.name) == 0

    breaker.failure()
    breaker.failure()  # already open: not a new opening
    text = scrape()
    assert value(text, "skillsmatrix_circuit_breaker_open", breaker=breaker.name) == 1
    assert value(text, "skillsmatrix_circuit_breaker_opened_total", breaker=breaker.name) == 1

    breaker.success()
    assert value(scrape(), "skillsmatrix_circuit_breaker_open", breaker=breaker.name) == 0


@pytest.mark.django_db
def test_celery_tasks_are_counted_by_outcome_and_timed(scrape, monkeypatch):
    from grading.tasks import assessments_purge_task

    name = "grading.tasks.assessments_purge_task"
    before = scrape()
    assessments_purge_task.delay()

    def broken() -> int:
        raise RuntimeError("the purge broke")

    monkeypatch.setattr("grading.tasks.assessments_purge_anonymous", broken)
    with pytest.raises(RuntimeError):
        assessments_purge_task.delay()
    after = scrape()

    def grew(metric: str, **labels: str) -> float:
        return (value(after, metric, **labels) or 0) - (value(before, metric, **labels) or 0)

    assert grew("skillsmatrix_celery_tasks_total", task=name, outcome="succeeded") == 1
    assert grew("skillsmatrix_celery_tasks_total", task=name, outcome="failed") == 1
    assert grew("skillsmatrix_celery_task_duration_seconds_count", task=name) == 2


# --- The gauges a scrape computes --------------------------------------------------------------


@pytest.fixture
def community(seed_role):
    """Proposals at three stages, three votes, an assessment and the outbox's rows."""
    voting = ProposalFactory.create(role=seed_role, status="voting")
    ProposalFactory.create(role=seed_role, status="voting")
    withdrawn = ProposalFactory.create(
        role=seed_role, status="withdrawn", decided_at=timezone.now()
    )
    VoteFactory.create(proposal=voting, value=1)
    VoteFactory.create(proposal=voting, value=1)
    VoteFactory.create(proposal=voting, value=-1)
    Assessment.objects.create(role=seed_role, role_version=1, ratings={"docker": "W"})
    UserFactory.create(username="gone", is_active=False)
    recipient = UserFactory.create(username="recipient")
    waiting = Notification.objects.create(
        proposal=withdrawn, recipient=recipient, kind="status", status="withdrawn"
    )
    Notification.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    Notification.objects.create(proposal=voting, recipient=recipient, kind="review")
    Notification.objects.create(
        proposal=voting,
        recipient=recipient,
        kind="role_proposal",
        attempts=NOTIFICATION_MAX_ATTEMPTS,
    )
    Notification.objects.create(
        proposal=withdrawn,
        recipient=recipient,
        kind="review",
        state="sent",
        handled_at=timezone.now(),
    )


def test_the_site_gauges_count_the_database(scrape, community, django_user_model):
    text = scrape()

    assert value(text, "skillsmatrix_proposals", status="voting") == 2
    assert value(text, "skillsmatrix_proposals", status="withdrawn") == 1
    assert value(text, "skillsmatrix_proposals", status="accepted") == 0
    assert value(text, "skillsmatrix_votes", value="up") == 2
    assert value(text, "skillsmatrix_votes", value="down") == 1
    assert value(text, "skillsmatrix_assessments") == 1
    assert value(text, "skillsmatrix_role_versions") == 1  # the seed's import
    assert value(text, "skillsmatrix_members") == django_user_model.objects.count() - 1
    assert value(text, "skillsmatrix_outbox_pending") == 2
    assert value(text, "skillsmatrix_outbox_failed") == 1
    age = value(text, "skillsmatrix_outbox_oldest_pending_age_seconds")
    assert age is not None
    assert 600 <= age < 660


def test_the_site_gauges_are_kept_for_a_while(scrape, community, monkeypatch):
    import time
    import types

    from django.core.cache import cache

    first = scrape()
    ProposalFactory.create(status="voting")
    later = time.time() + 120
    monkeypatch.setattr("skillsmatrix.monitoring.time", types.SimpleNamespace(time=lambda: later))
    kept = scrape()
    assert value(kept, "skillsmatrix_proposals", status="voting") == 2
    # The outbox's age goes on growing while the counts are kept.
    age = "skillsmatrix_outbox_oldest_pending_age_seconds"
    assert (value(kept, age) or 0) - (value(first, age) or 0) == pytest.approx(120, abs=5)

    cache.clear()  # the period is over
    assert value(scrape(), "skillsmatrix_proposals", status="voting") == 3


def test_the_site_gauges_cost_six_queries_per_period(scrape, community, django_assert_num_queries):
    # The outbox, proposals by status, votes, assessments, role versions, members.
    with django_assert_num_queries(6):
        scrape()
    # Kept: a scrape reads nothing from the database.
    with django_assert_num_queries(0):
        scrape()


@pytest.mark.django_db
def test_the_outbox_age_is_zero_when_nothing_waits(scrape):
    text = scrape()
    assert value(text, "skillsmatrix_outbox_pending") == 0
    assert value(text, "skillsmatrix_outbox_oldest_pending_age_seconds") == 0


# --- A worker's own metrics --------------------------------------------------------------------


def test_a_worker_serves_its_metrics_on_its_port():
    port = free_port()
    server = metrics.worker_metrics_start(port=port, address="127.0.0.1")
    try:
        metrics.task_observe("tests.worker_task", "SUCCESS", 0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert (
        value(
            text, "skillsmatrix_celery_tasks_total", task="tests.worker_task", outcome="succeeded"
        )
        == 1
    )


# --- Several processes -------------------------------------------------------------------------

# Two processes of a multiprocess server: each answers a request, the first also opens a
# breaker; then each exits.
_WORKER = """
import os, sys
import django
django.setup()
from django.test import Client
from skillsmatrix.breaker import breaker_for
assert Client().get("/healthz").status_code == 200
if sys.argv[1:] == ["open"]:
    breaker_for("Redis at multiprocess:1", reset_seconds=5).failure()
print(os.getpid())
"""
# A third one scrapes; then gunicorn's hooks run as when the first worker exits (child_exit)
# and when a new server starts (on_starting).
_SCRAPES = """
import json, runpy, sys, types
from skillsmatrix.metrics import exposition
hooks = runpy.run_path("gunicorn.conf.py")
first = exposition().decode()
hooks["child_exit"](None, types.SimpleNamespace(pid=int(sys.argv[1])))
second = exposition().decode()
hooks["on_starting"](None)
print(json.dumps([first, second]))
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path):
    env = {
        "DJANGO_SETTINGS_MODULE": "skillsmatrix.test_settings",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }

    def run(script: str, *args: str) -> str:
        result = run_python(["-c", script, *args], **env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    opener = run(_WORKER, "open").strip()
    run(_WORKER)
    first, second = json.loads(run(_SCRAPES, opener))

    assert (
        value(
            first,
            "skillsmatrix_http_request_duration_seconds_count",
            view="healthz",
            method="GET",
            status="200",
        )
        == 2
    )
    breaker = "Redis at multiprocess:1"
    assert value(first, "skillsmatrix_circuit_breaker_open", breaker=breaker) == 1
    assert value(first, "skillsmatrix_circuit_breaker_opened_total", breaker=breaker) == 1
    # A dead worker's live gauges are forgotten; its counts stay in the totals.
    assert value(second, "skillsmatrix_circuit_breaker_open", breaker=breaker) is None
    assert value(second, "skillsmatrix_circuit_breaker_opened_total", breaker=breaker) == 1
    # A new server starts from zero.
    assert list(tmp_path.glob("*.db")) == []
    assert (ROOT / "gunicorn.conf.py").exists()
