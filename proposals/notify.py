"""Writes of the inbox (DESIGN §6 ``/notifications/``): telling members of what happened, in the
same transaction as what happened; watching roles and proposals; reading; and sending each
notification's email at once, in the daily digest or never, as its member chose for its kind.

Every ``notify_*`` service runs in its caller's transaction and writes one row per member told
(a database constraint keeps it to one per event), so a cause that rolls back tells no one and a
cause that is retried tells no one twice. Emails go out after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.errors import ProposalInvalid
from proposals.models import (
    NOTIFICATION_MAX_ATTEMPTS,
    Comment,
    Notification,
    Proposal,
    Vote,
    Watch,
)
from proposals.selectors import proposal_expert_ids
from roles.models import Role, RoleVersion
from skillsmatrix.background import pause_point, send_after_commit
from skillsmatrix.members import (
    EMAIL_DELIVERIES,
    email_delivery_set,
    email_preference_get,
    email_preferences_of,
    member_page_stamps_bump,
)
from skillsmatrix.models import EmailPreference

Kind = Notification.Kind

# How each kind is emailed until the member chooses: what needs them at once, at once; the
# rest gathered in the daily digest.
DEFAULT_DELIVERY: dict[str, str] = {
    Kind.STATUS: "immediate",
    Kind.REVIEW: "immediate",
    Kind.REPLY: "immediate",
    Kind.MENTION: "immediate",
    Kind.COMMENT: "digest",
    Kind.WATCHED_STATUS: "digest",
    Kind.ROLE_PROPOSAL: "digest",
    Kind.ROLE_VERSION: "digest",
    # Only days are left to vote again on the changes as they now stand.
    Kind.VOTE_SET_ASIDE: "immediate",
}


def email_delivery(preference: EmailPreference, kind: str) -> str:
    """How ``kind`` reaches the member of ``preference``: immediate, digest or never (always
    never while their emails about proposals are off)."""
    if not preference.proposal_emails:
        return "never"
    chosen = preference.deliveries.get(kind)
    return chosen if chosen in EMAIL_DELIVERIES else DEFAULT_DELIVERY[kind]


# --- Writing notifications ---------------------------------------------------------------------


def _active(user_ids: Iterable[int]) -> set[int]:
    return set(
        User.objects.filter(pk__in=set(user_ids), is_active=True).values_list("pk", flat=True)
    )


def _email_state(delivery: str) -> str:
    return {
        "immediate": Notification.State.PENDING,
        "digest": Notification.State.DIGEST,
    }.get(delivery, Notification.State.SKIPPED)


def _write(tell: Mapping[int, str], **subject: Any) -> list[Notification]:
    """One row for each member of ``tell`` (member id → kind) about ``subject`` (proposal,
    comment, version, actor_id, status), in the caller's transaction: the inactive are left
    out, each row's email is queued as its member chose (1 query and one insert)."""
    if not tell:
        return []
    preferences = email_preferences_of(user_ids=tell, active_only=True)
    recipients = set(preferences)
    if not recipients:
        return []
    now = timezone.now()
    rows = []
    for user_id in sorted(recipients):
        state = _email_state(email_delivery(preferences[user_id], tell[user_id]))
        handled = now if state == Notification.State.SKIPPED else None
        rows.append(
            Notification(
                recipient_id=user_id, kind=tell[user_id], state=state, handled_at=handled, **subject
            )
        )
    rows = Notification.objects.bulk_create(rows)
    for row in rows:
        if row.state == Notification.State.PENDING:
            send_after_commit("proposals.tasks.notification_send_task", notification_id=row.pk)
    member_page_stamps_bump(user_ids=recipients)
    return rows


def _telling(*groups: tuple[str, Iterable[int]], leave_out: Iterable[int] = ()) -> dict[int, str]:
    """Member id → kind: each member once, with the first kind of ``groups`` that names them."""
    skip = set(leave_out)
    tell: dict[int, str] = {}
    for kind, user_ids in groups:
        for user_id in user_ids:
            if user_id not in skip:
                tell.setdefault(user_id, kind)
    return tell


def _proposal_watchers(proposal: Proposal) -> list[int]:
    return list(Watch.objects.filter(proposal=proposal).values_list("user_id", flat=True))


def notify_status_change(*, proposal: Proposal) -> list[Notification]:
    """Tell of the status ``proposal`` has just entered: its author, the experts who may review
    it when it enters review, and its watchers."""
    groups: list[tuple[str, Iterable[int]]] = [(Kind.STATUS, [proposal.author_id])]
    if proposal.status == Proposal.Status.IN_REVIEW:
        groups.append((Kind.REVIEW, proposal_expert_ids(proposal=proposal)))
    groups.append((Kind.WATCHED_STATUS, _proposal_watchers(proposal)))
    return _write(_telling(*groups), proposal=proposal, status=proposal.status)


def notify_comment(*, comment: Comment, mentioned: Iterable[int] = ()) -> list[Notification]:
    """Tell of a new comment (or reply): the members ``mentioned`` in it, the author of the
    comment it replies to, and everyone who wrote, voted on, commented on or watches its
    proposal; never its own author."""
    proposal = comment.proposal
    parent_id = comment.parent_id
    parent_author = (
        list(Comment.objects.filter(pk=parent_id).values_list("author_id", flat=True))
        if parent_id
        else []
    )
    taking_part = [
        proposal.author_id,
        *Vote.objects.filter(proposal=proposal).values_list("voter_id", flat=True),
        *Comment.objects.filter(proposal=proposal).values_list("author_id", flat=True).distinct(),
        *_proposal_watchers(proposal),
    ]
    tell = _telling(
        (Kind.MENTION, mentioned),
        (Kind.REPLY, parent_author),
        (Kind.COMMENT, taking_part),
        leave_out=[comment.author_id],
    )
    return _write(tell, proposal=proposal, comment=comment, actor_id=comment.author_id)


def notify_mention(*, comment: Comment, user_ids: Iterable[int]) -> list[Notification]:
    """Tell the members ``user_ids`` that ``comment`` mentions them (for mentions found after
    the comment was written, e.g. in an edit; a new comment passes them to
    :func:`notify_comment`). A member already told of this comment has that row turned into a
    mention, unread again, its email still to come queued as a mention's; nobody is told
    twice, and nobody of their own comment. In the caller's transaction."""
    wanted = _active(user_ids) - {comment.author_id}
    existing = {
        row.recipient_id: row
        for row in Notification.objects.select_for_update().filter(
            comment=comment, recipient_id__in=wanted
        )
    }
    preferences = email_preferences_of(user_ids=existing)
    for user_id, row in existing.items():
        if row.kind == Kind.MENTION:
            continue
        row.kind = Kind.MENTION
        row.read_at = None
        if row.state in (Notification.State.PENDING, Notification.State.DIGEST):
            row.state = _email_state(email_delivery(preferences[user_id], Kind.MENTION))
            row.handled_at = timezone.now() if row.state == Notification.State.SKIPPED else None
            if row.state == Notification.State.PENDING:
                send_after_commit("proposals.tasks.notification_send_task", notification_id=row.pk)
        row.save(update_fields=["kind", "read_at", "state", "handled_at"])
    member_page_stamps_bump(user_ids=existing)
    tell = dict.fromkeys(wanted - set(existing), Kind.MENTION)
    return _write(
        tell, proposal=comment.proposal, comment=comment, actor_id=comment.author_id
    ) + list(existing.values())


def notify_proposal_created(*, proposal: Proposal) -> list[Notification]:
    """Tell the watchers of the proposal's role that it was proposed."""
    watchers = Watch.objects.filter(role_id=proposal.role_id).values_list("user_id", flat=True)
    tell = _telling((Kind.ROLE_PROPOSAL, watchers), leave_out=[proposal.author_id])
    return _write(tell, proposal=proposal, status=proposal.status, actor_id=proposal.author_id)


def notify_votes_set_aside(
    *, proposal: Proposal, voter_ids: Iterable[int], revision: int
) -> list[Notification]:
    """Tell the members whose votes ``revision`` of ``proposal`` set aside (its change list
    changed) that they may vote again on the changes as they now stand."""
    tell = _telling((Kind.VOTE_SET_ASIDE, voter_ids), leave_out=[proposal.author_id])
    return _write(tell, proposal=proposal, actor_id=proposal.author_id, revision=revision)


def notify_version_created(*, version: RoleVersion) -> list[Notification]:
    """Tell the watchers of a role of its new version, whoever made it (the receiver of
    ``RoleVersion``'s ``post_save``, so in the transaction that writes the version)."""
    watchers = Watch.objects.filter(role_id=version.role_id).values_list("user_id", flat=True)
    tell = _telling((Kind.ROLE_VERSION, watchers), leave_out=[version.author_id or 0])
    return _write(tell, version=version, actor_id=version.author_id)


def version_saved(
    sender: type[RoleVersion], instance: RoleVersion, created: bool, **kwargs: Any
) -> None:
    """``post_save`` of :class:`RoleVersion` (connected in ``proposals.apps``): roles does not
    know of watchers (DESIGN §3), so it is told this way."""
    if created and not kwargs.get("raw"):
        notify_version_created(version=instance)


# --- Watching ----------------------------------------------------------------------------------


@transaction.atomic
def watch_set(
    *, user: User, watching: bool, role: Role | None = None, proposal: Proposal | None = None
) -> bool:
    """Start (``watching``) or stop watching one role or one proposal; whether anything
    changed. Starting twice keeps one watch (the database's unique constraints)."""
    if (role is None) == (proposal is None):
        raise ProposalInvalid({"watch": _("Watch a role or a proposal.")})
    subject = {"role": role} if role is not None else {"proposal": proposal}
    if not watching:
        deleted, _rows = Watch.objects.filter(user=user, **subject).delete()
        changed = bool(deleted)
    else:
        _watch, changed = Watch.objects.get_or_create(user=user, **subject)
    if changed:
        member_page_stamps_bump(user_ids=[user.pk])
    return changed


# --- Reading -----------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of ``user``'s notifications read; False when it was read already (or is not
    theirs)."""
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    if updated:
        member_page_stamps_bump(user_ids=[user.pk])
    return bool(updated)


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; how many there were."""
    updated = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if updated:
        member_page_stamps_bump(user_ids=[user.pk])
    return updated


# --- Unsubscribing -----------------------------------------------------------------------------

_UNSUBSCRIBE_SALT = "proposals.notify.unsubscribe"


class UnsubscribeLinkInvalid(ValueError):
    """An unsubscribe link that was not made here, or was altered."""


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """The signed part of a one-click unsubscribe link: one member, one kind; it does not
    expire (an old email's link still works), and needs no signing in."""
    return signing.dumps({"u": user_id, "k": kind}, salt=_UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(*, token: str) -> tuple[User, str]:
    """The active member and the kind a link's token names; :class:`UnsubscribeLinkInvalid`
    when it was not made here (or the member is gone)."""
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise UnsubscribeLinkInvalid(_("This unsubscribe link is not valid.")) from None
    if not isinstance(data, dict) or data.get("k") not in DEFAULT_DELIVERY:
        raise UnsubscribeLinkInvalid(_("This unsubscribe link is not valid."))
    user_id = data.get("u")
    user = (
        User.objects.filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None:
        raise UnsubscribeLinkInvalid(_("This unsubscribe link is not valid."))
    return user, data["k"]


def email_unsubscribe(*, token: str) -> tuple[User, str]:
    """Stop the emails of the kind a link names for its member (their inbox keeps showing
    them); the member and the kind. Harmless when repeated."""
    user, kind = unsubscribe_token_read(token=token)
    email_delivery_set(user=user, kind=kind, delivery="never")
    return user, kind


def email_deliveries_set(*, user: User, deliveries: dict[str, str]) -> None:
    """Set how each kind of notification is emailed to ``user`` (kind → delivery)."""
    unknown = set(deliveries) - set(DEFAULT_DELIVERY)
    if unknown:
        raise ProposalInvalid({"kind": _("Unknown kind of notification.")})
    with transaction.atomic():
        for kind, delivery in deliveries.items():
            email_delivery_set(user=user, kind=kind, delivery=delivery)


# --- Sending emails ----------------------------------------------------------------------------


def _handled(notification: Notification, state: str) -> None:
    notification.state = state
    notification.handled_at = timezone.now()
    notification.save(update_fields=["state", "handled_at"])


def _may_email(recipient: User, preference: EmailPreference, kind: str) -> bool:
    return bool(
        recipient.is_active and recipient.email and email_delivery(preference, kind) != "never"
    )


def notification_send(*, notification_id: int, wait: bool = True) -> bool:
    """Send one notification's email now, once: True when this call sent it.

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
                .select_related(
                    "proposal", "proposal__role", "recipient", "actor", "version__role", "comment"
                )
                .filter(pk=notification_id, state=Notification.State.PENDING)
                .first()
            )
            if notification is None:
                return False
            pause_point("notification_send")
            recipient = notification.recipient
            preference = email_preference_get(user=recipient)
            if not _may_email(recipient, preference, notification.kind):
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


def digest_send(*, recipient_id: int) -> bool:
    """Send one member their digest: every notification waiting for it, in one email, once.
    Their rows are locked and marked in the email's transaction (a digest being sent this
    moment by another run is skipped), so each is in one digest only. False when there was
    nothing to send, or the member no longer wants these emails (the rows are then marked
    not sent)."""
    from proposals.emails import digest_email

    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(
                "proposal", "proposal__role", "recipient", "actor", "version__role", "comment"
            )
            .filter(recipient_id=recipient_id, state=Notification.State.DIGEST)
            .order_by("created_at", "pk")
        )
        if not rows:
            return False
        pause_point("digest_send")
        recipient = rows[0].recipient
        preference = email_preference_get(user=recipient)
        wanted = [row for row in rows if _may_email(recipient, preference, row.kind)]
        for row in rows:
            if row not in wanted:
                _handled(row, Notification.State.SKIPPED)
        if not wanted:
            return False
        digest_email(recipient, wanted, language=preference.language).send()
        Notification.objects.filter(pk__in=[row.pk for row in wanted]).update(
            state=Notification.State.SENT, handled_at=timezone.now()
        )
    return True


def digests_send() -> int:
    """Send every member's daily digest (beat: daily; ``manage.py send_digests`` once): how
    many emails went out. Running it twice sends nothing the second time."""
    recipients = (
        Notification.objects.filter(state=Notification.State.DIGEST)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    return sum(digest_send(recipient_id=pk) for pk in list(recipients))
