"""Proposals: community change sets to a role, their votes, expert reviews and discussion, and
who counts as an expert (DESIGN §5).

A proposal's tally (``votes_up``, ``votes_down``, ``score``) is stored on its row for the lists
to sort and show, and written only under the proposal's row lock in the transaction that writes
its vote rows (``proposals.services``; DESIGN §5), so a tally shown anywhere equals the rows under
any concurrency (``proposals/tests/test_concurrency.py`` races them).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.rules import voting_has_ended
from roles.models import Role, RoleVersion, SkillDomain

TITLE_MAX_LENGTH = 200
RATIONALE_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 2000
REVIEW_COMMENT_MAX_LENGTH = 2000
MODERATION_REASON_MAX_LENGTH = 500
MAX_EVIDENCE_LINKS = 10
MAX_CHANGES = 50
VOTE_REASON_MAX_LENGTH = 280
FLAG_NOTE_MAX_LENGTH = 200


class SearchDocumentIndex(GinIndex):
    """The GIN index full-text search reads on PostgreSQL. Other databases (SQLite, the
    embedded default) have no GIN index and search without the document: there it is a plain
    index, as SQLite rebuilds a table's indexes whenever a migration alters it."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        return models.Index.create_sql(self, model, schema_editor, using=using, **kwargs)


class ProposalStatus(models.TextChoices):
    VOTING = "voting", _("Voting")
    IN_REVIEW = "in_review", _("In review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CONFLICT = "conflict", _("Conflict")


class ProposalManager(models.Manager["Proposal"]):
    """Proposals without their search document, which only the database reads (a search
    filters and ranks by it in SQL): no page pays for loading a discussion's words."""

    def get_queryset(self) -> models.QuerySet[Proposal]:
        return super().get_queryset().defer("search_document")


class Proposal(models.Model):
    Status = ProposalStatus

    # Statuses a proposal can still leave; every other one is a decision.
    OPEN_STATUSES = (Status.VOTING, Status.IN_REVIEW)

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("role")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    rationale = models.TextField(_("rationale"), max_length=RATIONALE_MAX_LENGTH)
    # Ordered list of URLs supporting the change.
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    # The role version the changes were written against (conflicts are checked from it).
    base_version = models.PositiveIntegerField(_("base version"))
    # The ordered typed changes in their JSON form (roles.changes).
    changes = models.JSONField(_("changes"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProposalStatus.choices,
        default=ProposalStatus.VOTING,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closes_at = models.DateTimeField(_("voting closes at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    applied_version = models.ForeignKey(
        RoleVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("applied version"),
    )
    # The places that changed after the base version, when applying found a conflict.
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)
    # Moderation: who ended the proposal early, why, and whether it was spam.
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderated_proposals",
        verbose_name=_("moderated by"),
    )
    moderation_reason = models.CharField(
        _("moderation reason"), max_length=MODERATION_REASON_MAX_LENGTH, blank=True
    )
    is_spam = models.BooleanField(_("spam"), default=False)
    # The number of the text shown now: 1 as proposed, one more for each revision (the
    # earlier ones are kept as ProposalRevision rows).
    revision = models.PositiveIntegerField(_("revision"), default=1)
    revised_at = models.DateTimeField(_("revised at"), null=True, blank=True)
    # Since when members' flags hide it pending a moderator (FLAGS_TO_HIDE of them); None
    # while shown. Written by proposals.moderation only, under the proposal's row lock.
    hidden_at = models.DateTimeField(_("hidden pending moderation since"), null=True, blank=True)

    # Title (weight A), rationale (B) and comments (C) for full-text search on PostgreSQL,
    # written by the services with what it is made of (proposals.search); empty elsewhere.
    search_document = SearchVectorField(_("search document"), null=True, editable=False)

    # The tally of its vote rows, for the lists to sort and show without counting them: written
    # by the vote services only, under this row's lock, in the transaction of the vote rows
    # (proposals.services; a member's deletion recounts what it takes away).
    votes_up = models.PositiveIntegerField(_("up votes"), default=0, editable=False)
    votes_down = models.PositiveIntegerField(_("down votes"), default=0, editable=False)
    score = models.IntegerField(_("score"), default=0, editable=False)

    objects = ProposalManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("rationale"), 0), name="proposal_rationale_required"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("title"), 0), name="proposal_title_required"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["voting", "in_review"]) | Q(decided_at__isnull=False),
                name="proposal_decided_has_time",
            ),
            models.CheckConstraint(
                condition=Q(applied_version__isnull=True) | Q(status="accepted"),
                name="proposal_applied_only_when_accepted",
            ),
            models.CheckConstraint(
                condition=Q(score=F("votes_up") - F("votes_down")), name="proposal_score_is_tally"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "closes_at"], name="proposal_status_closes"),
            models.Index(fields=["author", "status"], name="proposal_author_status"),
            models.Index(fields=["role", "status"], name="proposal_role_status"),
            # The list's default order (newest first).
            models.Index(fields=["-created_at", "-id"], name="proposal_newest"),
            # The list sorted by score: the list always leaves spam and hidden proposals out.
            models.Index(
                fields=["-score", "-created_at", "-id"],
                condition=Q(is_spam=False, hidden_at__isnull=True),
                name="proposal_best",
            ),
            SearchDocumentIndex(fields=["search_document"], name="proposal_search"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_hidden(self) -> bool:
        """Hidden pending a moderator: members' flags took it out of the lists, and it takes
        no votes, comments or reviews until a moderator restores it."""
        return self.hidden_at is not None

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def voting_is_open(self) -> bool:
        """Votes are taken: voting, and its window has not ended (it may not be closed yet)."""
        return self.status == ProposalStatus.VOTING and not voting_has_ended(
            closes_at=self.closes_at, now=timezone.now()
        )


class ProposalTarget(models.Model):
    """A place a proposal touches, written with it so lists can filter by role, skill, level
    and domain in SQL: a cell (skill and level), a whole skill (no level), or a level's focus or
    stack (no skill)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="targets", verbose_name=_("proposal")
    )
    skill = models.SlugField(_("skill"), max_length=100, blank=True)
    level = models.SlugField(_("level"), max_length=50, blank=True)
    # The skill's domain in the role (or the new skill's domain); empty for level changes.
    domain = models.ForeignKey(
        SkillDomain,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("domain"),
    )

    class Meta:
        verbose_name = _("proposal target")
        verbose_name_plural = _("proposal targets")
        indexes = [models.Index(fields=["skill", "level"], name="proposaltarget_cell")]

    def __str__(self) -> str:
        return f"#{self.proposal_id} {self.skill or '*'} · {self.level or '*'}"


class Vote(models.Model):
    class Value(models.IntegerChoices):
        UP = 1, _("Up")
        DOWN = -1, _("Down")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="votes", verbose_name=_("proposal")
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposal_votes",
        verbose_name=_("voter"),
    )
    value = models.SmallIntegerField(_("value"), choices=Value.choices)
    # Why a down vote is down, shown to the author and on the page (up votes carry none).
    reason = models.CharField(_("reason"), max_length=VOTE_REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "voter"], name="vote_one_per_member"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_value_valid"),
            models.CheckConstraint(
                condition=Q(reason="") | Q(value=-1), name="vote_reason_only_down"
            ),
        ]
        indexes = [models.Index(fields=["voter", "created_at"], name="vote_voter_recent")]

    def __str__(self) -> str:
        return f"{self.voter} {self.value:+d} on #{self.proposal_id}"


class SetAsideVote(models.Model):
    """A vote cast on an earlier revision whose change list a later revision replaced: kept for
    the record, out of the vote table, so every tally (that of the ``Vote`` rows) counts only
    votes on the changes as they stand. Its voter may vote again."""

    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="set_aside_votes",
        verbose_name=_("proposal"),
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("voter"),
    )
    value = models.SmallIntegerField(_("value"), choices=Vote.Value.choices)
    reason = models.CharField(_("reason"), max_length=VOTE_REASON_MAX_LENGTH, blank=True)
    # The revision the vote was cast on; the next one set it aside.
    revision = models.PositiveIntegerField(_("revision"))
    cast_at = models.DateTimeField(_("cast at"))
    set_aside_at = models.DateTimeField(_("set aside at"), auto_now_add=True)

    class Meta:
        ordering = ["-set_aside_at", "-pk"]
        verbose_name = _("set-aside vote")
        verbose_name_plural = _("set-aside votes")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "voter", "revision"], name="setasidevote_once_per_revision"
            ),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="setasidevote_value_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.voter} {self.value:+d} on #{self.proposal_id} r{self.revision}"


class ProposalRevision(models.Model):
    """A proposal's text as it stood before its author revised it: revision ``number``, written
    at ``created_at`` and replaced at ``replaced_at``. The current text is the proposal's own."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("proposal")
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    rationale = models.TextField(_("rationale"), max_length=RATIONALE_MAX_LENGTH)
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    base_version = models.PositiveIntegerField(_("base version"))
    changes = models.JSONField(_("changes"))
    created_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"), auto_now_add=True)

    class Meta:
        ordering = ["proposal", "number"]
        verbose_name = _("proposal revision")
        verbose_name_plural = _("proposal revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "number"], name="proposalrevision_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.proposal_id} r{self.number}"


class Review(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("proposal")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposal_reviews",
        verbose_name=_("reviewer"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"), max_length=REVIEW_COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="review_one_per_expert"),
            models.CheckConstraint(
                condition=Q(decision__in=["approve", "reject"]), name="review_decision_valid"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("comment"), 0), name="review_comment_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.decision} #{self.proposal_id}"


class Comment(models.Model):
    """A message in a proposal's discussion, in Markdown (rendered safely), or a reply to one
    (one level: a reply's ``parent`` is a comment that is not itself a reply)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="comments", verbose_name=_("proposal")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposal_comments",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=COMMENT_MAX_LENGTH)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    # The usernames its ``@username`` mentions named when written (members that existed),
    # which are the ones shown as links.
    mentions = models.JSONField(_("mentions"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Members' flags hide it pending a moderator (a placeholder shows, except to its author and
    # the moderators); a moderator who confirms the flags removes it (a placeholder for all).
    # Written by proposals.moderation only, under the comment's row lock.
    hidden_at = models.DateTimeField(_("hidden pending moderation since"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed by a moderator at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(
                condition=GreaterThan(Length("text"), 0), name="comment_text_required"
            ),
        ]
        indexes = [models.Index(fields=["author", "created_at"], name="comment_author_recent")]

    def __str__(self) -> str:
        return f"{self.author} on #{self.proposal_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Expertise(models.Model):
    """A member may review proposals touching ``domain``, or any proposal when it is empty."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="expertise",
        verbose_name=_("user"),
    )
    domain = models.ForeignKey(
        SkillDomain,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="experts",
        verbose_name=_("domain"),
        help_text=_("Leave empty for a global expert."),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "domain"]
        verbose_name = _("expertise")
        verbose_name_plural = _("expertise")
        constraints = [
            models.UniqueConstraint(fields=["user", "domain"], name="expertise_unique_domain"),
            # NULLs are distinct in a unique index: a second one keeps one global grant per user.
            models.UniqueConstraint(
                fields=["user"], condition=Q(domain__isnull=True), name="expertise_unique_global"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.domain or _('all domains')}"


# A notification whose email failed this often is left for an operator (the admin shows its last
# error; the outbox metrics count it apart).
NOTIFICATION_MAX_ATTEMPTS = 10


class Notification(models.Model):
    """One thing a member is told of: a row of their inbox (``read_at``) and the outbox of its
    email (``state``). Written in the same transaction as what it tells of (a status change, a
    comment, a new proposal or version), so none is lost or doubled; its email is sent by id
    after that transaction commits (or by the periodic sweep, when the broker was away), in
    the daily digest, or not at all, as the member chose for its kind. Sending locks the row
    and marks it, so it is sent once."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status of your proposal")
        REVIEW = "review", _("Proposal waiting for your review")
        COMMENT = "comment", _("Comment on a proposal you take part in")
        REPLY = "reply", _("Reply to your comment")
        MENTION = "mention", _("Mention of you")
        WATCHED_STATUS = "watched_status", _("Status of a proposal you watch")
        ROLE_PROPOSAL = "role_proposal", _("New proposal on a role you watch")
        ROLE_VERSION = "role_version", _("New version of a role you watch")
        VOTE_SET_ASIDE = "vote_set_aside", _("Your vote set aside by a revision")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DIGEST = "digest", _("Waiting for the daily digest")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent")

    # What it is about: a proposal (and its comment), or a role's new version.
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("proposal"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("comment"),
    )
    version = models.ForeignKey(
        RoleVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("role version"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposal_notifications",
        verbose_name=_("recipient"),
    )
    # Who did it (the commenter, the author of the new proposal); none for the site's own.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The status the proposal entered (a proposal enters each status once at most); empty for
    # comments and versions.
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, blank=True
    )
    # The revision that set the recipient's vote aside (``vote_set_aside`` only): a proposal
    # may be revised, and a vote set aside, more than once.
    revision = models.PositiveIntegerField(_("revision"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    handled_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # Each event is told once to each member (a retried cause writes nothing twice).
            models.UniqueConstraint(
                fields=["proposal", "recipient", "kind", "status"],
                condition=Q(comment__isnull=True, version__isnull=True, revision__isnull=True),
                name="notification_once_per_status",
            ),
            models.UniqueConstraint(
                fields=["proposal", "recipient", "revision"],
                condition=Q(revision__isnull=False),
                name="notification_once_per_revision",
            ),
            models.CheckConstraint(
                condition=Q(kind="vote_set_aside", revision__isnull=False)
                | (~Q(kind="vote_set_aside") & Q(revision__isnull=True)),
                name="notification_revision_of_set_aside_votes",
            ),
            models.UniqueConstraint(
                fields=["comment", "recipient"],
                condition=Q(comment__isnull=False),
                name="notification_once_per_comment",
            ),
            models.UniqueConstraint(
                fields=["version", "recipient"],
                condition=Q(version__isnull=False),
                name="notification_once_per_version",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "status",
                        "review",
                        "comment",
                        "reply",
                        "mention",
                        "watched_status",
                        "role_proposal",
                        "role_version",
                        "vote_set_aside",
                    ]
                ),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(proposal__isnull=False) | Q(version__isnull=False),
                name="notification_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "digest", "sent", "skipped"]),
                name="notification_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "digest"]) | Q(handled_at__isnull=False),
                name="notification_handled_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(state="pending"),
                name="notification_pending",
            ),
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(state="digest"),
                name="notification_digest",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        subject = f"#{self.proposal_id}" if self.proposal_id else f"v{self.version_id}"
        return f"{self.kind} {subject} → {self.recipient} ({self.state})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Watch(models.Model):
    """A member follows a role (its new proposals and versions) or a proposal (its status
    changes and comments) in their inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("user"),
    )
    role = models.ForeignKey(
        Role,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="watches",
        verbose_name=_("role"),
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="watches",
        verbose_name=_("proposal"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__isnull=False, proposal__isnull=True)
                | Q(role__isnull=True, proposal__isnull=False),
                name="watch_one_subject",
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(role__isnull=False), name="watch_once_role"
            ),
            models.UniqueConstraint(
                fields=["user", "proposal"],
                condition=Q(proposal__isnull=False),
                name="watch_once_proposal",
            ),
        ]
        indexes = [
            models.Index(fields=["role"], condition=Q(role__isnull=False), name="watch_role"),
            models.Index(
                fields=["proposal"], condition=Q(proposal__isnull=False), name="watch_proposal"
            ),
        ]

    def __str__(self) -> str:
        subject = self.role or f"#{self.proposal_id}"
        return f"{self.user} watches {subject}"


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSE = "abuse", _("Rude or abusive")
    OFF_TOPIC = "off_topic", _("Off-topic")


class FlaggedItem(models.Model):
    """A proposal (``comment`` empty) or one of its comments as the moderators' queue shows it:
    the members' flags on it since it was last decided, whether they hid it (``FLAGS_TO_HIDE``
    of them, from different members), and what a moderator decided, who and when. An item has
    one pending entry at most; flags after a decision open a new one."""

    class State(models.TextChoices):
        FLAGGED = "flagged", _("Flagged")
        HIDDEN = "hidden", _("Hidden pending moderation")
        DISMISSED = "dismissed", _("Flags dismissed (restored)")
        CONFIRMED = "confirmed", _("Flags confirmed (spam, or comment removed)")

    # Waiting for a moderator.
    PENDING_STATES = (State.FLAGGED, State.HIDDEN)

    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="flagged_items",
        verbose_name=_("proposal"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flagged_items",
        verbose_name=_("comment"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.FLAGGED
    )
    created_at = models.DateTimeField(_("first flagged at"), auto_now_add=True)
    last_flagged_at = models.DateTimeField(_("last flagged at"))
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_flagged_at", "-pk"]
        verbose_name = _("flagged item")
        verbose_name_plural = _("flagged items")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["flagged", "hidden", "dismissed", "confirmed"]),
                name="flaggeditem_state_valid",
            ),
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(comment__isnull=True, state__in=["flagged", "hidden"]),
                name="flaggeditem_one_pending_per_proposal",
            ),
            models.UniqueConstraint(
                fields=["comment"],
                condition=Q(comment__isnull=False, state__in=["flagged", "hidden"]),
                name="flaggeditem_one_pending_per_comment",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["flagged", "hidden"]) | Q(decided_at__isnull=False),
                name="flaggeditem_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="hidden") | Q(hidden_at__isnull=False),
                name="flaggeditem_hidden_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-last_flagged_at"],
                condition=Q(state__in=["flagged", "hidden"]),
                name="flaggeditem_pending",
            ),
        ]

    def __str__(self) -> str:
        if self.comment_id:
            return f"comment {self.comment_id} on #{self.proposal_id} ({self.state})"
        return f"#{self.proposal_id} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state in self.PENDING_STATES


class Flag(models.Model):
    """A member's flag on a proposal (``comment`` empty) or one of its comments: one per member
    per item, ever (a dismissed flag is not cast again)."""

    item = models.ForeignKey(
        FlaggedItem, on_delete=models.CASCADE, related_name="flags", verbose_name=_("flagged item")
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="flags", verbose_name=_("proposal")
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("comment"),
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposal_flags",
        verbose_name=_("flagged by"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=FlagReason.choices)
    note = models.CharField(_("note"), max_length=FLAG_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("flagged at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "flagger"],
                condition=Q(comment__isnull=True),
                name="flag_once_per_proposal",
            ),
            models.UniqueConstraint(
                fields=["comment", "flagger"],
                condition=Q(comment__isnull=False),
                name="flag_once_per_comment",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["spam", "abuse", "off_topic"]), name="flag_reason_valid"
            ),
        ]
        indexes = [models.Index(fields=["flagger", "created_at"], name="flag_flagger_recent")]

    def __str__(self) -> str:
        subject = f"comment {self.comment_id}" if self.comment_id else f"#{self.proposal_id}"
        return f"{self.flagger} flagged {subject} ({self.reason})"
