"""Questions as words: normalizing, cutting into words with their offsets, stemming.

Every step of the reader works on the same lower-cased text and blanks what it used (offsets
unchanged), so no word is read twice ("sent" is a metric, not a journey).
"""

from __future__ import annotations

import re

from bot.language.dates import blank

__all__ = ["Token", "blank", "normalize", "stem", "tokens", "words"]

WORD = re.compile(r"[^\W_]+|[|,;.!?&+/()\[\]\"#]|(?<=\s)-(?=\s)")
# Punctuation kept as tokens: a journey named in full (#) and the joins of a list.
KEPT = frozenset("#,+&")

# (offset, word) for a word still unread, None for a break (punctuation, a word used).
Token = tuple[int, str] | None


def normalize(text: str) -> str:
    """Lower case, one kind of apostrophe and dash, possessives and apostrophes dropped."""
    text = re.sub(r"[’‘`´]", "'", text.lower())
    text = re.sub(r"'s\b", "", text).replace("'", "")
    return re.sub(r"[‐‑‒–—−]", "-", text)


def stem(word: str) -> str:
    """Strip the few English endings that make "bounced", "bounces" and "bounce" differ."""
    for suffix, replacement, shortest in (
        ("ies", "y", 5),
        ("ied", "y", 5),
        ("ing", "", 6),
        ("ment", "", 8),
        ("ed", "", 5),
        ("es", "", 5),
        ("s", "", 4),
    ):
        if word.endswith(suffix) and len(word) >= shortest and not word.endswith("ss"):
            return word[: -len(suffix)] + replacement
    return word


def words(text: str) -> list[str]:
    return [word for word in WORD.findall(text.lower()) if word[0].isalnum()]


def tokens(text: str) -> list[Token]:
    return [
        (match.start(), match[0]) if match[0][0].isalnum() or match[0] in KEPT else None
        for match in WORD.finditer(text)
    ]
