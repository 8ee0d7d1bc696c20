"""Command line: python -m bot {demo,ask,chat,ingest,pull,status,serve,digest,clock,evaluate}.

Every command builds Settings once from the environment (flags override), opens the store
and goes through bot.answers.service, the same path Slack answers take.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import sys
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from bot.alerts.cli import add_commands as add_alert_commands
from bot.answers.commands import direct_query
from bot.answers.render import render
from bot.answers.service import Parity
from bot.clock.cli import add_commands
from bot.config import Settings, load_settings
from bot.errors import ParityError
from bot.evaluate import cmd_evaluate
from bot.formatting import format_scope
from bot.ingest.loading import load_file
from bot.ops import logs
from bot.ops.activity import acting
from bot.ops.snapshots import add_commands as add_snapshot_commands
from bot.store import Store

DEMO_DATABASE_URL = "sqlite:///parity-demo.db"
DEMO_QUESTION = "why don't Sent numbers match?"


def _print_answer(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(answer.text)


def cmd_ingest(app, args: argparse.Namespace) -> int:
    results = []
    for path in args.files:
        with _progress_bar(path) as bar:
            results.append(
                load_file(
                    app.store,
                    path,
                    source=args.source,
                    captured_at=args.captured_at,
                    journey=args.journey,
                    metric_ids=app.settings.cja_metric_ids(),
                    date_order=args.date_order,
                    progress=None if bar is None else bar.update,
                    limits=app.settings.limits,
                )
            )
    print(render("ingest.j2", files=results), end="")
    _check_alerts(app, [report for loaded in results for report in loaded.reports])
    return 1 if any(r.error for r in results) else 0


def _progress_bar(path):
    """A progress bar of numbers stored, on a terminal only (scripts and logs get none)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from tqdm import tqdm  # loaded only where a bar is drawn

    return tqdm(desc=Path(path).name, unit=" numbers", unit_scale=True, leave=False)


def _check_alerts(app, reports) -> None:
    """The alert checks after an ingest, as after any snapshot; posted when Slack is set up."""
    from bot.clock import alerting, guard  # Slack's client loads only when checking
    from bot.slack.client import make_client

    client = make_client(app.settings) if app.settings.slack_bot_token else None
    runtime = guard.Runtime(app.settings, app.store, client, clock=app.clock)
    outcomes = alerting.after_snapshots(runtime, reports)
    if outcomes:
        print(render("ingest.j2", alerts=outcomes, posting=client is not None, files=[]), end="")


def cmd_ask(app: Parity, args: argparse.Namespace) -> int:
    if args.question == "-":
        # One answer per input line, an empty line included, so outputs stay aligned.
        for line in sys.stdin:
            if line.strip():
                _print_answer(app.ask(line.strip(), today=args.today), args.json)
            else:
                print("{}" if args.json else "")
            sys.stdout.flush()
        return 0
    answer = app.ask(args.question, today=args.today)
    _print_answer(answer, args.json)
    if args.chart:
        _write_charts(answer, args.chart)
    elif answer.query.chart and answer.metrics and not args.json:
        print("(For the chart as a file: add --chart FILE.png.)")
    return 1 if answer.error_id else 0


def _write_charts(answer, path: Path) -> None:
    """One PNG per metric: FILE.png for one, FILE-metric.png each for several."""
    from bot.answers.charts import chart_png  # matplotlib loads only when a chart is asked

    results = answer.compared_metrics or answer.metrics
    if not results:
        print(f"No chart: {answer.headline}", file=sys.stderr)
        return
    scope = format_scope(answer.query.start, answer.query.end, answer.query.journeys)
    for result in results:
        target = path if len(results) == 1 else path.with_stem(f"{path.stem}-{result.metric}")
        target.write_bytes(chart_png(result, scope))
        print(f"Chart: {target}", file=sys.stderr)


def cmd_chat(app: Parity, args: argparse.Namespace) -> int:
    """Questions one after another; a follow-up ("and for clicks?") keeps the rest of the
    previous question. Line editing and history come from readline where it exists."""
    history = _line_editing()
    conversation = f"chat:{uuid.uuid4().hex}"
    print("Ask about AJO and CJA numbers; 'help' for examples, 'quit' to leave.")
    try:
        while True:
            try:
                question = input("parity> ").strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if question.lower() in {"quit", "exit", "q"}:
                return 0
            if question:
                print(app.ask(question, today=args.today, conversation=conversation).text)
    finally:
        if history:
            history()


def _line_editing():
    """Arrow keys and a history kept in ~/.parity_history; returns what saves it."""
    try:
        import readline  # not on every platform; chat works without it
    except ImportError:
        return None
    path = Path.home() / ".parity_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(path)

    return save


def cmd_status(app: Parity, args: argparse.Namespace) -> int:
    today = args.today or app.today()
    _print_answer(app.answer(direct_query("status", today), today), args.json)
    return 0


def cmd_demo(app: Parity, args: argparse.Namespace) -> int:
    from bot.evaluate.demo import generate  # only the demo needs the generator

    today = args.today or app.today()
    stored = 0
    for frame in generate(today):
        source = frame["source"].iloc[0]
        reports = app.store.save(frame, origin=f"demo {source} export")
        stored += sum(not r.duplicate for r in reports)
    print(f"Demo store: {app.settings.database_url} ({stored} new snapshots).")
    print(f"> {args.question}\n")
    answer = app.ask(args.question, today=today)
    _print_answer(answer, args.json)
    if not args.json:
        hint = f"PARITY_TODAY={today.isoformat()} " if args.today else ""
        # The interpreter that ran the demo (the README's .venv), so the lines work pasted.
        python = _runnable(sys.executable)
        print(
            "Ask more with:\n"
            f'  DATABASE_URL={app.settings.database_url} {hint}{python} -m bot ask "QUESTION"\n'
            f"  DATABASE_URL={app.settings.database_url} {hint}{python} -m bot chat"
        )
    return 0


def _runnable(executable: str) -> str:
    """The interpreter's path as typed from here: relative under this folder, else as is."""
    path = Path(executable)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cmd_serve(app: Parity, args: argparse.Namespace) -> int:
    from bot import server

    app.store.close()  # each server process opens its own store
    socket_mode = args.socket_mode or (app.settings.slack_app_token and not args.http)
    if socket_mode:
        server.serve_socket_mode(app.settings)
    else:
        server.serve_http(app.settings, workers=args.processes)
    return 0


def _iso_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", help="overrides DATABASE_URL")
    common.add_argument("--today", type=date.fromisoformat, help="pretend today is YYYY-MM-DD")
    common.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Parity: why Adobe Journey Optimizer and CJA numbers differ.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
        sub.set_defaults(handler=handler, needs_store=True)
        return sub

    ask = command("ask", cmd_ask, "answer one question ('-' reads one per line from stdin)")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the JSON answer")
    ask.add_argument("--chart", type=Path, metavar="FILE.png", help="write the chart as PNG")

    command("chat", cmd_chat, "ask questions interactively")

    ingest = command("ingest", cmd_ingest, "store AJO or CJA exports (CSV, JSON)")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--source", choices=("ajo", "cja"), help="when the file has no column")
    ingest.add_argument(
        "--captured-at", type=_iso_datetime, help="when the numbers were captured (ISO 8601)"
    )
    ingest.add_argument(
        "--journey", help="the journey of a table or response that does not name its own"
    )
    ingest.add_argument(
        "--date-order",
        choices=("dmy", "mdy"),
        help="how to read dates like 05/11/2026 when the file's dates fit both orders",
    )

    status = command("status", cmd_status, "what is stored and how fresh it is")
    status.add_argument("--json", action="store_true")

    serve = command("serve", cmd_serve, "run the Slack app (Socket Mode with SLACK_APP_TOKEN)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="HTTP mode even with SLACK_APP_TOKEN")
    mode.add_argument("--socket-mode", action="store_true", help="Socket Mode (SLACK_APP_TOKEN)")
    serve.add_argument("--processes", type=int, default=1, help="HTTP worker processes")

    add_commands(command)  # digest, clock, pull
    add_alert_commands(command)  # watch, unwatch, alerts
    add_snapshot_commands(command)  # snapshots list|show|drop|undo

    demo = command("demo", cmd_demo, "build a demo store and answer a question")
    demo.add_argument("--question", default=DEMO_QUESTION)
    demo.add_argument("--json", action="store_true")

    evaluate = command("evaluate", cmd_evaluate, "score cause attribution on generated data")
    evaluate.set_defaults(needs_store=False)  # it generates its own data in memory
    evaluate.add_argument(
        "--scenarios", type=int, default=None, help="how many to generate (days 140, events 40)"
    )
    evaluate.add_argument(
        "--model",
        choices=("days", "events", "both"),
        default="days",
        help="the day-level generator, the event-level simulator, or both",
    )
    evaluate.add_argument("--seed", type=int, default=1)
    evaluate.add_argument(
        "--hourly",
        action="store_true",
        help="event-level scenarios' AJO numbers carry hourly counts (a Query Service pull)",
    )
    evaluate.add_argument("--json", action="store_true")
    return parser


# Options worth recording with what a command stored (never --database-url: a password).
_RECORDED_OPTIONS = ("source", "captured_at", "journey", "date_order", "product", "data_view",
                     "since", "until", "query_service")  # fmt: skip
_RECORDED_WORDS = ("action", "id")  # positionals: "snapshots drop 3"


def command_line(args: argparse.Namespace) -> str:
    """The command as provenance tells it, and the account that ran it:
    "python -m bot ingest --source ajo (dana)"."""
    words = ["python -m bot", args.command]
    words += [str(getattr(args, w)) for w in _RECORDED_WORDS if getattr(args, w, None) is not None]
    for option in _RECORDED_OPTIONS:
        value = getattr(args, option, None)
        if value is True:
            words.append(f"--{option.replace('_', '-')}")
        elif value not in (None, False):
            words.append(f"--{option.replace('_', '-')} {value}")
    with contextlib.suppress(OSError, KeyError):  # no login name here: the command alone
        words.append(f"({getpass.getuser()})")
    return " ".join(words)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format=logs.TEXT_FORMAT)
    try:
        url = args.database_url or (DEMO_DATABASE_URL if args.command == "demo" else None)
        settings: Settings = load_settings(database_url=url, today_override=args.today)
        if settings.log_format == "json":
            logs.configure(settings.log_format, level)
        clock = settings.clock()
        store = Store.open(settings.database_url, clock) if args.needs_store else None
    except ParityError as error:
        print(error, file=sys.stderr)
        return 2
    except (ArgumentError, OperationalError) as error:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        print(f"Cannot open the database {shown}: {reason}", file=sys.stderr)
        return 2
    try:
        with acting("command", command_line(args)):
            return args.handler(Parity(store, settings, clock), args)
    except ParityError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        if store is not None:
            store.close()
