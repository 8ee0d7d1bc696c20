"""The two products Parity compares, as their numbers are tagged everywhere."""

SOURCES: tuple[str, ...] = ("ajo", "cja")
