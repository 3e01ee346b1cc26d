"""Background work on a real worker and a real broker (issue 9): due proposals close without
anyone running a command, emails go out once however the worker dies, and PostgreSQL dropping
its connections costs the next task nothing."""

from __future__ import annotations

import os
import signal
import time
from email.header import decode_header, make_header

from django.db import connection

from proposals.models import Notification, Proposal
from proposals.services import proposal_create, proposal_withdraw
from proposals.tasks import notifications_sweep, proposals_close_due_task
from proposals.tests.conftest import DOCKER_SENIOR_E
from tests.worker.conftest import make_due, status_of, wait_for


def _subjects(worker) -> list[str]:
    return [str(make_header(decode_header(m["Subject"]))) for m in worker.messages()]


def _sent(pk: int) -> bool:
    return Notification.objects.filter(pk=pk, state="sent").exists()


def test_a_due_proposal_is_closed_by_the_worker_and_its_author_emailed(
    broker_url, start_worker, sending_to, proposal
):
    worker = start_worker(broker_url)
    sending_to(broker_url)
    make_due(proposal)
    proposals_close_due_task.delay()
    wait_for(lambda: status_of(proposal) == "expired", what="the worker to close the proposal")
    # The close committed an outbox row; its task went to the broker and the worker sent it.
    row = Notification.objects.get(proposal=proposal)
    wait_for(lambda: _sent(row.pk), what="the email")
    assert _subjects(worker) == [
        "[Skills Matrix] Your proposal “Seniors master Docker” is now: Expired"
    ]
    assert worker.messages()[0]["To"] == "author@example.com"


def test_a_status_change_in_a_request_is_emailed_by_the_worker(
    broker_url, start_worker, sending_to, proposal, client, author
):
    worker = start_worker(broker_url)
    sending_to(broker_url)
    client.force_login(author)
    response = client.post(f"/proposals/{proposal.pk}/withdraw/")
    assert response.status_code == 303
    wait_for(lambda: worker.messages(), what="the email")
    assert _subjects(worker) == [
        "[Skills Matrix] Your proposal “Seniors master Docker” is now: Withdrawn"
    ]


def test_a_worker_killed_while_sending_an_email_sends_it_once(
    broker_url, start_worker, sending_to, proposal, author
):
    worker = start_worker(broker_url)
    sending_to(broker_url)
    worker.pause("notification_send")
    proposal_withdraw(proposal=proposal, author=author)  # commits, then sends the task
    child = worker.paused_in("notification_send")
    row = Notification.objects.get(proposal=proposal)
    # The row is claimed (locked) and nothing is sent yet: kill the process doing it.
    assert worker.messages() == []
    os.kill(child, signal.SIGKILL)
    worker.resume("notification_send")
    # The message is put back (reject_on_worker_lost) and runs again in a new pool process;
    # the dead one's transaction rolled back, so the row is still pending for it.
    wait_for(lambda: _sent(row.pk), timeout=60, what="the email after the kill")
    time.sleep(2)  # time for a second, wrong, email to show up
    assert len(worker.messages()) == 1
    assert "Restoring 1 unacknowledged" in worker.log_text() or "WorkerLostError" in (
        worker.log_text()
    )
    # The sweep finds nothing left to send.
    notifications_sweep.delay()
    time.sleep(2)
    assert len(worker.messages()) == 1


def test_a_worker_killed_while_closing_a_proposal_closes_it_once(
    broker_url, start_worker, sending_to, proposal
):
    worker = start_worker(broker_url)
    sending_to(broker_url)
    make_due(proposal)
    worker.pause("proposal_close")
    proposals_close_due_task.delay()
    # Killed after writing the new status and its outbox row, before committing them.
    child = worker.paused_in("proposal_close")
    os.kill(child, signal.SIGKILL)
    worker.resume("proposal_close")
    wait_for(lambda: status_of(proposal) == "expired", timeout=60, what="the close after the kill")
    row = Notification.objects.get(proposal=proposal)  # exactly one: get() would fail otherwise
    wait_for(lambda: _sent(row.pk), what="the email")
    time.sleep(2)
    assert len(worker.messages()) == 1
    assert "WorkerLostError" in worker.log_text()


def test_a_task_whose_connection_postgresql_terminates_is_retried_and_the_next_succeeds(
    broker_url, start_worker, sending_to, seed_role, author
):
    worker = start_worker(broker_url)
    sending_to(broker_url)

    def due_proposal(title: str) -> Proposal:
        made = proposal_create(
            role=seed_role,
            author=author,
            title=title,
            rationale="Why.",
            changes=[DOCKER_SENIOR_E],
        )
        make_due(made)
        return made

    # Celery closes a worker's database connections around every task, so the one to drop is
    # the one a task is using: PostgreSQL terminates it in the middle of the task's transaction.
    first = due_proposal("First")
    worker.pause("proposal_close")
    proposals_close_due_task.delay()
    worker.paused_in("proposal_close")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (terminated,) = cursor.fetchone()
    assert terminated >= 1  # the worker's connection, holding the proposal's lock
    worker.resume("proposal_close")
    # Its commit fails (a transient error): the task is retried and closes the proposal.
    wait_for(lambda: status_of(first) == "expired", timeout=60, what="the retried close")
    assert "retry: Retry in" in worker.log_text()
    assert Notification.objects.filter(proposal=first).count() == 1
    # The next task connects afresh.
    second = due_proposal("Second")
    proposals_close_due_task.delay()
    wait_for(lambda: status_of(second) == "expired", what="the close after the terminate")
    assert worker.process.poll() is None  # the same worker, not restarted


def test_a_hung_broker_neither_fails_nor_holds_up_a_request_and_the_sweep_sends_later(
    own_redis, start_worker, sending_to, proposal, client, author
):
    url = own_redis.url()
    sending_to(url)
    second = proposal_create(
        role=proposal.role,
        author=author,
        title="Seniors know Kubernetes",
        rationale="Why.",
        changes=[DOCKER_SENIOR_E],
    )
    own_redis.stop()  # accepts connections, answers nothing
    client.force_login(author)
    started = time.monotonic()
    response = client.post(f"/proposals/{proposal.pk}/withdraw/")
    elapsed = time.monotonic() - started
    assert response.status_code == 303
    assert elapsed < 5, f"the request took {elapsed:.1f}s"
    assert status_of(proposal) == "withdrawn"
    # The broker's breaker is open now: the next request does not wait for it at all.
    started = time.monotonic()
    response = client.post(f"/proposals/{second.pk}/withdraw/")
    elapsed = time.monotonic() - started
    assert response.status_code == 303
    assert elapsed < 0.5, f"the second request took {elapsed:.2f}s"
    assert Notification.objects.get(proposal=second).state == "pending"
    row = Notification.objects.get(proposal=proposal)
    assert row.state == "pending"  # the task could not be sent; the row waits in the outbox
    # The broker comes back; beat's next sweep sends what is waiting, once.
    own_redis.cont()
    worker = start_worker(url)
    sending_to(url)
    notifications_sweep.delay()
    later = Notification.objects.get(proposal=second).pk
    wait_for(
        lambda: _sent(row.pk) and _sent(later), timeout=60, what="the sweep to send the emails"
    )
    assert sorted(_subjects(worker)) == [
        "[Skills Matrix] Your proposal “Seniors know Kubernetes” is now: Withdrawn",
        "[Skills Matrix] Your proposal “Seniors master Docker” is now: Withdrawn",
    ]
