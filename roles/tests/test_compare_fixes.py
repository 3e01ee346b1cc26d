"""Compare (issue 18): a version the role does not have is a form error naming the range, and
a version made by an accepted proposal links to it."""

from __future__ import annotations

import pytest

from roles.changes.types import SetFocus
from roles.models import RoleVersion
from roles.services import role_change_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(seed_role):
    role_change_apply(
        role=seed_role,
        changes=[SetFocus(level="lead", text="Lead the platform")],
        author=None,
        source="admin",
    )
    seed_role.refresh_from_db()
    return seed_role


def test_an_unknown_version_is_a_form_error_naming_the_range(client, two_versions):
    response = client.get("/roles/mlops-engineer/compare/?from=1&to=99")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<form method="get" class="compare-form"' in html
    assert "This role has versions 1 to 2." in html
    assert 'value="99"' in html  # the form keeps what was asked


def test_compare_links_the_proposal_behind_a_version(client, two_versions):
    RoleVersion.objects.filter(role=two_versions, number=2).update(source="proposal", proposal_id=7)
    html = client.get("/roles/mlops-engineer/compare/?from=1&to=2").content.decode()
    assert '<a href="/proposals/7/">proposal #7</a>' in html
