"""Assessments: a person's self-ratings against one version of a role, shareable by token."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from roles.models import Role

# 24 random bytes → 32 URL-safe characters: unguessable, and short enough for a link.
TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class Assessment(models.Model):
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("role")
    )
    # The role version the ratings were taken against; its snapshot grades them again later.
    role_version = models.PositiveIntegerField(_("role version"))
    # Skill slug → "A" | "W" | "E"; unrated skills are left out.
    ratings = models.JSONField(_("ratings"), default=dict, blank=True)
    # The grade it had (level code and name at that version), kept for the history list.
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    grade_name = models.CharField(_("grade name"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(role_version__gte=1), name="assessment_role_version_positive"
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("token"), 22),
                name="assessment_token_long_enough",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="assessment_user_recent")]

    def __str__(self) -> str:
        return f"{self.role} v{self.role_version} · {self.created_at:%Y-%m-%d}"
