"""The inbox (issue 18): who is told of what, written with its cause (none lost or doubled),
emailed at once, in the daily digest or never, unsubscribed by a signed link; the bell, the
``/notifications/`` page and the watch buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals.models import Comment, Notification, Proposal, Watch
from proposals.notify import (
    digests_send,
    notification_send,
    notify_mention,
    notify_status_change,
    unsubscribe_token,
    watch_set,
)
from proposals.services import comment_add, proposal_close_if_due, proposal_create
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import CommentFactory, UserFactory, VoteFactory
from roles.models import RoleVersion
from skillsmatrix.members import email_delivery_set, email_preference_get, email_preference_set

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def _told(**filters) -> dict[str, str]:
    """username → kind of the notifications matching ``filters``."""
    return dict(Notification.objects.filter(**filters).values_list("recipient__username", "kind"))


# --- Who is told of what -------------------------------------------------------------------


def test_a_comment_tells_the_author_voters_commenters_and_watchers_once_each(proposal, author):
    voter = UserFactory.create(username="voter")
    VoteFactory.create(proposal=proposal, voter=voter, value=1)
    earlier = UserFactory.create(username="earlier")
    CommentFactory.create(proposal=proposal, author=earlier, text="First")
    watcher = UserFactory.create(username="watcher")
    watch_set(user=watcher, watching=True, proposal=proposal)
    # Voted and commented and watches: still told once.
    both = UserFactory.create(username="both")
    VoteFactory.create(proposal=proposal, voter=both, value=-1)
    CommentFactory.create(proposal=proposal, author=both, text="Me too")
    watch_set(user=both, watching=True, proposal=proposal)
    UserFactory.create(username="bystander")
    commenter = UserFactory.create(username="commenter")

    comment = comment_add(proposal=proposal, author=commenter, text="What about Podman?")

    assert _told(comment=comment) == {
        "author": Kind.COMMENT,
        "voter": Kind.COMMENT,
        "earlier": Kind.COMMENT,
        "watcher": Kind.COMMENT,
        "both": Kind.COMMENT,
    }
    row = Notification.objects.get(comment=comment, recipient=author)
    assert row.actor == commenter
    assert row.read_at is None


def test_a_mention_turns_a_members_comment_notice_into_a_mention_once(proposal, author):
    commenter = UserFactory.create(username="commenter")
    mentioned = UserFactory.create(username="mentioned")
    comment = comment_add(proposal=proposal, author=commenter, text="look")
    Notification.objects.filter(recipient=author).update(read_at=timezone.now())

    with transaction.atomic():
        notify_mention(comment=comment, user_ids=[author.pk, mentioned.pk, commenter.pk])
    with transaction.atomic():
        notify_mention(comment=comment, user_ids=[author.pk, mentioned.pk])  # an edit, say

    assert _told(comment=comment) == {"author": Kind.MENTION, "mentioned": Kind.MENTION}
    # Unread again, and the mention's email (immediate) is queued instead of the digest's.
    row = Notification.objects.get(comment=comment, recipient=author)
    assert row.read_at is None
    assert row.state == Notification.State.PENDING


def test_entering_review_tells_the_experts_and_the_watchers(proposal, domain_expert, other_expert):
    watcher = UserFactory.create(username="watcher")
    watch_set(user=watcher, watching=True, proposal=proposal)
    watch_set(user=domain_expert, watching=True, proposal=proposal)
    for _ in range(5):
        VoteFactory.create(proposal=proposal, value=1)
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(seconds=1))

    assert proposal_close_if_due(proposal_id=proposal.pk) == Proposal.Status.IN_REVIEW

    assert _told(proposal=proposal, status="in_review") == {
        "author": Kind.STATUS,
        "cloud-expert": Kind.REVIEW,  # the expert's kind wins over the watcher's
        "watcher": Kind.WATCHED_STATUS,
    }


def test_watchers_of_a_role_hear_of_its_new_proposals_and_versions(seed_role, author):
    watcher = UserFactory.create(username="watcher")
    watch_set(user=watcher, watching=True, role=seed_role)
    watch_set(user=author, watching=True, role=seed_role)

    proposal = proposal_create(
        role=seed_role, author=author, title="Docker", rationale="Why", changes=[DOCKER_SENIOR_E]
    )
    assert _told(proposal=proposal) == {"watcher": Kind.ROLE_PROPOSAL}  # not its own author

    from roles.changes.types import parse_changes
    from roles.services import role_change_apply

    version = role_change_apply(
        role=seed_role,
        changes=parse_changes([DOCKER_SENIOR_E]),
        author=None,
        source=RoleVersion.Source.ADMIN,
    )
    assert _told(version=version) == {"watcher": Kind.ROLE_VERSION, "author": Kind.ROLE_VERSION}


def test_unwatching_stops_the_news_and_watching_twice_keeps_one(seed_role, proposal):
    watcher = UserFactory.create()
    assert watch_set(user=watcher, watching=True, role=seed_role) is True
    assert watch_set(user=watcher, watching=True, role=seed_role) is False
    assert Watch.objects.filter(user=watcher).count() == 1
    assert watch_set(user=watcher, watching=False, role=seed_role) is True
    proposal_create(
        role=seed_role,
        author=UserFactory.create(),
        title="T",
        rationale="R",
        changes=[{**DOCKER_SENIOR_E, "code": "W"}],
    )
    assert not Notification.objects.filter(recipient=watcher).exists()


# --- Written with the cause: none lost, none doubled -----------------------------------------


def test_a_comment_whose_transaction_fails_tells_no_one_and_emails_nothing(
    proposal, author, django_capture_on_commit_callbacks
):
    email_delivery_set(user=author, kind=Kind.COMMENT, delivery="immediate")
    commenter = UserFactory.create()

    def request_failing_after_the_service() -> None:
        with transaction.atomic():
            comment_add(proposal=proposal, author=commenter, text="Gone with the request")
            raise RuntimeError("the request failed after the service")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        request_failing_after_the_service()
    assert callbacks == []
    assert not Comment.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_comment_emails_at_once_after_commit_when_chosen(
    proposal, author, django_capture_on_commit_callbacks
):
    email_delivery_set(user=author, kind=Kind.COMMENT, delivery="immediate")
    commenter = UserFactory.create(username="commenter")
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(proposal=proposal, author=commenter, text="Podman <b>too</b>?")
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Skills Matrix] commenter commented on “Seniors master Docker”"
    assert "Podman <b>too</b>?" in message.body
    assert "Podman &lt;b&gt;too&lt;/b&gt;?" in str(message.alternatives[0][0])  # type: ignore[attr-defined]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_a_status_told_again_is_refused_by_the_database(proposal):
    Proposal.objects.filter(pk=proposal.pk).update(status="withdrawn", decided_at=timezone.now())
    proposal.refresh_from_db()
    with transaction.atomic():
        notify_status_change(proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        notify_status_change(proposal=proposal)
    assert Notification.objects.filter(proposal=proposal).count() == 1


def test_closing_again_after_a_retry_tells_no_one_twice(proposal):
    for _ in range(5):
        VoteFactory.create(proposal=proposal, value=1)
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert proposal_close_if_due(proposal_id=proposal.pk) == Proposal.Status.IN_REVIEW
    assert proposal_close_if_due(proposal_id=proposal.pk) is None  # the retried task
    assert Notification.objects.filter(proposal=proposal).count() == 1


# --- Email per kind: immediately, in the daily digest, or never ---------------------------


def test_the_daily_digest_gathers_the_waiting_notifications_in_one_email_once(proposal, author):
    author.email = "author@example.com"
    author.save(update_fields=["email"])
    email_preference_set(user=author, language="es")
    for name in ("ana", "ben"):
        comment_add(proposal=proposal, author=UserFactory.create(username=name), text=f"Hi {name}")
    rows = Notification.objects.filter(recipient=author)
    assert {row.state for row in rows} == {Notification.State.DIGEST}

    # The author's, and ana's (told of ben's comment after hers).
    assert digests_send() == 2
    assert digests_send() == 0  # each notification is in one digest only

    (message,) = [m for m in mail.outbox if m.to == ["author@example.com"]]
    assert message.extra_headers["Content-Language"] == "es"
    assert "ana comentó en" in message.body
    assert "ben comentó en" in message.body
    assert "Hi ben" in message.body
    assert message.body.count("/notifications/unsubscribe/") == 1  # one kind, one link
    assert {row.state for row in rows.all()} == {Notification.State.SENT}


def test_the_digest_command_sends_it_once(proposal, author, capsys):
    comment_add(proposal=proposal, author=UserFactory.create(), text="Hello")
    call_command("send_digests")
    call_command("send_digests")
    assert capsys.readouterr().out == "1 digest(s) sent.\n0 digest(s) sent.\n"
    assert len(mail.outbox) == 1


def test_a_kind_set_to_never_is_in_the_inbox_and_never_emailed(proposal, author):
    email_delivery_set(user=author, kind=Kind.COMMENT, delivery="never")
    comment_add(proposal=proposal, author=UserFactory.create(), text="Hello")
    row = Notification.objects.get(recipient=author)
    assert row.state == Notification.State.SKIPPED
    assert row.read_at is None
    assert digests_send() == 0
    assert mail.outbox == []


def test_a_kind_turned_off_before_the_digest_is_left_out_of_it(proposal, author):
    comment_add(proposal=proposal, author=UserFactory.create(), text="Hello")
    email_delivery_set(user=author, kind=Kind.COMMENT, delivery="never")
    assert digests_send() == 0
    assert Notification.objects.get(recipient=author).state == Notification.State.SKIPPED


# --- Unsubscribing by the signed link ------------------------------------------------------


def test_the_unsubscribe_link_asks_first_then_stops_that_kind_only(client, author):
    url = f"/notifications/unsubscribe/{unsubscribe_token(user_id=author.pk, kind='comment')}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop these emails" in page.content.decode()
    assert email_preference_get(user=author).deliveries == {}

    done = client.post(url)
    assert done.status_code == 200
    assert "no more emails" in done.content.decode()
    assert email_preference_get(user=author).deliveries == {"comment": "never"}


def test_a_mail_clients_one_click_post_needs_no_session_or_csrf(author):
    token = unsubscribe_token(user_id=author.pk, kind="status")
    response = Client(enforce_csrf_checks=True).post(
        f"/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert email_preference_get(user=author).deliveries == {"status": "never"}


def test_an_altered_unsubscribe_link_is_refused(client, author):
    token = unsubscribe_token(user_id=author.pk, kind="status")
    response = client.post(f"/notifications/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 400
    assert email_preference_get(user=author).deliveries == {}


# --- The inbox page and the bell -------------------------------------------------------------


@pytest.fixture
def busy_inbox(proposal, author):
    """30 comments on the author's proposal by as many members: 30 unread notifications."""
    for n in range(30):
        comment_add(proposal=proposal, author=UserFactory.create(), text=f"Comment {n}")
    return author


def test_the_inbox_keeps_to_six_queries(client, busy_inbox, django_assert_max_num_queries):
    client.force_login(busy_inbox)
    # session, user, count, one page of notifications with their proposals, roles, actors
    # and comments, the header's unread count
    with django_assert_max_num_queries(6):
        response = client.get("/notifications/")
    body = response.content.decode()
    assert body.count('class="inbox-item inbox-item--unread"') == 20
    assert "Comment 29" in body
    assert "Page 1 of 2" in body
    assert "30 unread" in body  # the bell's accessible name


def test_the_inbox_needs_signing_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_marking_one_read_and_all_read(client, busy_inbox):
    client.force_login(busy_inbox)
    first = Notification.objects.filter(recipient=busy_inbox).first()
    response = client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(recipient=busy_inbox, read_at__isnull=True).count() == 29

    client.post("/notifications/read/")
    assert not Notification.objects.filter(recipient=busy_inbox, read_at__isnull=True).exists()


def test_marking_read_answers_htmx_with_the_line(client, busy_inbox):
    client.force_login(busy_inbox)
    row = Notification.objects.filter(recipient=busy_inbox).first()
    response = client.post(f"/notifications/{row.pk}/read/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.strip().startswith(f'<li class="inbox-item" id="notification-{row.pk}"')
    assert "Mark read" not in body


def test_no_one_marks_or_opens_another_members_notification(client, busy_inbox):
    row = Notification.objects.filter(recipient=busy_inbox).first()
    client.force_login(UserFactory.create())
    client.post(f"/notifications/{row.pk}/read/")
    assert client.get(f"/notifications/{row.pk}/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_the_comment(client, busy_inbox):
    client.force_login(busy_inbox)
    row = Notification.objects.filter(recipient=busy_inbox).first()
    response = client.get(f"/notifications/{row.pk}/")
    assert response["Location"] == f"/proposals/{row.proposal_id}/#comment-{row.comment_id}"
    row.refresh_from_db()
    assert row.read_at is not None


def test_the_bell_costs_visitors_no_query(client, seed_role):
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/").content.decode()
    assert not any("notification" in q["sql"] for q in queries.captured_queries)
    assert "Notifications:" not in body


def test_the_bell_counts_a_members_unread(client, busy_inbox):
    client.force_login(busy_inbox)
    body = client.get("/proposals/").content.decode()
    assert '<span class="bell__count" aria-hidden="true">30</span>' in body


def test_the_email_settings_page_saves_each_kind(client, author):
    client.force_login(author)
    page = client.get("/notifications/emails/")
    assert page.status_code == 200
    data = dict.fromkeys(Kind.values, "digest") | {"mention": "never"}
    assert client.post("/notifications/emails/", data).status_code == 302
    deliveries = email_preference_get(user=author).deliveries
    assert deliveries["mention"] == "never"
    assert deliveries["status"] == "digest"


# --- Watch buttons ---------------------------------------------------------------------------


def test_the_role_page_watch_button_works_without_js_and_changes_the_etag(client, seed_role):
    member = UserFactory.create()
    client.force_login(member)
    url = f"/roles/{seed_role.slug}/"
    first = client.get(url)
    assert "Watch" in first.content.decode()
    etag = first["ETag"]

    response = client.post(f"/roles/{seed_role.slug}/watch/", {"watching": "1", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    assert Watch.objects.filter(user=member, role=seed_role).exists()

    # The browser's copy is stale now: the page is sent again, with the button turned.
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert "Stop watching" in again.content.decode()


def test_visitors_get_the_role_page_from_cache_with_no_watch_button(client, seed_role):
    client.get(f"/roles/{seed_role.slug}/")
    body = client.get(f"/roles/{seed_role.slug}/").content.decode()
    assert "watch-form" not in body


def test_the_proposal_page_watch_button(client, proposal):
    member = UserFactory.create()
    client.force_login(member)
    assert "Watch" in client.get(f"/proposals/{proposal.pk}/").content.decode()
    client.post(f"/proposals/{proposal.pk}/watch/", {"watching": "1"})
    assert "Stop watching" in client.get(f"/proposals/{proposal.pk}/").content.decode()
    client.post(f"/proposals/{proposal.pk}/watch/", {"watching": "0"})
    assert not Watch.objects.filter(user=member).exists()


def test_an_email_is_sent_once_for_a_mention(proposal, author):
    mentioned = UserFactory.create(username="mentioned")
    comment = comment_add(proposal=proposal, author=UserFactory.create(), text="@mentioned")
    with transaction.atomic():
        (row,) = notify_mention(comment=comment, user_ids=[mentioned.pk])
    assert notification_send(notification_id=row.pk) is True
    assert notification_send(notification_id=row.pk) is False
    assert len(mail.outbox) == 1
    assert "mentioned you on" in mail.outbox[0].subject
