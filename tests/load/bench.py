"""Throughput ratios against the same server's /healthz, measured side by side (DESIGN §8).

Starts gunicorn (one sync worker) on a fresh SQLite database with the seed role and the Redis
cache, then times rounds of sequential keep-alive requests to each endpoint, interleaved so that
machine noise hits all of them alike. A ratio is healthz time / endpoint time (1.0 = as fast as
the bare health check). Exits non-zero when a ratio is under its budget.

    make bench            # or: .venv/bin/python tests/load/bench.py --redis redis://127.0.0.1:6379/13
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
ROLE = "/roles/mlops-engineer/"
GRADE = "/api/v1/roles/mlops-engineer/grade/"
# DESIGN §8. "Uncached" is a plain GET (the page rendered, its fragments from the server's cache
# when warm); "from cache" is a browser's conditional GET answered 304 from the role's ETag.
# The cold render (fragment cache flushed before each request) is reported, without a budget.
BUDGETS = {"role page (uncached)": 0.25, "role page (from cache, 304)": 0.7, "grade POST": 0.4}
GRADE_BODY = json.dumps(
    {"ratings": {"docker": "W", "python-web-frameworks": "E", "redis": "A", "terraform": None}}
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    python = sys.executable
    for command in (["migrate"], ["collectstatic", "--no-input"]):
        subprocess.run([python, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [python, "manage.py", "import_role", "roles/data/mlops-engineer.json"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    gunicorn = str(Path(python).with_name("gunicorn"))
    process = subprocess.Popen(  # noqa: S603
        [gunicorn, "skillsmatrix.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--keep-alive", "30"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def _request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: str | None,
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:
    headers = {**(headers or {}), **({"Content-Type": "application/json"} if body else {})}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status not in (200, 304):
        raise SystemExit(f"{method} {path} answered {response.status}")
    return response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=40, help="per endpoint and round")
    args = parser.parse_args()

    cache = redis.Redis.from_url(args.redis)
    cache.ping()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DJANGO_STATIC_ROOT": f"{tmp}/static",
            "REDIS_URL": args.redis,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-with-enough-length-0123456789",
            "API_THROTTLE_ANON": "1000000/min",
            "API_THROTTLE_USER": "1000000/min",
            # Not a log line per request on the terminal (the ratios measure the pages).
            "LOG_LEVEL": "WARNING",
        }
        env.pop("CELERY_BROKER_URL", None)
        process = _server(env, port)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            flush: Callable[[], object] = cache.flushdb
            etag = _request(conn, "GET", ROLE, None).getheader("ETag") or ""
            revalidate = {"If-None-Match": etag}
            Endpoint = tuple[str, str, str | None, dict[str, str], Callable[[], object] | None]
            endpoints: dict[str, Endpoint] = {
                "healthz": ("GET", "/healthz", None, {}, None),
                "role page (cold render)": ("GET", ROLE, None, {}, flush),
                "role page (uncached)": ("GET", ROLE, None, {}, None),
                "role page (from cache, 304)": ("GET", ROLE, None, revalidate, None),
                "grade POST": ("POST", GRADE, GRADE_BODY, {}, None),
            }
            for method, path, body, headers, _ in endpoints.values():  # warm up
                for _ in range(5):
                    _request(conn, method, path, body, headers)
            timings: dict[str, list[float]] = {name: [] for name in endpoints}
            for _ in range(args.rounds):
                for name, (method, path, body, headers, before) in endpoints.items():
                    spent = 0.0
                    for _ in range(args.requests):
                        if before is not None:
                            before()  # outside the timed part
                        start = time.perf_counter()
                        _request(conn, method, path, body, headers)
                        spent += time.perf_counter() - start
                    timings[name].append(spent / args.requests)
        finally:
            process.terminate()
            process.wait(timeout=10)
            cache.flushdb()

    base = statistics.median(timings["healthz"])
    failed = False
    print(f"{'endpoint':<24}{'median ms':>10}{'ratio':>8}{'budget':>8}")
    for name, values in timings.items():
        median = statistics.median(values)
        ratio = base / median
        budget = BUDGETS.get(name)
        ok = budget is None or ratio >= budget
        failed |= not ok
        mark = "" if ok else "  BELOW BUDGET"
        print(f"{name:<24}{median * 1000:>10.2f}{ratio:>8.2f}{budget or '':>8}{mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
