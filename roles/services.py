"""Writes of the roles domain.

A role changes only through :func:`role_change_apply`: a list of typed changes (roles.changes)
applied in one transaction, recorded as exactly one new version — or none when nothing differs.
The admin, imports, renames of shared skills and (later) accepted proposals all build a change
list and call it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.text import slugify

from roles.changes.base import Change
from roles.changes.diff import RoleDiff, all_cell_changes, changes_between, role_diff
from roles.changes.errors import ChangeError
from roles.changes.parts import SHARED_OPS
from roles.changes.state import (
    SITE_FRAMEWORK,
    Cell,
    LevelState,
    RoleState,
    ScaleState,
    SkillState,
    TrackState,
    content_json,
    link_json,
    section_json,
    step_json,
)
from roles.changes.types import (
    AddSkill,
    RenameDomain,
    RenameFamily,
    RenameSkill,
    SetDetails,
    SetLayout,
    SetRequirement,
    apply_changes,
    changes_as_json,
)
from roles.document import RoleDocumentError, parse_role_document
from roles.errors import ChangeConflict, RoleChangeError
from roles.framework_document import (
    FrameworkDocument,
    document_write,
    parse_document,
    parse_framework_document,
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
from roles.selectors import (
    framework_document_state,
    role_cache_key,
    role_matrix_for,
    role_state_from_matrix,
)
from roles.spreadsheet import sheet_over_role
from skillsmatrix.background import send_after_commit

__all__ = [
    "ChangeConflict",
    "ChangeError",
    "RoleChangeError",
    "RoleImportResult",
    "document_import",
    "framework_import",
    "global_entry_update",
    "role_change_apply",
    "role_delete",
    "role_import",
    "sheet_import",
]

# Whoever makes a change: a member, or nobody (an import run from the command line).
Author = User | None
_M = TypeVar("_M", bound=models.Model)
_K = TypeVar("_K")


@dataclass(frozen=True)
class RoleImportResult:
    role: Role
    # None when the document said nothing the role did not already say.
    version: RoleVersion | None
    created: bool
    # Each way the document differs from a shared skill, domain or family, which it does not
    # change (one line each, e.g. "skill 'docker': name 'Docker Engine' kept as 'Docker'").
    differences: list[str]


def _clean(instance: models.Model, **kwargs: Any) -> None:
    # Uniqueness is left to the database constraints (one query per row would make an import of
    # 280 cells slow); field validation still runs here.
    instance.full_clean(validate_unique=False, validate_constraints=False, **kwargs)


def _checked(instance: models.Model, what: str, **kwargs: Any) -> None:
    try:
        _clean(instance, **kwargs)
    except ValidationError as exc:
        raise RoleChangeError(f"{what}: {'; '.join(exc.messages)}") from None


def _lock_role(role: Role) -> Role:
    # No join in the locking query: when a concurrent change set moves the role to another
    # family, PostgreSQL re-checks a joined row after the wait and would find no role at all.
    locked = Role.objects.select_for_update().get(pk=role.pk)
    locked.family = RoleFamily.objects.get(pk=locked.family_id)
    locked.framework = Framework.objects.get(pk=cast(int, locked.framework_id))
    return locked


def role_cache_forget(*slugs: str) -> None:
    """Drop cached copies of these roles, now and again once the transaction commits (so a
    request that read the old row in between cannot leave it cached)."""
    keys = [role_cache_key(slug) for slug in slugs]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


# --- resolving changes against shared entries ---------------------------------------------------


def _resolve(framework: Framework, changes: Sequence[Change]) -> list[Change]:
    """Fill in the names of shared skills and domains that exist already: a change adding the
    skill "docker" shows the global Docker's name, whatever name the change carried (renaming
    a shared skill is its own change). 2 queries."""
    added = [c for c in changes if isinstance(c, AddSkill)]
    layouts = [c for c in changes if isinstance(c, SetLayout)]
    skill_slugs = {c.skill for c in added}
    domain_slugs = {c.domain for c in added} | {d for c in layouts for d in c.domain_names}
    skills = (
        {s.slug: s for s in Skill.objects.filter(framework=framework, slug__in=skill_slugs)}
        if skill_slugs
        else {}
    )
    domains = (
        {d.slug: d for d in SkillDomain.objects.filter(framework=framework, slug__in=domain_slugs)}
        if domain_slugs
        else {}
    )
    return [_with_shared_names(change, skills, domains) for change in changes]


def _with_shared_names(
    change: Change, skills: dict[str, Skill], domains: dict[str, SkillDomain]
) -> Change:
    """The change with the names of the existing shared skills and domains it adds."""
    if isinstance(change, AddSkill):
        skill, domain = skills.get(change.skill), domains.get(change.domain)
        if skill is not None:
            change = replace(change, name=skill.name, description=skill.description)
        if domain is not None:
            change = replace(change, domain_name=domain.name)
    elif isinstance(change, SetLayout):
        names = {
            slug: domains[slug].name if slug in domains else name
            for slug, name in change.domain_names.items()
        }
        change = replace(change, domain_names=names)
    return change


def _conflicts(role: Role, base_version: int, touched: set[str]) -> list[tuple[str, int]]:
    """Places among ``touched`` that a version after ``base_version`` changed (1 query)."""
    if base_version > role.current_version or base_version < 0:
        raise RoleChangeError(
            f"base version {base_version} does not exist (the role is at {role.current_version})"
        )
    found: dict[str, int] = {}
    later = (
        RoleVersion.objects.filter(role=role, number__gt=base_version)
        .order_by("number")
        .values_list("number", "places")
    )
    for number, places in later:
        for place in touched.intersection(places):
            found.setdefault(place, number)
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


# --- writing a state ----------------------------------------------------------------------------


def _global_rows(
    model: type[_M],
    framework: Framework,
    wanted: dict[str, dict[str, Any]],
    renamed: dict[str, dict[str, Any]],
) -> dict[str, _M]:
    """Shared rows (skills, domains) of a framework by slug: missing ones are created,
    ``renamed`` ones get their new fields."""
    manager = model._default_manager.filter(framework=framework)
    found = {obj.slug: obj for obj in manager.filter(slug__in=wanted)}  # type: ignore[attr-defined]
    missing = [
        model(slug=slug, framework=framework, **fields)
        for slug, fields in wanted.items()
        if slug not in found
    ]
    for obj in missing:
        _checked(obj, f"{model._meta.verbose_name} {obj.slug}")  # type: ignore[attr-defined]
    # Another import may create the same shared row concurrently: let the database decide.
    model._default_manager.bulk_create(missing, ignore_conflicts=True)
    if missing:
        slugs = [obj.slug for obj in missing]  # type: ignore[attr-defined]
        found.update({obj.slug: obj for obj in manager.filter(slug__in=slugs)})  # type: ignore[attr-defined]
    for slug, fields in renamed.items():
        obj = found[slug]
        for name, value in fields.items():
            setattr(obj, name, value)
        _checked(obj, f"{model._meta.verbose_name} {slug}")
        obj.save(update_fields=[name.removesuffix("_id") for name in fields])
    return found


def _write_role_row(role: Role, old: RoleState, new: RoleState) -> None:
    if new.slug != old.slug and Role.objects.filter(slug=new.slug).exclude(pk=role.pk).exists():
        raise RoleChangeError(f"slug: another role already has the slug {new.slug!r}")
    if new.family != old.family:
        role.family = RoleFamily.objects.get(slug=new.family)
    elif new.family_name != old.family_name:
        family = RoleFamily(pk=role.family_id, slug=new.family, name=new.family_name)
        _checked(family, f"family {new.family}")
        RoleFamily.objects.filter(pk=role.family_id).update(name=new.family_name)
        role.family.name = new.family_name
    role.slug = new.slug
    role.title = new.title
    role.tagline = new.tagline
    role.description = new.description
    role.key_domains = list(new.key_domains)
    role.source = new.source
    role.is_published = new.is_published
    role.code_names = dict(new.code_names)
    role.extensions = json.dumps(new.extensions, ensure_ascii=False)
    role.markdown = new.markdown
    role.layout = new.layout_name
    role.grading = _json_text(new.grading) if new.grading is not None else ""
    role.code_descriptions = dict(new.code_descriptions)
    _checked(role, "role", exclude=["family", "framework"])
    role.save()


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write_framework(role: Role, old: RoleState, new: RoleState) -> dict[str, Track]:
    """The shared parts of the role's framework that ``new`` changes: the framework's own
    fields, its scales and tracks (created when new). Returns the tracks by code."""
    framework = role.framework
    if new.framework != old.framework:
        framework.name = new.framework.name
        framework.description = new.framework.description
        framework.source = _json_text(dict(new.framework.source))
        framework.extensions = _json_text(dict(new.framework.extensions))
        framework.root_extensions = _json_text(dict(new.framework.root_extensions))
        _checked(framework, f"framework {framework.slug}")
        framework.save()
    old_scales = {scale.slug: scale for scale in old.scales}
    for scale in new.scales:
        if old_scales.get(scale.slug) != scale:
            scale_write(framework=framework, scale=scale)
    tracks = {t.code: t for t in Track.objects.filter(framework=framework)}
    old_tracks = {track.code: track for track in old.tracks}
    for track in new.tracks:
        if old_tracks.get(track.code) != track or track.code not in tracks:
            tracks[track.code] = track_write(framework=framework, track=track)
    return tracks


def _next_position(model: type[models.Model], framework: Framework) -> int:
    last = model._default_manager.filter(framework=framework).aggregate(models.Max("position"))
    return int(last["position__max"] or 0) + 1


def scale_write(*, framework: Framework, scale: ScaleState, position: int | None = None) -> Scale:
    """Create or update a framework's scale (no version: callers record the roles' ones)."""
    row = Scale.objects.filter(framework=framework, slug=scale.slug).first() or Scale(
        framework=framework, slug=scale.slug, position=_next_position(Scale, framework)
    )
    row.name = scale.name
    row.description = scale.description
    row.steps = _json_text([step_json(step) for step in scale.steps])
    row.extensions = _json_text(dict(scale.extensions))
    if position is not None:
        row.position = position
    _checked(row, f"scale {scale.slug}", exclude=["framework"])
    row.save()
    return row


def track_write(*, framework: Framework, track: TrackState, position: int | None = None) -> Track:
    """Create or update a framework's track (no version: callers record the roles' ones)."""
    row = Track.objects.filter(framework=framework, code=track.code).first() or Track(
        framework=framework, code=track.code, position=_next_position(Track, framework)
    )
    row.name = track.name
    row.description = track.description
    row.extensions = _json_text(dict(track.extensions))
    if position is not None:
        row.position = position
    _checked(row, f"track {track.code}", exclude=["framework"])
    row.save()
    return row


def _level_fields(data: LevelState, order: int, tracks: dict[str, Track]) -> dict[str, Any]:
    return {
        "name": data.name,
        "short_name": data.short,
        "focus": data.focus,
        "stack": list(data.stack),
        "order": order,
        "rank": data.rank,
        "track": tracks[data.track] if data.track else None,
        "sections": _json_text([section_json(section) for section in data.sections]),
    }


def _write_levels(
    role: Role, old: RoleState, new: RoleState, tracks: dict[str, Track]
) -> dict[str, Level]:
    existing = {level.code: level for level in Level.objects.filter(role=role)}
    wanted = [lv.code for lv in new.levels]
    gone = [code for code in existing if code not in wanted]
    if gone:
        Level.objects.filter(role=role, code__in=gone).delete()
    if [lv.code for lv in old.levels] != wanted:
        # Move kept levels out of the way first so the new order never collides with the old.
        Level.objects.filter(role=role).update(order=F("order") + len(existing) + len(wanted) + 1)
        for level in existing.values():
            level.order = -1  # no longer what the database holds: the loop below saves it
    levels: dict[str, Level] = {}
    for order, data in enumerate(new.levels):
        level = existing.get(data.code) or Level(role=role, code=data.code, order=-1)
        fields = _level_fields(data, order, tracks)
        if level.pk is None or any(getattr(level, k) != v for k, v in fields.items()):
            for name, value in fields.items():
                setattr(level, name, value)
            _checked(level, f"level {data.code}", exclude=["role"])
            level.save()
        levels[data.code] = level
    return levels


def _skill_fields(
    skill: SkillState, domains: dict[str, SkillDomain], scales: dict[str, Scale], *, v2: bool
) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": skill.name, "description": skill.description}
    if v2:
        fields.update(
            scale_id=scales[skill.scale].pk if skill.scale else None,
            steps=_json_text({code: content_json(c) for code, c in skill.steps.items()}),
            home_domain_id=domains[skill.home_domain].pk if skill.home_domain else None,
            extensions=_json_text(dict(skill.skill_extensions)),
        )
    return fields


def _shared_skill_rows(
    role: Role, old: RoleState, new: RoleState, domains: dict[str, SkillDomain]
) -> dict[str, Skill]:
    """The shared skills ``new`` shows, created when new and changed when it changes them."""
    old_skills = {s.slug: s for s in old.skills}
    shared = ("name", "description", "scale", "steps", "home_domain", "skill_extensions")
    scales = (
        {scale.slug: scale for scale in Scale.objects.filter(framework=role.framework)}
        if new.scales
        else {}
    )
    return _global_rows(
        Skill,
        role.framework,
        {s.slug: _skill_fields(s, domains, scales, v2=new.markdown) for s in new.skills},
        {
            s.slug: _skill_fields(s, domains, scales, v2=new.markdown)
            for s in new.skills
            if s.slug in old_skills
            and any(getattr(old_skills[s.slug], name) != getattr(s, name) for name in shared)
        },
    )


def _domain_fields(new: RoleState, slug: str) -> dict[str, Any]:
    info = new.domains.get(slug)
    if info is None:
        return {"name": new.domain_names[slug]}
    return {
        "name": info.name,
        "description": info.description,
        "extensions": _json_text(dict(info.extensions)),
    }


def _shared_domain_rows(role: Role, old: RoleState, new: RoleState) -> dict[str, SkillDomain]:
    """The shared domains ``new`` shows, created when new and renamed when it renames them."""
    slugs = [*new.domain_names, *(slug for slug in new.domains if slug not in new.domain_names)]
    return _global_rows(
        SkillDomain,
        role.framework,
        {slug: _domain_fields(new, slug) for slug in slugs},
        {
            slug: _domain_fields(new, slug)
            for slug in slugs
            if (slug in old.domain_names or slug in old.domains)
            and (
                old.domain_names.get(slug) != new.domain_names.get(slug)
                or old.domains.get(slug) != new.domains.get(slug)
            )
        },
    )


def _write_skills(role: Role, old: RoleState, new: RoleState) -> dict[str, RoleSkill]:
    domains = _shared_domain_rows(role, old, new)
    skills = _shared_skill_rows(role, old, new, domains)
    existing = {
        rs.skill.slug: rs for rs in RoleSkill.objects.filter(role=role).select_related("skill")
    }
    wanted = {s.slug for s in new.skills}
    gone = [rs.pk for slug, rs in existing.items() if slug not in wanted]
    if gone:
        RoleSkill.objects.filter(pk__in=gone).delete()
    old_rows = {s.slug: s.row_description for s in old.skills}
    described = [
        s for s in new.skills if s.slug in existing and old_rows.get(s.slug) != s.row_description
    ]
    for skill in described:
        existing[skill.slug].description = skill.row_description
    RoleSkill.objects.bulk_update([existing[s.slug] for s in described], ["description"])
    if old.layout() == new.layout():
        return {slug: rs for slug, rs in existing.items() if slug in wanted}
    return _write_layout(role, new, existing, skills, domains)


def _write_layout(
    role: Role,
    new: RoleState,
    existing: dict[str, RoleSkill],
    skills: dict[str, Skill],
    domains: dict[str, SkillDomain],
) -> dict[str, RoleSkill]:
    """Place the role's skills as ``new`` lays them out: kept placements move, new ones are
    added (those of removed skills are gone already)."""
    # Move every kept placement out of the way first, so the new order never collides.
    RoleSkill.objects.filter(role=role).update(
        order=F("order") + len(existing) + len(new.skills) + 1
    )
    placed: dict[str, RoleSkill] = {}
    moved: list[RoleSkill] = []
    added: list[RoleSkill] = []
    for order, skill in enumerate(new.skills):
        role_skill = existing.get(skill.slug)
        if role_skill is None:
            role_skill = RoleSkill(
                role=role,
                skill=skills[skill.slug],
                domain=domains[skill.domain],
                order=order,
                description=skill.row_description,
            )
            added.append(role_skill)
        else:
            role_skill.domain = domains[skill.domain]
            role_skill.order = order
            moved.append(role_skill)
        placed[skill.slug] = role_skill
    RoleSkill.objects.bulk_update(moved, ["domain", "order"])
    RoleSkill.objects.bulk_create(added)
    return placed


def _write_cells(
    role: Role,
    old: RoleState,
    new: RoleState,
    levels: dict[str, Level],
    role_skills: dict[str, RoleSkill],
) -> None:
    changed = all_cell_changes(old, new)
    if not changed:
        return
    stored = {
        (r.role_skill_id, r.level_id): r
        for r in Requirement.objects.filter(level__role=role).only(
            "id", "role_skill_id", "level_id"
        )
    }
    deleted: list[int] = []
    written: list[Requirement] = []
    for diff in changed:
        role_skill, level = role_skills.get(diff.skill), levels.get(diff.level)
        if role_skill is None or level is None:
            continue  # removed with its skill or level
        current = stored.get((role_skill.pk, level.pk))
        if diff.new is None:
            if current is not None:
                deleted.append(current.pk)
            continue
        requirement = current or Requirement(role_skill=role_skill, level=level)
        requirement.code = diff.new.code
        requirement.is_mandatory = diff.new.mandatory
        requirement.details = diff.new.details
        requirement.summary = diff.new.summary
        requirement.examples = list(diff.new.examples)
        requirement.links = _json_text([link_json(link) for link in diff.new.links])
        _checked(requirement, f"cell {diff.skill}/{diff.level}", exclude=["role_skill", "level"])
        written.append(requirement)
    if deleted:
        Requirement.objects.filter(pk__in=deleted).delete()
    Requirement.objects.bulk_update(
        [r for r in written if r.pk is not None],
        ["code", "is_mandatory", "details", "summary", "examples", "links"],
    )
    Requirement.objects.bulk_create([r for r in written if r.pk is None])


def _cell_json(cell: Cell | None) -> dict[str, Any] | None:
    return cell.as_json() if cell is not None else None


def _record(
    *,
    role: Role,
    old: RoleState,
    new: RoleState,
    changes: Sequence[Change],
    author: Author,
    source: str,
    message: str,
    proposal: models.Model | None,
) -> RoleVersion:
    """Write ``new`` over ``old`` and record it as the role's next version."""
    old_slug = role.slug
    _write_role_row(role, old, new)
    tracks = _write_framework(role, old, new)
    levels = _write_levels(role, old, new, tracks)
    role_skills = _write_skills(role, old, new)
    _write_cells(role, old, new, levels, role_skills)
    Role.objects.filter(pk=role.pk).update(current_version=F("current_version") + 1)
    role.refresh_from_db(fields=["current_version", "updated_at"])
    level_names = {lv.code: lv.name for lv in (*old.levels, *new.levels)}
    skill_names = {s.slug: s.name for s in (*old.skills, *new.skills)}
    version = RoleVersion(
        role=role,
        number=role.current_version,
        snapshot=document_write(new),
        source=source,
        message=message[:500],
        author=author,
        changes=changes_as_json(changes),
        changed_cells=[
            {
                "skill": diff.skill,
                "skill_name": skill_names[diff.skill],
                "level": diff.level,
                "level_name": level_names[diff.level],
                "old": _cell_json(diff.old),
                "new": _cell_json(diff.new),
            }
            for diff in all_cell_changes(old, new)
        ],
        places=role_diff(old, new).places(),
        proposal_id=proposal.pk if proposal is not None else None,
    )
    _checked(version, "version", exclude=["role", "author"])
    version.save()
    role_cache_forget(old_slug, role.slug)
    send_after_commit("roles.tasks.role_page_warm_task", role_id=role.pk, version=version.number)
    return version


def _apply_locked(
    *,
    role: Role,
    old: RoleState,
    changes: Sequence[Change],
    author: Author,
    source: str,
    message: str,
    base_version: int | None = None,
    proposal: models.Model | None = None,
) -> RoleVersion | None:
    if base_version is not None:
        touched = set().union(*(change.places() for change in changes)) if changes else set()
        conflicts = _conflicts(role, base_version, touched)
        if conflicts:
            raise ChangeConflict(base_version=base_version, conflicts=conflicts)
    changes = _resolve(role.framework, changes)
    new = apply_changes(old, changes).state
    if new.family != old.family:
        family = RoleFamily.objects.filter(slug=new.family).first()
        if family is None:
            raise RoleChangeError(f"family: no family {new.family!r}")
        new = replace(new, family_name=family.name)
    if new == old:
        return None
    return _record(
        role=role,
        old=old,
        new=new,
        changes=changes,
        author=author,
        source=source,
        message=message,
        proposal=proposal,
    )


def _lock_framework_roles(framework_id: int) -> list[Role]:
    """Lock every role of a framework, in one order (so two change sets cannot deadlock)."""
    ids = list(
        Role.objects.filter(framework_id=framework_id).order_by("pk").values_list("pk", flat=True)
    )
    return [_lock_role(Role(pk=pk)) for pk in ids]


def _follow_shared(
    before: Sequence[tuple[Role, RoleState]], *, author: Author, source: str
) -> list[RoleVersion]:
    """Record a version of each role whose shared parts (a skill's scale, a scale, a track, a
    domain, the framework) changed since ``before`` was read: what it shows now differs."""
    versions = []
    for role, old in before:
        # The framework row may have changed since the role was read (its source, licence).
        role.framework = Framework.objects.get(pk=cast(int, role.framework_id))
        now = role_state_from_matrix(role_matrix_for(role))
        if now == old:
            continue
        version = _apply_locked(
            role=role,
            old=old,
            changes=changes_between(old, now),
            author=author,
            source=source,
            message="Shared parts of the framework changed",
        )
        if version is not None:
            versions.append(version)
    return versions


@transaction.atomic
def role_change_apply(
    *,
    role: Role,
    changes: Sequence[Change],
    author: Author,
    source: str,
    message: str = "",
    base_version: int | None = None,
    proposal: models.Model | None = None,
) -> RoleVersion | None:
    """Apply a change list to a role as one new version, all or nothing.

    Locks the role. With ``base_version``, refuses (:class:`ChangeConflict`, nothing written)
    when a place the changes touch changed in a later version. Raises
    :class:`roles.changes.errors.ChangeError` naming each change that cannot apply. Returns the new
    version, or ``None`` when the changes leave the role as it was. A change to a part the
    framework shares (``roles.changes.parts.SHARED_OPS``) makes a version in every other role of
    the framework that shows it too. Caches of the role are cleared once the transaction
    commits.
    """
    others: list[tuple[Role, RoleState]] = []
    if any(change.op in SHARED_OPS for change in changes):
        framework_roles = _lock_framework_roles(cast(int, role.framework_id))
        locked = next(r for r in framework_roles if r.pk == role.pk)
        others = [
            (other, role_state_from_matrix(role_matrix_for(other)))
            for other in framework_roles
            if other.pk != role.pk
        ]
    else:
        locked = _lock_role(role)
    version = _apply_locked(
        role=locked,
        old=role_state_from_matrix(role_matrix_for(locked)),
        changes=changes,
        author=author,
        source=source,
        message=message,
        base_version=base_version,
        proposal=proposal,
    )
    if version is not None and others:
        _follow_shared(others, author=author, source=source)
    # The caller's instance follows (slug, version number), as after a save().
    role.refresh_from_db()
    return version


@transaction.atomic
def global_entry_update(
    *,
    entry: Skill | SkillDomain | RoleFamily,
    author: Author,
    fields: dict[str, str],
) -> list[RoleVersion]:
    """Rename (or re-describe) a shared skill, domain or family: one change for every role that
    shows it, one version each. Nothing is recorded when nothing changes."""
    editable = {"name", "description"} if isinstance(entry, Skill) else {"name"}
    unknown = set(fields) - editable
    if unknown:
        raise RoleChangeError(f"Not editable: {', '.join(sorted(unknown))}")
    current = type(entry).objects.get(pk=entry.pk)
    if all(getattr(current, name) == value for name, value in fields.items()):
        return []
    for name, value in fields.items():
        setattr(entry, name, value)
    _checked(entry, str(entry._meta.verbose_name))
    change: Change
    if isinstance(entry, Skill):
        change = RenameSkill(skill=entry.slug, name=entry.name, description=entry.description)
        roles = Role.objects.filter(role_skills__skill=entry)
    elif isinstance(entry, SkillDomain):
        change = RenameDomain(domain=entry.slug, name=entry.name)
        roles = Role.objects.filter(role_skills__domain=entry)
    else:
        change = RenameFamily(family=entry.slug, name=entry.name)
        roles = Role.objects.filter(family=entry)
    locked = [
        _lock_role(role) for role in Role.objects.filter(pk__in=roles.values("pk")).order_by("pk")
    ]
    # Every role's state is read before the shared row changes, so each sees the rename.
    before = [(role, role_state_from_matrix(role_matrix_for(role))) for role in locked]
    entry.save(update_fields=list(fields))
    versions = []
    for role, old in before:
        version = _apply_locked(
            role=role,
            old=old,
            changes=[change],
            author=author,
            source=RoleVersion.Source.ADMIN,
            message="",
        )
        if version is not None:
            versions.append(version)
    return versions


def _shared_differences(document_state: RoleState) -> tuple[RoleState, list[str]]:
    """The document's role with the names of shared entries that already exist, and one line
    for each name or description the document gives differently (which it does not change)."""
    differences: list[str] = []
    skills = {
        skill.slug: skill
        for skill in Skill.objects.filter(
            framework__slug=SITE_FRAMEWORK, slug__in=[s.slug for s in document_state.skills]
        )
    }
    domains = {
        domain.slug: domain
        for domain in SkillDomain.objects.filter(
            framework__slug=SITE_FRAMEWORK, slug__in=list(document_state.domain_names)
        )
    }
    family = RoleFamily.objects.filter(slug=document_state.family).first()

    def differ(kind: str, slug: str, field: str, ours: str, theirs: str) -> None:
        if ours != theirs:
            differences.append(
                f"{kind} {slug!r}: the document's {field} {theirs!r} differs from the shared "
                f"{kind}'s {ours!r}, which is kept"
            )

    kept_skills = []
    for skill in document_state.skills:
        shared = skills.get(skill.slug)
        if shared is not None:
            differ("skill", skill.slug, "name", shared.name, skill.name)
            differ("skill", skill.slug, "description", shared.description, skill.description)
            skill = replace(skill, name=shared.name, description=shared.description)
        kept_skills.append(skill)
    domain_names = dict(document_state.domain_names)
    for slug, name in document_state.domain_names.items():
        if slug in domains:
            differ("domain", slug, "name", domains[slug].name, name)
            domain_names[slug] = domains[slug].name
    family_name = document_state.family_name
    if family is not None:
        differ("family", family.slug, "name", family.name, family_name)
        family_name = family.name
    state = replace(
        document_state,
        skills=tuple(kept_skills),
        domain_names=domain_names,
        family_name=family_name,
    )
    return state, differences


@transaction.atomic
def role_import(
    *,
    raw: str | bytes | dict[str, Any],
    author: Author = None,
    source: str = RoleVersion.Source.IMPORT,
) -> RoleImportResult:
    """Import a ``skillsmatrix.role/v1`` document, all or nothing.

    The whole document is validated before the first write. The difference between the role (if
    it exists) and the document is applied as one change set: one new version, or none when
    nothing differs. Shared skills, domains and families keep their names; each difference is
    reported in the result. Raises :class:`RoleDocumentError` naming the JSON path of the first
    problem.
    """
    document = parse_role_document(raw)
    target, differences = _shared_differences(document.to_state())
    family, _ = RoleFamily.objects.get_or_create(
        slug=document.family_slug, defaults={"name": document.family_name}
    )
    # get_or_create settles two imports racing to create the same role (the loser of the
    # insert reads the winner's row); the lock then makes them take turns.
    role, created = Role.objects.get_or_create(
        slug=document.slug,
        defaults={"family": family, "title": document.title, "tagline": document.tagline},
    )
    locked = _lock_role(role)
    old = role_state_from_matrix(role_matrix_for(locked))
    target = replace(target, is_published=old.is_published, family_name=family.name)
    try:
        version = _apply_locked(
            role=locked,
            old=old,
            changes=changes_between(old, target),
            author=author,
            source=source,
            message="Imported",
        )
    except RoleChangeError as exc:
        raise RoleDocumentError("$", str(exc)) from None
    return RoleImportResult(role=locked, version=version, created=created, differences=differences)


def _write_declared(document: FrameworkDocument, framework: Framework) -> None:
    """Write what a v2 document declares for its framework — the framework's fields, its
    scales, tracks, domains and skills, in the document's order — whether or not a role shows
    them (the roles' versions are recorded by the caller)."""
    state = document.framework
    framework.name = state.name
    framework.description = state.description
    framework.source = _json_text(dict(state.source))
    framework.extensions = _json_text(dict(state.extensions))
    framework.root_extensions = _json_text(dict(state.root_extensions))
    _checked(framework, f"framework {framework.slug}")
    framework.save()
    scales = {
        scale.slug: scale_write(framework=framework, scale=scale, position=position)
        for position, scale in enumerate(document.scales, start=1)
    }
    for position, track in enumerate(document.tracks, start=1):
        track_write(framework=framework, track=track, position=position)
    declared_domains = {
        slug: {
            "name": info.name,
            "description": info.description,
            "extensions": _json_text(dict(info.extensions)),
            "position": position,
        }
        for position, (slug, info) in enumerate(document.domains.items(), start=1)
    }
    domains = _global_rows(SkillDomain, framework, declared_domains, declared_domains)
    declared_skills = {
        skill.slug: {**_skill_fields(skill, domains, scales, v2=True), "position": position}
        for position, skill in enumerate(document.skills, start=1)
    }
    _global_rows(Skill, framework, declared_skills, declared_skills)


def _document_role(framework: Framework, target: RoleState, index: int) -> tuple[Role, bool]:
    family, _ = RoleFamily.objects.get_or_create(
        slug=target.family, defaults={"name": target.family_name}
    )
    role, created = Role.objects.get_or_create(
        slug=target.slug,
        defaults={
            "family": family,
            "framework": framework,
            "title": target.title,
            "tagline": target.tagline,
        },
    )
    if role.framework_id != framework.pk:
        other = Framework.objects.get(pk=cast(int, role.framework_id)).slug
        raise RoleDocumentError(
            f"$.roles[{index}].slug",
            f"the role {target.slug!r} belongs to the framework {other!r}, not {framework.slug!r}",
        )
    return role, created


@transaction.atomic
def framework_import(
    *,
    document: FrameworkDocument,
    author: Author = None,
    source: str = RoleVersion.Source.IMPORT,
) -> list[RoleImportResult]:
    """Import a parsed ``skillsmatrix.framework/v2`` document, all or nothing.

    The framework's declared parts are written as the document says; each of its roles gets the
    difference between it and the document as one change set (one version, or none); every
    other role of the framework that shows a changed shared part gets a version too.
    """
    framework, _ = Framework.objects.get_or_create(
        slug=document.framework.slug, defaults={"name": document.framework.name}
    )
    # Imports of one framework take turns; each role is locked before it is read.
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    before = {
        role.pk: (role, role_state_from_matrix(role_matrix_for(role)))
        for role in _lock_framework_roles(framework.pk)
    }
    _write_declared(document, framework)
    results = []
    for index, target in enumerate(document.roles):
        role, created = _document_role(framework, target, index)
        if role.pk in before:
            locked, old = before.pop(role.pk)
        else:
            locked = _lock_role(role)
            old = role_state_from_matrix(role_matrix_for(locked))
        try:
            version = _apply_locked(
                role=locked,
                old=old,
                changes=changes_between(old, replace(target, is_published=old.is_published)),
                author=author,
                source=source,
                message="Imported",
            )
        except RoleChangeError as exc:
            raise RoleDocumentError(f"$.roles[{index}]", str(exc)) from None
        results.append(
            RoleImportResult(role=locked, version=version, created=created, differences=[])
        )
    _follow_shared(list(before.values()), author=author, source=source)
    return results


@dataclass(frozen=True)
class SheetImport:
    """What importing a spreadsheet would do (or did): the framework document it amounts to,
    the difference it makes to its role, the other roles of the framework that would get a
    version (a skill or scale they share changed), and the results once applied."""

    document: FrameworkDocument
    role: str
    created: bool
    diff: RoleDiff
    following: list[str]
    results: list[RoleImportResult]


def _by_key(current: Sequence[_K], new: Sequence[_K], key: Callable[[_K], str]) -> tuple[_K, ...]:
    """``current`` with the items of ``new`` in place of those of the same key, new ones last."""
    replaced = {key(item): item for item in new}
    kept = [replaced.pop(key(item), item) for item in current]
    return (*kept, *replaced.values())


def _over_framework(current: FrameworkDocument, sheet: FrameworkDocument) -> FrameworkDocument:
    """An existing framework with a spreadsheet's role (and its skills and scale) put in."""
    role = sheet.roles[0]
    existing = next((r for r in current.roles if r.slug == role.slug), None)
    merged = (
        sheet_over_role(existing, role)
        if existing is not None
        else replace(role, framework=current.framework)
    )
    declared = {skill.slug: skill for skill in current.skills}
    skills = [
        replace(
            declared[skill.slug],
            scale=skill.scale,
            steps=declared[skill.slug].steps if declared[skill.slug].scale == skill.scale else {},
        )
        if skill.slug in declared
        else skill
        for skill in sheet.skills
    ]
    return FrameworkDocument(
        framework=current.framework,
        scales=_by_key(current.scales, sheet.scales, lambda scale: scale.slug),
        tracks=current.tracks,
        domains={**sheet.domains, **current.domains},
        skills=_by_key(current.skills, skills, lambda skill: skill.slug),
        roles=_by_key(current.roles, [merged], lambda state: state.slug),
    )


def _following(current: FrameworkDocument, merged: FrameworkDocument, slug: str) -> list[str]:
    """The other roles of the framework that show a shared part the import changes."""
    before = {s.slug: s for s in current.skills} | {f"scale:{s.slug}": s for s in current.scales}
    after = {s.slug: s for s in merged.skills} | {f"scale:{s.slug}": s for s in merged.scales}
    changed = {key for key, item in after.items() if key in before and before[key] != item}
    return [
        role.slug
        for role in current.roles
        if role.slug != slug
        and any(s.slug in changed or f"scale:{s.scale}" in changed for s in role.skills)
    ]


def sheet_import(
    *, document: dict[str, Any], author: Author = None, apply: bool = False
) -> SheetImport:
    """Import a spreadsheet's v2 document (:func:`roles.spreadsheet.spreadsheet_document`)
    into its framework: with ``apply=False`` only say what it would do. Over an existing role,
    the sheet changes what it holds and keeps what it cannot (``sheet_over_role``); other
    roles of the framework keep theirs. Raises :class:`RoleDocumentError`."""
    sheet = parse_framework_document(document)
    framework = Framework.objects.filter(slug=sheet.framework.slug).first()
    if framework is not None and framework.slug == SITE_FRAMEWORK:
        raise RoleDocumentError(
            "$.framework.slug",
            "the site's own framework takes role files and the matrix editor, not spreadsheets",
        )
    current = framework_document_state(framework=framework) if framework else None
    merged = _over_framework(current, sheet) if current is not None else sheet
    slug = sheet.roles[0].slug
    old = next((r for r in (current.roles if current else ()) if r.slug == slug), None)
    target = next(r for r in merged.roles if r.slug == slug)
    empty = RoleState(slug=slug, title=target.title, family=target.family, family_name="")
    results = framework_import(document=merged, author=author) if apply else []
    return SheetImport(
        document=merged,
        role=slug,
        created=old is None,
        diff=role_diff(old or empty, target),
        following=_following(current, merged, slug) if current is not None else [],
        results=results,
    )


def document_import(
    *,
    raw: str | bytes | dict[str, Any],
    author: Author = None,
    source: str = RoleVersion.Source.IMPORT,
) -> list[RoleImportResult]:
    """Import a document of either format (v1: one role; v2: a framework and its roles), all
    or nothing; raises :class:`RoleDocumentError` naming the JSON path of the first problem."""
    document = parse_document(raw)
    if isinstance(document, FrameworkDocument):
        return framework_import(document=document, author=author, source=source)
    return [role_import(raw=raw, author=author, source=source)]


@transaction.atomic
def role_delete(*, role: Role) -> None:
    """Delete a role with its levels, matrix and versions (global skills stay)."""
    role.delete()
    role_cache_forget(role.slug)


def slug_for_name(name: str) -> str:
    """The slug a new skill or domain named ``name`` gets (as in a role file)."""
    slug = slugify(name.strip())[:100]
    if not slug:
        raise RoleChangeError(f"{name!r} gives an empty slug: use letters or digits")
    return slug


def changes_for_cells(cells: Iterable[tuple[str, str, Cell | None]]) -> list[Change]:
    """Changes setting each ``(skill, level, cell)`` exactly (code, mandatory and details)."""
    changes: list[Change] = []
    for skill, level, cell in cells:
        if cell is None:
            changes.append(SetRequirement(skill=skill, level=level, code=None))
            continue
        changes.append(
            SetRequirement(skill=skill, level=level, code=cell.code, mandatory=cell.mandatory)
        )
        changes.append(SetDetails(skill=skill, level=level, text=cell.details))
    return changes
