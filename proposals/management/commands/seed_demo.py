"""A demo community on the bundled role, so a newcomer running ``make run`` sees the lifecycle.

Demo members are named ``demo-…`` with addresses at ``demo.invalid`` (a domain that cannot
exist) and one known password; their proposals, votes, comments and reviews go through the
proposals services, so every one is valid by the site's own rules. Only the clock is forced: a
proposal's window is ended (or shortened) by moving ``closes_at``, then the closing service
decides it as the sweep would. Refused unless DEBUG is on: it must never run in production.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from proposals.models import Proposal
from proposals.services import (
    comment_add,
    expertise_grant,
    proposal_close_if_due,
    proposal_create,
    review_submit,
    vote_cast,
)
from roles.errors import RoleNotFound
from roles.models import Role
from roles.selectors import role_get
from skillsmatrix.members import email_preference_set

ROLE_SLUG = "mlops-engineer"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - shown to whoever runs the demo; DEBUG only
DEMO_DOMAIN = "demo.invalid"
# (username, days since joining): the accepted proposal's author is an older member.
MEMBERS = [
    ("demo-ana", 30),
    ("demo-ben", 20),
    ("demo-chen", 12),
    ("demo-dara", 9),
    ("demo-eli", 5),
    ("demo-fay", 2),
    ("demo-expert", 40),
]


def _cell(skill: str, level: str, code: str) -> dict[str, Any]:
    return {"op": "set_requirement", "skill": skill, "level": level, "code": code}


class Command(BaseCommand):
    help = (
        "Create a demo community on the bundled MLOps Engineer role: demo members (demo-*), "
        "open and decided proposals, votes, comments and a review. Needs DEBUG on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has proposals (what `make run` passes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates members with a known password: DEBUG only.")
        if options["if_empty"] and Proposal.objects.exists():
            self.stdout.write("The database has proposals already; no demo community added.")
            return
        if User.objects.filter(username__startswith="demo-").exists():
            raise CommandError("The demo community is there already (members named demo-*).")
        try:
            role = role_get(slug=ROLE_SLUG)
        except RoleNotFound:
            raise CommandError(
                f"No role {ROLE_SLUG!r}: import it first "
                "(manage.py import_role roles/data/mlops-engineer.json)."
            ) from None
        members = self._members()
        self._proposals(role, members)
        self.stdout.write(
            f"Demo community added: {len(members)} members ({', '.join(members)}), "
            f"password {DEMO_PASSWORD!r}; {Proposal.objects.filter(role=role).count()} proposals."
        )

    def _members(self) -> dict[str, User]:
        members = {}
        now = timezone.now()
        with transaction.atomic():
            for username, days in MEMBERS:
                user = User.objects.create_user(
                    username=username,
                    email=f"{username}@{DEMO_DOMAIN}",
                    password=DEMO_PASSWORD,
                    first_name="Demo",
                )
                User.objects.filter(pk=user.pk).update(date_joined=now - timedelta(days=days))
                user.refresh_from_db()
                EmailAddress.objects.create(
                    user=user, email=user.email, verified=True, primary=True
                )
                # Nobody reads a demo address: no emails about their proposals.
                email_preference_set(user=user, proposal_emails=False)
                members[username] = user
        expertise_grant(user=members["demo-expert"])
        return members

    def _close(self, proposal: Proposal) -> None:
        """End the window now and let the closing service decide, as the sweep would."""
        Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now())
        proposal_close_if_due(proposal_id=proposal.pk)
        proposal.refresh_from_db()

    def _propose(
        self, role: Role, author: User, title: str, rationale: str, change: dict[str, Any]
    ) -> Proposal:
        return proposal_create(
            role=role,
            author=author,
            title=f"[Demo] {title}",
            rationale=rationale,
            changes=[change],
        )

    @staticmethod
    def _votes(
        proposal: Proposal, members: dict[str, User], up: list[str], down: list[str]
    ) -> None:
        for name in up:
            vote_cast(proposal=proposal, voter=members[name], value=1)
        for name in down:
            vote_cast(proposal=proposal, voter=members[name], value=-1)

    def _proposals(self, role: Role, m: dict[str, User]) -> None:
        voters = ["demo-ben", "demo-chen", "demo-dara", "demo-eli", "demo-fay"]
        # Accepted: voted in, reviewed by the expert, applied as the role's next version.
        accepted = self._propose(
            role,
            m["demo-ana"],
            "Seniors work hands-on with Docker",
            "Seniors build and debug images every week; awareness is not enough.",
            _cell("docker", "senior", "W"),
        )
        self._votes(accepted, m, up=voters, down=[])
        comment_add(proposal=accepted, author=m["demo-ben"], text="Matches every team I know.")
        self._close(accepted)
        review_submit(
            proposal=accepted,
            reviewer=m["demo-expert"],
            decision="approve",
            comment="Agreed: image builds are part of a senior's daily work.",
        )
        # Rejected by the vote.
        rejected = self._propose(
            role,
            m["demo-chen"],
            "Juniors need working Terraform",
            "Our juniors write modules from day one.",
            _cell("terraform", "junior", "W"),
        )
        self._votes(rejected, m, up=["demo-ana", "demo-dara"], down=["demo-ben", "demo-eli"])
        self._votes(rejected, m, up=[], down=["demo-fay", "demo-expert"])
        comment_add(
            proposal=rejected,
            author=m["demo-eli"],
            text="Most teams give juniors existing modules; writing them comes later.",
        )
        self._close(rejected)
        # Carried by the vote, waiting for an expert's review.
        in_review = self._propose(
            role,
            m["demo-dara"],
            "Leads need working MLflow, not expertise",
            "Leads set up tracking once; the deep knowledge sits with the platform team.",
            _cell("mlflow", "lead", "W"),
        )
        self._votes(in_review, m, up=["demo-ana", "demo-ben", "demo-chen", "demo-eli"], down=[])
        self._votes(in_review, m, up=["demo-fay"], down=[])
        self._close(in_review)
        # Voting, with a discussion.
        voting = self._propose(
            role,
            m["demo-eli"],
            "Seniors run Kubernetes workloads themselves",
            "Seniors deploy and debug their own services on the cluster.",
            _cell("kubernetes-core", "senior", "W"),
        )
        self._votes(voting, m, up=["demo-ana", "demo-chen"], down=["demo-dara"])
        comment_add(proposal=voting, author=m["demo-dara"], text="Only where there is a cluster.")
        comment_add(
            proposal=voting, author=m["demo-eli"], text="Most MLOps teams run on one by now."
        )
        # Voting, its window ending in a few hours.
        closing = self._propose(
            role,
            m["demo-fay"],
            "Say what junior Docker awareness means",
            "New members ask what 'awareness' covers for Docker.",
            {
                "op": "set_details",
                "skill": "docker",
                "level": "junior",
                "text": "Runs a container from an image and reads a Dockerfile.",
            },
        )
        self._votes(closing, m, up=["demo-ben"], down=[])
        Proposal.objects.filter(pk=closing.pk).update(closes_at=timezone.now() + timedelta(hours=3))
