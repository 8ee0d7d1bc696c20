"""Every fact about a metric, in one table: METRIC_TABLE, one frozen `Metric` per metric.

Both products export the same counts under different names ("Sends", "Sends (AJO)",
"Messages successfully sent"...), people ask about them in their own words ("ctr"), and the
core needs to know which dataset a metric comes from, whether AJO's retries are in it and
which metrics witness it. All of that is one entry here: a metric added to the table is
parsed from every export, understood in questions, reconciled, explained and charted.
The names below the table (METRICS, DISPLAY_NAMES, LABEL_TO_METRIC) are views of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import process

# The two products Parity compares, as their numbers are tagged everywhere.
SOURCES: tuple[str, ...] = ("ajo", "cja")
SOURCE_NAMES: dict[str, str] = {"ajo": "AJO", "cja": "CJA"}


@dataclass(frozen=True)
class Dataset:
    """An AJO system dataset metrics are counted from (adobe-data.md §3.1)."""

    name: str
    # Said after the name where a person must find the dataset ("the Push Tracking one...").
    aside: str = ""

    @property
    def described(self) -> str:
        return f"{self.name} ({self.aside})" if self.aside else self.name


FEEDBACK = Dataset("AJO Message Feedback Event Dataset")
TRACKING = Dataset(
    "AJO Email Tracking Experience Event Dataset", "the Push Tracking one for push journeys"
)


@dataclass(frozen=True)
class Metric:
    """One canonical metric and everything Parity knows about it."""

    name: str  # canonical, as stored and in the JSON answer
    display: str  # as replies and charts name it
    # Spellings exports use for it (CJA components, Workspace columns, API names), compared
    # after normalize_label; the name itself is always one.
    labels: tuple[str, ...]
    dataset: Dataset
    # CJA's auto-configured component for it (Adobe's "(AJO)" names), for "add it" advice.
    component: str
    colour: str  # chart colour: dark enough for text on white
    # Free-text forms people type in questions, beyond the labels (singular and plural are
    # forgiven by bot.language's stemming, so each form is listed once).
    words: tuple[str, ...] = ()
    # The names AJO's own report widgets use (and only they: CJA's are "Sends (AJO)"...).
    ajo_labels: tuple[str, ...] = ()
    # The products that report it; a metric only AJO reports is evidence, not a comparison.
    products: tuple[str, ...] = SOURCES
    # The metric counting its messages still in AJO's retry queue, when AJO counts those in
    # it and CJA does not (Adobe, cja-ajo.md); None when retries never touch it.
    retry_queue: str | None = None
    # Metrics from its dataset that share its lag and time-zone shift but hold no retries:
    # they show how far CJA got on a day and how much of AJO's number is queued retries.
    witnesses: tuple[str, ...] = ()
    # AJO's retried messages end in it (Adobe, cja-ajo.md: retries "later resolve into
    # Messages successfully sent or Bounces"), so on a channel that retries its days wait
    # for the retry window like Sent's unless snapshot history shows them settled sooner.
    resolves_retries: bool = False
    # A metric AJO's hourly counts (Query Service) do not hold whose events follow this
    # one's within minutes: its time-zone shift is read from that metric's hours, scaled
    # (bot.reconcile.hourly). Query Service counts no Delivered; a delivery follows its send.
    hours_of: str | None = None

    @property
    def retry_affected(self) -> bool:
        return self.retry_queue is not None

    @property
    def evidence_only(self) -> bool:
        """Reported by AJO alone: evidence for another metric's gap, left out of "all
        metrics" (there is nothing in CJA to compare it with)."""
        return self.products == ("ajo",)


METRIC_TABLE: tuple[Metric, ...] = (
    Metric(
        "sent",
        "Sent",
        # Not "messages sent": CJA's calculated metric of that name counts something else
        # (NOT_THE_SAME below).
        labels=("sends", "send", "total sends", "outbound sends", "sends (ajo)",
                "outbound sends (ajo)"),
        ajo_labels=("Sent",),
        words=("sent", "sending", "sent messages", "send volume"),
        dataset=FEEDBACK,
        component="Sends (AJO)",
        colour="#1d4f91",
        retry_queue="retries",
        witnesses=("delivered", "bounces", "errors", "excluded"),
    ),
    Metric(
        "delivered",
        "Delivered",
        labels=("delivered (ajo)", "messages successfully sent", "successfully sent",
                "messages delivered", "deliveries"),
        ajo_labels=("Delivered",),
        words=("delivery", "deliveries", "delivered messages", "successful deliveries"),
        dataset=FEEDBACK,
        component="Delivered (AJO)",
        colour="#1e6b52",
        resolves_retries=True,
        hours_of="sent",
    ),
    Metric(
        "bounces",
        "Bounces",
        labels=("bounce", "bounces for outbound channels", "bounces for outbound channels (ajo)",
                "bounces for outbound sms", "bounces (ajo)", "bounces for outbound sms (ajo)"),
        ajo_labels=("Bounces",),
        words=("bounced", "bouncing", "bounce rate", "hard bounces", "soft bounces"),
        dataset=FEEDBACK,
        component="Bounces For Outbound Channels (AJO)",
        colour="#8a4b08",
        resolves_retries=True,
    ),
    Metric(
        "retries",
        "Retries",
        labels=("retry", "delay", "delays"),
        ajo_labels=("Retries",),
        words=("retried", "retrying", "retry queue"),
        dataset=FEEDBACK,
        component="Message Retry (AJO)",
        colour="#6f3f8f",
        products=("ajo",),
    ),
    Metric(
        "errors",
        "Errors",
        labels=("error", "send errors", "outbound errors", "outbound errors (ajo)",
                "outbound sms errors", "errors (ajo)", "send errors (ajo)",
                "outbound sms errors (ajo)"),
        ajo_labels=("Errors",),
        words=("failures", "failed", "failed sends", "send failures"),
        dataset=FEEDBACK,
        component="Outbound Errors (AJO)",
        colour="#a4262c",
    ),
    Metric(
        "excluded",
        "Excluded",
        labels=("exclusions", "excludes", "exclude", "send exclusions", "outbound exclusions",
                "outbound exclusions (ajo)", "outbound sms exclusions", "exclusions (ajo)",
                "send exclusions (ajo)", "outbound sms exclusions (ajo)"),
        ajo_labels=("Excluded",),
        words=("exclusion", "excluding", "suppressions", "suppressed"),
        dataset=FEEDBACK,
        component="Outbound Exclusions (AJO)",
        colour="#555555",
    ),
    Metric(
        "opens",
        "Opens",
        labels=("open", "email opens", "email opens (ajo)"),
        ajo_labels=("Opens",),
        words=("opened", "open rate", "email open"),
        dataset=TRACKING,
        component="Email Opens (AJO)",
        colour="#0b6a77",
    ),
    Metric(
        "clicks",
        "Clicks",
        labels=("click", "email clicks", "clicks (ajo)", "outbound clicks (ajo)",
                "email clicks (ajo)"),
        ajo_labels=("Clicks",),
        words=("clicked", "click through", "clickthroughs", "click through rate", "ctr"),
        dataset=TRACKING,
        component="Clicks (AJO)",
        colour="#5c5a00",
    ),
    Metric(
        "unsubscribes",
        "Unsubscribes",
        labels=("unsubscribe", "unsubscriptions", "unsubscription", "unsubscribes (ajo)",
                "email unsubscribes", "email unsubscribes (ajo)"),
        ajo_labels=("Unsubscribe", "Unsubscriptions"),
        words=("unsubs", "unsubscribed", "opt outs", "optouts", "opted out"),
        dataset=TRACKING,
        component="Unsubscribes (AJO)",
        colour="#8c2f5c",
    ),
    Metric(
        "spam_complaints",
        "Spam complaints",
        labels=("spam complaints", "spam complaint", "spam complaint (ajo)",
                "spam complaints (ajo)", "spam"),
        ajo_labels=("Spam complaints", "Spam"),
        words=("complaints", "spam reports", "marked as spam"),
        dataset=TRACKING,
        component="Spam Complaint (AJO)",
        colour="#6e4b2a",
    ),
    Metric(
        "displays",
        "Displays",
        labels=("display", "displays (ajo)"),
        words=("displayed", "impressions"),
        dataset=TRACKING,
        component="Displays (AJO)",
        colour="#3d5a1e",
    ),
)  # fmt: skip

_BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRIC_TABLE}


def metric_facts(name: str) -> Metric:
    """The table's entry for a canonical metric name (KeyError names an unknown one)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"'{name}' is not a metric in bot.metrics.METRIC_TABLE") from None


# Views of the table, for the many callers that want only one fact.
METRICS: tuple[str, ...] = tuple(metric.name for metric in METRIC_TABLE)
DISPLAY_NAMES: dict[str, str] = {metric.name: metric.display for metric in METRIC_TABLE}
# Counts only AJO reports: a question about one is answered "AJO-only: CJA has no such
# metric", never diagnosed as missing data.
AJO_ONLY: frozenset[str] = frozenset(m.name for m in METRIC_TABLE if m.evidence_only)


# Labels that look like a metric Parity compares but count something else: a file naming
# one is told why instead of being read as that metric (CJA-DOCS help/integrations/ajo.md,
# the calculated metrics of the older manual set-up).
NOT_THE_SAME: dict[str, str] = {
    "messages sent": (
        "'Messages Sent' is CJA's calculated metric Sends + Bounces − Bounces After Delivery, "
        "not AJO's Sent: put 'Sends (AJO)' (or Sends) in the export instead"
    ),
}


def not_the_same(label: str) -> str | None:
    """Why a label is refused although it names a metric-like count, or None."""
    return NOT_THE_SAME.get(normalize_label(label).removesuffix(" (ajo)"))


def normalize_label(label: str) -> str:
    """Lower-case, underscores as spaces, single spaces: how labels are compared."""
    return re.sub(r"\s+", " ", label.replace("_", " ")).strip().casefold()


LABEL_TO_METRIC: dict[str, str] = {
    normalize_label(label): metric.name
    for metric in METRIC_TABLE
    for label in (metric.name, *metric.labels, *metric.ajo_labels)
}


def metric_for_label(label: str) -> str | None:
    """The canonical metric a product label names, or None."""
    return LABEL_TO_METRIC.get(normalize_label(label))


def closest_label(label: str) -> str | None:
    """The known label nearest to a misspelled one, for "did you mean" messages."""
    match = process.extractOne(normalize_label(label), LABEL_TO_METRIC.keys(), score_cutoff=60)
    return match[0] if match else None
