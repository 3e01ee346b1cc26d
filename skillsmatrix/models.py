"""The site's own tables."""

from __future__ import annotations

from django.db import models


class RateLimitEntry(models.Model):
    """Rate-limit state kept while Redis is unreachable (:class:`skillsmatrix.cache.DatabaseCache`):
    one row per cache key, shared by every process. Expired rows are pruned by later writes."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    # JSON values (allauth's lists of attempt times, lock flags); integers go in ``count`` so
    # that an increment is one atomic UPDATE.
    value = models.JSONField(null=True)
    count = models.BigIntegerField(null=True)
    expires = models.FloatField(db_index=True, help_text="Seconds since the epoch.")

    def __str__(self) -> str:
        return self.cache_key
