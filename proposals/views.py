"""Proposal pages: the list, a proposal with its vote, discussion and review, and the
open-proposals fragment role pages and cell panels load by URL.

Every action is a plain form POST that answers with a redirect (or the page with the error next
to its field); htmx requests get the changed fragment instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.i18n import set_language
from django_htmx.http import HttpResponseClientRedirect

from proposals.errors import (
    CommentNotFound,
    ProposalError,
    ProposalForbidden,
    ProposalInvalid,
    ProposalWritesLimited,
)
from proposals.forms import (
    OP_FIELDS,
    ChangeForm,
    CommentEditForm,
    CommentForm,
    ProposalFilterForm,
    ProposalForm,
    ReviewForm,
    RevisionForm,
    VoteForm,
    rows_as_changes,
    rows_from_changes,
    step_options,
)
from proposals.models import FLAG_NOTE_MAX_LENGTH, MAX_CHANGES, Comment, FlagReason, Proposal
from proposals.moderation import comment_flag, proposal_flag
from proposals.presenters import revision_history
from proposals.ratelimit import flag_writes_count, proposal_writes_count
from proposals.rules import standing
from proposals.selectors import (
    ChangesPreview,
    changes_preview,
    expert_can_review,
    member_is_moderator,
    member_reputation_attach,
    proposal_base_state,
    proposal_change_summary_attach,
    proposal_comment_get,
    proposal_conflict_places,
    proposal_discussion,
    proposal_domains_pending,
    proposal_list,
    proposal_list_open,
    proposal_preview,
    proposal_preview_now,
    proposal_revisions,
    proposal_shown_to,
    proposal_voters,
    proposals_competing,
    proposals_open_on_cells,
    role_choices,
    role_current_state,
    role_is_v2,
)
from proposals.services import (
    Revised,
    comment_add,
    comment_edit,
    comment_editable_until,
    proposal_create,
    proposal_read,
    proposal_revise,
    proposal_withdraw,
    review_submit,
    vote_cast,
    vote_retract,
)
from roles.changes.state import RoleState
from roles.changes.types import changes_as_json
from roles.errors import RoleNotFound
from roles.models import Role
from roles.selectors import role_get
from skillsmatrix.db import read_again_if_lost
from skillsmatrix.errors import DomainError, RateLimited
from skillsmatrix.http import AuthenticatedHtmxHttpRequest, HtmxHttpRequest
from skillsmatrix.members import member_can_participate
from skillsmatrix.ratelimit import client_key
from skillsmatrix.refusals import refusal_page
from skillsmatrix.themes import THEME_COOKIE, theme_set

PAGE_SIZE = 20
_FormT = TypeVar("_FormT", bound=forms.Form)


def _get(request: HttpRequest, pk: int) -> Proposal:
    # An unknown proposal (ProposalNotFound) goes on to the site's 404 page.
    return proposal_read(pk=pk, viewer=request.user)


def _writes_limited_page(request: HttpRequest, exc: RateLimited, back_url: str) -> HttpResponse:
    """The 429 page of a member past ``PROPOSAL_WRITES_PER_MINUTE`` writes this minute (or
    ``FLAGS_PER_HOUR`` flags this hour)."""
    return refusal_page(request, exc, back_url=back_url, back_label=_("Back to the proposal"))


@require_safe
def proposal_list_page(request: HtmxHttpRequest) -> HttpResponse:
    form = ProposalFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # the valid filters apply; each of the others says why by its field
        filters = form.cleaned_data
    proposals = proposal_list(
        role_slug=filters.get("role", ""),
        status=filters.get("status", ""),
        domain_slug=filters.get("domain", ""),
        sort=filters.get("sort", ""),
        author_username=filters.get("author", ""),
        search=filters.get("q", ""),
    )
    if "q" in form.errors:
        proposals = proposals.none()  # a search that cannot be run finds nothing, and says why
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    member_reputation_attach([proposal.author for proposal in rows])
    proposal_change_summary_attach(rows)
    context = {
        "form": form,
        "page_obj": page,
        "proposals": rows,
        "author": filters.get("author", ""),
        "search": filters.get("q", ""),
    }
    template = "proposals/proposal_list.html" + ("#results" if request.htmx else "")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
def proposals_touching(request: HtmxHttpRequest) -> HttpResponse:
    """Open proposals of ``?role=`` touching ``?skill=`` (and ``?level=``): a fragment for the
    role page and the cell panel, a small page on its own."""
    role = request.GET.get("role", "")[:100]
    skill = request.GET.get("skill", "")[:100]
    level = request.GET.get("level", "")[:50]
    proposals = list(proposal_list_open(role_slug=role, skill_slug=skill, level_code=level)[:10])
    context = {"proposals": proposals, "role_slug": role, "skill": skill, "level": level}
    template = "proposals/proposals_touching.html" + ("#touching" if request.htmx else "")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _preview_context(proposal: Proposal) -> dict[str, Any]:
    """The changes old → new; for a conflicted proposal, the role's current value beside the
    proposed one and its conflicting places in words (the same one snapshot query)."""
    if proposal.status != Proposal.Status.CONFLICT:
        return {"preview": proposal_preview(proposal=proposal)}
    state = role_current_state(role=proposal.role)
    now = proposal_preview_now(proposal=proposal, state=state)
    return {
        "preview": now or proposal_preview(proposal=proposal),
        "preview_is_current": now is not None,
        "conflict_places": proposal_conflict_places(proposal=proposal, state=state),
    }


def _detail_context(request: HttpRequest, proposal: Proposal, **extra: Any) -> dict[str, Any]:
    user = request.user
    can_take_part = member_can_participate(user)
    can_review = (
        proposal.status == Proposal.Status.IN_REVIEW
        and not proposal.is_hidden
        and can_take_part
        and expert_can_review(user=user, proposal=proposal)
        and not any(review.reviewer_id == user.pk for review in proposal.reviews.all())
    )
    comments = proposal_discussion(proposal=proposal, viewer=user)
    # Every name on the page with its reputation, in one query.
    member_reputation_attach(
        [
            proposal.author,
            *(comment.author for comment in comments),
            *(reply.author for comment in comments for reply in comment.thread),  # type: ignore[attr-defined]
        ]
    )
    up, down = proposal.votes_up, proposal.votes_down
    context: dict[str, Any] = {
        "proposal": proposal,
        "comments": comments,
        "editable_ids": _editable_comment_ids(request, proposal, comments),
        **_preview_context(proposal),
        "can_take_part": can_take_part,
        "is_author": user.is_authenticated and user.pk == proposal.author_id,
        # Moderators read what flags hid (and are told it is hidden).
        "is_moderator": member_is_moderator(user),
        "flag_reasons": FlagReason.choices,
        "flag_note_max": FLAG_NOTE_MAX_LENGTH,
        "can_review": can_review,
        "comment_form": CommentForm(),
        "review_form": ReviewForm(),
        "review_approvals": settings.REVIEW_APPROVALS,
        "standing": standing(
            up=up,
            down=down,
            quorum=settings.VOTING_QUORUM,
            approval_ratio=settings.VOTING_APPROVAL_RATIO,
        ),
        "voters": proposal_voters(proposal=proposal, up=up, down=down),
        "history": revision_history(proposal, proposal_revisions(proposal=proposal)),
        # Other open proposals touching the same places: at most one applies as written.
        "competing": proposals_competing(proposal=proposal) if proposal.is_open else [],
        # The domains still waiting on an approving expert (DESIGN §5), while in review.
        "domains_pending": (
            proposal_domains_pending(proposal=proposal, needed=settings.REVIEW_APPROVALS)
            if proposal.status == Proposal.Status.IN_REVIEW
            else []
        ),
    }
    context.update(extra)
    return context


def _editable_comment_ids(
    request: HttpRequest, proposal: Proposal, comments: list[Comment]
) -> set[int]:
    """The viewer's own comments they may still edit (open discussion, within the window)."""
    if not request.user.is_authenticated or not proposal.is_open:
        return set()
    now = timezone.now()
    every = [c for top in comments for c in (top, *top.thread)]  # type: ignore[attr-defined]
    return {
        c.pk
        for c in every
        if c.author_id == request.user.pk
        and not (c.is_hidden or c.is_removed)
        and now < comment_editable_until(c)
    }


def _hidden_page(
    request: HtmxHttpRequest, proposal: Proposal, *, status: int = 200
) -> HttpResponse:
    """What a proposal hidden pending moderation shows to everyone but its author and the
    moderators: a placeholder (htmx is sent there, as a fragment of the page would show
    what is hidden)."""
    if request.htmx:
        return HttpResponseClientRedirect(reverse("proposals:detail", args=[proposal.pk]))
    context = {"proposal_pk": proposal.pk}
    return render(request, "proposals/proposal_hidden.html", context, status=status)


@require_safe
def proposal_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = _get(request, pk)
    if not proposal_shown_to(proposal=proposal, user=request.user):
        return _hidden_page(request, proposal)
    return render(request, "proposals/proposal_detail.html", _detail_context(request, proposal))


def _after_action(
    request: HtmxHttpRequest, pk: int, *, fragment: str, success: str, anchor: str
) -> HttpResponse:
    if request.htmx and fragment:
        template = f"proposals/proposal_detail.html#{fragment}"

        def fragment_after_commit() -> HttpResponse:
            proposal = _get(request, pk)
            if not proposal_shown_to(proposal=proposal, user=request.user):
                return _hidden_page(request, proposal)
            context = _detail_context(request, proposal, notice=success)
            return render(request, template, context)

        # The write has committed: a connection lost now gets the fragment on a fresh one.
        return read_again_if_lost(fragment_after_commit)
    messages.success(request, success)
    return HttpResponseRedirect(reverse("proposals:detail", args=[pk]) + anchor, status=303)


# htmx leaves a 4xx answer out of the page; this header marks the ones that are a fragment
# saying why an action was refused, which proposals.js swaps in like a success.
REFUSAL_FRAGMENT_HEADER = "X-Refusal-Fragment"


def _render_refusal(
    request: HtmxHttpRequest, fragment: str, context: dict[str, Any], *, status: int
) -> HttpResponse:
    """The page (or, for htmx, the fragment) with the refusal in it, and its 4xx status; the
    placeholder for a proposal hidden from the member."""
    proposal = context["proposal"]
    if not proposal_shown_to(proposal=proposal, user=request.user):
        return _hidden_page(request, proposal, status=status)
    as_fragment = bool(request.htmx and fragment)
    template = "proposals/proposal_detail.html" + (f"#{fragment}" if as_fragment else "")
    response = render(request, template, context, status=status)
    if as_fragment:
        response[REFUSAL_FRAGMENT_HEADER] = "1"
    return response


def _refused(
    request: HtmxHttpRequest, pk: int, exc: DomainError, *, fragment: str, **forms: Any
) -> HttpResponse:
    proposal = _get(request, pk)
    context = _detail_context(request, proposal, error=exc.message, error_at=fragment, **forms)
    response = _render_refusal(request, fragment, context, status=exc.status)
    for name, value in exc.headers().items():
        response[name] = value
    return response


def _action(
    request: HtmxHttpRequest,
    pk: int,
    *,
    fragment: str,
    anchor: str,
    run: Callable[[Proposal], str],
) -> HttpResponse:
    try:
        proposal_writes_count(key=client_key(request))
    except ProposalWritesLimited as exc:
        if request.htmx and fragment:  # the same answer, said where the member clicked
            return _refused(request, pk, exc, fragment=fragment)
        back = reverse("proposals:detail", args=[pk]) + anchor
        return _writes_limited_page(request, exc, back)
    proposal = _get(request, pk)
    try:
        success = run(proposal)
    except ProposalError as exc:
        return _refused(request, pk, exc, fragment=fragment)
    return _after_action(request, pk, fragment=fragment, success=success, anchor=anchor)


@require_POST
@login_required
def proposal_vote(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    """``value`` 1 or -1 casts or changes the member's vote (a down vote with an optional
    ``reason``, which an up vote leaves out); ``retract`` takes it back."""
    form = VoteForm(request.POST)
    valid = form.is_valid()
    choice = form.cleaned_data.get("value", "") if valid else request.POST.get("value", "")
    reason = form.cleaned_data.get("reason", "") if valid else ""

    def run(proposal: Proposal) -> str:
        if not valid and "reason" in form.errors:
            raise ProposalInvalid({"reason": " ".join(str(m) for m in form.errors["reason"])})
        if choice == "retract":
            vote_retract(proposal=proposal, voter=request.user)
            return _("Your vote was taken back.")
        if choice not in ("1", "-1"):
            raise ProposalInvalid({"value": _("A vote is up or down.")})
        value = int(choice)
        vote_cast(
            proposal=proposal, voter=request.user, value=value, reason=reason if value < 0 else ""
        )
        return _("Your vote was counted.")

    return _action(request, pk, fragment="votes", anchor="#votes", run=run)


@require_POST
@login_required
def proposal_comment(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        proposal = _get(request, pk)
        context = _detail_context(request, proposal, comment_form=form)
        return _render_refusal(request, "discussion", context, status=400)

    def run(proposal: Proposal) -> str:
        parent_pk = form.cleaned_data.get("parent")
        parent = proposal_comment_get(proposal=proposal, pk=parent_pk) if parent_pk else None
        if parent_pk and parent is None:
            raise ProposalInvalid({"parent": _("That comment is not in this discussion.")})
        comment_add(
            proposal=proposal, author=request.user, text=form.cleaned_data["text"], parent=parent
        )
        return _("Your reply was added.") if parent else _("Your comment was added.")

    return _action(request, pk, fragment="discussion", anchor="#discussion", run=run)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def proposal_comment_edit(
    request: AuthenticatedHtmxHttpRequest, pk: int, comment_pk: int
) -> HttpResponse:
    """The author rewrites their comment while its edit window lasts."""
    form = CommentEditForm(request.POST)
    if not form.is_valid():
        proposal = _get(request, pk)
        context = _detail_context(
            request,
            proposal,
            error=" ".join(str(message) for message in form.errors.get("text", [])),
            error_at="discussion",
        )
        return _render_refusal(request, "discussion", context, status=400)

    def run(proposal: Proposal) -> str:
        comment = proposal_comment_get(proposal=proposal, pk=comment_pk)
        if comment is None:
            raise ProposalInvalid({"comment": _("That comment is not in this discussion.")})
        comment_edit(comment=comment, author=request.user, text=form.cleaned_data["text"])
        return _("Your comment was updated.")

    anchor = f"#comment-{comment_pk}"
    return _action(request, pk, fragment="discussion", anchor=anchor, run=run)


@login_required
def proposal_revise_view(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    """``/proposals/<pk>/revise/``: the author rewrites the title, rationale, links or changes
    of their proposal while it is voting, in the proposal editor pre-filled with them."""
    proposal = _get(request, pk)
    if request.user.pk != proposal.author_id:
        return refusal_page(
            request,
            ProposalForbidden(_("Only the author can revise a proposal.")),
            back_url=reverse("proposals:detail", args=[pk]),
            back_label=_("Back to the proposal"),
        )
    return _editor_page(request, proposal.role, revising=proposal)


def _revised_message(revised: Revised) -> str:
    if not revised.changes_changed:
        return _("Your proposal was revised; the votes so far still count.")
    return ngettext(
        "Your proposal was revised. The changes changed, so voting started again and %(n)d "
        "vote was set aside; its voter may vote again.",
        "Your proposal was revised. The changes changed, so voting started again and %(n)d "
        "votes were set aside; their voters may vote again.",
        revised.votes_set_aside,
    ) % {"n": revised.votes_set_aside}


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def proposal_withdraw_view(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    """GET asks the author to confirm (a page: it works without JavaScript); POST withdraws."""
    if request.method != "POST":
        proposal = _get(request, pk)
        if proposal.author_id != request.user.pk or proposal.status != Proposal.Status.VOTING:
            return HttpResponseRedirect(reverse("proposals:detail", args=[pk]))
        return render(request, "proposals/proposal_withdraw.html", {"proposal": proposal})

    def run(proposal: Proposal) -> str:
        proposal_withdraw(proposal=proposal, author=request.user)
        return _("Your proposal was withdrawn.")

    # The whole page changes: no fragment, a redirect to it.
    return _action(request, pk, fragment="", anchor="", run=run)


@require_POST
@login_required
def proposal_review(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        proposal = _get(request, pk)
        context = _detail_context(request, proposal, review_form=form)
        return _render_refusal(request, "", context, status=400)

    def run(proposal: Proposal) -> str:
        review_submit(
            proposal=proposal,
            reviewer=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
        return _("Your review was recorded.")

    return _action(request, pk, fragment="", anchor="#decision", run=run)


# --- Flags ---------------------------------------------------------------------------------------


def _flag_control(
    request: HtmxHttpRequest,
    proposal: Proposal,
    comment: Comment | None,
    *,
    notice: str = "",
    error: DomainError | None = None,
) -> HttpResponse:
    """The flag control of the proposal or of one comment, as htmx swaps it in: "flagged,
    thank you", or the form again with why it was refused (a 4xx marked as a refusal)."""
    context = {
        "proposal": proposal,
        "comment": comment,
        "flagged": error is None,
        "flag_notice": notice,
        "flag_error": error.message if error is not None else "",
        "can_take_part": True,
        "flag_reasons": FlagReason.choices,
        "flag_note_max": FLAG_NOTE_MAX_LENGTH,
        "proposal_url": reverse("proposals:detail", args=[proposal.pk]),
    }
    status = int(error.status) if error is not None else 200
    response = render(request, "proposals/includes/flag.html", context, status=status)
    if error is not None:
        response[REFUSAL_FRAGMENT_HEADER] = "1"
        for name, value in error.headers().items():
            response[name] = value
    return response


def _flag(request: AuthenticatedHtmxHttpRequest, pk: int, comment_pk: int | None) -> HttpResponse:
    """Flag the proposal (or its comment ``comment_pk``) with the posted ``reason`` and
    ``note``: one proposal write and one flag of the member's budgets. Without JavaScript, a
    redirect back with a message (or the page saying why not); with htmx, the control."""
    anchor = f"#comment-{comment_pk}" if comment_pk else ""
    back = reverse("proposals:detail", args=[pk]) + anchor
    proposal = _get(request, pk)
    comment = proposal_comment_get(proposal=proposal, pk=comment_pk) if comment_pk else None
    if comment_pk and comment is None:
        raise CommentNotFound(_("That comment is not in this discussion."))
    try:
        key = client_key(request)
        proposal_writes_count(key=key)
        flag_writes_count(key=key)
        reason, note = request.POST.get("reason", ""), request.POST.get("note", "")
        if comment is not None:
            comment_flag(comment=comment, member=request.user, reason=reason, note=note)
        else:
            proposal_flag(proposal=proposal, member=request.user, reason=reason, note=note)
    except ProposalError as exc:
        if request.htmx:
            return _flag_control(request, proposal, comment, error=exc)
        return _refused(request, pk, exc, fragment="")
    except RateLimited as exc:
        if request.htmx:
            return _flag_control(request, proposal, comment, error=exc)
        return _writes_limited_page(request, exc, back)
    success = _("Flagged — thank you. A moderator will look at it.")
    if request.htmx:
        return _flag_control(request, proposal, comment, notice=success)
    messages.success(request, success)
    return HttpResponseRedirect(back, status=303)


@require_POST
@login_required
def proposal_flag_view(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    """Flag a proposal: ``reason`` (spam, abuse, off_topic) and an optional one-line ``note``."""
    return _flag(request, pk, None)


@require_POST
@login_required
def comment_flag_view(
    request: AuthenticatedHtmxHttpRequest, pk: int, comment_pk: int
) -> HttpResponse:
    """Flag one comment of the proposal's discussion, as :func:`proposal_flag_view`."""
    return _flag(request, pk, comment_pk)


# --- The editor ----------------------------------------------------------------------------------

# The editor's buttons that check the rows (the others only show them again).
CHECKS = ("preview", "submit")


def _unbound(form: _FormT, **kwargs: Any) -> _FormT:
    """The same form showing what was typed, without errors (before the member asks to check)."""
    initial = {name: form[name].value() for name in form.fields}
    return type(form)(initial=initial, **kwargs)


def _change_forms(
    request: HttpRequest,
    state: RoleState,
    first: list[dict[str, Any]],
    *,
    check: bool,
) -> list[ChangeForm]:
    """The editor's change rows: from the POST (``rows`` of them, less the one "Remove" names,
    plus one after "Add a change"), or on a first visit the rows of ``first``. Rows are
    validated only when ``check`` (preview or submit)."""
    levels = [(level.code, level.name) for level in state.levels]
    kwargs: dict[str, Any] = {"levels": levels, "state": state}
    if request.method != "POST":
        return [
            ChangeForm(prefix=f"change-{index}", initial=initial, **kwargs)
            for index, initial in enumerate(first)
        ]
    try:
        count = max(1, min(int(request.POST.get("rows", "1")), MAX_CHANGES))
    except ValueError:
        count = 1
    remove = request.POST.get("remove", "")
    posted = [
        ChangeForm(request.POST, prefix=f"change-{index}", **kwargs)
        for index in range(count)
        if str(index) != remove
    ] or [ChangeForm(prefix="change-0", initial=first[0], **kwargs)]
    if check:
        return posted
    rows = [_unbound(row, prefix=f"change-{index}", **kwargs) for index, row in enumerate(posted)]
    if request.POST.get("action") == "add" and len(rows) < MAX_CHANGES:
        rows.append(ChangeForm(prefix=f"change-{len(rows)}", initial={}, **kwargs))
    return rows


def _cell_initial(request: HttpRequest, state: RoleState) -> dict[str, Any]:
    """A first row prefilled from ``?skill=&level=`` (the cell panel's "Propose a change")."""
    skill, level = request.GET.get("skill", "")[:100], request.GET.get("level", "")[:50]
    cell = state.cell(skill, level) if skill and level else None
    if role_is_v2(state):
        return {
            "op": "set_cell",
            "skill": skill,
            "level": level,
            "code": cell.code if cell else "",
            "mandatory": cell.mandatory if cell else True,
            "summary": cell.summary if cell else "",
            "details": cell.details if cell else "",
        }
    return {
        "op": "set_requirement",
        "skill": skill,
        "level": level,
        "code": cell.code if cell else "",
        "mandatory": cell.mandatory if cell else True,
    }


def _proposed_again(request: HttpRequest, role: Role) -> Proposal | None:
    """``?again=<id>`` on a first visit: a proposal of this role to write again against the
    current version (a conflicted one's "Propose it again")."""
    pk = request.GET.get("again", "")
    if request.method == "POST" or not pk.isdigit():
        return None
    try:
        proposal = proposal_read(pk=int(pk[:12]), viewer=request.user)
    except ProposalError:
        return None
    return proposal if proposal.role_id == role.pk else None


def _first_rows(
    request: HttpRequest, state: RoleState, source: Proposal | None, *, revising: bool
) -> list[dict[str, Any]]:
    """The rows of a first visit: the changes of the proposal revised, or proposed again, or
    one row (of the cell the member came from). A revision's rows say its changes against
    the role as it is now (left as they are, they make the same changes, and the votes
    stay); a change list proposed again is read against the version it was written for, so
    that its rows carry what it changed, and the rest is as it is now."""
    first = _cell_initial(request, state)
    if request.method == "POST" or source is None:
        return [first]
    written_for = state if revising else proposal_base_state(proposal=source)
    return rows_from_changes(source.changes, state=written_for or state) or [first]


def _role_picker(request: HttpRequest) -> HttpResponse:
    context = {"roles": role_choices(), "asked": request.GET.get("role", "")}
    if not context["asked"] and len(context["roles"]) == 1:
        # Nothing to choose between: straight to the only role's editor.
        return HttpResponseRedirect(
            reverse("proposals:new") + "?" + urlencode({"role": context["roles"][0][0]})
        )
    status = 404 if context["asked"] else 200
    return render(request, "proposals/proposal_pick_role.html", context, status=status)


@dataclass
class _Editor:
    """The proposal editor as the member left it, and what checking it found."""

    role: Role
    state: RoleState
    action: str  # "", "add", "preview" or "submit" (a "remove=<i>" button has none)
    form: ProposalForm
    rows: list[ChangeForm]
    # The proposal the editor revises (None: it writes a new one).
    revising: Proposal | None = None
    # The row each change of the checked list comes from (rows_as_changes).
    origins: list[int] = field(default_factory=list)
    preview: ChangesPreview | None = None
    # Open proposals touching the previewed cells, for the editor's warning.
    competing: list[Proposal] = field(default_factory=list)
    error: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    def refuse(self, exc: DomainError) -> None:
        """Say the refusal above the editor, which keeps what was typed."""
        self.error, self.status, self.headers = exc.message, exc.status, exc.headers()

    @property
    def url(self) -> str:
        if self.revising is not None:
            return reverse("proposals:revise", args=[self.revising.pk])
        return reverse("proposals:new") + "?" + urlencode({"role": self.role.slug})


def _form_initial(role: Role, source: Proposal | None, *, revising: bool) -> dict[str, Any]:
    initial: dict[str, Any] = {} if revising else {"base_version": role.current_version}
    if source is not None:
        initial.update(
            title=source.title,
            rationale=source.rationale,
            evidence_links="\n".join(source.evidence_links),
        )
    return initial


def _editor_open(request: HttpRequest, role: Role, revising: Proposal | None) -> _Editor:
    """The editor's proposal form and change rows: as posted (shown without errors unless
    previewing or submitting), or fresh on a first visit (with the changes of the proposal
    revised, or proposed again)."""
    state = role_current_state(role=role)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form_class = RevisionForm if revising is not None else ProposalForm
    form = form_class(request.POST if request.method == "POST" else None)
    source = revising or _proposed_again(request, role)
    if not form.is_bound:
        form = form_class(initial=_form_initial(role, source, revising=revising is not None))
    elif action != "submit":
        form = _unbound(form)
    first = _first_rows(request, state, source, revising=revising is not None)
    rows = _change_forms(request, state, first, check=action in CHECKS)
    return _Editor(role=role, state=state, action=action, form=form, rows=rows, revising=revising)


def _editor_show_invalid(editor: _Editor, exc: ProposalInvalid) -> None:
    """Each problem next to its input, its row, or else above the editor."""
    editor.preview = None
    for field_name, message in exc.page_errors.items():
        # "changes[2].level" names an input of the row the third change comes from.
        index, _sep, rest = field_name.removeprefix("changes[").partition("]")
        if (
            field_name.startswith("changes[")
            and index.isdigit()
            and int(index) < len(editor.origins)
        ):
            editor.rows[editor.origins[int(index)]].add_path_error(rest.removeprefix("."), message)
        elif field_name in editor.form.fields:
            editor.form.add_error(field_name, message)
        else:
            editor.error = message
    editor.status = exc.status


def _editor_done(request: HtmxHttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url, status=303)


def _editor_submit(
    request: AuthenticatedHtmxHttpRequest, editor: _Editor, changes: list[Any]
) -> HttpResponse:
    """Open the proposal, or save the revision (one proposal write of the member), and go to
    its page."""
    proposal_writes_count(key=client_key(request))
    data = editor.form.cleaned_data
    if editor.revising is not None:
        revised = proposal_revise(
            proposal=editor.revising,
            author=request.user,
            title=data["title"],
            rationale=data["rationale"],
            evidence_links=editor.form.links(),
            # As the services write them: the same changes, the same JSON.
            changes=changes_as_json(cast(ChangesPreview, editor.preview).changes),
        )
        url = reverse("proposals:detail", args=[editor.revising.pk]) + "#revisions"
        return _editor_done(request, url, _revised_message(revised))
    proposal = proposal_create(
        role=editor.role,
        author=request.user,
        title=data["title"],
        rationale=data["rationale"],
        evidence_links=editor.form.links(),
        changes=changes,
        base_version=data["base_version"],
    )
    url = reverse("proposals:detail", args=[proposal.pk])
    return _editor_done(request, url, _("Your proposal is open for voting."))


def _editor_preview(editor: _Editor, changes: list[Any]) -> ChangesPreview:
    """The changes old → new against the role as it is now. Each must change something,
    except in a revision keeping the proposal's changes as they are (a title's): the
    services then keep them, and their votes, whatever the role did since."""
    if editor.revising is not None:
        kept = changes_preview(state=editor.state, changes=changes, refuse_noops=False)
        if changes_as_json(kept.changes) == editor.revising.changes:
            return kept
    return changes_preview(state=editor.state, changes=changes)


def _editor_check(request: AuthenticatedHtmxHttpRequest, editor: _Editor) -> HttpResponse | None:
    """Preview the rows' changes and, on submit, propose them (or revise the proposal with
    them): the answer when the editor is done (the proposal's page, or the 429 page), else
    None with the preview or the refusal in it."""
    if not all(row.is_valid() for row in editor.rows):
        editor.status = 400
        return None
    try:
        changes, editor.origins = rows_as_changes(editor.rows)
        editor.preview = _editor_preview(editor, changes)
        editor.competing = proposals_open_on_cells(
            role=editor.role, changes=editor.preview.changes, excluding=editor.revising
        )
        if editor.action == "submit" and editor.form.is_valid():
            return _editor_submit(request, editor, changes)
    except ProposalInvalid as exc:
        _editor_show_invalid(editor, exc)
    except ProposalWritesLimited as exc:
        if not request.htmx:
            return _writes_limited_page(request, exc, request.get_full_path())
        editor.refuse(exc)
    except ProposalError as exc:
        editor.refuse(exc)
    return None


def _editor_render(request: AuthenticatedHtmxHttpRequest, editor: _Editor) -> HttpResponse:
    """The editor page (for htmx, its fragment, marked when it says why it was refused)."""
    state = editor.state
    context = {
        "role": editor.role,
        "state": state,
        "form": editor.form,
        "rows": editor.rows,
        "preview": editor.preview,
        "competing": editor.competing,
        "error": editor.error,
        "can_take_part": member_can_participate(request.user),
        "op_fields": OP_FIELDS,
        # Each skill's steps, for the editor's script to offer a set_cell row's steps as soon
        # as its skill is chosen (the server checks them again).
        "skill_steps": {skill.slug: step_options(state, skill.scale) for skill in state.skills}
        if role_is_v2(state)
        else {},
        "v2": role_is_v2(state),
        "domains": sorted(set(state.domain_names.values())),
        "proposal": editor.revising,
        "editor_url": editor.url,
    }
    # The header's language and theme buttons post the draft here, which keeps it.
    context["keep_form"] = "proposal-editor"
    context["keep_action"] = editor.url
    page = "proposal_revise" if editor.revising is not None else "proposal_new"
    template = f"proposals/{page}.html" + ("#editor" if request.htmx else "")
    response = render(request, template, context, status=editor.status)
    if request.htmx and editor.status >= 400:
        response[REFUSAL_FRAGMENT_HEADER] = "1"
    for name, value in editor.headers.items():
        response[name] = value
    return response


def _header_switch(request: HttpRequest) -> HttpResponse | None:
    """The header's language or theme button pressed in the editor, which posts the draft
    here rather than to the switch: the switch's own view sets its cookie, and this request
    goes on in the chosen language and theme, showing the editor as it was left."""
    if request.method != "POST" or not ({"language", "theme"} & set(request.POST)):
        return None
    switched = theme_set(request) if "theme" in request.POST else set_language(request)
    language = switched.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if language is not None and language.value:
        translation.activate(language.value)
        request.LANGUAGE_CODE = language.value
    theme = switched.cookies.get(THEME_COOKIE)
    if theme is not None:
        request.COOKIES[THEME_COOKIE] = theme.value
    return switched


def _editor_page(
    request: AuthenticatedHtmxHttpRequest, role: Role, *, revising: Proposal | None = None
) -> HttpResponse:
    """The editor of a new proposal of ``role``, or of a revision of ``revising``. Buttons:
    ``action=add`` adds a change row, ``remove=<i>`` drops one, ``action=preview`` previews,
    ``action=submit`` submits; the header's switches keep the draft."""
    switched = _header_switch(request)
    editor = _editor_open(request, role, revising)
    if editor.action in CHECKS:
        done = _editor_check(request, editor)
        if done is not None:
            return done
    if editor.action == "submit" and not editor.form.is_valid():
        editor.status = 400
    response = _editor_render(request, editor)
    if switched is not None:
        response.cookies.update(switched.cookies)
    return response


@login_required
def proposal_new(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    """``/proposals/new/?role=<slug>``: write a proposal of several changes, preview it (old →
    new in the role's matrix layout) and submit it (``&again=<id>``: the changes of proposal
    ``id``, against the current version)."""
    try:
        role = role_get(slug=request.GET.get("role", "")[:100])
    except RoleNotFound:
        return _role_picker(request)
    return _editor_page(request, role)
