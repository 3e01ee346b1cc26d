from __future__ import annotations

from pathlib import Path

import pytest

from skillsmatrix.tests.production import PRODUCTION, run_python


@pytest.fixture(scope="session")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A STATIC_ROOT filled by `collectstatic` with production settings, as the image does.

    Third-party assets are left out to keep this fast; CI's deploy-check step collects
    everything.
    """
    root = tmp_path_factory.mktemp("static")
    ignored = ("admin", "rest_framework", "drf_spectacular_sidecar")
    result = run_python(
        [
            "manage.py",
            "collectstatic",
            "--no-input",
            "-v0",
            *(f"--ignore={name}" for name in ignored),
        ],
        **PRODUCTION,
        DJANGO_STATIC_ROOT=str(root),
    )
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def redis_server(tmp_path: Path):
    """A private Redis server the test may stop, kill and restart."""
    from skillsmatrix.tests.servers import RedisServer

    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def hung_redis(redis_server) -> str:
    """The URL of a Redis that accepts connections and never answers (SIGSTOP)."""
    redis_server.stop()
    return redis_server.url()
