"""Loaded into every pytest run of ``make mutation`` (``-p tests.mutation.pytest_plugin``).

Hypothesis draws the same examples in every run and keeps no example database, so a mutant's
verdict depends neither on chance nor on the mutants tested before it. The profile is loaded on
import, before the test modules build their ``@settings``.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("mutation", derandomize=True, database=None)
settings.load_profile("mutation")
