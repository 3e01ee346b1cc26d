"""Proposal pages: the list, a proposal with its vote, discussion and review, and the
open-proposals fragment role pages and cell panels load by URL.

Every action is a plain form POST that answers with a redirect (or the page with the error next
to its field); htmx requests get the changed fragment instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from proposals.errors import (
    ProposalError,
    ProposalForbidden,
    ProposalInvalid,
    ProposalLimitReached,
    ProposalNotFound,
    ProposalStateError,
    VoteNotFound,
)
from proposals.forms import ChangeForm, CommentForm, ProposalFilterForm, ProposalForm, ReviewForm
from proposals.models import MAX_CHANGES, Proposal
from proposals.selectors import (
    ChangesPreview,
    changes_preview,
    expert_can_review,
    proposal_comments,
    proposal_list,
    proposal_list_open,
    proposal_preview,
    role_choices,
    role_current_state,
)
from proposals.services import (
    comment_add,
    proposal_create,
    proposal_read,
    proposal_withdraw,
    review_submit,
    vote_cast,
    vote_retract,
)
from roles.changes import RoleState
from roles.errors import RoleNotFound
from roles.selectors import role_get
from skillsmatrix.http import AuthenticatedHtmxHttpRequest, HtmxHttpRequest
from skillsmatrix.members import member_can_participate
from skillsmatrix.ratelimit import client_key, minutes_until, rate_limit_hit, too_many_requests

PAGE_SIZE = 20
_STATUS_OF: list[tuple[type[Exception], int]] = [
    (VoteNotFound, 404),
    (ProposalInvalid, 400),
    (ProposalForbidden, 403),
    (ProposalStateError, 409),
    (ProposalLimitReached, 429),
]


def _status_of(exc: ProposalError) -> int:
    return next(code for kind, code in _STATUS_OF if isinstance(exc, kind))


def _get(request: HttpRequest, pk: int) -> Proposal:
    try:
        return proposal_read(pk=pk, viewer=request.user)
    except ProposalNotFound:
        raise Http404(_("No such proposal.")) from None


def writes_limited(request: HttpRequest, back_url: str) -> HttpResponse | None:
    """The 429 page when this member sent more proposal writes than
    ``PROPOSAL_WRITES_PER_MINUTE`` (votes, comments, reviews, proposals) this minute."""
    retry_after = rate_limit_hit(
        scope="proposal-writes",
        key=client_key(request),
        limit=settings.PROPOSAL_WRITES_PER_MINUTE,
        window_seconds=60,
    )
    if retry_after is None:
        return None
    return too_many_requests(
        request,
        retry_after=retry_after,
        title=_("Too many changes at once"),
        message=_("Please wait %(n)d minute(s) before voting, commenting or proposing again.")
        % {"n": minutes_until(retry_after)},
        back_url=back_url,
        back_label=_("Back to the proposal"),
    )


def _limited_message(limited: HttpResponse) -> str:
    """What the 429 page of ``writes_limited`` says, in a sentence for a fragment."""
    return _(
        "Too many changes at once. Please wait %(n)d minute(s) before voting, commenting or "
        "proposing again."
    ) % {"n": minutes_until(int(limited["Retry-After"]))}


@require_safe
def proposal_list_page(request: HtmxHttpRequest) -> HttpResponse:
    form = ProposalFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    proposals = proposal_list(
        role_slug=filters.get("role", ""),
        status=filters.get("status", ""),
        domain_slug=filters.get("domain", ""),
        sort=filters.get("sort") or "newest",
        author_username=filters.get("author", ""),
    )
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "proposals": page.object_list,
        "author": filters.get("author", ""),
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


def _detail_context(request: HttpRequest, proposal: Proposal, **extra: Any) -> dict[str, Any]:
    user = request.user
    can_take_part = member_can_participate(user)
    can_review = (
        proposal.status == Proposal.Status.IN_REVIEW
        and can_take_part
        and expert_can_review(user=user, proposal=proposal)
        and not any(review.reviewer_id == user.pk for review in proposal.reviews.all())
    )
    context: dict[str, Any] = {
        "proposal": proposal,
        "comments": proposal_comments(proposal=proposal),
        "preview": proposal_preview(proposal=proposal),
        "can_take_part": can_take_part,
        "is_author": user.is_authenticated and user.pk == proposal.author_id,
        "can_review": can_review,
        "comment_form": CommentForm(),
        "review_form": ReviewForm(),
        "review_approvals": settings.REVIEW_APPROVALS,
    }
    context.update(extra)
    return context


@require_safe
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _get(request, pk)
    return render(request, "proposals/proposal_detail.html", _detail_context(request, proposal))


def _after_action(
    request: HtmxHttpRequest, pk: int, *, fragment: str, success: str, anchor: str
) -> HttpResponse:
    if request.htmx and fragment:
        proposal = _get(request, pk)
        template = f"proposals/proposal_detail.html#{fragment}"
        return render(request, template, _detail_context(request, proposal, notice=success))
    messages.success(request, success)
    return HttpResponseRedirect(reverse("proposals:detail", args=[pk]) + anchor, status=303)


# htmx leaves a 4xx answer out of the page; this header marks the ones that are a fragment
# saying why an action was refused, which proposals.js swaps in like a success.
REFUSAL_FRAGMENT_HEADER = "X-Refusal-Fragment"


def _render_refusal(
    request: HtmxHttpRequest, fragment: str, context: dict[str, Any], *, status: int
) -> HttpResponse:
    """The page (or, for htmx, the fragment) with the refusal in it, and its 4xx status."""
    as_fragment = bool(request.htmx and fragment)
    template = "proposals/proposal_detail.html" + (f"#{fragment}" if as_fragment else "")
    response = render(request, template, context, status=status)
    if as_fragment:
        response[REFUSAL_FRAGMENT_HEADER] = "1"
    return response


def _refused(
    request: HtmxHttpRequest, pk: int, exc: ProposalError, *, fragment: str, **forms: Any
) -> HttpResponse:
    proposal = _get(request, pk)
    context = _detail_context(request, proposal, error=exc.message, error_at=fragment, **forms)
    return _render_refusal(request, fragment, context, status=_status_of(exc))


def _action(
    request: HtmxHttpRequest,
    pk: int,
    *,
    fragment: str,
    anchor: str,
    run: Callable[[Proposal], str],
) -> HttpResponse:
    back = reverse("proposals:detail", args=[pk]) + anchor
    limited = writes_limited(request, back)
    if limited is not None and request.htmx and fragment:
        # The same answer, said where the member clicked.
        context = _detail_context(
            request, _get(request, pk), error=_limited_message(limited), error_at=fragment
        )
        response = _render_refusal(request, fragment, context, status=429)
        response["Retry-After"] = limited["Retry-After"]
        return response
    if limited is not None:
        return limited
    try:
        success = run(_get(request, pk))
    except ProposalError as exc:
        return _refused(request, pk, exc, fragment=fragment)
    return _after_action(request, pk, fragment=fragment, success=success, anchor=anchor)


@require_POST
@login_required
def proposal_vote(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    """``value`` 1 or -1 casts or changes the member's vote; ``retract`` takes it back."""
    choice = request.POST.get("value", "")

    def run(proposal: Proposal) -> str:
        if choice == "retract":
            vote_retract(proposal=proposal, voter=request.user)
            return _("Your vote was taken back.")
        if choice not in ("1", "-1"):
            raise ProposalInvalid({"value": _("A vote is up or down.")})
        vote_cast(proposal=proposal, voter=request.user, value=int(choice))
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
        comment_add(proposal=proposal, author=request.user, text=form.cleaned_data["text"])
        return _("Your comment was added.")

    return _action(request, pk, fragment="discussion", anchor="#discussion", run=run)


@require_POST
@login_required
def proposal_withdraw_view(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
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
        return render(request, "proposals/proposal_detail.html", context, status=400)

    def run(proposal: Proposal) -> str:
        review_submit(
            proposal=proposal,
            reviewer=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
        return _("Your review was recorded.")

    return _action(request, pk, fragment="", anchor="#decision", run=run)


# --- The editor ----------------------------------------------------------------------------------


def _unbound(form: forms.Form, **kwargs: Any) -> Any:
    """The same form showing what was typed, without errors (before the member asks to check)."""
    initial = {name: form[name].value() for name in form.fields}
    return type(form)(initial=initial, **kwargs)


def _change_forms(
    request: HttpRequest, levels: list[tuple[str, str]], first: dict[str, Any], *, check: bool
) -> list[ChangeForm]:
    """The editor's change rows: from the POST (``rows`` of them, less the one "Remove" names,
    plus one after "Add a change"), or one row from ``first`` on a first visit. Rows are
    validated only when ``check`` (preview or submit)."""
    if request.method != "POST":
        return [ChangeForm(prefix="change-0", initial=first, levels=levels)]
    try:
        count = max(1, min(int(request.POST.get("rows", "1")), MAX_CHANGES))
    except ValueError:
        count = 1
    remove = request.POST.get("remove", "")
    posted = [
        ChangeForm(request.POST, prefix=f"change-{index}", levels=levels)
        for index in range(count)
        if str(index) != remove
    ] or [ChangeForm(prefix="change-0", initial=first, levels=levels)]
    if check:
        return posted
    rows = [
        _unbound(row, prefix=f"change-{index}", levels=levels) for index, row in enumerate(posted)
    ]
    if request.POST.get("action") == "add" and len(rows) < MAX_CHANGES:
        rows.append(ChangeForm(prefix=f"change-{len(rows)}", initial={}, levels=levels))
    return rows


def _cell_initial(request: HttpRequest, state: RoleState) -> dict[str, Any]:
    """A first row prefilled from ``?skill=&level=`` (the cell panel's "Propose a change")."""
    skill, level = request.GET.get("skill", "")[:100], request.GET.get("level", "")[:50]
    cell = state.cell(skill, level) if skill and level else None
    return {
        "op": "set_requirement",
        "skill": skill,
        "level": level,
        "code": cell.code if cell else "",
        "mandatory": cell.mandatory if cell else True,
    }


def _role_picker(request: HttpRequest) -> HttpResponse:
    context = {"roles": role_choices(), "asked": request.GET.get("role", "")}
    status = 404 if context["asked"] else 200
    return render(request, "proposals/proposal_pick_role.html", context, status=status)


@login_required
def proposal_new(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    """``/proposals/new/?role=<slug>``: write a proposal of several changes, preview it (old →
    new in the role's matrix layout) and submit it. Buttons: ``action=add`` adds a change row,
    ``remove=<i>`` drops one, ``action=preview`` previews, ``action=submit`` submits."""
    slug = request.GET.get("role", "")[:100]
    try:
        role = role_get(slug=slug)
    except RoleNotFound:
        return _role_picker(request)
    state = role_current_state(role=role)
    levels = [(level.code, level.name) for level in state.levels]
    can_take_part = member_can_participate(request.user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    check = action in ("preview", "submit")
    form = ProposalForm(request.POST if request.method == "POST" else None)
    if not form.is_bound:
        form = ProposalForm(initial={"base_version": role.current_version})
    elif action != "submit":
        form = _unbound(form)
    rows = _change_forms(request, levels, _cell_initial(request, state), check=check)
    preview: ChangesPreview | None = None
    error = retry_after = ""
    status = 200
    if check and all(row.is_valid() for row in rows):
        try:
            changes = [row.as_json() for row in rows]
            preview = changes_preview(state=state, changes=changes)
            if action == "submit" and form.is_valid():
                limited = writes_limited(request, request.get_full_path())
                if limited is not None and not request.htmx:
                    return limited
                if limited is not None:  # said in the editor, which keeps what was typed
                    error, status = _limited_message(limited), 429
                    retry_after = limited["Retry-After"]
                else:
                    proposal = proposal_create(
                        role=role,
                        author=request.user,
                        title=form.cleaned_data["title"],
                        rationale=form.cleaned_data["rationale"],
                        evidence_links=form.links(),
                        changes=changes,
                        base_version=form.cleaned_data["base_version"],
                    )
                    url = reverse("proposals:detail", args=[proposal.pk])
                    messages.success(request, _("Your proposal is open for voting."))
                    if request.htmx:
                        return HttpResponseClientRedirect(url)
                    return HttpResponseRedirect(url, status=303)
        except ProposalInvalid as exc:
            preview = None
            for field, message in exc.errors.items():
                # "changes[2].level" names an input of the third row; "changes[2]" the row.
                index, _sep, rest = field.removeprefix("changes[").partition("]")
                if field.startswith("changes[") and index.isdigit() and int(index) < len(rows):
                    rows[int(index)].add_path_error(rest.removeprefix("."), message)
                elif field in form.fields:
                    form.add_error(field, message)
                else:
                    error = message
            status = 400
        except ProposalError as exc:
            error, status = exc.message, _status_of(exc)
    elif check:
        status = 400
    if action == "submit" and not form.is_valid():
        status = 400
    context = {
        "role": role,
        "state": state,
        "form": form,
        "rows": rows,
        "preview": preview,
        "error": error,
        "can_take_part": can_take_part,
        "skills": [(skill.slug, skill.name) for skill in state.skills],
        "domains": sorted(set(state.domain_names.values())),
    }
    template = "proposals/proposal_new.html" + ("#editor" if request.htmx else "")
    response = render(request, template, context, status=status)
    if request.htmx and status >= 400:
        response[REFUSAL_FRAGMENT_HEADER] = "1"
    if retry_after:
        response["Retry-After"] = retry_after
    return response
