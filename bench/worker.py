"""python -m bench --worker-questions N --journeys J: a web worker's memory after N questions.

One process, as a web worker is: a store of J journeys (bench.sizes' canonical files), one
Parity with its result cache live, and N questions worded the way people write them,
drawn from a seeded mix of metrics, ranges, journeys, breakdowns and intents. Printed: the
worker's resident memory after the first question, a tenth of them and the last (VmRSS:
a leak grows between the last two), its peak
(VmHWM), the time per question (median, 95th percentile, slowest) and how many questions
were asked back, refused (an error Parity explains) or failed (an error id). Each size
runs in a child process, so sizes do not share heap.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date

from bench.data import canonical_file

LAST_DAY = date(2026, 11, 29)

# As people write them in a channel, capitalised; the mix lower-cases half.
METRIC_WORDS = (
    "Sent",
    "Sends",
    "Delivered",
    "Deliveries",
    "Bounces",
    "Bounced",
    "Errors",
    "Excluded",
    "Opens",
    "Clicks",
    "Unsubscribes",
    "Spam complaints",
)
RANGES = (
    "",
    "last 7 days",
    "last week",
    "last 30 days",
    "this month",
    "in October",
    "last month",
    "since Nov 1",
    "Nov 3 to Nov 20",
    "last 90 days",
    "last quarter",
    "last 13 months",
)
FORMS = (
    "why don't {metric} numbers match {range}?",
    "{metric} {range} for {journey}",
    "reconcile {metric} {range}",
    "what's the gap on {metric} {range} by journey",
    "which dates are safe for {metric}?",
    "{metric} by day {range}",
    "why is cja lower than ajo for {metric} in {journey} {range}",
    "reconcile everything {range}",
    "status",
    "help",
)
WEIGHTS = (4, 3, 3, 2, 2, 2, 2, 1, 1, 1)  # mostly reconciliations, as in a team's channel


def questions(count: int, journeys: int, seed: int = 7) -> list[str]:
    """`count` questions from a seeded mix; the same seed gives the same list."""
    rng = random.Random(seed)
    asked = []
    for _ in range(count):
        form = rng.choices(FORMS, weights=WEIGHTS)[0]
        text = form.format(
            metric=rng.choice(METRIC_WORDS),
            range=rng.choice(RANGES),
            journey=f"Journey {rng.randrange(journeys)}",
        )
        # People type in lower case, and sometimes shout.
        text = rng.choice((text, text.lower(), text.lower(), text.upper()))
        asked.append(" ".join(text.split()))
    return asked


CHILD = """
import json, statistics, sys, time
from bench.worker import LAST_DAY, questions
from bot.answers.service import Parity
from bot.config import Settings
from bot.store import Store

def memory(field):
    line = next(x for x in open('/proc/self/status') if x.startswith(field))
    return int(line.split()[1]) / 1024

url, count, journeys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
app = Parity(Store.open(url), Settings(today_override=LAST_DAY))
times, asked_back, failed, refused, after_first, after_tenth = [], 0, 0, 0, None, None
for text in questions(count, journeys):
    started = time.perf_counter()
    answer = app.ask(text)
    times.append(time.perf_counter() - started)
    asked_back += bool(answer.query.unclear)
    failed += bool(answer.error_id)
    refused += bool(answer.error and not answer.error_id)
    if after_first is None:
        after_first = memory('VmRSS')
    if len(times) == count // 10:
        after_tenth = memory('VmRSS')
times.sort()
print(json.dumps({
    "after_first_mb": after_first, "after_tenth_mb": after_tenth,
    "after_last_mb": memory('VmRSS'), "peak_mb": memory('VmHWM'),
    "median_s": statistics.median(times), "p95_s": times[int(0.95 * (len(times) - 1))],
    "slowest_s": times[-1], "asked_back": asked_back, "failed": failed,
    "refused": refused, "total_s": sum(times),
}))
"""


def run(sizes: list[int], count: int) -> None:
    """Build each size's SQLite store once, then ask `count` questions in a fresh process."""
    from bench.sizes import _sqlite_url, ingest_process

    print(
        "| journeys | RSS after 1st | after a tenth | after the last | peak | median | p95 "
        "| slowest | asked back | refused | failed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for journeys in sizes:
        files = [canonical_file(source, LAST_DAY, journeys)[0] for source in ("ajo", "cja")]
        with _sqlite_url(journeys) as url:
            ingest_process(url, files)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, url, str(count), str(journeys)],
                capture_output=True,
                text=True,
            )
        if out.returncode:
            raise RuntimeError(f"worker failed: {out.stderr[-2000:]}")
        f = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {journeys:,} | {f['after_first_mb']:,.0f} MB | {f['after_tenth_mb']:,.0f} MB "
            f"| {f['after_last_mb']:,.0f} MB "
            f"| {f['peak_mb']:,.0f} MB | {f['median_s'] * 1000:,.0f} ms "
            f"| {f['p95_s'] * 1000:,.0f} ms | {f['slowest_s']:,.1f} s "
            f"| {f['asked_back']} of {count} | {f['refused']} | {f['failed']} |",
            flush=True,
        )


if __name__ == "__main__":  # pragma: no cover - python -m bench.worker 50 1000
    run([int(n) for n in sys.argv[1].split(",")], int(sys.argv[2]))
