"""python -m bot ingest FILE... and python -m bot pull {cja,ajo}: numbers in, as they come.

`ingest` recognises each file's format from its content (bot.ingest) and stores it in one
transaction, in chunks when it is large (bot.loading). `pull` fetches from the live
services (bot.connectors) with the same functions the clock runs on a schedule.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, timedelta

from bot.errors import ParityError
from bot.loading import Loaded, load_file
from bot.render import render


def cmd_ingest(app, args: argparse.Namespace) -> int:
    results = [
        load_file(
            app.store,
            path,
            source=args.source,
            captured_at=args.captured_at,
            journey=args.journey,
            metric_ids=app.settings.cja_metric_ids(),
        )
        for path in args.files
    ]
    print(render("ingest.j2", files=results), end="")
    return 1 if any(r.error for r in results) else 0


def add_ingest_options(ingest: argparse.ArgumentParser) -> None:
    ingest.add_argument(
        "--journey", help="the journey of a table or response that does not name its own"
    )


def cmd_pull(app, args: argparse.Namespace) -> int:
    from bot.connectors.cja_api import pull_cja  # the connectors load only when pulling
    from bot.connectors.query_service import pull_query_service

    settings = app.settings
    until = args.until or app.today()
    since = args.since or until - timedelta(days=settings.pull_days - 1)
    if since > until:
        print(f"--since {since} is after --until {until}", file=sys.stderr)
        return 2
    if args.product == "ajo" and not args.query_service:
        print(
            "AJO's numbers are pulled from AEP Query Service: add --query-service", file=sys.stderr
        )
        return 2
    notes: list[str] = []
    now = datetime.now(UTC)
    try:
        if args.product == "cja":
            reports = pull_cja(
                settings, app.store, since, until, now, data_view=args.data_view, notes=notes
            )
            name = f"CJA Reporting API ({args.data_view or settings.cja_data_view})"
        else:
            reports = pull_query_service(settings, app.store, since, until, now, notes=notes)
            name = "AEP Query Service"
    except ParityError as error:
        print(f"Nothing stored: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"reports": [r.to_dict() for r in reports], "notes": notes}))
        return 0
    print(render("ingest.j2", files=[Loaded(name, tuple(reports))]), end="")
    if not reports:
        print(f"{name}: nothing to store from {since} to {until}.")
    _print_notes(notes)
    return 0


def _print_notes(notes) -> None:
    for note in notes:
        print(f"⚠️ {note}")


def add_commands(command) -> None:
    """Register `pull` with the CLI's `command(name, handler, help)` helper."""
    pull = command(
        "pull", cmd_pull, "fetch numbers from the CJA Reporting API or AEP Query Service"
    )
    pull.add_argument("product", choices=("cja", "ajo"))
    pull.add_argument("--data-view", help="cja: the data view id (dv_...); else CJA_DATA_VIEW")
    pull.add_argument(
        "--query-service", action="store_true", help="ajo: count AJO's datasets in Query Service"
    )
    pull.add_argument("--since", type=date.fromisoformat, help="first day (YYYY-MM-DD)")
    pull.add_argument("--until", type=date.fromisoformat, help="last day (default: today)")
    pull.add_argument("--json", action="store_true", help="print the snapshots as JSON")
