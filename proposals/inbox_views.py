"""The inbox pages: ``/notifications/`` (read, mark read, mark all read), how each kind is
emailed, the one-click unsubscribe of an email's link, and the watch buttons of role and
proposal pages. Every action is a plain form POST answered with a redirect; htmx gets the
changed fragment instead."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from proposals.inbox import (
    inbox_notifications,
    notification_excerpt,
    notification_path,
    notification_summary,
)
from proposals.models import Notification
from proposals.notify import (
    DEFAULT_DELIVERY,
    UnsubscribeLinkInvalid,
    email_deliveries_set,
    email_delivery,
    email_unsubscribe,
    notification_mark_read,
    notifications_mark_all_read,
    unsubscribe_token_read,
    watch_set,
)
from proposals.selectors import proposal_get
from roles.selectors import role_get
from skillsmatrix.http import AuthenticatedHtmxHttpRequest, AuthenticatedHttpRequest
from skillsmatrix.members import email_preference_get

INBOX_PAGE_SIZE = 20

DELIVERY_CHOICES = [
    ("immediate", gettext_lazy("Immediately")),
    ("digest", gettext_lazy("Daily digest")),
    ("never", gettext_lazy("Never")),
]


def _lines(notifications: list[Notification]) -> list[dict[str, object]]:
    return [
        {
            "notification": n,
            "summary": notification_summary(n),
            "excerpt": notification_excerpt(n),
        }
        for n in notifications
    ]


@require_safe
@login_required
def inbox_page(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    """The member's notifications, newest first, 20 a page (queries: session, user, count,
    page, and the header's unread count)."""
    page = Paginator(inbox_notifications(user=request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page_obj": page, "lines": _lines(list(page.object_list))}
    return render(request, "proposals/inbox.html", context)


@require_safe
@login_required
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Follow a notification: it is marked read, and the member goes where it leads."""
    notification = inbox_notifications(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    notification_mark_read(user=request.user, notification_id=pk)
    return HttpResponseRedirect(notification_path(notification))


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_POST
@login_required
def notification_read(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    notification_mark_read(user=request.user, notification_id=pk)
    if request.htmx:
        notification = inbox_notifications(user=request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404
        line = _lines([notification])[0]
        return render(request, "proposals/inbox.html#line", {"line": line})
    return HttpResponseRedirect(_back(request, reverse("proposals:inbox")))


@require_POST
@login_required
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All your notifications are marked read."))
    return HttpResponseRedirect(_back(request, reverse("proposals:inbox")))


# --- How each kind is emailed ------------------------------------------------------------------


class DeliveriesForm(forms.Form):
    """One choice per kind of notification."""

    def __init__(self, *args: object, initial_deliveries: dict[str, str], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in DEFAULT_DELIVERY:
            self.fields[kind] = forms.ChoiceField(
                label=Notification.Kind(kind).label,
                choices=DELIVERY_CHOICES,
                widget=forms.RadioSelect,
                initial=initial_deliveries[kind],
            )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def email_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    preference = email_preference_get(user=request.user)
    current = {kind: email_delivery(preference, kind) for kind in DEFAULT_DELIVERY}
    if preference.proposal_emails is False:
        # Off altogether: each kind shows what it would be once they are on again.
        off = type(preference)(user=request.user, deliveries=preference.deliveries)
        current = {kind: email_delivery(off, kind) for kind in DEFAULT_DELIVERY}
    form = DeliveriesForm(
        request.POST if request.method == "POST" else None, initial_deliveries=current
    )
    if request.method == "POST" and form.is_valid():
        email_deliveries_set(user=request.user, deliveries=form.cleaned_data)
        messages.success(request, _("How your notifications are emailed was saved."))
        return HttpResponseRedirect(reverse("proposals:email_settings"))
    context = {"form": form, "emails_off": not preference.proposal_emails}
    return render(
        request, "proposals/inbox_settings.html", context, status=400 if form.errors else 200
    )


# --- Unsubscribing by an email's link ----------------------------------------------------------


# Mail clients post the one-click unsubscribe (RFC 8058) without a session or CSRF token: the
# signed token in the address is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page asking to confirm; POST (the page's button, or a mail client's one-click):
    the kind's emails stop. No signing in."""
    try:
        user, kind = unsubscribe_token_read(token=token)
    except UnsubscribeLinkInvalid as exc:
        return render(request, "proposals/unsubscribe.html", {"error": str(exc)}, status=400)
    done = False
    if request.method == "POST":
        email_unsubscribe(token=token)
        done = True
    context = {
        "kind_label": Notification.Kind(kind).label,
        "member": user,
        "done": done,
        "token": token,
    }
    return render(request, "proposals/unsubscribe.html", context)


# --- Watching ----------------------------------------------------------------------------------


def _watch(
    request: AuthenticatedHtmxHttpRequest, *, default: str, **subject: object
) -> HttpResponse:
    watching = request.POST.get("watching") == "1"
    changed = watch_set(user=request.user, watching=watching, **subject)  # type: ignore[arg-type]
    if request.htmx:
        context = {"watching": watching, "action": request.path, "next": _back(request, default)}
        context |= subject
        return render(request, "proposals/includes/watch_button.html", context)
    if changed:
        messages.success(
            request,
            _("You are watching it now: its news come to your notifications.")
            if watching
            else _("You no longer watch it."),
        )
    return HttpResponseRedirect(_back(request, default))


@require_POST
@login_required
def role_watch(request: AuthenticatedHtmxHttpRequest, slug: str) -> HttpResponse:
    role = role_get(slug=slug)
    return _watch(request, default=reverse("roles:detail", args=[role.slug]), role=role)


@require_POST
@login_required
def proposal_watch(request: AuthenticatedHtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(pk=pk, viewer=request.user)
    return _watch(request, default=reverse("proposals:detail", args=[pk]), proposal=proposal)
