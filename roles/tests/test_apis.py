from __future__ import annotations

import json
from pathlib import Path

import pytest
from rest_framework.renderers import JSONRenderer

from conftest import SEED_PATH
from roles.changes.types import SetRequirement
from roles.document import dumps_role_document, parse_role_document
from roles.framework_document import FORMAT_V2, role_states
from roles.models import Role
from roles.selectors import role_document_get
from roles.services import document_import, role_change_apply, role_import
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


# --- frameworks, and the v2 parts of roles ------------------------------------------------------

WORKED_EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "harbour-works.framework.json"


@pytest.fixture
def harbour_works(db):
    return document_import(raw=WORKED_EXAMPLE.read_bytes())


def test_framework_list(client, seed_role, harbour_works, django_assert_max_num_queries):
    Role.objects.filter(slug="hw-growth-ladder").update(is_published=False)
    # the count and the page of frameworks with their published roles counted
    with django_assert_max_num_queries(2):
        body = client.get("/api/v1/frameworks/").json()
    assert body["count"] == 2
    harbour, site = body["results"]
    assert harbour == {
        "slug": "harbour-works",
        "name": "Harbour Works engineering framework",
        "description": json.loads(WORKED_EXAMPLE.read_text())["framework"]["description"],
        # the source's known keys only (its x- keys are the document's)
        "source": {
            "url": "https://example.org/harbour-works/framework",
            "licence": "CC BY 4.0",
            "attribution": "Harbour Works (an example organisation)",
            "version": "2026.2",
        },
        "role_count": 3,
        "url": "http://testserver/api/v1/frameworks/harbour-works/",
    }
    assert (site["slug"], site["role_count"], site["source"]) == ("skillsmatrix", 1, {})
    assert client.get("/api/v1/frameworks/?page=2").status_code == 404


def test_framework_detail(client, harbour_works):
    Role.objects.filter(slug="hw-growth-ladder").update(is_published=False)
    body = client.get("/api/v1/frameworks/harbour-works/").json()
    assert body["role_count"] == 3
    assert [scale["slug"] for scale in body["scales"]] == [
        "proficiency",
        "demonstrated",
        "milestones",
    ]
    proficiency = body["scales"][0]
    assert [step["code"] for step in proficiency["steps"]] == ["1", "2", "3", "4", "5"]
    assert set(proficiency["steps"][0]) == {"code", "name", "description", "points"}
    assert body["tracks"] == [
        {"code": "ic", "name": "Individual contributor", "description": ""},
        {"code": "manager", "name": "People manager", "description": "Leads a team of people."},
    ]
    assert "craft" in [domain["slug"] for domain in body["domains"]]
    assert body["roles"] == [
        {
            "slug": "hw-head-of-engineering",
            "title": "Head of Engineering",
            "layout": "matrix",
            "url": "http://testserver/api/v1/roles/hw-head-of-engineering/",
        },
        {
            "slug": "hw-site-reliability",
            "title": "Site Reliability Engineer",
            "layout": "checklist",
            "url": "http://testserver/api/v1/roles/hw-site-reliability/",
        },
        {
            "slug": "hw-software-engineer",
            "title": "Software Engineer",
            "layout": "matrix",
            "url": "http://testserver/api/v1/roles/hw-software-engineer/",
        },
    ]


def test_framework_detail_query_count_is_constant(client, django_assert_max_num_queries):
    from roles.tests.test_framework_pages import many_roles_framework

    document_import(raw=many_roles_framework(20))
    # framework, scales, tracks, roles with families, levels with tracks, domains
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/frameworks/wide/").json()
    assert len(body["roles"]) == 20


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/frameworks/ghost/",
        "/api/v1/frameworks/ghost/export/",
    ],
)
def test_an_unknown_framework_is_a_json_404(client, db, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"message": "No framework 'ghost'"}


def test_the_worked_example_exports_byte_identically_through_the_api(client, harbour_works):
    response = client.get("/api/v1/frameworks/harbour-works/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert dumps_role_document(response.json()) == WORKED_EXAMPLE.read_text(encoding="utf-8")
    # the body is the document as the API writes any JSON: compact, in the document's order
    compact = json.dumps(
        json.loads(WORKED_EXAMPLE.read_bytes()), ensure_ascii=False, separators=(",", ":")
    )
    assert response.content == compact.encode()


def test_a_framework_export_leaves_out_unpublished_roles(client, harbour_works):
    Role.objects.filter(slug="hw-growth-ladder").update(is_published=False)
    body = client.get("/api/v1/frameworks/harbour-works/export/").json()
    assert [role["slug"] for role in body["roles"]] == [
        "hw-software-engineer",
        "hw-site-reliability",
        "hw-head-of-engineering",
    ]


def test_a_v1_role_exports_v1_as_before_and_v2_when_asked(client, seed_role):
    default = client.get("/api/v1/roles/mlops-engineer/export/")
    # what it always was: the role's v1 document, as `manage.py export_role` writes it
    assert default.content == JSONRenderer().render(role_document_get(slug="mlops-engineer"))
    assert default.json()["format"] == "skillsmatrix.role/v1"
    assert parse_role_document(default.json()) == parse_role_document(
        json.loads(SEED_PATH.read_text(encoding="utf-8"))
    )
    v2 = client.get("/api/v1/roles/mlops-engineer/export/?format=v2").json()
    assert v2["format"] == FORMAT_V2
    assert v2["framework"]["slug"] == "skillsmatrix"
    (state,) = role_states(v2)
    assert state.slug == "mlops-engineer"
    assert len(state.skills) == 56
    assert state.cell("docker", "middle").code == "W"


def test_a_v2_role_exports_v2(client, harbour_works):
    body = client.get("/api/v1/roles/hw-software-engineer/export/").json()
    assert body["format"] == FORMAT_V2
    assert [role["slug"] for role in body["roles"]] == ["hw-software-engineer"]
    assert client.get("/api/v1/roles/hw-software-engineer/export/?format=v2").json() == body


@pytest.mark.parametrize("value", ["v1", "v3", "", "V2", "json"])
def test_an_unknown_export_format_is_a_400_naming_the_allowed_values(client, seed_role, value):
    response = client.get("/api/v1/roles/mlops-engineer/export/", {"format": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    message = response.json()["message"]
    assert message.startswith("format: ")
    assert "the allowed values are v2" in message


def test_a_v1_roles_detail_gains_the_v2_parts_and_keeps_its_cells(client, seed_role):
    body = client.get("/api/v1/roles/mlops-engineer/").json()
    assert body["framework"] == {"slug": "skillsmatrix", "name": "Skills Matrix", "licence": ""}
    assert body["layout"] == "matrix"
    assert body["markdown"] is False
    assert body["tracks"] == []
    (awe,) = body["scales"]
    assert awe["slug"] == "awe"
    assert [step["code"] for step in awe["steps"]] == ["A", "W", "E"]
    junior = body["levels"][0]
    assert (junior["rank"], junior["track"], junior["sections"]) == (None, "", [])
    assert set(junior) == {"code", "name", "short", "focus", "stack", "rank", "track", "sections"}
    docker = body["domains"][4]["skills"][0]
    assert docker["scale"] == "awe"
    cells = [cell for cell in docker["requirements"].values() if cell is not None]
    assert cells
    assert all(set(cell) == {"code", "mandatory", "details"} for cell in cells)


def test_a_v2_roles_detail(client, harbour_works, django_assert_max_num_queries):
    # role with family and framework, levels with tracks, skills with scales, requirements
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/roles/hw-software-engineer/").json()
    assert body["framework"] == {
        "slug": "harbour-works",
        "name": "Harbour Works engineering framework",
        "licence": "CC BY 4.0",
    }
    assert body["layout"] == "matrix"
    assert body["markdown"] is True
    assert [scale["slug"] for scale in body["scales"]] == ["proficiency"]
    assert [track["code"] for track in body["tracks"]] == ["ic", "manager"]
    levels = {level["code"]: level for level in body["levels"]}
    assert levels["e1"]["rank"] == 1
    assert levels["e1"]["sections"] == [
        {"title": "Scope", "text": "", "items": ["Own tasks", "Parts of a feature"]},
        {"title": "Experience", "text": "Usually 0–2 years.", "items": []},
    ]
    assert (levels["em"]["rank"], levels["em"]["track"]) == (4, "manager")
    skills = {skill["slug"]: skill for d in body["domains"] for skill in d["skills"]}
    testing = skills["hw-testing"]["requirements"]
    assert testing["e1"] == {"code": "2", "mandatory": True, "details": ""}
    assert testing["senior"] == {
        "code": "4",
        "mandatory": True,
        "details": "Reviews the tests in every change they review, and says when a test "
        "would not catch the defect.",
        "summary": "Reviews others' tests",
        "examples": ["Pointed out a test that passed with the fix reverted."],
        "links": [{"title": "Review guide", "url": "https://example.org/review-guide"}],
    }
    assert testing["director"] == {"code": "n/a", "mandatory": True, "details": ""}
    assert skills["hw-planning"]["requirements"]["e1"] is None
    assert skills["hw-testing"]["scale"] == "proficiency"


def test_the_new_operations_are_in_the_schema_with_examples(client, db):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/frameworks/",
        "/api/v1/frameworks/{slug}/",
        "/api/v1/frameworks/{slug}/export/",
    ):
        operation = paths[path]["get"]
        assert "examples" in operation["responses"]["200"]["content"]["application/json"]
        assert "404" in operation["responses"]
    export = paths["/api/v1/roles/{slug}/export/"]["get"]
    (format_param,) = [p for p in export["parameters"] if p["name"] == "format"]
    assert format_param["schema"]["enum"] == ["v2"]
    assert "400" in export["responses"]


def test_compare_refuses_a_version_number_beyond_the_databases(client, seed_role):
    response = client.get(
        "/api/v1/roles/mlops-engineer/compare/?from=888404903232489583017984&to=1"
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("from: ")
