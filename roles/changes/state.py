"""A role's content as plain frozen data: what its §4 document says, minus formatting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from roles.scale import CODE_NAMES, CODES

JSON: TypeAlias = Any  # a value json.loads can return
Extensions: TypeAlias = Mapping[str, JSON]  # the x- keys of one object, in document order
# The framework v1 documents belong to (DESIGN §4b): its skills are shared between its roles.
SITE_FRAMEWORK = "skillsmatrix"
# The built-in scale, which needs no declaration; a skill without a scale is on it.
AWE = "awe"
# A cell that does not apply at its level: shown as such, never counted.
NOT_APPLICABLE = "n/a"
LAYOUTS = ("matrix", "checklist", "steps")
# Role fields a change may set, with the kind of value each takes.
ROLE_FIELDS: dict[str, str] = {
    "slug": "slug",
    "title": "text",
    "tagline": "text",
    "description": "text",
    "key_domains": "items",
    "family": "slug",
    "source": "text",
    "is_published": "bool",
    # v2: how the role is shown, its grading rule, whether its texts are Markdown.
    "layout": "layout",
    "grading": "grading",
    "markdown": "bool",
}
# Role fields whose state attribute has another name (``layout()`` is the skills' order).
ROLE_FIELD_ATTRS: dict[str, str] = {"layout": "layout_name"}


def role_field(state: RoleState, name: str) -> JSON:
    """The value of one of :data:`ROLE_FIELDS` in a state."""
    return getattr(state, ROLE_FIELD_ATTRS.get(name, name))


@dataclass(frozen=True, kw_only=True, slots=True)
class Link:
    url: str
    title: str = ""
    extensions: Extensions = field(default_factory=dict)

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"title": self.title} if self.title else {}
        return {**data, "url": self.url, **self.extensions}


@dataclass(frozen=True, kw_only=True, slots=True)
class Content:
    """What a cell, or a skill at one step of its scale, says beyond its code (v2)."""

    summary: str = ""
    details: str = ""
    examples: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    extensions: Extensions = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.summary or self.details or self.examples or self.links or self.extensions)


@dataclass(frozen=True, kw_only=True, slots=True)
class Cell:
    """A non-empty cell: the code a level asks of a skill (a step code of the skill's scale,
    ``n/a``, or ``""`` for a cell that only carries content), with what it says.

    v1 cells use ``code``, ``mandatory`` and ``details`` only; ``summary``, ``examples`` and
    ``links`` are v2's structured content."""

    code: str
    mandatory: bool = True
    details: str = ""
    summary: str = ""
    examples: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()

    @property
    def not_applicable(self) -> bool:
        return self.code == NOT_APPLICABLE

    @property
    def counted(self) -> bool:
        """Whether grading counts this cell: it asks for a step."""
        return bool(self.code) and not self.not_applicable

    @property
    def v1(self) -> bool:
        """Whether format v1 can hold this cell."""
        return self.code in CODES and not (self.summary or self.examples or self.links)

    def as_json(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {
            "code": self.code,
            "mandatory": self.mandatory,
            "details": self.details,
        }
        # v2 content only when there is some, so a v1 cell's JSON is what it always was.
        if self.summary:
            data["summary"] = self.summary
        if self.examples:
            data["examples"] = list(self.examples)
        if self.links:
            data["links"] = [link.as_json() for link in self.links]
        return data


@dataclass(frozen=True, kw_only=True, slots=True)
class Step:
    """One step of a scale; its rank is its position (1, 2, …)."""

    code: str
    name: str
    description: str = ""
    points: int | float | None = None
    extensions: Extensions = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class ScaleState:
    slug: str
    name: str
    description: str = ""
    steps: tuple[Step, ...] = ()
    extensions: Extensions = field(default_factory=dict)

    def codes(self) -> tuple[str, ...]:
        return tuple(step.code for step in self.steps)

    def step(self, code: str) -> Step | None:
        return next((step for step in self.steps if step.code == code), None)


@dataclass(frozen=True, kw_only=True, slots=True)
class TrackState:
    code: str
    name: str
    description: str = ""
    extensions: Extensions = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Section:
    """A level-wide list or text (scope, impact, experience …)."""

    title: str
    text: str = ""
    items: tuple[str, ...] = ()
    extensions: Extensions = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class DomainInfo:
    """A v2 framework's domain as the framework declares it (shared by its roles)."""

    name: str
    description: str = ""
    extensions: Extensions = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class FrameworkState:
    """The framework a role belongs to. ``source`` is the v2 ``framework.source`` object as
    given (known keys and x- keys in document order); ``root_extensions`` are the x- keys of a
    v2 document's top level, ``extensions`` those of its ``framework`` object."""

    slug: str = SITE_FRAMEWORK
    name: str = "Skills Matrix"
    description: str = ""
    source: Extensions = field(default_factory=dict)
    extensions: Extensions = field(default_factory=dict)
    root_extensions: Extensions = field(default_factory=dict)

    @property
    def is_site(self) -> bool:
        return self.slug == SITE_FRAMEWORK


@dataclass(frozen=True, kw_only=True, slots=True)
class LevelState:
    code: str
    name: str
    short: str
    focus: str = ""
    stack: tuple[str, ...] = ()
    # v2: the band the level sits on across roles, the track it belongs to ("" = every path)
    # and its level-wide sections.
    rank: int | None = None
    track: str = ""
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class SkillState:
    """A skill as it sits in one role: its (global) name and description, its domain in this
    role, and its non-empty cells by level code."""

    slug: str
    name: str
    description: str = ""
    domain: str
    cells: Mapping[str, Cell] = field(default_factory=dict)
    # v2 (shared by the framework's roles): the skill's scale ("" = awe), what it looks like at
    # each step of it, the domain the framework files it under and its own x- keys.
    scale: str = ""
    steps: Mapping[str, Content] = field(default_factory=dict)
    home_domain: str = ""
    skill_extensions: Extensions = field(default_factory=dict)
    # v2, this role only: a description of the skill for this role.
    row_description: str = ""

    def fits_v1(self) -> bool:
        v2_parts = (
            self.scale,
            self.steps,
            self.home_domain,
            self.skill_extensions,
            self.row_description,
        )
        return not any(v2_parts) and all(cell.v1 for cell in self.cells.values())


@dataclass(frozen=True, kw_only=True, slots=True)
class RoleState:
    """Everything a role's §4 document says. Skills are in the role's order; the skills of a
    domain are contiguous. ``extensions`` maps a place (``$``, ``role``, ``level:junior``,
    ``skill:docker``, ``cell:docker:junior`` …) to the ``x-`` keys found there."""

    slug: str
    title: str
    tagline: str = ""
    description: str = ""
    key_domains: tuple[str, ...] = ()
    family: str
    family_name: str
    source: str = ""
    is_published: bool = True
    # Only the codes whose name differs from the default scale's (roles.scale.CODE_NAMES).
    code_names: Mapping[str, str] = field(default_factory=dict)
    extensions: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)
    levels: tuple[LevelState, ...] = ()
    skills: tuple[SkillState, ...] = ()
    domain_names: Mapping[str, str] = field(default_factory=dict)
    # --- format v2 (DESIGN §4b); the defaults are what a v1 role is.
    framework: FrameworkState = field(default_factory=FrameworkState)
    # Whether long texts are Markdown (v2) or plain text (v1).
    markdown: bool = False
    layout_name: str = ""  # "" = the default, matrix (kept apart from an explicit "matrix")
    # The grading object as given (rule, optional_share / points, thresholds, x- keys).
    grading: Mapping[str, JSON] | None = None
    # Descriptions a v2 legend gives the awe codes (names are in code_names).
    code_descriptions: Mapping[str, str] = field(default_factory=dict)
    # The non-awe scales and the tracks the role's skills and levels use, in framework order,
    # and the framework's domains the role shows (row domains and the skills' home domains).
    scales: tuple[ScaleState, ...] = ()
    tracks: tuple[TrackState, ...] = ()
    domains: Mapping[str, DomainInfo] = field(default_factory=dict)

    def level(self, code: str) -> LevelState | None:
        return next((level for level in self.levels if level.code == code), None)

    def skill(self, slug: str) -> SkillState | None:
        return next((skill for skill in self.skills if skill.slug == slug), None)

    def cell(self, skill: str, level: str) -> Cell | None:
        found = self.skill(skill)
        return found.cells.get(level) if found else None

    def code_name(self, code: str) -> str:
        return self.code_names.get(code, CODE_NAMES[code])

    @property
    def layout_kind(self) -> str:
        """How the role is shown: matrix, checklist or steps."""
        return self.layout_name or "matrix"

    def scale(self, slug: str) -> ScaleState:
        """A scale the role's skills use ("" or awe: the built-in one, with this role's names)."""
        if slug in ("", AWE):
            return ScaleState(
                slug=AWE,
                name="A/W/E",
                steps=tuple(
                    Step(
                        code=code,
                        name=self.code_name(code),
                        description=self.code_descriptions.get(code, ""),
                    )
                    for code in CODES
                ),
            )
        found = next((scale for scale in self.scales if scale.slug == slug), None)
        if found is None:
            raise KeyError(slug)
        return found

    def track(self, code: str) -> TrackState | None:
        return next((track for track in self.tracks if track.code == code), None)

    def has_something_to_grade(self) -> bool:
        """Whether a rating can reach a level (DESIGN §5 "nothing to grade"): the role has levels
        and, under the points rule, a level with a threshold, else a cell asking for a step."""
        if not self.levels:
            return False
        grading = self.grading or {}
        if grading.get("rule") == "points":
            thresholds = grading.get("thresholds")
            codes = {level.code for level in self.levels}
            return isinstance(thresholds, dict) and any(code in codes for code in thresholds)
        return any(cell.counted for skill in self.skills for cell in skill.cells.values())

    def fits_v1(self) -> bool:
        """Whether format v1 holds this role exactly (DESIGN §4b): the site framework, awe
        cells only, at least one level, skills of a domain together, nothing v2 only."""
        if not self.framework.is_site or self.markdown or not self.levels:
            return False
        v2_parts = (
            self.layout_name,
            self.grading,
            self.code_descriptions,
            self.scales,
            self.tracks,
            self.domains,
        )
        if any(v2_parts):
            return False
        if any(lv.rank is not None or lv.track or lv.sections for lv in self.levels):
            return False
        if not all(skill.fits_v1() for skill in self.skills):
            return False
        domains = [domain for domain, _skills in self.layout()]
        return len(domains) == len(set(domains))

    def layout(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The skills in the role's order as runs of one domain each. In v1 (and usually in v2)
        each domain is one run; a v2 role may list a domain's skills apart, and pages group
        them under the domain's first run (:meth:`grouped`)."""
        groups: list[tuple[str, list[str]]] = []
        for skill in self.skills:
            if not groups or groups[-1][0] != skill.domain:
                groups.append((skill.domain, []))
            groups[-1][1].append(skill.slug)
        return tuple((domain, tuple(slugs)) for domain, slugs in groups)

    def grouped(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The domains in the order of their first skill, each with all its skills in order
        (DESIGN §4b "domain order" and "skill order")."""
        groups: dict[str, list[str]] = {}
        for skill in self.skills:
            groups.setdefault(skill.domain, []).append(skill.slug)
        return tuple((domain, tuple(slugs)) for domain, slugs in groups.items())


# --- the v2 document form of the nested parts (how they are stored, as JSON text) -------------


def _x(data: Mapping[str, JSON]) -> dict[str, JSON]:
    return {key: value for key, value in data.items() if key.startswith("x-")}


def link_json(link: Link) -> dict[str, JSON]:
    return link.as_json()


def link_from_json(data: Mapping[str, JSON]) -> Link:
    return Link(url=data["url"], title=data.get("title", ""), extensions=_x(data))


def content_json(content: Content) -> dict[str, JSON]:
    data: dict[str, JSON] = {}
    if content.summary:
        data["summary"] = content.summary
    if content.details:
        data["details"] = content.details
    if content.examples:
        data["examples"] = list(content.examples)
    if content.links:
        data["links"] = [link.as_json() for link in content.links]
    return {**data, **content.extensions}


def content_from_json(data: Mapping[str, JSON]) -> Content:
    return Content(
        summary=data.get("summary", ""),
        details=data.get("details", ""),
        examples=tuple(data.get("examples", ())),
        links=tuple(link_from_json(link) for link in data.get("links", ())),
        extensions=_x(data),
    )


def step_json(step: Step) -> dict[str, JSON]:
    data: dict[str, JSON] = {"code": step.code, "name": step.name}
    if step.description:
        data["description"] = step.description
    if step.points is not None:
        data["points"] = step.points
    return {**data, **step.extensions}


def step_from_json(data: Mapping[str, JSON]) -> Step:
    return Step(
        code=data["code"],
        name=data["name"],
        description=data.get("description", ""),
        points=data.get("points"),
        extensions=_x(data),
    )


def section_json(section: Section) -> dict[str, JSON]:
    data: dict[str, JSON] = {"title": section.title}
    if section.text:
        data["text"] = section.text
    if section.items:
        data["items"] = list(section.items)
    return {**data, **section.extensions}


def section_from_json(data: Mapping[str, JSON]) -> Section:
    return Section(
        title=data["title"],
        text=data.get("text", ""),
        items=tuple(data.get("items", ())),
        extensions=_x(data),
    )
