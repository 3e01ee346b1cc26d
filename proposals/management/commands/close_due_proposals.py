from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from proposals.services import proposals_close_due


class Command(BaseCommand):
    help = (
        "Close every proposal whose voting window has ended: expired, rejected or in review "
        "(the periodic task does the same)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed = proposals_close_due()
        for item in closed:
            self.stdout.write(f"#{item.proposal_id}: {item.status}")
        self.stdout.write(f"{len(closed)} proposal(s) closed.")
