from __future__ import annotations

import pytest

from grading.selectors import _snapshot_sheet


@pytest.fixture(autouse=True)
def _clear_sheets():
    # Sheets live in the process (the cache is emptied for every test by the root conftest).
    _snapshot_sheet.cache_clear()
