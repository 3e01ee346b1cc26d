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
