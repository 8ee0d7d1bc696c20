"""After a snapshot lands or changes: the alert checks, and the alerts' delivery, once each.

`after_snapshots` is the one hook every path that stores or drops a snapshot calls: the CLI
ingest, a file shared in Slack, a scheduled pull, a refresh on demand (and anything that
drops a snapshot, with a Change). Each check is a guarded run ("alerts:check", one period
per snapshot), so a snapshot is checked once however many processes see it, and one whose
process died before checking it is checked by the clock's sweep (`due`).

Each revision an episode gets is delivered by one guarded run ("alert:<id>", "r<revision>"):
the episode's first message is itself a run ("post"), so two processes delivering two
revisions at once post one message; every later revision edits it in place (chat.update),
and adds a short line in its thread when the change is worth telling: it grew or shrank
materially, it resolved or came back, someone acknowledged or muted it. A muted episode is
edited silently and never posted; an acknowledged one gets no more lines until it resolves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from bot.alerts.checks import Change
from bot.alerts.episodes import tells_thread
from bot.alerts.runner import run_checks
from bot.clock.guard import Outcome, Runtime, SkipRun, guarded
from bot.query import Query
from bot.slack.alerts import alert_message, post_alert, post_line, thread_line, update_alert
from bot.store import SnapshotReport
from bot.store.episodes import Episode, Event, Revision
from bot.store.runs import Run

log = logging.getLogger(__name__)

CHECK_KEY = "alerts:check"
# How long a delivery waits for another process to post the episode's first message.
POST_WAIT_SECONDS = 15.0


def after_snapshots(
    runtime: Runtime, landed: Iterable[SnapshotReport | Change], key: str = "snapshot"
) -> list[Outcome]:
    """Check what the snapshots changed, and tell the watching channels: the hook.

    `landed` holds the reports of stored snapshots (duplicates are skipped: nothing
    changed) or Changes (a dropped snapshot: its source, journeys, days and id). `key` says
    what happened to each, for the once-only guard's period: "snapshot" (it arrived, the
    default) or, say, "drop" (it was dropped): "drop:12" is checked once."""
    landed = list(landed)
    if not landed or not runtime.store.alerts.watches():  # nobody is told: nothing to check
        return []
    outcomes = []
    for item in landed:
        if getattr(item, "duplicate", False):
            continue
        change = item if isinstance(item, Change) else Change.of(item)
        period = f"{key}:{change.snapshot_id}"
        outcomes.append(check_once(runtime, change, period))
    return outcomes


def check_once(runtime: Runtime, change: Change, period: str) -> Outcome:
    """One guarded check of one change, then the delivery of what it changed."""
    now = runtime.now()

    def work(run: Run) -> str:
        parity = runtime.parity
        revisions = run_checks(
            parity, [change], now, parity.today(), lambda revision: deliver(runtime, revision)
        )
        return f"{len(revisions)} episode change(s)"

    return guarded(runtime, CHECK_KEY, period, now, now, work)


def deliver(runtime: Runtime, revision: Revision | Event) -> Outcome | None:
    """Tell the channel about one revision of an episode; None without a Slack token (the
    revision waits for a process that has one: the clock's sweep)."""
    if runtime.client is None:
        return None
    if isinstance(revision, Revision):
        episode_id, number = revision.episode.id, revision.episode.revision
        kind, note = revision.kind, revision.note
    else:
        episode_id, number, kind, note = (
            revision.episode_id, revision.revision, revision.kind, revision.note
        )  # fmt: skip
    now = runtime.now()

    def work(run: Run) -> str:
        episode = runtime.store.alerts.episode(episode_id)
        if episode is None:
            raise SkipRun("the episode is gone")
        if episode.message_ts is None:
            if episode.muted(now):
                raise SkipRun("muted: nothing posted")
            if not episode.is_open:
                raise SkipRun("resolved before its alert went out")
            first = guarded(
                runtime, episode.job_key, "post", now, now, lambda r: _post(runtime, r, episode_id)
            )
            if first.status == "posted":
                return "posted"
            if first.status != "busy":  # it failed: this revision is retried with it
                raise RuntimeError(f"the alert was not posted: {first.detail or first.status}")
            episode = _posted_elsewhere(runtime, episode_id)
        client, channel = runtime.client, episode.channel_id
        update_alert(client, channel, episode.message_ts, alert_message(episode, now))
        if tells_thread(episode, kind, now):
            post_line(client, channel, episode.message_ts, thread_line(episode, kind, note, now))
            return f"updated; {kind} told in the thread"
        return "updated"

    return guarded(runtime, f"alert:{episode_id}", f"r{number}", now, now, work)


def _post(runtime: Runtime, run: Run, episode_id: int) -> str:
    """The episode's first message, showing its latest revision, with the buttons' query."""
    episode = runtime.store.alerts.episode(episode_id)
    now = runtime.now()
    answer_id = runtime.store.save_answer(
        user_id="",
        channel_id=episode.channel_id,
        question=f"alert: {episode.journey}, {episode.cause}",
        query=_query(episode),
        headline=f"alert: {episode.journey}, {episode.cause}",
    )
    episode = replace(episode, answer_id=answer_id)
    ts = post_alert(runtime.client, episode.channel_id, alert_message(episode, now))
    runtime.store.alerts.set_delivery(episode_id, ts, answer_id)
    runtime.store.scheduling.step_done(run.id, 1, ts)
    return ts


def _query(episode: Episode) -> Query:
    """What By day and Chart show: the episode's journey and metrics over its days."""
    return Query(
        "reconcile", episode.gap_start, episode.last_day, episode.metrics, (episode.journey,)
    )


def _posted_elsewhere(runtime: Runtime, episode_id: int) -> Episode:
    """The episode once the process posting its first message has recorded where."""
    for _ in range(int(POST_WAIT_SECONDS / 0.5)):
        episode = runtime.store.alerts.episode(episode_id)
        if episode.message_ts is not None:
            return episode
        time.sleep(0.5)
    raise RuntimeError("another process is still posting this episode's first message")


def due(runtime: Runtime, now: datetime) -> list[Outcome]:
    """What a process left undone within the grace: checks of stored snapshots, and
    deliveries of stored revisions (the clock's sweep calls this every minute)."""
    since = now - runtime.grace
    outcomes = []
    if runtime.store.alerts.watches():
        records = runtime.store.scheduling
        for snapshot in runtime.store.snapshots_since(since):
            period = f"snapshot:{snapshot.id}"
            done = records.run(CHECK_KEY, period)
            if done is not None and not (done.status == "failed" and done.retry_at):
                continue
            source, first, last, journeys = runtime.store.snapshot_span(snapshot.id)
            change = Change(source, journeys, first, last, snapshot.id)
            outcomes.append(check_once(runtime, change, period))
    if runtime.client is None:
        return outcomes
    events = {(e.episode_id, e.revision): e for e in runtime.store.alerts.events_since(since)}
    pending = list(runtime.store.alerts.undelivered(since))
    for run in runtime.store.scheduling.retryable("alert:", now):
        number = run.period.removeprefix("r")
        event = events.get((int(run.subject), int(number))) if number.isdigit() else None
        if event is not None:
            pending.append(event)
    outcomes += [o for o in (deliver(runtime, event) for event in pending) if o is not None]
    return [o for o in outcomes if o.status not in ("busy", "late")]
