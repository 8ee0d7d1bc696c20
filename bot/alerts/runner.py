"""After a snapshot lands (or is dropped): check, decide, and store what changed.

`run_checks` is the Slack-free half of the "after a snapshot" hook (bot.clock.alerting is
the whole hook, with delivery): it reads the watches, checks the changed days once for
every journey someone watches, and for each watch and cause lets bot.alerts.episodes decide
on the channel's latest episode, stored under bot.store.episodes' once-only rules. What it
returns is what to deliver: the revisions this process stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.alerts import actions, episodes
from bot.alerts.checks import ALERT_CAUSES, Change, JourneyCheck, Reconciler, check, window
from bot.metrics import METRICS
from bot.query import Query
from bot.store.episodes import Episode, Revision
from bot.store.watches import Watch, covering

# Button actions a person can take on an episode, and what each does.
ACTIONS = {
    "acknowledge": actions.acknowledge,
    "mute": actions.mute,
    "resolve": actions.resolve,
}


class Explainer:
    """The reconciliation's evidence for one journey, asked for only when a figure changes:
    the question "why don't these metrics match for X?", for the metrics that need it."""

    def __init__(self, parity: Reconciler, journey: str, today: date) -> None:
        self.parity, self.journey, self.today = parity, journey, today

    def __call__(self, cause: str):
        def explain(metrics: Sequence[str]) -> dict[str, tuple[str, str, str]]:
            if not metrics:
                return {}
            start, end = window(self.today)
            query = Query("reconcile", start, end, tuple(metrics), (self.journey,))
            found = {}
            for result in self.parity.reconcile(query, self.today):
                if (detail := result.detail(cause)) is not None:
                    found[result.metric] = (detail.evidence, detail.check, detail.confidence)
            return found

        return explain


def watched_metrics(watches: Sequence[Watch]) -> tuple[str, ...]:
    """The metrics any watch asks about (empty: all of them)."""
    if any(not w.metrics for w in watches):
        return ()
    wanted = {m for w in watches for m in w.metrics}
    return tuple(m for m in METRICS if m in wanted)


def watched_journeys(watches: Sequence[Watch]) -> set[str] | None:
    """The journeys some watch covers (None: every journey, an `all` watch exists)."""
    if any(w.covers_all for w in watches):
        return None
    return {w.journey for w in watches}


def run_checks(
    parity: Reconciler,
    changes: Sequence[Change],
    now: datetime,
    today: date,
    stored: Callable[[Revision], None] = lambda _: None,
) -> list[Revision]:
    """Check what `changes` touched and store each episode's change; the stored revisions.

    `stored` is handed each revision as soon as it is stored, so its alert can go out
    while the other journeys are still being decided."""
    records = parity.store.alerts
    watches = records.watches()
    if not watches or not changes:
        return []
    checks = check(
        parity, changes, today, watched_metrics(watches), journeys=watched_journeys(watches)
    )
    snapshot_id = changes[-1].snapshot_id
    revisions = []
    for journey_check in checks:
        explainer = Explainer(parity, journey_check.journey, today)
        for watch in covering(watches, journey_check.journey):
            for cause in ALERT_CAUSES:
                revision = _decide(
                    parity, watch, journey_check, cause, explainer, now, today, snapshot_id
                )
                if revision is not None:
                    revisions.append(revision)
                    stored(revision)
    return revisions


def _decide(
    parity: Reconciler,
    watch: Watch,
    journey_check: JourneyCheck,
    cause: str,
    explainer: Explainer,
    now: datetime,
    today: date,
    snapshot_id: int | None,
) -> Revision | None:
    settings = parity.settings
    policy = episodes.Policy(
        cause,
        watch.metrics,
        watch.threshold_pct,
        {metric: settings.tolerance_for(metric) for metric in METRICS},
    )

    def decide(current: Episode | None) -> Revision | None:
        return episodes.decide(
            current,
            journey_check,
            policy,
            channel_id=watch.channel_id,
            now=now,
            window_start=window(today)[0],
            explain=explainer(cause),
            snapshot_id=snapshot_id,
        )

    return parity.store.alerts.change(watch.channel_id, journey_check.journey, cause, decide)


def act(store, episode_id: int, action: str, user: str, now: datetime) -> Revision | None:
    """A person's button on an episode: acknowledge, mute (a week) or resolve it."""
    found = store.alerts.episode(episode_id)
    if found is None:
        return None
    step = ACTIONS[action]

    def decide(current: Episode | None) -> Revision | None:
        if current is None or current.id != episode_id:
            return None  # a newer episode has taken its place: the button is stale
        return step(current, user, now)

    return store.alerts.change(found.channel_id, found.journey, found.cause, decide)


def close_unwatched(store, user: str, now: datetime) -> list[Revision]:
    """Resolve the open episodes whose channel no longer hears about their journey (its
    watch was removed, or another channel took the journey by name): nobody would be told
    how they end. `user` changed the watches."""
    watches = store.alerts.watches()
    closed = []
    for episode in store.alerts.open_episodes():
        if any(w.channel_id == episode.channel_id for w in covering(watches, episode.journey)):
            continue

        def decide(current: Episode | None, episode_id: int = episode.id) -> Revision | None:
            if current is None or current.id != episode_id:
                return None
            return actions.resolve(current, user, now)

        revision = store.alerts.change(episode.channel_id, episode.journey, episode.cause, decide)
        if revision is not None:
            closed.append(revision)
    return closed
