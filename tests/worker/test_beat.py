"""Beat itself sends the sweeps: with ``celery beat`` and a worker running and nobody calling a
task, a proposal whose window has passed moves on, and an email whose task never reached the
broker goes out (issue 9: "a proposal whose window has passed moves on within a minute").

Beat runs the sweeps every ``PROPOSAL_SWEEP_SECONDS`` (60 on a site); here every few seconds,
so the test does not wait a minute for what it would see in one."""

from __future__ import annotations

import socket
import time

from proposals.models import Notification
from proposals.services import proposal_create, proposal_withdraw
from proposals.tests.conftest import DOCKER_SENIOR_E
from tests.worker.conftest import make_due, status_of, wait_for

SWEEP_SECONDS = 3


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends


def test_beat_closes_a_due_proposal_and_sends_the_waiting_email_without_anyone_asking(
    broker_url, start_worker, start_beat, sending_to, proposal, seed_role, author
):
    # An email whose task was lost: its status change committed while the broker was away.
    sending_to(f"redis://127.0.0.1:{_closed_port()}/0")
    withdrawn = proposal_create(
        role=seed_role,
        author=author,
        title="Withdrawn",
        rationale="Why.",
        changes=[DOCKER_SENIOR_E],
    )
    proposal_withdraw(proposal=withdrawn, author=author)
    waiting = Notification.objects.get(proposal=withdrawn)
    assert waiting.state == "pending"
    make_due(proposal)

    worker = start_worker(broker_url)
    started = time.monotonic()
    beat = start_beat(broker_url, PROPOSAL_SWEEP_SECONDS=str(SWEEP_SECONDS))
    wait_for(
        lambda: status_of(proposal) == "expired",
        timeout=60,
        what="beat's sweep to close the due proposal",
    )
    closed_after = time.monotonic() - started
    wait_for(
        lambda: Notification.objects.filter(state="sent").count() == 2,
        timeout=60,
        what="both emails: the waiting one and the close's",
    )
    assert sorted(m["To"] for m in worker.messages()) == ["author@example.com"] * 2
    assert "Sending due task close-due-proposals" in beat.log_text()
    assert "Sending due task send-pending-notifications" in beat.log_text()
    # Within a couple of sweep periods, not a minute, on however loaded a machine.
    assert closed_after < 45, f"closed {closed_after:.0f}s after beat started"
