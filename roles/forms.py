"""Curators' forms (used by the admin). Each form that edits a role turns what the curator changed
into a change list for ``roles.services.role_change_apply``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from roles.changes.base import Change
from roles.changes.types import SetFocus, SetLevelName, SetRoleField, SetStack
from roles.models import Level, Role


class LinesField(forms.Field):
    """A list of strings edited one per line (key domains, a level's stack)."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 40})

    def prepare_value(self, value: Any) -> str:
        return "\n".join(value) if isinstance(value, list | tuple) else (value or "")

    def to_python(self, value: Any) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return list(initial or []) != self.to_python(data)


class RoleAdminForm(forms.ModelForm[Role]):
    key_domains = LinesField(required=False, help_text=_("One domain name per line."))

    class Meta:
        model = Role
        fields = (
            "family",
            "title",
            "slug",
            "tagline",
            "description",
            "key_domains",
            "is_published",
        )

    def changes(self) -> list[Change]:
        """One change per edited field."""
        changes: list[Change] = []
        for name in self.changed_data:
            value = self.cleaned_data[name]
            if name == "family":
                value = value.slug
            elif name == "key_domains":
                value = tuple(value)
            changes.append(SetRoleField(field=name, value=value))
        return changes


class LevelAdminForm(forms.ModelForm[Level]):
    stack = LinesField(required=False, help_text=_("One technology per line, in order."))

    class Meta:
        model = Level
        fields = ("name", "short_name", "focus", "stack")

    def changes(self) -> list[Change]:
        code = self.instance.code
        data = self.cleaned_data
        changes: list[Change] = []
        if {"name", "short_name"} & set(self.changed_data):
            changes.append(SetLevelName(level=code, name=data["name"], short=data["short_name"]))
        if "focus" in self.changed_data:
            changes.append(SetFocus(level=code, text=data["focus"]))
        if "stack" in self.changed_data:
            changes.append(SetStack(level=code, items=tuple(data["stack"])))
        return changes


class RoleImportForm(forms.Form):
    file = forms.FileField(
        label=_("Role file"), help_text=_("A skillsmatrix.role/v1 JSON document.")
    )

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."))
        content: bytes = upload.read()
        return content


class CompareForm(forms.Form):
    """Which two versions of a role to compare (``?from=<a>&to=<b>``)."""

    def __init__(self, *args: Any, latest: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.latest = latest
        for name, label, initial in (
            ("from", _("From version"), max(latest - 1, 1)),
            ("to", _("To version"), latest),
        ):
            self.fields[name] = forms.IntegerField(
                label=label,
                min_value=1,
                initial=initial,
                widget=forms.NumberInput(attrs={"min": 1, "max": max(latest, 1)}),
            )

    def numbers(self) -> tuple[int, int]:
        """The chosen versions, or the form's defaults when nothing was chosen (0 for a role
        with a single version: nothing to compare)."""
        if self.is_bound:
            return self.cleaned_data["from"], self.cleaned_data["to"]
        if self.latest < 2:
            return 0, 0
        return self.latest - 1, self.latest
