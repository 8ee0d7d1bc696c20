"""Adobe's two request limits held by one limiter, on a fake clock (nothing really waits)."""

from __future__ import annotations

import contextlib
import threading

import pytest

from bot.connectors.limits import RateLimit, Window


class FakeClock:
    """Time that moves only when someone sleeps; the sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def starts(limit: RateLimit, clock: FakeClock, count: int, gap: float = 0.0) -> list[float]:
    """When each of `count` requests started, `gap` seconds of work apart."""
    found = []
    for _ in range(count):
        with limit:
            found.append(clock.now)
            clock.now += gap
    return found


def test_the_thirteenth_request_in_six_seconds_waits_for_the_first_to_leave_the_window():
    clock = FakeClock()
    limit = RateLimit(clock=clock, sleep=clock.sleep)

    found = starts(limit, clock, 13, gap=0.1)

    assert found[:12] == pytest.approx([0.1 * i for i in range(12)])
    assert found[12] == pytest.approx(6.0)  # 12 in any 6 seconds, per user
    assert clock.sleeps == [pytest.approx(4.8)]


def test_sixty_a_minute_hold_even_when_each_six_seconds_has_room():
    clock = FakeClock()
    limit = RateLimit(clock=clock, sleep=clock.sleep)

    found = starts(limit, clock, 61, gap=0.6)  # 10 per 6 seconds: under the per-user limit

    assert clock.sleeps == [pytest.approx(24.0)]  # the 61st waits for the first to be 60 s old
    assert found[60] == pytest.approx(60.0)
    # No 6-second span ever holds more than 12 starts, no minute more than 60.
    for i, start in enumerate(found):
        assert sum(start <= t < start + 6 for t in found[i:]) <= 12
        assert sum(start <= t < start + 60 for t in found[i:]) <= 60


def test_a_429_holds_every_thread_for_the_per_user_window_when_it_names_its_code():
    clock = FakeClock()
    limit = RateLimit(clock=clock, sleep=clock.sleep)
    starts(limit, clock, 1)

    limit.hold(limit.refused_for(None, "429050"))
    (held,) = starts(limit, clock, 1)

    assert held == pytest.approx(6.0)
    assert limit.refused_for(3.0, "429050") == 3.0  # Retry-After, when given, wins
    assert limit.refused_for(None, None) == 0.0  # another 429: the caller's back-off decides


def test_windows_are_data():
    clock = FakeClock()
    limit = RateLimit((Window(2, 1.0),), at_once=1, clock=clock, sleep=clock.sleep)

    assert starts(limit, clock, 5) == pytest.approx([0.0, 0.0, 1.0, 1.0, 2.0])


def test_no_more_than_six_requests_at_once():
    limit = RateLimit((Window(1000, 60.0),), at_once=6)
    inside, most, lock = [0], [0], threading.Lock()
    gate = threading.Barrier(6, timeout=5)

    def work() -> None:
        with limit:
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert most[0] == 6
