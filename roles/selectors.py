"""Reads of the roles domain. Each selector owns its queries and says how many it makes.

Selectors read: querysets, the cache, versions' snapshots, and the domain's own forms of what
they read (a role's state for the change machinery, its §4 document). What a page shows of it —
the matrix and cell dataclasses the selectors fill, the counts, drops and comparisons computed
from them — lives in :mod:`roles.presenters`, which shapes what was read and makes no queries.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat

from roles.changes.diff import role_diff
from roles.changes.state import (
    Cell,
    Content,
    DomainInfo,
    FrameworkState,
    LevelState,
    RoleState,
    ScaleState,
    SkillState,
    TrackState,
    content_from_json,
    link_from_json,
    section_from_json,
    step_from_json,
)
from roles.errors import CellNotFound, FrameworkNotFound, RoleNotFound, RoleVersionNotFound
from roles.framework_document import (
    FrameworkDocument,
    document_write,
    framework_document_write,
    role_framework_document,
    role_states,
)
from roles.models import (
    Framework,
    Level,
    Requirement,
    Role,
    RoleFamily,
    RoleSkill,
    RoleVersion,
    Scale,
    Skill,
    SkillDomain,
    Track,
)
from roles.presenters import (
    CellDetail,
    FrameworkPage,
    MatrixCell,
    MatrixDomain,
    MatrixRow,
    RoleComparison,
    RoleMatrix,
    SkillMatch,
    awe_scale,
    framework_band,
    framework_families,
)


def role_queryset(*, include_unpublished: bool = False) -> QuerySet[Role]:
    roles = Role.objects.select_related("family", "framework")
    return roles if include_unpublished else roles.filter(is_published=True)


# Published roles are read on every page, 304 and grading call: they are kept in the cache, which
# every write to a role clears (roles.services.role_cache_forget). The timeout bounds what a
# change made outside the services could leave behind.
ROLE_CACHE_SECONDS = 5 * 60


def role_cache_key(slug: str) -> str:
    return f"roles:role:{slug}"


def role_get(*, slug: str, include_unpublished: bool = False) -> Role:
    """One role with its family; :class:`RoleNotFound` when unknown or unpublished.

    A published role comes from the cache when it can (0 queries), else 1 query.
    """
    if include_unpublished:
        role = role_queryset(include_unpublished=True).filter(slug=slug).first()
    else:
        role = cache.get(role_cache_key(slug))
        if role is None:
            role = role_queryset().filter(slug=slug).first()
            if role is not None:
                cache.set(role_cache_key(slug), role, ROLE_CACHE_SECONDS)
    if role is None:
        raise RoleNotFound(f"No role {slug!r}")
    return role


def role_matrix_for(role: Role) -> RoleMatrix:
    """The matrix of an already-fetched role, in 3 queries: levels (with their tracks), skills
    (with their domains, scales and home domains), requirements."""
    levels = list(Level.objects.filter(role=role).select_related("track").order_by("order"))
    role_skills = list(
        RoleSkill.objects.filter(role=role)
        .select_related("skill__scale", "skill__home_domain", "domain")
        .order_by("order")
    )
    requirements = Requirement.objects.filter(level__role=role).only(
        "id",
        "role_skill_id",
        "level_id",
        "code",
        "is_mandatory",
        "details",
        "summary",
        "examples",
        "links",
    )
    by_cell = {(r.role_skill_id, r.level_id): r for r in requirements}
    domains: dict[int, MatrixDomain] = {}
    ordered: list[MatrixRow] = []
    for role_skill in role_skills:
        group = domains.setdefault(role_skill.domain_id, MatrixDomain(domain=role_skill.domain))
        cells = [MatrixCell(level, by_cell.get((role_skill.pk, level.pk))) for level in levels]
        row = MatrixRow(role_skill=role_skill, cells=cells)
        group.rows.append(row)
        ordered.append(row)
    return RoleMatrix(role=role, levels=levels, domains=list(domains.values()), ordered=ordered)


def role_matrix_get(*, slug: str, include_unpublished: bool = False) -> RoleMatrix:
    """A role and its whole matrix in 4 queries, whatever its size."""
    role = role_get(slug=slug, include_unpublished=include_unpublished)
    return role_matrix_for(role)


def _cell_state(requirement: Requirement) -> Cell:
    return Cell(
        code=requirement.code,
        mandatory=requirement.is_mandatory,
        details=requirement.details,
        summary=requirement.summary,
        examples=tuple(requirement.examples),
        links=tuple(link_from_json(link) for link in json.loads(requirement.links or "[]")),
    )


def _skill_state(row: MatrixRow) -> SkillState:
    skill, role_skill = row.skill, row.role_skill
    return SkillState(
        slug=skill.slug,
        name=skill.name,
        description=skill.description,
        domain=role_skill.domain.slug,
        cells={
            cell.level.code: _cell_state(cell.requirement)
            for cell in row.cells
            if cell.requirement is not None
        },
        scale=skill.scale.slug if skill.scale is not None else "",
        steps=_step_content(skill),
        home_domain=skill.home_domain.slug if skill.home_domain is not None else "",
        skill_extensions=json.loads(skill.extensions or "{}"),
        row_description=role_skill.description,
    )


def _step_content(skill: Skill) -> dict[str, Content]:
    return {
        code: content_from_json(content)
        for code, content in json.loads(skill.steps or "{}").items()
    }


def track_state(track: Track) -> TrackState:
    """A stored track as the change machinery sees it."""
    return TrackState(
        code=track.code,
        name=track.name,
        description=track.description,
        extensions=json.loads(track.extensions or "{}"),
    )


def domain_info(domain: SkillDomain) -> DomainInfo:
    """A stored domain as a v2 framework declares it."""
    return DomainInfo(
        name=domain.name,
        description=domain.description,
        extensions=json.loads(domain.extensions or "{}"),
    )


def _level_state(level: Level) -> LevelState:
    return LevelState(
        code=level.code,
        name=level.name,
        short=level.short_name,
        focus=level.focus,
        stack=tuple(level.stack),
        rank=level.rank,
        track=level.track.code if level.track is not None else "",
        sections=tuple(section_from_json(s) for s in json.loads(level.sections or "[]")),
    )


def _framework_state(framework: Framework) -> FrameworkState:
    return FrameworkState(
        slug=framework.slug,
        name=framework.name,
        description=framework.description,
        source=json.loads(framework.source or "{}"),
        extensions=json.loads(framework.extensions or "{}"),
        root_extensions=json.loads(framework.root_extensions or "{}"),
    )


def _shared_parts(
    matrix: RoleMatrix, extra: list[SkillDomain] | None = None
) -> tuple[tuple[ScaleState, ...], tuple[TrackState, ...], dict[str, DomainInfo]]:
    """The scales, tracks and framework domains a v2 role shows, in framework order."""
    rows = matrix.ordered or matrix.rows
    scales = {row.skill.scale.pk: row.skill.scale for row in rows if row.skill.scale is not None}
    tracks = {lv.track.pk: lv.track for lv in matrix.levels if lv.track is not None}
    domains = {row.role_skill.domain.pk: row.role_skill.domain for row in rows}
    domains.update(
        {row.skill.home_domain.pk: row.skill.home_domain for row in rows if row.skill.home_domain}
    )
    domains.update({domain.pk: domain for domain in extra or ()})

    def in_order(items: dict[int, Any]) -> list[Any]:
        return sorted(items.values(), key=lambda item: (item.position, item.pk))

    return (
        tuple(scale_state(scale) for scale in in_order(scales)),
        tuple(track_state(track) for track in in_order(tracks)),
        {domain.slug: domain_info(domain) for domain in in_order(domains)},
    )


def scale_state(scale: Scale) -> ScaleState:
    """A stored scale as the change machinery sees it."""
    return ScaleState(
        slug=scale.slug,
        name=scale.name,
        description=scale.description,
        steps=tuple(step_from_json(step) for step in json.loads(scale.steps or "[]")),
        extensions=json.loads(scale.extensions or "{}"),
    )


def role_state_from_matrix(matrix: RoleMatrix) -> RoleState:
    """The role's content as the change machinery sees it (no queries beyond the matrix's)."""
    role = matrix.role
    rows = matrix.ordered or matrix.rows
    scales, tracks, domains = _shared_parts(matrix) if role.markdown else ((), (), {})
    missing = [slug for slug in role.key_domains if role.markdown and slug not in domains]
    if missing:
        # A v2 role's key domains are framework domains its rows need not show: one more
        # query, only then.
        extra = SkillDomain.objects.filter(framework=role.framework_id, slug__in=missing)
        scales, tracks, domains = _shared_parts(matrix, extra=list(extra))
    return RoleState(
        slug=role.slug,
        title=role.title,
        tagline=role.tagline,
        description=role.description,
        key_domains=tuple(role.key_domains),
        family=role.family.slug,
        family_name=role.family.name,
        source=role.source,
        is_published=role.is_published,
        code_names=dict(role.code_names),
        extensions=json.loads(role.extensions or "{}"),
        levels=tuple(_level_state(level) for level in matrix.levels),
        skills=tuple(_skill_state(row) for row in rows),
        domain_names={group.domain.slug: group.domain.name for group in matrix.domains},
        framework=_framework_state(role.framework),
        markdown=role.markdown,
        layout_name=role.layout,
        grading=json.loads(role.grading) if role.grading else None,
        code_descriptions=dict(role.code_descriptions),
        scales=scales,
        tracks=tracks,
        domains=domains,
    )


def role_state_get(*, role: Role) -> RoleState:
    """A role's current content for the change machinery (a preview, a diff): 3 queries."""
    return role_state_from_matrix(role_matrix_for(role))


def role_document_build(matrix: RoleMatrix) -> dict[str, Any]:
    """The §4 document of a role as it is now (no queries beyond those of the matrix)."""
    return document_write(role_state_from_matrix(matrix))


def framework_get(*, slug: str) -> Framework:
    """One framework (1 query); :class:`FrameworkNotFound` when unknown."""
    framework = Framework.objects.filter(slug=slug).first()
    if framework is None:
        raise FrameworkNotFound(f"No framework {slug!r}")
    return framework


def _declared_skill(skill: Skill, shown: dict[str, str]) -> SkillState:
    home = skill.home_domain.slug if skill.home_domain is not None else shown[skill.slug]
    return SkillState(
        slug=skill.slug,
        name=skill.name,
        description=skill.description,
        domain=home,
        home_domain=home,
        scale=skill.scale.slug if skill.scale is not None else "",
        steps=_step_content(skill),
        skill_extensions=json.loads(skill.extensions or "{}"),
    )


def framework_document_state(*, framework: Framework) -> FrameworkDocument:
    """A framework as its v2 document holds it: every scale, track, domain and skill it
    declares, in its order, and every role (oldest first). 5 queries, then 3 per role."""
    scales = list(Scale.objects.filter(framework=framework).order_by("position", "pk"))
    tracks = Track.objects.filter(framework=framework).order_by("position", "pk")
    domains = list(SkillDomain.objects.filter(framework=framework).order_by("position", "pk"))
    roles = [
        role_state_from_matrix(role_matrix_for(role))
        for role in role_queryset(include_unpublished=True)
        .filter(framework=framework)
        .order_by("pk")
    ]
    # A skill of the site framework has no domain of its own: it is filed where a role first
    # shows it (a skill no role shows has nowhere to go, and is left out).
    shown = {skill.slug: skill.domain for role in reversed(roles) for skill in role.skills}
    stored = Skill.objects.filter(framework=framework).select_related("scale", "home_domain")
    skills = [
        _declared_skill(skill, shown)
        for skill in stored.order_by("position", "pk")
        if skill.home_domain is not None or skill.slug in shown
    ]
    return FrameworkDocument(
        framework=_framework_state(framework),
        scales=tuple(scale_state(scale) for scale in scales),
        tracks=tuple(track_state(track) for track in tracks),
        domains={domain.slug: domain_info(domain) for domain in domains},
        skills=tuple(skills),
        roles=tuple(roles),
    )


def framework_document_get(*, slug: str) -> dict[str, Any]:
    """The v2 document of a framework and all its roles."""
    return framework_document_write(framework_document_state(framework=framework_get(slug=slug)))


def role_document_get(*, slug: str) -> dict[str, Any]:
    """The current §4 document of any role, published or not (4 queries)."""
    return role_document_build(role_matrix_get(slug=slug, include_unpublished=True))


# At most this many words of a search are used: enough for any real query, and a bound on the
# size of the SQL a long query string can produce.
SEARCH_MAX_TERMS = 8


def _role_search_fallback(terms: list[str]) -> Q:
    """Roles with every term somewhere in their title, tagline, description, family name, a
    skill name, a level name or a stack item (case-insensitive substrings; any database)."""
    condition = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term)
            | Q(tagline__icontains=term)
            | Q(description__icontains=term)
            | Q(family__name__icontains=term)
            | Q(pk__in=RoleSkill.objects.filter(skill__name__icontains=term).values("role_id"))
            | Q(
                pk__in=Level.objects.filter(
                    Q(name__icontains=term) | Q(stack__icontains=term)
                ).values("role_id")
            )
        )
    return condition


def _role_search_postgres(search: str) -> Q:
    """PostgreSQL full-text search over one document per role (title, tagline, description,
    family, skill names, level names and stack items): every word of ``search`` must start a
    word of the document, in any order and any field ("mlops triton", "ML & AI"). The whole
    search as a substring still matches too, for fragments inside a word ("flow", "C++")."""
    # Imported here: only a PostgreSQL database ever gets this far.
    from django.contrib.postgres.aggregates import StringAgg
    from django.contrib.postgres.search import SearchQuery, SearchVector

    condition = _role_search_fallback([search])
    # Only word characters reach the raw tsquery, so no input can make it malformed.
    words = re.findall(r"\w+", search)[:SEARCH_MAX_TERMS]
    if not words:
        return condition
    skill_names = (
        RoleSkill.objects.filter(role=OuterRef("pk"))
        .values("role")
        .annotate(text=StringAgg("skill__name", " "))
        .values("text")
    )
    level_texts = (
        Level.objects.filter(role=OuterRef("pk"))
        .values("role")
        .annotate(
            text=StringAgg(
                Concat("name", Value(" "), Cast("stack", TextField()), output_field=TextField()),
                " ",
            )
        )
        .values("text")
    )
    document = SearchVector(
        "title",
        "tagline",
        "description",
        "family__name",
        Subquery(skill_names),
        Subquery(level_texts),
        config="simple",
    )
    query = SearchQuery(
        " & ".join(f"{word}:*" for word in words), search_type="raw", config="simple"
    )
    matching = Role.objects.annotate(document=document).filter(document=query).values("pk")
    return condition | Q(pk__in=matching)


def _role_search(search: str) -> Q:
    if connection.vendor == "postgresql":
        return _role_search_postgres(search)
    return _role_search_fallback(search.split()[:SEARCH_MAX_TERMS])


def _matches_nothing(*terms: str) -> bool:
    """Whether a search term cannot match any stored text: none holds a NUL (PostgreSQL text
    refuses it), so such a term finds nothing instead of being an error in the database."""
    return any("\x00" in term for term in terms)


def role_list(*, search: str = "", family_slug: str = "") -> QuerySet[Role]:
    """Published roles matching ``search`` and a family, with their family and
    ``skill_count`` / ``level_count`` annotated. One query, whatever the search.

    A search looks at the role's title, tagline and description, its family's name, its skill
    names, level names and stack items: full-text on PostgreSQL, substrings elsewhere."""
    if _matches_nothing(search, family_slug):
        return Role.objects.none()
    roles = Role.objects.filter(is_published=True).select_related("family")
    if family_slug:
        roles = roles.filter(family__slug=family_slug)
    if search:
        roles = roles.filter(pk__in=Role.objects.filter(_role_search(search)).values("pk"))
    return roles.annotate(
        skill_count=Count("role_skills", distinct=True),
        level_count=Count("levels", distinct=True),
    ).order_by("title", "pk")


def family_list_with_roles(*, search: str = "") -> list[RoleFamily]:
    """Families that have published roles matching ``search`` (see :func:`role_list`),
    each with ``matching_roles`` annotated with skill and level counts. 2 queries."""
    roles = role_list(search=search)
    return list(
        RoleFamily.objects.filter(roles__in=roles)
        .distinct()
        .order_by("name")
        .prefetch_related(Prefetch("roles", queryset=roles, to_attr="matching_roles"))
    )


def role_version_list(*, role: Role) -> QuerySet[RoleVersion]:
    """A role's versions, newest first, with their authors; snapshots are left unloaded."""
    return (
        RoleVersion.objects.filter(role=role)
        .select_related("author")
        .defer("snapshot")
        .order_by("-number")
    )


def role_version_get(*, role: Role, number: int) -> RoleVersion:
    """One version with its snapshot and author (1 query); :class:`RoleVersionNotFound`."""
    version = RoleVersion.objects.filter(role=role, number=number).select_related("author").first()
    if version is None:
        raise RoleVersionNotFound(f"No version {number} of {role.slug!r}")
    return version


def version_state(version: RoleVersion) -> RoleState:
    """The role as a version's snapshot shows it (no queries)."""
    return role_states(version.snapshot)[0]


VersionKey = tuple[int, int, float]  # (role pk, version number, the role's update time)


class _KeptStates:
    """Versions' states kept in the process, the least recently used going first.

    A version never changes once written, so its parsed state can live in the process: no
    query and no parsing of its snapshot per request. The key's stamp (the role's update
    time) keeps a recycled primary key (a test database rolled back, a role deleted and
    imported again) from being served another role's version. Unlike ``functools.lru_cache``
    it can say which of many versions it lacks, so a list of proposals on many versions
    reads those in one query."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._states: OrderedDict[VersionKey, RoleState | None] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, role_pk: int, number: int, stamp: float) -> RoleState | None:
        """Version ``number`` of the role ``role_pk`` as a state (1 query the first time; None
        when there is no such version)."""
        key = (role_pk, number, stamp)
        return self.many([key])[key]

    def many(self, keys: Iterable[VersionKey]) -> dict[VersionKey, RoleState | None]:
        """The states of ``keys`` (None for a version that does not exist): 1 query for those
        the process does not keep yet, none when it keeps them all."""
        wanted = list(dict.fromkeys(keys))
        with self._lock:
            found = {key: self._states[key] for key in wanted if key in self._states}
            for key in found:
                self._states.move_to_end(key)
        missing = [key for key in wanted if key not in found]
        if not missing:
            return found
        versions = Q()
        for role_pk, number, _stamp in missing:
            versions |= Q(role_id=role_pk, number=number)
        snapshots = {
            (role_pk, number): snapshot
            for role_pk, number, snapshot in RoleVersion.objects.filter(versions).values_list(
                "role_id", "number", "snapshot"
            )
        }
        read = {}
        for key in missing:
            snapshot = snapshots.get(key[:2])
            read[key] = None if snapshot is None else role_states(snapshot)[0]
        with self._lock:
            self._states.update(read)
            while len(self._states) > self.maxsize:
                self._states.popitem(last=False)
        return found | read

    def cache_clear(self) -> None:
        with self._lock:
            self._states.clear()


version_state_kept = _KeptStates(maxsize=256)


def _version_key(role: Role, number: int) -> VersionKey:
    return (role.pk, number, role.updated_at.timestamp() if role.updated_at else 0.0)


def role_version_state(*, role: Role, number: int) -> RoleState:
    """The role as version ``number`` was: 0 queries when this process has it, else 1.
    :class:`RoleVersionNotFound` when the role has no such version."""
    state = version_state_kept(*_version_key(role, number))
    if state is None:
        raise RoleVersionNotFound(f"No version {number} of {role.slug!r}")
    return state


def role_version_states(
    *, versions: Iterable[tuple[Role, int]]
) -> dict[tuple[int, int], RoleState]:
    """The states of many versions, each a (role, number), by (role pk, number); a version
    that does not exist is left out. 1 query for all those this process does not have yet,
    none when it has them all."""
    keys = {_version_key(role, number): (role.pk, number) for role, number in versions}
    states = version_state_kept.many(keys)
    return {keys[key]: state for key, state in states.items() if state is not None}


def role_compare(*, role: Role, old: int, new: int) -> RoleComparison:
    """Compare two versions of a role, cell by cell, in 1 query whatever their size.
    :class:`RoleVersionNotFound` names a number the role does not have."""
    versions = {
        v.number: v
        for v in RoleVersion.objects.filter(role=role, number__in={old, new}).select_related(
            "author"
        )
    }
    for number in (old, new):
        if number not in versions:
            raise RoleVersionNotFound(f"No version {number} of {role.slug!r}")
    old_state, new_state = version_state(versions[old]), version_state(versions[new])
    return RoleComparison(
        role=role,
        old_version=versions[old],
        new_version=versions[new],
        old=old_state,
        new=new_state,
        diff=role_diff(old_state, new_state),
    )


def skill_search(*, search: str, limit: int = 30) -> list[SkillMatch]:
    """Skills whose name contains ``search``, with the published roles they sit in (1 query)."""
    if not search or _matches_nothing(search):
        return []
    role_skills = (
        RoleSkill.objects.filter(role__is_published=True, skill__name__icontains=search)
        .select_related("skill", "role", "domain")
        .order_by("skill__name", "role__title")[:limit]
    )
    return [SkillMatch(role_skill=role_skill) for role_skill in role_skills]


def skill_list(*, search: str = "") -> QuerySet[Skill]:
    """Global skills by name, optionally matching ``search``."""
    if _matches_nothing(search):
        return Skill.objects.none()
    skills = Skill.objects.order_by("name", "pk")
    return skills.filter(name__icontains=search) if search else skills


def domain_list() -> QuerySet[SkillDomain]:
    return SkillDomain.objects.order_by("name", "pk")


# --- frameworks: their list, their page, their public document --------------------------------


def framework_list() -> QuerySet[Framework]:
    """Every framework by name, with ``role_count`` (its published roles) annotated; 1 query.
    The site framework is one of them, v1 roles' namespace."""
    return Framework.objects.annotate(
        role_count=Count("roles", filter=Q(roles__is_published=True))
    ).order_by("name", "pk")


def framework_source(framework: Framework) -> dict[str, Any]:
    """A framework's ``source`` object (url, licence, attribution, version, notes, x- keys)."""
    source = json.loads(framework.source or "{}")
    return source if isinstance(source, dict) else {}


def framework_page_get(*, slug: str, with_domains: bool = False) -> FrameworkPage:
    """A framework with its scales, tracks, published roles (with families) and their levels
    (with tracks), whatever the number of roles: 5 queries, 6 ``with_domains``.
    :class:`FrameworkNotFound` when unknown."""
    framework = framework_get(slug=slug)
    scales = Scale.objects.filter(framework=framework).order_by("position", "pk")
    tracks = Track.objects.filter(framework=framework).order_by("position", "pk")
    roles = list(
        Role.objects.filter(framework=framework, is_published=True)
        .select_related("family")
        .order_by("title", "pk")
    )
    levels = list(
        Level.objects.filter(role__in=[role.pk for role in roles])
        .select_related("track")
        .order_by("role_id", "order")
    )
    domains = (
        list(SkillDomain.objects.filter(framework=framework).order_by("position", "pk"))
        if with_domains
        else []
    )
    return FrameworkPage(
        framework=framework,
        source=framework_source(framework),
        scales=tuple(scale_state(scale) for scale in scales),
        tracks=tuple(
            TrackState(code=track.code, name=track.name, description=track.description)
            for track in tracks
        ),
        domains=domains,
        families=framework_families(roles),
        band=framework_band(roles, levels),
    )


def framework_document_public(*, slug: str) -> dict[str, Any]:
    """The v2 document of a framework with its published roles only, what the public API
    exports (:func:`framework_document_get` holds every role, for curators' commands)."""
    document = framework_document_state(framework=framework_get(slug=slug))
    published = tuple(role for role in document.roles if role.is_published)
    return framework_document_write(replace(document, roles=published))


def role_v2_document_build(matrix: RoleMatrix) -> dict[str, Any]:
    """A role's document in format v2 even when v1 holds it (no queries beyond the matrix's):
    for a client that reads v2 only."""
    return framework_document_write(role_framework_document(role_state_from_matrix(matrix)))


def role_cell_get(*, slug: str, skill_slug: str, level_code: str) -> CellDetail:
    """One cell of a published role with the skill's row, as its panel shows it (v2 parts
    included), in 2 queries whatever the role's size: the role's skill (with role, family,
    framework, skill, its scale and domain) and the role's levels, each joined to its cell for
    this skill.
    :class:`CellNotFound` when the role, the skill in it or the level is unknown."""
    role_skill = (
        RoleSkill.objects.select_related(
            "role__family", "role__framework", "skill__scale", "domain"
        )
        .filter(role__slug=slug, role__is_published=True, skill__slug=skill_slug)
        .first()
    )
    if role_skill is None:
        raise CellNotFound(f"No skill {skill_slug!r} in role {slug!r}")
    levels = list(
        Level.objects.filter(role_id=role_skill.role_id)
        .annotate(
            cell=FilteredRelation("requirements", condition=Q(requirements__role_skill=role_skill)),
            cell_id=F("cell__id"),
            cell_code=F("cell__code"),
            cell_mandatory=F("cell__is_mandatory"),
            cell_details=F("cell__details"),
            cell_summary=F("cell__summary"),
            cell_examples=F("cell__examples"),
            cell_links=F("cell__links"),
        )
        .order_by("order")
    )
    cells = []
    for level in levels:
        level.role = role_skill.role  # already loaded: spare a query when a template asks
        requirement = None
        if level.cell_id is not None:
            examples = level.cell_examples
            if isinstance(examples, str):  # an annotation of a JSON field may come as text
                examples = json.loads(examples or "[]")
            requirement = Requirement(
                id=level.cell_id,
                role_skill=role_skill,
                level=level,
                code=level.cell_code,
                is_mandatory=level.cell_mandatory,
                details=level.cell_details,
                summary=level.cell_summary,
                examples=examples or [],
                links=level.cell_links or "[]",
            )
        cells.append(MatrixCell(level=level, requirement=requirement))
    current = next((cell for cell in cells if cell.level.code == level_code), None)
    if current is None:
        raise CellNotFound(f"No level {level_code!r} in role {slug!r}")
    role, skill = role_skill.role, role_skill.skill
    scale = (
        scale_state(skill.scale)
        if skill.scale is not None
        else awe_scale(code_names=role.code_names, code_descriptions=role.code_descriptions)
    )
    return CellDetail(
        role_skill=role_skill,
        level=current.level,
        requirement=current.requirement,
        cells=cells,
        scale=scale,
        state_cell=_cell_state(current.requirement) if current.requirement else None,
        skill_steps={
            code: content_from_json(content)
            for code, content in json.loads(skill.steps or "{}").items()
        },
    )


def roles_showing(
    *,
    skill: Skill | None = None,
    scale: Scale | None = None,
    track: Track | None = None,
    framework: Framework | None = None,
) -> list[Role]:
    """The roles (by id, with their framework) that show a shared part: a skill in their
    matrix, a scale their skills use, a track their levels sit on, or any role of a framework.
    A curator's edit of the part goes through one of them (1 query)."""
    roles = Role.objects.select_related("framework", "family")
    if skill is not None:
        roles = roles.filter(role_skills__skill=skill)
    if scale is not None:
        roles = roles.filter(role_skills__skill__scale=scale)
    if track is not None:
        roles = roles.filter(levels__track=track)
    if framework is not None:
        roles = roles.filter(framework=framework)
    return list(roles.distinct().order_by("pk"))


def role_version_latest(*, limit: int = 5) -> list[RoleVersion]:
    """The newest versions of published roles, across roles, with role and author; snapshots
    are left unloaded (1 query)."""
    return list(
        RoleVersion.objects.filter(role__is_published=True)
        .select_related("role", "author")
        .defer("snapshot")
        .order_by("-created_at", "-pk")[:limit]
    )


def role_version_count() -> int:
    """How many role versions have been published, in every role (1 query)."""
    return RoleVersion.objects.count()
