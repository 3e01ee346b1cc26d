"""Factories for the roles domain, and generators of role documents of any size."""

from __future__ import annotations

import json
from typing import Any

import factory

from roles.document import FORMAT
from roles.models import Level, Requirement, Role, RoleFamily, RoleSkill, Skill, SkillDomain


class RoleFamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleFamily
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"family-{n}")
    name = factory.Sequence(lambda n: f"Family {n}")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    family = factory.SubFactory(RoleFamilyFactory)
    slug = factory.Sequence(lambda n: f"role-{n}")
    title = factory.Sequence(lambda n: f"Role {n}")
    tagline = "A role for tests"


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level

    role = factory.SubFactory(RoleFactory)
    code = factory.Sequence(lambda n: f"level-{n}")
    name = factory.Sequence(lambda n: f"Level {n}")
    short_name = factory.Sequence(lambda n: f"L{n}")
    order = factory.Sequence(lambda n: n)
    focus = "Focus text"
    stack = factory.LazyFunction(lambda: ["Python"])


class SkillDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkillDomain

    slug = factory.Sequence(lambda n: f"domain-{n}")
    name = factory.Sequence(lambda n: f"Domain {n}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"Skill {n}")


class RoleSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleSkill

    role = factory.SubFactory(RoleFactory)
    skill = factory.SubFactory(SkillFactory)
    domain = factory.SubFactory(SkillDomainFactory)
    order = factory.Sequence(lambda n: n)


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    role_skill = factory.SubFactory(RoleSkillFactory)
    level = factory.SubFactory(LevelFactory, role=factory.SelfAttribute("..role_skill.role"))
    code = "W"


LADDER = ["A", "W", "W", "E", "E"]


def role_document(
    *,
    slug: str = "test-role",
    title: str = "Test Role",
    domains: int = 3,
    skills_per_domain: int = 4,
    levels: int = 5,
    skill_prefix: str = "skill",
) -> dict[str, Any]:
    """A valid ``skillsmatrix.role/v1`` document of any size, with some optional, detailed and
    empty cells so every kind of cell is exercised."""
    level_codes = [f"l{index + 1}" for index in range(levels)]
    document_domains = []
    for d in range(domains):
        skills = []
        for s in range(skills_per_domain):
            requirements: dict[str, Any] = {}
            for index, code in enumerate(level_codes):
                value: Any = LADDER[min(index, len(LADDER) - 1)]
                if s % 5 == 1 and index == 0:
                    value = None
                elif s % 5 == 2:
                    value = {"code": value, "mandatory": False}
                elif s % 5 == 3 and index == 1:
                    value = {"code": value, "details": f"Details <b>{d}.{s}</b>"}
                requirements[code] = value
            skills.append({"name": f"{skill_prefix.title()} {d}-{s}", "requirements": requirements})
        document_domains.append({"name": f"Domain {d}", "skills": skills})
    return {
        "format": FORMAT,
        "family": {"slug": "test-family", "name": "Test Family"},
        "role": {
            "slug": slug,
            "title": title,
            "tagline": "A generated role",
            "key_domains": ["Domain 0"],
        },
        "levels": [
            {
                "code": code,
                "name": f"Level {index + 1}",
                "short": f"L{index + 1}",
                "focus": f"Focus of level {index + 1}",
                "stack": [f"Tool {index + 1}"],
            }
            for index, code in enumerate(level_codes)
        ],
        "domains": document_domains,
    }


def big_role_document(slug: str = "big-role") -> dict[str, Any]:
    """Three times the seed: 42 domains, 168 skills, 5 levels (840 cells)."""
    return role_document(slug=slug, title="Big Role", domains=42, skills_per_domain=4)


# Raw JSON that ``json.loads`` alone turns into a traceback or into text nothing can store,
# each with the problem the import must report (at ``$.role.description``).
HOSTILE_VALUES = {
    "deep nesting": ("[" * 5000 + "]" * 5000, "nested deeper than"),
    "huge number": ("1" * 5000, "number too long"),
    "NUL": ('"a\\u0000b"', "NUL character"),
    "lone surrogate": ('"\\ud800"', "lone surrogate"),
}


def hostile_document_text(value: str, slug: str = "hostile") -> str:
    """A valid document whose ``role.description`` is the raw JSON ``value``."""
    document = role_document(slug=slug)
    document["role"]["description"] = "@@"
    return json.dumps(document).replace('"@@"', value)


def fragments_cold_again(client: Any, url: str, role: Any) -> None:
    """View ``url`` once (what a page keeps beside its fragments is then cached: the cells with
    open proposals, the member's unread count), then move the role's update time on so that its
    fragments miss again: the next view renders the page as a first visitor of a version does."""
    from datetime import timedelta

    from roles.models import Role

    client.get(url)
    Role.objects.filter(pk=role.pk).update(updated_at=role.updated_at + timedelta(seconds=1))
