"""Writes of the proposals domain (DESIGN §5): proposing, voting, discussing, closing, review,
expertise and moderation. Every service owns its transaction and raises domain errors only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.errors import (
    ProposalForbidden,
    ProposalInvalid,
    ProposalLimitReached,
    ProposalStateError,
    VoteNotFound,
)
from proposals.models import (
    COMMENT_MAX_LENGTH,
    MAX_EVIDENCE_LINKS,
    MODERATION_REASON_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    REVIEW_COMMENT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Comment,
    Expertise,
    Notification,
    Proposal,
    ProposalTarget,
    Review,
    Vote,
)
from proposals.rules import decision_for, review_approved, voting_has_ended
from proposals.selectors import (
    AnyUser,
    ChangesPreview,
    changes_preview,
    expert_can_review,
    proposal_expert_ids,
    proposal_get,
    proposal_tally,
    role_current_state,
)
from roles.changes.base import Change
from roles.changes.parts import SetSkill
from roles.changes.state import RoleState
from roles.changes.types import PROPOSAL_OPS, changes_as_json, parse_changes
from roles.errors import ChangeConflict, RoleChangeError
from roles.models import Role, RoleVersion, SkillDomain
from roles.services import role_change_apply
from skillsmatrix.background import pause_point, send_after_commit
from skillsmatrix.members import (
    email_preference_get,
    member_can_participate,
    member_ids_without_proposal_emails,
)
from skillsmatrix.text import validate_one_line, validate_visible_text


def _require_verified(user: User) -> None:
    if not member_can_participate(user):
        raise ProposalForbidden(_("Verify your email address to take part in proposals."))


def _lock_member(user: User) -> None:
    """Serialise one member's capped writes: the cap is counted while holding this row lock, so
    parallel requests of the same member cannot all see room under it."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def _lock_proposal(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    if locked is None:
        raise ProposalStateError(_("This proposal no longer exists."))
    return locked


def _require_text(field: str, value: str, max_length: int, *, one_line: bool = False) -> str:
    try:
        if one_line:
            validate_one_line(value)
        validate_visible_text(value)
    except ValidationError as exc:
        raise ProposalInvalid({field: exc.messages[0]}) from exc
    value = value.strip()
    if not value:
        raise ProposalInvalid({field: _("This field is required.")})
    if len(value) > max_length:
        raise ProposalInvalid(
            {
                field: _("At most %(n)d characters (it has %(m)d).")
                % {"n": max_length, "m": len(value)}
            }
        )
    return value


def _clean_links(links: list[str]) -> list[str]:
    links = [link.strip() for link in links if link.strip()]
    if len(links) > MAX_EVIDENCE_LINKS:
        raise ProposalInvalid(
            {"evidence_links": _("At most %(n)d links.") % {"n": MAX_EVIDENCE_LINKS}}
        )
    validate = URLValidator(schemes=["http", "https"])
    for index, link in enumerate(links):
        try:
            validate(link)
        except ValidationError:
            raise ProposalInvalid(
                {f"evidence_links[{index}]": _("Not an http(s) address: %(link)s") % {"link": link}}
            ) from None
        if len(link) > 500:
            raise ProposalInvalid(
                {f"evidence_links[{index}]": _("Addresses are at most 500 characters.")}
            )
    return links


# --- Proposing ---------------------------------------------------------------------------------


def _change_domains(change: Change, state: RoleState) -> list[str]:
    """The domains one change touches ("" for a part in no domain: a level, a scale, a track,
    the framework). A skill's shared parts (``set_skill``) are in the domain the framework
    files the skill under, and in the one it would be refiled under; a cell or row in the
    skill's domain in this role."""
    skill = getattr(change, "skill", "")
    in_role = state.skill(skill) if skill else None
    if isinstance(change, SetSkill):
        home = in_role.home_domain or in_role.domain if in_role else ""
        return list(dict.fromkeys([home, change.domain or home]))
    # A new skill names its domain (set_domain the domain it sets); a skill of the role sits
    # in one.
    return [getattr(change, "domain", "") or (in_role.domain if in_role else "")]


def _targets(proposal: Proposal, preview: ChangesPreview) -> list[ProposalTarget]:
    """The places the changes touch, with the domain of each (none for a part outside every
    domain, which only a global expert may review)."""
    places: dict[tuple[str, str, str], None] = {}
    for change in preview.changes:
        skill = getattr(change, "skill", "")
        level = getattr(change, "level", "")
        for domain in _change_domains(change, preview.state):
            places[(skill, level, domain)] = None
    # Domain slugs are unique within a framework only: look in the role's own.
    domains = dict(
        SkillDomain.objects.filter(
            framework=proposal.role.framework_id, slug__in={d for _s, _l, d in places} - {""}
        ).values_list("slug", "pk")
    )
    return [
        ProposalTarget(proposal=proposal, skill=skill, level=level, domain_id=domains.get(domain))
        for skill, level, domain in places
    ]


def proposal_create(
    *,
    role: Role,
    author: User,
    title: str,
    rationale: str,
    changes: Any,
    evidence_links: Sequence[str] = (),
    base_version: int | None = None,
) -> Proposal:
    """Open a proposal for voting: a title, a required rationale, optional evidence links and
    an ordered list of typed changes (their JSON form), written against ``base_version`` (the
    role's current version when None).

    The changes are checked against the role as it is now: an unknown skill or level, a bad
    value or a change that makes no difference is refused with the change's path
    (:class:`ProposalInvalid`). At most ``PROPOSALS_OPEN_PER_MEMBER`` open proposals per
    member, counted under a lock on the member's row so parallel requests cannot beat it.
    """
    _require_verified(author)
    title = _require_text("title", title, TITLE_MAX_LENGTH, one_line=True)
    rationale = _require_text("rationale", rationale, RATIONALE_MAX_LENGTH)
    links = _clean_links(list(evidence_links))
    current = role.current_version
    base = current if base_version is None else base_version
    if not 1 <= base <= current:
        raise ProposalInvalid({"base_version": _("No version %(n)s of this role.") % {"n": base}})
    preview = changes_preview(state=role_current_state(role=role), changes=changes)
    with transaction.atomic():
        _lock_member(author)
        open_count = Proposal.objects.filter(
            author=author, status__in=Proposal.OPEN_STATUSES
        ).count()
        if open_count >= settings.PROPOSALS_OPEN_PER_MEMBER:
            raise ProposalLimitReached(
                _(
                    "You have %(n)d open proposals, the most allowed. Wait for one to be "
                    "decided, or withdraw one."
                )
                % {"n": open_count}
            )
        proposal = Proposal(
            role=role,
            author=author,
            title=title,
            rationale=rationale,
            evidence_links=links,
            base_version=base,
            changes=changes_as_json(preview.changes),
            closes_at=timezone.now() + timedelta(hours=settings.VOTING_WINDOW_HOURS),
        )
        proposal.full_clean(exclude=["role", "author"])
        proposal.save()
        ProposalTarget.objects.bulk_create(_targets(proposal, preview))
    return proposal


# --- Voting ------------------------------------------------------------------------------------


def _require_voting(proposal: Proposal) -> None:
    if not proposal.voting_is_open:
        raise ProposalStateError(_("Voting on this proposal is closed."))


@transaction.atomic
def vote_cast(*, proposal: Proposal, voter: User, value: int) -> Vote:
    """Cast or change ``voter``'s vote (+1 or -1) while the proposal is voting.

    A new vote counts towards ``VOTES_PER_MEMBER_PER_DAY`` (the last 24 hours); changing one
    does not. The member's row and the proposal's row are locked, so neither the cap nor the
    one-vote rule can be beaten by parallel requests.
    """
    if value not in (1, -1):
        raise ProposalInvalid({"value": _("A vote is 1 (up) or -1 (down).")})
    _require_verified(voter)
    if voter.pk == proposal.author_id:
        raise ProposalForbidden(_("Authors do not vote on their own proposals."))
    _lock_member(voter)
    locked = _lock_proposal(proposal)
    now = timezone.now()
    _require_voting(locked)
    vote = Vote.objects.filter(proposal=locked, voter=voter).first()
    if vote is not None:
        if vote.value != value:
            vote.value = value
            vote.save(update_fields=["value", "updated_at"])
        return vote
    cast_today = Vote.objects.filter(voter=voter, created_at__gte=now - timedelta(days=1)).count()
    if cast_today >= settings.VOTES_PER_MEMBER_PER_DAY:
        raise ProposalLimitReached(
            _("You have cast %(n)d votes in the last 24 hours, the most allowed. Try again later.")
            % {"n": cast_today}
        )
    try:
        with transaction.atomic():
            return Vote.objects.create(proposal=locked, voter=voter, value=value)
    except IntegrityError:  # pragma: no cover - the locks above make this unreachable
        raise ProposalStateError(_("You have already voted on this proposal.")) from None


@transaction.atomic
def vote_retract(*, proposal: Proposal, voter: User) -> None:
    """Take back ``voter``'s vote while the proposal is voting."""
    _require_verified(voter)
    locked = _lock_proposal(proposal)
    _require_voting(locked)
    deleted, _rows = Vote.objects.filter(proposal=locked, voter=voter).delete()
    if not deleted:
        raise VoteNotFound(_("You have not voted on this proposal."))


# --- Discussion --------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, proposal: Proposal, author: User, text: str) -> Comment:
    """Add a plain-text comment to an open proposal's discussion."""
    _require_verified(author)
    text = _require_text("text", text, COMMENT_MAX_LENGTH)
    locked = _lock_proposal(proposal)
    if not locked.is_open:
        raise ProposalStateError(_("The discussion of a decided proposal is closed."))
    comment = Comment(proposal=locked, author=author, text=text)
    comment.full_clean(exclude=["proposal", "author"])
    comment.save()
    return comment


# --- Withdrawal, closing and the decision rule -------------------------------------------------


def _decide(proposal: Proposal, status: str, now: datetime) -> None:
    proposal.status = status
    proposal.decided_at = now
    proposal.save(update_fields=["status", "decided_at"])
    _status_changed(proposal)


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, author: User) -> Proposal:
    """The author takes their proposal back while it is voting."""
    locked = _lock_proposal(proposal)
    if author.pk != locked.author_id:
        raise ProposalForbidden(_("Only the author can withdraw a proposal."))
    if locked.status != Proposal.Status.VOTING:
        raise ProposalStateError(_("Only a proposal that is still voting can be withdrawn."))
    _decide(locked, Proposal.Status.WITHDRAWN, timezone.now())
    return locked


def _close(locked: Proposal, now: datetime) -> str:
    up, down = proposal_tally(proposal=locked)
    status = decision_for(
        up=up,
        down=down,
        quorum=settings.VOTING_QUORUM,
        approval_ratio=settings.VOTING_APPROVAL_RATIO,
    )
    if status == Proposal.Status.IN_REVIEW:
        locked.status = status
        locked.save(update_fields=["status"])
        _status_changed(locked)
    else:
        _decide(locked, status, now)
    return status


@dataclass(frozen=True)
class ClosedProposal:
    proposal_id: int
    status: str


def proposal_close_if_due(
    *, proposal_id: int, now: datetime | None = None, wait: bool = True
) -> str | None:
    """Close one proposal if it is still voting and its window has ended (at ``now``): the
    status it got, or None when there was nothing to do (not due, closed meanwhile, or, without
    ``wait``, being closed by someone else this moment). Its own transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        # The row is re-checked once locked: a run that waited for another finds it closed.
        locked = (
            Proposal.objects.select_for_update(skip_locked=not wait)
            .filter(pk=proposal_id, status=Proposal.Status.VOTING)
            .first()
        )
        if locked is None or not voting_has_ended(closes_at=locked.closes_at, now=now):
            return None
        status = _close(locked, now)
        pause_point("proposal_close")
    return status


def proposals_close_due(*, now: datetime | None = None) -> list[ClosedProposal]:
    """Close every proposal whose voting window has ended, each in its own transaction; a
    proposal closed meanwhile by another run is skipped, so running twice is harmless."""
    now = now or timezone.now()
    # ``rules.voting_has_ended`` in SQL; each one is checked again once locked.
    due = Proposal.objects.filter(status=Proposal.Status.VOTING, closes_at__lte=now)
    closed: list[ClosedProposal] = []
    for pk in due.order_by("closes_at", "pk").values_list("pk", flat=True):
        status = proposal_close_if_due(proposal_id=pk, now=now)
        if status is not None:
            closed.append(ClosedProposal(proposal_id=pk, status=status))
    return closed


def proposal_read(*, pk: int, viewer: AnyUser | None = None) -> Proposal:
    """:func:`proposals.selectors.proposal_get`, closing the proposal first when its window has
    ended and no periodic task has closed it yet (a site without a worker still closes every
    proposal someone looks at). No extra query for a proposal that is not due."""
    proposal = proposal_get(pk=pk, viewer=viewer)
    due = proposal.status == Proposal.Status.VOTING and voting_has_ended(
        closes_at=proposal.closes_at, now=timezone.now()
    )
    # Without waiting: a worker closing it this moment finishes the job.
    if due and proposal_close_if_due(proposal_id=pk, wait=False) is not None:
        proposal = proposal_get(pk=pk, viewer=viewer)
    return proposal


# --- Expert review -----------------------------------------------------------------------------


def proposal_apply(*, proposal: Proposal) -> None:
    """Apply an approved proposal's changes to its role as one change set written against its
    base version: the proposal is then accepted with the version it made, or, when a place it
    touches changed since that version (or no longer exists), a conflict naming those places,
    with nothing written to the role. Runs in the caller's transaction with the proposal's row
    locked (:func:`review_submit` calls it once the approvals are in)."""
    now = timezone.now()
    try:
        # A savepoint: a refused change set leaves nothing behind, the review stays.
        version = role_change_apply(
            role=proposal.role,
            changes=parse_changes(proposal.changes, allowed=PROPOSAL_OPS),
            author=proposal.author,
            source=RoleVersion.Source.PROPOSAL,
            message=f"Proposal #{proposal.pk}: {proposal.title}",
            base_version=proposal.base_version,
            proposal=proposal,
        )
    except ChangeConflict as exc:
        proposal.conflicts = exc.places
        proposal.save(update_fields=["conflicts"])
        _decide(proposal, Proposal.Status.CONFLICT, now)
        return
    except RoleChangeError as exc:
        # The role no longer has what the changes name (a curator removed a skill, say).
        proposal.conflicts = [str(problem) for problem in getattr(exc, "problems", [exc])]
        proposal.save(update_fields=["conflicts"])
        _decide(proposal, Proposal.Status.CONFLICT, now)
        return
    proposal.applied_version = version
    proposal.status = Proposal.Status.ACCEPTED
    proposal.decided_at = now
    proposal.save(update_fields=["applied_version", "status", "decided_at"])
    _status_changed(proposal)


@transaction.atomic
def review_submit(*, proposal: Proposal, reviewer: User, decision: str, comment: str) -> Review:
    """An expert of a touched domain (or a global expert) approves or rejects a proposal in
    review, with a required comment. One rejection rejects it; ``REVIEW_APPROVALS`` approvals
    apply it. The proposal's row is locked, so two experts approving at once apply it once."""
    if decision not in Review.Decision.values:
        raise ProposalInvalid({"decision": _("A review approves or rejects.")})
    comment = _require_text("comment", comment, REVIEW_COMMENT_MAX_LENGTH)
    _require_verified(reviewer)
    locked = _lock_proposal(proposal)
    if reviewer.pk == locked.author_id:
        raise ProposalForbidden(_("Authors do not review their own proposals."))
    if not expert_can_review(user=reviewer, proposal=locked):
        raise ProposalForbidden(
            _("Only experts of the domains this proposal touches can review it.")
        )
    if locked.status != Proposal.Status.IN_REVIEW:
        raise ProposalStateError(_("This proposal is not in review."))
    if Review.objects.filter(proposal=locked, reviewer=reviewer).exists():
        raise ProposalStateError(_("You have already reviewed this proposal."))
    review = Review.objects.create(
        proposal=locked, reviewer=reviewer, decision=decision, comment=comment
    )
    if decision == Review.Decision.REJECT:
        _decide(locked, Proposal.Status.REJECTED, timezone.now())
    elif review_approved(
        approvals=Review.objects.filter(proposal=locked, decision=Review.Decision.APPROVE).count(),
        needed=settings.REVIEW_APPROVALS,
    ):
        proposal_apply(proposal=locked)
    return review


# --- Moderation --------------------------------------------------------------------------------


def _require_moderator(user: User) -> None:
    if not (user.is_active and user.is_staff and user.has_perm("proposals.change_proposal")):
        raise ProposalForbidden(_("Only moderators can do this."))


@transaction.atomic
def proposal_close_now(*, proposal: Proposal, moderator: User) -> str:
    """A moderator ends voting early; the decision rule applies to the tally so far."""
    _require_moderator(moderator)
    locked = _lock_proposal(proposal)
    if locked.status != Proposal.Status.VOTING:
        raise ProposalStateError(_("Only a proposal that is still voting can be closed."))
    locked.moderated_by = moderator
    locked.save(update_fields=["moderated_by"])
    return _close(locked, timezone.now())


@transaction.atomic
def proposal_reject_by_moderator(
    *, proposal: Proposal, moderator: User, reason: str, spam: bool = False
) -> Proposal:
    """A moderator rejects an open proposal with a reason; spam is also hidden from lists."""
    _require_moderator(moderator)
    reason = _require_text("reason", reason, MODERATION_REASON_MAX_LENGTH)
    locked = _lock_proposal(proposal)
    if not locked.is_open:
        raise ProposalStateError(_("This proposal has already been decided."))
    locked.moderated_by = moderator
    locked.moderation_reason = reason
    locked.is_spam = spam
    locked.save(update_fields=["moderated_by", "moderation_reason", "is_spam"])
    _decide(locked, Proposal.Status.REJECTED, timezone.now())
    return locked


# --- Expertise ---------------------------------------------------------------------------------


@transaction.atomic
def expertise_grant(
    *,
    user: User,
    domain: SkillDomain | None = None,
    granted_by: User | None = None,
) -> tuple[Expertise, bool]:
    """Make ``user`` an expert of ``domain`` (every domain when None); (expertise, created)."""
    existing = Expertise.objects.filter(user=user, domain=domain).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            expertise = Expertise.objects.create(user=user, domain=domain, granted_by=granted_by)
    except IntegrityError:  # granted at the same moment by someone else
        return Expertise.objects.get(user=user, domain=domain), False
    return expertise, True


@transaction.atomic
def expertise_revoke(*, user: User, domain: SkillDomain | None = None) -> bool:
    """Take ``user``'s expertise of ``domain`` (the global one when None) away; False if none."""
    deleted, _rows = Expertise.objects.filter(user=user, domain=domain).delete()
    return bool(deleted)


# --- Email notifications (the outbox) ----------------------------------------------------------


def _status_changed(proposal: Proposal) -> None:
    """Outbox rows for the status ``proposal`` has just entered, in the caller's transaction:
    one for its author, and one for each matching expert when it enters review. Each is sent
    after the transaction commits; members who turned these emails off get none."""
    status = proposal.status
    wanted: list[tuple[int, str]] = [(proposal.author_id, Notification.Kind.STATUS)]
    if status == Proposal.Status.IN_REVIEW:
        wanted += [
            (user_id, Notification.Kind.REVIEW)
            for user_id in proposal_expert_ids(proposal=proposal)
        ]
    opted_out = member_ids_without_proposal_emails(user_ids=[user_id for user_id, _k in wanted])
    rows = Notification.objects.bulk_create(
        [
            Notification(proposal=proposal, recipient_id=user_id, kind=kind, status=status)
            for user_id, kind in wanted
            if user_id not in opted_out
        ]
    )
    for row in rows:
        send_after_commit("proposals.tasks.notification_send_task", notification_id=row.pk)


def _handled(notification: Notification, state: str) -> None:
    notification.state = state
    notification.handled_at = timezone.now()
    notification.save(update_fields=["state", "handled_at"])


def notification_send(*, notification_id: int, wait: bool = True) -> bool:
    """Send one outbox email, once: True when this call sent it.

    The row is locked while the email goes out and marked sent in the same transaction, so a
    second sender waits and then finds it sent (``wait``) or skips it (not ``wait``, the sweep).
    A worker that dies before committing leaves it pending for the next try. A member who has
    turned these emails off (or has no address) gets nothing: the row is marked not sent.
    A failure to send is counted on the row and raised, for the task to retry.
    """
    from proposals.emails import notification_email  # templates and translations

    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",), skip_locked=not wait)
                .select_related("proposal", "proposal__role", "recipient")
                .filter(pk=notification_id, state=Notification.State.PENDING)
                .first()
            )
            if notification is None:
                return False
            pause_point("notification_send")
            recipient = notification.recipient
            preference = email_preference_get(user=recipient)
            if not (recipient.is_active and recipient.email and preference.proposal_emails):
                _handled(notification, Notification.State.SKIPPED)
                return False
            notification_email(notification, language=preference.language).send()
            _handled(notification, Notification.State.SENT)
            return True
    except Exception as exc:
        Notification.objects.filter(pk=notification_id, state=Notification.State.PENDING).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise


# A row that failed this often is left for an operator (the admin shows its last error).
NOTIFICATION_MAX_ATTEMPTS = 10


def notifications_send_pending(*, limit: int = 200) -> int:
    """Send the outbox's pending emails, oldest first (rows being sent this moment are
    skipped): the sweep that makes up for tasks that could not be sent or did not finish.
    Returns how many it sent."""
    pending = Notification.objects.filter(
        state=Notification.State.PENDING, attempts__lt=NOTIFICATION_MAX_ATTEMPTS
    ).order_by("created_at", "pk")
    sent = 0
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        sent += notification_send(notification_id=pk, wait=False)
    return sent
