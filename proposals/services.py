"""Writes of the proposals domain (DESIGN §5): proposing, voting, discussing, closing, review,
expertise and moderation. Every service owns its transaction and raises domain errors only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proposals.errors import (
    ProposalForbidden,
    ProposalInvalid,
    ProposalLimitReached,
    ProposalNotFound,
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
    VOTE_REASON_MAX_LENGTH,
    Comment,
    Expertise,
    Proposal,
    ProposalRevision,
    ProposalTarget,
    Review,
    SetAsideVote,
    Vote,
)
from proposals.notify import (
    notify_comment,
    notify_mention,
    notify_proposal_created,
    notify_status_change,
    notify_votes_set_aside,
)
from proposals.presenters import change_key, mentioned_usernames
from proposals.rules import decision_for, review_approved, voting_has_ended
from proposals.search import search_document
from proposals.selectors import (
    REPUTATION_STAMP_KEY,
    AnyUser,
    ChangesPreview,
    changes_preview,
    expert_can_review,
    member_is_moderator,
    member_is_trusted,
    proposal_domain_approvals,
    proposal_get,
    role_current_state,
)
from roles.changes.base import Change
from roles.changes.parts import SetSkill
from roles.changes.state import RoleState
from roles.changes.types import PROPOSAL_OPS, changes_as_json, parse_changes
from roles.errors import ChangeConflict, RoleChangeError
from roles.models import Role, RoleVersion, SkillDomain
from roles.pages import role_open_cells_forget
from roles.services import role_change_apply
from skillsmatrix.background import pause_point
from skillsmatrix.members import member_can_participate, member_has_verified_email
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


def _check_trust(author: User, open_count: int) -> None:
    """The new members' rule (``NEW_MEMBER_*`` settings): the queries run only for a member
    already at the new members' number of open proposals."""
    limit = settings.NEW_MEMBER_OPEN_PROPOSALS
    if open_count < limit or member_is_trusted(user=author):
        return
    hours = settings.NEW_MEMBER_HOURS
    raise ProposalLimitReached(
        ngettext(
            "New members may have %(n)d open proposal at a time, until they have been members "
            "for %(hours)s hours and had a proposal accepted. Wait for yours to be decided, "
            "or withdraw it.",
            "New members may have %(n)d open proposals at a time, until they have been members "
            "for %(hours)s hours and had a proposal accepted. Wait for one to be decided, "
            "or withdraw one.",
            limit,
        )
        % {"n": limit, "hours": f"{hours:g}"}
    )


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
    member, counted under a lock on the member's row so parallel requests cannot beat it; a
    new member (see :func:`member_is_trusted`) at most ``NEW_MEMBER_OPEN_PROPOSALS``.
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
        _check_trust(author, open_count)
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
        proposal_search_document_write(proposal)
        ProposalTarget.objects.bulk_create(_targets(proposal, preview))
        notify_proposal_created(proposal=proposal)
        _open_cells_changed(proposal)
    return proposal


# --- Voting ------------------------------------------------------------------------------------


def _require_voting(proposal: Proposal) -> None:
    if not proposal.voting_is_open:
        raise ProposalStateError(_("Voting on this proposal is closed."))


def _require_shown(proposal: Proposal) -> None:
    """A proposal hidden pending moderation takes no votes, comments or reviews until a
    moderator restores it (its voting window keeps running: DESIGN §5's rule still applies at
    its close)."""
    if proposal.is_hidden:
        raise ProposalStateError(
            _(
                "This proposal is hidden pending moderation: it takes no votes, comments or "
                "reviews until a moderator restores it."
            )
        )


def _clean_reason(value: int, reason: str) -> str:
    reason = reason.strip()
    if not reason:
        return ""
    if value != -1:
        raise ProposalInvalid({"reason": _("Only a down vote carries a reason.")})
    return _require_text("reason", reason, VOTE_REASON_MAX_LENGTH)


def _lock_voting_member(user: User) -> None:
    """``_require_verified`` and ``_lock_member`` in one query (the vote API's budget): the
    member's row locked, and refused without a verified email address."""
    if not user.is_active:
        raise ProposalForbidden(_("Verify your email address to take part in proposals."))
    verified = (
        User.objects.select_for_update()
        .filter(pk=user.pk)
        .annotate(verified=member_has_verified_email(OuterRef("pk")))
        .values_list("verified", flat=True)
        .first()
    )
    if not verified:
        raise ProposalForbidden(_("Verify your email address to take part in proposals."))


def _lock_for_vote(proposal: Proposal, voter: User, since: datetime) -> Proposal:
    """The proposal's row locked for a vote, with how many votes ``voter`` cast since ``since``
    as ``votes_cast_since`` (the daily cap's count, in the same query). A proposal that is gone
    or marked spam is not found, as its page is."""
    cast_since = (
        Vote.objects.filter(voter=voter, created_at__gte=since)
        .order_by()
        .values("voter")
        .annotate(n=Count("pk"))
        .values("n")
    )
    locked = (
        Proposal.objects.select_for_update()
        .filter(pk=proposal.pk, is_spam=False)
        .annotate(votes_cast_since=Coalesce(Subquery(cast_since, output_field=IntegerField()), 0))
        .first()
    )
    if locked is None:
        raise ProposalNotFound(f"No proposal #{proposal.pk}")
    return locked


def _tally_move(locked: Proposal, value: int, by: int) -> None:
    """Count one vote of ``value`` more (``by`` 1) or less (-1) in the stored tally of
    ``locked``, which this transaction holds the row lock of: its tally is the rows' as they
    stand, so the new one is exact (and the caller answers with it; an ``F()`` increment would
    need a read back)."""
    if value == Vote.Value.UP:
        locked.votes_up += by
    else:
        locked.votes_down += by
    locked.score = locked.votes_up - locked.votes_down


def _tally_save(locked: Proposal) -> None:
    locked.save(update_fields=["votes_up", "votes_down", "score"])


@transaction.atomic
def vote_cast(*, proposal: Proposal, voter: User, value: int, reason: str = "") -> Vote:
    """Cast or change ``voter``'s vote (+1 or -1) while the proposal is voting; a down vote
    may say why in ``reason`` (at most ``VOTE_REASON_MAX_LENGTH`` characters, shown to the
    author and on the page). Changing a vote replaces its reason.

    A new vote counts towards ``VOTES_PER_MEMBER_PER_DAY`` (the last 24 hours); changing one
    does not. The member's row and the proposal's row are locked, so neither the cap nor the
    one-vote rule can be beaten by parallel requests, and the proposal's stored tally is
    written under its lock with the vote row. Only ``proposal.pk`` is read: the rest is read
    under the lock. The vote's ``proposal`` is the locked row, with the tally as this vote
    left it.
    """
    if value not in (1, -1):
        raise ProposalInvalid({"value": _("A vote is 1 (up) or -1 (down).")})
    reason = _clean_reason(value, reason)
    _lock_voting_member(voter)
    now = timezone.now()
    locked = _lock_for_vote(proposal, voter, since=now - timedelta(days=1))
    if voter.pk == locked.author_id:
        raise ProposalForbidden(_("Authors do not vote on their own proposals."))
    _require_voting(locked)
    _require_shown(locked)
    vote = Vote.objects.filter(proposal=locked, voter=voter).first()
    if vote is not None:
        vote.proposal = locked
        if (vote.value, vote.reason) == (value, reason):
            return vote
        if vote.value != value:
            _tally_move(locked, vote.value, -1)
            _tally_move(locked, value, 1)
            _tally_save(locked)
        vote.value, vote.reason = value, reason
        vote.save(update_fields=["value", "reason", "updated_at"])
        return vote
    cast_today: int = locked.votes_cast_since  # type: ignore[attr-defined]
    if cast_today >= settings.VOTES_PER_MEMBER_PER_DAY:
        raise ProposalLimitReached(
            _("You have cast %(n)d votes in the last 24 hours, the most allowed. Try again later.")
            % {"n": cast_today}
        )
    try:
        # No savepoint of its own: the error, unreachable under the locks above, leaves this
        # service's transaction at once.
        vote = Vote.objects.create(proposal=locked, voter=voter, value=value, reason=reason)
    except IntegrityError:  # pragma: no cover - the locks above make this unreachable
        raise ProposalStateError(_("You have already voted on this proposal.")) from None
    _tally_move(locked, value, 1)
    _tally_save(locked)
    return vote


@transaction.atomic
def vote_retract(*, proposal: Proposal, voter: User) -> Proposal:
    """Take back ``voter``'s vote while the proposal is voting: the locked proposal, with the
    tally as it left it."""
    _require_verified(voter)
    locked = _lock_proposal(proposal)
    _require_voting(locked)
    _require_shown(locked)
    vote = Vote.objects.filter(proposal=locked, voter=voter).first()
    if vote is None:
        raise VoteNotFound(_("You have not voted on this proposal."))
    vote.delete()
    _tally_move(locked, vote.value, -1)
    _tally_save(locked)
    return locked


def member_votes_lock(*, user: User) -> list[int]:
    """Before a member's deletion deletes their vote rows without the vote services (a
    ``pre_delete`` receiver, in the deletion's transaction): lock the member's row, then the
    rows of the proposals they voted on, in id order (the order of ``vote_cast``), so no vote on
    them changes until the deletion commits; their ids, for :func:`proposal_tallies_recount`
    once the rows are gone (2 queries)."""
    _lock_member(user)
    voted_on = Vote.objects.filter(voter=user).values("proposal_id")
    return list(
        Proposal.objects.select_for_update()
        .filter(pk__in=voted_on)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def proposal_tallies_recount(*, proposal_ids: Sequence[int]) -> None:
    """Write the stored tallies of ``proposal_ids`` from their vote rows (2 queries; none for
    no ids), after vote rows went without the vote services (a member's deletion: a
    ``post_delete`` receiver). The caller holds the proposals' row locks in this transaction
    since before the rows changed (:func:`member_votes_lock`)."""
    if not proposal_ids:
        return
    counted = {
        row["proposal"]: (row["up"], row["down"])
        for row in Vote.objects.filter(proposal__in=proposal_ids)
        .order_by()
        .values("proposal")
        .annotate(up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1)))
    }
    tallies = []
    for pk in sorted(set(proposal_ids)):  # one gone since (its author's, say) updates nothing
        up, down = counted.get(pk, (0, 0))
        tallies.append(Proposal(pk=pk, votes_up=up, votes_down=down, score=up - down))
    Proposal.objects.bulk_update(tallies, ["votes_up", "votes_down", "score"])


# --- Discussion --------------------------------------------------------------------------------


def _mentions(text: str, author: User) -> dict[str, int]:
    """The existing, active members ``text`` mentions: username → id (one query, none when
    it mentions nobody)."""
    names = mentioned_usernames(text)
    if not names:
        return {}
    found = User.objects.filter(username__in=names, is_active=True).exclude(pk=author.pk)
    return dict(found.values_list("username", "pk"))


@transaction.atomic
def comment_add(
    *, proposal: Proposal, author: User, text: str, parent: Comment | None = None
) -> Comment:
    """Add a comment (Markdown) to an open proposal's discussion, or a reply to one of its
    comments (``parent``; a reply to a reply joins its parent's thread, as threads are one
    level deep). Members it ``@mentions`` are recorded on it and passed to
    :func:`proposals.notify.notify_mention`."""
    _require_verified(author)
    text = _require_text("text", text, COMMENT_MAX_LENGTH)
    locked = _lock_proposal(proposal)
    if not locked.is_open:
        raise ProposalStateError(_("The discussion of a decided proposal is closed."))
    _require_shown(locked)
    if parent is not None:
        if parent.proposal_id != locked.pk:
            raise ProposalInvalid({"parent": _("That comment is not in this discussion.")})
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
    mentioned = _mentions(text, author)
    comment = Comment(
        proposal=locked, author=author, text=text, parent=parent, mentions=list(mentioned)
    )
    comment.full_clean(exclude=["proposal", "author", "parent"])
    comment.save()
    proposal_search_document_write(locked)
    notify_comment(comment=comment, mentioned=mentioned.values())
    return comment


def comment_editable_until(comment: Comment) -> datetime:
    """When the author's time to edit ``comment`` ends (``COMMENT_EDIT_MINUTES`` after it was
    written)."""
    return comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


@transaction.atomic
def comment_edit(*, comment: Comment, author: User, text: str) -> Comment:
    """The author rewrites their comment within ``COMMENT_EDIT_MINUTES`` of writing it, while
    the discussion is open; it is marked edited. Members mentioned for the first time are
    passed to :func:`proposals.notify.notify_mention`. The same text changes nothing."""
    text = _require_text("text", text, COMMENT_MAX_LENGTH)
    locked = _lock_proposal(comment.proposal)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != author.pk:
        raise ProposalForbidden(_("Only its author can edit a comment."))
    if not locked.is_open:
        raise ProposalStateError(_("The discussion of a decided proposal is closed."))
    _require_shown(locked)
    if comment.is_hidden or comment.is_removed:
        raise ProposalStateError(_("A comment hidden or removed by moderation cannot be edited."))
    if timezone.now() >= comment_editable_until(comment):
        raise ProposalStateError(_("The time to edit this comment is over."))
    if text == comment.text:
        return comment
    mentioned = _mentions(text, author)
    new = [pk for name, pk in mentioned.items() if name not in comment.mentions]
    comment.text = text
    comment.mentions = list(mentioned)
    comment.edited_at = timezone.now()
    comment.full_clean(exclude=["proposal", "author", "parent"])
    comment.save(update_fields=["text", "mentions", "edited_at"])
    proposal_search_document_write(locked)
    if new:
        notify_mention(comment=comment, user_ids=new)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, moderator: User) -> None:
    """A moderator removes a comment from a discussion, with its replies."""
    require_moderator(moderator)
    locked = _lock_proposal(comment.proposal)
    Comment.objects.filter(pk=comment.pk).delete()
    proposal_search_document_write(locked)


# --- Revisions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revised:
    proposal: Proposal
    # Whether the change list changed: the window restarted and the votes were set aside.
    changes_changed: bool
    votes_set_aside: int


def _set_votes_aside(locked: Proposal) -> list[int]:
    """Move the proposal's votes to ``SetAsideVote`` (in this transaction, the proposal's row
    locked, so no vote slips between the copy and the delete) and zero its tally, unsaved;
    their voters' ids."""
    votes = list(Vote.objects.filter(proposal=locked).order_by("pk"))
    SetAsideVote.objects.bulk_create(
        [
            SetAsideVote(
                proposal=locked,
                voter_id=vote.voter_id,
                value=vote.value,
                reason=vote.reason,
                revision=locked.revision,
                cast_at=vote.updated_at,
            )
            for vote in votes
        ]
    )
    Vote.objects.filter(pk__in=[vote.pk for vote in votes]).delete()
    # No vote counts any more (the caller saves the tally with the revision).
    locked.votes_up = locked.votes_down = locked.score = 0
    return [vote.voter_id for vote in votes]


def _same_changes(new: Any, old: list[Any]) -> bool:
    return isinstance(new, list) and [change_key(c) for c in new] == [change_key(c) for c in old]


def proposal_revise(
    *,
    proposal: Proposal,
    author: User,
    title: str,
    rationale: str,
    changes: Any,
    evidence_links: Sequence[str] = (),
) -> Revised:
    """The author revises their proposal while it is voting. The text it replaces is kept as
    a :class:`ProposalRevision`. A revision that changes the change list (checked against the
    role as it is now, and then written against its current version) restarts the voting
    window and sets the votes so far aside: their voters may vote again. A revision of the
    title, rationale or links only keeps the votes and the window. A revision that changes
    nothing is refused."""
    title = _require_text("title", title, TITLE_MAX_LENGTH)
    rationale = _require_text("rationale", rationale, RATIONALE_MAX_LENGTH)
    links = _clean_links(list(evidence_links))
    role = proposal.role
    with transaction.atomic():
        locked = _lock_proposal(proposal)
        if author.pk != locked.author_id:
            raise ProposalForbidden(_("Only the author can revise a proposal."))
        _require_voting(locked)
        same_changes = _same_changes(changes, locked.changes)
        preview = None
        if not same_changes:
            # Checked against the role as it is now, in the JSON form the services write.
            preview = changes_preview(state=role_current_state(role=role), changes=changes)
            changes = changes_as_json(preview.changes)
            same_changes = _same_changes(changes, locked.changes)
        if same_changes and (title, rationale, links) == (
            locked.title,
            locked.rationale,
            locked.evidence_links,
        ):
            raise ProposalInvalid({"__all__": _("This revision changes nothing.")})
        now = timezone.now()
        ProposalRevision.objects.create(
            proposal=locked,
            number=locked.revision,
            title=locked.title,
            rationale=locked.rationale,
            evidence_links=locked.evidence_links,
            base_version=locked.base_version,
            changes=locked.changes,
            created_at=locked.revised_at or locked.created_at,
        )
        locked.title, locked.rationale, locked.evidence_links = title, rationale, links
        fields = ["title", "rationale", "evidence_links", "revision", "revised_at"]
        set_aside: list[int] = []
        if preview is not None and not same_changes:
            set_aside = _set_votes_aside(locked)
            locked.changes = changes
            locked.base_version = role.current_version
            locked.closes_at = now + timedelta(hours=settings.VOTING_WINDOW_HOURS)
            fields += ["changes", "base_version", "closes_at", "votes_up", "votes_down", "score"]
            ProposalTarget.objects.filter(proposal=locked).delete()
            ProposalTarget.objects.bulk_create(_targets(locked, preview))
        locked.revision += 1
        locked.revised_at = now
        locked.full_clean(exclude=["role", "author"])
        locked.save(update_fields=fields)
        notify_votes_set_aside(proposal=locked, voter_ids=set_aside, revision=locked.revision)
        proposal_search_document_write(locked)
    return Revised(
        proposal=locked, changes_changed=not same_changes, votes_set_aside=len(set_aside)
    )


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
    # The stored tally: under the row lock it is the rows'.
    status = decision_for(
        up=locked.votes_up,
        down=locked.votes_down,
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
    review, with a required comment. One rejection rejects it; it applies once every domain it
    touches has ``REVIEW_APPROVALS`` approvals of its experts or of global experts (a part in
    no domain: of global experts). The proposal's row is locked, so two experts approving at
    once apply it once."""
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
    _require_shown(locked)
    if Review.objects.filter(proposal=locked, reviewer=reviewer).exists():
        raise ProposalStateError(_("You have already reviewed this proposal."))
    review = Review.objects.create(
        proposal=locked, reviewer=reviewer, decision=decision, comment=comment
    )
    if decision == Review.Decision.REJECT:
        _decide(locked, Proposal.Status.REJECTED, timezone.now())
    elif review_approved(
        # Counted under the proposal's row lock: two experts approving at once apply it once.
        approvals={d.domain_id: d.approvals for d in proposal_domain_approvals(proposal=locked)},
        needed=settings.REVIEW_APPROVALS,
    ):
        proposal_apply(proposal=locked)
    _reputations_changed()
    return review


# --- Moderation --------------------------------------------------------------------------------


def require_moderator(user: User) -> None:
    """Refuse anyone but a moderator (:func:`proposals.selectors.member_is_moderator`)."""
    if not member_is_moderator(user):
        raise ProposalForbidden(_("Only moderators can do this."))


@transaction.atomic
def proposal_close_now(*, proposal: Proposal, moderator: User) -> str:
    """A moderator ends voting early; the decision rule applies to the tally so far."""
    require_moderator(moderator)
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
    require_moderator(moderator)
    reason = _require_text("reason", reason, MODERATION_REASON_MAX_LENGTH)
    locked = _lock_proposal(proposal)
    if not locked.is_open:
        raise ProposalStateError(_("This proposal has already been decided."))
    locked.moderated_by = moderator
    locked.moderation_reason = reason
    locked.is_spam = spam
    locked.save(update_fields=["moderated_by", "moderation_reason", "is_spam"])
    if spam:
        _reputations_changed()  # its reviews no longer count
    _decide(locked, Proposal.Status.REJECTED, timezone.now())
    return locked


@transaction.atomic
def proposal_mark_spam(*, proposal: Proposal, moderator: User, reason: str) -> Proposal:
    """A moderator marks a proposal as spam, with a reason: an open one is rejected
    (:func:`proposal_reject_by_moderator`), a decided one keeps its status. Either way it
    leaves the site (its page and every list), and its record counts for nothing."""
    require_moderator(moderator)
    locked = _lock_proposal(proposal)
    if locked.is_open:
        return proposal_reject_by_moderator(
            proposal=locked, moderator=moderator, reason=reason, spam=True
        )
    reason = _require_text("reason", reason, MODERATION_REASON_MAX_LENGTH)
    if not locked.is_spam:
        locked.moderated_by = moderator
        locked.moderation_reason = reason
        locked.is_spam = True
        locked.save(update_fields=["moderated_by", "moderation_reason", "is_spam"])
        _reputations_changed()
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


# --- Search ------------------------------------------------------------------------------------


def proposal_search_document_write(proposal: Proposal) -> None:
    """Write ``proposal``'s search document from its title, rationale and comments as they
    stand in the caller's transaction (proposals.search), so a search finds what was just
    written, and only once it commits. PostgreSQL only: other databases search without it."""
    if connection.vendor == "postgresql":
        Proposal.objects.filter(pk=proposal.pk).update(search_document=search_document(Comment))


# --- Notifications (the inbox and its outbox: proposals.notify) --------------------------------


def _open_cells_changed(proposal: Proposal) -> None:
    """The role page marks cells with open proposals: once this proposal opened or closed,
    it reads them again (after commit, so it never reads the old state back)."""
    role_id = proposal.role_id
    transaction.on_commit(lambda: role_open_cells_forget(role_id=role_id))


def _reputations_changed() -> None:
    """The record reputations are computed from changed: once the transaction commits, the
    cached ones give way (a new stamp)."""
    transaction.on_commit(
        lambda: cache.set(REPUTATION_STAMP_KEY, get_random_string(12), None), robust=True
    )


def _status_changed(proposal: Proposal) -> None:
    """Tell of the status ``proposal`` has just entered, in the caller's transaction."""
    _open_cells_changed(proposal)
    if proposal.status == Proposal.Status.ACCEPTED:
        _reputations_changed()
    notify_status_change(proposal=proposal)
