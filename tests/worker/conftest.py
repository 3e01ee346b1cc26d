"""Real Celery workers for the integration tests (issue 9): subprocesses running
``celery -A skillsmatrix worker`` on the broker ``CELERY_TEST_BROKER_URL`` (a Redis database
of their own, which these tests empty) against the PostgreSQL test database.

Without that variable, a reachable Redis or PostgreSQL the tests skip with a message saying
so; in CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from skillsmatrix.tests.servers import RedisServer

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def wait_for(condition: Callable[[], Any], *, timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up after {timeout}s waiting for {what or condition}")


@pytest.fixture(autouse=True)
def _author_past_the_new_members_rule(settings: Any) -> None:
    # These tests open several proposals by one author; the new members' rule of proposing
    # (NEW_MEMBER_OPEN_PROPOSALS) is tested in proposals/tests/test_people.py.
    settings.NEW_MEMBER_OPEN_PROPOSALS = 10


@pytest.fixture
def broker_url() -> str:
    """The tests' broker, emptied."""
    url = os.environ.get("CELERY_TEST_BROKER_URL", "")
    if not url:
        unavailable("CELERY_TEST_BROKER_URL is not set: no broker for the worker tests")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"the test broker {url} is not reachable: {exc}")
    client.flushdb()
    return url


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        unavailable("the worker tests need PostgreSQL (DATABASE_URL)")
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@dataclass
class CeleryProcess:
    """A ``celery`` subprocess (worker or beat) in a process group of its own, and its log."""

    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


@dataclass
class Worker(CeleryProcess):
    """A worker subprocess (prefork, one child) and what it leaves behind."""

    emails: Path = field(default=Path())
    pauses: Path = field(default=Path())

    def messages(self) -> list[Message]:
        found = []
        for path in sorted(self.emails.glob("*.log")):
            # The file backend writes each message followed by a line of dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    found.append(message_from_bytes(chunk))
        return found

    def pause(self, name: str) -> None:
        (self.pauses / f"{name}.pause").touch()

    def resume(self, name: str) -> None:
        (self.pauses / f"{name}.pause").unlink(missing_ok=True)

    def paused_in(self, name: str, *, timeout: float = 30) -> int:
        """The pid of the pool process that reached the pause point ``name``."""
        reached = self.pauses / f"{name}.reached"
        wait_for(reached.exists, timeout=timeout, what=f"a task to reach {name}")
        return int(wait_for(reached.read_text, timeout=5, what="the pid"))


def _spawn(arguments: list[str], *, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``celery -A skillsmatrix <arguments>`` with the workers' settings and ``env``."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.worker.settings", **env}
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "skillsmatrix", *arguments],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_started(started: CeleryProcess, pattern: str, what: str) -> None:
    try:
        wait_for(
            lambda: started.process.poll() is not None or re.search(pattern, started.log_text()),
            timeout=60,
            what=what,
        )
    finally:
        if started.process.poll() is not None:
            raise AssertionError(f"{what}: it exited\n{started.log_text()}")


@pytest.fixture
def start_worker(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start workers on a broker; each is stopped (its whole process group) after the test."""
    workers: list[Worker] = []
    database_url = _database_url()

    def start(broker: str, **env: str) -> Worker:
        index = len(workers)
        emails, pauses = tmp_path / f"emails{index}", tmp_path / f"pauses{index}"
        emails.mkdir()
        pauses.mkdir()
        log = tmp_path / f"worker{index}.log"
        arguments = [
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=test{index}@%h",
        ]
        environment = {
            "CELERY_BROKER_URL": broker,
            "DATABASE_URL": database_url,
            "WORKER_EMAIL_DIR": str(emails),
            "TASK_PAUSE_DIR": str(pauses),
            **env,
        }
        process = _spawn(arguments, log=log, env=environment)
        worker = Worker(process=process, log=log, emails=emails, pauses=pauses)
        workers.append(worker)
        _wait_started(worker, r"\bready\.", "the worker to be ready")
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def start_beat(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., CeleryProcess]]:
    """Start ``celery beat`` on a broker, its schedule file in the test's directory; stopped
    after the test."""
    beats: list[CeleryProcess] = []
    database_url = _database_url()

    def start(broker: str, **env: str) -> CeleryProcess:
        log = tmp_path / f"beat{len(beats)}.log"
        arguments = [
            "beat",
            "--loglevel=INFO",
            f"--schedule={tmp_path / f'celerybeat-schedule{len(beats)}'}",
        ]
        environment = {
            "CELERY_BROKER_URL": broker,
            "DATABASE_URL": database_url,
            "WORKER_EMAIL_DIR": str(tmp_path),
            **env,
        }
        beat = CeleryProcess(process=_spawn(arguments, log=log, env=environment), log=log)
        beats.append(beat)
        _wait_started(beat, r"beat: Starting", "beat to start")
        return beat

    yield start
    for beat in beats:
        beat.stop()


@pytest.fixture
def sending_to() -> Iterator[Callable[[str], None]]:
    """Make this process send tasks to a broker (instead of running them eagerly)."""
    from skillsmatrix.celery import app

    original = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
    }

    def reset_pools() -> None:
        # Connections and producers are pooled per broker URL, in kombu's registry and on the
        # app: start afresh on the new URL.
        from kombu import pools

        pools.reset()
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]

    def send_to(url: str) -> None:
        reset_pools()
        app.conf.update(broker_url=url, task_always_eager=False)

    yield send_to
    reset_pools()
    app.conf.update(**original)


@pytest.fixture
def own_redis(broker_url: str, tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of this test's own, to hang, kill and restart on the same port (the
    shared one is never stopped). Asks for ``broker_url`` so that it is skipped (or fails in CI)
    where the broker tests are."""
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


def make_due(proposal: Any) -> None:
    """End the voting window of ``proposal`` a second ago."""
    type(proposal).objects.filter(pk=proposal.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )


def status_of(proposal: Any) -> str:
    """The status of ``proposal`` as the database has it now."""
    return str(type(proposal).objects.values_list("status", flat=True).get(pk=proposal.pk))


@pytest.fixture
def author(transactional_db: None) -> Any:
    from proposals.tests.factories import UserFactory

    return UserFactory.create(username="author", email="author@example.com")


@pytest.fixture
def proposal(seed_role: Any, author: Any) -> Any:
    """A proposal in voting on the seed role."""
    from proposals.services import proposal_create
    from proposals.tests.conftest import DOCKER_SENIOR_E

    return proposal_create(
        role=seed_role,
        author=author,
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[DOCKER_SENIOR_E],
    )
