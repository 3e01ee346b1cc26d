from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from proposals.notify import digests_send


class Command(BaseCommand):
    help = (
        "Send every member the digest of their notifications waiting for it, once (the daily "
        "periodic task does the same)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{digests_send()} digest(s) sent.")
