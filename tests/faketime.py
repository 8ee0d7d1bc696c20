"""Running under Debian's faketime, as `.ci/run`'s second pass does.

It runs the suite with FAKETIME_DONT_FAKE_MONOTONIC=1 (a faked monotonic clock hangs every
timed thread wait). libfaketime 0.9.10 then breaks Python 3.11's time.sleep, an absolute
clock_nanosleep (wolfcw/libfaketime#426): it sleeps for 400 days or fails with EINVAL. Sleep
by a relative timeout instead, in the test process and in the servers it starts.
"""

from __future__ import annotations

import os
import select
import time

ACTIVE = "faketime" in os.environ.get("LD_PRELOAD", "")


def _relative_sleep(seconds: float) -> None:
    select.select([], [], [], max(seconds, 0.0))


def mend_sleep() -> None:
    """Replace time.sleep before anything captures it (a no-op outside faketime)."""
    if ACTIVE:
        time.sleep = _relative_sleep


def python_module(module: str) -> list[str]:
    """The arguments after the interpreter that run `module` as `python -m` would, with
    time.sleep mended first under faketime (gunicorn's arbiter sleeps between forks)."""
    if not ACTIVE:
        return ["-m", module]
    run = (
        "import runpy, tests.faketime as f; f.mend_sleep(); "
        f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    )
    return ["-c", run]
