"""Moderators' admin: proposals with their votes, reviews and comments (read-only: members
write them through the site), moderation actions, the flag queue, and expertise grants. Every
change goes through proposals.services (flags: proposals.moderation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from proposals.errors import ProposalError
from proposals.models import (
    MODERATION_REASON_MAX_LENGTH,
    Comment,
    Expertise,
    Flag,
    FlaggedItem,
    FlagReason,
    Notification,
    Proposal,
    Review,
    Vote,
)
from proposals.moderation import flagged_item_confirm, flagged_item_dismiss
from proposals.selectors import (
    flagged_items_for_moderation,
    member_is_moderator,
    proposals_for_moderation,
    signed_in_member,
)
from proposals.services import (
    comment_delete,
    expertise_grant,
    expertise_revoke,
    proposal_close_now,
    proposal_reject_by_moderator,
)


class _ReadOnlyInline(admin.TabularInline[Any, Proposal]):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VoteInline(_ReadOnlyInline):
    model = Vote
    readonly_fields = ("voter", "value", "created_at", "updated_at")
    fields = readonly_fields


class ReviewInline(_ReadOnlyInline):
    model = Review
    readonly_fields = ("reviewer", "decision", "comment", "created_at")
    fields = readonly_fields


class CommentInline(_ReadOnlyInline):
    model = Comment
    readonly_fields = ("author", "text", "created_at")
    fields = readonly_fields
    # Moderators may remove a comment (tick "Delete" and save).
    can_delete = True


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MODERATION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Published on the proposal's page."),
    )


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin[Proposal]):
    list_display = (
        "id",
        "title",
        "role",
        "author",
        "status",
        "votes_up",
        "votes_down",
        "closes_at",
        "is_spam",
    )
    list_filter = ("status", "is_spam", "role")
    search_fields = ("title", "author__username")
    date_hierarchy = "created_at"
    inlines = (ReviewInline, CommentInline, VoteInline)
    actions = ("close_now", "reject", "reject_as_spam")
    readonly_fields = (
        "role",
        "author",
        "title",
        "rationale",
        "evidence_links",
        "base_version",
        "changes",
        "status",
        "created_at",
        "closes_at",
        "decided_at",
        "applied_version",
        "conflicts",
        "moderated_by",
        "moderation_reason",
        "is_spam",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        return proposals_for_moderation()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Deleting comments (their inline's only change) goes through the service, which
        keeps the proposal's search document in step."""
        if formset.model is not Comment:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # finds the ticked rows, deletes nothing
        moderator = signed_in_member(request.user)
        for comment in formset.deleted_objects:
            comment_delete(comment=comment, moderator=moderator)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Proposal],
        act: Callable[[Proposal], object],
        done: Callable[[int], str],
    ) -> None:
        """Run a moderation service on each selected proposal; refusals are listed, one per
        proposal, and the rest are counted."""
        count = 0
        for proposal in queryset:
            try:
                act(proposal)
                count += 1
            except ProposalError as exc:
                self.message_user(request, f"#{proposal.pk}: {exc.message}", messages.WARNING)
        if count:
            self.message_user(request, done(count))

    @admin.action(description=_("Close voting now (the decision rule applies)"))
    def close_now(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        moderator = signed_in_member(request.user)
        self._each(
            request,
            queryset,
            lambda proposal: proposal_close_now(proposal=proposal, moderator=moderator),
            lambda n: ngettext("Closed %(n)d proposal.", "Closed %(n)d proposals.", n) % {"n": n},
        )

    def _reject(
        self, request: HttpRequest, queryset: QuerySet[Proposal], *, spam: bool
    ) -> HttpResponse | None:
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            moderator = signed_in_member(request.user)
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda proposal: proposal_reject_by_moderator(
                    proposal=proposal, moderator=moderator, reason=reason, spam=spam
                ),
                lambda n: (
                    ngettext("Rejected %(n)d proposal.", "Rejected %(n)d proposals.", n) % {"n": n}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject as spam") if spam else _("Reject with a reason"),
            "opts": self.model._meta,
            "form": form,
            "proposals": queryset,
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/proposals/proposal/reject.html", context)

    @admin.action(description=_("Reject with a reason"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> HttpResponse | None:
        return self._reject(request, queryset, spam=False)

    @admin.action(description=_("Reject as spam (hidden from lists)"))
    def reject_as_spam(
        self, request: HttpRequest, queryset: QuerySet[Proposal]
    ) -> HttpResponse | None:
        return self._reject(request, queryset, spam=True)


class ExpertiseForm(forms.ModelForm[Expertise]):
    class Meta:
        model = Expertise
        fields = ("user", "domain")


@admin.register(Expertise)
class ExpertiseAdmin(admin.ModelAdmin[Expertise]):
    form = ExpertiseForm
    list_display = ("user", "domain_or_global", "granted_by", "created_at")
    list_filter = ("domain",)
    search_fields = ("user__username", "domain__name")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "domain", "granted_by")

    @admin.display(description=_("domain"))
    def domain_or_global(self, obj: Expertise) -> str:
        return obj.domain.name if obj.domain else str(_("every domain (global expert)"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A grant is added or revoked, never edited into another one.
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Expertise, form: Any, change: bool) -> None:
        expertise, _created = expertise_grant(
            user=obj.user, domain=obj.domain, granted_by=signed_in_member(request.user)
        )
        obj.pk = expertise.pk

    def delete_model(self, request: HttpRequest, obj: Expertise) -> None:
        expertise_revoke(user=obj.user, domain=obj.domain)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Expertise]) -> None:
        for expertise in queryset.select_related("user", "domain"):
            expertise_revoke(user=expertise.user, domain=expertise.domain)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    """The outbox, to see what was sent and why a row is stuck (its last error). Rows are
    written by status changes and marked by the sending task only."""

    list_display = ("proposal", "recipient", "kind", "status", "state", "attempts", "created_at")
    list_filter = ("state", "kind", "status")
    list_select_related = ("proposal", "recipient")
    search_fields = ("recipient__username", "recipient__email")
    readonly_fields = (
        "proposal", "recipient", "kind", "status", "state", "attempts", "last_error",
        "created_at", "handled_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- The flag queue ------------------------------------------------------------------------------


class FlagInline(_ReadOnlyInline):
    model = Flag
    fk_name = "item"
    readonly_fields = ("flagger", "reason", "note", "created_at")
    fields = readonly_fields
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return member_is_moderator(request.user)


class DecisionFilter(admin.SimpleListFilter):
    """Pending (waiting for a moderator: flagged, or hidden by the flags) or decided."""

    title = _("decision")
    parameter_name = "decision"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("Pending")), ("decided", _("Decided"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[FlaggedItem]
    ) -> QuerySet[FlaggedItem]:
        if self.value() == "pending":
            return queryset.filter(state__in=FlaggedItem.PENDING_STATES)
        if self.value() == "decided":
            return queryset.exclude(state__in=FlaggedItem.PENDING_STATES)
        return queryset


@admin.register(FlaggedItem)
class FlaggedItemAdmin(admin.ModelAdmin[FlaggedItem]):
    """The moderators' queue: flagged proposals and comments, the latest flagged first, with
    their flags; a moderator dismisses the flags (restoring the item) or confirms them (a
    proposal becomes spam, a comment is removed). Moderators are who the proposals' own
    moderation trusts (:func:`proposals.selectors.member_is_moderator`)."""

    list_display = (
        "item",
        "flag_count",
        "reasons",
        "flaggers",
        "last_flagged_at",
        "state",
        "decided_by",
        "decided_at",
        "site_link",
    )
    list_filter = (DecisionFilter, "state")
    search_fields = ("proposal__title", "comment__text", "flags__flagger__username")
    inlines = (FlagInline,)
    actions = ("dismiss", "confirm")
    readonly_fields = (
        "item",
        "site_link",
        "content",
        "state",
        "created_at",
        "last_flagged_at",
        "hidden_at",
        "decided_by",
        "decided_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FlaggedItem]:
        return flagged_items_for_moderation()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return member_is_moderator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return member_is_moderator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The queue's actions; an item's page is read-only (decisions are the actions).
        return obj is None and member_is_moderator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a decision is a record

    @admin.display(description=_("flagged item"))
    def item(self, obj: FlaggedItem) -> str:
        title = Truncator(obj.proposal.title).chars(60)
        if obj.comment is not None:
            return str(
                _("Comment by %(name)s on #%(pk)d %(title)s")
                % {"name": obj.comment.author.get_username(), "pk": obj.proposal_id, "title": title}
            )
        return f"#{obj.proposal_id} {title}"

    @admin.display(description=_("on the site"))
    def site_link(self, obj: FlaggedItem) -> str:
        url = reverse("proposals:detail", args=[obj.proposal_id])
        if obj.comment_id:
            url += f"#comment-{obj.comment_id}"
        return format_html('<a href="{}">{}</a>', url, _("View"))

    @admin.display(description=_("what it says"))
    def content(self, obj: FlaggedItem) -> str:
        text = (
            obj.comment.text
            if obj.comment is not None
            else f"{obj.proposal.title}\n\n{obj.proposal.rationale}"
        )
        return linebreaksbr(text, autoescape=True)

    @admin.display(description=_("flags"), ordering="flag_count")
    def flag_count(self, obj: FlaggedItem) -> int:
        return int(obj.flag_count)  # type: ignore[attr-defined] # annotated by the selector

    @admin.display(description=_("reasons"))
    def reasons(self, obj: FlaggedItem) -> str:
        labels = dict(FlagReason.choices)
        counts: dict[str, int] = {}
        for flag in obj.flags.all():
            counts[flag.reason] = counts.get(flag.reason, 0) + 1
        return ", ".join(
            f"{labels[reason]} ×{n}" if n > 1 else str(labels[reason])
            for reason, n in sorted(counts.items(), key=lambda pair: -pair[1])
        )

    @admin.display(description=_("flagged by"))
    def flaggers(self, obj: FlaggedItem) -> str:
        return ", ".join(flag.flagger.get_username() for flag in obj.flags.all())

    def _decide(
        self,
        request: HttpRequest,
        queryset: QuerySet[FlaggedItem],
        decide: Callable[[FlaggedItem, Any], object],
        done: Callable[[int], str],
    ) -> None:
        moderator = signed_in_member(request.user)
        count = 0
        for item in queryset:
            try:
                decide(item, moderator)
                count += 1
            except ProposalError as exc:
                self.message_user(request, f"{item}: {exc.message}", messages.WARNING)
        if count:
            self.message_user(request, done(count))

    @admin.action(description=_("Dismiss the flags (restore)"), permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[FlaggedItem]) -> None:
        self._decide(
            request,
            queryset,
            lambda item, moderator: flagged_item_dismiss(item=item, moderator=moderator),
            lambda n: (
                ngettext(
                    "Dismissed the flags on %(n)d item; it is shown again.",
                    "Dismissed the flags on %(n)d items; they are shown again.",
                    n,
                )
                % {"n": n}
            ),
        )

    @admin.action(
        description=_("Confirm the flags (proposal: reject as spam; comment: remove)"),
        permissions=["change"],
    )
    def confirm(self, request: HttpRequest, queryset: QuerySet[FlaggedItem]) -> None:
        self._decide(
            request,
            queryset,
            lambda item, moderator: flagged_item_confirm(item=item, moderator=moderator),
            lambda n: (
                ngettext(
                    "Confirmed the flags on %(n)d item.", "Confirmed the flags on %(n)d items.", n
                )
                % {"n": n}
            ),
        )
