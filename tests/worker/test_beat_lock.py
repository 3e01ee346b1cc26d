"""Two real ``celery beat`` processes on one broker: only the holder of the lock sends the
schedule (skillsmatrix.beat). Killed (SIGKILL, no release), its lock expires and the other takes
over; stopped (SIGTERM), it releases the lock at once.

The sweeps run every few seconds and the lock lives a few seconds, so the test waits seconds,
not minutes."""

from __future__ import annotations

import os
import re
import signal
import time

import redis

from tests.worker.conftest import wait_for

SWEEP_SECONDS = "2"
LOCK_TTL = 6.0
KEY = "skillsmatrix:beat-lock"
SENT = "Sending due task"
HOLDING = re.compile(r"holding the lock \S+ as (\S+):")


def holder_token(beat) -> str:
    found = wait_for(
        lambda: HOLDING.search(beat.log_text()), timeout=LOCK_TTL * 3, what="beat to take the lock"
    )
    return found.group(1)


def test_only_the_holder_sends_and_a_killed_holders_lock_expires(broker_url, start_beat):
    lock = redis.Redis.from_url(broker_url, socket_timeout=2)
    env = {"PROPOSAL_SWEEP_SECONDS": SWEEP_SECONDS, "BEAT_LOCK_TTL_SECONDS": str(LOCK_TTL)}
    first = start_beat(broker_url, **env)
    first_token = holder_token(first)
    second = start_beat(broker_url, **env)
    wait_for(lambda: "standing by" in second.log_text(), timeout=30, what="the second to wait")
    wait_for(lambda: first.log_text().count(SENT) >= 4, timeout=30, what="the first to send")
    assert SENT not in second.log_text()
    assert lock.get(KEY).decode() == first_token

    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    killed_at = time.monotonic()
    assert lock.get(KEY).decode() == first_token  # not released: it must expire
    second_token = holder_token(second)
    took_over_after = time.monotonic() - killed_at
    wait_for(lambda: SENT in second.log_text(), timeout=30, what="the second to send")
    assert second_token != first_token
    # Not before the key expired (it was last renewed at most a third of the TTL before).
    assert took_over_after > LOCK_TTL / 2, f"took over {took_over_after:.1f}s after the kill"


def test_a_stopped_holder_releases_the_lock_for_the_other_at_once(broker_url, start_beat):
    lock = redis.Redis.from_url(broker_url, socket_timeout=2)
    env = {"PROPOSAL_SWEEP_SECONDS": SWEEP_SECONDS, "BEAT_LOCK_TTL_SECONDS": str(LOCK_TTL)}
    first = start_beat(broker_url, **env)
    first_token = holder_token(first)
    second = start_beat(broker_url, **env)
    wait_for(lambda: "standing by" in second.log_text(), timeout=30, what="the second to wait")

    first.stop()  # SIGTERM, as Kubernetes and compose stop a container
    assert first.process.returncode is not None
    # Released on the way out: gone, or already the second's; never still the first's.
    assert (lock.get(KEY) or b"").decode() != first_token
    second_token = holder_token(second)
    wait_for(lambda: SENT in second.log_text(), timeout=30, what="the second to send")
    assert second_token != first_token
