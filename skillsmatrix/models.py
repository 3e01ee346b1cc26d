"""The site's own tables: the rate limits' fallback, and members' email preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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


class EmailPreference(models.Model):
    """How a member wants the site's emails: in which language, and whether to get the emails
    about proposals at all. A member without a row gets them in the site's default language.
    Member-wide (the language is every email's), so the site's, read by the apps through
    ``skillsmatrix.members``; it was ``proposals.EmailPreference`` until migration 0002."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    proposal_emails = models.BooleanField(
        _("emails about proposals"),
        default=True,
        help_text=_("Status changes of your proposals, and proposals waiting for your review."),
    )
    # How each kind of notification is emailed, by the kind's name: "immediate", "digest" or
    # "never"; a kind not named here gets its app's default. The apps own the kinds.
    deliveries = models.JSONField(_("email per kind"), default=dict, blank=True)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="emailpreference_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"
