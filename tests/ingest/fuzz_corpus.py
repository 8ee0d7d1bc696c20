"""A seeded corpus of hostile and broken exports, each with what Parity must do with it.

Every case is a file (name, bytes) and an expectation: the numbers it must store exactly
(`expected`, {(journey, day, metric): value}), or a refusal whose message names the file and
a place in it (`place`, a text the message must contain). Cases come from valid files of
three formats (Reporting API JSON, canonical long CSV, wide CSV) changed in one way each:
a known hostile value in a known place, or a random cut, byte or line (then either outcome
is allowed, but a stored file must hold exactly what it says).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

JOURNEY = "Welcome Series"
METRICS = ("sent", "delivered")
HEADER = "source,captured_at,journey,journey_id,action,channel,day,metric,value"


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    # exactly these numbers are stored (None: the file must be refused)
    expected: dict | None = None
    # what the refusal must name ("" with expected=None: any place; None: either outcome)
    place: str | None = ""
    kind: str = field(default="structured")


def _model(rng: random.Random, days: int) -> dict:
    return {
        (JOURNEY, f"2026-11-{day:02d}", metric): rng.randrange(0, 100_000)
        for day in range(1, days + 1)
        for metric in METRICS
    }


def _item_id(day: str) -> str:
    year, month, dom = (int(x) for x in day.split("-"))
    return f"{year - 1900}{month - 1:02d}{dom:02d}"


def _page(model: dict, number: int = 0, total: int = 1, days=None) -> dict:
    days = sorted({day for _, day, _ in model}) if days is None else days
    return {
        "totalPages": total,
        "number": number,
        "lastPage": number == total - 1,
        "columns": {
            "dimension": {"id": "variables/daterangeday", "type": "time"},
            "columnIds": [f"metrics/{m}" for m in METRICS],
        },
        "rows": [
            {
                "itemId": _item_id(day),
                "value": day,
                "data": [float(model[(JOURNEY, day, m)]) for m in METRICS],
            }
            for day in days
        ],
    }


def _wrapped(pages) -> dict:
    return {"journey": JOURNEY, "response": pages}


def _json(document) -> bytes:
    return json.dumps(document).encode()


def _canonical(model: dict, values: dict | None = None) -> bytes:
    lines = [HEADER]
    for (journey, day, metric), value in sorted(model.items()):
        shown = (values or {}).get((journey, day, metric), value)
        lines.append(f"ajo,2026-11-29T10:00:00Z,{journey},,,,{day},{metric},{shown}")
    return ("\n".join(lines) + "\n").encode()


def _wide(model: dict) -> bytes:
    days = sorted({day for _, day, _ in model})
    lines = ["Source,Journey,Day,Sends,Messages successfully sent"]
    for day in days:
        sent, delivered = (model[(JOURNEY, day, m)] for m in METRICS)
        lines.append(f'ajo,{JOURNEY},{day},"{sent:,}","{delivered:,}"')
    return ("\n".join(lines) + "\n").encode()


def _nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


# Hostile values for a Reporting API page's fields: (field, JSON text) -> refused, naming it.
TOTAL_PAGES = ["1e8", "100000000", '"abc"', "-1", "true", "1e400", '"0x10"', "1.5", "[]", "{}"]
PAGE_NUMBER = ['"abc"', "-1", "1e8", "7", "0.5", "true"]
COLUMNS = ["[]", '"x"', "null", "7"]
COLUMN_IDS = ['"abc"', "7", "{}"]
ROWS_ITEM = ['"a row"', "7", "null", "[1, 2]"]
DATA = [
    '"many"', "{}", "[1]", '["1", 2]', "[true, 2]", "[[1], 2]", "[-5, 2]", "[1.5, 2]",
    "[9007199254740993, 2]", "[9223372036854775808, 2]", "[1e400, 2]", "[NaN, 2]",
    "[Infinity, 2]", "[-1e3, 2]", "[" + "9" * 5000 + ", 2]",
]  # fmt: skip
# Counts written in forms a serialiser may use, each a whole number: stored exactly.
EXACT = {"1.2345678E7": 12345678, "1000.0": 1000, "9007199254740992": 2**53, "0.0": 0, "2e3": 2000}
CSV_VALUES = ["0x1F", "1e3", "1E+03", "9223372036854775808", "9007199254740993", "+5", "1_000"]


def _json_case(rng: random.Random, name: str, place: str, edit) -> Case:
    model = _model(rng, rng.randint(2, 6))
    text = edit(json.dumps(_wrapped(_page(model))), model)
    return Case(name, text.encode(), None, place)


def _replace_field(text: str, key: str, value: str) -> str:
    document = json.loads(text)
    marker = "__HOSTILE__"
    page = document["response"]
    if key in ("columnIds", "dimension"):
        page["columns"][key] = marker
    else:
        page[key] = marker
    return json.dumps(document).replace(f'"{marker}"', value)


def _replace_row(text: str, value: str, key: str | None = None) -> str:
    document = json.loads(text)
    marker = "__HOSTILE__"
    rows = document["response"]["rows"]
    if key is None:
        rows[1] = marker
    else:
        rows[1][key] = marker
    return json.dumps(document).replace(f'"{marker}"', value)


def structured(rng: random.Random) -> list[Case]:
    cases: list[Case] = []

    def add(name, place, edit):
        cases.append(_json_case(rng, name, place, edit))

    for i, value in enumerate(TOTAL_PAGES):
        add(
            f"api_total_pages_{i}.json",
            "totalPages",
            lambda t, _, v=value: _replace_field(t, "totalPages", v),
        )
    for i, value in enumerate(PAGE_NUMBER):
        add(f"api_number_{i}.json", "number", lambda t, _, v=value: _replace_field(t, "number", v))
    for i, value in enumerate(COLUMNS):
        add(
            f"api_columns_{i}.json",
            "columns",
            lambda t, _, v=value: _replace_field(t, "columns", v),
        )
    for i, value in enumerate(COLUMN_IDS):
        add(
            f"api_column_ids_{i}.json",
            "columnIds",
            lambda t, _, v=value: _replace_field(t, "columnIds", v),
        )
    for i, value in enumerate(ROWS_ITEM):
        add(f"api_row_{i}.json", "page 1, row 2", lambda t, _, v=value: _replace_row(t, v))
    add("api_rows_not_a_list.json", "rows", lambda t, _: _replace_field(t, "rows", '"abc"'))
    for i, value in enumerate(DATA):
        add(f"api_data_{i}.json", "page 1, row 2", lambda t, _, v=value: _replace_row(t, v, "data"))
    for i, depth in enumerate((40, 5000, 200_000)):
        add(
            f"api_nested_{i}.json",
            "nested",
            lambda t, _, d=depth: _replace_row(t, _nested(d), "data"),
        )
        add(
            f"api_nested_extra_{i}.json",
            "nested",
            lambda t, _, d=depth: _replace_field(t, "extra", _nested(d, "{}")),
        )
    add("api_item_id.json", "page 1, row 2", lambda t, _: _replace_row(t, '"abc"', "itemId"))
    add("api_huge_int.json", "totalPages", lambda t, _: _replace_field(t, "totalPages", "9" * 5000))

    for i, (written, value) in enumerate(EXACT.items()):
        model = _model(rng, 3)
        day = sorted({d for _, d, _ in model})[1]
        model[(JOURNEY, day, "sent")] = value
        text = json.dumps(_wrapped(_page(model)))
        text = text.replace(f"{float(value)}, ", f"{written}, ", 1) if value else text
        if written not in text and value:
            text = text.replace(f"{float(value)}", written, 1)
        cases.append(Case(f"api_exact_{i}.json", text.encode(), model, None))

    # Several pages: all there (stored), one missing, one twice with other rows, out of range.
    model = _model(rng, 6)
    days = sorted({d for _, d, _ in model})
    pages = [_page(model, n, 3, days[2 * n : 2 * n + 2]) for n in range(3)]
    cases.append(Case("api_pages.json", _json(_wrapped(pages[::-1])), model, None))
    cases.append(Case("api_page_missing.json", _json(_wrapped(pages[:2])), None, "page 3 of 3"))
    other = json.loads(json.dumps(pages[1]))
    other["rows"][0]["data"][0] += 1
    cases.append(Case("api_page_twice.json", _json(_wrapped([*pages, other])), None, "page 2"))
    many = [{**pages[0], "totalPages": 10**6}]
    cases.append(Case("api_pages_many.json", _json(_wrapped(many)), None, "totalPages"))

    for i, value in enumerate(CSV_VALUES):
        model = _model(rng, 3)
        key = sorted(model)[3]
        data = _canonical(model, {key: value})
        cases.append(Case(f"canonical_value_{i}.csv", data, None, "line 5"))
    model = _model(rng, 3)
    cases.append(Case("canonical_exact.csv", _canonical(model, {sorted(model)[0]: 2**53}),
                      {**model, sorted(model)[0]: 2**53}, None))  # fmt: skip
    long_cell = _canonical(_model(rng, 2)).replace(b",,,", b",," + b"z" * 20_000 + b",", 1)
    cases.append(Case("canonical_long_cell.csv", long_cell, None, "line 2"))
    wide_header = ",".join(f"c{i}" for i in range(5000))
    cases.append(
        Case("wide_columns.csv", f"{wide_header}\n{'1,' * 4999}1\n".encode(), None, "columns")
    )
    cases.append(Case("canonical_nul.csv", _canonical(_model(rng, 2)) + b"\x00", None, "NUL"))
    cases.append(
        Case("canonical_not_utf8.csv", _canonical(_model(rng, 2)) + b"\xff\n", None, "line")
    )
    model = _model(rng, 4)
    cases.append(Case("wide_ok.csv", _wide(model), model, None))
    return cases


def random_cases(rng: random.Random, count: int) -> list[Case]:
    """Valid files cut, flipped or reordered at random places: refused or stored exactly."""
    makers = [
        (".json", lambda m: _json(_wrapped(_page(m)))),
        (".csv", _canonical),
        (".csv", _wide),
    ]
    cases = []
    for n in range(count):
        suffix, make = makers[n % len(makers)]
        data = bytearray(make(_model(rng, rng.randint(1, 5))))
        how = rng.choice(("cut", "byte", "line", "digit"))
        at = rng.randrange(len(data))
        if how == "cut":
            data = data[:at]
        elif how == "byte":
            data[at] = rng.choice(b'{}[]",:0123456789e.-\n\x00\xff ')
        elif how == "line":
            lines = bytes(data).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i] = lines[j]
            data = bytearray(b"\n".join(lines))
        else:
            data[at : at + 1] = str(rng.randrange(10**6)).encode()
        cases.append(Case(f"random_{how}_{n}{suffix}", bytes(data), None, None, "random"))
    return cases


def corpus(seed: int = 14, random_count: int = 160) -> list[Case]:
    rng = random.Random(seed)
    return structured(rng) + random_cases(rng, random_count)
