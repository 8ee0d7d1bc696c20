"""Evidence sentences: what each cause saw, how sure it is, and what to check.

The sentences are finished here, once, from the attribution's numbers and findings: the
JSON answer carries them as they are, and templates only print them (escaped). Nothing
here decides an amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import numpy as np

from bot.formatting import format_days
from bot.metrics import DISPLAY_NAMES, metric_facts
from bot.reconcile.causes import Attribution, Rules
from bot.reconcile.detectors import Finding
from bot.reconcile.result import CAUSES, CauseDetail

SIDE_NAMES = {"ajo": "AJO", "cja": "CJA"}


def format_names(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Describer:
    """Writes one metric's cause details."""

    def __init__(
        self,
        metric: str,
        attribution: Attribution,
        rules: Rules,
        names: Mapping[object, str],
        zero_metrics: Mapping[tuple[object, str], tuple[str, ...]],
    ) -> None:
        self.metric = metric
        self.label = DISPLAY_NAMES[metric]
        self.cells = attribution.cells
        self.findings = attribution.findings
        self.facts = attribution.facts
        self.rules = rules
        self.names = names
        self.zero_metrics = zero_metrics

    def details(self) -> tuple[CauseDetail, ...]:
        result = []
        for cause in CAUSES:
            amount = int(self.cells[cause].sum()) if cause in self.cells else 0
            if not amount:
                continue
            confidence, evidence, check = getattr(self, f"_{cause}")()
            days = self._days(self.cells[cause] != 0)
            journeys = self._journeys(self.cells.loc[self.cells[cause] != 0, "journey_key"])
            result.append(CauseDetail(cause, amount, confidence, evidence, check, days, journeys))
        return tuple(result)

    # -- helpers ------------------------------------------------------------------------

    def _days(self, mask) -> tuple[date, ...]:
        days = self.cells.loc[mask, "day"].to_numpy().astype("datetime64[D]")
        return tuple(d.item() for d in np.unique(days))

    def _journeys(self, keys: Iterable[object]) -> tuple[str, ...]:
        return tuple(sorted({self.names.get(k, "(unknown journey)") for k in keys}))

    def _of(self, cause: str) -> list[Finding]:
        found = [f for f in self.findings if f.cause == cause]
        return sorted(found, key=lambda f: -int(np.abs(f.amount).sum()))

    # -- one method per cause: (confidence, evidence, check) ----------------------------

    def _processing_lag(self) -> tuple[str, str, str]:
        days = self._days(self.cells["processing_lag"] != 0)
        verb = "is" if len(days) == 1 else "are"
        evidence = (
            f"{format_days(days)} {verb} still being processed (the latest day is never final)"
        )
        check = "leave these days out of the comparison or ask again once they settle"
        witnessed = self.facts["witnessed_lag_days"]
        if witnessed:
            evidence += (
                f"; on {format_days(witnessed)} CJA's retry-free metrics from Sent's dataset "
                "(Delivered, Bounces, Errors, Excluded, as stored) were still up to "
                f"{self.facts['witnessed_short_pct']:.1f} % short across journeys"
            )
        settling = self.rules.settling
        if not self.facts["learned_lag_days"] or settling is None or settling.slowest is None:
            return ("medium" if witnessed else "high"), evidence, check
        slowest = settling.slowest
        evidence += (
            f"; in past snapshots {slowest.name}'s {self.label} kept moving until "
            f"{_plural(slowest.moving_until or 0, 'day')} old, across {slowest.series:,} values "
            "seen in more than one snapshot"
        )
        return "medium", evidence, check

    def _retries(self) -> tuple[str, str, str]:
        days = format_days(self._days(self.cells["retries"] != 0))
        evidence = f"AJO's Sent counts messages still being retried ({days}); CJA's does not"
        window = self.rules.retry_window_days
        check = f"compare days older than {window} days: retries converge into delivered or bounces"
        inferred = self._of("retries")
        if self.facts["retries_measured"] or not inferred:
            return "high", evidence + ", as AJO's own Retries count shows", check
        facts = inferred[0].facts
        if facts["from_delivered"]:
            how = (
                "read against Delivered pooled across journeys (with Bounces, Errors and "
                "Excluded where stored: they share Sent's dataset and lag but not its retries) "
                "and each journey's usual difference on older days, together with AJO's Sent "
                "beyond AJO's own Delivered, then fitted to one queue draining over "
                f"{facts['period']:g} days, journeys that agree sharing their rate"
            )
        elif facts["compared"]:
            how = "beyond each journey's usual difference on older days"
        else:
            how = "with no older days to compare"
        evidence += (
            f". The figure is inferred: AJO's Retries metric is not stored, so it is CJA's "
            f"shortfall inside the {window}-day retry window, {how}"
        )
        check = "add AJO's Retries metric to the export to measure it; " + check
        return inferred[0].confidence, evidence, check

    def _datasource(self) -> tuple[str, str, str]:
        tolerance = self.rules.tolerance_pct
        evidence = (
            f"within the {tolerance:.1f} % the two products' data sources normally differ by; "
            f"the furthest journey is {self.facts['largest_band_pct']:.1f} % apart"
        )
        return "medium", evidence, "nothing to fix: Adobe documents 1–2 % between the products"

    def _timezone(self) -> tuple[str, str, str]:
        found = self._of("timezone")
        weight = dict.fromkeys(("behind", "ahead"), 0)
        for f in found:
            weight[f.facts["direction"]] += f.facts["volume"]
        direction = max(weight, key=weight.get)
        chosen = [f for f in found if f.facts["direction"] == direction]
        volume = sum(f.facts["volume"] for f in chosen)
        share = sum(f.facts["share"] * f.facts["volume"] for f in chosen) / max(volume, 1)
        explained = min(f.facts["explained"] for f in chosen)
        total_gap = sum(abs(f.facts["total_gap"]) for f in chosen) / max(volume, 1)
        journeys = self._journeys(k for f in chosen for k in f.facts["journeys"])
        hours = round(24 * share)
        offset = "less than an hour" if hours < 1 else f"about {_plural(hours, 'hour')}"
        where, to = ("behind", "previous") if direction == "behind" else ("ahead of", "next")
        evidence = (
            f"daily gaps in {format_names(journeys)} swing with the day-to-day change in volume "
            f"(the shift explains at least {100 * explained:.0f} % of their variation; "
            f"{100 * share:.1f} % of each day moves to the {to} day) "
            f"while the range totals agree within {100 * total_gap:.1f} %"
        )
        check = (
            f"CJA looks {offset} {where} AJO: check the data view's time zone "
            "(Data view > Settings > Calendar)"
        )
        confidence = "high" if all(f.confidence == "high" for f in chosen) else "medium"
        return confidence, evidence, check

    def _missing_data(self) -> tuple[str, str, str]:
        found = self._of("missing_data")
        sentences = [self._missing_sentence(f) for f in found[:2]]
        evidence = "; ".join(s for s, _ in sentences)
        if len(found) > 2:
            evidence += f"; and {len(found) - 2} more"
        return found[0].confidence, evidence, sentences[0][1]

    def _missing_sentence(self, finding: Finding) -> tuple[str, str]:
        facts = finding.facts
        side, kind = facts["side"], facts["kind"]
        other = SIDE_NAMES["cja" if side == "ajo" else "ajo"]
        journeys = self._journeys(facts["journeys"])
        who = format_names(journeys)
        volume = f"{other} has {facts['volume']:,}"
        days = format_days(facts["days"])
        dataset = metric_facts(self.metric).dataset.described
        if side == "ajo":
            scope = {"metric": "", "journey": f" for {who}", "days": f" for {who} on {days}"}
            verb = "has no" if kind.endswith("absent") else "reports 0"
            what = "stored rows of" if kind.endswith("absent") else ""
            text = f"AJO {verb} {what} {self.label}{scope[kind.split('_')[0]]} where {volume}"
            check = "re-export from AJO with these journeys, metrics and days"
            return " ".join(text.split()), check
        if kind == "metric_absent":
            return (
                f"CJA has no {self.label} stored at all where {volume}: the metric is not in "
                f"the data view or the export",
                f"add {metric_facts(self.metric).component} to the CJA data view and the export",
            )
        if kind == "metric_zero":
            return (
                f"CJA reports 0 {self.label} for every journey and day where {volume}",
                f"check that the {dataset} is in the CJA connection",
            )
        if kind == "journey_absent":
            return (
                f"{who} {'has' if len(journeys) == 1 else 'have'} no {self.label} rows in the "
                f"CJA export where {volume}",
                "check the export's journey filter, and that the AJO Entity Dataset (journey "
                "names come from it) is in the CJA connection",
            )
        if kind == "journey_zero":
            zero = [self.metric]
            for key in facts["journeys"]:
                zero += [m for m in self.zero_metrics.get((key, side), ()) if m not in zero]
            listed = ", ".join(DISPLAY_NAMES[m] for m in zero)
            return (
                f"CJA reports 0 {listed} for {who} on every day where {volume} {self.label}",
                f"check that the {dataset} is in the CJA connection and covers {who}",
            )
        absent = kind == "days_absent"
        return (
            f"CJA {'has no rows' if absent else 'reports 0'} for {who} on {days} where {volume}",
            f"check that the CJA connection ingested the {dataset} for those days, "
            "or re-export them",
        )

    def _duplicate_data(self) -> tuple[str, str, str]:
        found = self._of("duplicate_data")
        parts = []
        for f in found[:3]:
            side = f.facts["side"]
            other = "AJO" if side == "cja" else "CJA"
            who = format_names(self._journeys(f.facts["journeys"]))
            parts.append(
                f"{SIDE_NAMES[side]} is {f.facts['ratio']:.2f}× {other} for {who} on "
                f"{format_days(f.facts['days'])}"
            )
        evidence = "; ".join(parts) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        if found[0].facts["side"] == "cja":
            check = (
                "look for a dataset added twice to the CJA connection, or a backfill ingested "
                "twice for those days"
            )
        else:
            check = "look for the same AJO export stored twice, or rows repeated in it"
        confidence = "high" if found[0].confidence == "high" else "medium"
        return confidence, evidence, check

    def _unexplained(self) -> tuple[str, str, str]:
        mask = self.cells["unexplained"] != 0
        by_journey = self.cells.loc[mask].groupby("journey_key")["unexplained"].sum()
        named = [(self.names.get(k, "(unknown journey)"), abs(v)) for k, v in by_journey.items()]
        journeys = [name for name, _ in sorted(named, key=lambda n: (-n[1], n[0]))]
        days = format_days(self._days(mask))
        evidence = (
            f"beyond the {self.rules.tolerance_pct:.1f} % tolerance in "
            f"{format_names(journeys)} ({days})"
        )
        amount = abs(int(self.cells.loc[mask, "unexplained"].sum()))
        # How far beyond counting noise the unexplained amount is, in standard deviations.
        z = amount / np.sqrt(max(float(self.facts["volume"][mask.to_numpy()].sum()), 1.0))
        confidence = "high" if z >= 3 else "medium" if z >= 2 else "low"
        return confidence, evidence, "check the CJA data view's filters and identity settings"
