"""The calculator's form: one optional choice per skill of the role, among the steps of that
skill's scale (A/W/E on the built-in one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grading.selectors import GradingSheet

FIELD_PREFIX = "rating-"


def rating_field_name(skill_slug: str) -> str:
    return f"{FIELD_PREFIX}{skill_slug}"


class RatingsForm(forms.Form):
    """Fields ``rating-<skill slug>`` built from a :class:`GradingSheet`; a value that is not
    "" or a step of the skill's scale is refused. The template renders the choices itself,
    grouped by domain."""

    hide_codes = forms.BooleanField(required=False)

    def __init__(self, *args: Any, sheet: GradingSheet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for skill in sheet.skills:
            self.fields[rating_field_name(skill.slug)] = forms.ChoiceField(
                label=skill.name,
                choices=[("", _("None")), *((step.code, step.name) for step in skill.steps)],
                required=False,
            )

    def ratings(self) -> dict[str, str]:
        """Skill slug → step code for the rated skills (call after ``is_valid()``)."""
        return {
            skill.slug: code
            for skill in self.sheet.skills
            if (code := self.cleaned_data.get(rating_field_name(skill.slug)))
        }
