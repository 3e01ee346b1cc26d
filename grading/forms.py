"""The calculator's form: one optional A/W/E choice per skill of the role."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grading.selectors import GradingSheet
from roles.models import RequirementCode

RATING_CHOICES = [("", _("None")), *RequirementCode.choices]
FIELD_PREFIX = "rating-"


def rating_field_name(skill_slug: str) -> str:
    return f"{FIELD_PREFIX}{skill_slug}"


class RatingsForm(forms.Form):
    """Fields ``rating-<skill slug>`` built from a :class:`GradingSheet`; values outside
    ""/A/W/E are refused. The template renders the radios itself, grouped by domain."""

    hide_codes = forms.BooleanField(required=False)

    def __init__(self, *args: Any, sheet: GradingSheet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for skill in sheet.skills:
            self.fields[rating_field_name(skill.slug)] = forms.ChoiceField(
                label=skill.name, choices=RATING_CHOICES, required=False
            )

    def ratings(self) -> dict[str, str]:
        """Skill slug → code for the rated skills (call after ``is_valid()``)."""
        return {
            skill.slug: code
            for skill in self.sheet.skills
            if (code := self.cleaned_data.get(rating_field_name(skill.slug)))
        }
