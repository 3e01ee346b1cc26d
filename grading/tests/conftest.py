from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    # Sheets, rate-limit counters and DRF throttles live in the cache; each test starts cold.
    cache.clear()
    yield
    cache.clear()
