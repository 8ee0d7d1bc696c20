"""Giving a long-running process's freed memory back to the system after an answer.

A large answer (13 months of every metric) grows the heap by hundreds of megabytes and frees
it when done, but glibc's malloc keeps what was freed in its arenas for the next request,
and pyarrow's pool (mimalloc, behind pandas' strings) keeps its pages too: a web worker then
stays as large as the largest question it ever answered. `malloc_trim(0)` hands glibc's
free pages back; the pool's `release_unused()` does the same for pyarrow's. Elsewhere (macOS,
musl) there is no `malloc_trim` and this does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, if this process's C library has one."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process runs with
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


MALLOC_TRIM = _malloc_trim()


def give_back() -> bool:
    """Return the heap's free pages to the system; True when glibc released some. Costs a
    walk over malloc's free lists (a millisecond or two after a large answer), nothing
    where there is no `malloc_trim`."""
    pyarrow = sys.modules.get("pyarrow")  # only if something loaded it
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    return bool(MALLOC_TRIM(0)) if MALLOC_TRIM is not None else False
