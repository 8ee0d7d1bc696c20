"""CJA Reporting API responses saved as JSON: pages, itemId days, column ids to metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes, read_file
from bot.ingest.reporting_api import day_of_item_ids, metric_from_id
from tests.ingest.helpers import DTYPES, FIXTURES, dtypes, rows

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
AT = "2026-11-29T12:00:00+00:00"


def short(frame) -> list[tuple]:
    return [(r[2], r[6], r[7], r[8]) for r in rows(frame)]


def page(rows_: list, column_ids=("0",), **extra) -> dict:
    return {
        "totalPages": 1, "number": 0, "lastPage": True,
        "columns": {"dimension": {"id": "variables/daterangeday", "type": "time"},
                    "columnIds": list(column_ids)},
        "rows": rows_, **extra,
    }  # fmt: skip


def as_bytes(document) -> bytes:
    return json.dumps(document).encode()


def test_request_saved_next_to_the_response_maps_the_columns(tmp_path):
    # Column 2 is a custom metric whose id names no metric: CJA_METRICS maps it.
    frame = read_file(
        FIXTURES / "api_page.json",
        captured_at=CAPTURED,
        journey="Welcome Series",
        metric_ids={"metrics/custom_bounce_count": "bounces"},
    )

    assert rows(frame)[:3] == [
        ("cja", AT, "Welcome Series", "", "", "", "2026-11-26", "sent", 1100),
        ("cja", AT, "Welcome Series", "", "", "", "2026-11-26", "delivered", 1070),
        ("cja", AT, "Welcome Series", "", "", "", "2026-11-26", "bounces", 30),
    ]
    assert len(frame) == 9
    assert dtypes(frame) == DTYPES
    assert frame.attrs["format"] == "CJA Reporting API response (JSON)"


def test_without_the_mapping_an_unknown_metric_id_is_left_out_and_said_so():
    frame = read_file(FIXTURES / "api_page.json", captured_at=CAPTURED, journey="W")

    assert sorted(set(frame["metric"])) == ["delivered", "sent"]
    assert frame.attrs["notes"] == ("the response: columns left out (no Parity metric): 2",)


def test_pages_out_of_order_are_put_in_order_and_a_null_is_no_number():
    frame = read_file(FIXTURES / "api_pages.json", captured_at=CAPTURED)

    assert short(frame) == [
        ("Welcome Series", "2026-11-26", "sent", 1100),
        ("Welcome Series", "2026-11-26", "opens", 500),
        ("Welcome Series", "2026-11-27", "sent", 1090),
        ("Welcome Series", "2026-11-28", "sent", 1100),
        ("Welcome Series", "2026-11-28", "opens", 500),
    ]


def test_days_come_from_item_ids_not_from_the_display_labels():
    response = page([{"itemId": "1261128", "value": "28/12/2026 (Mon)", "data": [7]}])

    frame = read_bytes(as_bytes(response), name="r.json", journey="W", metric_ids={"0": "sent"})

    assert short(frame) == [("W", "2026-12-28", "sent", 7)]


@pytest.mark.parametrize(
    ("item_id", "day"),
    [("1251028", "2025-11-28"), ("1120001", "2012-01-01"), ("991131", "1999-12-31"),
     ("1260128", "2026-02-28"), ("1240128", "2024-02-28")],
)  # fmt: skip
def test_item_id_day_codes(item_id, day):
    days, bad = day_of_item_ids([item_id])

    assert bad is None
    assert str(days[0].astype("datetime64[D]")) == day


@pytest.mark.parametrize("item_id", ["1251228", "1250130", "12510281", "abc", "", None])
def test_item_ids_that_are_not_days(item_id):
    _, bad = day_of_item_ids(["1251028", item_id])

    assert bad == 1


@pytest.mark.parametrize(
    ("metric_id", "metric"),
    [
        ("metrics/sends_ajo", "sent"),
        ("metrics/bounces_for_outbound_channels_ajo", "bounces"),
        ("metrics/email_opens", "opens"),
        ("sent", "sent"),
        ("Spam Complaints (AJO)", "spam_complaints"),
        ("metrics/visits", None),
        ("cm300000000_5e8d6", None),
    ],
)
def test_metric_ids_that_name_their_metric(metric_id, metric):
    assert metric_from_id(metric_id) == metric


def test_json_lines_one_report_per_line():
    lines = [
        {"journey": "A", "response": page([{"itemId": "1261027", "data": [1]}], ["sent"])},
        {"journey": "B", "response": page([{"itemId": "1261027", "data": [2]}], ["sent"])},
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()

    assert short(read_bytes(data, name="r.jsonl")) == [
        ("A", "2026-11-27", "sent", 1),
        ("B", "2026-11-27", "sent", 2),
    ]


def test_a_partial_answer_names_the_columns_it_lacks():
    response = page(
        [{"itemId": "1261027", "data": [5, 0]}],
        ["sent", "bounces"],
        columns={
            "dimension": {"id": "variables/daterangeday", "type": "time"},
            "columnIds": ["sent", "bounces"],
            "columnErrors": [{"columnId": "bounces", "errorCode": "unauthorized_metric",
                              "errorDescription": "not allowed"}],
        },
    )  # fmt: skip

    frame = read_bytes(as_bytes(response), name="r.json", journey="W")

    assert short(frame) == [("W", "2026-11-27", "sent", 5)]
    assert frame.attrs["notes"] == (
        "the response: CJA answered only in part; columns left out: bounces (not allowed)",
    )


def test_summary_totals_are_checked_against_the_rows():
    frame = read_file(FIXTURES / "api_column_order.json", captured_at=CAPTURED)

    assert sorted(short(frame)) == [
        ("Welcome Series", "2026-11-26", "delivered", 1070),
        ("Welcome Series", "2026-11-26", "sent", 1100),
        ("Welcome Series", "2026-11-27", "delivered", 1060),
        ("Welcome Series", "2026-11-27", "sent", 1090),
        ("Welcome Series", "2026-11-28", "delivered", 1070),
        ("Welcome Series", "2026-11-28", "sent", 1100),
    ]
    assert frame.attrs["notes"] == ("report 1: columns left out (no Parity metric): c",)
    response = page([{"itemId": "1261027", "data": [5]}], ["sent"], summaryData={"totals": [6]})
    noted = read_bytes(as_bytes(response), name="r.json", journey="W").attrs["notes"]
    assert noted == (
        "the response: summaryData says column sent totals 6 but the rows add up to 5",
    )


def test_a_response_is_cja_whatever_source_says():
    with pytest.raises(BadInput, match="--source ajo contradicts it"):
        read_file(FIXTURES / "api_pages.json", source="ajo")


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        (-1, "row 1, column 0: -1 is not a count"),
        (2.5, "row 1, column 0: 2.5 is not a count"),
        ("12", "row 1: 'data' must hold 1 numbers"),
    ],
)
def test_values_that_are_not_counts(cell, problem):
    response = page([{"itemId": "1261027", "data": [cell]}])

    with pytest.raises(BadInput) as caught:
        read_bytes(as_bytes(response), name="r.json", journey="W", metric_ids={"0": "sent"})

    assert problem in caught.value.problem


def test_one_day_twice_with_different_values_is_refused():
    response = page(
        [{"itemId": "1261027", "data": [1]}, {"itemId": "1261027", "data": [2]}], ["sent"]
    )

    with pytest.raises(BadInput) as caught:
        read_bytes(as_bytes(response), name="r.json", journey="W")

    assert caught.value.problem == (
        "cja sent for journey 'W' on 2026-11-27 appears twice with different values: "
        "1 on the response, page 1, row 1 and 2 on the response, page 1, row 2"
    )


def test_values_are_int64_even_from_floats():
    frame = read_bytes(
        as_bytes(page([{"itemId": "1261027", "data": [1e12]}], ["sent"])), name="r", journey="W"
    )

    assert frame["value"].dtype == np.int64
    assert frame["value"].tolist() == [1_000_000_000_000]
