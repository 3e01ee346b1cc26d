from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from proposals.services import expertise_grant, expertise_revoke
from roles.models import SkillDomain


class Command(BaseCommand):
    help = (
        "Make a member an expert who reviews proposals: of one skill domain (--domain SLUG) "
        "or of every domain. --revoke takes that expertise away."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the member's username")
        parser.add_argument("--domain", help="a skill domain's slug; omit for a global expert")
        parser.add_argument("--revoke", action="store_true", help="take the expertise away")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        domain = None
        if options["domain"]:
            domain = SkillDomain.objects.filter(slug=options["domain"]).first()
            if domain is None:
                raise CommandError(f"no skill domain with slug {options['domain']!r}")
        scope = f"domain {domain.slug!r}" if domain else "every domain"
        if options["revoke"]:
            if not expertise_revoke(user=user, domain=domain):
                raise CommandError(f"{username} is not an expert of {scope}")
            self.stdout.write(f"{username} is no longer an expert of {scope}.")
            return
        _, created = expertise_grant(user=user, domain=domain)
        already = "" if created else " (already was)"
        self.stdout.write(f"{username} is an expert of {scope}{already}.")
