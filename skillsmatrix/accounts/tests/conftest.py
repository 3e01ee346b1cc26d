from __future__ import annotations

# The private Redis server the site's fault tests stop and restart (never the shared one).
from skillsmatrix.tests.conftest import redis_server  # noqa: F401
