"""Journey identity across sources: by journey id when an export has one, else by name."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import Connection, insert, select, update

from bot.store.concurrency import insert_or_skip
from bot.store.schema import MAX_KEY_CHARS, MAX_NAME_CHARS, journeys, series


def name_problem(what: str, name: str) -> str | None:
    """Why `name` cannot be stored as a `what` ("journey name", "action"...), or None."""
    if len(name) > MAX_NAME_CHARS:
        return (
            f"{what} '{name[:40]}…' is {len(name):,} characters long; names, ids, actions and "
            f"channels may have at most {MAX_NAME_CHARS}"
        )
    if what == "journey name" and len(name_key(name)) > MAX_KEY_CHARS:
        return (
            f"{what} '{name[:40]}…' is longer than {MAX_KEY_CHARS} characters once its "
            "compatibility characters are spelled out"
        )
    return None


# Emoji presentation selectors: "❤️" and "❤" are one heart.
_INVISIBLE = dict.fromkeys(range(0xFE00, 0xFE10))


def name_key(name: str) -> str:
    """The words of a name, folded, so that spelling variants of one name meet.

    Unicode NFKC (full-width and compatibility forms), casefold, and accents dropped from
    letters (the combining diacritical marks U+0300–U+036F: "Café" meets "cafe"); marks that
    are letters' parts in other scripts (Thai vowels, Devanagari signs, kana voicing) stay.
    A word is a run of letters, marks, digits and non-ASCII symbols (emoji); everything else
    separates words. So a name in any script keeps its own identity, and an ASCII name with
    a letter or digit keeps the key it always had: its lower-case runs of a-z and 0-9,
    joined by single spaces.
    """
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_INVISIBLE)
    decomposed = unicodedata.normalize("NFD", folded)
    bare = "".join(c for c in decomposed if not 0x300 <= ord(c) <= 0x36F)
    text = unicodedata.normalize("NFC", bare)
    words, word = [], []
    for char in text:
        if _in_word(char):
            word.append(char)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    # A name of punctuation only is its own identity, not everyone's empty key.
    return " ".join(words) or " ".join(text.split())


def _in_word(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LMN" or (category[0] == "S" and not char.isascii())


def resolve_journeys(
    conn: Connection, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Map (name, journey_id) pairs to journey keys, creating journeys as needed.

    A journey id wins over a name; a name-only row joins the journey of that name; an id
    seen for the first time adopts a stored journey of the same name that has no id yet
    (CJA exports often lack ids that AJO's have).
    """
    rows = conn.execute(select(journeys.c.id, journeys.c.name_key, journeys.c.external_id))
    by_id: dict[str, int] = {}
    by_name: dict[str, list[tuple[int, str | None]]] = {}
    for key, nkey, external_id in rows:
        if external_id:
            by_id[external_id] = key
        by_name.setdefault(nkey, []).append((key, external_id))

    resolved: dict[tuple[str, str], int] = {}
    for name, external_id in sorted(set(pairs), key=lambda p: (p[1] == "", p)):
        nkey = name_key(name)
        candidates = by_name.get(nkey, [])
        if external_id and external_id in by_id:
            key = by_id[external_id]
        elif external_id and (idless := [k for k, ext in candidates if not ext]):
            key = idless[0]
            conn.execute(
                update(journeys).where(journeys.c.id == key).values(external_id=external_id)
            )
            candidates.remove((key, None))
            candidates.append((key, external_id))
            by_id[external_id] = key
        elif not external_id and candidates:
            key = min(k for k, _ in candidates)
        else:
            key = conn.execute(
                insert(journeys).values(name=name, name_key=nkey, external_id=external_id or None)
            ).inserted_primary_key[0]
            by_name.setdefault(nkey, []).append((key, external_id or None))
            if external_id:
                by_id[external_id] = key
        resolved[(name, external_id)] = key
    return resolved


def resolve_series(
    conn: Connection, triples: Iterable[tuple[int, str, str]]
) -> dict[tuple[int, str, str], int]:
    """Map (journey_key, action, channel) to series ids, creating the missing ones."""
    wanted = set(triples)
    known = {
        (row.journey_key, row.action, row.channel): row.id
        for row in conn.execute(select(series))
        if (row.journey_key, row.action, row.channel) in wanted
    }
    for journey_key, action, channel in sorted(wanted - known.keys()):
        # uq_series: a series another writer stored meanwhile is used, never duplicated.
        conn.execute(
            insert_or_skip(conn, series).values(
                journey_key=journey_key, action=action, channel=channel
            )
        )
        known[(journey_key, action, channel)] = conn.scalar(
            select(series.c.id).where(
                series.c.journey_key == journey_key,
                series.c.action == action,
                series.c.channel == channel,
            )
        )
    return known
