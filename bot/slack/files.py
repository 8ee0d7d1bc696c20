"""Exports shared in Slack: download (files:read), ingest through the CLI's parsers, report.

A file shared where Parity is (a channel it is a member of, or its DM) is read with the
same parsers as `python -m bot ingest`; one file is one transaction, so a bad file stores
nothing and the reply says exactly what is wrong with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from bot.answers.render import render
from bot.config import Settings
from bot.errors import BadInput
from bot.ingest import read_bytes
from bot.ingest.loading import Loaded, dropped_notes
from bot.slack.fetch import fetch
from bot.slack.present import text_messages
from bot.slack.progress import Progress
from bot.slack.replies import Replier, Target
from bot.store import Provenance, Store

MAX_BYTES = 200 * 1024 * 1024
_TABULAR = {"csv", "tsv", "text", "json", "txt"}


@dataclass(frozen=True)
class SharedFile:
    id: str
    name: str
    filetype: str
    size: int
    url: str

    @classmethod
    def from_event(cls, data: dict) -> SharedFile:
        return cls(
            id=data.get("id", ""),
            name=data.get("name") or data.get("title") or "file",
            filetype=(data.get("filetype") or "").lower(),
            size=int(data.get("size") or 0),
            url=data.get("url_private_download") or data.get("url_private") or "",
        )

    @property
    def looks_tabular(self) -> bool:
        return self.filetype in _TABULAR or self.name.lower().endswith((".csv", ".tsv", ".json"))


def source_hint(text: str, name: str) -> str | None:
    """ajo or cja when the message or file name says so ("cja export.csv")."""
    words = set(re.findall(r"[a-z]+", f"{text} {name}".lower()))
    found = words & {"ajo", "cja"}
    return found.pop() if len(found) == 1 else None


def download(settings: Settings, file: SharedFile) -> bytes:
    data = fetch(file.url, settings.slack_bot_token or "", settings.slack_api_url, MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise BadInput(f"the file is larger than {MAX_BYTES // 2**20} MB")
    return data


def _read(data: bytes, file: SharedFile, text: str, shared_at: datetime, today: date, limits):
    """Product exports say which product they are from; a plain CSV may need the hint.

    Rows that carry no capture time were captured when the file was shared. "dmy" or "mdy"
    in the message says how to read dates like 05/11/2026.
    """
    order = _DATE_ORDER.search(text or "")
    options = {
        "file_time": shared_at,
        "today": today,
        "date_order": order and order[1].lower(),
        "limits": limits,
    }
    try:
        return read_bytes(data, name=file.name, **options)
    except BadInput as error:
        hint = source_hint(text, file.name)
        if hint is None or "--source" not in error.problem:
            raise
        return read_bytes(data, name=file.name, source=hint, **options)


_DATE_ORDER = re.compile(r"\b(dmy|mdy)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Loading:
    """How far the load of one shared file got: downloading, reading (`size` bytes) or
    storing (`numbers`)."""

    name: str
    step: str
    size: int = 0
    numbers: int = 0


def ingest_shared(
    settings: Settings,
    store: Store,
    file: SharedFile,
    text: str,
    progress: Callable[[Loading], None] = lambda _: None,
) -> Loaded:
    """Download and store one shared file; the result says what was stored or what is wrong.
    `progress` is told each step as it starts."""
    try:
        clock = store.clock
        progress(Loading(file.name, "downloading"))
        data = download(settings, file)
        progress(Loading(file.name, "reading", size=len(data)))
        frame = _read(data, file, text, clock.now(), clock.today(), settings.limits)
        progress(Loading(file.name, "storing", numbers=len(frame)))
        source = Provenance(
            file_name=file.name,
            file_hash=hashlib.sha256(data).hexdigest(),
            format=frame.attrs.get("format"),
        )
        reports = tuple(store.save(frame, origin=f"slack:{file.name}", source=source))
        notes = (*frame.attrs.get("notes", ()), *dropped_notes(store, reports))
        return Loaded(file.name, reports, notes=notes)
    except BadInput as error:
        problem = str(error)
        if "--source" in problem:
            problem += " Share it again with 'ajo' or 'cja' in the message."
        if "--date-order" in problem:
            problem += " Share it again with 'dmy' or 'mdy' in the message."
        return Loaded(file.name, error=problem)
    except (OSError, ValueError) as error:  # ValueError: a malformed download URL
        return Loaded(file.name, error=f"I could not download it ({error}).")


def ingest_in_slack(
    settings: Settings,
    store: Store,
    replier: Replier,
    target: Target,
    shared: list[SharedFile],
    text: str,
) -> list[Loaded]:
    """Load the shared files one after the other and reply with what was stored. A load
    that takes longer than the working notice shows how it goes in one message, edited in
    place at each step and replaced by the report at the end."""
    progress = Progress(replier, target, after=settings.working_notice_seconds)

    def show(loading: Loading) -> None:
        progress.show(text_messages(render("loading.j2", "mrkdwn", loading=loading))[0])

    results = [ingest_shared(settings, store, f, text, show) for f in shared]
    replier.deliver(target, text_messages(report(results)), placeholder=progress.ts)
    return results


def report(results: list[Loaded]) -> str:
    return render("ingest.j2", "mrkdwn", files=results)
