"""Answering: question -> Query -> store -> reconciliation -> rendered Answer.

The one entry point the CLI, the Slack handlers and the scheduler share, and the one place
where errors become replies: a ParityError is told to the person as it is; anything else is
logged with a traceback and the person gets an apology with an error id.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter

import pandas as pd

from bot.answers.comparison import Comparison, compare
from bot.answers.digest import Digest, build_digest
from bot.answers.render import digest_parts, render
from bot.answers.result_cache import ResultCache
from bot.clock.status import ClockStatus, clock_status
from bot.config import Settings
from bot.errors import NoSnapshots, ParityError
from bot.language import parse_question
from bot.language.offers import DATE_FORMS
from bot.language.premise import AJO_HIGHER
from bot.metrics import AJO_ONLY, DISPLAY_NAMES, METRICS
from bot.ops import telemetry
from bot.ops.memory import give_back
from bot.query import Query
from bot.reconcile import (
    SETTLE_HORIZON_DAYS,
    MetricResult,
    Pool,
    metrics_needed,
    reconcile,
    reconcile_pooled,
)
from bot.reconcile.channels import journey_channels
from bot.store import Calendars, SnapshotSource, Store
from bot.store.episodes import Episode
from bot.store.reader import SourceOverview
from bot.timing import Clock

log = logging.getLogger(__name__)

# What a person is told when answering failed for a reason that is not theirs (a bug, the
# database or Slack unreachable); the error id finds the traceback in the log.
APOLOGY = "Sorry, something went wrong on my side while answering that."

# Answers rendered whole by one template; reconciliations are rendered metric by metric.
_TEMPLATES = {"help": "help.j2", "unknown": "help.j2"}


@dataclass(frozen=True)
class Answer:
    """Everything a reply is rendered from; `to_dict()` is the JSON answer contract."""

    intent: str
    query: Query
    today: date
    now: datetime
    metrics: tuple[MetricResult, ...] = ()
    sources: tuple[SourceOverview, ...] = ()
    journeys: tuple[str, ...] = ()
    error: str | None = None
    error_id: str | None = None
    text: str = ""
    # The weekly digest (intent digest) and the clock's state (intent status).
    digest: Digest | None = None
    clock: ClockStatus | None = None
    # The time zones the compared days are in (reconcile, safe_range, digest).
    calendars: Calendars | None = None
    # Status: the open alert episodes, and how many watches there are.
    episodes: tuple[Episode, ...] = ()
    watches: int = 0
    # The second range of a comparison ("this week vs last week").
    comparison: Comparison | None = None
    # The one-line verdict and the sections of the reply, each rendered from its objects
    # (a metric's result, the comparison, the reading): Slack builds its blocks from these.
    headline: str = ""
    sections: tuple[str, ...] = ()
    # A digest's thread part (the journeys that did not fit in its message).
    thread: str = ""
    # The snapshots the numbers come from (reconcile, safe range): the JSON's `sources`.
    snapshots: tuple[SnapshotSource, ...] = ()

    @property
    def compared_metrics(self) -> tuple[MetricResult, ...]:
        """Results of metrics both products report (AJO-only ones are told apart)."""
        return tuple(m for m in self.metrics if m.metric not in AJO_ONLY)

    @property
    def ajo_only(self) -> tuple[str, ...]:
        return tuple(m.metric for m in self.metrics if m.metric in AJO_ONLY)

    @property
    def unexplained_metrics(self) -> tuple[str, ...]:
        return tuple(m.metric for m in self.compared_metrics if m.unexplained)

    @property
    def premise_contradicted(self) -> tuple[MetricResult, ...]:
        """The compared metrics whose numbers run against the product the question took to
        be higher ("why is CJA lower?" where CJA's is higher)."""
        if self.query.premise is None:
            return ()
        ajo_higher = self.query.premise == AJO_HIGHER
        return tuple(m for m in self.compared_metrics if m.delta and (m.delta > 0) != ajo_higher)

    def to_dict(self) -> dict:
        result = {
            "intent": self.intent,
            "query": self.query.to_dict(),
            "metrics": [metric.to_dict() for metric in self.metrics],
            "text": self.text,
            "today": self.today.isoformat(),
        }
        if self.sources:
            result["sources"] = [source.to_dict() for source in self.sources]
        elif self.snapshots:
            result["sources"] = [snapshot.to_dict() for snapshot in self.snapshots]
        if self.error:
            result["error"] = {"message": self.error, "id": self.error_id}
        if self.digest:
            result["digest"] = self.digest.to_dict()
        if self.clock:
            result["clock"] = self.clock.to_dict()
        if self.calendars and self.calendars.sources:
            result["calendars"] = self.calendars.to_dict()
        if self.intent == "status" and not self.error:
            result["alerts"] = {
                "watches": self.watches,
                "open": [episode.to_dict() for episode in self.episodes],
            }
        if self.comparison:
            result["comparison"] = self.comparison.to_dict()
        if self.ajo_only:
            result["ajo_only"] = list(self.ajo_only)
        if self.query.premise and self.metrics:
            result["premise"] = {
                "said": self.query.premise,
                "contradicted": [m.metric for m in self.premise_contradicted],
            }
        return result


def new_error_id() -> str:
    """A short id a person can quote and the log can be searched for."""
    return uuid.uuid4().hex[:8]


@dataclass
class Parity:
    """The application: a store and settings, answering questions."""

    store: Store
    settings: Settings
    # Where now and today come from; by default the settings' (a pinned PARITY_TODAY).
    clock: Clock | None = None
    results: ResultCache = field(default_factory=lambda: ResultCache(name="results"), repr=False)
    histories: ResultCache = field(
        default_factory=lambda: ResultCache(name="histories"), repr=False
    )
    # What a diagnosis pools over every journey (bot.reconcile.pool), per store version,
    # range, metrics and today: a question about some journeys reads only their cells.
    pools: ResultCache = field(default_factory=lambda: ResultCache(name="pools"), repr=False)

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = self.settings.clock()

    def today(self) -> date:
        return self.clock.today()

    def ask(
        self,
        question: str,
        today: date | None = None,
        flavour: str = "plain",
        *,
        conversation: str | None = None,
        intent: str | None = None,
    ) -> Answer:
        """Answer a free-text question; never raises.

        `conversation` names a thread, DM or chat session: a follow-up there keeps what it
        does not change from the conversation's previous query. `intent` is set by a slash
        command that already says what it wants ("/parity safe sent").
        """
        started = perf_counter()
        answer = self._ask(question, today, flavour, conversation, intent)
        telemetry.QUESTION_SECONDS.labels(answer.intent).observe(perf_counter() - started)
        return answer

    def _ask(
        self,
        question: str,
        today: date | None,
        flavour: str,
        conversation: str | None,
        intent: str | None,
    ) -> Answer:
        today = today or self.today()
        query = Query(intent="unknown", start=today, end=today)
        try:
            query = self.read(question, today, conversation=conversation, intent=intent)
            return self.answer(query, today, flavour)
        except ParityError as error:
            return self._failure(query, today, str(error), None, flavour)
        except Exception:
            error_id = new_error_id()
            log.exception("error %s answering %r", error_id, question)
            return self._failure(query, today, APOLOGY, error_id, flavour)

    def apology(self, error_id: str, flavour: str = "mrkdwn") -> Answer:
        """The apology `ask` gives, for work that failed outside it (a mention whose event
        could not be claimed, a button whose stored answer could not be read): every
        surface tells people the same thing. Reads no store, so it works while the
        database is down."""
        today = self.today()
        query = Query(intent="unknown", start=today, end=today)
        return self._failure(query, today, APOLOGY, error_id, flavour)

    def read(
        self,
        question: str,
        today: date,
        *,
        conversation: str | None = None,
        intent: str | None = None,
    ) -> Query:
        """The question as a Query, read against the stored journeys (and the
        conversation's previous query, which this one then replaces)."""
        names = self.store.journey_names()
        previous = self.store.previous_query(conversation) if conversation else None
        query = parse_question(
            question,
            today=today,
            journeys=sorted(set(names.values())),
            previous=previous,
            date_order=self.settings.date_order,
            intent=intent,
        )
        if conversation and query.intent not in ("help", "unknown"):
            self.store.remember_query(conversation, query)
        return query

    def answer(self, query: Query, today: date, flavour: str = "plain") -> Answer:
        """Answer an already parsed query (buttons and schedules re-run stored queries).

        Whatever the answer's frames took is free once it is rendered, answered or failed:
        handed back to the system, so a worker does not stay as large as the largest
        question it ever answered (bot.ops.memory)."""
        try:
            return self._answer(query, today, flavour)
        finally:
            give_back()

    def _answer(self, query: Query, today: date, flavour: str) -> Answer:
        now = self.clock.now()
        answer = Answer(intent=query.intent, query=query, today=today, now=now)
        if query.unclear:  # asked back: nothing is computed for a question not understood
            return self.render(answer, flavour)
        if query.intent in ("reconcile", "safe_range"):
            calendars = self.store.calendars(self.settings.timezone)
            answer = replace(
                answer,
                metrics=self.reconcile(query, today, calendars),
                calendars=calendars,
                snapshots=self.snapshot_sources(query),
            )
            if query.compare:
                start, end = query.compare
                earlier = replace(query, start=start, end=end, compare=None)
                before = self.reconcile(earlier, today, calendars)
                answer = replace(
                    answer,
                    comparison=compare(start, end, answer.metrics, before),
                    snapshots=merged(answer.snapshots, self.snapshot_sources(earlier)),
                )
        elif query.intent == "digest":
            digest = build_digest(self, today, now, query)
            answer = replace(
                answer,
                query=digest.query,
                metrics=digest.metrics,
                digest=digest,
                calendars=digest.calendars,
            )
        elif query.intent == "status":
            clock = clock_status(self.store, self.settings, now)
            alerts = self.store.alerts
            answer = replace(
                answer,
                sources=tuple(self.store.overview()),
                clock=clock,
                episodes=tuple(alerts.open_episodes()),
                watches=len(alerts.watches()),
            )
        elif query.intent in ("help", "unknown"):
            names = self.store.journey_names()
            answer = replace(answer, journeys=tuple(sorted(set(names.values()))))
        return self.render(answer, flavour)

    def reconcile(
        self, query: Query, today: date, calendars: Calendars | None = None
    ) -> tuple[MetricResult, ...]:
        """The results for a query, computed once per version of the stored data.

        Results change only when snapshots are ingested, and many people ask the same
        question the same day: identical queries share one computation (concurrent ones
        wait for it) until the store's version moves.
        """
        key = (query.metrics, query.journeys, query.start, query.end, today)
        version = self.store.version()
        if calendars is None:
            calendars = self.store.calendars(self.settings.timezone)
        # Calendars change only with a stored snapshot, so the version keys them too.
        return self.results.get(
            (key, version), lambda: self._reconcile(query, today, version, calendars)
        )

    def _reconcile(
        self, query: Query, today: date, version, calendars: Calendars
    ) -> tuple[MetricResult, ...]:
        names = self.store.journey_names()
        if not names:
            raise NoSnapshots(
                "Nothing is stored yet. Ingest an AJO and a CJA export first "
                "(python -m bot ingest FILE --source ajo), or run python -m bot demo."
            )
        keys = (self.store.journey_keys(query.journeys) if query.journeys else None) or None
        metrics = metrics_needed(query.metrics)
        # A day either side: the first and last days' neighbours, for the time-zone fit.
        start, end = query.start - timedelta(days=1), query.end + timedelta(days=1)
        history = self.history(today, metrics, version)
        # Each journey's channels: only email waits for retries (bot.reconcile.channels).
        channels = journey_channels(self.store.series_channels())
        # When CJA's latest numbers were captured: how fresh yesterday was then.
        captured_at = self.store.last_captured("cja")
        pool_key = (("pool", query.metrics, query.start, query.end, today), version)
        # Retry readings and rates are pooled across journeys, so a journey's answer is its
        # row of the all-journeys one. An answer read from every journey keeps what it
        # pooled (bot.reconcile.pool); a later question about some journeys for the range
        # ("By journey", then one) reads only their cells and splits them with that pool.
        answered = []

        def everyone() -> Pool:
            frame = self.store.comparison(start, end, metrics)
            # AJO's hourly counts (Query Service pulls): the time-zone shift is computed
            # from them where they cover the days (None when no pull kept any).
            hours = self.store.ajo_hours(start, end, metrics)
            results, pool = reconcile_pooled(
                frame,
                query,
                names,
                today,
                self.settings,
                history,
                calendars,
                keys,
                channels,
                hours=hours,
                captured_at=captured_at,
            )
            answered.append(results)
            return pool

        if keys is None:
            pool = everyone()
            self.pools.get(pool_key, lambda: pool)
            return answered[0]
        pool = self.pools.get(pool_key, everyone)
        if answered:
            return answered[0]
        frame = self.store.comparison(start, end, metrics, keys)
        return reconcile(
            frame,
            query,
            names,
            today,
            self.settings,
            history,
            calendars,
            keys,
            channels,
            pool,
            self.store.ajo_hours(start, end, metrics, keys),
            captured_at,
        )

    def snapshot_sources(self, query: Query) -> tuple[SnapshotSource, ...]:
        """The snapshots whose numbers an answer to `query` reads (once per store version)."""
        key = ("sources", query.metrics, query.journeys, query.start, query.end)

        def read() -> tuple[SnapshotSource, ...]:
            keys = self.store.journey_keys(query.journeys)
            metrics = metrics_needed(query.metrics)
            return tuple(self.store.snapshot_sources(query.start, query.end, metrics, keys))

        return self.results.get((key, self.store.version()), read)

    def history(self, today: date, metrics: tuple[str, ...], version=None) -> pd.DataFrame:
        """The snapshot history `reconcile` learns settling from, for these metrics.

        What history teaches changes only with new snapshots, and every question of a day
        reads the same history: read once per store version.
        """
        version = version or self.store.version()
        since = datetime.combine(today - timedelta(days=self.settings.history_days), time(), UTC)
        return self.histories.get(
            (version, since, metrics),
            lambda: self.store.settling_history(since, SETTLE_HORIZON_DAYS, metrics),
        )

    def render(self, answer: Answer, flavour: str = "plain") -> Answer:
        """The answer with its headline, sections and text, each rendered once from the
        objects it shows; the text is the sections joined, and always ends with how the
        question was read."""
        # Every answer, question, re-run or failure, is rendered here once: counted here.
        outcome = "error" if answer.error_id else "ok"
        telemetry.ANSWERS.labels(answer.intent, outcome).inc()
        context = {
            "answer": answer,
            "query": answer.query,
            "metric_names": [DISPLAY_NAMES[m] for m in METRICS],
            "journeys": answer.journeys,
            "digest": answer.digest,
            "ajo_only": AJO_ONLY,
            "date_forms": DATE_FORMS,
        }
        thread = ""
        if answer.error:
            sections = [render("error.j2", flavour, **context)]
        elif answer.query.unclear:
            sections = [render("clarify.j2", flavour, **context)]
        elif answer.digest is not None:
            headline, message, thread = digest_parts(answer.digest, flavour)
            answer = replace(answer, headline=headline, thread=thread)
            sections = [message]
        elif answer.intent in ("reconcile", "safe_range"):
            sections = self._result_sections(answer, flavour, context)
        elif answer.intent == "status":
            parts = ("overview", "schedules", "alerts")
            sections = [render("status.j2", flavour, **context, part=part) for part in parts]
        else:
            sections = [render(_TEMPLATES[answer.intent], flavour, **context)]
        if answer.intent not in ("help", "unknown", "status") or answer.query.unclear:
            sections.append(render("reading.j2", flavour, **context))
        sections = [section.strip("\n") for section in sections if section.strip()]
        headline = answer.headline or render("headline.j2", flavour, **context).strip()
        text = "\n\n".join(sections + ([thread.strip()] if thread.strip() else [])) + "\n"
        return replace(answer, headline=headline, sections=tuple(sections), text=text)

    @staticmethod
    def _result_sections(answer: Answer, flavour: str, context: dict) -> list[str]:
        template = "metric.j2" if answer.intent == "reconcile" else "metric_safe.j2"
        sections = []
        if answer.premise_contradicted:
            sections.append(render("premise.j2", flavour, **context))
        if answer.intent == "reconcile" and len(answer.compared_metrics) > 1:
            sections.append(render("summary.j2", flavour, **context))
        sections += [render(template, flavour, **{**context, "r": r}) for r in answer.metrics]
        if not answer.metrics:
            sections.append(render("headline.j2", flavour, **context))
        if answer.comparison is not None:
            sections.append(render("comparison.j2", flavour, **context))
        if answer.query.breakdown:
            by = answer.query.breakdown
            sections.append(render("breakdown.j2", flavour, **context, by=by))
        if answer.calendars and answer.calendars.differing:
            sections.append(render("calendars.j2", flavour, **context))
        return sections

    def _failure(
        self, query: Query, today: date, message: str, error_id: str | None, flavour: str
    ) -> Answer:
        answer = Answer(
            intent=query.intent,
            query=query,
            today=today,
            now=self.clock.now(),
            error=message,
            error_id=error_id,
        )
        return self.render(answer, flavour)


def merged(*lists: tuple[SnapshotSource, ...]) -> tuple[SnapshotSource, ...]:
    """Snapshots of two ranges as one list, each once, its numbers in both added up."""
    by_id: dict[int, SnapshotSource] = {}
    for snapshot in (s for listed in lists for s in listed):
        seen = by_id.get(snapshot.id)
        by_id[snapshot.id] = (
            replace(seen, numbers=seen.numbers + snapshot.numbers) if seen else snapshot
        )
    return tuple(sorted(by_id.values(), key=lambda s: (s.captured_at, s.id)))
