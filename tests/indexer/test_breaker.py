"""The circuit breaker's states, on a clock the test moves."""

from __future__ import annotations

import pytest

from indexer.breaker import CircuitBreaker, CircuitOpenError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fail(breaker: CircuitBreaker) -> None:
    with pytest.raises(ConnectionError), breaker.guard(lambda e: isinstance(e, ConnectionError)):
        raise ConnectionError("down")


def test_opens_after_fail_max_refuses_then_half_opens_and_closes() -> None:
    clock, closed = Clock(), []
    breaker = CircuitBreaker("es", fail_max=3, reset_timeout=30, clock=clock)
    breaker.on_close(lambda: closed.append(clock.now))
    fail(breaker)
    fail(breaker)
    assert breaker.state == "closed"
    fail(breaker)
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError) as refused, breaker.guard(lambda e: True):
        pytest.fail("an open breaker must not run the call")
    assert refused.value.retry_after == 30
    clock.now = 30
    assert breaker.state == "half-open"
    fail(breaker)  # the trial fails: open again for a full period
    clock.now = 59
    assert breaker.state == "open"
    clock.now = 60
    with breaker.guard(lambda e: True):
        pass
    assert breaker.state == "closed" and closed == [60]


def test_errors_of_the_request_are_not_failures_of_the_node() -> None:
    breaker = CircuitBreaker("es", fail_max=1, reset_timeout=30, clock=Clock())
    for _ in range(3):
        with pytest.raises(ValueError), breaker.guard(lambda e: isinstance(e, ConnectionError)):
            raise ValueError("bad query")
    assert breaker.state == "closed"


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker("es", fail_max=2, reset_timeout=30, clock=Clock())
    fail(breaker)
    with breaker.guard(lambda e: True):
        pass
    fail(breaker)
    assert breaker.state == "closed"
