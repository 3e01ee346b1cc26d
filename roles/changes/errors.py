"""Why a change list cannot apply, as data, put into words only when read.

A :class:`ChangeProblem` names where (``changes[2].level``, the JSON path), what (a ``code``)
and the values it mentions (``params``). Its words are looked up in the active language when
read: ``message`` in the API's words (``no level 'staff' in role 'mlops-engineer'``),
``member_message`` in the words the pages show a member next to the field ("This role has no
level “staff”."). ``str()`` of a problem, and of a :class:`ChangeError`, is the untranslated
English ``path: message`` line that commands, logs and stored records use.

The package stays pure: this module imports ``django.utils.translation`` (and ``slugify``),
which need no database — translation is not the ORM, and nothing is translated at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from roles.changes.state import JSON
from roles.errors import RoleChangeError

# The API's words for each problem code: today's English lines, each placeholder a value of
# ``params`` (``%(value)r`` quotes it as Python does, as the API always has).
API_WORDS: dict[str, str] = {
    # A field's JSON value.
    "not_slug": gettext_noop("must be a slug (lowercase letters, digits, - and _), not %(value)r"),
    "not_string": gettext_noop("must be a string, not %(type)s"),
    "not_bool": gettext_noop("must be true or false, not %(type)s"),
    "not_code": gettext_noop("must be one of A, W, E or null, not %(value)r"),
    "not_strings": gettext_noop("must be an array of strings, not %(type)s"),
    "not_cell": gettext_noop("must be null, a code or an object, not %(type)s"),
    "not_cells": gettext_noop("must be an object of level codes, not %(type)s"),
    "not_object": gettext_noop("must be an object, not %(type)s"),
    "not_array": gettext_noop("must be an array, not %(type)s"),
    "not_layout_group": gettext_noop("must be an object with 'domain' and 'skills'"),
    "not_skill_target": gettext_noop("must be a slug or an object with 'name' and 'domain'"),
    "not_extension_key": gettext_noop("extension keys start with 'x-'"),
    "empty": gettext_noop("must not be empty"),
    "empty_item": gettext_noop("must be a non-empty string"),
    "too_long": gettext_noop("must be at most %(limit)d characters"),
    "missing": gettext_noop("is missing"),
    "unknown_key": gettext_noop("unknown key"),
    "unknown_field": gettext_noop("unknown field for %(op)s"),
    "unknown_op": gettext_noop("must be one of %(choices)s, not %(value)r"),
    "unknown_role_field": gettext_noop("must be one of %(choices)s, not %(value)r"),
    "unknown_code": gettext_noop("must be one of A, W, E, not %(value)r"),
    # A change against the role's state.
    "unknown_level": gettext_noop("no level %(level)r in role %(role)r"),
    "unknown_skill": gettext_noop("no skill %(skill)r in role %(role)r"),
    "unknown_domain": gettext_noop("no domain %(domain)r in role %(role)r"),
    "unknown_place": gettext_noop("no place %(place)r in role %(role)r"),
    "other_family": gettext_noop("role %(role)r is not in the family %(family)r"),
    "level_exists": gettext_noop("role %(role)r already has the level %(level)r"),
    "skill_exists": gettext_noop("role %(role)r already has the skill %(skill)r"),
    "skill_unnamed": gettext_noop("no skill %(skill)r exists: give its name"),
    "domain_unnamed": gettext_noop("no domain %(domain)r exists: give its name"),
    "layout_unnamed_domain": gettext_noop("no name for domain %(domain)r"),
    "layout_domain_twice": gettext_noop("domain %(domain)r listed twice"),
    "layout_skills": gettext_noop("must list every skill of the role exactly once"),
    "level_order": gettext_noop("must list every level of the role exactly once"),
    "last_level": gettext_noop("a role keeps at least one level"),
    "empty_cell": gettext_noop("the cell %(skill)s/%(level)s is empty: set a code first"),
    "no_difference": gettext_noop("this change makes no difference"),
    # Format v2's parts.
    "not_step_code": gettext_noop(
        "must be a step code (letters, digits and _ . + -, at most 16), not %(value)r"
    ),
    "not_step": gettext_noop("%(value)r is not a step of scale %(scale)r (%(steps)s)"),
    "not_url": gettext_noop("must be an http(s) address, not %(value)r"),
    "not_number": gettext_noop("must be a number from 0 to %(limit)s"),
    "not_rank": gettext_noop("must be a whole number from 0 to 1000, or null"),
    "not_rule": gettext_noop("must be 'cumulative' or 'points', not %(value)r"),
    "not_layout": gettext_noop("must be one of matrix, checklist, steps, not %(value)r"),
    "no_steps": gettext_noop("must be an array of at least one step"),
    "duplicate_step": gettext_noop("duplicate step code %(value)r"),
    "builtin_scale": gettext_noop("'awe' is the built-in scale and cannot be declared"),
    "unknown_scale": gettext_noop("no scale %(scale)r in the framework of role %(role)r"),
    "unknown_track": gettext_noop("no track %(track)r in the framework of role %(role)r"),
    "unknown_level_field": gettext_noop("must be one of rank, track, sections, not %(value)r"),
}
# The pages' words where the API's would puzzle a member, by code and by the field the
# problem is about (the path's last name; "" for any field). Other problems show the API's
# words, translated.
MEMBER_WORDS: dict[tuple[str, str], str] = {
    ("not_slug", "skill"): gettext_noop(
        "Use the skill's short name (lowercase letters, digits, hyphens), "
        "for example “%(example)s”."
    ),
    ("not_slug", "domain"): gettext_noop(
        "Use the domain's short name (lowercase letters, digits, hyphens), "
        "for example “%(example)s”."
    ),
    ("not_slug", "level"): gettext_noop("Choose one of the role's levels."),
    ("not_slug", ""): gettext_noop(
        "Use lowercase letters, digits and hyphens only, for example “%(example)s”."
    ),
    ("not_code", ""): gettext_noop("Choose A, W or E, or leave the cell empty."),
    ("not_string", ""): gettext_noop("Write some text here."),
    ("empty", ""): gettext_noop("This cannot be empty."),
    ("empty_item", ""): gettext_noop("Each item needs some text."),
    ("too_long", ""): gettext_noop("Use at most %(limit)d characters."),
    ("missing", ""): gettext_noop("Required for this change."),
    ("unknown_op", ""): gettext_noop("Choose one of the kinds of change offered."),
    ("unknown_level", ""): gettext_noop("This role has no level “%(level)s”."),
    ("unknown_skill", ""): gettext_noop(
        "This role has no skill “%(skill)s”: pick one from the list of its skills."
    ),
    ("skill_exists", ""): gettext_noop("This role already has the skill “%(skill)s”."),
    ("skill_unnamed", ""): gettext_noop("There is no skill “%(skill)s” yet: give its name."),
    ("domain_unnamed", ""): gettext_noop("There is no domain “%(domain)s” yet: give its name."),
    ("empty_cell", ""): gettext_noop(
        "This cell is empty: give it a requirement first, then its details."
    ),
    ("no_difference", ""): gettext_noop(
        "This change makes no difference: the role already says so."
    ),
}
# How the API names the type of a JSON value it did not expect (param ``type``).
TYPE_WORDS: dict[str, str] = {
    "object": gettext_noop("an object"),
    "array": gettext_noop("an array"),
    "string": gettext_noop("a string"),
    "boolean": gettext_noop("a boolean"),
    "number": gettext_noop("a number"),
    "null": gettext_noop("null"),
}
# What a not_slug problem of a field suggests when the value gives no slug of its own.
_SLUG_EXAMPLES = {"skill": "apache-kafka", "domain": "data-stores"}


def type_of(value: JSON) -> str:
    """The JSON type of a value, as :data:`TYPE_WORDS` keys it (a Python type's name else)."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    names |= {int: "number", float: "number"}
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True, slots=True)
class ChangeProblem:
    """One reason a change list cannot apply: where (``changes[2].level``), what (a code of
    :data:`API_WORDS`) and the values the words mention."""

    path: str
    code: str
    params: Mapping[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in API_WORDS:
            raise ValueError(f"no words for the change problem {self.code!r}")

    @property
    def field_name(self) -> str:
        """The name the path ends with, without an index: ``level`` for ``changes[2].level``,
        ``items`` for ``changes[2].items[1]``, ``""`` for ``changes[2]``."""
        last = self.path.rpartition(".")[2] if "." in self.path else ""
        return last.partition("[")[0]

    @property
    def message(self) -> str:
        """The API's words, in the active language (the admin shows them too)."""
        return gettext(API_WORDS[self.code]) % self._shown(gettext)

    @property
    def member_message(self) -> str:
        """What a page shows a member next to the field, in the active language."""
        words = MEMBER_WORDS.get((self.code, self.field_name)) or MEMBER_WORDS.get((self.code, ""))
        return gettext(words or API_WORDS[self.code]) % self._shown(gettext)

    def __str__(self) -> str:
        return f"{self.path}: {API_WORDS[self.code] % self._shown(str)}"

    def _shown(self, translate: Callable[[str], str]) -> dict[str, JSON]:
        # The values as the words show them: a JSON type by its name, a bad slug with the slug
        # it could have been (for the members' words).
        shown = dict(self.params)
        if shown.get("type") in TYPE_WORDS:
            shown["type"] = translate(TYPE_WORDS[shown["type"]])
        if self.code == "not_slug":
            value = shown.get("value")
            example = slugify(value)[:100] if isinstance(value, str) else ""
            shown["example"] = example or _SLUG_EXAMPLES.get(self.field_name, "docker")
        return shown


class ChangeError(RoleChangeError):
    """A change list that cannot apply: ``problems`` names each change and field. ``str()`` is
    the English ``path: message`` lines joined by ``; `` (for commands and logs)."""

    def __init__(self, problems: Sequence[ChangeProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


class FieldInvalid(Exception):
    """Raised inside the package by a field's parser or a change's ``apply``: the field (its
    path within the change) and the problem; the list-level functions prefix the change's path
    and collect a :class:`ChangeProblem`."""

    def __init__(self, field_name: str, code: str, **params: JSON) -> None:
        super().__init__(field_name, code)
        self.field_name = field_name
        self.code = code
        self.params = params

    def problem(self, prefix: str) -> ChangeProblem:
        return ChangeProblem(path=f"{prefix}.{self.field_name}", code=self.code, params=self.params)
