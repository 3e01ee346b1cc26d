from __future__ import annotations

import copy

import pytest

from roles.document import RoleDocumentError, dumps_role_document, parse_role_document
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
from roles.selectors import role_document_get
from roles.services import (
    CellChange,
    RoleChangeError,
    global_entry_update,
    level_update,
    role_cells_update,
    role_import,
    role_update,
)
from roles.tests.factories import role_document

pytestmark = pytest.mark.django_db


def _table_counts() -> dict[str, int]:
    models = [RoleFamily, Role, Level, SkillDomain, Skill, RoleSkill, Requirement, RoleVersion]
    return {model.__name__: model._default_manager.count() for model in models}


def test_seed_import_has_the_seed_shape(seed_role, seed_document):
    assert _table_counts() == {
        "RoleFamily": 1,
        "Role": 1,
        "Level": 5,
        "SkillDomain": 13,
        "Skill": 56,
        "RoleSkill": 56,
        "Requirement": 280,
        "RoleVersion": 1,
    }
    expected = {
        (skill["name"], level): code
        for domain in seed_document["domains"]
        for skill in domain["skills"]
        for level, code in skill["requirements"].items()
    }
    stored = {
        (r.role_skill.skill.name, r.level.code): r.code
        for r in Requirement.objects.select_related("role_skill__skill", "level")
    }
    assert stored == expected
    assert seed_role.current_version == 1


def test_export_equals_the_seed_by_meaning(seed_role, seed_document):
    exported = role_document_get(slug="mlops-engineer")
    assert parse_role_document(exported) == parse_role_document(seed_document)


def test_export_import_export_is_byte_identical(db):
    role_import(raw=role_document(slug="mixed"))
    first = dumps_role_document(role_document_get(slug="mixed"))
    role_import(raw=first)
    second = dumps_role_document(role_document_get(slug="mixed"))
    assert first == second
    assert '"mandatory": false' in first
    assert '"details": "Details <b>0.3</b>"' in first
    assert "null" in first


def test_reimport_makes_a_new_version_without_duplicate_rows(seed_role, seed_document):
    before = _table_counts()
    result = role_import(raw=seed_document)
    after = _table_counts()
    assert result.created is False
    assert result.version.number == 2
    assert result.role.current_version == 2
    assert after == {**before, "RoleVersion": 2}
    assert list(RoleVersion.objects.values_list("number", flat=True)) == [2, 1]


def test_reimport_applies_changes(seed_role, seed_document):
    document = copy.deepcopy(seed_document)
    document["levels"] = document["levels"][:3]  # drop Lead and Principal
    document["levels"][0]["focus"] = "New focus"
    for domain in document["domains"]:
        for skill in domain["skills"]:
            skill["requirements"] = {
                k: v
                for k, v in skill["requirements"].items()
                if k in {"junior", "middle", "senior"}
            }
    document["domains"][0]["skills"][0]["requirements"]["junior"] = {
        "code": "W",
        "mandatory": False,
        "details": "Use it daily",
    }
    role_import(raw=document)
    assert list(Level.objects.filter(role=seed_role).values_list("code", flat=True)) == [
        "junior",
        "middle",
        "senior",
    ]
    assert Level.objects.get(role=seed_role, code="junior").focus == "New focus"
    assert Requirement.objects.filter(level__role=seed_role).count() == 168
    cell = Requirement.objects.get(role_skill__skill__slug="github-copilot", level__code="junior")
    assert (cell.code, cell.is_mandatory, cell.details) == ("W", False, "Use it daily")


def test_reimport_can_reorder_levels(db):
    document = role_document(slug="reorder", levels=3)
    role_import(raw=document)
    document["levels"].reverse()
    role_import(raw=document)
    assert list(
        Level.objects.filter(role__slug="reorder").order_by("order").values_list("code", flat=True)
    ) == ["l3", "l2", "l1"]


def test_second_role_sharing_skills_leaves_the_first_unchanged(seed_role, seed_document):
    before = dumps_role_document(role_document_get(slug="mlops-engineer"))
    other = copy.deepcopy(seed_document)
    other["role"] = {**other["role"], "slug": "data-engineer", "title": "Data Engineer"}
    other["domains"] = other["domains"][:2]
    other["domains"][0]["skills"][0]["name"] = "GitHub Copilot (renamed)"
    other["domains"][0]["skills"][0]["slug"] = "github-copilot"
    other["domains"][0]["skills"][0]["requirements"] = {"junior": "E"}
    role_import(raw=other)
    assert Skill.objects.count() == 56  # shared by slug, not duplicated
    assert Role.objects.count() == 2
    assert dumps_role_document(role_document_get(slug="mlops-engineer")) == before
    assert Skill.objects.get(slug="github-copilot").name == "GitHub Copilot"


def test_bad_document_writes_nothing(seed_role, seed_document):
    before = _table_counts()
    exported = dumps_role_document(role_document_get(slug="mlops-engineer"))
    document = copy.deepcopy(seed_document)
    document["role"]["title"] = "Changed"
    document["domains"][12]["skills"][1]["requirements"]["lead"] = "X"
    with pytest.raises(RoleDocumentError, match=r"\$\.domains\[12\]\.skills\[1\]"):
        role_import(raw=document)
    assert _table_counts() == before
    assert dumps_role_document(role_document_get(slug="mlops-engineer")) == exported


@pytest.mark.django_db(transaction=True)
def test_failure_while_writing_rolls_everything_back(seed_document, monkeypatch):
    role_import(raw=seed_document)
    before = _table_counts()
    exported = dumps_role_document(role_document_get(slug="mlops-engineer"))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Requirement.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        role_import(raw=seed_document)
    assert _table_counts() == before
    assert dumps_role_document(role_document_get(slug="mlops-engineer")) == exported


def test_cells_update_records_one_version(seed_role, admin):
    version = role_cells_update(
        role=seed_role,
        author=admin,
        changes=[
            CellChange("docker", "senior", "E", mandatory=False, details="Multi-stage builds"),
            CellChange("redis", "junior", None),
        ],
    )
    assert version is not None
    assert (version.number, version.author, version.source) == (2, admin, "admin")
    docker = version.snapshot["domains"][4]["skills"][0]
    assert docker["name"] == "Docker"
    assert docker["requirements"]["senior"] == {
        "code": "E",
        "mandatory": False,
        "details": "Multi-stage builds",
    }
    assert not Requirement.objects.filter(
        role_skill__skill__slug="redis", level__code="junior"
    ).exists()


def test_cells_update_without_a_change_records_nothing(seed_role, admin):
    assert (
        role_cells_update(
            role=seed_role, author=admin, changes=[CellChange("docker", "senior", "A")]
        )
        is None
    )
    assert RoleVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (CellChange("nope", "senior", "A"), "no skill 'nope'"),
        (CellChange("docker", "staff", "A"), "no level 'staff'"),
        (CellChange("docker", "senior", "Q"), "one of A, W, E"),
    ],
)
def test_cells_update_refuses_bad_changes(seed_role, admin, change, message):
    with pytest.raises(RoleChangeError, match=message):
        role_cells_update(
            role=seed_role, author=admin, changes=[CellChange("docker", "junior", "E"), change]
        )
    # The good change before the bad one was rolled back with it.
    assert (
        Requirement.objects.get(role_skill__skill__slug="docker", level__code="junior").code == "A"
    )
    assert RoleVersion.objects.count() == 1


def test_role_and_level_updates_are_versioned(seed_role, admin):
    role_update(role=seed_role, author=admin, fields={"tagline": "New tagline"})
    level_update(
        level=Level.objects.get(role=seed_role, code="lead"),
        author=admin,
        fields={"stack": ["Kubeflow", "Ray"]},
    )
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.number == 3
    assert latest.snapshot["role"]["tagline"] == "New tagline"
    assert latest.snapshot["levels"][3]["stack"] == ["Kubeflow", "Ray"]


def test_role_update_refuses_unknown_fields(seed_role, admin):
    with pytest.raises(RoleChangeError, match="current_version"):
        role_update(role=seed_role, author=admin, fields={"current_version": 99})


def test_renaming_a_skill_versions_every_role_that_shows_it(seed_role, seed_document, admin):
    other = role_document(slug="other", domains=1, skills_per_domain=1)
    other["domains"][0]["skills"][0]["slug"] = "docker"
    role_import(raw=other)
    versions = global_entry_update(
        entry=Skill.objects.get(slug="docker"), author=admin, fields={"name": "Docker Engine"}
    )
    assert sorted(v.role.slug for v in versions) == ["mlops-engineer", "other"]
    assert "Docker Engine" in dumps_role_document(role_document_get(slug="mlops-engineer"))


def test_cached_role_follows_every_change(seed_role, admin, django_assert_num_queries):
    from django.http import Http404

    from roles.selectors import role_get
    from roles.services import role_delete

    assert role_get(slug="mlops-engineer").current_version == 1
    with django_assert_num_queries(0):  # now from the cache
        role_get(slug="mlops-engineer")

    role_cells_update(role=seed_role, author=admin, changes=[CellChange("docker", "lead", "W")])
    assert role_get(slug="mlops-engineer").current_version == 2

    role_update(role=seed_role, author=admin, fields={"is_published": False})
    with pytest.raises(Http404):
        role_get(slug="mlops-engineer")
    role_update(role=seed_role, author=admin, fields={"is_published": True, "slug": "mlops"})
    with pytest.raises(Http404):
        role_get(slug="mlops-engineer")
    assert role_get(slug="mlops").title == "MLOps Engineer"

    role_delete(role=Role.objects.get(slug="mlops"))
    with pytest.raises(Http404):
        role_get(slug="mlops")


def test_renaming_a_family_versions_its_roles(seed_role, admin):
    from roles.selectors import role_get

    role_get(slug="mlops-engineer")  # cached with its family
    versions = global_entry_update(
        entry=seed_role.family, author=admin, fields={"name": "Machine Learning"}
    )
    assert [v.snapshot["family"]["name"] for v in versions] == ["Machine Learning"]
    assert role_get(slug="mlops-engineer").family.name == "Machine Learning"
