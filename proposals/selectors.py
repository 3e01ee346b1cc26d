"""Reads of the proposals domain. Tallies are the ones stored on each proposal's row, which the
vote services write under its lock with the vote rows (DESIGN §5; ``proposals.models``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from proposals.errors import (
    MemberNotFound,
    ProposalForbidden,
    ProposalInvalid,
    ProposalNotFound,
)
from proposals.models import (
    MAX_CHANGES,
    NOTIFICATION_MAX_ATTEMPTS,
    Comment,
    Expertise,
    Flag,
    FlaggedItem,
    Notification,
    Proposal,
    ProposalRevision,
    ProposalTarget,
    Review,
    SetAsideVote,
    Vote,
    Watch,
)
from proposals.presenters import change_words
from proposals.search import (
    as_search,
    search_fallback,
    search_query,
    search_rank,
    searchable,
)
from roles.changes.base import Change
from roles.changes.diff import FieldDiff, RoleDiff, preview
from roles.changes.errors import ChangeError, ChangeProblem
from roles.changes.parts import (
    SetCell,
    SetDomain,
    SetFramework,
    SetLevelField,
    SetRow,
    SetScale,
    SetSkill,
    SetTrack,
)
from roles.changes.state import Cell, RoleState, Section
from roles.changes.types import (
    PROPOSAL_OPS,
    AddSkill,
    RemoveSkill,
    SetDetails,
    SetFocus,
    SetRequirement,
    SetStack,
    parse_changes,
)
from roles.errors import RoleVersionNotFound
from roles.models import Role
from roles.presenters import CELL_TEXTS, TextChange, cell_text_changes
from roles.selectors import (
    domain_list,
    role_queryset,
    role_state_get,
    role_version_state,
    role_version_states,
)

AnyUser = User | AnonymousUser


def signed_in_member(user: AnyUser) -> User:
    """The member behind a request that needs one (after ``login_required`` or an API
    permission); a visitor is refused."""
    if not isinstance(user, User):
        raise ProposalForbidden(_("Sign in first."))
    return user


# "relevance": the best matches of a search first (the default when searching).
SORTS = ("newest", "score", "closing", "relevance")


def _searched(proposals: QuerySet[Proposal], search: str) -> QuerySet[Proposal]:
    """The proposals matching ``search`` in their title, rationale or comments, each with its
    ``rank`` (0 where the database has no full-text search): see :mod:`proposals.search`."""
    if connection.vendor != "postgresql":
        return proposals.filter(search_fallback(search, Comment)).annotate(
            rank=Value(0.0, output_field=FloatField())
        )
    return proposals.filter(search_document=search_query(search)).annotate(rank=search_rank(search))


def _sorted(proposals: QuerySet[Proposal], sort: str) -> QuerySet[Proposal]:
    if sort == "score":
        # The stored score, on its index (proposal_best): no vote row is read.
        return proposals.order_by("-score", "-created_at", "-pk")
    if sort == "closing":
        still_voting = Case(When(status=Proposal.Status.VOTING, then=Value(0)), default=Value(1))
        return proposals.order_by(still_voting, "closes_at", "-pk")
    if sort == "relevance" and "rank" in proposals.query.annotations:
        return proposals.order_by(F("rank").desc(), "-created_at", "-pk")
    return proposals.order_by("-created_at", "-pk")


def proposal_list(
    *,
    role_slug: str = "",
    status: str = "",
    domain_slug: str = "",
    skill_slug: str = "",
    level_code: str = "",
    sort: str = "",
    author_username: str = "",
    search: str = "",
) -> QuerySet[Proposal]:
    """Proposals with their tally (``votes_up``, ``votes_down``, ``score``) and comment count,
    filtered and sorted; spam and proposals hidden pending moderation are left out. One query
    per page (plus the paginator's count).

    ``skill_slug`` (and ``level_code``) keep proposals touching that skill (that cell): a change
    to the whole skill touches every one of its cells. ``search`` keeps those whose title,
    rationale or comments match it (:mod:`proposals.search`); they come best match first
    unless ``sort`` says otherwise (newest first when no sort is given and nothing searched).
    """
    proposals: QuerySet[Proposal] = (
        Proposal.objects.filter(is_spam=False, hidden_at__isnull=True)
        .select_related("role", "author")
        .annotate(
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
    )
    search = as_search(search)
    slugs = role_slug + domain_slug + skill_slug + level_code + author_username
    if "\x00" in slugs or not searchable(search):
        return proposals.none()  # no slug has one, and PostgreSQL refuses them in queries
    if role_slug:
        proposals = proposals.filter(role__slug=role_slug)
    if status:
        proposals = proposals.filter(status=status)
    if author_username:
        proposals = proposals.filter(author__username=author_username)
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
    if search:
        proposals = _searched(proposals, search)
    return _sorted(proposals, sort or ("relevance" if search else "newest"))


def _with_total(rows: QuerySet[Any]) -> QuerySet[Any]:
    # A window count is taken before LIMIT: the first rows of a list carry the whole list's size,
    # so a page showing a few of them and "N in all" needs one query.
    counted: QuerySet[Any] = rows.annotate(total=Window(Count("pk")))
    return counted


def proposal_list_for_author(*, user: User) -> QuerySet[Proposal]:
    """A member's proposals, newest first, with role, tally and ``total`` (how many they have
    in all) on every row: one query for any slice. Spam is left out (its page is gone)."""
    proposals = Proposal.objects.filter(author=user, is_spam=False)
    return _with_total(proposals.select_related("role")).order_by("-created_at", "-pk")


def vote_list_for_member(*, user: User) -> QuerySet[Vote]:
    """A member's votes, latest first, with their proposals' roles and ``total`` on every
    row: one query for any slice. Votes on spam are left out."""
    votes = Vote.objects.filter(voter=user, proposal__is_spam=False).select_related(
        "proposal", "proposal__role"
    )
    return _with_total(votes).order_by("-updated_at", "-pk")


def expertise_list_for_member(*, user: User) -> QuerySet[Expertise]:
    """A member's expertise, the global grant first, then domains by name, with ``total`` on
    every row: one query."""
    expertise = Expertise.objects.filter(user=user).select_related("domain")
    return _with_total(expertise).order_by(F("domain__name").asc(nulls_first=True))


def member_is_moderator(user: AnyUser | None) -> bool:
    """Whether ``user`` moderates: an active staff member who may change proposals (the
    admin's moderation actions and the flag queue). No query for members who are not staff
    (a staff member's permissions are read once per request)."""
    if not isinstance(user, User) or not (user.is_active and user.is_staff):
        return False
    return user.has_perm("proposals.change_proposal")


def proposal_shown_to(*, proposal: Proposal, user: AnyUser | None) -> bool:
    """Whether ``user`` may read ``proposal`` whole: anyone, unless members' flags hide it
    pending moderation; then only its author and the moderators (everyone else gets a
    placeholder)."""
    if not proposal.is_hidden:
        return True
    if isinstance(user, User) and user.pk == proposal.author_id:
        return True
    return member_is_moderator(user)


def flagged_items_for_moderation() -> QuerySet[FlaggedItem]:
    """The moderators' queue: flagged proposals and comments, the latest flagged first, each
    with its ``flag_count`` and its flags with their flaggers (two queries for any page)."""
    flags = Flag.objects.select_related("flagger").order_by("created_at", "pk")
    return (
        FlaggedItem.objects.select_related(
            "proposal", "proposal__author", "comment", "comment__author", "decided_by"
        )
        .prefetch_related(Prefetch("flags", queryset=flags))
        .annotate(flag_count=_count_of(Flag.objects.filter(item=OuterRef("pk")), "item"))
        .order_by("-last_flagged_at", "-pk")
    )


def proposals_for_moderation() -> QuerySet[Proposal]:
    """Every proposal, spam included, with its tally: the admin's list."""
    return Proposal.objects.select_related("role", "author").order_by("-created_at", "-pk")


def proposal_list_open(
    *, role_slug: str, skill_slug: str = "", level_code: str = ""
) -> QuerySet[Proposal]:
    """Open proposals (voting or in review) of a role, optionally touching one skill or cell."""
    return proposal_list(
        role_slug=role_slug, skill_slug=skill_slug, level_code=level_code, sort="closing"
    ).filter(status__in=Proposal.OPEN_STATUSES)


def role_open_proposal_cells(role_id: int) -> list[tuple[str, str]]:
    """The (skill, level) pairs that open proposals of a role touch, level "" for a whole
    skill (one query): the role page's marks."""
    return list(
        ProposalTarget.objects.filter(
            proposal__role_id=role_id,
            proposal__status__in=Proposal.OPEN_STATUSES,
            proposal__is_spam=False,
            proposal__hidden_at__isnull=True,
        )
        .exclude(skill="")
        .values_list("skill", "level")
        .distinct()
    )


def _meets(mine: QuerySet[ProposalTarget]) -> Q:
    """Targets (of another proposal) that meet one of ``mine``: the same cell, the same
    level's field, or a cell of a skill one of them changes whole (or the other way round)."""
    return (
        Q(Exists(mine.filter(skill=OuterRef("skill"), level=OuterRef("level"))))
        | Q(Exists(mine.filter(skill=OuterRef("skill"), level="").exclude(skill="")))
        | (Q(level="") & ~Q(skill="") & Q(Exists(mine.filter(skill=OuterRef("skill")))))
    )


def proposals_competing(*, proposal: Proposal) -> list[Proposal]:
    """The other open proposals of the role touching a place ``proposal`` touches (one query):
    at most one of them can apply as written."""
    mine = ProposalTarget.objects.filter(proposal=proposal)
    meeting = (
        ProposalTarget.objects.filter(proposal=OuterRef("pk"))
        .exclude(skill="", level="")
        .filter(_meets(mine))
    )
    return list(
        Proposal.objects.filter(
            role_id=proposal.role_id,
            status__in=Proposal.OPEN_STATUSES,
            is_spam=False,
            hidden_at__isnull=True,
        )
        .exclude(pk=proposal.pk)
        .filter(Exists(meeting))
        .order_by("closes_at", "pk")[:20]
    )


def proposals_open_on_cells(
    *, role: Role, changes: Sequence[Change], excluding: Proposal | None = None
) -> list[Proposal]:
    """The open proposals of ``role`` touching a skill or cell that ``changes`` touch (one
    query), for the editor's warning; ``excluding`` the one being revised."""
    places = Q()
    for change in changes:
        skill, level = getattr(change, "skill", ""), getattr(change, "level", "")
        if isinstance(skill, str) and skill:
            places |= Q(skill=skill, level__in={level, ""}) if level else Q(skill=skill)
        elif level:
            places |= Q(skill="", level=level)
    if not places:
        return []
    others = Proposal.objects.filter(
        role=role, status__in=Proposal.OPEN_STATUSES, is_spam=False, hidden_at__isnull=True
    )
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    return list(
        others.filter(
            Exists(ProposalTarget.objects.filter(places, proposal=OuterRef("pk")))
        ).order_by("closes_at", "pk")[:20]
    )


def proposal_get(*, pk: int, viewer: AnyUser | None = None) -> Proposal:
    """One proposal with role, author, applied version and tally, the viewer's own vote as
    ``my_vote`` (0 when none) with its ``my_vote_reason``, whether a revision set a vote of
    theirs aside (``my_vote_set_aside``), whether they flagged it (``flagged_by_me``), and its
    reviews with their reviewers: two queries. A proposal hidden pending moderation is
    returned too (:func:`proposal_shown_to` says who may read it)."""
    reviews = Review.objects.select_related("reviewer").order_by("created_at", "pk")
    proposals = (
        Proposal.objects.filter(is_spam=False)
        .select_related("role", "role__family", "author", "applied_version", "moderated_by")
        .prefetch_related(Prefetch("reviews", queryset=reviews))
    )
    if isinstance(viewer, User):
        own = Vote.objects.filter(proposal=OuterRef("pk"), voter=viewer)
        set_aside = SetAsideVote.objects.filter(
            proposal=OuterRef("pk"), voter=viewer, revision__lt=OuterRef("revision")
        )
        proposals = proposals.annotate(
            my_vote=Coalesce(Subquery(own.values("value")[:1], output_field=IntegerField()), 0),
            my_vote_reason=Coalesce(Subquery(own.values("reason")[:1]), Value("")),
            # A vote of theirs a revision set aside, with no vote on the current one yet.
            my_vote_set_aside=Exists(set_aside) & ~Exists(own),
            # For the watch button, in the same query.
            watching=Exists(Watch.objects.filter(proposal=OuterRef("pk"), user=viewer)),
            # Whether their expertise lets them review it (see expert_can_review), likewise.
            viewer_may_review=Exists(
                Expertise.objects.filter(_may_review(OuterRef(OuterRef("pk"))), user=viewer)
            ),
            flagged_by_me=Exists(
                Flag.objects.filter(proposal=OuterRef("pk"), comment__isnull=True, flagger=viewer)
            ),
        )
    else:
        proposals = proposals.annotate(
            my_vote=Value(0, output_field=IntegerField()),
            my_vote_reason=Value(""),
            my_vote_set_aside=Value(False),
            flagged_by_me=Value(False),
        )
    proposal = proposals.filter(pk=pk).first()
    if proposal is None:
        raise ProposalNotFound(f"No proposal #{pk}")
    return proposal


def proposal_comment_get(*, proposal: Proposal, pk: int) -> Comment | None:
    """One comment of ``proposal`` (1 query); None when the discussion has no such comment."""
    return Comment.objects.filter(pk=pk, proposal=proposal).first()


def proposal_comments(*, proposal: Proposal, viewer: AnyUser | None = None) -> QuerySet[Comment]:
    """A proposal's comments in order with their authors, each with whether ``viewer`` flagged
    it (``flagged_by_me``; False for visitors): one query."""
    comments = Comment.objects.filter(proposal=proposal).select_related("author")
    if isinstance(viewer, User):
        flagged = Exists(Flag.objects.filter(comment=OuterRef("pk"), flagger=viewer))
        comments = comments.annotate(flagged_by_me=flagged)
    else:
        comments = comments.annotate(flagged_by_me=Value(False))
    return comments.order_by("created_at", "pk")


def proposal_discussion(*, proposal: Proposal, viewer: AnyUser | None = None) -> list[Comment]:
    """The discussion as threads: its comments in order, each with its replies in order as
    ``thread`` and whether ``viewer`` flagged it (one query)."""
    comments = list(proposal_comments(proposal=proposal, viewer=viewer))
    threads: dict[int, Comment] = {}
    for comment in comments:
        comment.thread = []  # type: ignore[attr-defined]
        if comment.parent_id is None:
            threads[comment.pk] = comment
    for comment in comments:
        parent = threads.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.thread.append(comment)  # type: ignore[attr-defined]
    return list(threads.values())


# How many voters of each side the proposal page names; the rest are "and N more".
VOTERS_SHOWN = 50


@dataclass(frozen=True)
class Voters:
    """Who voted which way: the latest ``VOTERS_SHOWN`` of each side (down votes with a reason
    first), and how many more there are."""

    up: list[Vote]
    down: list[Vote]
    up_more: int
    down_more: int


def proposal_voters(*, proposal: Proposal, up: int, down: int, shown: int = VOTERS_SHOWN) -> Voters:
    """The voters of ``proposal`` for its page, given its tally (``up``, ``down``): at most
    ``shown`` of each side, in one query whatever the number of votes (none when there are
    no votes)."""
    if up + down == 0:
        return Voters([], [], 0, 0)
    with_reason_first = Case(When(reason="", then=Value(1)), default=Value(0))
    ranked = (
        Vote.objects.filter(proposal=proposal)
        .select_related("voter")
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("value")],
                order_by=[with_reason_first.asc(), F("updated_at").desc(), F("pk").desc()],
            )
        )
        .filter(place__lte=shown)
        .order_by("-value", "place")
    )
    votes: list[Vote] = list(ranked)
    ups = [vote for vote in votes if vote.value == 1]
    downs = [vote for vote in votes if vote.value == -1]
    return Voters(ups, downs, max(up - len(ups), 0), max(down - len(downs), 0))


def proposal_revisions(*, proposal: Proposal) -> list[ProposalRevision]:
    """A proposal's earlier texts, in number order (one query; none before its first
    revision)."""
    if proposal.revision == 1:
        return []
    return list(ProposalRevision.objects.filter(proposal=proposal).order_by("number"))


def proposal_reviews(*, proposal: Proposal) -> QuerySet[Review]:
    return (
        Review.objects.filter(proposal=proposal)
        .select_related("reviewer")
        .order_by("created_at", "pk")
    )


def proposal_tally(*, proposal: Proposal) -> tuple[int, int]:
    """(up, down): the tally stored on the proposal's row now (1 query; it is read again, as
    ``proposal`` may be older). The vote services keep it equal to the rows
    (:func:`proposal_tally_counted`) under the row's lock."""
    up, down = Proposal.objects.filter(pk=proposal.pk).values_list("votes_up", "votes_down").get()
    return up, down


def proposal_tally_counted(*, proposal: Proposal) -> tuple[int, int]:
    """(up, down) counted from the vote rows now (1 query): what the stored tally must equal
    (the tests and the benchmark's check compare them)."""
    counts = Vote.objects.filter(proposal=proposal).aggregate(
        up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1))
    )
    return counts["up"], counts["down"]


def _may_review(proposal: Proposal | OuterRef) -> Q:
    """The expertise that may review ``proposal`` (a proposal, or a reference to one in an
    outer query): global, or of a domain it touches when every part it touches is in a domain.
    A part in none (a level, a scale, a track, the framework, a domain new to the framework)
    is for global experts only, so a domain expert's approval never carries it. Subqueries:
    no query of its own."""
    targets = ProposalTarget.objects.filter(proposal=proposal)
    touched = targets.filter(domain_id__isnull=False).values("domain_id")
    outside = Exists(targets.filter(domain_id__isnull=True))
    return Q(domain__isnull=True) | (Q(domain__in=touched) & Q(~outside))


@dataclass(frozen=True)
class DomainApprovals:
    """A domain a proposal touches (``domain_id`` None: a part in no domain, for global
    experts) and the approvals that count there: its experts' and global experts'."""

    domain_id: int | None
    name: str
    approvals: int


def proposal_domain_approvals(*, proposal: Proposal) -> list[DomainApprovals]:
    """Each domain ``proposal`` touches with the approvals counted for it, in one query: an
    approving reviewer counts for a domain when they are a global expert or an expert of it
    (as their expertise stands now)."""
    counts_for = Expertise.objects.filter(user=OuterRef("reviewer")).filter(
        Q(domain__isnull=True) | Q(domain=OuterRef(OuterRef("domain_id")))
    )
    approvals = (
        Review.objects.filter(proposal=OuterRef("proposal"), decision=Review.Decision.APPROVE)
        .filter(Exists(counts_for))
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        ProposalTarget.objects.filter(proposal=proposal)
        .values("domain_id", "domain__name")
        .annotate(approvals=Coalesce(Subquery(approvals, output_field=IntegerField()), Value(0)))
        .order_by(F("domain__name").asc(nulls_last=True))
        .distinct()
    )
    return [
        DomainApprovals(row["domain_id"], row["domain__name"] or "", row["approvals"])
        for row in rows
    ]


def proposal_domains_pending(*, proposal: Proposal, needed: int) -> list[DomainApprovals]:
    """The touched domains still short of ``needed`` approvals (one query)."""
    return [d for d in proposal_domain_approvals(proposal=proposal) if d.approvals < needed]


def expert_can_review(*, user: AnyUser, proposal: Proposal) -> bool:
    """Whether ``user`` is a global expert or an expert of a domain the proposal touches (one
    query; none for the viewer :func:`proposal_get` loaded it for). Authors never review
    their own proposals."""
    if not isinstance(user, User) or not user.is_active or user.pk == proposal.author_id:
        return False
    known = getattr(proposal, "viewer_may_review", None)  # proposal_get's, for this viewer
    if known is not None:
        return bool(known)
    return bool(Expertise.objects.filter(_may_review(proposal), user=user).exists())


def proposal_expert_ids(*, proposal: Proposal) -> list[int]:
    """The active members who may review ``proposal``: experts of a domain it touches and
    global experts, its author left out (one query)."""
    return list(
        Expertise.objects.filter(_may_review(proposal), user__is_active=True)
        .exclude(user_id=proposal.author_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def role_choices() -> list[tuple[str, str]]:
    """(slug, title) of the published roles, for filters and the editor."""
    return list(role_queryset().order_by("title").values_list("slug", "title"))


def domain_choices() -> list[tuple[str, str]]:
    return list(domain_list().values_list("slug", "name"))


# --- Changes and their preview -----------------------------------------------------------------


@dataclass(frozen=True)
class PreviewCell:
    level: str
    level_name: str
    old: Cell | None
    new: Cell | None
    changed: bool
    # The cells in words (v2: "3 Working", "n/a"; "" for an empty cell), so any step code
    # of any scale shows without the A/W/E names.
    old_label: str = ""
    new_label: str = ""

    @property
    def content_changed(self) -> bool:
        """Whether the cell's words (summary, details, examples, links) changed."""
        if self.old is None or self.new is None:
            return False
        return _content(self.old) != _content(self.new)


def _content(cell: Cell) -> tuple[Any, ...]:
    return (cell.summary, cell.details, cell.examples, cell.links)


def cell_label(state: RoleState, scale: str, cell: Cell | None) -> str:
    """A cell in words: its step's code and name ("3 Working"), "n/a", "" when empty; a code
    the scale does not know (a stale version) shows as itself rather than failing."""
    if cell is None:
        return ""
    if cell.not_applicable:
        return _("n/a")
    if not cell.code:
        return _("(no step)")
    try:
        step = state.scale(scale).step(cell.code)
    except KeyError:
        step = None
    label = f"{cell.code} {step.name}" if step is not None and step.name != cell.code else cell.code
    return label if cell.mandatory else _("%(step)s, optional") % {"step": label}


@dataclass(frozen=True)
class PreviewRow:
    """One touched skill in matrix layout: every level's cell, the touched ones old → new."""

    skill: str
    name: str
    status: str  # "changed", "added" or "removed"
    cells: list[PreviewCell]


@dataclass(frozen=True)
class PreviewLevelField:
    level: str
    level_name: str
    field: str
    old: Any
    new: Any
    # v2 fields (rank, track, sections) in words, for the page.
    old_words: str = ""
    new_words: str = ""


@dataclass(frozen=True)
class PreviewRowField:
    """A skill's description in this role (v2's ``set_row``), old → new."""

    skill: str
    name: str
    old: str
    new: str


@dataclass(frozen=True)
class PreviewSharedField:
    """A changed part the framework shares (a skill's scale or step content, a scale, a track,
    a domain, the framework's own fields): ``part`` names it, ``diff`` says how (the compare
    page's words put it into words)."""

    part: str
    diff: FieldDiff


@dataclass(frozen=True)
class ChangesPreview:
    """What a change list does to a role's state, shaped for the pages: touched skills as
    matrix rows and changed level fields."""

    changes: list[Change]
    levels: list[tuple[str, str]]
    rows: list[PreviewRow]
    level_fields: list[PreviewLevelField]
    state: RoleState
    row_fields: list[PreviewRowField] = field(default_factory=list)
    shared_fields: list[PreviewSharedField] = field(default_factory=list)

    @property
    def cell_count(self) -> int:
        return sum(cell.changed for row in self.rows for cell in row.cells)

    @property
    def v2(self) -> bool:
        """Whether the role is shown in v2's words (its own scales, Markdown texts)."""
        return role_is_v2(self.state)

    @property
    def cell_text_changes(self) -> list[TextChange]:
        """The changed texts of the touched cells (summary, details), old → new."""
        # A removed skill's texts go with it: nothing to read there.
        return [
            change
            for row in self.rows
            if row.status != "removed"
            for cell in row.cells
            for change in cell_text_changes(f"{row.name} · {cell.level_name}", cell.old, cell.new)
        ]

    @property
    def text_changes(self) -> list[TextChange]:
        """Every changed text, old → new: the cells', then what a skill means in this role,
        then the levels' focus (for the emails, which show nothing else of them)."""
        rows = [
            TextChange(item.name, _("description in this role"), item.old, item.new)
            for item in self.row_fields
        ]
        focus = [
            TextChange(item.level_name, _("focus"), item.old or "", item.new or "")
            for item in self.level_fields
            if item.field == "focus"
        ]
        return [*self.cell_text_changes, *rows, *focus]

    def cell_words(self) -> list[str]:
        """Each changed cell in words: "Testing · Senior: 3 Working → 4 Practitioner"."""
        return [
            "%s · %s: %s → %s"  # noqa: UP031 - the same in every language
            % (row.name, cell.level_name, cell.old_label or "—", cell.new_label or "—")
            for row in self.rows
            for cell in row.cells
            if cell.changed
        ]


def role_is_v2(state: RoleState) -> bool:
    """A role written in format v2's terms: Markdown texts or a skill on a scale of its own."""
    return state.markdown or any(skill.scale for skill in state.skills)


def _changes_parsed(changes: Any) -> list[Change]:
    if isinstance(changes, list) and not changes:
        raise ProposalInvalid({"changes": _("Add at least one change.")})
    if isinstance(changes, list) and len(changes) > MAX_CHANGES:
        raise ProposalInvalid({"changes": _("At most %(n)d changes.") % {"n": MAX_CHANGES}})
    try:
        return parse_changes(changes, allowed=PROPOSAL_OPS)
    except ChangeError as exc:
        raise _invalid(exc.problems) from None


def _invalid(problems: Sequence[ChangeProblem]) -> ProposalInvalid:
    """The first problem at each path, in the API's words and in the pages' (put into words in
    the language of the request being answered)."""
    first: dict[str, ChangeProblem] = {}
    for problem in problems:
        first.setdefault(problem.path, problem)
    return ProposalInvalid(
        {path: problem.message for path, problem in first.items()},
        page_errors={path: problem.member_message for path, problem in first.items()},
    )


def _preview_row(
    slug: str,
    old: RoleState,
    new: RoleState,
    touched_cells: set[tuple[str, str]],
    levels: list[tuple[str, str]],
) -> PreviewRow | None:
    """A touched skill as a matrix row: every level's cell, old → new."""
    before, after = old.skill(slug), new.skill(slug)
    status = "added" if before is None else "removed" if after is None else "changed"
    skill = after or before
    if skill is None:  # a diff only names skills of one state or the other
        return None
    cells = []
    for code, name in levels:
        cell_old = before.cells.get(code) if before else None
        cell_new = after.cells.get(code) if after else None
        changed = status != "changed" or (slug, code) in touched_cells
        cells.append(
            PreviewCell(
                code,
                name,
                cell_old,
                cell_new,
                changed and cell_old != cell_new,
                old_label=cell_label(old, before.scale if before else "", cell_old),
                new_label=cell_label(new, after.scale if after else "", cell_new),
            )
        )
    return PreviewRow(skill=slug, name=skill.name, status=status, cells=cells)


def _preview_rows(
    old: RoleState, new: RoleState, diff: RoleDiff, levels: list[tuple[str, str]]
) -> list[PreviewRow]:
    """The touched skills as matrix rows: those with changed cells, then added and removed."""
    touched_cells = {(c.skill, c.level) for c in diff.cells}
    slugs = [c.skill for c in diff.cells] + [*diff.skills_added, *diff.skills_removed]
    rows = (_preview_row(slug, old, new, touched_cells, levels) for slug in dict.fromkeys(slugs))
    return [row for row in rows if row is not None]


def changes_preview(*, state: RoleState, changes: Any, refuse_noops: bool = True) -> ChangesPreview:
    """Parse a proposal's JSON change list, check it against ``state`` and show old → new.

    Raises :class:`ProposalInvalid` naming each bad change by its path (``changes[2].level``),
    and, with ``refuse_noops``, each change that makes no difference. No queries.
    """
    parsed = _changes_parsed(changes)
    try:
        result = preview(state, parsed)
    except ChangeError as exc:
        raise _invalid(exc.problems) from None
    if refuse_noops and result.noops:
        raise _invalid(
            [ChangeProblem(f"changes[{index}]", "no_difference") for index in result.noops]
        )
    levels = [(level.code, level.name) for level in state.levels]
    names = dict(levels)
    level_fields = [
        PreviewLevelField(
            d.place,
            names.get(d.place, d.place),
            d.field,
            d.old,
            d.new,
            old_words=_level_field_words(state, d.field, d.old),
            new_words=_level_field_words(result.state, d.field, d.new),
        )
        for d in result.diff.levels
    ]
    row_fields = [
        PreviewRowField(d.place, _skill_name(result.state, d.place), d.old or "", d.new or "")
        for d in result.diff.skills
        if d.field == "row_description"
    ]
    return ChangesPreview(
        changes=parsed,
        levels=levels,
        rows=_preview_rows(state, result.state, result.diff, levels),
        level_fields=level_fields,
        state=state,
        row_fields=row_fields,
        shared_fields=_shared_fields(result.state, result.diff),
    )


def _part_name(state: RoleState, place: str) -> str:
    """A shared part's name: "scale:proficiency" → "Proficiency", "framework" → its name."""
    kind, _sep, key = place.partition(":")
    if kind == "framework":
        return state.framework.name or state.framework.slug
    if kind == "scale":
        scale = next((s for s in state.scales if s.slug == key), None)
        return scale.name if scale else key
    if kind == "track":
        track = state.track(key)
        return track.name if track else key
    if kind == "domain":
        info = state.domains.get(key)
        return info.name if info else state.domain_names.get(key, key)
    return place


def _shared_fields(state: RoleState, diff: RoleDiff) -> list[PreviewSharedField]:
    """The changed parts the role shares with the framework's other roles."""
    skills = [
        PreviewSharedField(_skill_name(state, d.place), d)
        for d in diff.skills
        if d.field != "row_description"
    ]
    domains = [PreviewSharedField(_part_name(state, f"domain:{d.place}"), d) for d in diff.domains]
    parts = [PreviewSharedField(_part_name(state, d.place), d) for d in diff.framework]
    return [*skills, *domains, *parts]


def _skill_name(state: RoleState, slug: str) -> str:
    skill = state.skill(slug)
    return skill.name if skill else slug


def _level_field_words(state: RoleState, name: str, value: Any) -> str:
    """A level's rank, track or sections as a page shows them ("" for the v1 fields, which the
    page words itself)."""
    if name == "rank":
        return "" if value is None else str(value)
    if name == "track":
        track = state.track(value) if value else None
        return track.name if track else (value or _("every path"))
    if name == "sections":
        return "\n\n".join(_section_words(section) for section in value or ())
    return ""


def _section_words(section: Section) -> str:
    lines = [section.title]
    if section.text:
        lines.append(section.text)
    lines += [f"• {item}" for item in section.items]
    return "\n".join(lines)


def role_current_state(*, role: Role) -> RoleState:
    """The role as its current version's snapshot shows it (one query); read from its rows when
    it has no version yet (three more)."""
    try:
        return role_version_state(role=role, number=role.current_version)
    except RoleVersionNotFound:
        return role_state_get(role=role)


def conflict_place_words(state: RoleState, place: str) -> str:
    """A conflict's place (``cell:redis:middle``) in words ("Redis · Middle"), named as the
    role's current version names its skills and levels; a place of no known kind as it is."""
    kind, _sep, rest = place.partition(":")
    key, _sep, part = rest.partition(":")
    level = next((lv for lv in state.levels if lv.code == (part if kind == "cell" else key)), None)
    level_name = level.name if level else (part if kind == "cell" else key)
    if kind == "cell":
        return f"{_skill_name(state, key)} · {level_name}"
    if kind == "skill":
        return f"{_skill_name(state, key)} · {part}" if part else _skill_name(state, key)
    if kind == "level":
        return f"{level_name} · {part}" if part else level_name
    if kind in ("scale", "track", "domain", "framework"):
        return _part_name(state, f"{kind}:{key}")
    words = {
        "role": _("the role's %(field)s") % {"field": key},
        "code": _("the name of the code %(code)s") % {"code": key},
        "layout": _("the order of the skills"),
        "level-order": _("the order of the levels"),
        "ext": _("extension data"),
    }
    return words.get(kind, place)


def proposal_conflict_places(*, proposal: Proposal, state: RoleState) -> list[str]:
    """A conflicted proposal's places in words, against the role as it is now."""
    return [conflict_place_words(state, place) for place in proposal.conflicts]


def proposal_preview_now(*, proposal: Proposal, state: RoleState) -> ChangesPreview | None:
    """A proposal's changes against the role as it is now (``state``), for a conflicted one:
    the current value beside the proposed. None when the role can no longer take them."""
    try:
        return changes_preview(state=state, changes=proposal.changes, refuse_noops=False)
    except ProposalInvalid:
        return None


def proposal_base_state(*, proposal: Proposal) -> RoleState | None:
    """The role as the version a proposal was written against shows it (one query); None
    when that version is gone."""
    try:
        return role_version_state(role=proposal.role, number=proposal.base_version)
    except RoleVersionNotFound:
        return None


def proposal_preview(*, proposal: Proposal) -> ChangesPreview | None:
    """A proposal's changes against the version they were written for (one query); None when
    that version cannot show them (the role was re-imported under other levels, say)."""
    state = proposal_base_state(proposal=proposal)
    if state is None:
        return None
    try:
        return changes_preview(state=state, changes=proposal.changes, refuse_noops=False)
    except ProposalInvalid:
        return None


# The name of the home page's section of proposals (roles.home; registered by the site).
HOME_SECTION = "proposals"


# --- What a proposal changes, in short (a row of the list) -----------------------------------


@dataclass(frozen=True)
class ChangeSummary:
    """A proposal's changes in short: the first in words ("Docker · Senior: A → E") and how
    many more there are."""

    first: str
    more: int


# A level's texts and fields in the words the preview heads them with.
_LEVEL_FIELD_WORDS = {
    "focus": _lazy("Focus of %(level)s"),
    "stack": _lazy("Tech stack of %(level)s"),
    "rank": _lazy("Band of %(level)s"),
    "track": _lazy("Track of %(level)s"),
    "sections": _lazy("Sections of %(level)s"),
}


def _level_name(state: RoleState, code: str) -> str:
    level = state.level(code)
    return level.name if level else code


def _summary_label(state: RoleState, scale: str, cell: Cell | None) -> str:
    """A cell as the preview shows it: a v1 role's by its code ("E", "W, optional"), a v2
    role's in its scale's words (:func:`cell_label`)."""
    if role_is_v2(state):
        return cell_label(state, scale, cell)
    if cell is None:
        return ""
    return cell.code if cell.mandatory else _("%(step)s, optional") % {"step": cell.code}


def _cell_after(old: Cell | None, change: Change) -> Cell | None:
    if isinstance(change, SetRequirement):
        details = old.details if old else ""
        return (
            Cell(code=change.code, mandatory=change.mandatory, details=details)
            if change.code
            else None
        )
    if isinstance(change, SetDetails):
        return replace(old, details=change.text) if old else None
    return change.cell if isinstance(change, SetCell) else old


def _cell_change_words(state: RoleState, change: SetRequirement | SetDetails | SetCell) -> str:
    """ "Docker · Senior: A → E"; "Docker · Senior · details" when only its words change."""
    skill = state.skill(change.skill)
    place = f"{skill.name if skill else change.skill} · {_level_name(state, change.level)}"
    old = skill.cells.get(change.level) if skill else None
    new = _cell_after(old, change)
    scale = skill.scale if skill else ""
    before, after = _summary_label(state, scale, old), _summary_label(state, scale, new)
    if before != after:
        return "%s: %s → %s" % (place, before or "—", after or "—")  # noqa: UP031 - the same in every language
    texts = (
        words for name, words in CELL_TEXTS if getattr(old, name, "") != getattr(new, name, "")
    )
    return f"{place} · {next(texts, _('words changed'))}"


def _shared_part_name(state: RoleState, change: Change) -> str | None:
    """The name of the shared part a v2 change sets (a skill, a scale, a track, a domain,
    the framework); None for a change of no such part."""
    if isinstance(change, SetSkill):
        return _skill_name(state, change.skill)
    if isinstance(change, SetScale):
        return change.scale.name or change.scale.slug
    if isinstance(change, SetTrack):
        return change.track.name or change.track.code
    if isinstance(change, SetDomain | SetFramework):
        return change.name
    return None


def change_summary_words(state: RoleState, change: Change) -> str | None:
    """One change in the words the preview has for it, against the state it was written for:
    a cell old → new, "+ Skill" added, a minus sign and "Skill" removed, "Focus of Senior"…
    None for a kind it has no words for. No queries."""
    if isinstance(change, SetRequirement | SetDetails | SetCell):
        return _cell_change_words(state, change)
    if isinstance(change, AddSkill):
        return f"+ {change.name or _skill_name(state, change.skill)}"
    if isinstance(change, RemoveSkill):
        return f"\N{MINUS SIGN} {_skill_name(state, change.skill)}"
    if isinstance(change, SetFocus | SetStack | SetLevelField):
        name = change.field if isinstance(change, SetLevelField) else change.op[len("set_") :]
        words = _LEVEL_FIELD_WORDS.get(name)
        level = _level_name(state, change.level)
        return str(words) % {"level": level} if words else f"{level} · {name}"
    if isinstance(change, SetRow):
        return _("What %(skill)s means in this role") % {"skill": _skill_name(state, change.skill)}
    return _shared_part_name(state, change)


def change_summary(state: RoleState | None, changes: Any) -> ChangeSummary | None:
    """A change list in short, its first change in words against ``state`` (the version it
    was written for; when none can show it, in the change's own terms). None for no
    changes. No queries."""
    if not isinstance(changes, list) or not changes:
        return None
    first: Any = changes[0]
    words = None
    if state is not None:
        try:
            words = change_summary_words(state, parse_changes([first], allowed=PROPOSAL_OPS)[0])
        except ChangeError:
            words = None
    if words is None:
        words = change_words(first) if isinstance(first, dict) else str(first)
    return ChangeSummary(first=words, more=len(changes) - 1)


def proposal_change_summary_attach(proposals: Sequence[Proposal]) -> None:
    """Set ``change_summary`` on each of ``proposals`` (:func:`change_summary` against its
    base version): 1 query for the versions this process does not keep yet, none when it
    keeps them all, whatever the number of proposals."""
    states = role_version_states(versions=[(p.role, p.base_version) for p in proposals])
    for proposal in proposals:
        state = states.get((proposal.role_id, proposal.base_version))
        proposal.change_summary = change_summary(state, proposal.changes)  # type: ignore[attr-defined]


# How many voting proposals the home page's activity looks at, those closing first.
_ACTIVITY_WINDOW = 50


def proposal_activity(*, limit: int = 5, now: datetime | None = None) -> dict[str, Any]:
    """What the home page says of proposals (1 query): ``closing_soon``, voting proposals whose
    window ends within a day, soonest first; ``need_votes``, the others still short of the
    quorum, soonest first. Each carries its tally and ``votes_needed``."""
    now = now or timezone.now()
    voting = list(
        Proposal.objects.filter(
            is_spam=False,
            hidden_at__isnull=True,
            status=Proposal.Status.VOTING,
            closes_at__gt=now,
        )
        .select_related("role", "author")
        .order_by("closes_at", "pk")[:_ACTIVITY_WINDOW]
    )
    for proposal in voting:
        cast_votes = proposal.votes_up + proposal.votes_down
        proposal.votes_needed = max(settings.VOTING_QUORUM - cast_votes, 0)  # type: ignore[attr-defined]
    soon = now + timedelta(days=1)
    closing_soon = [p for p in voting if p.closes_at <= soon]
    need_votes = [
        p
        for p in voting
        if p.closes_at > soon and p.votes_needed  # type: ignore[attr-defined]
    ]
    return {"closing_soon": closing_soon[:limit], "need_votes": need_votes[:limit]}


# --- People: reputation, trust and a member's public record --------------------------------------


@dataclass(frozen=True)
class Reputation:
    """A member's standing, computed from the record with the weights of the settings."""

    accepted_proposals: int = 0
    reviews: int = 0
    accepted_votes: int = 0

    @property
    def score(self) -> int:
        return (
            self.accepted_proposals * settings.REPUTATION_ACCEPTED_PROPOSAL
            + self.reviews * settings.REPUTATION_REVIEW
            + self.accepted_votes * settings.REPUTATION_ACCEPTED_VOTE
        )


def _count_of(rows: QuerySet[Any], by: str) -> Coalesce:
    counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


REPUTATION_STAMP_KEY = "proposals:reputation-stamp"
# A bound on how stale a reputation may be when the record changes outside the services (an
# admin edit, say); the services change the stamp, so theirs show at once.
REPUTATION_CACHE_SECONDS = 600


def _reputation_key(stamp: str, user_id: int) -> str:
    return f"proposals:reputation:{stamp}:{user_id}"


def member_reputations(*, user_ids: Sequence[int]) -> dict[int, Reputation]:
    """The reputation of each member in ``user_ids``: their accepted proposals, the reviews
    they wrote and their up votes on proposals that were accepted; spam counts for nothing.

    Kept in the cache under the record's stamp (which the services change when a proposal is
    accepted, a review written or spam marked): 1 query for the members not there, none when
    every one is."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    stamp = str(cache.get(REPUTATION_STAMP_KEY, ""))
    kept = cache.get_many([_reputation_key(stamp, pk) for pk in ids])
    found = {pk: kept[key] for pk in ids if (key := _reputation_key(stamp, pk)) in kept}
    missing = ids - set(found)
    if missing:
        counted = _reputations_counted(missing)
        cache.set_many(
            {_reputation_key(stamp, pk): rep for pk, rep in counted.items()},
            REPUTATION_CACHE_SECONDS,
        )
        found |= counted
    return found


def _reputations_counted(ids: set[int]) -> dict[int, Reputation]:
    """The reputations of ``ids`` from the record (1 query)."""
    accepted = Proposal.objects.filter(status=Proposal.Status.ACCEPTED, is_spam=False)
    rows = (
        User.objects.filter(pk__in=ids)
        .annotate(
            rep_accepted=_count_of(accepted.filter(author=OuterRef("pk")), "author"),
            rep_reviews=_count_of(
                Review.objects.filter(reviewer=OuterRef("pk"), proposal__is_spam=False),
                "reviewer",
            ),
            rep_votes=_count_of(
                Vote.objects.filter(voter=OuterRef("pk"), value=1, proposal__in=accepted),
                "voter",
            ),
        )
        .values_list("pk", "rep_accepted", "rep_reviews", "rep_votes")
    )
    return {pk: Reputation(a, r, v) for pk, a, r, v in rows}


def member_reputation_attach(users: Sequence[User]) -> None:
    """Set ``reputation`` on each of ``users`` (shown beside their names): 1 query for all."""
    reputations = member_reputations(user_ids=[user.pk for user in users])
    for user in users:
        user.reputation = reputations.get(user.pk, Reputation())  # type: ignore[attr-defined]


def member_is_trusted(*, user: User, now: datetime | None = None) -> bool:
    """Whether ``user`` is past the new members' rule: an expert, or a member for at least
    ``NEW_MEMBER_HOURS`` with an accepted proposal (at most 2 queries)."""
    if Expertise.objects.filter(user=user).exists():
        return True
    joined_before = (now or timezone.now()) - timedelta(hours=settings.NEW_MEMBER_HOURS)
    if user.date_joined > joined_before:
        return False
    return Proposal.objects.filter(
        author=user, status=Proposal.Status.ACCEPTED, is_spam=False
    ).exists()


def member_get(*, username: str) -> User:
    """An active member by username (1 query); :class:`MemberNotFound` otherwise, also for a
    name no username can be (too long, or with a NUL, which PostgreSQL refuses)."""
    if not username or len(username) > 150 or "\x00" in username:
        raise MemberNotFound(_("No member has this name."))
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise MemberNotFound(_("No member has this name."))
    return user


def member_accepted_proposals(*, user: User) -> QuerySet[Proposal]:
    """A member's accepted proposals, latest decision first, with role, tally and ``total`` on
    every row: one query for any slice. Those hidden pending moderation are left out."""
    proposals = Proposal.objects.filter(
        author=user, status=Proposal.Status.ACCEPTED, is_spam=False, hidden_at__isnull=True
    )
    return _with_total(proposals.select_related("role")).order_by("-decided_at", "-pk")


def member_reviews(*, user: User) -> QuerySet[Review]:
    """The reviews a member wrote, latest first, with their proposals' roles and ``total`` on
    every row: one query for any slice. Reviews of spam and of proposals hidden pending
    moderation are left out."""
    reviews = Review.objects.filter(
        reviewer=user, proposal__is_spam=False, proposal__hidden_at__isnull=True
    ).select_related("proposal", "proposal__role")
    return _with_total(reviews).order_by("-created_at", "-pk")


def proposal_counts_by_status() -> dict[str, int]:
    """How many proposals are in each status, every status named (1 query)."""
    counts = dict.fromkeys(Proposal.Status.values, 0)
    for row in Proposal.objects.order_by().values("status").annotate(count=Count("pk")):
        counts[row["status"]] = row["count"]
    return counts


def vote_counts() -> dict[str, int]:
    """How many up and down votes are cast, on proposals of every status (1 query)."""
    counts = Vote.objects.aggregate(
        up=Count("pk", filter=Q(value=Vote.Value.UP)),
        down=Count("pk", filter=Q(value=Vote.Value.DOWN)),
    )
    return {"up": counts["up"], "down": counts["down"]}


@dataclass(frozen=True)
class OutboxBacklog:
    """The notification emails waiting to be sent: ``pending`` (the oldest made at
    ``oldest``, None when there is none), and ``failed``, those given up on after
    ``NOTIFICATION_MAX_ATTEMPTS`` failures (left for an operator)."""

    pending: int
    oldest: datetime | None
    failed: int


def outbox_backlog() -> OutboxBacklog:
    """The outbox's backlog (1 query, on the index of pending rows)."""
    waiting = Q(attempts__lt=NOTIFICATION_MAX_ATTEMPTS)
    row = Notification.objects.filter(state=Notification.State.PENDING).aggregate(
        pending=Count("pk", filter=waiting),
        oldest=Min("created_at", filter=waiting),
        failed=Count("pk", filter=~waiting),
    )
    return OutboxBacklog(pending=row["pending"], oldest=row["oldest"], failed=row["failed"])
