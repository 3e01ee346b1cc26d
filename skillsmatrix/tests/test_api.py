from __future__ import annotations

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(anon: str, user: str) -> None:
        settings.REST_FRAMEWORK = {
            **django_settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
        }

    return set_rates


def test_anonymous_clients_are_throttled_with_retry_after(client, seed_role, rates):
    rates("3/min", "100/min")
    statuses = [client.get("/api/v1/roles/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = client.get("/api/v1/roles/")
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert "throttled" in throttled.json()["message"]


def test_members_have_their_own_rate(client, seed_role, member, rates):
    rates("1/min", "3/min")
    assert client.get("/api/v1/roles/").status_code == 200
    assert client.get("/api/v1/roles/").status_code == 429  # anonymous budget spent
    client.force_login(member)
    statuses = [client.get("/api/v1/roles/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_forged_forwarded_for_does_not_reset_the_anonymous_throttle(client, seed_role, rates):
    rates("2/min", "100/min")
    statuses = [
        client.get("/api/v1/roles/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 429, 429]


def test_behind_one_trusted_proxy_the_throttle_counts_the_forwarded_client(
    client, seed_role, rates, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    rates("2/min", "100/min")

    def get(forwarded: str) -> int:
        return client.get("/api/v1/roles/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # The proxy appends the address it saw; a client's own entries to the left change nothing.
    first = [get(f"6.6.6.{n}, 203.0.113.1") for n in range(3)]
    other_client = get("203.0.113.2")

    assert first == [200, 200, 429]
    assert other_client == 200


def test_errors_are_json_with_a_message(client, db):
    response = client.post("/api/v1/roles/", data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json() == {"message": 'Method "POST" not allowed.'}


def test_domain_errors_become_404_and_409_json():
    from roles.errors import ChangeConflict, RoleNotFound
    from skillsmatrix.api import exception_handler

    missing = exception_handler(RoleNotFound("No role 'x'"), {})
    assert (missing.status_code, missing.data) == (404, {"message": "No role 'x'"})
    conflict = exception_handler(
        ChangeConflict(base_version=3, conflicts=[("cell:docker:senior", 4)]), {}
    )
    assert conflict.status_code == 409
    assert conflict.data == {"message": "changed since version 3: cell:docker:senior (version 4)"}


@pytest.mark.parametrize("path", ["/api/", "/api/v1/", "/api/v1/nothing-here/", "/api/v2/roles/"])
def test_unknown_api_paths_are_json_404s(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not found."}


def test_unknown_pages_elsewhere_stay_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_over_the_upload_limit_is_a_json_413(client, seed_role, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"ratings": {"docker": "' + "x" * 2000 + '"}}'

    response = client.post(
        "/api/v1/roles/mlops-engineer/grade/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == {"message": "The request body is larger than 1000 bytes."}


def test_server_errors_are_json_500s(client, monkeypatch):
    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("roles.apis.domain_list", broken)
    client.raise_request_exception = False

    response = client.get("/api/v1/domains/", HTTP_X_REQUEST_ID="req-quoted-in-the-report")

    assert response.status_code == 500
    # The request id, so a client can quote it (docs/observability.md).
    assert response.json() == {"message": "Server error.", "request_id": "req-quoted-in-the-report"}


def test_an_invalid_token_is_a_401_with_www_authenticate(client):
    response = client.get("/api/v1/roles/", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"message": "Invalid token."}


def test_a_valid_token_authenticates(client, member, rates):
    from rest_framework.authtoken.models import Token

    rates("1/min", "5/min")
    header = f"Token {Token.objects.create(user=member).key}"

    statuses = [client.get("/api/v1/roles/", HTTP_AUTHORIZATION=header).status_code for _ in "123"]

    assert statuses == [200, 200, 200]  # the member's rate, not the anonymous one


@pytest.mark.parametrize("page", ["", "abc", "0", "99"])
def test_a_page_that_is_not_a_page_is_a_json_404(client, seed_role, page):
    # Found by schemathesis: an empty ?page= used to be served as the first page.
    response = client.get("/api/v1/skills/", {"page": page})

    assert response.status_code == 404
    assert response.json() == {"message": "Invalid page."}
