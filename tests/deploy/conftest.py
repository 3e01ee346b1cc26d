"""Deployment tests (issue 19): two app servers behind nginx (test_replicas.py) and a backup
restored into a new database (test_backup.py).

The replicas are ``gunicorn`` processes with production settings (tests/deploy/server_settings.py)
on free ports, on the PostgreSQL test database and the tests' Redis (REDIS_URL), behind an
``nginx`` (Debian package nginx) in round robin, configured in a temporary directory. They run
only with ``REPLICAS_TEST=1`` (CI sets it), PostgreSQL, Redis and nginx; without them they are
skipped with a message saying what is missing, and in CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection

from skillsmatrix.tests.servers import free_port
from tests.worker.conftest import unavailable, wait_for

ROOT = Path(__file__).resolve().parents[2]
# The figures the tests report, printed at the end of the run (the note quotes them).
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("deployment figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        unavailable("the two-replica tests need nginx (Debian package nginx)")
    return str(found)


def database_url() -> str:
    """The URL of the database the tests use now (the test database, once set up)."""
    params = connection.settings_dict
    user = params["USER"] or "postgres"
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    host = params["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{params['PORT'] or 5432}/{params['NAME']}"


def _require_replicas_setup() -> None:
    if os.environ.get("REPLICAS_TEST") != "1":
        unavailable(
            "REPLICAS_TEST is not 1: the two-replica tests (gunicorn behind nginx on "
            "PostgreSQL and Redis) are off"
        )
    if connection.vendor != "postgresql":
        unavailable("the two-replica tests need PostgreSQL (DATABASE_URL)")
    if not settings.REDIS_URL:
        unavailable("the two-replica tests need a Redis every replica shares (REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"the Redis at {settings.REDIS_URL} is not reachable: {exc}")
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        unavailable("the two-replica tests need gunicorn in the virtualenv")


@dataclass
class Process:
    """A subprocess in a process group of its own, and its log."""

    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def _spawn(arguments: list[str], *, log: Path, env: dict[str, str] | None = None) -> Process:
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, the system's nginx
            arguments,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(process=process, log=log)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _wait_up(started: Process, url: str, what: str) -> None:
    try:
        wait_for(lambda: started.process.poll() is not None or _answers(url), timeout=60, what=what)
    finally:
        if started.process.poll() is not None:
            raise AssertionError(f"{what}: it exited\n{started.log.read_text(errors='replace')}")


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$request_method $uri $status $upstream_addr $request_time';
    access_log {dir}/access.log upstream;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    # Round robin, nginx's default balancing.
    upstream replicas {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://replicas;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Each request reaches one replica once: a failure is the client's to see.
            proxy_next_upstream off;
            # Which replica answered, for the tests to count.
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Replicas:
    """Two app servers behind nginx: ``url`` is nginx's, ``backends`` the servers' addresses
    as nginx names them (``127.0.0.1:port``) in the ``X-Upstream`` header of each answer."""

    url: str
    backends: list[str]
    processes: list[Process] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture(scope="module")
def replicas(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    """Two gunicorn servers (two workers each) with production settings on the test database
    and the tests' Redis, behind nginx in round robin; stopped after the module's tests."""
    _require_replicas_setup()
    nginx = nginx_binary()
    workdir = tmp_path_factory.mktemp("replicas")
    environment: dict[str, str] = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "tests.deploy.server_settings",
        "DJANGO_DEBUG": "false",
        # One key for both: a session signed by one replica is read by the other.
        "DJANGO_SECRET_KEY": "replicas-test-" + "s3cr3t" * 8,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": str(settings.CACHES["default"].get("KEY_PREFIX", "skillsmatrix")),
        # nginx appends the client's address to X-Forwarded-For: rate limits count per client.
        "TRUSTED_PROXY_COUNT": "1",
        # A small anonymous API rate, counted per day, so that a test can exhaust it.
        "API_THROTTLE_ANON": "40/day",
        "LOG_LEVEL": "WARNING",
    }
    started = Replicas(url="", backends=[])
    try:
        for index in range(2):
            port = free_port()
            server = _spawn(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "skillsmatrix.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    "--workers=2",
                    "--timeout=60",
                ],
                log=workdir / f"gunicorn{index}.log",
                env=environment,
            )
            started.processes.append(server)
            started.backends.append(f"127.0.0.1:{port}")
        for server, backend in zip(started.processes, started.backends, strict=True):
            _wait_up(server, f"http://{backend}/healthz", f"the app server at {backend}")
        port = free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                dir=workdir,
                port=port,
                servers="\n".join(f"        server {backend};" for backend in started.backends),
                # Started as root (CI), its workers would run as nobody, who may not write its
                # temporary files in this directory.
                user="user root;" if os.geteuid() == 0 else "",
            )
        )
        proxy = _spawn(
            [nginx, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")],
            log=workdir / "nginx.log",
        )
        started.processes.append(proxy)
        started.url = f"http://127.0.0.1:{port}"
        _wait_up(proxy, f"{started.url}/healthz", "nginx")
        yield started
    finally:
        started.stop()
