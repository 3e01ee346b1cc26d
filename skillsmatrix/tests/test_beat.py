"""Beat's lease (skillsmatrix.beat) on a Redis of the test's own: of two beats only one sends;
the lease passes on when its holder stops, or dies and its key expires; a holder that cannot
renew stops sending before another can take over. The same with real ``celery beat``
processes: tests/worker/test_beat_lock.py."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from skillsmatrix.beat import BeatLease, LockedScheduler, lease_client, lease_from_settings
from skillsmatrix.celery import app
from skillsmatrix.checks import cache_and_broker_apart
from skillsmatrix.tests.production import run_python
from skillsmatrix.tests.servers import RedisServer

KEY = "test:beat-lock"


@pytest.fixture
def server(tmp_path):
    redis_server = RedisServer(tmp_path).start()
    yield redis_server
    redis_server.kill()


def lease(server, *, ttl=5.0, token=None, clock=time.monotonic):
    client = lease_client(server.url(), timeout=2)
    return BeatLease(client, key=KEY, ttl=ttl, token=token, clock=clock)


def held(lease):
    """Whether ``lease`` is held at this moment (a function: each call reads the clock anew)."""
    return lease.held


def test_of_two_leases_on_one_key_only_one_is_held(server):
    first, second = lease(server, token="first"), lease(server, token="second")
    assert first.refresh() is True
    assert second.refresh() is False
    assert (first.held, second.held) == (True, False)
    assert first.refresh() is True  # renewed, still first's
    assert second.refresh() is False
    assert first.holder() == "first"
    assert 0 < server.client().pttl(KEY) <= 5000


def test_the_lease_expires_when_its_holder_dies_and_passes_on(server):
    holder, standby = lease(server, ttl=1.0, token="holder"), lease(server, ttl=1.0)
    assert holder.refresh() is True
    # The holder dies: it neither renews nor releases. Until the key expires, nobody takes it.
    assert standby.refresh() is False
    time.sleep(1.2)
    assert holder.held is False  # its own clock says so too
    assert standby.refresh() is True
    assert standby.holder() == standby.token
    # Come back to life, the old holder cannot take it back while the new one renews.
    assert holder.refresh() is False
    assert standby.refresh() is True


def test_release_frees_the_key_at_once_but_only_by_its_holder(server):
    holder, other = lease(server, token="holder"), lease(server, token="other")
    assert holder.refresh() is True
    other.release()  # not its lease: nothing happens
    assert holder.holder() == "holder"
    assert other.refresh() is False
    holder.release()
    assert holder.held is False
    assert other.refresh() is True


def test_a_lease_taken_over_is_noticed_at_the_next_renewal(server):
    holder = lease(server, token="holder")
    assert holder.refresh() is True
    server.client().set(KEY, "intruder")  # e.g. an operator's hand, or a Redis restored
    assert holder.refresh() is False
    assert holder.held is False
    assert holder.holder() == "intruder"


def test_a_holder_that_cannot_reach_redis_stops_before_its_key_can_expire(server):
    now = [1000.0]
    holder = lease(server, ttl=10.0, clock=lambda: now[0])
    assert holder.refresh() is True
    server.kill()
    now[0] += 5.0
    assert holder.refresh() is True  # Redis gone, but the lease still runs
    now[0] += 3.9  # 8.9 s after the last renewal, short of 9 (the TTL less a tenth)
    assert held(holder) is True
    now[0] += 0.2
    assert held(holder) is False
    assert holder.refresh() is False


def test_a_redis_that_lost_the_key_gives_the_lease_to_whoever_asks_first(server):
    holder, other = lease(server, token="holder"), lease(server, token="other")
    assert holder.refresh() is True
    server.client().flushdb()  # a Redis restarted without persistence
    assert other.refresh() is True
    assert holder.refresh() is False


class RecordingScheduler(LockedScheduler):
    """Sends nothing to a broker: records the entries it would have sent."""

    sent: list[str]

    @property
    def producer(self):
        return None

    def apply_entry(self, entry, producer=None):
        self.sent.append(entry.name)


def scheduler(tmp_path, name):
    beat = RecordingScheduler(app=app, schedule_filename=str(tmp_path / name), max_interval=1)
    beat.sent = []
    beat.schedule.clear()
    beat.update_from_dict({"often": {"task": "tests.often", "schedule": 0.05}})
    return beat


def tick_for(seconds, *beats):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for beat in beats:
            beat.tick()
        time.sleep(0.02)


def test_two_schedulers_one_sends_and_the_other_takes_over_when_it_stops(
    server, settings, tmp_path
):
    settings.BEAT_LOCK_URL = server.url()
    settings.BEAT_LOCK_TTL_SECONDS = 1.5
    first, second = scheduler(tmp_path, "first"), scheduler(tmp_path, "second")
    try:
        tick_for(0.6, first, second)
        assert len(first.sent) >= 3
        assert second.sent == []
        first.close()  # a graceful stop releases the lease
        assert server.client().get(settings.BEAT_LOCK_KEY) is None
        sent_before = len(first.sent)
        # The standby's keeper looks every third of the TTL (0.5 s).
        tick_for(1.2, second)
        assert len(second.sent) >= 3
        assert len(first.sent) == sent_before
    finally:
        first.close()
        second.close()


def test_a_lazy_scheduler_takes_no_lease(server, settings, tmp_path):
    settings.BEAT_LOCK_URL = server.url()
    LockedScheduler(app=app, schedule_filename=str(tmp_path / "lazy"), lazy=True)
    assert server.client().keys("*") == []


def test_beat_without_a_redis_for_its_lock_refuses_to_start(settings):
    settings.BEAT_LOCK_URL = ""
    with pytest.raises(ImproperlyConfigured, match="BEAT_LOCK_URL"):
        lease_from_settings()


def test_the_lock_in_the_caches_redis_database_is_an_error(settings):
    # The cache's Redis evicts keys (allkeys-lru): the lock would vanish under memory pressure.
    settings.REDIS_URL = "redis://redis:6379/0"
    settings.CELERY_BROKER_URL = "redis://broker:6379/0"
    settings.BEAT_LOCK_URL = "redis://redis:6379/0"
    assert [error.id for error in cache_and_broker_apart(None)] == ["skillsmatrix.E002"]
    settings.BEAT_LOCK_URL = settings.CELERY_BROKER_URL
    assert cache_and_broker_apart(None) == []


def _lock_settings(**env):
    code = "from skillsmatrix import settings as s; print(s.CELERY_BEAT_SCHEDULER, s.BEAT_LOCK_URL)"
    result = run_python(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_lock_lives_on_the_brokers_redis_unless_told_otherwise():
    scheduler_name = "skillsmatrix.beat:LockedScheduler"
    broker = "redis://broker:6379/1"
    assert _lock_settings(CELERY_BROKER_URL=broker) == [scheduler_name, broker]
    # Not a Redis broker: no default, so beat refuses to start (above) until one is named.
    assert _lock_settings(CELERY_BROKER_URL="amqp://rabbit//") == [scheduler_name]
