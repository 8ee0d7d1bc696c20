"""Header -> layout: which format a file is in, and what each of its columns holds.

Long files have one number per row (`metric`, `value` columns); wide files have one column
per metric, named with product labels. Names are compared like metric labels (case, spaces
and underscores do not matter), so "Journey ID", "journey_id" and "journey id" are one column.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.errors import BadInput
from bot.ingest.frame import CANONICAL_COLUMNS
from bot.metrics import LABEL_TO_METRIC, metric_for_label, normalize_label, not_the_same

LONG_HEADER = ",".join(CANONICAL_COLUMNS)

# Row-describing columns either layout may have, by canonical name -> accepted names.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "source": ("source",),
    "captured_at": ("captured at",),
    "journey": ("journey", "journey name"),
    "journey_id": ("journey id",),
    "action": ("action", "action name", "journey action name", "journey action node name"),
    "channel": ("channel",),
    "day": ("day", "date"),
}
_LONG_ONLY: dict[str, tuple[str, ...]] = {"metric": ("metric",), "value": ("value",)}

_NAME_TO_COLUMN = {
    normalize_label(alias): column
    for column, aliases in (DIMENSIONS | _LONG_ONLY).items()
    for alias in (column, *aliases)
}
# CJA's automatic data view suffixes every component: "Journey Name (AJO)".
_PRODUCT_SUFFIX = " (ajo)"


def column_for_name(name: str) -> str | None:
    """The canonical column a header names ("Journey Name (AJO)" -> journey), or None."""
    key = normalize_label(name)
    return _NAME_TO_COLUMN.get(key) or _NAME_TO_COLUMN.get(key.removesuffix(_PRODUCT_SUFFIX))


class NoLayout(BadInput):
    """The header fits neither the long nor the wide layout (other formats may still fit)."""


_LONG_CHOICES = {normalize_label(c): c for c in CANONICAL_COLUMNS}
_WIDE_CHOICES = {alias: alias for aliases in DIMENSIONS.values() for alias in aliases} | {
    label: label for label in LABEL_TO_METRIC
}
_WIDE_HINT = "a 'Day' column, a 'Journey' column and one column per metric ('Sends', 'Bounces'...)"


@dataclass(frozen=True)
class Layout:
    """What each column of a file holds, by position."""

    kind: str  # "long" or "wide"
    names: tuple[str, ...]
    # canonical column -> position: dimensions, plus metric and value in long files
    columns: dict[str, int]
    # wide files: (position, canonical metric) of each metric column
    metrics: tuple[tuple[int, str], ...] = ()
    # columns without a name; only allowed if every cell in them is empty
    unnamed: tuple[int, ...] = ()
    # the decimal mark of the file's numbers: ',' in files separated by ';'
    decimal: str = "."

    def number_columns(self) -> set[int]:
        """Columns holding counts: mostly distinct, so not worth dictionary-encoding."""
        if self.kind == "long":
            return {self.columns["value"]}
        return {position for position, _ in self.metrics}


def detect(names: tuple[str, ...], *, source_given: bool, journey_given: bool = False) -> Layout:
    """The layout a header describes, or a BadInput (line 1) saying what does not fit."""
    columns: dict[str, list[int]] = {}
    metrics: dict[str, list[int]] = {}
    unnamed, unknown = [], []
    for position, name in enumerate(names):
        if not name:
            unnamed.append(position)
        elif (column := column_for_name(name)) is not None:
            columns.setdefault(column, []).append(position)
        elif (metric := metric_for_label(name)) is not None:
            metrics.setdefault(metric, []).append(position)
        else:
            unknown.append(position)

    if "metric" in columns or "value" in columns:
        # In a long file a metric label as a column name is as unknown as any other name.
        unknown = sorted(unknown + [p for ps in metrics.values() for p in ps])
        _refuse_unknown(names, unknown, _LONG_CHOICES, f"expected header: {LONG_HEADER}")
        _refuse_repeats(names, columns)
        required = ["journey", "day", "metric", "value"] + ([] if source_given else ["source"])
        _refuse_missing(
            [c for c in CANONICAL_COLUMNS if c in required and c not in columns],
            f"expected header: {LONG_HEADER}",
        )
        return Layout("long", names, _first(columns), unnamed=tuple(unnamed))

    if "day" in columns and metrics:
        _refuse_unknown(names, unknown, _WIDE_CHOICES, f"a wide file has {_WIDE_HINT}")
        _refuse_repeats(names, columns)
        _refuse_repeats(names, metrics, what="metric ")
        if "journey" not in columns and not journey_given:
            raise BadInput(
                "missing column 'Journey' (a wide file needs a journey column: "
                "'Journey' or 'Journey Name'; or give --journey)",
                line=1,
                column="Journey",
            )
        if not source_given and "source" not in columns:
            raise BadInput(_NO_SOURCE, line=1, column="source")
        return Layout(
            "wide",
            names,
            _first(columns),
            metrics=tuple(sorted((ps[0], m) for m, ps in metrics.items())),
            unnamed=tuple(unnamed),
        )

    raise _neither(names, columns, metrics, unknown)


_NO_SOURCE = "no 'source' column and no --source given (say whether the numbers are ajo or cja)"


def _first(columns: dict[str, list[int]]) -> dict[str, int]:
    return {column: positions[0] for column, positions in columns.items()}


def _suggest(name: str, choices: dict[str, str]) -> str | None:
    # Plain edit-distance ratio: partial matching would offer 'bounces for outbound sms' for 'foo'.
    match = process.extractOne(
        normalize_label(name), choices.keys(), scorer=fuzz.ratio, score_cutoff=70
    )
    return choices[match[0]] if match else None


def _refuse_unknown(
    names: tuple[str, ...], unknown: list[int], choices: dict[str, str], hint: str
) -> None:
    if not unknown:
        return
    for position in unknown:
        if (why := not_the_same(names[position])) is not None:
            raise BadInput(why, line=1, column=names[position])
    name = names[unknown[0]]
    suggestion = _suggest(name, choices)
    problem = f"unknown column '{name}'"
    problem += f" — did you mean '{suggestion}'?" if suggestion else f" ({hint})"
    raise BadInput(problem, line=1, column=name)


def _refuse_repeats(
    names: tuple[str, ...], columns: dict[str, list[int]], *, what: str = ""
) -> None:
    for column, positions in columns.items():
        if len(positions) > 1:
            first, second = names[positions[0]], names[positions[1]]
            raise BadInput(
                f"columns '{first}' and '{second}' both give the {what}{column}; keep one",
                line=1,
                column=second,
            )


def _refuse_missing(missing: list[str], hint: str) -> None:
    if missing == ["source"]:
        raise BadInput(_NO_SOURCE, line=1, column="source")
    if missing:
        listed = ", ".join(f"'{c}'" for c in missing)
        raise BadInput(
            f"missing column{'s' if len(missing) > 1 else ''} {listed} ({hint})",
            line=1,
            column=missing[0],
        )


def _neither(
    names: tuple[str, ...],
    columns: dict[str, list[int]],
    metrics: dict[str, list[int]],
    unknown: list[int],
) -> NoLayout:
    """Neither layout fits: say why for each, and point at a likely misspelling."""
    wide_lacks = []
    if "day" not in columns:
        wide_lacks.append("no 'Day' column")
    if not metrics:
        wide_lacks.append("no column named after a metric")
    problem = (
        "cannot tell the file's format: not the long format (no 'metric' and 'value' columns;"
        f" expected header: {LONG_HEADER}), not the wide format ({' and '.join(wide_lacks)};"
        f" a wide file has {_WIDE_HINT})"
    )
    for position in unknown:
        name = names[position]
        suggestion = _suggest(name, _LONG_CHOICES | _WIDE_CHOICES)
        if suggestion:
            return NoLayout(
                f"{problem}. Column '{name}' — did you mean '{suggestion}'?", line=1, column=name
            )
    return NoLayout(problem, line=1)
