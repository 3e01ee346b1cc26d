"""Forms of the proposal pages. They check shape and length; the services decide the rest."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import (
    COMMENT_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    REVIEW_COMMENT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Proposal,
    Review,
)
from proposals.selectors import SORTS, domain_choices, role_choices

SORT_LABELS = {"newest": _("Newest"), "score": _("Score"), "closing": _("Closing soon")}


class ProposalFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Proposal.Status.choices],
    )
    domain = forms.ChoiceField(label=_("Domain"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[(key, SORT_LABELS[key]) for key in SORTS]
    )
    # One member's proposals (the profile links here); kept across the other filters.
    author = forms.CharField(required=False, max_length=150, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once here: choices given as callables are read again for every rendering.
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            ("", _("All roles")),
            *role_choices(),
        ]
        cast(forms.ChoiceField, self.fields["domain"]).choices = [
            ("", _("All domains")),
            *domain_choices(),
        ]


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text."),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Review.Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=REVIEW_COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required: say why. It is published with the decision."),
    )


OP_LABELS = {
    "set_requirement": _("Set a cell's requirement"),
    "set_details": _("Set a cell's details"),
    "add_skill": _("Add a skill"),
    "remove_skill": _("Remove a skill"),
    "set_focus": _("Set a level's focus"),
    "set_stack": _("Set a level's tech stack"),
}
# Which inputs each kind of change reads (the others are ignored).
OP_FIELDS = {
    "set_requirement": ("skill", "level", "code", "mandatory"),
    "set_details": ("skill", "level", "text"),
    "add_skill": ("name", "domain", "level", "code"),
    "remove_skill": ("skill",),
    "set_focus": ("level", "text"),
    "set_stack": ("level", "items"),
}
# Where a change's error path (after ``changes[i].``) is shown in the editor.
_PATH_INPUTS = {
    "skill": "skill",
    "level": "level",
    "code": "code",
    "mandatory": "mandatory",
    "text": "text",
    "items": "items",
    "name": "name",
    "skill.name": "name",
    "skill.domain": "domain",
    "domain": "domain",
    "domain_name": "domain",
    "requirements": "code",
}
CODE_CHOICES = [("", _("Empty cell")), ("A", "A"), ("W", "W"), ("E", "E")]


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=RATIONALE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why the role should change: what you see in practice, who needs it."),
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: web addresses that support the change, one per line."),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["evidence_links"].splitlines()]


class ChangeForm(forms.Form):
    """One change of the editor; ``as_json()`` gives its roles.changes JSON form."""

    op = forms.ChoiceField(label=_("Change"), choices=list(OP_LABELS.items()))
    skill = forms.CharField(
        label=_("Skill"),
        required=False,
        max_length=100,
        help_text=_("The skill's short name, for example “apache-kafka”."),
    )
    level = forms.ChoiceField(label=_("Level"), required=False)
    code = forms.ChoiceField(label=_("Requirement"), required=False, choices=CODE_CHOICES)
    mandatory = forms.BooleanField(label=_("Mandatory"), required=False, initial=True)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=RATIONALE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    items = forms.CharField(
        label=_("Stack"), required=False, max_length=2000, help_text=_("Comma-separated.")
    )
    name = forms.CharField(label=_("New skill's name"), required=False, max_length=200)
    domain = forms.CharField(label=_("Its domain"), required=False, max_length=200)

    def __init__(self, *args: Any, levels: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["level"]).choices = [("", "—"), *levels]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        op = data.get("op", "")
        needed = {"skill", "level", "name", "domain"} & set(OP_FIELDS.get(op, ()))
        if op == "add_skill":
            needed -= {"level"}
        for name in sorted(needed):
            if not data.get(name):
                self.add_error(name, _("Required for this change."))
        if op == "add_skill" and bool(data.get("level")) != bool(data.get("code")):
            self.add_error("code", _("Give a level and a requirement, or neither."))
        return data

    def as_json(self) -> dict[str, Any]:
        data = self.cleaned_data
        op = data["op"]
        if op == "set_requirement":
            return {
                "op": op,
                "skill": data["skill"],
                "level": data["level"],
                "code": data["code"] or None,
                "mandatory": data["mandatory"],
            }
        if op == "set_details":
            return {"op": op, "skill": data["skill"], "level": data["level"], "text": data["text"]}
        if op == "add_skill":
            change: dict[str, Any] = {
                "op": op,
                "skill": {"name": data["name"], "domain": data["domain"]},
            }
            if data["level"]:
                change["requirements"] = {data["level"]: data["code"]}
            return change
        if op == "remove_skill":
            return {"op": op, "skill": data["skill"]}
        if op == "set_focus":
            return {"op": op, "level": data["level"], "text": data["text"]}
        items = [item.strip() for item in data["items"].split(",") if item.strip()]
        return {"op": op, "level": data["level"], "items": items}

    def add_path_error(self, field: str, message: str) -> None:
        """Show a service error (``changes[i].<field>``) next to the matching input."""
        name = _PATH_INPUTS.get(field) or _PATH_INPUTS.get(field.split(".", 1)[0], "")
        self.add_error(name or None, message)
