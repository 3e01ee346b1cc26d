"""Forms of the proposal pages. They check shape and length; the services decide the rest."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import (
    COMMENT_MAX_LENGTH,
    MAX_CHANGES,
    RATIONALE_MAX_LENGTH,
    REVIEW_COMMENT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VOTE_REASON_MAX_LENGTH,
    Proposal,
    Review,
)
from proposals.search import SEARCH_MAX_LENGTH
from proposals.selectors import domain_choices, role_choices, role_is_v2
from roles.changes.errors import ChangeError
from roles.changes.parts import LINE_LIMIT, TEXT_LIMIT, scale_json
from roles.changes.state import RoleState, content_json
from roles.changes.types import PROPOSAL_OPS, changes_as_json, parse_changes
from skillsmatrix.text import validate_one_line, validate_visible_text

SORT_LABELS = {
    "newest": _("Newest"),
    "score": _("Score"),
    "closing": _("Closing soon"),
}


class ProposalFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        help_text=_(
            'Words of the title, rationale or comments; "a phrase" in quotes, -word to leave a '
            "word out, or between alternatives."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Proposal.Status.choices],
    )
    domain = forms.ChoiceField(label=_("Domain"), required=False)
    # The default first: a search's best matches first, the newest first without a search
    # (where every proposal matches alike), unless another order is chosen.
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Best match, or newest")),
            *SORT_LABELS.items(),
        ],
    )
    # One member's proposals (the profile links here); kept across the other filters.
    author = forms.CharField(required=False, max_length=150, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refused_when_too_long(self, "q")
        # Read once here: choices given as callables are read again for every rendering.
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            ("", _("All roles")),
            *role_choices(),
        ]
        cast(forms.ChoiceField, self.fields["domain"]).choices = [
            ("", _("All domains")),
            *domain_choices(),
        ]


MARKDOWN_HELP = _(
    "Markdown: **bold**, *italic*, `code`, lists, quotes and http(s) links; "
    "@username mentions a member."
)


# Too long is refused with a message naming the limit; no maxlength attribute, with which a
# browser would cut a pasted text short without a word.
TOO_LONG = _("At most %(limit_value)d characters (it has %(show_value)d).")


def refused_when_too_long(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].widget.attrs.pop("maxlength", None)
        form.fields[name].error_messages["max_length"] = TOO_LONG


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        validators=[validate_visible_text],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=MARKDOWN_HELP,
    )
    # The comment this one replies to (none for a new thread).
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refused_when_too_long(self, "text")


class CommentEditForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=MARKDOWN_HELP,
    )


class VoteForm(forms.Form):
    value = forms.ChoiceField(choices=[("1", "1"), ("-1", "-1"), ("retract", "retract")])
    reason = forms.CharField(
        label=_("Reason for a down vote (optional)"),
        required=False,
        max_length=VOTE_REASON_MAX_LENGTH,
        strip=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refused_when_too_long(self, "reason")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Review.Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=REVIEW_COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required: say why. It is published with the decision. Markdown."),
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
# A v2 role's kinds of change: whole cells in the skill's own steps and words, what a skill
# means in this role, a level's band, track and sections, and two parts the framework shares
# (what a skill looks like at one step of its scale, a scale step's name and description:
# every role showing them changes once applied). Some editor rows are one change type seen
# one field at a time ("level_rank" is a set_level_field of the rank, "skill_step" a set_skill
# keeping the skill's other steps): ``ChangeForm.as_json`` gives the change.
V2_OP_LABELS = {
    "set_cell": _("Set a cell: its step and words"),
    "set_row": _("Say what a skill means in this role"),
    "remove_skill": OP_LABELS["remove_skill"],
    "set_focus": OP_LABELS["set_focus"],
    "set_stack": OP_LABELS["set_stack"],
    "level_rank": _("Set a level's band (its rank across roles)"),
    "level_track": _("Put a level on a track"),
    "level_sections": _("Set a level's sections (scope, impact …)"),
    "skill_step": _("Say what a skill looks like at one step (every role showing it)"),
    "scale_step": _("Rename or describe a step of a scale (every role using it)"),
}
# Adding a skill on a v2 role: a new skill is on the built-in A/W/E scale (add_skill carries
# no scale), so it is offered only where the role's skills are on that scale too.
V2_AWE_OP_LABELS = {"add_skill": OP_LABELS["add_skill"]}
OP_FIELDS.update(
    {
        "set_cell": ("skill", "level", "code", "mandatory", "summary", "details"),
        "set_row": ("skill", "text"),
        "level_rank": ("level", "rank"),
        "level_track": ("level", "track"),
        "level_sections": ("level", "text"),
        "skill_step": ("skill", "code", "summary", "details"),
        "scale_step": ("step", "step_name", "details"),
    }
)
_PATH_INPUTS.update({"cell": "code", "cell.code": "code", "description": "text"})
_PATH_INPUTS.update({"cell.summary": "summary", "cell.details": "details"})
_PATH_INPUTS.update({"steps": "code", "scale": "step", "scale.steps": "step_name"})
# A change no row can say (a domain, the framework's source, a skill's new scale, two
# requirements of a new skill …) is kept in an advanced row holding its JSON as the API writes
# it. Only rows built from such a change have it (:func:`rows_from_changes`).
ADVANCED = "json"
OP_FIELDS[ADVANCED] = ("json",)
# Where ``changes[i].value`` of a level row is shown.
_VALUE_INPUTS = {"level_rank": "rank", "level_track": "track", "level_sections": "text"}
_LEVEL_FIELDS = {"level_rank": "rank", "level_track": "track", "level_sections": "sections"}


class SkillChoiceField(forms.ChoiceField):
    """A skill of the role, picked by name (the value is its slug). Any value is taken: the
    change-set service says what is wrong with a skill the role does not have."""

    def valid_value(self, value: Any) -> bool:
        return True


def sections_from_text(text: str) -> list[dict[str, Any]]:
    """Sections typed as text: blocks apart by a blank line, each a title line, then lines of
    text and "- " items."""
    sections = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        items = [line.strip()[2:].strip() for line in lines[1:] if line.strip()[:2] in ("- ", "* ")]
        texts = [line for line in lines[1:] if line.strip()[:2] not in ("- ", "* ")]
        section: dict[str, Any] = {"title": lines[0].strip()}
        if texts:
            section["text"] = "\n".join(texts)
        if items:
            section["items"] = items
        sections.append(section)
    return sections


def sections_as_text(sections: Any) -> str:
    """Sections (their JSON form) in the text form :func:`sections_from_text` reads."""
    blocks = []
    for section in sections if isinstance(sections, list) else ():
        lines = [section.get("title", ""), *([section["text"]] if section.get("text") else [])]
        blocks.append("\n".join([*lines, *(f"- {item}" for item in section.get("items", ()))]))
    return "\n\n".join(blocks)


class StepChoiceField(forms.ChoiceField):
    """A step code among the role's scales: which scale applies depends on the row's skill,
    so :meth:`ChangeForm.clean` checks it (naming that scale's steps) rather than the field."""

    def valid_value(self, value: Any) -> bool:
        return True


def step_options(state: RoleState, scale: str) -> list[tuple[str, str]]:
    return [(step.code, f"{step.code} · {step.name}") for step in state.scale(scale).steps]


def step_words(state: RoleState, scale: str) -> str:
    """A scale's steps in words: "1 Aware, 2 Foundational, …"."""
    return ", ".join(f"{step.code} {step.name}" for step in state.scale(scale).steps)


class ProposalForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        validators=[validate_one_line, validate_visible_text],
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=RATIONALE_MAX_LENGTH,
        validators=[validate_visible_text],
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refused_when_too_long(self, "title", "rationale")

    def links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["evidence_links"].splitlines()]


class RevisionForm(ProposalForm):
    """A revision's texts: the new proposal's fields and checks; it is written against the
    role's current version, so it carries none (the changes are the editor's rows)."""

    base_version = None  # type: ignore[assignment]


class ChangeForm(forms.Form):
    """One change of the editor; ``as_json()`` gives its roles.changes JSON form."""

    op = forms.ChoiceField(label=_("Change"), choices=list(OP_LABELS.items()))
    # Picked by name among the role's skills once the form knows the role (its state).
    skill = forms.CharField(label=_("Skill"), required=False, max_length=100)
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
        if state is not None:
            # Skills picked by name (the value is the slug), in v1 and v2 alike.
            self.fields["skill"] = SkillChoiceField(
                label=_("Skill"),
                required=False,
                choices=[("", "—"), *((skill.slug, skill.name) for skill in state.skills)],
            )
        # A v2 role: cells in their own scale's steps, with words.
        self.state = state if state is not None and role_is_v2(state) else None
        if self.state is not None:
            self._make_v2(self.state)
        if self._op_given() == ADVANCED:
            self._make_advanced()

    def _op_given(self) -> str:
        """The row's kind of change as posted (or, unbound, as prefilled)."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix("op"), ""))
        return str(self.initial.get("op", ""))

    def _make_advanced(self) -> None:
        op = cast(forms.ChoiceField, self.fields["op"])
        op.choices = [
            *cast(list[Any], op.choices),
            (ADVANCED, _("Another kind of change (advanced)")),
        ]
        self.fields["json"] = forms.CharField(
            label=_("The change in JSON (advanced)"),
            required=False,
            max_length=RATIONALE_MAX_LENGTH * 4,
            widget=forms.Textarea(attrs={"rows": 6, "class": "input--code", "spellcheck": "false"}),
            help_text=_(
                "The editor has no inputs for this change, so it is kept as the API writes it. "
                "Leave it as it is, edit it, or remove it."
            ),
        )

    def clean_json(self) -> Any:
        if self.cleaned_data.get("op") != ADVANCED:
            return None
        try:
            change = json.loads(self.cleaned_data["json"])
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(change, dict):
            raise forms.ValidationError(_("One change, as a JSON object in curly brackets."))
        return change

    def _make_v2(self, state: RoleState) -> None:
        labels = dict(V2_OP_LABELS)
        if all(not skill.scale for skill in state.skills):
            labels = {**V2_AWE_OP_LABELS, **labels}
        self.fields["op"] = forms.ChoiceField(label=_("Change"), choices=list(labels.items()))
        self.fields["rank"] = forms.IntegerField(
            label=_("Band"),
            required=False,
            min_value=0,
            max_value=1000,
            help_text=_("Levels of different roles with one band sit side by side; empty: none."),
        )
        self.fields["track"] = forms.ChoiceField(
            label=_("Track"),
            required=False,
            choices=[("", _("Every path")), *((t.code, t.name) for t in state.tracks)],
        )
        self.fields["step"] = forms.ChoiceField(
            label=_("Step of a scale"),
            required=False,
            choices=[
                ("", "—"),
                *(
                    (f"{scale.slug}:{step.code}", f"{scale.name} · {step.code} {step.name}")
                    for scale in state.scales
                    for step in scale.steps
                ),
            ],
        )
        self.fields["step_name"] = forms.CharField(
            label=_("Step name"), required=False, max_length=LINE_LIMIT
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
        if "add_skill" not in labels:
            # No new skills here: a v2 skill belongs to a scale of the framework.
            del self.fields["name"], self.fields["domain"]
        self.fields["text"].help_text = _("A focus, or what the skill means in this role.")

    def _code_choices(self, state: RoleState) -> list[Any]:
        """The steps of the row's skill's scale; all the role's scales, grouped, while no
        skill is chosen. Plus "n/a" and an empty cell."""
        chosen = state.skill(str(self["skill"].value() or ""))
        fixed: list[Any] = [("", _("Empty cell")), ("n/a", _("n/a: does not apply"))]
        if chosen is not None:
            return [*fixed, *step_options(state, chosen.scale)]
        scales = dict.fromkeys(skill.scale for skill in state.skills)
        return [*fixed, *((state.scale(s).name, step_options(state, s)) for s in scales)]

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
        if op in ("set_cell", "skill_step"):
            self._check_step(data)
        if op == "skill_step" and data.get("code", "") in ("", "n/a"):
            self.add_error("code", _("Choose one of the skill's steps."))
        needed = {"skill", "level", "name", "domain", "step", "step_name"} & set(
            OP_FIELDS.get(op, ())
        )
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

    def _skill_step_json(self) -> dict[str, Any]:
        """A set_skill giving the chosen step its summary and details; the skill's scale, its
        other steps, its domain and its x- keys stay as they are."""
        data, state = self.cleaned_data, cast(RoleState, self.state)
        skill = state.skill(data["skill"])
        if skill is None:  # the service names the unknown skill
            return {"op": "set_skill", "skill": data["skill"], "scale": ""}
        now = {code: content_json(content) for code, content in skill.steps.items()}
        change: dict[str, Any] = {
            "op": "set_skill",
            "skill": skill.slug,
            "scale": skill.scale,
            "steps": self._with_step(now),
        }
        if skill.home_domain:
            change["domain"] = skill.home_domain
        if skill.skill_extensions:
            change["extensions"] = dict(skill.skill_extensions)
        return change

    def _with_step(self, steps: dict[str, Any]) -> dict[str, Any]:
        """``steps`` (a skill's, in JSON) with the chosen one's summary and details; its
        examples and links, which the editor does not show, stay."""
        data, state = self.cleaned_data, cast(RoleState, self.state)
        skill = state.skill(data["skill"])
        old = skill.steps.get(data["code"]) if skill else None
        content = content_json(old) if old else {}
        content.update(summary=data["summary"], details=data["details"])
        steps = {**steps, data["code"]: {key: value for key, value in content.items() if value}}
        order = state.scale(skill.scale).codes() if skill else tuple(steps)
        return {code: steps[code] for code in order if steps.get(code)}

    def _scale_step_json(self) -> dict[str, Any]:
        """A set_scale renaming and re-describing the chosen step; the rest stays."""
        data, state = self.cleaned_data, cast(RoleState, self.state)
        slug = data["step"].partition(":")[0]
        scale = scale_json(next(s for s in state.scales if s.slug == slug))
        return {"op": "set_scale", "scale": {**scale, "steps": self._renamed(scale["steps"])}}

    def _renamed(self, steps: list[Any]) -> list[Any]:
        """A scale's steps (in JSON) with the chosen one's new name and description."""
        data = self.cleaned_data
        code = data["step"].partition(":")[2]
        described = {"description": data["details"]} if data["details"] else {}
        return [
            {
                **{key: value for key, value in step.items() if key != "description"},
                "name": data["step_name"],
                **described,
            }
            if step.get("code") == code
            else step
            for step in steps
        ]

    def shared_part(self) -> tuple[str, str] | None:
        """The framework part a step row changes one step of (a skill's steps, a scale)."""
        op = self.cleaned_data["op"]
        if op == "skill_step":
            return ("skill", self.cleaned_data["skill"])
        if op == "scale_step":
            return ("scale", self.cleaned_data["step"].partition(":")[0])
        return None

    def merge_into(self, change: dict[str, Any]) -> None:
        """Add this step row's step to ``change``, made by an earlier row of the same part."""
        if self.cleaned_data["op"] == "skill_step":
            change["steps"] = self._with_step(dict(change.get("steps") or {}))
        elif isinstance(change.get("scale"), dict):
            change["scale"] = {**change["scale"], "steps": self._renamed(change["scale"]["steps"])}

    def _level_json(self) -> dict[str, Any]:
        data = self.cleaned_data
        field = _LEVEL_FIELDS[data["op"]]
        value: Any = {
            "rank": data.get("rank"),
            "track": data.get("track", ""),
            "sections": sections_from_text(data["text"]),
        }[field]
        return {"op": "set_level_field", "level": data["level"], "field": field, "value": value}

    def as_json(self) -> dict[str, Any]:
        data = self.cleaned_data
        op = data["op"]
        if op == ADVANCED:
            return cast(dict[str, Any], data["json"])
        # The rows that make a change of a kind of their own.
        made = {
            "skill_step": self._skill_step_json,
            "scale_step": self._scale_step_json,
            **dict.fromkeys(_LEVEL_FIELDS, self._level_json),
        }
        if op in made:
            return made[op]()
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
        op = self["op"].value()
        if op == ADVANCED:
            self.add_error("json", f"{field}: {message}" if field else message)
            return
        if field == "value" and op in _VALUE_INPUTS:
            name = _VALUE_INPUTS[op]
        else:
            name = _PATH_INPUTS.get(field) or _PATH_INPUTS.get(field.split(".", 1)[0], "")
        self.add_error(name if name in self.fields else None, message)


def rows_as_changes(rows: Sequence[ChangeForm]) -> tuple[list[dict[str, Any]], list[int]]:
    """The change list of valid editor rows, and the row each change comes from (where its
    errors show). Step rows of one shared part (a skill's steps, a scale's) make one change,
    at the first of them: each alone would carry the part as it is now, undoing the others."""
    changes: list[dict[str, Any]] = []
    origins: list[int] = []
    parts: dict[tuple[str, str], dict[str, Any]] = {}
    for index, row in enumerate(rows):
        part = row.shared_part()
        if part is not None and part in parts:
            row.merge_into(parts[part])
            continue
        change = row.as_json()
        if part is not None:
            parts[part] = change
        changes.append(change)
        origins.append(index)
    return changes, origins


def rows_from_changes(changes: Sequence[Any], *, state: RoleState) -> list[dict[str, Any]]:
    """The editor's rows showing a change list written against ``state``, to revise it or
    to propose it again: each change as the rows that make it again, or, when none do (a
    kind the editor has no inputs for, more than its rows can hold), one advanced row of its
    JSON. A skill's or a scale's change becomes a row for each step it changes against
    ``state``, so the steps others changed since stay as they are now."""
    levels = [(level.code, level.name) for level in state.levels]
    rows: list[dict[str, Any]] = []
    parts: set[tuple[str, str]] = set()
    for index, change in enumerate(changes):
        room = MAX_CHANGES - len(rows) - (len(changes) - index - 1)
        said = _rows_of(change, state)
        made = _rows_make(change, said, state=state, levels=levels) if said else None
        if said and made is not None and len(said) <= room and not made & parts:
            rows.extend(said)
            parts |= made
        else:
            rows.append({"op": ADVANCED, "json": json.dumps(change, indent=2, ensure_ascii=False)})
    return rows


def _normalised(changes: list[Any]) -> list[dict[str, Any]] | None:
    try:
        return changes_as_json(parse_changes(changes, allowed=PROPOSAL_OPS))
    except ChangeError:
        return None


def _as_posted(row: dict[str, Any], prefix: str) -> dict[str, str]:
    return {
        f"{prefix}-{name}": "on" if value is True else str(value)
        for name, value in row.items()
        if value is not False and value is not None
    }


def _rows_make(
    change: Any, rows: list[dict[str, Any]], *, state: RoleState, levels: list[tuple[str, str]]
) -> set[tuple[str, str]] | None:
    """The shared parts ``rows`` change when, posted, they make ``change`` again as the
    services write it; None when they do not."""
    posted = [
        ChangeForm(_as_posted(row, "row"), prefix="row", levels=levels, state=state) for row in rows
    ]
    if not all(form.is_valid() for form in posted):
        return None
    made, _origins = rows_as_changes(posted)
    wanted = _normalised([change])
    if wanted is None or _normalised(made) != wanted:
        return None
    return {part for form in posted if (part := form.shared_part()) is not None}


def _cell_row(change: dict[str, Any]) -> dict[str, Any]:
    cell = change.get("cell")
    content = cell if isinstance(cell, dict) else {}
    return {
        "skill": change.get("skill", ""),
        "level": change.get("level", ""),
        "code": cell if isinstance(cell, str) else content.get("code", ""),
        "mandatory": content.get("mandatory", True),
        "summary": content.get("summary", ""),
        "details": content.get("details", ""),
    }


def _one_row(change: dict[str, Any], state: RoleState) -> list[dict[str, Any]] | None:
    """The kinds of change one row says as it is."""
    op = change.get("op", "")
    skill, level = change.get("skill", ""), change.get("level", "")
    items = change.get("items")
    rows: dict[str, dict[str, Any]] = {
        "set_cell": _cell_row(change),
        "set_requirement": {
            "skill": skill,
            "level": level,
            "code": change.get("code") or "",
            "mandatory": change.get("mandatory", True),
        },
        "set_details": {"skill": skill, "level": level, "text": change.get("text", "")},
        "remove_skill": {"skill": skill},
        "set_focus": {"level": level, "text": change.get("text", "")},
        "set_stack": {"level": level, "items": ", ".join(items if isinstance(items, list) else [])},
        "set_row": {"skill": skill, "text": change.get("description", "")},
    }
    return [{"op": op, **rows[op]}] if op in rows else None


def _add_skill_rows(change: dict[str, Any], state: RoleState) -> list[dict[str, Any]] | None:
    """A new skill's row: its name, its domain's name and at most one requirement."""
    target = change.get("skill")
    new = target if isinstance(target, dict) else {}
    requirements = change.get("requirements") or {}
    if not isinstance(requirements, dict) or len(requirements) > 1:
        return None
    level, cell = next(iter(requirements.items()), ("", ""))
    domain = change.get("domain_name") or new.get("domain")
    return [
        {
            "op": "add_skill",
            "name": change.get("name") or new.get("name", ""),
            "domain": domain or state.domain_names.get(str(change.get("domain", "")), ""),
            "level": level,
            "code": (cell.get("code", "") if isinstance(cell, dict) else cell) or "",
        }
    ]


def _level_field_rows(change: dict[str, Any], state: RoleState) -> list[dict[str, Any]] | None:
    level, value = change.get("level", ""), change.get("value")
    rows = {
        "rank": {"op": "level_rank", "level": level, "rank": value},
        "track": {"op": "level_track", "level": level, "track": value or ""},
        "sections": {"op": "level_sections", "level": level, "text": sections_as_text(value)},
    }
    field = change.get("field", "")
    return [rows[field]] if field in rows else None


def _content_of(steps: Any, code: str) -> dict[str, Any]:
    content = steps.get(code) if isinstance(steps, dict) else None
    return content if isinstance(content, dict) else {}


def _skill_step_rows(change: dict[str, Any], state: RoleState) -> list[dict[str, Any]] | None:
    """A row for each step of the skill the change gives other content than ``state``'s."""
    skill = state.skill(str(change.get("skill", "")))
    if skill is None:
        return None
    now = {code: content_json(content) for code, content in skill.steps.items()}
    steps = change.get("steps") or {}
    rows = [
        {
            "op": "skill_step",
            "skill": skill.slug,
            "code": code,
            "summary": _content_of(steps, code).get("summary", ""),
            "details": _content_of(steps, code).get("details", ""),
        }
        for code in state.scale(skill.scale).codes()
        if _content_of(steps, code) != now.get(code, {})
    ]
    return rows or None


def _scale_step_rows(change: dict[str, Any], state: RoleState) -> list[dict[str, Any]] | None:
    """A row for each step of the scale the change names or describes otherwise."""
    scale = change.get("scale")
    slug = scale.get("slug", "") if isinstance(scale, dict) else ""
    now = next((found for found in state.scales if found.slug == slug), None)
    if now is None:
        return None
    before = {step.code: (step.name, step.description) for step in now.steps}
    steps = [
        step for step in cast(dict[str, Any], scale).get("steps") or () if isinstance(step, dict)
    ]
    rows = [
        {
            "op": "scale_step",
            "step": f"{slug}:{step.get('code', '')}",
            "step_name": step.get("name", ""),
            "details": step.get("description", ""),
        }
        for step in steps
        if before.get(step.get("code", "")) != (step.get("name", ""), step.get("description", ""))
    ]
    return rows or None


_ROWS_OF: dict[str, Callable[[dict[str, Any], RoleState], list[dict[str, Any]] | None]] = {
    "add_skill": _add_skill_rows,
    "set_level_field": _level_field_rows,
    "set_skill": _skill_step_rows,
    "set_scale": _scale_step_rows,
}


def _rows_of(change: Any, state: RoleState) -> list[dict[str, Any]] | None:
    """The rows that may say ``change`` (:func:`_rows_make` checks that they do)."""
    if not isinstance(change, dict):
        return None
    return _ROWS_OF.get(change.get("op", ""), _one_row)(change, state)
