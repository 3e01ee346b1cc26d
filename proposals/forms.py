"""Forms of the proposal pages. They check shape and length; the services decide the rest."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import (
    COMMENT_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    REVIEW_COMMENT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VOTE_REASON_MAX_LENGTH,
    Proposal,
    Review,
)
from proposals.search import SEARCH_MAX_LENGTH
from proposals.selectors import SORTS, domain_choices, role_choices, role_is_v2
from roles.changes.parts import LINE_LIMIT, TEXT_LIMIT, scale_json
from roles.changes.state import RoleState, content_json
from skillsmatrix.text import validate_one_line, validate_visible_text

SORT_LABELS = {
    "newest": _("Newest"),
    "score": _("Score"),
    "closing": _("Closing soon"),
    "relevance": _("Best match"),
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
    # First, so a search's best matches come first unless another order is chosen (without a
    # search every proposal matches alike: the newest come first).
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, SORT_LABELS[key]) for key in sorted(SORTS, key=lambda k: k != "relevance")],
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


def sections_as_text(state: RoleState, level: str) -> str:
    """A level's sections in the text form :func:`sections_from_text` reads."""
    found = state.level(level)
    blocks = []
    for section in found.sections if found else ():
        lines = [section.title, *([section.text] if section.text else [])]
        blocks.append("\n".join([*lines, *(f"- {item}" for item in section.items)]))
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


class RevisionForm(forms.Form):
    """A revision of a proposal: its texts, and its change list in the API's JSON form."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=RATIONALE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HELP,
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: web addresses that support the change, one per line."),
    )
    changes = forms.CharField(
        label=_("Changes (JSON)"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "input--code", "spellcheck": "false"}),
        help_text=_(
            "The change list as the API writes it. Leave it as it is to keep the votes so far; "
            "changing it restarts the vote and sets the votes so far aside."
        ),
    )

    def clean_changes(self) -> Any:
        try:
            changes = json.loads(self.cleaned_data["changes"])
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(changes, list):
            raise forms.ValidationError(_("A list of changes, in square brackets."))
        return changes

    def links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["evidence_links"].splitlines()]


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
        steps = {code: content_json(content) for code, content in skill.steps.items()}
        old = skill.steps.get(data["code"])
        content = content_json(old) if old else {}
        content.update(summary=data["summary"], details=data["details"])
        steps[data["code"]] = {key: value for key, value in content.items() if value}
        change: dict[str, Any] = {
            "op": "set_skill",
            "skill": skill.slug,
            "scale": skill.scale,
            "steps": {code: item for code, item in steps.items() if item},
        }
        if skill.home_domain:
            change["domain"] = skill.home_domain
        if skill.skill_extensions:
            change["extensions"] = dict(skill.skill_extensions)
        return change

    def _scale_step_json(self) -> dict[str, Any]:
        """A set_scale renaming and re-describing the chosen step; the rest stays."""
        data, state = self.cleaned_data, cast(RoleState, self.state)
        slug, _sep, code = data["step"].partition(":")
        scale = next(s for s in state.scales if s.slug == slug)
        steps = [
            replace(step, name=data["step_name"], description=data["details"])
            if step.code == code
            else step
            for step in scale.steps
        ]
        return {"op": "set_scale", "scale": scale_json(replace(scale, steps=tuple(steps)))}

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
        if op in _LEVEL_FIELDS:
            return self._level_json()
        if op == "skill_step":
            return self._skill_step_json()
        if op == "scale_step":
            return self._scale_step_json()
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
        if field == "value" and op in _VALUE_INPUTS:
            name = _VALUE_INPUTS[op]
        else:
            name = _PATH_INPUTS.get(field) or _PATH_INPUTS.get(field.split(".", 1)[0], "")
        self.add_error(name if name in self.fields else None, message)


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


def change_row_initial(change: dict[str, Any]) -> dict[str, Any] | None:
    """An editor row showing ``change`` (its JSON form), for proposing a change list again;
    None for a kind of change the editor has no row for."""
    op = change.get("op", "")
    skill, level = change.get("skill", ""), change.get("level", "")
    if op == "set_cell":
        return {"op": op, **_cell_row(change)}
    if op == "add_skill":
        new = skill if isinstance(skill, dict) else {}
        code = next(iter((change.get("requirements") or {}).items()), ("", ""))
        return {
            "op": op,
            "name": new.get("name", ""),
            "domain": new.get("domain", ""),
            "level": code[0],
            "code": code[1] or "",
        }
    rows: dict[str, dict[str, Any]] = {
        "set_requirement": {
            "skill": skill,
            "level": level,
            "code": change.get("code") or "",
            "mandatory": change.get("mandatory", True),
        },
        "set_details": {"skill": skill, "level": level, "text": change.get("text", "")},
        "remove_skill": {"skill": skill},
        "set_focus": {"level": level, "text": change.get("text", "")},
        "set_stack": {"level": level, "items": ", ".join(change.get("items") or [])},
        "set_row": {"skill": skill, "text": change.get("description", "")},
    }
    return {"op": op, **rows[op]} if op in rows else None
