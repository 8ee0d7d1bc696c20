"""Snapshot pulls the clock can run: named plain functions, found in bot/connectors/.

A pull is `pull_<name>(settings, store, since, until, now)`: it fetches one product's
numbers for the days `since`..`until` and stores them as snapshots. PARITY_PULLS schedules
them by name ("cja=0 */6 * * *"). The registry is a plain dict, so tests hand the clock a
stub and the connectors need not know the clock exists.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Mapping
from datetime import date, datetime

from bot.config import Settings
from bot.errors import ConfigError
from bot.store import Store

log = logging.getLogger(__name__)

PullFunction = Callable[[Settings, Store, date, date, datetime], object]
CONNECTORS = "bot.connectors"


def discover(package: str = CONNECTORS) -> dict[str, PullFunction]:
    """Every `pull_<name>` function in the connectors package and its modules, by name.

    A connector module that cannot be imported (a missing optional dependency) is logged
    and left out; a schedule naming it then fails at the clock's start, saying so.
    """
    try:
        root = importlib.import_module(package)
    except ModuleNotFoundError as error:
        if error.name == package:
            return {}
        raise
    modules = [root]
    for info in pkgutil.iter_modules(getattr(root, "__path__", [])):
        try:
            modules.append(importlib.import_module(f"{package}.{info.name}"))
        except ImportError as error:
            log.warning("connector %s.%s not available: %s", package, info.name, error)
    found: dict[str, PullFunction] = {}
    for module in modules:
        for attribute, value in vars(module).items():
            if attribute.startswith("pull_") and callable(value):
                found.setdefault(attribute.removeprefix("pull_"), value)
    return found


def check_configured(settings: Settings, registry: Mapping[str, PullFunction]) -> None:
    """Refuse to start a clock whose PARITY_PULLS names a pull nobody provides."""
    missing = sorted(set(settings.pulls) - set(registry))
    if missing:
        known = ", ".join(sorted(registry)) or "none yet"
        raise ConfigError(
            f"PARITY_PULLS names {', '.join(missing)}, which no connector provides "
            f"(pulls available: {known})."
        )
