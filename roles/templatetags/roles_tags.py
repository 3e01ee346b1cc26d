"""Template helpers for the roles pages: requirement codes and changes in words, a role's
description."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from roles.changes.state import AWE, NOT_APPLICABLE, Cell, ScaleState
from roles.models import Requirement, RequirementCode, Role, RoleVersion
from roles.scale import CODES
from roles.textdiff import text_change_plain, word_diff, word_diff_sides

register = template.Library()

# What each code asks of a person, shown in a cell's details.
CODE_MEANINGS = {
    "A": _(
        "Knows what it is, what it is for and when to use it; can follow existing work with "
        "guidance."
    ),
    "W": _("Uses it independently in day-to-day work and solves the usual problems alone."),
    "E": _("Deep mastery: designs with it, solves the hard cases and teaches others."),
}


@register.filter
def code_label(code: str | None) -> str:
    """``"W"`` → "Working knowledge" in the active language; an empty cell → "Not required"."""
    if not code:
        return str(_("Not required"))
    if code == NOT_APPLICABLE:
        return str(_("Does not apply"))
    # A v2 scale's step: its code (the legend names it); awe codes by their names.
    return str(RequirementCode(code).label) if code in CODES else code


@register.filter
def code_meaning(code: str | None) -> str:
    if not code:
        return str(_("This level does not ask for this skill."))
    if code == NOT_APPLICABLE:
        return str(_("This skill does not apply at this level."))
    return str(CODE_MEANINGS.get(code, ""))


@register.simple_tag
def code_legend(code_names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The codes in rank order with their names, for a matrix legend. A role that relabels
    codes (its role file's ``codes``) passes its own names, shown as the role gives them."""
    names = code_names or {}
    return [(code.value, names.get(code.value) or str(code.label)) for code in RequirementCode]


def _cell_words(cell: Mapping[str, Any] | None) -> str:
    if not cell:
        return "—"
    code = cell.get("code") or "—"
    return code if cell.get("mandatory", True) else gettext("%(code)s optional") % {"code": code}


# The parts of a cell's content, in words, for "what changed" notes.
_CONTENT_WORDS = {
    "summary": _("summary"),
    "details": _("details"),
    "examples": _("examples"),
    "links": _("links"),
}


def content_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """Which parts of a cell's content differ between two of its JSON forms."""
    before, after = old or {}, new or {}
    return [
        str(words)
        for key, words in _CONTENT_WORDS.items()
        if (before.get(key) or None) != (after.get(key) or None)
    ]


@register.filter
def cell_content_changes(cell: Any) -> str:
    """A compared cell's content changes in words ("summary, examples changed"), or ""."""
    old: Cell | None = getattr(cell, "old", None)
    new: Cell | None = getattr(cell, "new", None)
    changed = content_changes(old.as_json(), new.as_json()) if old and new else []
    return gettext("%(parts)s changed") % {"parts": ", ".join(changed)} if changed else ""


@register.filter
def cell_change_words(change: Mapping[str, Any], texts: bool = True) -> str:
    """A version's changed cell: "Docker · Senior: A → E", with its changed texts old → new
    (unless ``texts`` is off: a page that marks their words shows them itself)."""
    words = "%s · %s: %s → %s" % (  # noqa: UP031 - same in every language
        change["skill_name"],
        change["level_name"],
        _cell_words(change["old"]),
        _cell_words(change["new"]),
    )
    if not (change["old"] and change["new"]):
        return words
    # The texts old → new, so a details edit can be read; examples and links by name.
    shown = _cell_text_changes(change["old"], change["new"]) if texts else []
    others = [
        part
        for part in content_changes(change["old"], change["new"])
        if not texts or part not in (str(_CONTENT_WORDS["summary"]), str(_CONTENT_WORDS["details"]))
    ]
    if others:
        shown.append(gettext("%(parts)s changed") % {"parts": ", ".join(others)})
    return f"{words} ({'; '.join(shown)})" if shown else words


@register.simple_tag
def open_proposal_mark(open_cells: Any, skill: str, level: str) -> str:
    """A cell's mark when open proposals touch it: a dot to see and words in its name."""
    if not open_cells or not open_cells.touched(skill, level):
        return ""
    return format_html(
        '<span class="open-proposal-mark" aria-hidden="true">●</span>'
        '<span class="visually-hidden">, {}</span>',
        gettext("has an open proposal"),
    )


@register.filter(name="word_diff")
def word_diff_filter(old: str | None, new: str | None) -> str:
    """``{{ old|word_diff:new }}``: one text with removed words in <del>, added in <ins>."""
    return word_diff(old or "", new or "")


@register.filter
def diff_old(old: str | None, new: str | None) -> str:
    """``{{ old|diff_old:new }}``: the old text whole, its removed words in <del>."""
    return word_diff_sides(old or "", new or "")[0]


@register.filter
def diff_new(old: str | None, new: str | None) -> str:
    """``{{ old|diff_new:new }}``: the new text whole, its added words in <ins>."""
    return word_diff_sides(old or "", new or "")[1]


@register.filter
def text_change(old: str | None, new: str | None) -> str:
    """``{{ old|text_change:new }}``: “old” → “new” in plain text, each side shortened."""
    return text_change_plain(old or "", new or "")


def _cell_text_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """A version's changed cell texts in plain words: "details: “old” → “new”"."""
    before, after = old or {}, new or {}
    return [
        f"{words}: {text_change_plain(before.get(key) or '', after.get(key) or '', limit=120)}"
        for key, words in _CONTENT_WORDS.items()
        if key in ("summary", "details") and (before.get(key) or "") != (after.get(key) or "")
    ]


@register.simple_tag
def version_text_changes(version: RoleVersion, limit: int = 3) -> list[dict[str, str]]:
    """The changed texts (summary, details) of a version's first changed cells, for the
    history's word-marked old → new."""
    changes = []
    for cell in version.changed_cells[:limit]:
        before, after = cell["old"] or {}, cell["new"] or {}
        for key in ("summary", "details"):
            old, new = before.get(key) or "", after.get(key) or ""
            if old != new:
                place = "%s · %s" % (cell["skill_name"], cell["level_name"])  # noqa: UP031
                changes.append(
                    {"place": place, "part": str(_CONTENT_WORDS[key]), "old": old, "new": new}
                )
    return changes


_CHANGE_WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "set_requirement": lambda c: (
        gettext("%(skill)s · %(level)s set to %(code)s") % {**c, "code": c["code"] or "—"}
    ),
    "set_details": lambda c: gettext("%(skill)s · %(level)s: details edited") % c,
    "add_skill": lambda c: gettext("Added the skill %(skill)s (in %(domain)s)") % c,
    "remove_skill": lambda c: gettext("Removed the skill %(skill)s") % c,
    "set_layout": lambda c: gettext("Reordered the skills"),
    "set_focus": lambda c: gettext("Focus of %(level)s edited") % c,
    "set_stack": lambda c: (
        gettext("Stack of %(level)s: %(items)s") % {**c, "items": ", ".join(c["items"]) or "—"}
    ),
    "set_level_name": lambda c: gettext("Level %(level)s named “%(name)s” (%(short)s)") % c,
    "add_level": lambda c: gettext("Added the level %(level)s “%(name)s”") % c,
    "remove_level": lambda c: gettext("Removed the level %(level)s") % c,
    "set_level_order": lambda c: (
        gettext("Levels ordered: %(levels)s") % {"levels": ", ".join(c["levels"])}
    ),
    "set_role_field": lambda c: gettext("Role %(field)s set") % c,
    "rename_skill": lambda c: gettext("Skill %(skill)s renamed “%(name)s”") % c,
    "rename_domain": lambda c: gettext("Domain %(domain)s renamed “%(name)s”") % c,
    "rename_family": lambda c: gettext("Family %(family)s renamed “%(name)s”") % c,
    "set_code_name": lambda c: gettext("Code %(code)s named “%(name)s”") % c,
    "set_extension": lambda c: gettext("Extension data at %(place)s") % c,
    # Format v2's parts.
    "set_cell": lambda c: (
        gettext("%(skill)s · %(level)s set to %(code)s") % {**c, "code": _v2_cell_words(c["cell"])}
    ),
    "set_level_field": lambda c: _level_field_words(c),
    "set_row": lambda c: gettext("%(skill)s described for this role") % c,
    "set_skill": lambda c: gettext("Scale and step texts of %(skill)s set (%(scale)s)") % c,
    "set_scale": lambda c: (
        gettext("Scale %(scale)s: %(steps)s")
        % {
            "scale": c["scale"]["slug"],
            "steps": ", ".join(f"{s['code']} {s['name']}" for s in c["scale"]["steps"]),
        }
    ),
    "set_track": lambda c: gettext("Track %(code)s named “%(name)s”") % c["track"],
    "set_domain": lambda c: gettext("Domain %(domain)s named “%(name)s”") % c,
    "set_framework": lambda c: gettext("Framework “%(name)s”: name, source and licence set") % c,
}


def _v2_cell_words(cell: Any) -> str:
    if cell is None:
        return "—"
    if isinstance(cell, str):
        return cell
    code = cell.get("code") or "—"
    return code if cell.get("mandatory", True) else gettext("%(code)s optional") % {"code": code}


def _level_field_words(change: Mapping[str, Any]) -> str:
    field, value = change["field"], change["value"]
    if field == "track":
        if value:
            return gettext("Level %(level)s moved to the track %(track)s") % {
                "level": change["level"],
                "track": value,
            }
        return gettext("Level %(level)s is on every path") % change
    if field == "rank":
        return gettext("Rank of %(level)s set to %(rank)s") % {**change, "rank": value or "—"}
    return gettext("Sections of %(level)s: %(titles)s") % {
        "level": change["level"],
        "titles": ", ".join(section["title"] for section in value) or "—",
    }


@register.filter
def field_change_words(diff: Any) -> str:
    """A changed field of a level, a skill or a framework part (a
    :class:`roles.changes.diff.FieldDiff`) in words, for the compare page."""
    field, old, new = diff.field, diff.old, diff.new
    words = _FIELD_WORDS.get(field)
    if words is not None:
        return str(words(old, new))
    return "%s: %s → %s" % (field, _shown(old), _shown(new))  # noqa: UP031


def _shown(value: Any) -> str:
    if value in (None, "", (), [], {}):
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(getattr(item, "title", getattr(item, "name", item))) for item in value)
    return str(value)


def _step_change(code: str, before: Any, after: Any) -> str | None:
    if before.name != after.name:
        return gettext("step %(code)s renamed “%(old)s” → “%(new)s”") % {
            "code": code,
            "old": before.name,
            "new": after.name,
        }
    if before != after:
        return gettext("step %(code)s re-described") % {"code": code}
    return None


def _steps_added_removed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    added = [gettext("step %(code)s added") % {"code": c} for c in after if c not in before]
    return added + [
        gettext("step %(code)s removed") % {"code": c} for c in before if c not in after
    ]


def _steps_words(old: Any, new: Any) -> str:
    """How a scale's steps changed: steps added, removed, renamed, re-described."""
    before = {step.code: step for step in old or ()}
    after = {step.code: step for step in new or ()}
    lines = _steps_added_removed(before, after)
    changed = (
        _step_change(code, before[code], step) for code, step in after.items() if code in before
    )
    lines += [line for line in changed if line]
    if not lines and list(before) != list(after):
        lines.append(gettext("steps reordered"))
    return "; ".join(lines) or gettext("steps edited")


def _content_map_words(old: Any, new: Any) -> str:
    before, after = dict(old or {}), dict(new or {})
    codes = [c for c in {**before, **after} if before.get(c) != after.get(c)]
    return gettext("what the skill looks like at steps %(codes)s changed") % {
        "codes": ", ".join(codes)
    }


_FIELD_WORDS: dict[str, Callable[[Any, Any], str]] = {
    "track": lambda old, new: (
        gettext("moved to the track %(track)s") % {"track": new}
        if new
        else gettext("moved off the track %(track)s (now on every path)") % {"track": old}
    ),
    "rank": lambda old, new: (
        gettext("rank %(old)s → %(new)s") % {"old": _shown(old), "new": _shown(new)}
    ),
    "sections": lambda old, new: (
        gettext("sections %(old)s → %(new)s") % {"old": _shown(old), "new": _shown(new)}
    ),
    "steps": lambda old, new: (
        _content_map_words(old, new) if isinstance(new or old, dict) else _steps_words(old, new)
    ),
    "scale": lambda old, new: (
        gettext("scale %(old)s → %(new)s") % {"old": old or "A/W/E", "new": new or "A/W/E"}
    ),
    "home_domain": lambda old, new: (
        gettext("filed under %(old)s → %(new)s") % {"old": _shown(old), "new": _shown(new)}
    ),
    "row_description": lambda old, new: gettext("description in this role edited"),
    "source": lambda old, new: (
        gettext("source and licence: %(old)s → %(new)s")
        % {
            "old": _shown([f"{k} {v}" for k, v in dict(old or {}).items()]),
            "new": _shown([f"{k} {v}" for k, v in dict(new or {}).items()]),
        }
    ),
    "extensions": lambda old, new: gettext("extension data edited"),
    "skill_extensions": lambda old, new: gettext("extension data edited"),
    "root_extensions": lambda old, new: gettext("extension data edited"),
}


@register.filter
def change_words(change: Mapping[str, Any]) -> str:
    """One change of a version's change list (its JSON form) in words."""
    describe = _CHANGE_WORDS.get(change.get("op", ""))
    return describe(change) if describe else str(change.get("op", "?"))


_CELL_OPS = {"set_requirement", "set_details", "add_skill", "remove_skill"}


@register.simple_tag
def version_summary(version: RoleVersion, limit: int = 3, texts: bool = True) -> list[str]:
    """The first few changes of a version in words: changed cells first, then the changes that
    are not about cells (``texts`` as for :func:`cell_change_words`)."""
    lines = [cell_change_words(cell, texts) for cell in version.changed_cells[:limit]]
    for change in version.changes:
        if len(lines) >= limit:
            break
        if change.get("op") not in _CELL_OPS:
            lines.append(change_words(change))
    return lines


def version_change_count(version: RoleVersion) -> int:
    """How many lines :func:`version_summary` would give without a limit."""
    others = sum(1 for change in version.changes if change.get("op") not in _CELL_OPS)
    return len(version.changed_cells) + others


@register.filter
def version_author(version: RoleVersion) -> str:
    """Who made a version: its author's name, else "import", "curators" or "community"."""
    if version.author is not None:
        return str(version.author.get_username())
    return {
        "import": gettext("import"),
        "proposal": gettext("community"),
    }.get(version.source, gettext("curators"))


@register.simple_tag
def role_meta_description(role: Role) -> str:
    """A role page's description for search engines and link previews, from the role's own
    fields (its tagline, else its description), so it costs no query."""
    summary = " ".join((role.tagline or role.description).split())
    summary = Truncator(summary).chars(160).rstrip(".")
    values = {"title": role.title, "family": role.family.name, "summary": summary}
    if summary:
        return (
            gettext(
                "%(title)s (%(family)s): %(summary)s. The skills each level of the role asks for, "
                "its tech stack by level and a grade calculator."
            )
            % values
        )
    return (
        gettext(
            "%(title)s (%(family)s): the skills each level of the role asks for, its tech stack by "
            "level and a grade calculator."
        )
        % values
    )


# --- format v2 cells and links ------------------------------------------------------------------


@register.filter
def cell_classes(cell: Cell | None) -> str:
    """The badge classes of a v2 cell: A/W/E keep their colours, another scale's step gets the
    step badge, ``n/a`` and an empty (or content-only) cell their own looks; optional cells
    are dashed, as in v1."""
    if cell is None or not cell.code:
        return "code--empty"
    if cell.not_applicable:
        return "code--na"
    kind = f"code--{cell.code}" if cell.code in CODES else "code--step"
    return kind if cell.mandatory else f"{kind} code--optional"


@register.filter
def http_url(url: str | None) -> str:
    """A link's address when it is an absolute http(s) one, else "" (not shown as a link): the
    same rule as links inside Markdown texts (roles.markup)."""
    url = str(url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


@register.filter
def requirement_classes(requirement: Requirement | None) -> str:
    """:func:`cell_classes` for a stored requirement (a cell's panel, which has no state)."""
    if requirement is None:
        return cell_classes(None)
    return cell_classes(Cell(code=requirement.code, mandatory=requirement.is_mandatory))


@register.filter
def step_tone(scale: ScaleState | None, code: str | None) -> str:
    """A tone class for a step of a scale other than A/W/E: its third of the scale (low, middle,
    high), painted like A, W and E, so a row reads as a progression whatever the codes."""
    if scale is None or not code or scale.slug == AWE:
        return ""
    codes = scale.codes()
    if code not in codes:
        return ""
    return f"code--tone-{math.ceil(3 * (codes.index(code) + 1) / len(codes))}"
