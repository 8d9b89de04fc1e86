"""A small circuit breaker for calls to a remote search engine.

States (Nygard, *Release It!*): **closed** (calls pass; ``fail_max``
consecutive failures open it), **open** (calls are refused at once with
:class:`CircuitOpenError` for ``reset_timeout`` seconds, so no thread waits
on a node that is known to be dead or hung), then **half-open** (calls pass
again; the first success closes it, a failure opens it for another
``reset_timeout``). Listeners given to :meth:`CircuitBreaker.on_close` run
when it closes again (e.g. to send the writes kept while it was open).

Why not ``pybreaker``: its ``CircuitBreaker.call`` holds one lock for the
whole duration of the guarded call, so every Elasticsearch request of a
worker would wait for the one before it; with a hung node that is the very
stall this guards against. The state here is changed under a lock, the calls
run outside it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class CircuitOpenError(Exception):
    """The breaker is open: the call was not made. ``retry_after`` is in seconds."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"{name} failed repeatedly; not trying again for {retry_after:.0f} s")
        self.retry_after = retry_after


class CircuitBreaker:
    """See the module docstring. Thread-safe; ``clock`` is in seconds (monotonic)."""

    def __init__(
        self,
        name: str,
        *,
        fail_max: int = 3,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if fail_max < 1 or reset_timeout <= 0:
            raise ValueError("fail_max must be >= 1 and reset_timeout > 0")
        self.name, self.fail_max, self.reset_timeout, self.clock = name, fail_max, reset_timeout, clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._listeners: list[Callable[[], None]] = []

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open``."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self.clock() - self._opened_at < self.reset_timeout else "half-open"

    def on_close(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (in the thread whose call succeeded) each time the breaker closes again."""
        self._listeners.append(listener)

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` while open; otherwise let the call go."""
        with self._lock:
            if self._opened_at is not None:
                waited = self.clock() - self._opened_at
                if waited < self.reset_timeout:
                    raise CircuitOpenError(self.name, self.reset_timeout - waited)

    def success(self) -> None:
        with self._lock:
            reopened = self._opened_at is not None
            self._failures, self._opened_at = 0, None
        if reopened:
            log.info("%s answers again: circuit closed", self.name)
            for listener in self._listeners:
                try:
                    listener()
                except Exception:  # a listener must not turn a good answer into an error
                    log.exception("circuit-close listener failed")

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            half_open = self._opened_at is not None
            if half_open or self._failures >= self.fail_max:
                if self._opened_at is None or half_open:
                    log.warning(
                        "%s failed %d times: circuit open for %.0f s", self.name, self._failures, self.reset_timeout
                    )
                self._opened_at = self.clock()

    @contextmanager
    def guard(self, counts: Callable[[BaseException], bool]) -> Iterator[None]:
        """Run the block under the breaker. An exception for which ``counts`` is
        true is a failure; any other outcome (success, or an error of the
        request rather than the node) is a success. Raises CircuitOpenError."""
        self.before_call()
        try:
            yield
        except BaseException as exc:
            if counts(exc):
                self.failure()
            else:
                self.success()
            raise
        self.success()
