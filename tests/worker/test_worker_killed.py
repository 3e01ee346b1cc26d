"""A whole worker SIGKILLed mid-task (its main process too, not only the pool process running
the task): nobody is left to put the message back, so Redis hands it out again once its
``visibility_timeout`` has passed, and another worker runs it; the email goes out once.

The visibility timeout is a few seconds here (``WORKER_TEST_VISIBILITY_TIMEOUT``, see
``tests/worker/settings.py``); on a site it is an hour (``CELERY_VISIBILITY_TIMEOUT``)."""

from __future__ import annotations

import os
import re
import signal
import time

from proposals.models import Notification
from proposals.services import proposal_withdraw
from proposals.tasks import notifications_sweep
from tests.worker.conftest import wait_for

VISIBILITY_TIMEOUT = 8


def _received(worker) -> list[str]:
    return re.findall(r"notification_send_task\[([0-9a-f-]+)\] received", worker.log_text())


def test_a_worker_killed_outright_mid_task_has_its_task_run_again_by_another_once(
    broker_url, start_worker, sending_to, proposal, author
):
    short = {"WORKER_TEST_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = start_worker(broker_url, **short)
    sending_to(broker_url)
    first.pause("notification_send")
    proposal_withdraw(proposal=proposal, author=author)  # commits, then sends the task
    first.paused_in("notification_send")  # the row is claimed (locked), nothing sent yet
    killed_at = time.monotonic()
    os.killpg(first.process.pid, signal.SIGKILL)  # the main process and its pool, at once
    first.process.wait(timeout=10)
    row = Notification.objects.get(proposal=proposal)
    assert row.state == "pending"  # the dead transaction rolled back
    assert first.messages() == []
    (task_id,) = _received(first)

    second = start_worker(broker_url, **short)  # no beat: no sweep will send the row
    wait_for(
        lambda: Notification.objects.get(pk=row.pk).state == "sent",
        timeout=90,
        what="another worker to run the task again",
    )
    redelivered_after = time.monotonic() - killed_at
    assert _received(second) == [task_id]  # the same message, handed out again
    assert redelivered_after >= VISIBILITY_TIMEOUT
    time.sleep(2)  # time for a second, wrong, email to show up
    assert len(second.messages()) == 1
    assert second.messages()[0]["To"] == "author@example.com"
    # The sweep finds nothing left to send.
    notifications_sweep.delay()
    time.sleep(2)
    assert len(second.messages()) == 1
    assert Notification.objects.get(pk=row.pk).state == "sent"
