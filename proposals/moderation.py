"""Writes of flags and moderation: members flag a proposal or a comment (spam, abuse,
off-topic); ``FLAGS_TO_HIDE`` flags from different members hide it pending a moderator, who
restores it (dismissing the flags) or confirms them (a proposal is marked spam, a comment
removed). Each decision records who made it and when.

Every service owns its transaction and raises domain errors only. Rows are locked in one order
— the proposal, then the comment, then the flagged item — the order of the discussion's own
services, so a flag never deadlocks with an edit; and with the flagged row locked, flags cast
at the same moment are counted one after the other, so the threshold is crossed once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.errors import (
    CommentNotFound,
    ProposalForbidden,
    ProposalInvalid,
    ProposalNotFound,
    ProposalStateError,
)
from proposals.models import (
    FLAG_NOTE_MAX_LENGTH,
    Comment,
    Flag,
    FlaggedItem,
    FlagReason,
    Proposal,
)
from proposals.selectors import HOME_SECTION
from proposals.services import (
    proposal_mark_spam,
    proposal_search_document_write,
    require_moderator,
)
from roles.home import home_section_forget
from roles.pages import role_open_cells_forget
from skillsmatrix.members import member_can_participate
from skillsmatrix.text import validate_one_line, validate_visible_text


def _clean_flag(reason: str, note: str) -> tuple[str, str]:
    """The reason (one of :class:`FlagReason`) and the optional one-line note, checked as the
    site checks every text members write."""
    if reason not in FlagReason.values:
        raise ProposalInvalid({"reason": _("Choose why: spam, rude or abusive, or off-topic.")})
    try:
        validate_one_line(note)
        validate_visible_text(note)
    except ValidationError as exc:
        raise ProposalInvalid({"note": exc.messages[0]}) from exc
    note = note.strip()
    if len(note) > FLAG_NOTE_MAX_LENGTH:
        raise ProposalInvalid(
            {
                "note": _("At most %(n)d characters (it has %(m)d).")
                % {"n": FLAG_NOTE_MAX_LENGTH, "m": len(note)}
            }
        )
    return reason, note


def _lock(proposal_id: int, comment_id: int | None) -> tuple[Proposal, Comment | None]:
    """Lock the proposal, then its comment (when flagging one)."""
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id, is_spam=False).first()
    if proposal is None:
        raise ProposalNotFound(_("This proposal no longer exists."))
    if comment_id is None:
        return proposal, None
    comment = Comment.objects.select_for_update().filter(pk=comment_id, proposal=proposal).first()
    if comment is None:
        raise CommentNotFound(_("That comment is not in this discussion."))
    return proposal, comment


def _forget_lists(proposal: Proposal) -> None:
    """Once the transaction commits, the lists that keep what they show a while (the role
    page's open-proposal marks, the home page's activity) read it again."""
    role_id = proposal.role_id

    def forget() -> None:
        role_open_cells_forget(role_id=role_id)
        home_section_forget(HOME_SECTION)

    transaction.on_commit(forget, robust=True)


def _hide(proposal: Proposal, comment: Comment | None, now: datetime) -> None:
    """Members' flags reached ``FLAGS_TO_HIDE``: the item is hidden pending a moderator."""
    if comment is not None:
        comment.hidden_at = now
        comment.save(update_fields=["hidden_at"])
        proposal_search_document_write(proposal)
        return
    proposal.hidden_at = now
    proposal.save(update_fields=["hidden_at"])
    _forget_lists(proposal)


def _flag(
    *, member: User, reason: str, note: str, proposal_id: int, comment_id: int | None
) -> Flag:
    reason, note = _clean_flag(reason, note)
    if not member_can_participate(member):
        raise ProposalForbidden(_("Verify your email address to flag."))
    with transaction.atomic():
        proposal, comment = _lock(proposal_id, comment_id)
        author_id = comment.author_id if comment is not None else proposal.author_id
        if author_id == member.pk:
            raise ProposalForbidden(
                _("You cannot flag your own comment.")
                if comment is not None
                else _("You cannot flag your own proposal.")
            )
        if comment is not None and comment.is_removed:
            raise ProposalStateError(_("This comment was removed by a moderator."))
        if Flag.objects.filter(proposal=proposal, comment=comment, flagger=member).exists():
            raise ProposalStateError(_("You have already flagged this."))
        now = timezone.now()
        item = (
            FlaggedItem.objects.select_for_update()
            .filter(proposal=proposal, comment=comment, state__in=FlaggedItem.PENDING_STATES)
            .first()
        )
        if item is None:
            item = FlaggedItem.objects.create(
                proposal=proposal, comment=comment, last_flagged_at=now
            )
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    item=item,
                    proposal=proposal,
                    comment=comment,
                    flagger=member,
                    reason=reason,
                    note=note,
                )
        except IntegrityError:  # pragma: no cover - the row lock above makes this unreachable
            raise ProposalStateError(_("You have already flagged this.")) from None
        item.last_flagged_at = now
        fields = ["last_flagged_at"]
        # Counted under the flagged row's lock: two flags at once cross the threshold once.
        if (
            item.state == FlaggedItem.State.FLAGGED
            and Flag.objects.filter(item=item).count() >= settings.FLAGS_TO_HIDE
        ):
            item.state = FlaggedItem.State.HIDDEN
            item.hidden_at = now
            fields += ["state", "hidden_at"]
            _hide(proposal, comment, now)
        item.save(update_fields=fields)
    return flag


def proposal_flag(*, proposal: Proposal, member: User, reason: str, note: str = "") -> Flag:
    """``member`` flags ``proposal`` (``reason``: spam, abuse or off_topic; an optional one-line
    ``note`` for the moderators), once: a member with a verified email address, not its
    author. The ``FLAGS_TO_HIDE``-th flag from different members since it was last decided
    hides it pending a moderator: it leaves every list and takes no votes, comments or reviews
    (its voting window keeps running)."""
    return _flag(member=member, reason=reason, note=note, proposal_id=proposal.pk, comment_id=None)


def comment_flag(*, comment: Comment, member: User, reason: str, note: str = "") -> Flag:
    """``member`` flags ``comment``, as :func:`proposal_flag` a proposal; once hidden, the
    comment shows as a placeholder to everyone but its author and the moderators."""
    return _flag(
        member=member,
        reason=reason,
        note=note,
        proposal_id=comment.proposal_id,
        comment_id=comment.pk,
    )


@dataclass(frozen=True)
class _Locked:
    proposal: Proposal
    comment: Comment | None
    item: FlaggedItem


def _lock_pending(item: FlaggedItem) -> _Locked:
    """Lock the item's proposal, comment and the item itself; refuse one already decided."""
    proposal = Proposal.objects.select_for_update().filter(pk=item.proposal_id).first()
    comment = (
        Comment.objects.select_for_update().filter(pk=item.comment_id).first()
        if item.comment_id
        else None
    )
    locked = FlaggedItem.objects.select_for_update().filter(pk=item.pk).first()
    if proposal is None or locked is None or (item.comment_id and comment is None):
        raise ProposalStateError(_("This flagged item no longer exists."))
    if not locked.is_pending:
        raise ProposalStateError(_("These flags have already been decided."))
    return _Locked(proposal, comment, locked)


def _decided(item: FlaggedItem, state: str, moderator: User) -> None:
    item.state = state
    item.decided_by = moderator
    item.decided_at = timezone.now()
    item.save(update_fields=["state", "decided_by", "decided_at"])


@transaction.atomic
def flagged_item_dismiss(*, item: FlaggedItem, moderator: User) -> FlaggedItem:
    """A moderator dismisses the flags on an item: it is shown again (when they had hidden it)
    and takes votes, comments and reviews again. Its flaggers stay recorded and cannot flag it
    again; new members' flags start a new count."""
    require_moderator(moderator)
    locked = _lock_pending(item)
    if locked.comment is not None and locked.comment.is_hidden:
        locked.comment.hidden_at = None
        locked.comment.save(update_fields=["hidden_at"])
        proposal_search_document_write(locked.proposal)
    elif locked.comment is None and locked.proposal.is_hidden:
        locked.proposal.hidden_at = None
        locked.proposal.save(update_fields=["hidden_at"])
        _forget_lists(locked.proposal)
    _decided(locked.item, FlaggedItem.State.DISMISSED, moderator)
    return locked.item


def _confirm_reason(item: FlaggedItem) -> str:
    """The moderation reason of a proposal whose flags were confirmed: what its flags said."""
    reasons = Counter(flag.reason for flag in Flag.objects.filter(item=item))
    labels = dict(FlagReason.choices)
    said = ", ".join(
        f"{labels[reason]} ×{count}" if count > 1 else str(labels[reason])
        for reason, count in reasons.most_common()
    )
    return _("Flagged by members (%(reasons)s); a moderator confirmed the flags.") % {
        "reasons": said
    }


@transaction.atomic
def flagged_item_confirm(*, item: FlaggedItem, moderator: User) -> FlaggedItem:
    """A moderator confirms the flags on an item: a proposal is marked spam (rejected when
    still open, :func:`proposals.services.proposal_mark_spam`) and leaves the site; a comment
    is removed (a placeholder for everyone, its replies kept)."""
    require_moderator(moderator)
    locked = _lock_pending(item)
    if locked.comment is not None:
        locked.comment.hidden_at = None
        locked.comment.removed_at = timezone.now()
        locked.comment.save(update_fields=["hidden_at", "removed_at"])
        proposal_search_document_write(locked.proposal)
    else:
        proposal = proposal_mark_spam(
            proposal=locked.proposal, moderator=moderator, reason=_confirm_reason(locked.item)
        )
        if proposal.is_hidden:
            proposal.hidden_at = None
            proposal.save(update_fields=["hidden_at"])
        _forget_lists(proposal)
    _decided(locked.item, FlaggedItem.State.CONFIRMED, moderator)
    return locked.item
