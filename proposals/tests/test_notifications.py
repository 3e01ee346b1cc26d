"""The notification outbox (issue 9): a row per email, written with the status change, sent
after commit in the recipient's language, once, and not at all to members who opted out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from proposals.models import Notification, Proposal
from proposals.notify import notification_send, notifications_send_pending
from proposals.services import (
    proposal_close_if_due,
    proposal_withdraw,
    proposals_close_due,
)
from proposals.tests.factories import UserFactory, VoteFactory
from skillsmatrix.members import email_preference_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_email(author):
    author.email = "author@example.com"
    author.save(update_fields=["email"])
    return author


def _html(message) -> str:
    """The HTML alternative of a sent email."""
    return str(message.alternatives[0][0])


def _due(proposal: Proposal) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    proposal.refresh_from_db()
    return proposal


def _enough_votes(proposal: Proposal, up: int = 5) -> None:
    for _ in range(up):
        VoteFactory.create(proposal=proposal, value=1)


def test_a_status_change_writes_its_row_and_sends_it_after_commit(
    proposal, with_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        proposal_withdraw(proposal=proposal, author=with_email)
        # Written in the transaction, sent only after it commits.
        row = Notification.objects.get(proposal=proposal)
        assert row.state == Notification.State.PENDING
        assert mail.outbox == []
    # The email, the author's new page stamp, and forgetting the role page's marks of open
    # proposals.
    assert len(callbacks) == 3
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert row.handled_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["author@example.com"]
    assert (
        message.subject == "[Skills Matrix] Your proposal “Seniors master Docker” is now: Withdrawn"
    )
    assert f"/proposals/{proposal.pk}/" in message.body
    assert "/accounts/profile/#email-notifications" in message.body
    html = _html(message)
    assert f'href="http://127.0.0.1:8000/proposals/{proposal.pk}/"' in html


def test_a_rolled_back_status_change_leaves_no_row_and_sends_nothing(proposal, with_email):
    from django.db import transaction

    def request_failing_after_the_service() -> None:
        with transaction.atomic():
            proposal_withdraw(proposal=proposal, author=with_email)
            raise RuntimeError("the request failed after the service")

    with pytest.raises(RuntimeError):
        request_failing_after_the_service()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_entering_review_emails_the_author_and_the_matching_experts(
    proposal,
    with_email,
    domain_expert,
    global_expert,
    other_expert,
    django_capture_on_commit_callbacks,
):
    for expert in (domain_expert, global_expert, other_expert):
        expert.email = f"{expert.username}@example.com"
        expert.save(update_fields=["email"])
    _enough_votes(proposal)
    _due(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        closed = proposals_close_due()
    assert [c.status for c in closed] == ["in_review"]
    sent = {(m.to[0], m.subject) for m in mail.outbox}
    assert sent == {
        (
            "author@example.com",
            "[Skills Matrix] Your proposal “Seniors master Docker” is now: In review",
        ),
        (
            "cloud-expert@example.com",
            "[Skills Matrix] A proposal waits for your review: “Seniors master Docker”",
        ),
        (
            "global-expert@example.com",
            "[Skills Matrix] A proposal waits for your review: “Seniors master Docker”",
        ),
    }
    # The expert of a domain the proposal does not touch is not asked.
    assert not Notification.objects.filter(recipient=other_expert).exists()


def test_an_author_who_is_an_expert_is_not_asked_to_review_their_own(
    proposal, with_email, django_capture_on_commit_callbacks
):
    from proposals.services import expertise_grant

    expertise_grant(user=with_email)
    _enough_votes(proposal)
    _due(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        proposals_close_due()
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (with_email.pk, "status")
    ]


def test_every_status_change_of_a_proposal_is_emailed(
    proposal, with_email, domain_expert, django_capture_on_commit_callbacks
):
    from proposals.services import review_submit
    from proposals.tests.factories import verify_email

    verify_email(domain_expert)
    _enough_votes(proposal)
    _due(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        proposals_close_due()
        review_submit(
            proposal=proposal, reviewer=domain_expert, decision="approve", comment="Right."
        )
    to_author = [m for m in mail.outbox if m.to == ["author@example.com"]]
    assert [m.subject.rsplit(": ", 1)[1] for m in to_author] == ["In review", "Accepted"]
    assert "applied to the role as version 2" in to_author[1].body


def test_emails_come_in_the_recipients_language(
    proposal, with_email, django_capture_on_commit_callbacks
):
    email_preference_set(user=with_email, language="es")
    _due(proposal)
    with django_capture_on_commit_callbacks(execute=True):
        proposals_close_due()
    (message,) = mail.outbox
    assert (
        message.subject
        == "[Skills Matrix] Su propuesta «Seniors master Docker» ahora está: Caducada"
    )
    assert "Hola author" in message.body
    assert "menos de 5 votos" in message.body
    html = _html(message)
    assert '<html lang="es">' in html
    assert "Ver la propuesta" in html
    assert message.extra_headers["Content-Language"] == "es"


@pytest.mark.parametrize("language", ["en", "es"])
def test_both_templates_render_in_both_languages(proposal, with_email, domain_expert, language):
    from proposals.emails import notification_email

    for kind, recipient in (("status", with_email), ("review", domain_expert)):
        row = Notification.objects.create(
            proposal=proposal, recipient=recipient, kind=kind, status="in_review"
        )
        message = notification_email(row, language=language)
        html, body = _html(message), str(message.body)
        assert message.subject.startswith("[Skills Matrix] ")
        assert "{%" not in body + html
        assert "{{" not in body + html
        assert proposal.title in body
        assert f"/proposals/{proposal.pk}/" in html
        words = {"en": ("Hello", "profile"), "es": ("Hola", "perfil")}[language]
        for word in words:
            assert word in body


def test_titles_are_escaped_in_html_and_kept_in_text(proposal, with_email):
    from proposals.emails import notification_email

    Proposal.objects.filter(pk=proposal.pk).update(title="<b>Docker</b> & co")
    row = Notification.objects.create(
        proposal=proposal, recipient=with_email, kind="status", status="expired"
    )
    row = Notification.objects.select_related("proposal").get(pk=row.pk)
    message = notification_email(row, language="en")
    assert "<b>Docker</b> & co" in message.subject
    assert "<b>Docker</b> & co" in message.body
    assert "&lt;b&gt;Docker&lt;/b&gt; &amp; co" in _html(message)


def test_a_notifications_email_is_the_same_message_each_time_it_is_built(
    proposal, with_email, settings
):
    """A worker killed between sending an email and marking its row sent sends it again on the
    sweep: with the same Message-ID, every mail system sees the same message (RFC 5322)."""
    from proposals.emails import digest_email, notification_email

    settings.SITE_URL = "https://skills.example.org"
    rows = [
        Notification.objects.create(
            proposal=proposal, recipient=with_email, kind="status", status=status
        )
        for status in ("in_review", "accepted")
    ]
    first, again = (notification_email(rows[0], language="en") for _ in range(2))
    other = notification_email(rows[1], language="es")
    message_id = first.message()["Message-ID"]
    assert message_id == again.message()["Message-ID"]
    assert message_id == f"<notification-{rows[0].pk}@skills.example.org>"
    assert other.message()["Message-ID"] != message_id
    # A digest, too: the same rows make the same message, other rows another.
    digest = digest_email(with_email, rows, language="en").message()["Message-ID"]
    assert digest == digest_email(with_email, rows, language="en").message()["Message-ID"]
    assert digest.endswith("@skills.example.org>")
    assert digest != digest_email(with_email, rows[:1], language="en").message()["Message-ID"]


def test_members_who_turned_emails_off_get_none(
    proposal, with_email, django_capture_on_commit_callbacks
):
    email_preference_set(user=with_email, proposal_emails=False)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_withdraw(proposal=proposal, author=with_email)
    # Still told in their inbox; the email is marked not sent at once.
    row = Notification.objects.get()
    assert row.state == Notification.State.SKIPPED
    assert row.read_at is None
    assert mail.outbox == []


def test_turning_emails_off_before_a_pending_row_is_sent_skips_it(proposal, with_email):
    proposal_withdraw(proposal=proposal, author=with_email)  # on_commit never runs here
    row = Notification.objects.get()
    email_preference_set(user=with_email, proposal_emails=False)
    assert notification_send(notification_id=row.pk) is False
    row.refresh_from_db()
    assert row.state == Notification.State.SKIPPED
    assert mail.outbox == []


def test_an_email_is_sent_once_however_often_it_is_asked_for(proposal, with_email):
    proposal_withdraw(proposal=proposal, author=with_email)
    row = Notification.objects.get()
    assert notification_send(notification_id=row.pk) is True
    assert notification_send(notification_id=row.pk) is False
    assert notifications_send_pending() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_is_counted_and_the_sweep_sends_it_later(proposal, with_email, settings):
    proposal_withdraw(proposal=proposal, author=with_email)
    row = Notification.objects.get()
    # A real SMTP client against a port where nothing listens: the mail server is away.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    settings.EMAIL_USE_TLS = False
    with pytest.raises(ConnectionRefusedError):
        notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert row.state == Notification.State.PENDING
    assert row.attempts >= 1
    assert "ConnectionRefusedError" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_send_pending() == 1
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert len(mail.outbox) == 1


def test_the_task_retries_transient_errors_with_backoff():
    from smtplib import SMTPServerDisconnected

    from django.db import InternalError, OperationalError

    from proposals.tasks import notification_send_task, proposals_close_due_task

    # InternalError: a COMMIT whose connection PgBouncer closed (tests/deploy/).
    transient = (ConnectionRefusedError, SMTPServerDisconnected, OperationalError, InternalError)
    for task in (notification_send_task, proposals_close_due_task):
        for error in transient:
            assert any(issubclass(error, kind) for kind in task.autoretry_for)
        assert task.retry_backoff is True
        assert task.max_retries == 5


def test_closing_twice_changes_and_emails_once(proposal, with_email):
    _due(proposal)
    assert proposal_close_if_due(proposal_id=proposal.pk) == "expired"
    assert proposal_close_if_due(proposal_id=proposal.pk) is None
    assert proposals_close_due() == []
    assert Notification.objects.count() == 1


# --- Closing lazily when a due proposal is read --------------------------------------------


def test_reading_a_due_proposal_closes_it(client, proposal, with_email):
    _due(proposal)
    response = client.get(f"/proposals/{proposal.pk}/")
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.EXPIRED
    assert "Expired" in response.content.decode()
    assert Notification.objects.filter(proposal=proposal, status="expired").count() == 1


def test_the_api_closes_a_due_proposal_it_is_asked_for(client, proposal):
    _enough_votes(proposal)
    _due(proposal)
    body = client.get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert body["status"] == "in_review"


def test_reading_a_proposal_still_voting_changes_nothing(client, proposal):
    client.get(f"/proposals/{proposal.pk}/")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.VOTING
    assert not Notification.objects.exists()


def test_a_due_proposal_page_stays_within_its_budget(
    client, proposal, django_assert_max_num_queries
):
    _enough_votes(proposal)
    _due(proposal)
    client.force_login(UserFactory.create())
    # The page's queries (with the voters it names) plus closing it: lock, tally, update,
    # experts, watchers, members with their preferences, rows, and reading it again; in review
    # now, its domains still waiting and competing proposals.
    with django_assert_max_num_queries(24):
        response = client.get(f"/proposals/{proposal.pk}/")
    assert response.status_code == 200
    # Once closed, the page is back to its budget.
    with django_assert_max_num_queries(10):
        client.get(f"/proposals/{proposal.pk}/")


def test_the_admin_lists_the_outbox_read_only(client, admin, proposal, with_email):
    proposal_withdraw(proposal=proposal, author=with_email)
    client.force_login(admin)
    response = client.get("/admin/proposals/notification/")
    assert response.status_code == 200
    assert "Seniors master Docker" in response.content.decode()
    assert client.get("/admin/proposals/notification/add/").status_code == 403
