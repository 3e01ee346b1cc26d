from __future__ import annotations

import pytest
from django.core.cache import cache

from grading.selectors import _snapshot_sheet


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and DRF throttles live in the cache, sheets in the process: each test
    # starts cold.
    cache.clear()
    _snapshot_sheet.cache_clear()
    yield
    cache.clear()
