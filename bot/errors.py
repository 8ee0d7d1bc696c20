"""Errors meant for the person asking; each is turned into a reply in exactly one place.

Anything that is not a ParityError is a bug: it is logged with a traceback and the person
gets a short apology with an error id instead.
"""

from __future__ import annotations


class ParityError(Exception):
    """An error whose message is written for the person who asked."""


class BadInput(ParityError):
    """A file or value that cannot be used, located as precisely as we can."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        self.column = column
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem

    def in_file(self, file: str) -> BadInput:
        """The same error, naming the file it came from."""
        return BadInput(self.problem, file=file, line=self.line, column=self.column)


class UnknownMetric(ParityError):
    """A metric name nobody maps to a canonical metric."""


class UnknownJourney(ParityError):
    """A journey name that matches none of the stored journeys."""


class NoSnapshots(ParityError):
    """Nothing stored yet for what was asked."""


class ConfigError(ParityError):
    """One or more environment variables are missing or invalid (all are named)."""


class PullFailed(ParityError):
    """A connector could not fetch a product's numbers (the service said no, or kept failing)."""
