"""A worker outlives its broker: after the broker's Redis is killed and started again on the
same port, or hung while the worker acknowledged a task and then let go, the same worker process
reconnects and runs the next task.

Publishing in requests never retries (``max_retries`` 0 in the transport options), but the
worker's own connection retries for as long as the broker is away (``broker_connection_retry``,
``broker_connection_max_retries`` None). An acknowledgement lost to a hung broker frees its
prefetch slot all the same (``skillsmatrix/broker.py``): with kombu's own transport this worker
(one process, prefetch 1) would never take another task."""

from __future__ import annotations

import time

from proposals.models import Proposal
from proposals.services import proposal_create
from proposals.tasks import proposals_close_due_task
from proposals.tests.conftest import DOCKER_SENIOR_E
from tests.worker.conftest import make_due, status_of, wait_for

# How long a worker may take to run a task once its broker is back: its reconnection attempts
# back off to at most ``broker_connection_retry`` intervals of a few seconds, plus a loaded
# machine's slowness.
BACK_WITHIN = 60


def _due_proposal(role, author, title: str) -> Proposal:
    made = proposal_create(
        role=role, author=author, title=title, rationale="Why.", changes=[DOCKER_SENIOR_E]
    )
    make_due(made)
    return made


def test_the_worker_runs_tasks_again_after_its_broker_is_killed_and_restarted(
    own_redis, start_worker, sending_to, seed_role, author
):
    url = own_redis.url()
    worker = start_worker(url)
    sending_to(url)
    first = _due_proposal(seed_role, author, "First")
    proposals_close_due_task.delay()
    wait_for(lambda: status_of(first) == "expired", what="the close before the restart")

    own_redis.kill()
    wait_for(
        lambda: (
            "Cannot connect to" in worker.log_text()
            or "Connection to broker lost" in worker.log_text()
        ),
        timeout=30,
        what="the worker to notice its broker is gone",
    )
    time.sleep(3)  # a few failed reconnection attempts, so their back-off has grown
    own_redis.start()  # the same port; an empty Redis (no persistence): the queue is new

    second = _due_proposal(seed_role, author, "Second")
    proposals_close_due_task.delay()
    wait_for(
        lambda: status_of(second) == "expired",
        timeout=BACK_WITHIN,
        what="the worker to run a task after its broker restarted",
    )
    assert worker.process.poll() is None, "the same worker, not a new one"


def test_the_worker_runs_tasks_again_after_its_broker_hung_while_it_acknowledged_one(
    own_redis, start_worker, sending_to, seed_role, author
):
    url = own_redis.url()
    worker = start_worker(url)
    sending_to(url)
    first = _due_proposal(seed_role, author, "First")
    worker.pause("proposal_close")
    proposals_close_due_task.delay()
    worker.paused_in("proposal_close")
    own_redis.stop()  # SIGSTOP: the port accepts connections, nothing answers
    worker.resume("proposal_close")
    # The task's work commits; its acknowledgement (acks_late) times out on the hung broker.
    wait_for(lambda: status_of(first) == "expired", what="the first close")
    wait_for(
        lambda: "Couldn't ack" in worker.log_text(),
        timeout=30,
        what="the acknowledgement to time out",
    )
    time.sleep(5)
    own_redis.cont()

    second = _due_proposal(seed_role, author, "Second")
    proposals_close_due_task.delay()
    wait_for(
        lambda: status_of(second) == "expired",
        timeout=BACK_WITHIN,
        what="the worker to run a task after its broker hung",
    )
    assert worker.process.poll() is None, "the same worker, not a new one"
