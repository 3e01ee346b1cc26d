"""Curators' forms (used by the admin). Each form that edits a role turns what the curator changed
into a change list for ``roles.services.role_change_apply``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from roles.changes.base import Change
from roles.changes.errors import ChangeError, ChangeProblem, FieldInvalid
from roles.changes.parts import SetCell, SetFramework, SetLevelField, SetScale, SetSkill, SetTrack
from roles.changes.state import RoleState
from roles.changes.types import SetFocus, SetLevelName, SetRoleField, SetStack, apply_changes
from roles.models import Framework, Level, Requirement, Role, Scale, Skill, Track
from roles.selectors import role_state_get, roles_showing


class LinesField(forms.Field):
    """A list of strings edited one per line (key domains, a level's stack)."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 40})

    def prepare_value(self, value: Any) -> str:
        return "\n".join(value) if isinstance(value, list | tuple) else (value or "")

    def to_python(self, value: Any) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return list(initial or []) != self.to_python(data)


class JSONTextField(forms.CharField):
    """A JSON value edited as text: shown indented, read back parsed; text that is not JSON is
    a form error (never a server error). Empty text is ``empty``."""

    def __init__(self, *, empty: Any, rows: int = 10, **kwargs: Any) -> None:
        self.empty = empty
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows, "cols": 80}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else self.empty
            except ValueError:
                return str(value)  # shown as typed, next to its error
        return json.dumps(value, indent=2, ensure_ascii=False)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return json.loads(json.dumps(self.empty))
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValidationError(
                _("This is not valid JSON: %(error)s"), params={"error": str(exc)}
            ) from None

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            before = json.loads(initial) if isinstance(initial, str) and initial else initial
            return bool(self.to_python(data) != (self.empty if before in (None, "") else before))
        except (ValidationError, ValueError):
            return True


def change_from_form(parse: Callable[[], Change], field: str | None = None) -> Change:
    """A change built from a form's values, its parser's refusal as a form error (naming the
    part of the value it is about: ``value[0].title``)."""
    try:
        return parse()
    except FieldInvalid as exc:
        problem = exc.problem("")
        message = f"{exc.field_name}: {problem.message}" if exc.field_name else problem.message
        raise ValidationError({field: message} if field else message) from None


def check_changes(form: forms.BaseForm, state: RoleState, changes: list[Change]) -> None:
    """Refuse, as form errors, changes the role's state cannot take (a step its scale lacks,
    a track the framework has not): the admin saves only what will apply."""
    try:
        apply_changes(state, changes)
    except ChangeError as exc:
        for problem in exc.problems:
            form.add_error(None, _problem_words(problem, state))
    except KeyError:
        # A problem raised without a value its words name fails while being put into words
        # (roles.changes.parts.settle's unknown_level); still a refusal, not a server error.
        form.add_error(
            None, _("These changes cannot apply to the role %(role)s.") % {"role": state.slug}
        )


def _problem_words(problem: ChangeProblem, state: RoleState) -> str:
    """A problem's words; a problem raised without every value its words name (a points rule's
    unknown level lacks the role) gets the role's slug, else its bare path and code."""
    try:
        return problem.message
    except KeyError:
        params = {"role": state.slug, **problem.params}
        try:
            return replace(problem, params=params).message
        except KeyError:
            return f"{problem.path}: {problem.code}"


class RoleAdminForm(forms.ModelForm[Role]):
    key_domains = LinesField(required=False, help_text=_("One domain name per line."))
    # v2 only (RoleAdmin shows them for Markdown roles): the grading object as JSON.
    grading_rule = JSONTextField(
        empty=None,
        label=_("grading rule"),
        rows=6,
        help_text=_(
            'JSON, for example {"rule": "cumulative", "optional_share": 0.5}; empty for the '
            "default rule."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "grading_rule" in self.fields and self.instance.pk:
            self.fields["grading_rule"].initial = self.instance.grading or None

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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and not self.errors:
            try:
                check_changes(self, role_state_get(role=self.instance), self.changes())
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def _check_thresholds(self, grading: dict[str, Any]) -> None:
        """A points rule names the role's own levels."""
        thresholds = grading.get("thresholds")
        if not isinstance(thresholds, dict):
            return
        levels = set(self.instance.levels.values_list("code", flat=True))
        unknown = sorted(set(thresholds) - levels)
        if unknown:
            raise ValidationError(
                {
                    "grading_rule": _("No level %(levels)s in this role (it has %(known)s).")
                    % {"levels": ", ".join(unknown), "known": ", ".join(sorted(levels))}
                }
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
            elif name == "grading_rule" and isinstance(value, dict):
                self._check_thresholds(value)
            if name in ("grading_rule", "layout"):
                field = "grading" if name == "grading_rule" else name
                changes.append(_role_field_change(field, value, name))
                continue
            changes.append(SetRoleField(field=name, value=value))
        return changes


def _role_field_change(field: str, value: Any, name: str) -> Change:
    data = {"op": "set_role_field", "field": field, "value": value}
    return change_from_form(lambda: SetRoleField.from_json(data), name)


class LevelAdminForm(forms.ModelForm[Level]):
    stack = LinesField(required=False, help_text=_("One technology per line, in order."))
    # v2 only (LevelAdmin shows them for Markdown roles).
    level_sections = JSONTextField(
        empty=[],
        label=_("sections"),
        help_text=_(
            'JSON: a list of {"title": …, "text": …, "items": […]}, for example '
            '[{"title": "Scope", "items": ["Own tasks"]}].'
        ),
    )

    class Meta:
        model = Level
        fields = ("name", "short_name", "focus", "stack")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "track" in self.fields and self.instance.pk:
            track = cast(forms.ModelChoiceField, self.fields["track"])  # type: ignore[type-arg]
            track.queryset = Track.objects.filter(framework=self.instance.role.framework_id)
            track.empty_label = _("(on every path)")
        if "level_sections" in self.fields and self.instance.pk:
            self.fields["level_sections"].initial = self.instance.sections

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and not self.errors:
            try:
                check_changes(self, role_state_get(role=self.instance.role), self.changes())
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def _level_field(self, field: str, value: Any, name: str) -> Change:
        data = {"op": "set_level_field", "level": self.instance.code, "field": field}
        return change_from_form(lambda: SetLevelField.from_json({**data, "value": value}), name)

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
        if "rank" in self.changed_data:
            changes.append(self._level_field("rank", data["rank"], "rank"))
        if "track" in self.changed_data:
            track = data["track"].code if data["track"] else ""
            changes.append(self._level_field("track", track, "track"))
        if "level_sections" in self.changed_data:
            changes.append(self._level_field("sections", data["level_sections"], "level_sections"))
        return changes


def _links_text(links: str) -> str:
    return links or "[]"


class RequirementAdminForm(forms.ModelForm[Requirement]):
    """A v2 cell whole: its step (or n/a, or none: content only), mandatory flag, summary,
    Markdown details, examples and links. Saved as one ``set_cell``."""

    code = forms.ChoiceField(label=_("step"), required=False)
    examples = LinesField(required=False, help_text=_("One example per line."))
    cell_links = JSONTextField(
        empty=[],
        label=_("links"),
        rows=5,
        help_text=_('JSON: a list of {"title": …, "url": "https://…"}.'),
    )

    class Meta:
        model = Requirement
        fields = ("code", "is_mandatory", "summary", "details")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state: RoleState | None = None
        for name in ("summary", "details"):
            if name in self.fields:
                field = cast(forms.CharField, self.fields[name])
                field.strip = False  # a text kept exactly, so an unchanged save changes nothing
        if self.instance.pk and "cell_links" in self.fields:
            self.fields["cell_links"].initial = _links_text(self.instance.links)
        if self.instance.pk:
            self.state = role_state_get(role=self.instance.level.role)
            skill = self.state.skill(self.instance.role_skill.skill.slug)
            scale = self.state.scale(skill.scale if skill else "")
            code = cast(forms.ChoiceField, self.fields["code"])
            code.choices = [
                ("", _("(no step: words only)")),
                ("n/a", _("n/a: does not apply")),
                *((step.code, f"{step.code} · {step.name}") for step in scale.steps),
            ]

    def cell_change(self) -> Change:
        data = self.cleaned_data
        cell: Any
        if data["code"] == "n/a":
            cell = "n/a"
        else:
            cell = {"code": data["code"] or None, "mandatory": data["is_mandatory"]}
            cell.update(
                {
                    "summary": data.get("summary", ""),
                    "details": data.get("details", ""),
                    "examples": data.get("examples", []),
                    "links": data.get("cell_links", []),
                }
            )
            cell = {key: value for key, value in cell.items() if value is not None}
        change = {
            "op": "set_cell",
            "skill": self.instance.role_skill.skill.slug,
            "level": self.instance.level.code,
            "cell": cell,
        }
        return change_from_form(lambda: SetCell.from_json(change), None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("code") == "n/a" and any(
            data.get(name) for name in ("summary", "details", "examples", "cell_links")
        ):
            raise ValidationError(_("A cell that does not apply (n/a) says nothing else."))
        if self.state is not None and not self.errors:
            try:
                check_changes(self, self.state, [self.cell_change()])
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def _post_clean(self) -> None:
        # The cell is written by the change set; its model checks (n/a is bare) are the
        # change's, said above in words. Skipped here so they are not said twice.
        pass


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}


class SharedPartForm(forms.ModelForm[Any]):
    """A curator's form of a part a framework shares (a skill's scale, a scale, a track, the
    framework): the one change it makes, checked against every role that shows the part."""

    def shared_change(self) -> Change | None:
        """The change, or None when the curator changed none of what it carries."""
        raise NotImplementedError

    def shared_changes(self) -> list[Change]:
        """The change set the save applies (empty when there is nothing to change)."""
        change = self.shared_change()
        return [] if change is None else [change]

    def roles(self) -> list[Role]:
        """The roles that show the part (the change goes through the first)."""
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            changes = self.shared_changes()
        except ValidationError as exc:
            self.add_error(None, exc)
            return data
        if changes:
            for role in self.roles():
                check_changes(self, role_state_get(role=role), changes)
        return data


class SkillAdminForm(SharedPartForm):
    """A v2 skill: its name and description (renamed everywhere) and its scale and what it
    looks like at each step (``set_skill``)."""

    skill_scale = forms.ModelChoiceField(
        queryset=Scale.objects.none(),
        required=False,
        label=_("scale"),
        empty_label=_("A/W/E (built in)"),
    )
    step_content = JSONTextField(
        empty={},
        label=_("step content"),
        help_text=_(
            'JSON: step code → {"summary": …, "details": …, "examples": […], "links": […]}.'
        ),
    )

    class Meta:
        model = Skill
        fields = ("name", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skill = self.instance
        if "skill_scale" in self.fields and skill.pk:
            scale = cast(forms.ModelChoiceField, self.fields["skill_scale"])  # type: ignore[type-arg]
            scale.queryset = Scale.objects.filter(framework=skill.framework_id)
            scale.initial = skill.scale_id
            self.fields["step_content"].initial = skill.steps

    def shared_change(self) -> Change | None:
        if not {"skill_scale", "step_content"} & set(self.changed_data):
            return None
        skill, data = self.instance, self.cleaned_data
        scale = data.get("skill_scale")
        change = {
            "op": "set_skill",
            "skill": skill.slug,
            "scale": scale.slug if scale else "awe",
            "steps": data.get("step_content", {}),
            "domain": skill.home_domain.slug if skill.home_domain_id else "",
            "extensions": _json_object(skill.extensions),
        }
        return change_from_form(lambda: SetSkill.from_json(change), None)

    def shared_changes(self) -> list[Change]:
        """The skill's ``set_skill``, after a ``set_scale`` declaring its (new) scale as the
        framework has it: a role shows only the scales its skills use, so a skill moving to a
        scale its roles do not use yet brings the scale along."""
        change = self.shared_change()
        if change is None:
            return []
        scale = self.cleaned_data.get("skill_scale")
        if scale is None or scale.pk == self.instance.scale_id:
            return [change]
        value = {
            "slug": scale.slug,
            "name": scale.name,
            "description": scale.description,
            "steps": json.loads(scale.steps),
            **_json_object(scale.extensions),
        }
        declared = change_from_form(lambda: SetScale.from_json({"op": "set_scale", "scale": value}))
        return [declared, change]

    def roles(self) -> list[Role]:
        return roles_showing(skill=self.instance)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and self.shared_changes() and not self.roles():
            # A change set needs a role to version; roles.services has no skill write of its own.
            self.add_error(
                None,
                _(
                    "No role shows this skill yet, so its scale and steps cannot be versioned: "
                    "change them in the framework's document and import it."
                ),
            )
        return data


class ScaleAdminForm(SharedPartForm):
    scale_steps = JSONTextField(
        empty=[],
        label=_("steps"),
        help_text=_(
            'JSON, lowest step first: [{"code": "1", "name": "Aware", "description": …, '
            '"points": …}, …].'
        ),
    )

    class Meta:
        model = Scale
        fields = ("framework", "slug", "name", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["scale_steps"].initial = self.instance.steps

    def scale_json(self) -> dict[str, Any]:
        data, scale = self.cleaned_data, self.instance
        return {
            "slug": data.get("slug") or scale.slug,
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            "steps": data.get("scale_steps", []),
            **_json_object(scale.extensions),
        }

    def shared_change(self) -> Change:
        value = self.scale_json()
        return change_from_form(lambda: SetScale.from_json({"op": "set_scale", "scale": value}))

    def roles(self) -> list[Role]:
        return roles_showing(scale=self.instance) if self.instance.pk else []


class TrackAdminForm(SharedPartForm):
    class Meta:
        model = Track
        fields = ("framework", "code", "name", "description")

    def shared_change(self) -> Change:
        data, track = self.cleaned_data, self.instance
        value = {
            "code": data.get("code") or track.code,
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            **_json_object(track.extensions),
        }
        return change_from_form(lambda: SetTrack.from_json({"op": "set_track", "track": value}))

    def roles(self) -> list[Role]:
        return roles_showing(track=self.instance) if self.instance.pk else []


class FrameworkAdminForm(SharedPartForm):
    """The framework's name, description, source and licence (``set_framework``)."""

    framework_source = JSONTextField(
        empty={},
        label=_("source and licence"),
        rows=8,
        help_text=_(
            'JSON: {"url": "https://…", "licence": …, "attribution": …, "version": …, "notes": …}.'
        ),
    )

    class Meta:
        model = Framework
        fields = ("name", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["framework_source"].initial = self.instance.source

    def shared_change(self) -> Change:
        data, framework = self.cleaned_data, self.instance
        change = {
            "op": "set_framework",
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            "source": data.get("framework_source", {}),
            "extensions": _json_object(framework.extensions),
            "document_extensions": _json_object(framework.root_extensions),
        }
        return change_from_form(lambda: SetFramework.from_json(change))

    def roles(self) -> list[Role]:
        return roles_showing(framework=self.instance)


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
            # A number the role has no version of is a form error naming the range.
            out_of_range = _("This role has versions 1 to %(latest)d.") % {"latest": latest}
            self.fields[name] = forms.IntegerField(
                label=label,
                min_value=1,
                max_value=max(latest, 1),
                initial=initial,
                widget=forms.NumberInput(attrs={"min": 1, "max": max(latest, 1)}),
                error_messages={"min_value": out_of_range, "max_value": out_of_range},
            )

    def numbers(self) -> tuple[int, int]:
        """The chosen versions, or the form's defaults when nothing was chosen (0 for a role
        with a single version: nothing to compare)."""
        if self.is_bound:
            return self.cleaned_data["from"], self.cleaned_data["to"]
        if self.latest < 2:
            return 0, 0
        return self.latest - 1, self.latest
