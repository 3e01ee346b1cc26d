"""The spreadsheet round trip from the admin: export a role as XLSX or CSV, edit it, upload,
preview, confirm — and nothing the sheet cannot hold is lost."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roles.models import Role, RoleVersion
from roles.selectors import role_state_get
from roles.services import document_import

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "harbour-works.framework.json"


@pytest.fixture
def engineer():
    document_import(raw=EXAMPLE.read_bytes())
    return Role.objects.get(slug="hw-software-engineer")


def _upload(admin_client, content: bytes, name: str, **fields):
    data = {
        "preview": "1",
        "file": SimpleUploadedFile(name, content),
        "framework_slug": "harbour-works",
        "role_slug": "hw-software-engineer",
        "role_title": "Software Engineer",
        "family_name": "Engineering",
        "scale_name": "Proficiency",
        **fields,
    }
    return admin_client.post(reverse("admin:roles_role_sheet_import"), data)


def _confirm(admin_client, preview):
    found = re.search(r'name="signed" value="([^"]+)"', preview.content.decode())
    assert found is not None
    signed = found[1]
    return admin_client.post(
        reverse("admin:roles_role_sheet_import"), {"confirm": "1", "signed": signed}
    )


def test_export_edit_import_changes_the_cell_and_keeps_the_rest(admin_client, engineer):
    exported = admin_client.get(reverse("admin:roles_role_sheet_xlsx", args=[engineer.pk]))
    assert exported.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(exported.content))
    sheet = workbook["Matrix"]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Domain", "Skill"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "Operations [hw-operations]")
    row[header.index("Engineer I [e1]")].value = "2"
    edited = io.BytesIO()
    workbook.save(edited)
    preview = _upload(admin_client, edited.getvalue(), "engineer.xlsx")
    page = preview.content.decode()
    assert "1 cell changed" in page
    assert engineer.current_version == 1  # nothing written by the preview
    done = _confirm(admin_client, preview)
    assert done.status_code == 302
    engineer.refresh_from_db()
    assert engineer.current_version == 2
    state = role_state_get(role=engineer)
    assert state.cell("hw-operations", "e1").code == "2"
    # What the sheet cannot hold is still there.
    assert state.cell("hw-testing", "senior").summary == "Reviews others' tests"
    assert state.level("em").track == "manager"
    assert state.level("e1").sections
    assert state.skill("hw-testing").steps["5"].links
    assert RoleVersion.objects.filter(role__slug="hw-site-reliability").count() == 1


def test_a_csv_of_a_new_framework_creates_its_role(admin_client):
    content = (
        "Domain,Skill,Junior,Senior\nCraft,Testing,1,3?\n,Reviews,n/a,2\n"
        "\nLegend\nCode,Name\n1,One\n2,Two\n3,Three\n"
    )
    preview = _upload(
        admin_client,
        content.encode(),
        "matrix.csv",
        framework_slug="acme",
        framework_name="Acme",
        role_slug="acme-dev",
        role_title="Developer",
        scale_name="Acme steps",
    )
    assert "will be created" in preview.content.decode()
    _confirm(admin_client, preview)
    state = role_state_get(role=Role.objects.get(slug="acme-dev"))
    assert state.framework.slug == "acme"
    assert state.scale("acme-steps").step("3").name == "Three"
    assert state.cell("testing", "senior").mandatory is False
    assert state.cell("reviews", "junior").not_applicable


def test_every_bad_cell_is_named_and_nothing_is_written(admin_client, engineer):
    content = (
        "Domain,Skill,Engineer I [e1]\nCraft,Testing [hw-testing],X\n"
        "Craft,Operations [hw-operations],9\n\nLegend\nCode,Name\n1,One\n"
    )
    preview = _upload(admin_client, content.encode(), "bad.csv")
    page = preview.content.decode()
    assert "Matrix!C2: &#x27;X&#x27; is not a step of scale &#x27;proficiency&#x27;" in page
    assert "Matrix!C3" in page
    assert 'name="signed"' not in page
    engineer.refresh_from_db()
    assert engineer.current_version == 1


def test_a_tampered_confirmation_is_refused(admin_client, engineer):
    response = admin_client.post(
        reverse("admin:roles_role_sheet_import"), {"confirm": "1", "signed": "forged"}
    )
    assert response.status_code == 200
    assert "altered" in response.content.decode()
    engineer.refresh_from_db()
    assert engineer.current_version == 1
