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
from proposals.selectors import SORTS, domain_choices, role_choices, role_is_v2
from roles.changes.parts import LINE_LIMIT, TEXT_LIMIT
from roles.changes.state import RoleState

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
# A v2 role's kinds of change: whole cells in the skill's own steps and words, and what a
# skill means in this role. Adding a skill (on no scale of the framework) stays with v1 roles;
# the parts a framework shares (a skill's scale, a scale, a track) are for curators.
V2_OP_LABELS = {
    "set_cell": _("Set a cell: its step and words"),
    "set_row": _("Say what a skill means in this role"),
    "remove_skill": OP_LABELS["remove_skill"],
    "set_focus": OP_LABELS["set_focus"],
    "set_stack": OP_LABELS["set_stack"],
}
OP_FIELDS.update(
    {
        "set_cell": ("skill", "level", "code", "mandatory", "summary", "details"),
        "set_row": ("skill", "text"),
    }
)
_PATH_INPUTS.update({"cell": "code", "cell.code": "code", "description": "text"})
_PATH_INPUTS.update({"cell.summary": "summary", "cell.details": "details"})


class StepChoiceField(forms.ChoiceField):
    """A step code among the role's scales: which scale applies depends on the row's skill,
    so :meth:`ChangeForm.clean` checks it (naming that scale's steps) rather than the field."""

    def valid_value(self, value: Any) -> bool:
        return True


def _step_options(state: RoleState, scale: str) -> list[tuple[str, str]]:
    return [(step.code, f"{step.code} · {step.name}") for step in state.scale(scale).steps]


def step_words(state: RoleState, scale: str) -> str:
    """A scale's steps in words: "1 Aware, 2 Foundational, …"."""
    return ", ".join(f"{step.code} {step.name}" for step in state.scale(scale).steps)


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

    def __init__(
        self,
        *args: Any,
        levels: list[tuple[str, str]],
        state: RoleState | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["level"]).choices = [("", "—"), *levels]
        # A v2 role: skills picked by name, cells in their own scale's steps, with words.
        self.state = state if state is not None and role_is_v2(state) else None
        if self.state is not None:
            self._make_v2(self.state)

    def _make_v2(self, state: RoleState) -> None:
        self.fields["op"] = forms.ChoiceField(label=_("Change"), choices=list(V2_OP_LABELS.items()))
        self.fields["skill"] = forms.ChoiceField(
            label=_("Skill"),
            required=False,
            choices=[("", "—"), *((skill.slug, skill.name) for skill in state.skills)],
        )
        self.fields["code"] = StepChoiceField(
            label=_("Step"), required=False, choices=self._code_choices(state)
        )
        self.fields["summary"] = forms.CharField(
            label=_("Summary"), required=False, max_length=LINE_LIMIT
        )
        self.fields["details"] = forms.CharField(
            label=_("Details"),
            required=False,
            max_length=TEXT_LIMIT,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Markdown: what this level asks of the skill, in words."),
        )
        # No new skills here: a v2 skill belongs to a scale of the framework.
        del self.fields["name"], self.fields["domain"]
        self.fields["text"].help_text = _("A focus, or what the skill means in this role.")

    def _code_choices(self, state: RoleState) -> list[Any]:
        """The steps of the row's skill's scale; all the role's scales, grouped, while no
        skill is chosen. Plus "n/a" and an empty cell."""
        chosen = state.skill(str(self["skill"].value() or ""))
        fixed: list[Any] = [("", _("Empty cell")), ("n/a", _("n/a: does not apply"))]
        if chosen is not None:
            return [*fixed, *_step_options(state, chosen.scale)]
        scales = dict.fromkeys(skill.scale for skill in state.skills)
        return [*fixed, *((state.scale(s).name, _step_options(state, s)) for s in scales)]

    def _check_step(self, data: dict[str, Any]) -> None:
        """A step of the chosen skill's scale, "n/a" or none; else say which steps it has."""
        state, code = self.state, data.get("code", "")
        skill = state.skill(data.get("skill", "")) if state is not None else None
        if state is None or skill is None or code in ("", "n/a"):
            return
        scale = state.scale(skill.scale)
        if code not in scale.codes():
            self.add_error(
                "code",
                _("%(skill)s is measured on the scale %(scale)s: choose one of %(steps)s.")
                % {
                    "skill": skill.name,
                    "scale": scale.name,
                    "steps": step_words(state, scale.slug),
                },
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        op = data.get("op", "")
        if op == "set_cell":
            self._check_step(data)
        needed = {"skill", "level", "name", "domain"} & set(OP_FIELDS.get(op, ()))
        if op == "add_skill":
            needed -= {"level"}
        for name in sorted(needed):
            if not data.get(name):
                self.add_error(name, _("Required for this change."))
        if op == "add_skill" and bool(data.get("level")) != bool(data.get("code")):
            self.add_error("code", _("Give a level and a requirement, or neither."))
        return data

    def _cell_json(self) -> Any:
        """The v2 cell the row asks for. Examples and links the cell has now are kept: the
        editor does not show them, and leaving them out would remove them."""
        data = self.cleaned_data
        code, summary, details = data["code"], data["summary"], data["details"]
        if code == "n/a":
            return "n/a"
        old = self.state.cell(data["skill"], data["level"]) if self.state else None
        cell: dict[str, Any] = {"code": code} if code else {}
        if not data["mandatory"]:
            cell["mandatory"] = False
        content = {"summary": summary, "details": details}
        if old is not None:
            content["examples"] = list(old.examples)
            content["links"] = [link.as_json() for link in old.links]
        cell.update({key: value for key, value in content.items() if value})
        if not cell or set(cell) == {"mandatory"}:
            return None
        return cell

    def as_json(self) -> dict[str, Any]:
        data = self.cleaned_data
        op = data["op"]
        if op == "set_cell":
            return {
                "op": op,
                "skill": data["skill"],
                "level": data["level"],
                "cell": self._cell_json(),
            }
        if op == "set_row":
            return {"op": op, "skill": data["skill"], "description": data["text"]}
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
