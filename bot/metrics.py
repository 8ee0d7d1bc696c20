"""Canonical metric names and the product labels that map onto them.

Both products export the same counts under different names ("Sends", "Sends (AJO)",
"Messages successfully sent"...). Every parser and the question parser resolve labels
through this one table, so a label added here is understood everywhere.
"""

from __future__ import annotations

import re

from rapidfuzz import process

# The two products Parity compares, as their numbers are tagged everywhere.
SOURCES: tuple[str, ...] = ("ajo", "cja")

METRICS: tuple[str, ...] = (
    "sent",
    "delivered",
    "bounces",
    "retries",
    "errors",
    "excluded",
    "opens",
    "clicks",
    "unsubscribes",
    "spam_complaints",
    "displays",
)

# AJO's Sent includes messages still in the retry queue; CJA's does not (Adobe, cja-ajo.md).
RETRY_AFFECTED: frozenset[str] = frozenset({"sent"})

# AJO-only evidence, not a number the two products both report: left out of "all metrics".
EVIDENCE_ONLY: frozenset[str] = frozenset({"retries"})

DISPLAY_NAMES: dict[str, str] = {
    "sent": "Sent",
    "delivered": "Delivered",
    "bounces": "Bounces",
    "retries": "Retries",
    "errors": "Errors",
    "excluded": "Excluded",
    "opens": "Opens",
    "clicks": "Clicks",
    "unsubscribes": "Unsubscribes",
    "spam_complaints": "Spam complaints",
    "displays": "Displays",
}

# Labels as the products and their exports spell them (normalized: see normalize_label).
_LABELS: dict[str, tuple[str, ...]] = {
    "sent": (
        "sends",
        "send",
        "messages sent",
        "total sends",
        "outbound sends",
        "sends (ajo)",
        "outbound sends (ajo)",
    ),
    "delivered": (
        "delivered (ajo)",
        "messages successfully sent",
        "successfully sent",
        "messages delivered",
        "deliveries",
    ),
    "bounces": (
        "bounce",
        "bounces for outbound channels",
        "bounces for outbound channels (ajo)",
        "bounces for outbound sms",
        "bounces (ajo)",
        "bounces for outbound sms (ajo)",
    ),
    "retries": ("retry", "delay", "delays"),
    "errors": (
        "error",
        "send errors",
        "outbound errors",
        "outbound errors (ajo)",
        "outbound sms errors",
        "errors (ajo)",
        "send errors (ajo)",
        "outbound sms errors (ajo)",
    ),
    "excluded": (
        "exclusions",
        "excludes",
        "exclude",
        "send exclusions",
        "outbound exclusions",
        "outbound exclusions (ajo)",
        "outbound sms exclusions",
        "exclusions (ajo)",
        "send exclusions (ajo)",
        "outbound sms exclusions (ajo)",
    ),
    "opens": ("open", "email opens", "email opens (ajo)"),
    "clicks": (
        "click",
        "email clicks",
        "clicks (ajo)",
        "outbound clicks (ajo)",
        "email clicks (ajo)",
    ),
    "unsubscribes": (
        "unsubscribe",
        "unsubscriptions",
        "unsubscription",
        "unsubscribes (ajo)",
        "email unsubscribes",
        "email unsubscribes (ajo)",
    ),
    "spam_complaints": (
        "spam complaints",
        "spam complaint",
        "spam complaint (ajo)",
        "spam complaints (ajo)",
        "spam",
    ),
    "displays": ("display", "displays (ajo)"),
}


def normalize_label(label: str) -> str:
    """Lower-case, underscores as spaces, single spaces: how labels are compared."""
    return re.sub(r"\s+", " ", label.replace("_", " ")).strip().casefold()


LABEL_TO_METRIC: dict[str, str] = {
    normalize_label(label): metric
    for metric, labels in _LABELS.items()
    for label in (metric, *labels)
}


def metric_for_label(label: str) -> str | None:
    """The canonical metric a product label names, or None."""
    return LABEL_TO_METRIC.get(normalize_label(label))


def closest_label(label: str) -> str | None:
    """The known label nearest to a misspelled one, for "did you mean" messages."""
    match = process.extractOne(normalize_label(label), LABEL_TO_METRIC.keys(), score_cutoff=60)
    return match[0] if match else None
