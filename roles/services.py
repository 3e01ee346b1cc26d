"""Writes of the roles domain. Every change to a role's content ends in a new version."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from roles.document import CODES, RoleDocument, RoleDocumentError, parse_role_document
from roles.models import (
    Level,
    Requirement,
    Role,
    RoleFamily,
    RoleSkill,
    RoleVersion,
    Skill,
    SkillDomain,
)
from roles.selectors import role_cache_key, role_document_build, role_matrix_for


class RoleChangeError(ValueError):
    """A change to a role that the domain refuses (the message says why)."""


@dataclass(frozen=True)
class RoleImportResult:
    role: Role
    version: RoleVersion
    created: bool


@dataclass(frozen=True)
class CellChange:
    """The new content of one cell; ``code=None`` empties it."""

    skill_slug: str
    level_code: str
    code: str | None
    mandatory: bool = True
    details: str = ""


def _clean(instance: Any, **kwargs: Any) -> None:
    # Uniqueness is left to the database constraints (one query per row would make an import of
    # 280 cells slow); field validation still runs here.
    instance.full_clean(validate_unique=False, validate_constraints=False, **kwargs)


def _lock_role(role: Role) -> Role:
    return Role.objects.select_for_update().select_related("family").get(pk=role.pk)


def role_cache_forget(*slugs: str) -> None:
    """Drop cached copies of these roles, now and again once the transaction commits (so a
    request that read the old row in between cannot leave it cached)."""
    keys = [role_cache_key(slug) for slug in slugs]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def role_version_record(
    *,
    role: Role,
    source: str,
    author: User | None = None,
    message: str = "",
) -> RoleVersion:
    """Snapshot the role as it is now and move its version number on by one.

    Call inside the transaction that changed the role, after locking it.
    """
    snapshot = role_document_build(role_matrix_for(role))
    Role.objects.filter(pk=role.pk).update(current_version=F("current_version") + 1)
    role_cache_forget(role.slug)
    role.refresh_from_db(fields=["current_version", "updated_at"])
    version = RoleVersion(
        role=role,
        number=role.current_version,
        snapshot=snapshot,
        source=source,
        message=message[:500],
        author=author if author is not None and author.is_authenticated else None,
    )
    _clean(version, exclude=["role", "author"])
    version.save()
    return version


def _sync_levels(role: Role, document: RoleDocument) -> dict[str, Level]:
    existing = {level.code: level for level in Level.objects.filter(role=role)}
    wanted = {level.code for level in document.levels}
    Level.objects.filter(role=role).exclude(code__in=wanted).delete()
    # Move kept levels out of the way first so the new order never collides with the old one.
    offset = len(existing) + len(document.levels) + 1
    Level.objects.filter(role=role).update(order=F("order") + offset)
    levels: dict[str, Level] = {}
    for order, data in enumerate(document.levels):
        level = existing.get(data.code) or Level(role=role, code=data.code)
        level.name = data.name
        level.short_name = data.short
        level.order = order
        level.focus = data.focus
        level.stack = data.stack
        _clean(level, exclude=["role"])
        level.save()
        levels[data.code] = level
    return levels


def _get_or_create_by_slug(model: type[Any], wanted: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Global rows (skills, domains) by slug; existing ones are shared and left unchanged."""
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=wanted)}
    missing = [model(slug=slug, **fields) for slug, fields in wanted.items() if slug not in found]
    for obj in missing:
        _clean(obj)
    # Another import may create the same global row concurrently: let the database decide.
    model.objects.bulk_create(missing, ignore_conflicts=True)
    found.update(
        {obj.slug: obj for obj in model.objects.filter(slug__in=[m.slug for m in missing])}
    )
    return found


def _sync_matrix(role: Role, document: RoleDocument, levels: dict[str, Level]) -> None:
    domains = _get_or_create_by_slug(
        SkillDomain, {d.slug: {"name": d.name} for d in document.domains}
    )
    skills = _get_or_create_by_slug(
        Skill,
        {
            s.slug: {"name": s.name, "description": s.description}
            for d in document.domains
            for s in d.skills
        },
    )
    # The matrix is replaced whole: cells are addressed by (skill, level), never by row id.
    RoleSkill.objects.filter(role=role).delete()
    role_skills: list[RoleSkill] = []
    cells: list[tuple[int, str, Any]] = []
    for domain in document.domains:
        for skill in domain.skills:
            role_skills.append(
                RoleSkill(
                    role=role,
                    skill=skills[skill.slug],
                    domain=domains[domain.slug],
                    order=len(role_skills),
                )
            )
            cells.extend(
                (len(role_skills) - 1, code, cell) for code, cell in skill.requirements.items()
            )
    RoleSkill.objects.bulk_create(role_skills)
    requirements = [
        Requirement(
            role_skill=role_skills[index],
            level=levels[code],
            code=cell.code,
            is_mandatory=cell.mandatory,
            details=cell.details,
        )
        for index, code, cell in cells
    ]
    for requirement in requirements:
        _clean(requirement, exclude=["role_skill", "level"])
    Requirement.objects.bulk_create(requirements)


@transaction.atomic
def role_import(
    *,
    raw: str | bytes | dict[str, Any],
    author: User | None = None,
    source: str = RoleVersion.Source.IMPORT,
) -> RoleImportResult:
    """Import a ``skillsmatrix.role/v1`` document, all or nothing.

    The whole document is validated before the first write. An existing role (same slug) is
    updated in place and gets a new version; shared skills and domains are reused as they are.
    Raises :class:`RoleDocumentError` naming the JSON path of the first problem.
    """
    document = parse_role_document(raw)
    family, _ = RoleFamily.objects.get_or_create(
        slug=document.family_slug, defaults={"name": document.family_name}
    )
    # get_or_create settles two imports racing to create the same role (the loser of the
    # insert reads the winner's row); the lock then makes them take turns.
    role, created = Role.objects.get_or_create(
        slug=document.slug,
        defaults={"family": family, "title": document.title, "tagline": document.tagline},
    )
    role = Role.objects.select_for_update().get(pk=role.pk)
    role.family = family
    role.title = document.title
    role.tagline = document.tagline
    role.description = document.description
    role.key_domains = document.key_domains
    try:
        _clean(role, exclude=["family"])
    except ValidationError as exc:
        raise RoleDocumentError("$.role", "; ".join(exc.messages)) from None
    role.save()
    try:
        levels = _sync_levels(role, document)
        _sync_matrix(role, document, levels)
    except ValidationError as exc:
        raise RoleDocumentError("$", "; ".join(exc.messages)) from None
    version = role_version_record(role=role, source=source, author=author, message="Imported")
    return RoleImportResult(role=role, version=version, created=created)


@transaction.atomic
def role_update(
    *,
    role: Role,
    author: User | None,
    fields: dict[str, Any],
    message: str = "",
) -> RoleVersion:
    """Change a role's own fields (title, tagline, …) and record a version."""
    locked = _lock_role(role)
    editable = {"family", "title", "tagline", "description", "key_domains", "is_published", "slug"}
    unknown = set(fields) - editable
    if unknown:
        raise RoleChangeError(f"Not editable: {', '.join(sorted(unknown))}")
    old_slug = locked.slug
    for name, value in fields.items():
        setattr(locked, name, value)
    _clean(locked)
    locked.save(update_fields=[*fields, "updated_at"])
    role_cache_forget(old_slug)
    return role_version_record(
        role=locked, source=RoleVersion.Source.ADMIN, author=author, message=message
    )


@transaction.atomic
def level_update(
    *,
    level: Level,
    author: User | None,
    fields: dict[str, Any],
) -> RoleVersion:
    """Change a level's name, short name, focus or stack and record a version of its role."""
    role = _lock_role(level.role)
    editable = {"name", "short_name", "focus", "stack"}
    unknown = set(fields) - editable
    if unknown:
        raise RoleChangeError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(level, name, value)
    _clean(level)
    level.save(update_fields=list(fields))
    return role_version_record(
        role=role,
        source=RoleVersion.Source.ADMIN,
        author=author,
        message=f"Edited level {level.code}",
    )


def _cell_set(
    role: Role, role_skills: dict[str, RoleSkill], levels: dict[str, Level], change: CellChange
) -> bool:
    """Apply one cell change; True when the cell actually changed."""
    role_skill = role_skills.get(change.skill_slug)
    if role_skill is None:
        raise RoleChangeError(f"{role.slug} has no skill {change.skill_slug!r}")
    level = levels.get(change.level_code)
    if level is None:
        raise RoleChangeError(f"{role.slug} has no level {change.level_code!r}")
    current = Requirement.objects.filter(role_skill=role_skill, level=level).first()
    if change.code is None:
        if current is None:
            return False
        current.delete()
        return True
    if change.code not in CODES:
        raise RoleChangeError(f"Code must be one of A, W, E, not {change.code!r}")
    if current is None:
        current = Requirement(role_skill=role_skill, level=level)
    elif (current.code, current.is_mandatory, current.details) == (
        change.code,
        change.mandatory,
        change.details,
    ):
        return False
    current.code = change.code
    current.is_mandatory = change.mandatory
    current.details = change.details
    _clean(current, exclude=["role_skill", "level"])
    current.save()
    return True


@transaction.atomic
def role_cells_update(
    *,
    role: Role,
    changes: Iterable[CellChange],
    author: User | None,
    source: str = RoleVersion.Source.ADMIN,
    message: str = "",
) -> RoleVersion | None:
    """Set several cells of a role's matrix at once; one version for the lot, none if nothing
    changed."""
    locked = _lock_role(role)
    role_skills = {
        rs.skill.slug: rs for rs in RoleSkill.objects.filter(role=locked).select_related("skill")
    }
    levels = {level.code: level for level in Level.objects.filter(role=locked)}
    changed = [_cell_set(locked, role_skills, levels, change) for change in changes]
    if not any(changed):
        return None
    return role_version_record(
        role=locked,
        source=source,
        author=author,
        message=message or f"Edited {sum(changed)} cell(s)",
    )


@transaction.atomic
def global_entry_update(
    *,
    entry: Skill | SkillDomain | RoleFamily,
    author: User | None,
    fields: dict[str, Any],
) -> list[RoleVersion]:
    """Rename (or re-describe) a global skill, domain or family; every role showing it gets a
    version, since its export changes."""
    editable = {"name", "description"} if isinstance(entry, Skill) else {"name"}
    unknown = set(fields) - editable
    if unknown:
        raise RoleChangeError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(entry, name, value)
    _clean(entry)
    entry.save(update_fields=list(fields))
    lookup: dict[str, Any] = {
        Skill: {"role_skills__skill": entry},
        SkillDomain: {"role_skills__domain": entry},
        RoleFamily: {"family": entry},
    }[type(entry)]
    roles = Role.objects.filter(**lookup).distinct().order_by("pk")
    return [
        role_version_record(
            role=_lock_role(role),
            source=RoleVersion.Source.ADMIN,
            author=author,
            message=f"Renamed {entry._meta.verbose_name} {entry.slug}",
        )
        for role in roles
    ]


def _shift_orders(role: Role, *, after: int, by: int) -> None:
    """Move every skill after position ``after`` by ``by`` places, in two steps so the unique
    (role, order) constraint holds after each statement."""
    later = RoleSkill.objects.filter(role=role, order__gt=after)
    bump = 1_000_000
    later.update(order=F("order") + bump)
    RoleSkill.objects.filter(role=role, order__gt=after + bump).update(order=F("order") - bump + by)


GlobalEntry = TypeVar("GlobalEntry", Skill, SkillDomain)


def _global_entry_named(model: type[GlobalEntry], name: str) -> GlobalEntry:
    """The global skill or domain a name stands for (by ``slugify(name)``, as in a role file),
    created when it does not exist yet."""
    name = name.strip()
    slug = slugify(name)[:100]
    if not slug:
        raise RoleChangeError(f"{name!r} gives an empty slug: use letters or digits")
    entry = model.objects.filter(slug=slug).first()
    if entry is None:
        entry = model(slug=slug, name=name)
        _clean(entry)
        entry.save()
    return entry


@transaction.atomic
def role_skill_add(
    *,
    role: Role,
    skill: Skill | str,
    domain: SkillDomain | str,
    cells: dict[str, tuple[str, bool, str]] | None = None,
    author: User | None,
    source: str = RoleVersion.Source.ADMIN,
    message: str = "",
) -> RoleVersion:
    """Add a skill to a role at the end of its domain (a new domain goes last), with optional
    cells ``{level_code: (code, mandatory, details)}``; records a version.

    ``skill`` and ``domain`` may be names: the global entry of that slug is reused or made, in
    the same transaction, so a refused addition leaves no stray skill behind.
    """
    locked = _lock_role(role)
    if isinstance(skill, str):
        skill = _global_entry_named(Skill, skill)
    if isinstance(domain, str):
        domain = _global_entry_named(SkillDomain, domain)
    if RoleSkill.objects.filter(role=locked, skill=skill).exists():
        raise RoleChangeError(f"{locked.slug} already has the skill {skill.slug!r}")
    in_domain = RoleSkill.objects.filter(role=locked, domain=domain).order_by("-order").first()
    last = RoleSkill.objects.filter(role=locked).order_by("-order").first()
    if in_domain is not None:
        position = in_domain.order + 1
        _shift_orders(locked, after=in_domain.order, by=1)
    else:
        position = last.order + 1 if last else 0
    role_skill = RoleSkill(role=locked, skill=skill, domain=domain, order=position)
    _clean(role_skill, exclude=["role", "skill", "domain"])
    role_skill.save()
    levels = {level.code: level for level in Level.objects.filter(role=locked)}
    for level_code, (code, mandatory, details) in (cells or {}).items():
        _cell_set(
            locked,
            {skill.slug: role_skill},
            levels,
            CellChange(skill.slug, level_code, code, mandatory, details),
        )
    return role_version_record(
        role=locked, source=source, author=author, message=message or f"Added {skill.slug}"
    )


@transaction.atomic
def role_skill_remove(
    *,
    role: Role,
    skill: Skill,
    author: User | None,
    source: str = RoleVersion.Source.ADMIN,
    message: str = "",
) -> RoleVersion:
    """Remove a skill (and its cells) from a role; the global skill stays. Records a version."""
    locked = _lock_role(role)
    role_skill = RoleSkill.objects.filter(role=locked, skill=skill).first()
    if role_skill is None:
        raise RoleChangeError(f"{locked.slug} has no skill {skill.slug!r}")
    role_skill.delete()
    _shift_orders(locked, after=role_skill.order, by=-1)
    return role_version_record(
        role=locked, source=source, author=author, message=message or f"Removed {skill.slug}"
    )


@transaction.atomic
def role_delete(*, role: Role) -> None:
    """Delete a role with its levels, matrix and versions (global skills stay)."""
    role.delete()
    role_cache_forget(role.slug)
