"""The site as gunicorn serves it (``gunicorn.conf.py``, read from the directory it starts in,
as the image, compose and CI start it): no server banner, and the request line's limit."""

from __future__ import annotations

import http.client
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillsmatrix.tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory) -> Iterator[int]:
    port = free_port()
    log = (tmp_path_factory.mktemp("gunicorn") / "gunicorn.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn and app
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "skillsmatrix.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
        ],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "skillsmatrix.settings",
            "LOG_LEVEL": "WARNING",
        },
        stdout=log,
        stderr=log,
    )
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_no_server_banner(gunicorn_port):
    response = _get(gunicorn_port, "/healthz")
    assert response.status == 200
    assert response.getheader("Server") is None


def test_a_request_line_past_the_limit_is_gunicorns_414(gunicorn_port):
    """What the API schema documents for every operation (skillsmatrix.schema)."""
    ok = _get(gunicorn_port, "/healthz?pad=" + "a" * 3900)
    assert ok.status == 200
    too_long = _get(gunicorn_port, "/healthz?pad=" + "a" * 4100)
    assert too_long.status == 414
    assert too_long.getheader("Content-Type") == "text/html"
    assert too_long.getheader("Server") is None
