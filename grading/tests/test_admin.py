from __future__ import annotations

from grading.models import Assessment
from grading.selectors import grading_sheet_get
from grading.services import assessment_create


def test_assessments_are_listed_and_readable_in_the_admin(client, admin, seed_role):
    sheet = grading_sheet_get(role=seed_role)
    assessment = assessment_create(role=seed_role, sheet=sheet, ratings={"docker": "E"}, user=admin)
    client.force_login(admin)

    listing = client.get("/admin/grading/assessment/")
    detail = client.get(f"/admin/grading/assessment/{assessment.pk}/change/")
    add = client.get("/admin/grading/assessment/add/")

    assert listing.status_code == 200
    assert "MLOps Engineer" in listing.content.decode()
    assert detail.status_code == 200
    assert assessment.token in detail.content.decode()
    assert add.status_code == 403
    assert Assessment.objects.count() == 1
