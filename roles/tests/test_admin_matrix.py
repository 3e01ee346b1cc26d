from __future__ import annotations

import pytest
from django.urls import reverse

from roles.models import Requirement, RoleVersion, Skill, SkillDomain
from roles.selectors import role_document_get

pytestmark = pytest.mark.django_db


def _versions(role) -> int:
    return RoleVersion.objects.filter(role=role).count()


def _grid_post(client, role, changes: dict[str, str], follow: bool = False, **extra):
    """Post the grid as the browser would: every field with its current value, then changes."""
    page = client.get(reverse("admin:roles_role_matrix", args=[role.pk]))
    grid = page.context["grid"]
    data = {}
    for name, field in grid.fields.items():
        value = grid.initial.get(name, field.initial)
        if name.startswith("code__"):
            data[name] = value or ""
        elif name == "base_version":
            data[name] = value
        elif value:
            data[name] = "on"
    data.update(changes)
    data["save_grid"] = "1"
    data.update(extra)
    return client.post(reverse("admin:roles_role_matrix", args=[role.pk]), data, follow=follow)


def test_matrix_grid_saves_changed_cells_as_one_version(admin_client, seed_role):
    response = _grid_post(
        admin_client,
        seed_role,
        {"code__docker__senior": "E", "code__redis__junior": "", "remove__cursor-ide": "on"},
    )
    assert response.status_code == 302
    versions = list(RoleVersion.objects.filter(role=seed_role))
    assert [v.number for v in versions] == [2, 1]  # cells and the removal: one version
    assert {(c["skill"], c["level"]) for c in versions[0].changed_cells} >= {
        ("docker", "senior"),
        ("redis", "junior"),
        ("cursor-ide", "junior"),
    }
    cells = {
        (r.role_skill.skill.slug, r.level.code): r.code
        for r in Requirement.objects.select_related("role_skill__skill", "level")
    }
    assert cells[("docker", "senior")] == "E"
    assert ("redis", "junior") not in cells
    assert ("cursor-ide", "junior") not in cells
    assert len(cells) == 280 - 1 - 5


def test_matrix_grid_refuses_bad_codes(admin_client, seed_role):
    response = _grid_post(admin_client, seed_role, {"code__docker__senior": "Q"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert RoleVersion.objects.filter(role=seed_role).count() == 1


def test_matrix_page_adds_a_skill_to_a_new_domain(admin_client, seed_role):
    response = admin_client.post(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]),
        {"add_skill": "1", "new_skill_name": "Vector Databases", "new_domain_name": "Data"},
    )
    assert response.status_code == 302
    snapshot = RoleVersion.objects.filter(role=seed_role).first().snapshot
    assert snapshot["domains"][-1]["name"] == "Data"
    assert snapshot["domains"][-1]["skills"][0]["slug"] == "vector-databases"


def test_matrix_page_adds_an_existing_skill_inside_its_domain(admin_client, seed_role):
    skill = Skill.objects.create(slug="podman", name="Podman")
    domain = seed_role.role_skills.get(skill__slug="docker").domain
    response = admin_client.post(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]),
        {"add_skill": "1", "skill": skill.pk, "domain": domain.pk},
    )
    assert response.status_code == 302
    document = role_document_get(slug="mlops-engineer")
    cloud = next(d for d in document["domains"] if d["slug"] == domain.slug)
    assert cloud["skills"][-1]["slug"] == "podman"
    assert sum(len(d["skills"]) for d in document["domains"]) == 57


def test_matrix_page_add_skill_needs_one_choice(admin_client, seed_role):
    response = admin_client.post(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]), {"add_skill": "1"}
    )
    assert response.status_code == 200
    assert "Choose an existing skill or name a new one" in response.content.decode()


def test_matrix_grid_without_changes_and_by_domain(admin_client, seed_role):
    page = admin_client.get(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]) + "?domain=security"
    )
    assert len(page.context["grid"].grid) == 1
    response = _grid_post(admin_client, seed_role, {}, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert RoleVersion.objects.filter(role=seed_role).count() == 1


def test_matrix_page_refuses_a_skill_the_role_has(admin_client, seed_role):
    docker = Skill.objects.get(slug="docker")
    response = admin_client.post(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]),
        {"add_skill": "1", "skill": docker.pk, "new_domain_name": "Elsewhere"},
    )
    assert response.status_code == 200
    assert "already has the skill" in response.content.decode()
    assert RoleVersion.objects.filter(role=seed_role).count() == 1
    assert not SkillDomain.objects.filter(slug="elsewhere").exists()  # rolled back with it


def test_matrix_page_refuses_a_name_without_a_slug(admin_client, seed_role):
    response = admin_client.post(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]),
        {"add_skill": "1", "new_skill_name": "!!!", "new_domain_name": "Data"},
    )
    assert response.status_code == 200
    assert "gives an empty slug" in response.content.decode()
    assert not Skill.objects.filter(slug="").exists()
    assert not SkillDomain.objects.filter(slug="data").exists()


def test_adding_a_skill_in_the_matrix_page_is_one_version(admin_client, seed_role):
    response = admin_client.post(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]),
        {"add_skill": "1", "new_skill_name": "Vector Databases", "new_domain_name": "Data"},
    )
    assert response.status_code == 302
    assert _versions(seed_role) == 2
    assert RoleVersion.objects.filter(role=seed_role).first().changes[0]["op"] == "add_skill"


def test_two_curators_on_the_same_grid_the_second_sees_the_conflict(admin_client, seed_role):
    url = reverse("admin:roles_role_matrix", args=[seed_role.pk])
    # Both open the grid at version 1; the colleague saves first.
    mine = admin_client.get(url).context["grid"]
    assert mine.initial.get("base_version", mine.fields["base_version"].initial) == 1
    _grid_post(admin_client, seed_role, {"code__docker__senior": "W"})
    assert _versions(seed_role) == 2

    data = {"save_grid": "1", "base_version": "1"}
    for name, field in mine.fields.items():
        if name.startswith("code__"):
            data[name] = field.initial or ""
        elif name.startswith("mandatory__") and field.initial:
            data[name] = "on"
    response = admin_client.post(url, {**data, "code__docker__senior": "E"}, follow=True)
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "docker / senior" in html
    assert 'class="conflict"' in html
    assert _versions(seed_role) == 2
    docker_senior = Requirement.objects.get(role_skill__skill__slug="docker", level__code="senior")
    assert docker_senior.code == "W"  # the colleague's edit is kept

    # The same stale grid editing another cell saves it, and keeps the colleague's edit.
    response = admin_client.post(url, {**data, "code__docker__lead": "W"}, follow=True)
    assert "Saved: version 3." in response.content.decode()
    latest = RoleVersion.objects.filter(role=seed_role).first()
    assert latest.changes == [
        {
            "op": "set_requirement",
            "skill": "docker",
            "level": "lead",
            "code": "W",
            "mandatory": True,
        }
    ]
    docker_senior.refresh_from_db()
    assert docker_senior.code == "W"


def test_edits_to_a_skill_removed_meanwhile_are_a_conflict_not_lost(admin_client, seed_role):
    url = reverse("admin:roles_role_matrix", args=[seed_role.pk])
    mine = admin_client.get(url).context["grid"]
    _grid_post(admin_client, seed_role, {"remove__redis": "on"})  # a colleague removes Redis
    data = {"save_grid": "1", "base_version": "1"}
    for name, field in mine.fields.items():
        if name.startswith("code__"):
            data[name] = field.initial or ""
        elif name.startswith("mandatory__") and field.initial:
            data[name] = "on"
    response = admin_client.post(url, {**data, "code__redis__senior": "E"}, follow=True)
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "skill redis" in html
    assert _versions(seed_role) == 2


def test_matrix_page_refuses_a_skill_the_role_has_in_the_curators_language(admin_client, seed_role):
    docker = Skill.objects.get(slug="docker")
    response = admin_client.post(
        reverse("admin:roles_role_matrix", args=[seed_role.pk]),
        {"add_skill": "1", "skill": docker.pk, "new_domain_name": "Otro"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The admin capitalises a message's first letter.
    assert "El rol &#x27;mlops-engineer&#x27; ya tiene la habilidad &#x27;docker&#x27;" in html
    assert "changes[0]" not in html  # the path of a change list the curator never wrote
    assert "already has" not in html
    assert _versions(seed_role) == 1
