"""What a restored backup must give back, read the same way from any database: every role and
framework as its export command writes it, every proposal's status and tally, every version's
snapshot and the sequences' positions (so new rows do not collide with restored ones)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection


def backup_contents(exports: Path) -> dict[str, Any]:
    """Write every role's and framework's export to ``exports``; return the rest."""
    from proposals.models import Proposal
    from proposals.selectors import proposal_get
    from roles.models import Framework, Role, RoleVersion

    for slug in Role.objects.order_by("slug").values_list("slug", flat=True):
        call_command("export_role", slug, output=str(exports / f"role-{slug}.json"))
    for slug in Framework.objects.order_by("slug").values_list("slug", flat=True):
        call_command("export_framework", slug, output=str(exports / f"framework-{slug}.json"))
    tallies = {}
    for pk in Proposal.objects.order_by("pk").values_list("pk", flat=True):
        proposal = proposal_get(pk=pk)
        # The tally as every page and the API show it (stored, equal to the vote rows).
        up, down = proposal.votes_up, proposal.votes_down
        tallies[str(pk)] = [proposal.status, up, down]
    versions = [
        [slug, number, hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()]
        for slug, number, snapshot in RoleVersion.objects.order_by("role__slug", "number")
        .values_list("role__slug", "number", "snapshot")
        .iterator()
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = 'public' ORDER BY sequencename"
        )
        sequences = dict(cursor.fetchall())
    return {"tallies": tallies, "versions": versions, "sequences": sequences}
