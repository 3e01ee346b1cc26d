"""The large community of the benchmarks (``manage.py seed_load``; issue 20): 50 roles of 40–80
skills, 20 000 members, 10 000 proposals, 300 000 votes, 20 000 comments, 50 000 assessments
and 400 role versions at scale 1, every count multiplied by ``scale``.

Where validity matters it goes through the apps' own services: the roles are imported
(``roles.services.role_import``) and every version after the first is an accepted proposal's
change set applied by the versioning service (``roles.services.role_change_apply``), so the
matrices, snapshots and history are what the site itself would have written. The volume —
members, votes, comments, assessments — is written with ``bulk_create``, made to fit the rules:
a proposal's tally fits its status by ``proposals.rules.decision_for`` and the settings, no
author votes on their own proposal, a member votes once per proposal, each assessment's grade
is the one the grading engine gives its ratings. No notifications are written.

Everything generated is marked: members ``load-00001`` (addresses at ``load.invalid``), roles
``load-01``, and the families, domains and skills they use ``seedload-…``. The same seed gives
the same data (the clock aside: times are laid out back from the moment it runs, so voting
proposals are open). It lives in the site because it writes both proposals and grading, which
never import each other.
"""

from __future__ import annotations

import base64
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from grading.models import Assessment
from grading.selectors import grade_ratings, grading_sheet_get
from proposals.models import Comment, Proposal, ProposalTarget, Review, Vote
from proposals.rules import IN_REVIEW, REJECTED, decision_for
from proposals.search import search_document
from proposals.services import expertise_grant
from roles.changes.types import PROPOSAL_OPS, changes_as_json, parse_changes
from roles.models import Role, RoleFamily, RoleVersion, Skill, SkillDomain
from roles.services import role_change_apply, role_delete, role_import
from skillsmatrix.models import EmailPreference

PREFIX = "load-"
# Members are load-00001…, roles load-01…: a real "load-testing" role or member never matches.
GENERATED = r"^load-[0-9]+$"
# The families, domains and skills the roles use (shared, global rows) are seedload-….
SHARED = "seedload-"
MEMBER_DOMAIN = "load.invalid"
# Every load member's password: one hash computed once (20 000 hashes would take minutes).
LOAD_PASSWORD = "load-password"  # noqa: S105 - benchmark members on a non-production site
DEFAULT_SEED = 20
BATCH = 5000

S = Proposal.Status
# Share of the proposals (accepted ones aside: their number is the versions') per status.
STATUS_SHARES = {
    S.VOTING: 0.16,
    S.IN_REVIEW: 0.08,
    S.REJECTED: 0.26,
    S.EXPIRED: 0.26,
    S.WITHDRAWN: 0.14,
    S.CONFLICT: 0.10,
}
PASSING = {S.IN_REVIEW, S.ACCEPTED, S.CONFLICT}
# A stored tally on proposals, where the model has one (issue 20).
TALLY_FIELDS: list[str] = ["votes_up", "votes_down", "score"]

LEVELS = [
    ("junior", "Junior", "Jun"),
    ("middle", "Middle", "Mid"),
    ("senior", "Senior", "Sen"),
    ("lead", "Lead", "Lead"),
    ("principal", "Principal", "Prin"),
]
CODES = ["A", "W", "E"]


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


TECH = _words(
    "Kubernetes Terraform Docker Python Go Rust Java Kotlin TypeScript React Postgres Redis Kafka "
    "Spark Airflow MLflow Prometheus Grafana Ansible Linux Nginx GraphQL gRPC Django FastAPI "
    "Spring Flutter Swift Snowflake dbt Elasticsearch RabbitMQ Helm ArgoCD Jenkins GitHub Vault "
    "Istio Envoy OpenTelemetry Pandas PyTorch TensorFlow Jupyter Tableau Figma Selenium Playwright "
    "Celery Cassandra MongoDB BigQuery Looker Okta Keycloak Webpack Vite Node"
)
ASPECTS = _words(
    "fundamentals operations security performance testing architecture troubleshooting "
    "automation monitoring migrations"
)
AREAS = _words(
    "Cloud Platforms|Data Engineering|Backend Development|Frontend Development|Observability|"
    "Security|Machine Learning|Delivery Pipelines|Databases|Mobile|Quality|Networking|"
    "Product Thinking|Leadership|Architecture|Developer Experience|Analytics|Reliability|"
    "Infrastructure as Code|Collaboration",
    "|",
)
FAMILIES = ["Platform", "Data", "Product Engineering", "Machine Learning", "Quality & Security"]
JOBS = _words(
    "Engineer|Developer|Specialist|Architect|Analyst|SRE|Consultant|Administrator|Scientist|Lead",
    "|",
)
WORDS = _words(
    "team teams production review practice experience week daily projects incidents customers "
    "platform budget scope ownership examples interviews hiring ladder expectation onboarding "
    "clear realistic common rare usual needed optional hands-on design debug deploy measure"
)
FIRST_NAMES = "Ana Ben Chen Dara Eli Fay Gus Hana Ivo Jin Kai Lea Max Noa Oli Pia Raj Sol Tom Uma"


@dataclass(frozen=True)
class Counts:
    """How much to make; :meth:`scaled` multiplies the large community's counts."""

    roles: int
    members: int
    proposals: int
    votes: int
    comments: int
    assessments: int
    versions: int
    heavy: int  # proposals with 500–1 500 votes and ~150 comments
    hot_roles: int  # roles with 30+ versions
    tokens: int
    experts: int

    @classmethod
    def scaled(cls, scale: float) -> Counts:
        def n(full: int, least: int = 0) -> int:
            return max(least, round(full * scale))

        roles = n(50, 1)
        return cls(
            roles=roles,
            members=n(20_000, 40),
            proposals=n(10_000, 20),
            votes=n(300_000),
            comments=n(20_000),
            assessments=n(50_000),
            versions=n(400, roles + 1),
            heavy=n(10, 1),
            hot_roles=n(5, 1),
            tokens=n(1000, 1),
            experts=n(40, 2),
        )


@dataclass
class _Role:
    """A generated role as it stands while proposals are laid out: its cells by skill."""

    role: Role
    cells: dict[str, dict[str, str | None]]
    names: dict[str, str]
    domains: dict[str, str]
    version: int = 1


@dataclass
class _Plan:
    role: _Role
    status: str
    created_at: datetime
    closes_at: datetime
    decided_at: datetime | None
    base_version: int
    changes: list[dict[str, Any]]
    title: str
    votes: int = 0
    up: int = 0
    heavy: bool = False
    proposal: Proposal | None = None

    @property
    def row(self) -> Proposal:
        if self.proposal is None:
            raise RuntimeError("the proposal is not written yet")
        return self.proposal


@dataclass(frozen=True)
class LoadResult:
    counts: dict[str, int]
    tokens: list[str]
    timings: dict[str, float]


def load_data_exists() -> bool:
    """Whether the database holds seed_load data (its members or roles)."""
    return User.objects.filter(username__regex=GENERATED).exists() or _roles().exists()


def _roles() -> models.QuerySet[Role]:
    return Role.objects.filter(slug__regex=GENERATED)


@transaction.atomic
def load_data_delete() -> None:
    """Remove every seed_load row: its roles (with their proposals, votes, comments, versions
    and assessments), members, and the families, domains and skills only it uses."""
    for role in _roles():
        role_delete(role=role)
    User.objects.filter(username__regex=GENERATED).delete()
    # Only what no other role has come to use.
    Skill.objects.filter(slug__startswith=SHARED, role_skills__isnull=True).delete()
    SkillDomain.objects.filter(slug__startswith=SHARED, role_skills__isnull=True).delete()
    RoleFamily.objects.filter(slug__startswith=SHARED, roles__isnull=True).delete()


@contextmanager
def _timestamps_as_given(*fields: models.Field[Any, Any]) -> Iterator[None]:
    """Let ``bulk_create`` write the times generated for ``auto_now``/``auto_now_add`` fields
    (a community is made of months of activity, not one instant)."""
    saved = [(f, getattr(f, "auto_now", False), getattr(f, "auto_now_add", False)) for f in fields]
    try:
        for f, _now, _add in saved:
            f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add  # type: ignore[attr-defined]


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    return model._meta.get_field(name)  # type: ignore[return-value]


def _has_tally() -> bool:
    """Whether proposals store their tally (``votes_up``, ``votes_down``, ``score``)."""
    names = {f.name for f in Proposal._meta.get_fields()}
    return set(TALLY_FIELDS) <= names


class LoadSeeder:
    """One generation run; :meth:`run` writes it all in one transaction."""

    def __init__(
        self, *, seed: int, counts: Counts, progress: Callable[[str], None] = lambda _m: None
    ) -> None:
        # Repeatable by design: the same seed, the same community (no secret comes of it).
        self.rng = random.Random(seed)  # noqa: S311
        self.counts = counts
        self.progress = progress
        self.now = timezone.now()
        self.window = timedelta(hours=settings.VOTING_WINDOW_HOURS)
        self.member_ids: list[int] = []
        self.expert_ids: list[int] = []
        self.roles: list[_Role] = []
        self.tokens: list[str] = []
        self.made: dict[str, int] = {}
        self.domain_ids: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    # --- members ---------------------------------------------------------------------------

    def _members(self) -> None:
        rng, n = self.rng, self.counts.members
        password = make_password(LOAD_PASSWORD)
        names = FIRST_NAMES.split()
        users = [
            User(
                username=f"{PREFIX}{i:05d}",
                email=f"{PREFIX}{i:05d}@{MEMBER_DOMAIN}",
                password=password,
                first_name=rng.choice(names),
                last_name="Load",
                date_joined=self.now - timedelta(days=rng.uniform(400, 1500)),
            )
            for i in range(1, n + 1)
        ]
        User.objects.bulk_create(users, batch_size=BATCH)
        by_name = dict(User.objects.filter(username__regex=GENERATED).values_list("username", "pk"))
        self.member_ids = [by_name[u.username] for u in users]
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user_id=pk, email=u.email, verified=True, primary=True)
                for u, pk in zip(users, self.member_ids, strict=True)
            ],
            batch_size=BATCH,
        )
        # Nobody reads a load address: no emails about their proposals.
        EmailPreference.objects.bulk_create(
            [EmailPreference(user_id=pk, proposal_emails=False) for pk in self.member_ids],
            batch_size=BATCH,
        )
        self.tokens = [f"{rng.getrandbits(160):040x}" for _ in range(self.counts.tokens)]
        Token.objects.bulk_create(
            [
                Token(key=key, user_id=pk)
                for key, pk in zip(self.tokens, self.member_ids, strict=False)
            ]
        )
        # Global experts, the reviewers of the decided proposals: the last members.
        for pk in self.member_ids[-self.counts.experts :]:
            expertise_grant(user=User.objects.get(pk=pk))
        self.expert_ids = self.member_ids[-self.counts.experts :]
        self.made["members"] = n

    # --- roles -----------------------------------------------------------------------------

    def _document(self, index: int) -> dict[str, Any]:
        rng = self.rng
        family = FAMILIES[index % len(FAMILIES)]
        title = f"{rng.choice(TECH)} {rng.choice(JOBS)} {index + 1}"
        areas = rng.sample(AREAS, rng.randint(5, 8))
        n_skills = rng.randint(40, 80)
        pool = rng.sample([(t, a) for t in TECH for a in ASPECTS], n_skills)
        domains = []
        for d, area in enumerate(areas):
            skills = []
            for tech, aspect in pool[d :: len(areas)]:
                start = rng.randint(0, 2)
                code = rng.randint(0, 1)
                requirements: dict[str, Any] = {}
                for i, (level, _name, _short) in enumerate(LEVELS):
                    if i < start:
                        requirements[level] = None
                        continue
                    requirements[level] = CODES[min(code, 2)]
                    code += rng.random() < 0.55
                skills.append(
                    {
                        "name": f"{tech} {aspect}",
                        "slug": f"{SHARED}{tech.lower()}-{aspect}",
                        "description": f"{aspect.capitalize()} of {tech} in real projects.",
                        "requirements": requirements,
                    }
                )
            domains.append({"name": area, "slug": SHARED + slugify(area), "skills": skills})
        return {
            "format": "skillsmatrix.role/v1",
            "family": {"slug": SHARED + slugify(family), "name": family},
            "role": {
                "slug": f"{PREFIX}{index + 1:02d}",
                "title": title,
                "tagline": f"{title}: generated for the benchmarks",
                "key_domains": areas[:3],
            },
            "levels": [
                {
                    "code": code,
                    "name": name,
                    "short": short,
                    "focus": f"{name} work: {', '.join(rng.sample(TECH, 3))}.",
                    "stack": rng.sample(TECH, 5),
                }
                for code, name, short in LEVELS
            ],
            "domains": domains,
        }

    def _roles(self) -> None:
        for index in range(self.counts.roles):
            document = self._document(index)
            result = role_import(raw=document)
            cells: dict[str, dict[str, str | None]] = {}
            names, domains = {}, {}
            for domain in document["domains"]:
                for skill in domain["skills"]:
                    cells[skill["slug"]] = dict(skill["requirements"])
                    names[skill["slug"]] = skill["name"]
                    domains[skill["slug"]] = domain["slug"]
            self.roles.append(_Role(role=result.role, cells=cells, names=names, domains=domains))
        self.made["roles"] = len(self.roles)

    # --- proposals -------------------------------------------------------------------------

    def _statuses(self) -> list[str]:
        c = self.counts
        accepted = c.versions - c.roles
        rest = max(c.proposals - accepted, len(STATUS_SHARES))
        statuses = [str(S.ACCEPTED)] * accepted
        # Each status its share (at least one), voting first in the shares and given the rest.
        shares = list(STATUS_SHARES.items())
        for status, share in shares[1:]:
            statuses += [str(status)] * max(1, round(rest * share))
        statuses += [str(S.VOTING)] * max(1, rest - (len(statuses) - accepted))
        return statuses

    def _change(self, state: _Role) -> list[dict[str, Any]]:
        """One to three cell changes that each change the role as it stands."""
        rng = self.rng
        changes = []
        for skill in rng.sample(sorted(state.cells), rng.randint(1, 3)):
            level = rng.choice(LEVELS)[0]
            now = state.cells[skill][level]
            code = rng.choice([c for c in [*CODES, None] if c != now])
            changes.append({"op": "set_requirement", "skill": skill, "level": level, "code": code})
        return changes_as_json(parse_changes(changes, allowed=PROPOSAL_OPS))

    def _times(self, status: str) -> tuple[datetime, datetime, datetime | None]:
        rng, now, window = self.rng, self.now, self.window
        if status == S.VOTING:
            created = now - window * rng.uniform(0.02, 0.95)
            return created, created + window, None
        if status == S.IN_REVIEW:
            created = now - window - timedelta(hours=rng.uniform(1, 24 * 20))
            return created, created + window, None
        created = now - window - timedelta(days=rng.uniform(2, 360))
        closes = created + window
        if status == S.WITHDRAWN:
            return created, closes, created + window * rng.uniform(0.05, 0.9)
        decided = closes + timedelta(hours=rng.uniform(0, 72) if status in PASSING else 0)
        return created, closes, decided

    def _plans(self) -> list[_Plan]:
        rng, c = self.rng, self.counts
        statuses = self._statuses()
        accepted = c.versions - c.roles
        hot = self.roles[: c.hot_roles]
        # The hot roles take over half the accepted proposals (30+ versions each at scale 1).
        owners = [hot[i % len(hot)] for i in range(round(accepted * 0.55))]
        owners += [rng.choice(self.roles) for _ in range(accepted - len(owners))]
        owners += [
            rng.choice(hot) if rng.random() < 0.2 else rng.choice(self.roles)
            for _ in statuses[accepted:]
        ]
        plans = []
        for status, state in zip(statuses, owners, strict=True):
            created, closes, decided = self._times(status)
            plans.append(
                _Plan(
                    role=state,
                    status=status,
                    created_at=created,
                    closes_at=closes,
                    decided_at=decided,
                    base_version=1,
                    changes=[],
                    title="",
                )
            )
        plans.sort(key=lambda p: p.created_at)
        # In time order, each proposal is written against its role as it then stood; the
        # accepted ones move the role on (their version is made below, in the same order).
        for plan in plans:
            state = plan.role
            plan.changes = self._change(state)
            plan.base_version = state.version
            if plan.status == S.CONFLICT and state.version > 1:
                plan.base_version = state.version - 1
            first = plan.changes[0]
            level = next(name for code, name, _s in LEVELS if code == first["level"])
            verb = {"A": "awareness of", "W": "working", "E": "expert"}.get(
                first["code"] or "", "no"
            )
            plan.title = f"{level}s need {verb} {state.names[first['skill']]}"
            if plan.status == S.ACCEPTED:
                for change in plan.changes:
                    state.cells[change["skill"]][change["level"]] = change["code"]
                state.version += 1
        return plans

    def _tallies(self, plans: list[_Plan]) -> None:
        """Votes per proposal, fitting its status, adding up to the votes asked for."""
        quorum, ratio = settings.VOTING_QUORUM, settings.VOTING_APPROVAL_RATIO
        most = len(self.member_ids) - 1
        self._heavy(plans, most)
        light = [p for p in plans if not p.heavy]
        for p in light:
            if p.status == S.EXPIRED:
                p.votes = self.rng.randint(0, min(quorum - 1, most))
            elif p.status in PASSING or p.status == S.REJECTED:
                p.votes = min(quorum, most)
        self._spread(plans, [p for p in light if p.status != S.EXPIRED], most)
        for p in plans:
            p.up = self._up(p, quorum, ratio)

    def _heavy(self, plans: list[_Plan], most: int) -> None:
        """The proposals with 500–1 500 votes (as many as there are members, if fewer)."""
        statuses = [S.IN_REVIEW, S.ACCEPTED, S.VOTING, S.REJECTED]
        for i in range(self.counts.heavy):
            wanted = statuses[i % len(statuses)]
            plan = next(
                (p for p in reversed(plans) if p.status == wanted and not p.heavy),
                plans[-1 - i],
            )
            plan.heavy = True
            plan.votes = min(self.rng.randint(500, 1500), most)

    def _spread(self, plans: list[_Plan], growing: list[_Plan], most: int) -> None:
        """The votes still to give, over ``growing``, a few proposals drawing many."""
        rng = self.rng
        left = self.counts.votes - sum(p.votes for p in plans)
        weights = [rng.lognormvariate(0, 1) for _ in growing]
        total = sum(weights) or 1.0
        for p, w in zip(growing, weights, strict=True):
            p.votes = min(most, p.votes + max(0, math.floor(left * w / total)))
        # What the rounding down left over, one by one, where there is room.
        left = self.counts.votes - sum(p.votes for p in plans)
        room = [p for p in growing if p.votes < most]
        while left > 0 and room:
            p = rng.choice(room)
            p.votes += 1
            left -= 1
            if p.votes >= most:
                room.remove(p)

    def _up(self, p: _Plan, quorum: int, ratio: float) -> int:
        n = p.votes
        if p.status in PASSING:
            up = self.rng.randint(min(n, math.ceil(ratio * n)), n)
            while (
                up < n
                and decision_for(up=up, down=n - up, quorum=quorum, approval_ratio=ratio)
                != IN_REVIEW
            ):
                up += 1
            return up
        if p.status == S.REJECTED:
            up = self.rng.randint(0, max(0, math.ceil(ratio * n) - 1))
            while (
                up > 0
                and decision_for(up=up, down=n - up, quorum=quorum, approval_ratio=ratio)
                != REJECTED
            ):
                up -= 1
            return up
        return round(n * self.rng.random())

    def _text(self, words: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(words)).capitalize() + "."

    def _proposals(self, plans: list[_Plan]) -> None:
        rng = self.rng
        rows = []
        for p in plans:
            author = rng.choice(self.member_ids)
            rows.append(
                Proposal(
                    role=p.role.role,
                    author_id=author,
                    title=p.title,
                    rationale=" ".join(self._text(rng.randint(8, 20)) for _ in range(3)),
                    base_version=p.base_version,
                    changes=p.changes,
                    status=S.ACCEPTED if p.status == S.ACCEPTED else p.status,
                    created_at=p.created_at,
                    closes_at=p.closes_at,
                    decided_at=p.decided_at,
                    conflicts=(
                        [f"{p.changes[0]['skill']} at {p.changes[0]['level']}"]
                        if p.status == S.CONFLICT
                        else []
                    ),
                )
            )
        with _timestamps_as_given(_field(Proposal, "created_at")):
            Proposal.objects.bulk_create(rows, batch_size=BATCH)
        for p, row in zip(plans, rows, strict=True):
            p.proposal = row
        targets = [
            ProposalTarget(
                proposal=p.proposal,
                skill=change["skill"],
                level=change["level"],
                domain_id=self.domain_ids[p.role.domains[change["skill"]]],
            )
            for p in plans
            for change in {(c["skill"], c["level"]): c for c in p.changes}.values()
        ]
        ProposalTarget.objects.bulk_create(targets, batch_size=BATCH)
        self.made["proposals"] = len(rows)

    def _versions(self, plans: list[_Plan]) -> None:
        """Apply the accepted proposals in time order, as review_submit would have."""
        applied = []
        for p in plans:
            if p.status != S.ACCEPTED:
                continue
            proposal = p.row
            version = role_change_apply(
                role=p.role.role,
                changes=parse_changes(proposal.changes, allowed=PROPOSAL_OPS),
                author=proposal.author,
                source=RoleVersion.Source.PROPOSAL,
                message=f"Proposal #{proposal.pk}: {proposal.title}",
                base_version=proposal.base_version,
                proposal=proposal,
            )
            if version is None:  # the changes were laid out to change the role
                raise RuntimeError(f"proposal #{proposal.pk} changed nothing")
            RoleVersion.objects.filter(pk=version.pk).update(created_at=p.decided_at)
            proposal.applied_version = version
            applied.append(proposal)
        Proposal.objects.bulk_update(applied, ["applied_version"], batch_size=BATCH)
        self.made["versions"] = RoleVersion.objects.filter(role__in=_roles()).count()
        reviews = [
            Review(
                proposal=p.proposal,
                reviewer_id=self.rng.choice(self.expert_ids),
                decision=Review.Decision.APPROVE,
                comment=self._text(10),
                created_at=p.decided_at or self.now,
            )
            for p in plans
            if p.status in (S.ACCEPTED, S.CONFLICT)
        ]
        with _timestamps_as_given(_field(Review, "created_at")):
            Review.objects.bulk_create(reviews, batch_size=BATCH)

    # --- votes and comments ----------------------------------------------------------------

    def _moment(self, p: _Plan) -> datetime:
        end = min(p.closes_at, p.decided_at or p.closes_at, self.now)
        return p.created_at + (end - p.created_at) * self.rng.random()

    def _votes(self, plans: list[_Plan]) -> None:
        rng = self.rng
        fields = [_field(Vote, "created_at"), _field(Vote, "updated_at")]
        batch: list[Vote] = []
        made = 0
        with _timestamps_as_given(*fields):
            for p in plans:
                proposal = p.row
                voters = rng.sample(self.member_ids, min(p.votes + 1, len(self.member_ids)))
                voters = [v for v in voters if v != proposal.author_id][: p.votes]
                values = [1] * p.up + [-1] * (p.votes - p.up)
                rng.shuffle(values)
                for voter, value in zip(voters, values, strict=True):
                    at = self._moment(p)
                    reason = self._text(6) if value == -1 and rng.random() < 0.3 else ""
                    batch.append(
                        Vote(
                            proposal=proposal,
                            voter_id=voter,
                            value=value,
                            reason=reason,
                            created_at=at,
                            updated_at=at,
                        )
                    )
                if len(batch) >= BATCH * 4:
                    Vote.objects.bulk_create(batch, batch_size=BATCH)
                    made += len(batch)
                    batch = []
            Vote.objects.bulk_create(batch, batch_size=BATCH)
        self.made["votes"] = made + len(batch)
        if _has_tally():
            # The stored tally the vote services keep, written as they would have.
            for p in plans:
                tally = {
                    "votes_up": p.up,
                    "votes_down": p.votes - p.up,
                    "score": 2 * p.up - p.votes,
                }
                for name, value in tally.items():
                    setattr(p.row, name, value)
            Proposal.objects.bulk_update([p.row for p in plans], TALLY_FIELDS, batch_size=BATCH)

    def _comments(self, plans: list[_Plan]) -> None:
        rng, total = self.rng, self.counts.comments
        per: dict[int, int] = {}
        for i, p in enumerate(plans):
            if p.heavy:
                per[i] = min(rng.randint(130, 170), max(0, total - sum(per.values())))
        left = total - sum(per.values())
        for _ in range(left):
            i = rng.randrange(len(plans))
            per[i] = per.get(i, 0) + 1
        tops: list[Comment] = []
        replies: list[tuple[int, Comment]] = []
        for i, k in sorted(per.items()):
            p = plans[i]
            first = len(tops)
            for j in range(k):
                comment = Comment(
                    proposal=p.proposal,
                    author_id=rng.choice(self.member_ids),
                    text=" ".join(self._text(rng.randint(5, 18)) for _ in range(rng.randint(1, 3))),
                    created_at=self._moment(p),
                )
                if j and rng.random() < 0.2:
                    replies.append((rng.randrange(first, len(tops)), comment))
                else:
                    tops.append(comment)
        with _timestamps_as_given(_field(Comment, "created_at")):
            Comment.objects.bulk_create(tops, batch_size=BATCH)
            for parent, reply in replies:
                reply.parent = tops[parent]
                reply.created_at = max(reply.created_at, tops[parent].created_at)
            Comment.objects.bulk_create([r for _p, r in replies], batch_size=BATCH)
        self.made["comments"] = len(tops) + len(replies)
        if connection.vendor == "postgresql":
            # What proposal_search_document_write does, for all of them in one statement.
            Proposal.objects.filter(role__in=_roles()).update(
                search_document=search_document(Comment)
            )

    # --- assessments -----------------------------------------------------------------------

    def _assessments(self) -> None:
        rng, total = self.rng, self.counts.assessments
        retention = settings.ASSESSMENT_RETENTION_DAYS
        rows: list[Assessment] = []
        for r, state in enumerate(self.roles):
            role = Role.objects.get(pk=state.role.pk)
            sheet = grading_sheet_get(role=role)
            share = total // len(self.roles) + (r < total % len(self.roles))
            # A pool of self-ratings per role, graded once each by the engine: grading every
            # assessment apart would cost minutes for the same kind of data.
            pool = []
            for _ in range(min(share, 60)):
                aim = rng.randrange(len(LEVELS))
                ratings = {}
                for slug, cells in state.cells.items():
                    if rng.random() < 0.15:
                        continue
                    code = cells[LEVELS[aim][0]] or rng.choice(CODES)
                    if rng.random() < 0.2:
                        code = rng.choice(CODES)
                    ratings[slug] = code
                result = grade_ratings(sheet=sheet, ratings=ratings)
                level = sheet.level(result.grade)
                pool.append((ratings, result.grade or "", level.name if level else ""))
            for _ in range(share):
                ratings, grade, grade_name = rng.choice(pool)
                member = rng.random() < 0.6
                days = rng.uniform(0, 700 if member else retention - 2)
                rows.append(
                    Assessment(
                        token=base64.urlsafe_b64encode(rng.randbytes(24)).decode(),
                        role=role,
                        role_version=role.current_version,
                        ratings=ratings,
                        grade=grade,
                        grade_name=grade_name,
                        user_id=rng.choice(self.member_ids) if member else None,
                        created_at=self.now - timedelta(days=days),
                    )
                )
        with _timestamps_as_given(_field(Assessment, "created_at")):
            Assessment.objects.bulk_create(rows, batch_size=BATCH)
        self.made["assessments"] = len(rows)

    # --- the run ---------------------------------------------------------------------------

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        yield
        self.timings[name] = round(time.monotonic() - start, 1)
        self.progress(f"{name}: {self.timings[name]} s")

    def run(self) -> LoadResult:
        with transaction.atomic():
            with self._step("members"):
                self._members()
            with self._step("roles"):
                self._roles()
                self.domain_ids = dict(
                    SkillDomain.objects.filter(slug__startswith=SHARED).values_list("slug", "pk")
                )
            with self._step("proposals"):
                plans = self._plans()
                self._proposals(plans)
            with self._step("versions"):
                self._versions(plans)
            with self._step("votes"):
                self._tallies(plans)
                self._votes(plans)
            with self._step("comments"):
                self._comments(plans)
            with self._step("assessments"):
                self._assessments()
        return LoadResult(counts=dict(self.made), tokens=self.tokens, timings=self.timings)
