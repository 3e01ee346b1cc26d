from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from roles.admin import refusal_messages
from roles.changes.errors import ChangeError, ChangeProblem
from roles.changes.types import SetRequirement
from roles.document import dumps_role_document
from roles.errors import RoleChangeError
from roles.models import (
    Level,
    Requirement,
    Role,
    RoleVersion,
    Skill,
    SkillDomain,
    site_framework_id,
)
from roles.selectors import role_document_get
from roles.services import role_change_apply, role_import
from roles.tests.factories import HOSTILE_VALUES, hostile_document_text, role_document

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "rolefamily",
        "role",
        "level",
        "skilldomain",
        "skill",
        "requirement",
        "roleskill",
        "roleversion",
    ],
)
def test_changelists_load(admin_client, seed_role, model):
    response = admin_client.get(reverse(f"admin:roles_{model}_changelist"))
    assert response.status_code == 200


def test_change_pages_load(admin_client, seed_role):
    level = Level.objects.get(role=seed_role, code="senior")
    requirement = Requirement.objects.filter(level=level).first()
    version = RoleVersion.objects.get(role=seed_role)
    for url in [
        reverse("admin:roles_role_change", args=[seed_role.pk]),
        reverse("admin:roles_level_change", args=[level.pk]),
        reverse("admin:roles_requirement_change", args=[requirement.pk]),
        reverse("admin:roles_roleversion_change", args=[version.pk]),
        reverse("admin:roles_skill_change", args=[Skill.objects.first().pk]),
        reverse("admin:roles_role_import"),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_roles_are_added_by_importing_a_file(admin_client):
    # Only an imported document guarantees a role has its levels.
    assert admin_client.get(reverse("admin:roles_role_add")).status_code == 403
    changelist = admin_client.get(reverse("admin:roles_role_changelist")).content.decode()
    assert reverse("admin:roles_role_import") in changelist


def test_staff_without_import_rights_cannot_import(client, django_user_model):
    from django.contrib.auth.models import Permission

    curator = django_user_model.objects.create_user(
        username="curator", password="pw-curator-123", is_staff=True
    )
    curator.user_permissions.add(Permission.objects.get(codename="change_role"))
    client.force_login(curator)
    assert client.get(reverse("admin:roles_role_import")).status_code == 403
    curator.user_permissions.add(Permission.objects.get(codename="add_role"))
    client.force_login(curator)
    assert client.get(reverse("admin:roles_role_import")).status_code == 200


def test_members_cannot_reach_the_admin(client, member, seed_role):
    client.force_login(member)
    response = client.get(reverse("admin:roles_role_matrix", args=[seed_role.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_import_from_the_admin(admin_client, admin):
    upload = SimpleUploadedFile(
        "role.json", json.dumps(role_document(slug="uploaded")).encode(), "application/json"
    )
    response = admin_client.post(reverse("admin:roles_role_import"), {"file": upload})
    role = Role.objects.get(slug="uploaded")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:roles_role_change", args=[role.pk])
    assert RoleVersion.objects.get(role=role).author == admin


def test_import_from_the_admin_shows_the_path_of_a_bad_document(admin_client):
    document = role_document(slug="broken")
    document["levels"][0]["code"] = "Bad Code"
    upload = SimpleUploadedFile("role.json", json.dumps(document).encode())
    response = admin_client.post(reverse("admin:roles_role_import"), {"file": upload})
    assert response.status_code == 200
    assert "$.levels[0].code" in response.content.decode()
    assert not Role.objects.filter(slug="broken").exists()


def test_export_from_the_admin_matches_the_command(admin_client, seed_role):
    response = admin_client.get(reverse("admin:roles_role_export", args=[seed_role.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mlops-engineer.json"'
    assert response.content.decode() == dumps_role_document(
        role_document_get(slug="mlops-engineer")
    )


def test_version_snapshot_download(admin_client, seed_role, seed_document):
    version = RoleVersion.objects.get(role=seed_role)
    response = admin_client.get(reverse("admin:roles_roleversion_download", args=[version.pk]))
    assert json.loads(response.content)["role"]["slug"] == "mlops-engineer"


def test_editing_a_role_in_the_admin_is_versioned(admin_client, seed_role):
    url = reverse("admin:roles_role_change", args=[seed_role.pk])
    response = admin_client.post(
        url,
        {
            "family": seed_role.family_id,
            "title": "MLOps Engineer",
            "slug": "mlops-engineer",
            "tagline": "Shipping models safely",
            "description": "",
            "key_domains": "\n".join(seed_role.key_domains),
            "is_published": "on",
            "levels-TOTAL_FORMS": "5",
            "levels-INITIAL_FORMS": "5",
            "levels-MIN_NUM_FORMS": "0",
            "levels-MAX_NUM_FORMS": "1000",
            **{
                f"levels-{i}-id": str(level.pk)
                for i, level in enumerate(Level.objects.filter(role=seed_role).order_by("order"))
            },
            **{f"levels-{i}-role": str(seed_role.pk) for i in range(5)},
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.number == 2
    assert latest.source == "admin"
    assert latest.snapshot["role"]["tagline"] == "Shipping models safely"


def test_editing_a_level_in_the_admin_is_versioned(admin_client, seed_role):
    level = Level.objects.get(role=seed_role, code="lead")
    response = admin_client.post(
        reverse("admin:roles_level_change", args=[level.pk]),
        {
            "name": "Lead",
            "short_name": "Lead",
            "focus": "Leading the platform",
            "stack": "Kubeflow\n\n  Ray Serve \n",
        },
    )
    assert response.status_code == 302
    snapshot = RoleVersion.objects.filter(role=seed_role).first().snapshot
    assert snapshot["levels"][3]["focus"] == "Leading the platform"
    assert snapshot["levels"][3]["stack"] == ["Kubeflow", "Ray Serve"]


def test_editing_a_cells_details_in_the_admin_is_versioned(admin_client, seed_role):
    cell = Requirement.objects.get(role_skill__skill__slug="docker", level__code="middle")
    response = admin_client.post(
        reverse("admin:roles_requirement_change", args=[cell.pk]),
        {"code": "W", "is_mandatory": "", "details": "Compose and multi-stage builds"},
    )
    assert response.status_code == 302
    snapshot = RoleVersion.objects.filter(role=seed_role).first().snapshot
    docker = snapshot["domains"][4]["skills"][0]
    assert docker["requirements"]["middle"] == {
        "code": "W",
        "mandatory": False,
        "details": "Compose and multi-stage builds",
    }


def test_renaming_a_skill_in_the_admin_versions_its_roles(admin_client, seed_role):
    skill = Skill.objects.get(slug="docker")
    response = admin_client.post(
        reverse("admin:roles_skill_change", args=[skill.pk]),
        {"name": "Docker Engine", "description": "Containers"},
    )
    assert response.status_code == 302
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.number == 2
    assert latest.snapshot["domains"][4]["skills"][0]["name"] == "Docker Engine"


def test_adding_a_skill_in_the_admin(admin_client):
    # The form offers the site's own framework first (the skill's namespace, DESIGN §4b).
    form = admin_client.get(reverse("admin:roles_skill_add")).content.decode()
    site = site_framework_id()
    assert f'<option value="{site}" selected>' in form
    response = admin_client.post(
        reverse("admin:roles_skill_add"),
        {"framework": site, "name": "Vector Search", "slug": "vector-search"},
    )
    assert response.status_code == 302
    assert Skill.objects.get(slug="vector-search").framework.slug == "skillsmatrix"
    bad = admin_client.post(
        reverse("admin:roles_skill_add"), {"framework": site, "name": "X", "slug": "Not a slug"}
    )
    assert bad.status_code == 200
    assert not Skill.objects.filter(name="X").exists()


def test_deleting_a_role_in_the_admin_takes_its_page_down(admin_client, client, seed_role):
    assert client.get("/roles/mlops-engineer/").status_code == 200  # now cached
    confirm = admin_client.get(reverse("admin:roles_role_delete", args=[seed_role.pk]))
    assert confirm.status_code == 200
    assert "Role versions: 1" in confirm.content.decode()
    response = admin_client.post(
        reverse("admin:roles_role_delete", args=[seed_role.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Role.objects.exists()
    assert Skill.objects.count() == 56  # global skills stay
    assert client.get("/roles/mlops-engineer/").status_code == 404


def test_export_action_takes_one_role(admin_client, seed_role):
    role_import(raw=role_document(slug="second"))
    url = reverse("admin:roles_role_changelist")
    one = admin_client.post(url, {"action": "export_selected", "_selected_action": [seed_role.pk]})
    assert one["Content-Disposition"] == 'attachment; filename="mlops-engineer.json"'
    two = admin_client.post(
        url,
        {"action": "export_selected", "_selected_action": [r.pk for r in Role.objects.all()]},
        follow=True,
    )
    assert "Export one role at a time." in two.content.decode()


def test_deleting_cells_in_the_admin_is_versioned(admin_client, seed_role):
    cells = Requirement.objects.filter(
        role_skill__skill__slug="redis", level__code__in=["lead", "principal"]
    )
    response = admin_client.post(
        reverse("admin:roles_requirement_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [c.pk for c in cells],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.number == 2  # one version for both cells
    redis = latest.snapshot["domains"][3]["skills"][2]
    assert redis["slug"] == "redis"
    assert redis["requirements"]["lead"] is None
    assert redis["requirements"]["principal"] is None


def test_import_refuses_large_files(admin_client):
    upload = SimpleUploadedFile("big.json", b" " * (2 * 1024 * 1024 + 1))
    response = admin_client.post(reverse("admin:roles_role_import"), {"file": upload})
    assert response.status_code == 200
    assert "larger than 2 MB" in response.content.decode()


def _role_form(role, **changes):
    levels = list(Level.objects.filter(role=role).order_by("order"))
    return {
        "family": role.family_id,
        "title": role.title,
        "slug": role.slug,
        "tagline": role.tagline,
        "description": role.description,
        "key_domains": "\n".join(role.key_domains),
        "is_published": "on",
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
        **{f"levels-{i}-id": str(level.pk) for i, level in enumerate(levels)},
        **{f"levels-{i}-role": str(role.pk) for i in range(len(levels))},
        **changes,
    }


def _versions(role) -> int:
    return RoleVersion.objects.filter(role=role).count()


def test_saving_a_role_level_cell_or_skill_without_edits_records_no_version(
    admin_client, seed_role
):
    role_url = reverse("admin:roles_role_change", args=[seed_role.pk])
    assert admin_client.post(role_url, _role_form(seed_role)).status_code == 302
    level = Level.objects.get(role=seed_role, code="lead")
    level_url = reverse("admin:roles_level_change", args=[level.pk])
    level_data = {
        "name": level.name,
        "short_name": level.short_name,
        "focus": level.focus,
        "stack": "\n".join(level.stack),
    }
    assert admin_client.post(level_url, level_data).status_code == 302
    cell = Requirement.objects.get(role_skill__skill__slug="docker", level__code="middle")
    cell_url = reverse("admin:roles_requirement_change", args=[cell.pk])
    cell_data = {"code": "W", "is_mandatory": "on", "details": ""}
    assert admin_client.post(cell_url, cell_data).status_code == 302
    skill = Skill.objects.get(slug="docker")
    skill_url = reverse("admin:roles_skill_change", args=[skill.pk])
    skill_data = {"name": skill.name, "description": skill.description}
    assert admin_client.post(skill_url, skill_data).status_code == 302
    assert _versions(seed_role) == 1

    # Each of the same forms with one edit records exactly one version.
    admin_client.post(role_url, _role_form(seed_role, tagline="New"))
    assert _versions(seed_role) == 2
    admin_client.post(level_url, {**level_data, "focus": "Lead the platform"})
    assert _versions(seed_role) == 3
    admin_client.post(cell_url, {**cell_data, "details": "Compose"})
    assert _versions(seed_role) == 4
    admin_client.post(skill_url, {**skill_data, "name": "Docker Engine"})
    assert _versions(seed_role) == 5
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.changes == [
        {"op": "rename_skill", "skill": "docker", "name": "Docker Engine", "description": ""}
    ]


def test_import_in_the_admin_reports_differences_and_unchanged_files(admin_client, seed_role):
    document = role_document_get(slug="mlops-engineer")
    upload = SimpleUploadedFile("r.json", dumps_role_document(document).encode())
    response = admin_client.post(reverse("admin:roles_role_import"), {"file": upload}, follow=True)
    assert "nothing changed (version 1)" in response.content.decode()
    assert _versions(seed_role) == 1

    document["domains"][4]["skills"][0]["name"] = "Docker CE"
    document["domains"][4]["skills"][0]["requirements"]["senior"] = "E"
    upload = SimpleUploadedFile("r.json", dumps_role_document(document).encode())
    response = admin_client.post(reverse("admin:roles_role_import"), {"file": upload}, follow=True)
    html = response.content.decode()
    assert "as version 2" in html
    assert "the document&#x27;s name &#x27;Docker CE&#x27; differs" in html
    assert Skill.objects.get(slug="docker").name == "Docker"


def test_version_page_in_the_admin_shows_changes_in_words(admin_client, admin, seed_role):
    role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="docker", level="senior", code="E")],
        author=admin,
        source=RoleVersion.Source.ADMIN,
    )
    version = RoleVersion.objects.filter(role=seed_role).first()
    html = admin_client.get(
        reverse("admin:roles_roleversion_change", args=[version.pk])
    ).content.decode()
    assert "docker · senior set to E" in html
    assert "Docker · Senior: A → E" in html
    assert "&quot;format&quot;: &quot;skillsmatrix.role/v1&quot;,\n" in html  # indented JSON


def test_version_download_is_the_export_of_that_version(admin_client, seed_role):
    exported = dumps_role_document(role_document_get(slug="mlops-engineer"))
    version = RoleVersion.objects.get(role=seed_role)
    response = admin_client.get(reverse("admin:roles_roleversion_download", args=[version.pk]))
    assert response.content.decode() == exported


def test_renaming_a_domain_in_the_admin_versions_each_role_once(admin_client, seed_role):
    role_import(raw=role_document(slug="other"))
    domain = SkillDomain.objects.get(slug="cloud-infrastructure")
    url = reverse("admin:roles_skilldomain_change", args=[domain.pk])
    assert admin_client.post(url, {"name": "Cloud"}).status_code == 302
    assert _versions(seed_role) == 2
    assert _versions(Role.objects.get(slug="other")) == 1  # does not show the domain
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.changes == [
        {"op": "rename_domain", "domain": "cloud-infrastructure", "name": "Cloud"}
    ]
    assert latest.snapshot["domains"][4]["name"] == "Cloud"


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_import_from_the_admin_refuses_hostile_json_naming_the_path(admin_client, name):
    value, problem = HOSTILE_VALUES[name]
    upload = SimpleUploadedFile("role.json", hostile_document_text(value).encode())

    response = admin_client.post(reverse("admin:roles_role_import"), {"file": upload})

    assert response.status_code == 200
    page = response.content.decode()
    assert "$.role.description" in page
    assert problem in page
    assert not Role.objects.filter(slug="hostile").exists()


def test_refusals_are_one_line_per_problem_in_the_active_language():
    refused = ChangeError(
        [
            ChangeProblem("changes[0].level", "unknown_level", {"level": "staff", "role": "r"}),
            ChangeProblem("changes[1].skill", "skill_exists", {"skill": "docker", "role": "r"}),
        ]
    )

    with translation.override("es"):
        lines = refusal_messages(refused)

    assert lines == [
        "no hay ningún nivel 'staff' en el rol 'r'",
        "el rol 'r' ya tiene la habilidad 'docker'",
    ]
    # Other refusals keep their one line, as they are worded.
    assert refusal_messages(RoleChangeError("slug: taken")) == ["slug: taken"]
