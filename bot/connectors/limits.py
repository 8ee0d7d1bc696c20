"""Adobe's documented request limits for the CJA APIs, held by one limiter per process.

Two limits apply at once: 60 requests a minute per organization with at most 6 at once
(the Reporting API's guide), and 12 requests in any 6 seconds per user (the CJA API FAQ;
about 120 a minute), past which the API answers 429 with {"error_code": "429050"}. A
request starts only when every window has room and a slot is free; a 429 holds every
thread's next start for as long as the answer asks (Retry-After), or for the per-user
window when it does not say. Clock and sleep are injected, so tests run on a fake clock
and never wait. The limiter holds one process; two processes pulling the same
organization at once share Adobe's limit, and the 429 handling covers them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `requests` starts in any `seconds`."""

    requests: int
    seconds: float


# Per organization, and per user (the tighter one over a few seconds).
ADOBE_WINDOWS: tuple[Window, ...] = (Window(60, 60.0), Window(12, 6.0))
ADOBE_AT_ONCE = 6
# The error code of Adobe's 429 for the per-user limit.
PER_USER_LIMIT_CODE = "429050"


class RateLimit:
    """Request starts within every window, at most `at_once` in flight; thread-safe."""

    def __init__(
        self,
        windows: tuple[Window, ...] = ADOBE_WINDOWS,
        at_once: int = ADOBE_AT_ONCE,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.windows = windows
        self.clock, self.sleep = clock, sleep
        self._longest = max(w.seconds for w in windows)
        self._starts: deque[float] = deque()
        self._held_until = float("-inf")
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(at_once)

    def __enter__(self) -> RateLimit:
        self._slots.acquire()
        while True:
            with self._lock:
                now = self.clock()
                wait = self._wait(now)
                if wait <= 0:
                    self._starts.append(now)
                    return self
            self.sleep(wait)

    def __exit__(self, *exc) -> None:
        self._slots.release()

    def _wait(self, now: float) -> float:
        """Seconds until a request may start (0 or less: now)."""
        while self._starts and now - self._starts[0] >= self._longest:
            self._starts.popleft()
        wait = self._held_until - now
        for window in self.windows:
            inside = [t for t in self._starts if now - t < window.seconds]
            if len(inside) >= window.requests:
                # The oldest start that must leave the window for one more to fit.
                oldest = inside[len(inside) - window.requests]
                wait = max(wait, oldest + window.seconds - now)
        return wait

    def hold(self, seconds: float) -> None:
        """No request starts for `seconds` from now (Adobe answered 429)."""
        with self._lock:
            self._held_until = max(self._held_until, self.clock() + seconds)

    def refused_for(self, retry_after: float | None, error_code: str | None) -> float:
        """How long a 429 asks everyone to wait: Retry-After, else the per-user window for
        Adobe's per-user code, else 0 (the caller's back-off decides)."""
        if retry_after is not None:
            return retry_after
        if error_code == PER_USER_LIMIT_CODE:
            return min(w.seconds for w in self.windows)
        return 0.0
