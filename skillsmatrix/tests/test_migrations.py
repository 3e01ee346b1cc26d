"""Migrations that move data: the members' email preferences move from proposals to the site
(skillsmatrix 0002, proposals 0003) and every row survives, both ways."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Real transactions: SQLite cannot change its schema inside the atomic block of a plain
# django_db test (foreign key checks), and PostgreSQL runs the same way.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("proposals", "0002_notifications_and_email_preferences"),
    ("skillsmatrix", "0001_rate_limit_entry"),
]
AFTER = [("proposals", "0003_delete_emailpreference"), ("skillsmatrix", "0002_email_preference")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _preferences(apps, app_label):
    model = apps.get_model(app_label, "EmailPreference")
    return sorted(
        (row.user.username, row.language, row.proposal_emails) for row in model.objects.all()
    )


def test_email_preferences_move_to_the_site_and_back_with_every_row():
    latest = _latest()
    try:
        old_apps = _migrate(BEFORE)
        user_model = old_apps.get_model("auth", "User")
        old_preference = old_apps.get_model("proposals", "EmailPreference")
        for username, language, proposal_emails in [
            ("ana", "es", True),
            ("bo", "en", False),
            ("cy", "es", False),
        ]:
            user = user_model.objects.create(username=username)
            old_preference.objects.create(
                user=user, language=language, proposal_emails=proposal_emails
            )
        user_model.objects.create(username="dee")  # no row: keeps the defaults
        expected = [("ana", "es", True), ("bo", "en", False), ("cy", "es", False)]

        new_apps = _migrate(AFTER)
        assert _preferences(new_apps, "skillsmatrix") == expected
        with pytest.raises(LookupError):
            new_apps.get_model("proposals", "EmailPreference")

        back_apps = _migrate(BEFORE)
        assert _preferences(back_apps, "proposals") == expected
    finally:
        _migrate(latest)
