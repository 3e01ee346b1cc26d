from __future__ import annotations

import pytest

from roles.changes.types import SetRequirement
from roles.document import parse_role_document
from roles.services import role_change_apply, role_import
from roles.tests.factories import role_document

pytestmark = pytest.mark.django_db


def test_role_list_is_paginated_and_filtered(client, seed_role):
    role_import(raw={**role_document(slug="other-role", title="Other Role")})
    body = client.get("/api/v1/roles/").json()
    assert body["count"] == 2
    assert [r["slug"] for r in body["results"]] == ["mlops-engineer", "other-role"]
    mlops = body["results"][0]
    assert mlops == {
        "slug": "mlops-engineer",
        "title": "MLOps Engineer",
        "tagline": "Automating the ML model lifecycle: from training to production monitoring",
        "family": {"slug": "ml-ai-engineering", "name": "ML & AI Engineering"},
        "version": 1,
        "skill_count": 56,
        "level_count": 5,
    }
    assert client.get("/api/v1/roles/?search=kafka").json()["count"] == 1
    assert client.get("/api/v1/roles/?family=test-family").json()["results"][0]["slug"] == (
        "other-role"
    )
    assert client.get("/api/v1/roles/?family=nope").json()["count"] == 0


def test_role_detail(client, seed_role, django_assert_max_num_queries):
    # role+family, levels, skills+domains, requirements
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/roles/mlops-engineer/").json()
    assert body["version"] == 1
    assert [level["short"] for level in body["levels"]] == ["Jun", "Mid", "Sen", "Lead", "Princ"]
    assert len(body["domains"]) == 13
    docker = body["domains"][4]["skills"][0]
    assert docker["slug"] == "docker"
    assert docker["requirements"]["middle"] == {"code": "W", "mandatory": True, "details": ""}


def test_role_detail_query_count_is_constant(client, big_role, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/roles/big-role/").status_code == 200


def test_unknown_role_is_a_json_404(client, db):
    response = client.get("/api/v1/roles/ghost/")
    assert response.status_code == 404
    assert "message" in response.json()


def test_export_is_the_role_document(client, seed_role, seed_document):
    body = client.get("/api/v1/roles/mlops-engineer/export/").json()
    assert parse_role_document(body) == parse_role_document(seed_document)


def test_versions(client, seed_role, admin):
    role_change_apply(
        role=seed_role,
        author=admin,
        source="admin",
        changes=[SetRequirement(skill="docker", level="lead", code="W")],
    )
    listing = client.get("/api/v1/roles/mlops-engineer/versions/").json()
    assert [(v["number"], v["source"], v["author"]) for v in listing["results"]] == [
        (2, "admin", "admin"),
        (1, "import", None),
    ]
    detail = client.get("/api/v1/roles/mlops-engineer/versions/2/").json()
    assert detail["snapshot"]["domains"][4]["skills"][0]["requirements"]["lead"] == "W"
    first = client.get("/api/v1/roles/mlops-engineer/versions/1/").json()
    assert first["snapshot"]["domains"][4]["skills"][0]["requirements"]["lead"] == "E"
    assert client.get("/api/v1/roles/mlops-engineer/versions/9/").status_code == 404


def test_skills_and_domains(client, seed_role):
    skills = client.get("/api/v1/skills/?search=kube").json()
    assert [s["slug"] for s in skills["results"]] == ["kubernetes-advanced", "kubernetes-core"]
    domains = client.get("/api/v1/domains/").json()
    assert domains["count"] == 13
    assert {"slug": "security", "name": "Security"} in domains["results"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/roles/?search=%00",
        "/api/v1/roles/?search=ml%00ops",
        "/api/v1/roles/?family=%00",
        "/api/v1/skills/?search=%00",
    ],
)
def test_a_nul_in_a_search_matches_nothing(client, seed_role, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []


def test_schema_and_docs_load(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/roles/{slug}/export/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_api_docs_use_no_inline_script_and_no_cdn(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def test_schema_is_valid_without_warnings(db):
    from django.core.management import call_command

    # --fail-on-warn turns any ambiguity (e.g. two components with one name) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_compare_versions(client, seed_role, admin):
    from roles.changes.types import RemoveSkill, SetStack

    role_change_apply(
        role=seed_role,
        author=admin,
        source="admin",
        changes=[
            SetRequirement(skill="docker", level="lead", code="W", mandatory=False),
            SetStack(level="junior", items=("Python",)),
            RemoveSkill(skill="redis"),
        ],
    )
    data = client.get("/api/v1/roles/mlops-engineer/compare/?from=1&to=2").json()
    assert data == {
        "from": 1,
        "to": 2,
        "cells": [
            {
                "skill": "docker",
                "level": "lead",
                "old": {"code": "E", "mandatory": True, "details": ""},
                "new": {"code": "W", "mandatory": False, "details": ""},
            }
        ],
        "skills_added": [],
        "skills_removed": ["redis"],
        "levels": [
            {
                "level": "junior",
                "field": "stack",
                "old": data["levels"][0]["old"],
                "new": ["Python"],
            }
        ],
    }
    assert len(data["levels"][0]["old"]) == 8
    back = client.get("/api/v1/roles/mlops-engineer/compare/?from=2&to=1").json()
    assert back["skills_added"] == ["redis"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?from=1&to=5", 404, "No version 5 of 'mlops-engineer'"),
        ("?from=one&to=1", 400, "from: A valid integer is required."),
        ("?to=1", 400, "from: This field is required."),
    ],
)
def test_compare_refuses_bad_versions(client, seed_role, query, status, message):
    response = client.get(f"/api/v1/roles/mlops-engineer/compare/{query}")
    assert response.status_code == status
    assert response.json()["message"] == message


def test_compare_is_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/roles/{slug}/compare/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "slug"}
    component = schema["components"]["schemas"]["RoleComparison"]
    assert set(component["properties"]) == {
        "from",
        "to",
        "cells",
        "skills_added",
        "skills_removed",
        "levels",
    }
