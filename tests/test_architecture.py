"""The shape of the code, checked: where time is read, who speaks Slack, no import loops.

These read the source with `ast` (every import, including those inside functions), so a
rule broken anywhere fails here with the file and line, not months later in production.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers")
# The wall clock is read in exactly one module; everything else is handed a Clock.
WALL_CLOCK = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time)\(")
CLOCK_MODULE = "bot.timing"
# Modules allowed to import slack_bolt / slack_sdk.
SLACK_SPEAKERS = ("bot.slack", "bot.app", "bot.server", "handlers")
# The core is pure: no Slack, no templates, no entry points, nothing from the wings.
CORE = ("bot.reconcile", "bot.store", "bot.ingest", "bot.language")
CORE_MAY_NOT_IMPORT = (
    "slack_bolt",
    "slack_sdk",
    "jinja2",
    "bot.answers",
    "bot.clock",
    "bot.slack",
    "bot.cli",
    "bot.app",
    "bot.server",
    "handlers",
)
TOP_LEVEL_LIMIT = 12


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


@cache
def imports(module: str) -> tuple[tuple[str, int], ...]:
    """Every module `module` imports (top level and inside functions), with the line."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}".rstrip(".")
            # `from bot.store import interactions` imports the module bot.store.interactions;
            # `from bot.store import Store` imports bot.store itself.
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule if submodule in modules() else base, node.lineno))
    return tuple(found)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_only_the_clock_module_reads_the_wall_clock():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for module, path in modules().items()
        if module != CLOCK_MODULE
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert not offenders, "read the time from the injected Clock instead:\n" + "\n".join(offenders)


def test_only_the_slack_wing_and_the_entry_points_import_slack():
    offenders = [
        f"{module}:{line} imports {name}"
        for module in modules()
        if not _within(module, SLACK_SPEAKERS)
        for name, line in imports(module)
        if _within(name, ("slack_bolt", "slack_sdk"))
    ]
    assert not offenders, "\n".join(offenders)


def test_the_core_imports_no_slack_templates_or_wings():
    offenders = [
        f"{module}:{line} imports {name}"
        for module in modules()
        if _within(module, CORE)
        for name, line in imports(module)
        if _within(name, CORE_MAY_NOT_IMPORT)
    ]
    assert not offenders, "\n".join(offenders)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    graph = {
        module: sorted(
            {name for name, _ in imports(module) if name in modules() and name != module}
        )
        for module in modules()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_no_import_loops_not_even_through_function_level_imports():
    assert _cycles() == []


def test_the_top_of_bot_stays_small():
    top = sorted(
        path.stem
        for path in (ROOT / "bot").glob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    )
    assert len(top) <= TOP_LEVEL_LIMIT, top


def test_the_tests_mirror_the_packages():
    packages = sorted(p.name for p in (ROOT / "bot").iterdir() if (p / "__init__.py").exists())
    missing = [name for name in packages if not (ROOT / "tests" / name).is_dir()]
    assert not missing, f"tests/ has no folder for bot/{missing}"
    assert (ROOT / "tests" / "handlers").is_dir()


def test_the_cycle_finder_finds_a_cycle(monkeypatch):
    """The loop test can fail: a planted loop between two real modules is found."""
    real = imports.__wrapped__

    def planted(module: str):
        found = real(module)
        if module == "bot.errors":
            return (*found, ("bot.config", 1))
        return found

    monkeypatch.setattr(f"{__name__}.imports", planted)
    assert ["bot.config", "bot.errors"] in _cycles()
