"""A seeded, realistic pair of AJO and CJA histories, for the demo and for tests.

Nine journeys over email, SMS and push, 75 days, five captures per product. The gaps are
the ones Adobe documents, in realistic sizes: CJA processes the latest day later
(processing lag), AJO's Sent counts messages still in the retry queue for about 3.5 days
(retries), and the two data sources drift apart by under 2 % (data source). One journey's
clicks are short in CJA well beyond that, as a data-view filter would make them: the kind of
gap Parity should call unexplained (and alert on from the first capture of both products).

One incident comes and goes: the CJA capture of a week ago has no Welcome Series rows for
three days (the journey was republished, and CJA could not name the new version's events
until the AJO Entity Dataset caught up); CJA reprocessed them, and the next capture has
them. Missing data that a later snapshot resolves: an alert that opens, then resolves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd

from bot.ingest.frame import CANONICAL_COLUMNS, FRAME_DTYPES

HISTORY_DAYS = 75
# Captures before today, in days; the last capture is today, shortly before "now".
CAPTURE_AGES = (21, 14, 7, 1)


@dataclass(frozen=True)
class Journey:
    journey_id: str
    name: str
    channel: str
    actions: tuple[str, ...]
    daily_sends: int
    # Days before today the journey started sending (None = before the history began).
    started_days_ago: int | None = None


JOURNEYS = (
    Journey("jo-1001", "Welcome Series", "email", ("Welcome email", "Day 3 tips"), 4200),
    Journey("jo-1002", "Cart Abandon Reminder", "email", ("First reminder",), 2600),
    Journey("jo-1003", "Onboarding Push Series", "push", ("Push 1", "Push 2"), 3100),
    Journey("jo-1004", "Win-back Offer", "email", ("Offer email",), 1300),
    Journey("jo-1005", "Black Friday Promo", "email", ("Teaser", "Launch"), 21000, 12),
    Journey("jo-1006", "Order Confirmation SMS", "sms", ("Confirmation",), 1800),
    Journey("jo-1007", "Birthday Email", "email", ("Birthday",), 320),
    Journey("jo-1008", "Re-engagement Campaign", "email", ("Nudge",), 950),
    Journey("jo-1009", "Price Drop Alert", "push", ("Alert",), 700),
)

# Final share of sends per metric and channel (AJO's numbers once everything settled).
RATES = {
    "email": {
        "delivered": 0.975,
        "bounces": 0.014,
        "errors": 0.001,
        "excluded": 0.03,
        "opens": 0.24,
        "clicks": 0.032,
        "unsubscribes": 0.0016,
        "spam_complaints": 0.0002,
    },
    "push": {"delivered": 0.965, "bounces": 0.02, "errors": 0.002, "excluded": 0.06, "opens": 0.05},
    "sms": {
        "delivered": 0.985,
        "bounces": 0.01,
        "errors": 0.001,
        "excluded": 0.02,
        "clicks": 0.025,
    },
}

RETRY_SHARE = 0.022  # of an email's sends waiting in the retry queue on the day it is sent
RETRY_HOURS = 84  # AJO's default retry period
UNEXPLAINED = ("Win-back Offer", "clicks", 0.91)  # CJA keeps 91 %: a data-view filter
# (journey, age in days of the CJA capture that lacks it, ages of the days it lacks today)
INCIDENT = ("Welcome Series", 7, (12, 11, 10))


def _truth(rng: np.random.Generator, today: date) -> pd.DataFrame:
    """Final counts per journey, action, day and metric, as AJO reports them once settled."""
    days = pd.date_range(today - timedelta(days=HISTORY_DAYS - 1), today, freq="D")
    frames = []
    for journey in JOURNEYS:
        for action_index, action in enumerate(journey.actions):
            weekday = np.where(days.day_of_week >= 5, 0.62, 1.0)
            trend = np.linspace(0.9, 1.1, len(days))
            base = journey.daily_sends / (1 + action_index)
            sends = rng.poisson(base * weekday * trend * rng.lognormal(0, 0.12, len(days)))
            columns = {"sent": sends}
            for metric, rate in RATES[journey.channel].items():
                columns[metric] = rng.binomial(sends, rate)
            frame = pd.DataFrame({"day": days, **columns})
            if journey.started_days_ago is not None:
                frame = frame.iloc[len(days) - journey.started_days_ago :]
            frame = frame.melt(id_vars="day", var_name="metric", value_name="value")
            frame["journey"] = journey.name
            frame["journey_id"] = journey.journey_id
            frame["action"] = action
            frame["channel"] = journey.channel
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _capture(
    rng: np.random.Generator,
    truth: pd.DataFrame,
    captured_at: datetime,
    drift: dict[str, float],
    today: date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What each product shows at `captured_at`: (ajo, cja) canonical frames."""
    capture_day = captured_at.date()
    seen = truth[truth["day"].dt.date <= capture_day].copy()
    age_days = (pd.Timestamp(capture_day) - seen["day"]).dt.days.to_numpy()
    hours_into_day = captured_at.hour + captured_at.minute / 60
    age_hours = age_days * 24 + hours_into_day - 12  # sends happen around midday

    # The capture day is only partly over: both products have the first hours of it.
    elapsed = np.where(age_days == 0, max(hours_into_day / 24, 0.05), 1.0)
    ajo = rng.binomial(seen["value"].to_numpy(), elapsed)

    # Messages still in the retry queue: counted in AJO's Sent, not in CJA's.
    is_sent = (seen["metric"] == "sent").to_numpy() & (seen["channel"] == "email").to_numpy()
    pending = np.clip(1 - np.maximum(age_hours, 0) / RETRY_HOURS, 0, 1) * RETRY_SHARE
    retrying = np.where(is_sent, rng.binomial(ajo, pending), 0)

    # CJA processes later (the capture day is behind, yesterday nearly done), and its data
    # source drifts by well under 2 %.
    processed = np.select([age_days == 0, age_days == 1], [0.78, 0.998], 1.0)
    keep = processed * (1 - seen["journey"].map(drift).to_numpy())
    name, metric, share = UNEXPLAINED
    filtered = (seen["journey"] == name).to_numpy() & (seen["metric"] == metric).to_numpy()
    keep = np.where(filtered, keep * share, keep)
    cja = rng.binomial(ajo - retrying, np.clip(keep, 0, 1))

    ajo_frame = seen.assign(value=ajo)
    retries = seen.loc[is_sent].assign(metric="retries", value=retrying[is_sent])
    ajo_frame = pd.concat([ajo_frame, retries], ignore_index=True)
    cja_frame = seen.assign(value=cja, journey_id="")  # CJA exports carry names only
    cja_frame = cja_frame.loc[~_lost(cja_frame, captured_at, today)]
    return (
        _canonical(ajo_frame, "ajo", captured_at),
        _canonical(cja_frame, "cja", captured_at),
    )


def _lost(frame: pd.DataFrame, captured_at: datetime, today: date) -> np.ndarray:
    """The rows the incident's CJA capture lacks (none in every other capture)."""
    journey, capture_age, day_ages = INCIDENT
    if captured_at.date() != today - timedelta(days=capture_age):
        return np.zeros(len(frame), dtype=bool)
    days = [pd.Timestamp(today - timedelta(days=age)) for age in day_ages]
    return ((frame["journey"] == journey) & frame["day"].isin(days)).to_numpy()


def _canonical(frame: pd.DataFrame, source: str, captured_at: datetime) -> pd.DataFrame:
    frame = frame.assign(source=source, captured_at=pd.Timestamp(captured_at))
    return frame[list(CANONICAL_COLUMNS)].astype(FRAME_DTYPES).reset_index(drop=True)


def generate(today: date, now: datetime | None = None, seed: int = 7) -> list[pd.DataFrame]:
    """Canonical frames, one per product and capture, oldest capture first."""
    rng = np.random.default_rng(seed)
    truth = _truth(rng, today)
    drift = {j.name: float(rng.uniform(0.0005, 0.004)) for j in JOURNEYS}
    latest = now or datetime.combine(today, time(14, 0), UTC)
    if latest.date() != today:
        latest = datetime.combine(today, time(14, 0), UTC)
    captures = [
        datetime.combine(today - timedelta(days=age), time(6, 0), UTC) for age in CAPTURE_AGES
    ] + [latest]
    frames = []
    for captured_at in captures:
        frames.extend(_capture(rng, truth, captured_at, drift, today))
    return frames
