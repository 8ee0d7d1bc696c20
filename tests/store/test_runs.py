"""The clock's records on a real database: claims, takeovers, skips, expiry, heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.runs import INTERRUPTED
from bot.store.schedules import StoredSchedule

DUE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
GRACE = timedelta(hours=1)
KEY, PERIOD = "digest:C1", "2026-W49"


def test_the_first_claim_wins_and_a_second_gets_nothing(store):
    records = store.scheduling
    run = records.claim(KEY, PERIOD, DUE, DUE, LEASE)
    assert (run.status, run.attempts, run.steps_done, run.scheduled_for) == ("claimed", 1, 0, DUE)
    assert records.claim(KEY, PERIOD, DUE, DUE + timedelta(seconds=1), LEASE) is None
    assert records.claim(KEY, "2026-W50", DUE, DUE, LEASE) is not None


def test_a_claim_whose_owner_died_is_taken_over_after_the_lease(store):
    records = store.scheduling
    records.claim(KEY, PERIOD, DUE, DUE, LEASE)
    assert records.claim(KEY, PERIOD, DUE, DUE + LEASE - timedelta(seconds=1), LEASE) is None
    taken = records.claim(KEY, PERIOD, DUE, DUE + LEASE + timedelta(seconds=1), LEASE)
    assert (taken.status, taken.attempts) == ("claimed", 2)


def test_a_finished_run_is_never_claimed_again(store):
    records = store.scheduling
    run = records.claim(KEY, PERIOD, DUE, DUE, LEASE)
    records.step_done(run.id, 1, "1700000000.000001")
    records.finish(run.id, DUE)
    assert records.claim(KEY, PERIOD, DUE, DUE + timedelta(days=1), LEASE) is None
    done = records.run(KEY, PERIOD)
    assert (done.status, done.steps_done, done.message_ts) == ("posted", 1, "1700000000.000001")


def test_a_failed_run_is_retried_at_its_time_and_a_given_up_one_never(store):
    records = store.scheduling
    run = records.claim(KEY, PERIOD, DUE, DUE, LEASE)
    records.fail(run.id, DUE, "Slack refused: ratelimited", DUE + timedelta(minutes=1))
    assert records.claim(KEY, PERIOD, DUE, DUE + timedelta(seconds=59), LEASE) is None
    again = records.claim(KEY, PERIOD, DUE, DUE + timedelta(minutes=1), LEASE)
    assert again.attempts == 2
    records.fail(again.id, DUE, "Slack refused: channel_not_found", None)
    assert records.claim(KEY, PERIOD, DUE, DUE + timedelta(days=1), LEASE) is None
    assert records.run(KEY, PERIOD).given_up


def test_a_skip_is_recorded_once_and_never_over_a_run(store):
    records = store.scheduling
    assert records.record_skip(KEY, PERIOD, DUE, DUE + GRACE * 2, "missed")
    assert not records.record_skip(KEY, PERIOD, DUE, DUE + GRACE * 3, "missed again")
    assert records.claim(KEY, PERIOD, DUE, DUE + GRACE * 3, LEASE) is None
    records.claim(KEY, "2026-W50", DUE, DUE, LEASE)
    assert not records.record_skip(KEY, "2026-W50", DUE, DUE, "missed")
    assert [(r.status, r.error) for r in records.recent_problems(DUE)] == [("skipped", "missed")]


def test_runs_that_cannot_finish_within_the_grace_are_given_up_and_shown(store):
    records = store.scheduling
    dead = records.claim("digest:C1", PERIOD, DUE, DUE, LEASE)
    waiting = records.claim("digest:C2", PERIOD, DUE, DUE, LEASE)
    records.fail(waiting.id, DUE, "Slack refused: ratelimited", DUE + timedelta(minutes=5))
    assert records.expire(DUE + GRACE, GRACE, LEASE) == 0
    assert records.expire(DUE + GRACE + timedelta(seconds=1), GRACE, LEASE) == 2
    problems = {r.job_key: r for r in records.recent_problems(DUE)}
    assert problems["digest:C1"].id == dead.id
    assert (problems["digest:C1"].error, problems["digest:C1"].given_up) == (INTERRUPTED, True)
    assert (problems["digest:C2"].error, problems["digest:C2"].given_up) == (
        "Slack refused: ratelimited",
        True,
    )


def test_schedules_are_one_per_channel_and_setting_again_replaces(store):
    records = store.scheduling
    first = StoredSchedule("C1", 0, 9, 0, "Europe/Berlin", False, "U1", DUE, DUE)
    assert records.save_schedule(first)
    later = DUE + timedelta(days=1)
    changed = StoredSchedule("C1", 4, 17, 30, "America/New_York", True, "U2", later, later)
    assert not records.save_schedule(changed)
    (stored,) = records.schedules()
    assert (stored.weekday, stored.hour, stored.timezone, stored.skip_unchanged) == (
        4,
        17,
        "America/New_York",
        True,
    )
    assert (stored.created_at, stored.updated_at) == (DUE, later)
    assert records.delete_schedule("C1")
    assert not records.delete_schedule("C1")
    assert records.schedules() == []


def test_heartbeat_keeps_the_latest_beat(store):
    records = store.scheduling
    assert records.heartbeat() is None
    records.beat(DUE, DUE, "host-a:1")
    records.beat(DUE + timedelta(minutes=1), DUE, "host-a:1")
    beat = records.heartbeat()
    assert (beat.beat_at, beat.started_at, beat.owner) == (
        DUE + timedelta(minutes=1),
        DUE,
        "host-a:1",
    )
