"""Questions as words: normalizing, cutting into words with their offsets, stemming.

Every step of the reader works on the same lower-cased text and blanks what it used (offsets
unchanged), so no word is read twice ("sent" is a metric, not a journey).
"""

from __future__ import annotations

import re
import unicodedata

from bot.formatting import LOOKALIKES
from bot.language.dates import blank
from bot.language.phrases import _UNITS

__all__ = ["Token", "blank", "normalize", "stem", "tokens", "words"]


# Combining marks (Thai vowels, Devanagari signs, Arabic harakat) are parts of their word,
# though \w does not match them: without them "ยินดีต้อนรับ" falls apart.
def _ranges(codes: list[int]) -> str:
    """Code points as a regex class body of ranges."""
    parts, start = [], None
    for code, following in zip(codes, [*codes[1:], None], strict=True):
        start = code if start is None else start
        if following != code + 1:
            parts.append(f"\\U{start:08x}-\\U{code:08x}")
            start = None
    return "".join(parts)


# (Every mark lies below U+30000, or in the variation selectors at U+E0100.)
_MARKS = _ranges(
    [
        c
        for c in [*range(0x30000), *range(0xE0100, 0xE01F0)]
        if unicodedata.category(chr(c))[0] == "M"
    ]
)
WORD = re.compile(rf"[^\W_](?:[^\W_]|[{_MARKS}])*|[|,;.!?&+/()\[\]\"#]|(?<=\s)-(?=\s)")
# Punctuation kept as tokens: a journey named in full (#) and the joins of a list.
KEPT = frozenset("#,+&")

# (offset, word) for a word still unread, None for a break (punctuation, a word used).
Token = tuple[int, str] | None


# A name copied from a reply holds look-alikes where it had formatting marks.
_MARKS_BACK = str.maketrans({alike: mark for mark, alike in LOOKALIKES.items()})


# Chat shorthand for calendar words, written out where a date phrase plainly holds it
# ("last wk", "past 2 mths", "prev qtr"): alone, "wk" or "mo" may be part of a journey name.
_UNIT_SHORTHAND = {"wk": "week", "mth": "month", "mo": "month", "yr": "year", "qtr": "quarter"}
_UNIT_CONTEXT = re.compile(
    rf"\b(?P<before>this|last|past|prev|previous|prior|next|a|{_UNITS})"
    r"\s*(?P<unit>wk|mth|mo|yr|qtr)(?P<plural>s?)\b"
)
_YESTERDAY = re.compile(r"\b(?:yday|yest|ystrdy)\b")


def _write_out(match: re.Match[str]) -> str:
    before = "previous" if match["before"] == "prev" else match["before"]
    return f"{before} {_UNIT_SHORTHAND[match['unit']]}{match['plural']}"


def normalize(text: str) -> str:
    """Lower case, formatting marks back from their look-alikes, one kind of apostrophe and
    dash, possessives and apostrophes dropped, calendar shorthand written out."""
    text = text.translate(_MARKS_BACK)
    text = re.sub(r"[’‘`´]", "'", text.lower())
    text = re.sub(r"'s\b", "", text).replace("'", "")
    text = _UNIT_CONTEXT.sub(_write_out, text)
    text = _YESTERDAY.sub("yesterday", text)
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
