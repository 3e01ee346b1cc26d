"""Curators' forms (used by the admin). Each form that edits a role turns what the curator changed
into a change list for ``roles.services.role_change_apply``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from roles.changes.state import RoleState
from roles.changes.types import (
    AddSkill,
    Change,
    RemoveSkill,
    SetFocus,
    SetLevelName,
    SetRequirement,
    SetRoleField,
    SetStack,
)
from roles.models import Level, Role, Skill, SkillDomain
from roles.presenters import MatrixCell, MatrixDomain, MatrixRow, RoleMatrix
from roles.scale import CODES
from roles.services import slug_for_name


class LinesField(forms.Field):
    """A list of strings edited one per line (key domains, a level's stack)."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 40})

    def prepare_value(self, value: Any) -> str:
        return "\n".join(value) if isinstance(value, list | tuple) else (value or "")

    def to_python(self, value: Any) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return list(initial or []) != self.to_python(data)


class RoleAdminForm(forms.ModelForm):
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


class LevelAdminForm(forms.ModelForm):
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
        return upload.read()


class AddSkillForm(forms.Form):
    skill = forms.ModelChoiceField(
        queryset=Skill.objects.all(), required=False, label=_("Existing skill")
    )
    new_skill_name = forms.CharField(max_length=200, required=False, label=_("or a new skill"))
    domain = forms.ModelChoiceField(
        queryset=SkillDomain.objects.all(), required=False, label=_("Existing domain")
    )
    new_domain_name = forms.CharField(max_length=200, required=False, label=_("or a new domain"))

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        if bool(data.get("skill")) == bool(data.get("new_skill_name")):
            raise ValidationError(_("Choose an existing skill or name a new one (not both)."))
        if bool(data.get("domain")) == bool(data.get("new_domain_name")):
            raise ValidationError(_("Choose an existing domain or name a new one (not both)."))
        for field in ("new_skill_name", "new_domain_name"):
            name = data.get(field, "").strip()
            if name and not slug_for_name_or_none(name):
                self.add_error(
                    field,
                    _("“%(name)s” gives an empty slug: use letters or digits.") % {"name": name},
                )
        return data

    def changes(self) -> list[Change]:
        data = self.cleaned_data
        skill: Skill | None = data["skill"]
        domain: SkillDomain | None = data["domain"]
        name = data["new_skill_name"].strip()
        domain_name = data["new_domain_name"].strip()
        return [
            AddSkill(
                skill=skill.slug if skill else slug_for_name(name),
                name=skill.name if skill else name,
                description=skill.description if skill else "",
                domain=domain.slug if domain else slug_for_name(domain_name),
                domain_name=domain.name if domain else domain_name,
            )
        ]


def slug_for_name_or_none(name: str) -> str | None:
    try:
        return slug_for_name(name)
    except ValueError:
        return None


# A grid cell: the matrix cell, its code select and its "mandatory" box; a row: the matrix row,
# its cells and its "remove" box.
GridCell = tuple[MatrixCell, BoundField, BoundField]
GridRow = tuple[MatrixRow, list[GridCell], BoundField]


class MatrixGridForm(forms.Form):
    """One select and one "mandatory" box per cell of the role's matrix (or of one domain),
    a "remove" box per skill, and the version the grid was opened at.

    Only what the curator changed becomes a change: the posted grid is compared with the role
    as it was at that version, so a colleague's later edits are neither reverted nor reported
    as conflicts unless the curator touched the same cells."""

    CODE_CHOICES = (("", "—"), *((code, code) for code in CODES))

    base_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, matrix: RoleMatrix, domain_slug: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        self.fields["base_version"].initial = matrix.role.current_version
        self.grid: list[tuple[MatrixDomain, list[GridRow]]] = []
        for group in matrix.domains:
            if domain_slug and group.domain.slug != domain_slug:
                continue
            rows = []
            for row in group.rows:
                cells = []
                for cell in row.cells:
                    cells.append(self._cell_fields(row, cell))
                self.fields[f"remove__{row.skill.slug}"] = forms.BooleanField(
                    required=False, label=_("remove")
                )
                rows.append((row, cells, self[f"remove__{row.skill.slug}"]))
            self.grid.append((group, rows))

    def _cell_fields(self, row: MatrixRow, cell: MatrixCell) -> GridCell:
        key = f"{row.skill.slug}__{cell.level.code}"
        requirement = cell.requirement
        self.fields[f"code__{key}"] = forms.ChoiceField(
            choices=self.CODE_CHOICES,
            required=False,
            initial=requirement.code if requirement else "",
            label=f"{row.skill.name} · {cell.level.name}",
        )
        self.fields[f"mandatory__{key}"] = forms.BooleanField(
            required=False,
            initial=requirement.is_mandatory if requirement else True,
            label=_("mandatory"),
        )
        return cell, self[f"code__{key}"], self[f"mandatory__{key}"]

    def changes(self, before: RoleState) -> list[Change]:
        """What the curator changed relative to ``before`` (the role at the form's base
        version): cells whose code or mandatory flag differ (details stay), and removals."""
        changes: list[Change] = []
        for _group, rows in self.grid:
            for row, cells, remove in rows:
                skill = row.skill.slug
                if self.cleaned_data[remove.name]:
                    if before.skill(skill) is not None:
                        changes.append(RemoveSkill(skill=skill))
                    continue
                for cell, code_field, mandatory_field in cells:
                    code = self.cleaned_data[code_field.name] or None
                    mandatory = self.cleaned_data[mandatory_field.name]
                    old = before.cell(skill, cell.level.code)
                    was = (old.code, old.mandatory) if old else None
                    now = (code, mandatory) if code else None
                    if was != now and before.skill(skill) is not None:
                        changes.append(
                            SetRequirement(
                                skill=skill, level=cell.level.code, code=code, mandatory=mandatory
                            )
                        )
        return changes + self._edits_of_vanished_skills(before)

    def _edits_of_vanished_skills(self, before: RoleState) -> list[Change]:
        """Edits posted for skills the grid no longer shows (removed by someone else since the
        form's version). They become changes too, so they are reported as conflicts rather than
        silently dropped."""
        shown = {row.skill.slug for _group, rows in self.grid for row, _cells, _remove in rows}
        changes: list[Change] = []
        for skill in before.skills:
            if skill.slug in shown:
                continue
            if self.data.get(f"remove__{skill.slug}"):
                changes.append(RemoveSkill(skill=skill.slug))
                continue
            for level in before.levels:
                posted = self.data.get(f"code__{skill.slug}__{level.code}")
                if posted is None or (posted and posted not in CODES):
                    continue
                old = skill.cells.get(level.code)
                mandatory = bool(self.data.get(f"mandatory__{skill.slug}__{level.code}"))
                was = (old.code, old.mandatory) if old else None
                now = (posted, mandatory) if posted else None
                if was != now:
                    changes.append(
                        SetRequirement(
                            skill=skill.slug,
                            level=level.code,
                            code=posted or None,
                            mandatory=mandatory,
                        )
                    )
        return changes


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
