from __future__ import annotations

from skillsmatrix.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_failure_opens_the_circuit_for_the_reset_time():
    clock = Clock()
    breaker = CircuitBreaker("redis", reset_seconds=5, clock=clock)
    assert breaker.allow()
    breaker.failure()
    assert breaker.is_open
    assert not breaker.allow()
    clock.now += 4.9
    assert not breaker.allow()


def test_after_the_reset_time_one_probe_goes_through_and_its_success_closes():
    clock = Clock()
    breaker = CircuitBreaker("redis", reset_seconds=5, clock=clock)
    breaker.failure()
    clock.now += 5
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # everyone else waits for it
    breaker.success()
    assert not breaker.is_open
    assert breaker.allow()
    assert breaker.allow()


def test_a_failed_probe_opens_the_circuit_again():
    clock = Clock()
    breaker = CircuitBreaker("redis", reset_seconds=5, clock=clock)
    breaker.failure()
    clock.now += 5
    assert breaker.allow()
    breaker.failure()
    assert not breaker.allow()
    clock.now += 4
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()
