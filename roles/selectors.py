"""Reads of the roles domain. Each selector owns its queries and says how many it makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from roles.document import CODE_LEGEND, FORMAT
from roles.models import (
    CODE_RANKS,
    Level,
    Requirement,
    Role,
    RoleFamily,
    RoleSkill,
    RoleVersion,
)


@dataclass
class MatrixCell:
    level: Level
    requirement: Requirement | None

    @property
    def code(self) -> str | None:
        return self.requirement.code if self.requirement else None

    @property
    def rank(self) -> int:
        return CODE_RANKS[self.requirement.code] if self.requirement else 0


@dataclass
class MatrixRow:
    role_skill: RoleSkill
    cells: list[MatrixCell]

    @property
    def skill(self):  # noqa: ANN201 - a Skill
        return self.role_skill.skill


@dataclass
class MatrixDomain:
    domain: Any  # SkillDomain
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class RoleMatrix:
    """A role with its levels and its matrix, grouped by domain in the role's order."""

    role: Role
    levels: list[Level]
    domains: list[MatrixDomain]

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for domain in self.domains for row in domain.rows]

    @property
    def skill_count(self) -> int:
        return sum(len(domain.rows) for domain in self.domains)

    @property
    def requirements(self) -> list[Requirement]:
        return [cell.requirement for row in self.rows for cell in row.cells if cell.requirement]

    @property
    def mandatory_count(self) -> int:
        return sum(1 for requirement in self.requirements if requirement.is_mandatory)

    def row(self, skill_slug: str) -> MatrixRow | None:
        return next((row for row in self.rows if row.skill.slug == skill_slug), None)

    def level(self, level_code: str) -> Level | None:
        return next((level for level in self.levels if level.code == level_code), None)


def role_queryset(*, include_unpublished: bool = False) -> QuerySet[Role]:
    roles = Role.objects.select_related("family")
    return roles if include_unpublished else roles.filter(is_published=True)


def role_get(*, slug: str, include_unpublished: bool = False) -> Role:
    """One role with its family (1 query); 404 when unknown or unpublished."""
    role = role_queryset(include_unpublished=include_unpublished).filter(slug=slug).first()
    if role is None:
        raise Http404(f"No role {slug!r}")
    return role


def role_matrix_for(role: Role) -> RoleMatrix:
    """The matrix of an already-fetched role, in 3 queries: levels, skills, requirements."""
    levels = list(Level.objects.filter(role=role).order_by("order"))
    role_skills = list(
        RoleSkill.objects.filter(role=role).select_related("skill", "domain").order_by("order")
    )
    requirements = Requirement.objects.filter(level__role=role).only(
        "id", "role_skill_id", "level_id", "code", "is_mandatory", "details"
    )
    by_cell = {(r.role_skill_id, r.level_id): r for r in requirements}
    domains: list[MatrixDomain] = []
    for role_skill in role_skills:
        if not domains or domains[-1].domain.pk != role_skill.domain_id:
            domains.append(MatrixDomain(domain=role_skill.domain))
        cells = [MatrixCell(level, by_cell.get((role_skill.pk, level.pk))) for level in levels]
        domains[-1].rows.append(MatrixRow(role_skill=role_skill, cells=cells))
    return RoleMatrix(role=role, levels=levels, domains=domains)


def role_matrix_get(*, slug: str, include_unpublished: bool = False) -> RoleMatrix:
    """A role and its whole matrix in 4 queries, whatever its size."""
    role = role_get(slug=slug, include_unpublished=include_unpublished)
    return role_matrix_for(role)


def _cell_document(requirement: Requirement | None) -> str | dict[str, Any] | None:
    if requirement is None:
        return None
    if requirement.is_mandatory and not requirement.details:
        return requirement.code
    cell: dict[str, Any] = {"code": requirement.code}
    if not requirement.is_mandatory:
        cell["mandatory"] = False
    if requirement.details:
        cell["details"] = requirement.details
    return cell


def role_document_build(matrix: RoleMatrix) -> dict[str, Any]:
    """The §4 document of a role as it is now (no queries beyond those of the matrix)."""
    role = matrix.role
    role_part: dict[str, Any] = {"slug": role.slug, "title": role.title, "tagline": role.tagline}
    if role.description:
        role_part["description"] = role.description
    role_part["key_domains"] = list(role.key_domains)
    domains = []
    for group in matrix.domains:
        skills = []
        for row in group.rows:
            skill: dict[str, Any] = {"name": row.skill.name, "slug": row.skill.slug}
            if row.skill.description:
                skill["description"] = row.skill.description
            skill["requirements"] = {
                cell.level.code: _cell_document(cell.requirement) for cell in row.cells
            }
            skills.append(skill)
        domains.append({"name": group.domain.name, "slug": group.domain.slug, "skills": skills})
    return {
        "format": FORMAT,
        "family": {"slug": role.family.slug, "name": role.family.name},
        "role": role_part,
        "levels": [
            {
                "code": level.code,
                "name": level.name,
                "short": level.short_name,
                "focus": level.focus,
                "stack": list(level.stack),
            }
            for level in matrix.levels
        ],
        "codes": [dict(entry) for entry in CODE_LEGEND],
        "domains": domains,
    }


def role_document_get(*, slug: str) -> dict[str, Any]:
    """The current §4 document of any role, published or not (4 queries)."""
    return role_document_build(role_matrix_get(slug=slug, include_unpublished=True))


def family_list_with_roles(*, search: str = "") -> list[RoleFamily]:
    """Families that have published roles matching ``search`` (title, tagline or a skill name),
    each with ``matching_roles`` annotated with skill and level counts. 2 queries."""
    roles = Role.objects.filter(is_published=True)
    if search:
        roles = roles.filter(
            Q(title__icontains=search)
            | Q(tagline__icontains=search)
            | Q(role_skills__skill__name__icontains=search)
        ).distinct()
    roles = roles.annotate(
        skill_count=Count("role_skills", distinct=True),
        level_count=Count("levels", distinct=True),
    ).order_by("title")
    return list(
        RoleFamily.objects.filter(roles__in=roles)
        .distinct()
        .order_by("name")
        .prefetch_related(Prefetch("roles", queryset=roles, to_attr="matching_roles"))
    )


def role_version_list(*, role: Role) -> QuerySet[RoleVersion]:
    return RoleVersion.objects.filter(role=role).select_related("author").order_by("-number")


def role_version_get(*, role: Role, number: int) -> RoleVersion:
    version = RoleVersion.objects.filter(role=role, number=number).select_related("author").first()
    if version is None:
        raise Http404(f"No version {number} of {role.slug!r}")
    return version
