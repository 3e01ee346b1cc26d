"""A broker that is down costs a request nothing: it succeeds at once, and the work waits in
the database for the periodic sweeps (no Redis needed: nothing listens on the port)."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from proposals.models import Notification, Proposal
from proposals.notify import notifications_send_pending
from proposals.services import proposal_create, proposals_close_due
from proposals.tests.conftest import DOCKER_SENIOR_E


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends


def test_with_the_broker_down_a_request_succeeds_quickly_and_the_sweep_sends_later(
    sending_to, seed_role, author, client, caplog
):
    sending_to(f"redis://127.0.0.1:{_closed_port()}/0")
    proposal = proposal_create(
        role=seed_role, author=author, title="Docker", rationale="Why.", changes=[DOCKER_SENIOR_E]
    )
    client.force_login(author)
    started = time.monotonic()
    response = client.post(f"/proposals/{proposal.pk}/withdraw/")
    elapsed = time.monotonic() - started
    assert response.status_code == 303
    assert elapsed < 3, f"the request took {elapsed:.1f}s"
    assert "Could not send proposals.tasks.notification_send_task" in caplog.text
    row = Notification.objects.get(proposal=proposal)
    assert row.state == "pending"
    assert mail.outbox == []
    # What beat's sweep does once the broker is back: the email goes out, once.
    assert notifications_send_pending() == 1
    assert notifications_send_pending() == 0
    assert [m.to for m in mail.outbox] == [["author@example.com"]]


def test_with_the_broker_down_due_proposals_still_close_when_read_or_swept(
    sending_to, seed_role, author, client
):
    sending_to(f"redis://127.0.0.1:{_closed_port()}/0")
    made = [
        proposal_create(
            role=seed_role,
            author=author,
            title=f"P{i}",
            rationale="Why.",
            changes=[DOCKER_SENIOR_E],
        )
        for i in range(2)
    ]
    Proposal.objects.update(closes_at=timezone.now() - timedelta(seconds=1))
    # A reader closes the one they look at ...
    assert client.get(f"/proposals/{made[0].pk}/").status_code == 200
    assert Proposal.objects.get(pk=made[0].pk).status == "expired"
    # ... and the periodic close (beat, once the broker is back) the rest.
    assert [c.proposal_id for c in proposals_close_due()] == [made[1].pk]
    assert Notification.objects.filter(state="pending").count() == 2
