"""Answering: question -> Query -> store -> reconciliation -> rendered Answer.

The one entry point the CLI, the Slack handlers and the scheduler share, and the one place
where errors become replies: a ParityError is told to the person as it is; anything else is
logged with a traceback and the person gets an apology with an error id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings
from bot.errors import BadInput, NoSnapshots, ParityError, UnknownJourney
from bot.ingest import read_file
from bot.language import parse_question
from bot.metrics import DISPLAY_NAMES, METRICS
from bot.query import Query
from bot.reconcile import MetricResult, metrics_needed, reconcile
from bot.render import render
from bot.store import SnapshotReport, Store
from bot.store.reader import SourceOverview

log = logging.getLogger(__name__)

_TEMPLATES = {
    "reconcile": "reconcile.j2",
    "safe_range": "safe_range.j2",
    "status": "status.j2",
    "help": "help.j2",
    "unknown": "help.j2",
    "digest": "reconcile.j2",
}


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

    @property
    def unexplained_metrics(self) -> tuple[str, ...]:
        return tuple(m.metric for m in self.metrics if m.unexplained)

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
        if self.error:
            result["error"] = {"message": self.error, "id": self.error_id}
        return result


@dataclass
class Parity:
    """The application: a store and settings, answering questions."""

    store: Store
    settings: Settings

    def today(self) -> date:
        return self.settings.today()

    def ask(self, question: str, today: date | None = None, flavour: str = "plain") -> Answer:
        """Answer a free-text question; never raises."""
        today = today or self.today()
        query = Query(intent="unknown", start=today, end=today)
        try:
            names = self.store.journey_names()
            query = parse_question(question, today=today, journeys=sorted(set(names.values())))
            return self.answer(query, today, flavour)
        except ParityError as error:
            return self._failure(query, today, str(error), None, flavour)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s answering %r", error_id, question)
            message = "Sorry, something went wrong on my side while answering that."
            return self._failure(query, today, message, error_id, flavour)

    def answer(self, query: Query, today: date, flavour: str = "plain") -> Answer:
        """Answer an already parsed query (buttons and schedules re-run stored queries)."""
        now = datetime.now(UTC)
        answer = Answer(intent=query.intent, query=query, today=today, now=now)
        if query.intent in ("reconcile", "safe_range", "digest"):
            answer = replace(answer, metrics=self.reconcile(query, today))
        elif query.intent == "status":
            answer = replace(answer, sources=tuple(self.store.overview()))
        elif query.intent in ("help", "unknown"):
            names = self.store.journey_names()
            answer = replace(answer, journeys=tuple(sorted(set(names.values()))))
        return replace(answer, text=self.render(answer, flavour))

    def reconcile(self, query: Query, today: date) -> tuple[MetricResult, ...]:
        names = self.store.journey_names()
        if not names:
            raise NoSnapshots(
                "Nothing is stored yet. Ingest an AJO and a CJA export first "
                "(python -m bot ingest FILE --source ajo), or run python -m bot demo."
            )
        if query.unmatched and not query.journeys:
            known = ", ".join(sorted(set(names.values())))
            wanted = ", ".join(f"'{u}'" for u in query.unmatched)
            raise UnknownJourney(f"No journey matches {wanted}. Known journeys: {known}.")
        keys = self.store.journey_keys(query.journeys)
        frame = self.store.comparison(query.start, query.end, metrics_needed(query.metrics), keys)
        return reconcile(frame, query, names, today, self.settings)

    def render(self, answer: Answer, flavour: str = "plain") -> str:
        template = "error.j2" if answer.error else _TEMPLATES[answer.intent]
        return render(
            template,
            flavour,
            answer=answer,
            metric_names=[DISPLAY_NAMES[m] for m in METRICS],
            journeys=answer.journeys,
        )

    def _failure(
        self, query: Query, today: date, message: str, error_id: str | None, flavour: str
    ) -> Answer:
        answer = Answer(
            intent=query.intent,
            query=query,
            today=today,
            now=datetime.now(UTC),
            error=message,
            error_id=error_id,
        )
        return replace(answer, text=self.render(answer, flavour))


@dataclass(frozen=True)
class FileResult:
    """What became of one file given to ingest."""

    name: str
    reports: tuple[SnapshotReport, ...] = ()
    error: str | None = None


def ingest_files(
    store: Store,
    paths: Sequence[str],
    source: str | None = None,
    captured_at: datetime | None = None,
) -> list[FileResult]:
    """Ingest each file in its own transaction; a bad file stores nothing and says why."""
    results = []
    for path in paths:
        try:
            frame = read_file(path, source=source, captured_at=captured_at)
            reports = store.save(frame, origin=Path(path).name)
            results.append(FileResult(path, tuple(reports)))
        except BadInput as error:
            results.append(FileResult(path, error=str(error.in_file(path))))
        except OSError as error:
            results.append(FileResult(path, error=f"cannot read the file: {error.strerror}"))
    return results
