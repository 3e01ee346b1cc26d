"""The OpenAPI schema describes what the API does (the live contract is fuzzed by schemathesis
in CI: tests/contract/)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from drf_spectacular.generators import SchemaGenerator

LISTS = [
    "/api/v1/roles/",
    "/api/v1/roles/{slug}/versions/",
    "/api/v1/skills/",
    "/api/v1/domains/",
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _body(schema: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response = schema["paths"][path][method]["responses"][status]
    return _resolve(schema, response["content"]["application/json"]["schema"])


@pytest.mark.parametrize("path", LISTS)
def test_lists_are_documented_as_pages(schema, path):
    page = _body(schema, path, "get", "200")

    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"
    parameters = {p["name"] for p in schema["paths"][path]["get"]["parameters"] if "name" in p}
    assert "page" in parameters


def test_every_operation_documents_its_errors_with_the_error_body(schema):
    expected = {
        ("/api/v1/roles/", "get"): {"401", "404", "414", "429"},
        ("/api/v1/roles/{slug}/", "get"): {"401", "404", "414", "429"},
        ("/api/v1/roles/{slug}/grade/", "post"): {
            "400",
            "401",
            "403",
            "404",
            "413",
            "414",
            "415",
            "429",
        },
    }
    for (path, method), statuses in expected.items():
        responses = schema["paths"][path][method]["responses"]
        assert set(responses) - {"200"} == statuses, path
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in operation["responses"]:
                if status.startswith(("4", "5")) and status != "414":
                    error = _body(schema, path, method, status)
                    assert error["required"] == ["message"], (path, method, status)
    throttled = schema["paths"]["/api/v1/roles/"]["get"]["responses"]["429"]
    assert "Retry-After" in throttled["headers"]
    unauthorized = schema["paths"]["/api/v1/roles/"]["get"]["responses"]["401"]
    assert "WWW-Authenticate" in unauthorized["headers"]


def test_every_operation_documents_the_servers_414(schema):
    """gunicorn refuses a request line over 4094 bytes (gunicorn.conf.py) before Django sees it:
    a 414 with a small HTML page, on any operation (test_gunicorn.py shows it)."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            too_long = operation["responses"]["414"]
            assert list(too_long["content"]) == ["text/html"]
            assert "4094" in too_long["description"]


def test_a_version_author_may_be_null(schema):
    version = schema["components"]["schemas"]["RoleVersion"]
    assert version["properties"]["author"]["nullable"] is True


def test_the_grade_request_is_a_map_of_skill_slugs_to_step_codes_with_examples(schema):
    operation = schema["paths"]["/api/v1/roles/{slug}/grade/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    ratings = _resolve(schema, body["schema"])["properties"]["ratings"]

    assert ratings["type"] == "object"
    # A step code of the skill's own scale (A/W/E on the built-in one), or null.
    assert ratings["additionalProperties"]["type"] == "string"
    assert ratings["additionalProperties"]["nullable"] is True
    assert "step code of that skill's scale" in ratings["description"]
    assert "refused (400" in ratings["description"]
    assert body["examples"]
    assert operation["responses"]["200"]["content"]["application/json"]["examples"]


def test_a_view_can_name_further_error_statuses():
    from django.urls import path
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class ConflictingApi(APIView):
        error_statuses: ClassVar[dict[str, str]] = {"409": "The role changed since."}

        def post(self, request):
            return Response({})

    generator = SchemaGenerator(patterns=[path("api/v1/x/", ConflictingApi.as_view())])
    responses = generator.get_schema(request=None, public=True)["paths"]["/api/v1/x/"]["post"][
        "responses"
    ]
    assert responses["409"]["description"] == "The role changed since."
    assert "403" in responses
