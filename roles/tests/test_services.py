from __future__ import annotations

import copy
import json

import pytest

from roles.changes.errors import ChangeError
from roles.changes.state import Cell
from roles.changes.types import (
    AddSkill,
    RemoveLevel,
    RemoveSkill,
    SetDetails,
    SetRequirement,
    SetRoleField,
    SetStack,
)
from roles.document import RoleDocumentError, dumps_role_document, parse_role_document
from roles.errors import ChangeConflict, RoleChangeError, RoleNotFound
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
    global_entry_update,
    role_change_apply,
    role_import,
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


def test_reimporting_the_same_document_makes_no_version(seed_role, seed_document):
    before = _table_counts()
    result = role_import(raw=seed_document)
    assert result.created is False
    assert result.version is None
    assert result.role.current_version == 1
    assert _table_counts() == before


def test_reimport_of_a_changed_document_makes_one_version_without_duplicate_rows(
    seed_role, seed_document
):
    before = _table_counts()
    seed_document["levels"][0]["focus"] = "Something else"
    result = role_import(raw=seed_document)
    assert result.version.number == 2
    assert result.role.current_version == 2
    assert _table_counts() == {**before, "RoleVersion": 2}
    assert result.version.changes == [
        {"op": "set_focus", "level": "junior", "text": "Something else"}
    ]


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
    result = role_import(raw=other)
    assert result.differences == [
        "skill 'github-copilot': the document's name 'GitHub Copilot (renamed)' differs from the "
        "shared skill's 'GitHub Copilot', which is kept"
    ]
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
    seed_document["role"]["title"] = "Changed"
    seed_document["domains"][0]["skills"].append({"name": "New", "requirements": {"junior": "A"}})
    with pytest.raises(RuntimeError):
        role_import(raw=seed_document)
    assert _table_counts() == before
    assert dumps_role_document(role_document_get(slug="mlops-engineer")) == exported


def _apply(role, *changes, author=None, **kwargs):
    return role_change_apply(
        role=role, changes=list(changes), author=author, source="admin", **kwargs
    )


def test_cells_update_records_one_version(seed_role, admin):
    version = _apply(
        seed_role,
        SetRequirement(skill="docker", level="senior", code="E", mandatory=False),
        SetDetails(skill="docker", level="senior", text="Multi-stage builds"),
        SetRequirement(skill="redis", level="junior", code=None),
        author=admin,
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
    assert sorted((c["skill"], c["level"], c["old"], c["new"]) for c in version.changed_cells) == [
        (
            "docker",
            "senior",
            {"code": "A", "mandatory": True, "details": ""},
            {"code": "E", "mandatory": False, "details": "Multi-stage builds"},
        ),
        ("redis", "junior", {"code": "A", "mandatory": True, "details": ""}, None),
    ]
    assert version.changes[0] == {
        "op": "set_requirement",
        "skill": "docker",
        "level": "senior",
        "code": "E",
        "mandatory": False,
    }
    assert "cell:docker:senior" in version.places


def test_a_version_records_old_and_new_of_the_cells_of_added_and_removed_skills_and_levels(db):
    # l1 and l2; skill-0-0 asks A then W, skill-0-1 nothing then W.
    role = role_import(
        raw=role_document(slug="small", domains=1, skills_per_domain=2, levels=2)
    ).role

    version = _apply(
        role,
        RemoveLevel(level="l1"),
        RemoveSkill(skill="skill-0-1"),
        AddSkill(
            skill="new-skill",
            name="New Skill",
            domain="domain-0",
            requirements={"l2": Cell(code="E", mandatory=False, details="Deep")},
        ),
    )

    # The new state's skills and levels first, then what was removed; names as they were.
    assert version.changed_cells == [
        {
            "skill": "skill-0-0",
            "skill_name": "Skill 0-0",
            "level": "l1",
            "level_name": "Level 1",
            "old": {"code": "A", "mandatory": True, "details": ""},
            "new": None,
        },
        {
            "skill": "new-skill",
            "skill_name": "New Skill",
            "level": "l2",
            "level_name": "Level 2",
            "old": None,
            "new": {"code": "E", "mandatory": False, "details": "Deep"},
        },
        {
            "skill": "skill-0-1",
            "skill_name": "Skill 0-1",
            "level": "l2",
            "level_name": "Level 2",
            "old": {"code": "W", "mandatory": True, "details": ""},
            "new": None,
        },
    ]


def test_cells_update_without_a_change_records_nothing(seed_role, admin):
    assert _apply(seed_role, SetRequirement(skill="docker", level="senior", code="A")) is None
    assert _apply(seed_role) is None
    assert RoleVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            SetRequirement(skill="nope", level="senior", code="A"),
            "changes[1].skill: no skill 'nope' in role 'mlops-engineer'",
        ),
        (
            SetRequirement(skill="docker", level="staff", code="A"),
            "changes[1].level: no level 'staff' in role 'mlops-engineer'",
        ),
        (
            AddSkill(skill="docker", domain="containers"),
            "changes[1].skill: role 'mlops-engineer' already has the skill 'docker'",
        ),
    ],
)
def test_cells_update_refuses_bad_changes(seed_role, admin, change, message):
    with pytest.raises(ChangeError) as caught:
        _apply(seed_role, SetRequirement(skill="docker", level="junior", code="E"), change)
    assert str(caught.value).startswith(message)
    # The good change before the bad one was rolled back with it.
    assert (
        Requirement.objects.get(role_skill__skill__slug="docker", level__code="junior").code == "A"
    )
    assert RoleVersion.objects.count() == 1


def test_role_and_level_updates_are_versioned(seed_role, admin):
    _apply(seed_role, SetRoleField(field="tagline", value="New tagline"), author=admin)
    _apply(seed_role, SetStack(level="lead", items=("Kubeflow", "Ray")), author=admin)
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.number == 3
    assert latest.snapshot["role"]["tagline"] == "New tagline"
    assert latest.snapshot["levels"][3]["stack"] == ["Kubeflow", "Ray"]


def test_renaming_a_skill_versions_every_role_that_shows_it(seed_role, seed_document, admin):
    other = role_document(slug="other", domains=1, skills_per_domain=1)
    other["domains"][0]["skills"][0]["slug"] = "docker"
    role_import(raw=other)
    versions = global_entry_update(
        entry=Skill.objects.get(slug="docker"), author=admin, fields={"name": "Docker Engine"}
    )
    assert sorted(v.role.slug for v in versions) == ["mlops-engineer", "other"]
    assert [v.changes[0]["op"] for v in versions] == ["rename_skill", "rename_skill"]
    assert "Docker Engine" in dumps_role_document(role_document_get(slug="mlops-engineer"))
    assert "Docker Engine" in dumps_role_document(role_document_get(slug="other"))
    # The same name again changes nothing and records nothing.
    again = global_entry_update(
        entry=Skill.objects.get(slug="docker"), author=admin, fields={"name": "Docker Engine"}
    )
    assert again == []
    assert RoleVersion.objects.filter(role=seed_role).count() == 2


def test_cached_role_follows_every_change(seed_role, admin, django_assert_num_queries):
    from roles.selectors import role_get
    from roles.services import role_delete

    assert role_get(slug="mlops-engineer").current_version == 1
    with django_assert_num_queries(0):  # now from the cache
        role_get(slug="mlops-engineer")

    _apply(seed_role, SetRequirement(skill="docker", level="lead", code="W"))
    assert role_get(slug="mlops-engineer").current_version == 2

    _apply(seed_role, SetRoleField(field="is_published", value=False))
    with pytest.raises(RoleNotFound):
        role_get(slug="mlops-engineer")
    _apply(
        seed_role,
        SetRoleField(field="is_published", value=True),
        SetRoleField(field="slug", value="mlops"),
    )
    with pytest.raises(RoleNotFound):
        role_get(slug="mlops-engineer")
    assert role_get(slug="mlops").title == "MLOps Engineer"

    role_delete(role=Role.objects.get(slug="mlops"))
    with pytest.raises(RoleNotFound):
        role_get(slug="mlops")


def test_renaming_a_family_versions_its_roles(seed_role, admin):
    from roles.selectors import role_get

    role_get(slug="mlops-engineer")  # cached with its family
    versions = global_entry_update(
        entry=seed_role.family, author=admin, fields={"name": "Machine Learning"}
    )
    assert [v.snapshot["family"]["name"] for v in versions] == ["Machine Learning"]
    assert role_get(slug="mlops-engineer").family.name == "Machine Learning"


# --- conflicts -------------------------------------------------------------------------------


def test_a_change_set_from_an_old_version_conflicts_on_the_places_changed_since(seed_role):
    _apply(seed_role, SetRequirement(skill="docker", level="senior", code="W"))  # version 2
    _apply(seed_role, RemoveSkill(skill="redis"))  # version 3
    with pytest.raises(ChangeConflict) as caught:
        _apply(
            seed_role,
            SetRequirement(skill="docker", level="senior", code="E"),
            SetDetails(skill="redis", level="junior", text="Caching"),
            SetRequirement(skill="docker", level="lead", code="W"),
            base_version=1,
        )
    assert caught.value.conflicts == [("cell:docker:senior", 2), ("skill:redis", 3)]
    assert "cell:docker:senior (version 2)" in str(caught.value)
    # Nothing was written, not even the change that did not conflict.
    assert RoleVersion.objects.filter(role=seed_role).count() == 3
    cells = Requirement.objects.filter(role_skill__skill__slug="docker")
    assert {c.level.code: c.code for c in cells.select_related("level")}["lead"] == "E"
    # Against the latest version, or touching only other places, it applies.
    version = _apply(
        seed_role, SetRequirement(skill="docker", level="lead", code="W"), base_version=1
    )
    assert version.number == 4


def test_base_version_must_exist(seed_role):
    with pytest.raises(RoleChangeError, match="base version 7 does not exist"):
        _apply(seed_role, SetRequirement(skill="docker", level="lead", code="W"), base_version=7)


def test_a_version_records_the_proposal_it_applied(seed_role, member):
    version = role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="docker", level="lead", code="W")],
        author=member,
        source=RoleVersion.Source.PROPOSAL,
        message="Proposal #12",
        base_version=1,
        proposal=member,  # any saved model: roles keeps only its primary key
    )
    assert (version.source, version.proposal_id, version.message) == (
        "proposal",
        member.pk,
        "Proposal #12",
    )


# --- import without silent loss ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(weights={}), "$.weights"),
        (lambda d: d["family"].update(url="x"), "$.family.url"),
        (lambda d: d["role"].update(owner="x"), "$.role.owner"),
        (lambda d: d["levels"][1].update(years=3), "$.levels[1].years"),
        (lambda d: d["domains"][0].update(weight=2), "$.domains[0].weight"),
        (lambda d: d["domains"][0]["skills"][1].update(weight=2), "$.domains[0].skills[1].weight"),
        (
            lambda d: d["domains"][0]["skills"][0]["requirements"].update(
                l1={"code": "A", "examples": ["x"]}
            ),
            "$.domains[0].skills[0].requirements.l1.examples",
        ),
        (
            lambda d: d.update(
                codes=[{"code": "E", "name": "Masters", "rank": 3, "colour": "red"}]
            ),
            "$.codes[0].colour",
        ),
    ],
)
def test_unknown_keys_are_refused_with_their_path(db, mutate, path):
    document = role_document()
    mutate(document)
    with pytest.raises(RoleDocumentError) as caught:
        role_import(raw=document)
    assert caught.value.path == path
    assert "unknown key" in caught.value.problem
    assert not Role.objects.exists()


def _extended_document() -> dict:
    document = role_document(slug="extended", domains=2, skills_per_domain=3)
    document["source"] = "https://example.com/ladder"
    document["x-generator"] = {"name": "test", "version": 2}
    document["family"]["x-family-note"] = "shared"
    document["role"]["x-owner"] = "platform team"
    document["levels"][0]["x-years"] = {"min": 0, "max": 2}
    document["codes"] = [
        {"code": "A", "name": "Awareness", "rank": 1},
        {"code": "W", "name": "Practitioner", "rank": 2, "x-colour": "blue"},
        {"code": "E", "name": "Masters", "rank": 3},
    ]
    document["domains"][0]["x-weight"] = 0.5
    document["domains"][0]["skills"][0]["x-weight"] = 3
    document["domains"][0]["skills"][0]["requirements"]["l2"] = {
        "code": "W",
        "x-examples": ["Writes a Dockerfile", "Reads logs"],
        "x-links": {"z": "https://z.example", "a": "https://a.example"},
    }
    return document


def test_source_extensions_and_code_names_are_kept_and_exported_unchanged(db):
    document = _extended_document()
    role_import(raw=document)
    exported = role_document_get(slug="extended")
    assert exported["source"] == "https://example.com/ladder"
    assert exported["x-generator"] == {"name": "test", "version": 2}
    assert exported["family"]["x-family-note"] == "shared"
    assert exported["role"]["x-owner"] == "platform team"
    assert exported["levels"][0]["x-years"] == {"min": 0, "max": 2}
    assert exported["codes"] == [
        {"code": "A", "name": "Awareness", "rank": 1},
        {"code": "W", "name": "Practitioner", "rank": 2, "x-colour": "blue"},
        {"code": "E", "name": "Masters", "rank": 3},
    ]
    assert exported["domains"][0]["x-weight"] == 0.5
    skill = exported["domains"][0]["skills"][0]
    assert skill["x-weight"] == 3
    assert skill["requirements"]["l2"] == {
        "code": "W",
        "x-examples": ["Writes a Dockerfile", "Reads logs"],
        "x-links": {"z": "https://z.example", "a": "https://a.example"},
    }
    # Key order inside extensions survives the database too (the text is compared).
    text = dumps_role_document(exported)
    assert '"z": "https://z.example",\n' in text.split('"x-links"')[1].split("}")[0] + ",\n"
    assert text.index('"z": "https://z.example"') < text.index('"a": "https://a.example"')
    assert role_import(raw=text).version is None  # export → import changes nothing
    assert dumps_role_document(role_document_get(slug="extended")) == text


def test_a_changed_extension_is_one_change(db):
    role_import(raw=_extended_document())
    document = role_document_get(slug="extended")
    document["role"]["x-owner"] = "data team"
    result = role_import(raw=document)
    assert result.version.changes == [
        {"op": "set_extension", "place": "role", "data": {"x-owner": "data team"}}
    ]


def test_shared_entries_are_not_renamed_and_each_difference_is_reported(seed_role, seed_document):
    other = role_document(slug="other", domains=1, skills_per_domain=2)
    other["family"] = {"slug": "ml-ai-engineering", "name": "Machine Learning"}
    other["domains"][0]["name"] = "Cloud & Infrastructure"
    other["domains"][0]["slug"] = "cloud-infrastructure"
    other["domains"][0]["name"] = "Cloud"
    other["domains"][0]["skills"][0].update(
        {"slug": "docker", "name": "Docker CE", "description": "Containers"}
    )
    result = role_import(raw=other)
    assert result.differences == [
        "skill 'docker': the document's name 'Docker CE' differs from the shared skill's "
        "'Docker', which is kept",
        "skill 'docker': the document's description 'Containers' differs from the shared "
        "skill's '', which is kept",
        "domain 'cloud-infrastructure': the document's name 'Cloud' differs from the shared "
        "domain's 'Cloud & Infrastructure', which is kept",
        "family 'ml-ai-engineering': the document's name 'Machine Learning' differs from the "
        "shared family's 'ML & AI Engineering', which is kept",
    ]
    assert Skill.objects.get(slug="docker").name == "Docker"
    assert SkillDomain.objects.get(slug="cloud-infrastructure").name == "Cloud & Infrastructure"
    assert RoleVersion.objects.filter(role=seed_role).count() == 1  # the seed role is untouched


def test_the_seed_round_trips_byte_identically(seed_role, seed_document):
    first = dumps_role_document(role_document_get(slug="mlops-engineer"))
    assert json.loads(first)["source"] == seed_document["source"]
    assert role_import(raw=first).version is None
    assert dumps_role_document(role_document_get(slug="mlops-engineer")) == first
    # Only the slugs the seed leaves to slugify() are added by the export.
    without_slugs = json.loads(first)
    for domain in without_slugs["domains"]:
        domain.pop("slug")
        for skill in domain["skills"]:
            skill.pop("slug")
    assert without_slugs == seed_document


def test_moving_a_role_to_another_family_and_slug_checks(seed_role):
    RoleFamily.objects.create(slug="platform", name="Platform")
    version = _apply(seed_role, SetRoleField(field="family", value="platform"))
    assert version.snapshot["family"] == {"slug": "platform", "name": "Platform"}
    assert Role.objects.get(pk=seed_role.pk).family.slug == "platform"
    with pytest.raises(RoleChangeError, match="no family 'nowhere'"):
        _apply(seed_role, SetRoleField(field="family", value="nowhere"))
    role_import(raw=role_document(slug="taken"))
    with pytest.raises(RoleChangeError, match="another role already has the slug 'taken'"):
        _apply(seed_role, SetRoleField(field="slug", value="taken"))
    assert RoleVersion.objects.filter(role=seed_role).count() == 2
