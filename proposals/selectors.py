"""Reads of the proposals domain. Tallies are always counted from the vote rows."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from proposals.models import Comment, Expertise, Proposal, ProposalTarget, Review, Vote

AnyUser = AbstractBaseUser | AnonymousUser


class ProposalNotFound(LookupError):
    """No proposal with that id (or it is hidden as spam)."""


def user_email_verified(*, user: AnyUser) -> bool:
    """Whether ``user`` may propose, vote and comment: an active member with a verified email.

    The one place that decides it. With django-allauth installed this is allauth's verified
    ``EmailAddress``; without it (no accounts app yet) an email on the user record stands in.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if apps.is_installed("allauth.account"):
        email_address = apps.get_model("account", "EmailAddress")
        return bool(email_address.objects.filter(user=user, verified=True).exists())
    return bool(getattr(user, "email", ""))


def _vote_count(value: int) -> Coalesce:
    counted = (
        Vote.objects.filter(proposal=OuterRef("pk"), value=value)
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_tally(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    # Subqueries rather than joins: two counts over one join would multiply each other.
    return proposals.annotate(votes_up=_vote_count(1), votes_down=_vote_count(-1)).annotate(
        score=F("votes_up") - F("votes_down")
    )


SORTS = ("newest", "score", "closing")


def proposal_list(
    *,
    role_slug: str = "",
    status: str = "",
    domain_slug: str = "",
    skill_slug: str = "",
    level_code: str = "",
    sort: str = "newest",
) -> QuerySet[Proposal]:
    """Proposals with their tally (``votes_up``, ``votes_down``, ``score``) and comment count,
    filtered and sorted; spam is left out. One query per page (plus the paginator's count).

    ``skill_slug`` (and ``level_code``) keep proposals touching that skill (that cell): a change
    to the whole skill touches every one of its cells.
    """
    proposals = _with_tally(
        Proposal.objects.filter(is_spam=False).select_related("role", "author")
    ).annotate(
        comment_count=Coalesce(
            Subquery(
                Comment.objects.filter(proposal=OuterRef("pk"))
                .order_by()
                .values("proposal")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )
    )
    if role_slug:
        proposals = proposals.filter(role__slug=role_slug)
    if status:
        proposals = proposals.filter(status=status)
    target = Q()
    if domain_slug:
        target &= Q(domain__slug=domain_slug)
    if skill_slug:
        target &= Q(skill=skill_slug)
        if level_code:
            target &= Q(level=level_code) | Q(level="")
    if target:
        proposals = proposals.filter(
            Exists(ProposalTarget.objects.filter(target, proposal=OuterRef("pk")))
        )
    if sort == "score":
        return proposals.order_by("-score", "-created_at", "-pk")
    if sort == "closing":
        still_voting = Case(When(status=Proposal.Status.VOTING, then=Value(0)), default=Value(1))
        return proposals.order_by(still_voting, "closes_at", "-pk")
    return proposals.order_by("-created_at", "-pk")


def proposal_list_open(*, role_slug: str, skill_slug: str = "", level_code: str = "") -> Any:
    """Open proposals (voting or in review) of a role, optionally touching one skill or cell."""
    return proposal_list(
        role_slug=role_slug, skill_slug=skill_slug, level_code=level_code, sort="closing"
    ).filter(status__in=Proposal.OPEN_STATUSES)


def proposal_get(*, pk: int, viewer: AnyUser | None = None) -> Proposal:
    """One proposal with role, author, applied version and tally, the viewer's own vote as
    ``my_vote`` (0 when none), and its reviews with their reviewers: two queries."""
    reviews = Review.objects.select_related("reviewer").order_by("created_at", "pk")
    proposals = _with_tally(
        Proposal.objects.filter(is_spam=False)
        .select_related("role", "role__family", "author", "applied_version", "moderated_by")
        .prefetch_related(Prefetch("reviews", queryset=reviews))
    )
    if viewer is not None and viewer.is_authenticated:
        own = Vote.objects.filter(proposal=OuterRef("pk"), voter=viewer).values("value")[:1]
        proposals = proposals.annotate(
            my_vote=Coalesce(Subquery(own, output_field=IntegerField()), Value(0))
        )
    else:
        proposals = proposals.annotate(my_vote=Value(0, output_field=IntegerField()))
    proposal = proposals.filter(pk=pk).first()
    if proposal is None:
        raise ProposalNotFound(f"No proposal #{pk}")
    return proposal


def proposal_comments(*, proposal: Proposal) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(proposal=proposal)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def proposal_reviews(*, proposal: Proposal) -> QuerySet[Review]:
    return (
        Review.objects.filter(proposal=proposal)
        .select_related("reviewer")
        .order_by("created_at", "pk")
    )


def proposal_tally(*, proposal: Proposal) -> tuple[int, int]:
    """(up, down) counted from the vote rows now."""
    counts = Vote.objects.filter(proposal=proposal).aggregate(
        up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1))
    )
    return counts["up"], counts["down"]


def expert_can_review(*, user: AnyUser, proposal: Proposal) -> bool:
    """Whether ``user`` is a global expert or an expert of a domain the proposal touches (one
    query). Authors never review their own proposals."""
    if not user.is_authenticated or not user.is_active or user.pk == proposal.author_id:
        return False
    touched = ProposalTarget.objects.filter(proposal=proposal, domain_id__isnull=False).values(
        "domain_id"
    )
    return bool(
        Expertise.objects.filter(Q(domain__isnull=True) | Q(domain__in=touched), user=user).exists()
    )


def expertise_list(*, user: AnyUser) -> QuerySet[Expertise]:
    return Expertise.objects.filter(user_id=user.pk).select_related("domain")
