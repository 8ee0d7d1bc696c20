"""Journey identity in every script, and one length limit for names, on both backends."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from bot.errors import BadInput
from bot.ingest import read_bytes
from bot.store import Store
from bot.store.identity import name_key
from bot.store.schema import MAX_NAME_CHARS, SCHEMA_VERSION, journeys
from tests.builders import frame

DAY = "2026-11-20"

# Pairs of journeys that must stay two, in scripts with no a-z or 0-9.
DISTINCT = [
    ("Приветствие", "Напоминание"),  # Cyrillic
    ("欢迎系列", "购物车提醒"),  # Chinese
    ("ようこそ", "おかえり"),  # Japanese
    ("مرحبا", "تذكير"),  # Arabic
    ("ברוכים הבאים", "תזכורת"),  # Hebrew
    ("ยินดีต้อนรับ", "ยินดีต้อนรบ"),  # Thai: one vowel mark apart
    ("🚀", "🎉"),  # emoji only
    ("🚀 Launch", "🎉 Launch"),
    ("---", "***"),  # punctuation only
]

# Spellings of one journey: case, width, accents, compatibility forms, spacing.
SAME = [
    ("Welcome-Series ", "welcome series"),
    ("Ｗｅｌｃｏｍｅ Ｓｅｒｉｅｓ", "Welcome Series"),
    ("Café Launch", "CAFE launch"),
    ("Straße", "STRASSE"),
    ("ＰＲＩＶＥＴ", "privet"),
    ("Приветствие", "ПРИВЕТСТВИЕ"),
    ("ﾖｳｺｿ", "ヨウコソ"),
    ("❤️ Day", "❤ day"),
]


@pytest.mark.parametrize(("one", "other"), DISTINCT)
def test_names_in_every_script_keep_distinct_keys(one, other):
    assert name_key(one)
    assert name_key(other)
    assert name_key(one) != name_key(other)


@pytest.mark.parametrize(("one", "other"), SAME)
def test_spellings_of_one_name_share_a_key(one, other):
    assert name_key(one) == name_key(other)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_an_ascii_names_key_is_the_one_it_always_had(name):
    old = " ".join(re.findall(r"[0-9a-z]+", name.casefold()))
    if old:  # a name of punctuation only used to share the empty key with every other
        assert name_key(name) == old


@given(st.text(max_size=30))
def test_a_key_is_stable_under_its_own_folding(name):
    assert name_key(name_key(name)) == name_key(name)


def test_journeys_in_other_scripts_are_stored_apart(store):
    names = [name for pair in DISTINCT for name in pair]
    store.save(
        frame(*({"source": "ajo", "day": DAY, "value": 1, "journey": n} for n in names)), "x.csv"
    )
    store.save(
        frame(*({"source": "cja", "day": DAY, "value": 2, "journey": n} for n in names)), "y.csv"
    )
    assert sorted(store.journey_names().values()) == sorted(names)
    both = store.comparison(date(2026, 11, 20), date(2026, 11, 20))
    assert len(both) == len(names)
    assert (both["ajo"] == 1).all()
    assert (both["cja"] == 2).all()


def test_a_version_3_store_gets_keys_for_every_script(database_url):
    old = Store.open(database_url)
    old.save(frame({"source": "ajo", "day": DAY, "value": 5, "journey": "Приветствие"}), "a.csv")
    old.save(frame({"source": "ajo", "day": DAY, "value": 7, "journey": "Welcome"}), "b.csv")
    with old.engine.begin() as conn:  # as version 3 stored them
        conn.execute(update(journeys).where(journeys.c.name == "Приветствие").values(name_key=""))
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE series ALTER COLUMN channel TYPE VARCHAR(50)"))
        conn.execute(text("UPDATE schema_info SET version = 3"))
    old.close()

    store = Store.open(database_url)
    try:
        store.save(frame({"source": "cja", "day": DAY, "value": 4, "journey": "Напоминание"}), "c")
        wide = "c" * MAX_NAME_CHARS  # was 50 at most on PostgreSQL
        store.save(frame({"source": "cja", "day": DAY, "value": 4, "channel": wide}), "wide")
        with store.engine.connect() as conn:
            keys = dict(conn.execute(select(journeys.c.name, journeys.c.name_key)).all())
            version = conn.scalar(text("SELECT version FROM schema_info"))
    finally:
        store.close()
    assert version == SCHEMA_VERSION
    assert keys == {
        "Приветствие": "приветствие",
        "Welcome": "welcome",
        "Напоминание": "напоминание",
        "Welcome Series": "welcome series",
    }


LONG = "x" * (MAX_NAME_CHARS + 1)


@pytest.mark.parametrize("column", ["journey", "journey_id", "action", "channel"])
def test_a_name_over_the_limit_is_refused_by_the_store_on_both_backends(store, column):
    with pytest.raises(BadInput, match=f"at most {MAX_NAME_CHARS}"):
        store.save(frame({"source": "ajo", "day": DAY, "value": 1, column: LONG}), "long.csv")
    assert store.journey_names() == {}
    fits = "y" * MAX_NAME_CHARS
    store.save(frame({"source": "ajo", "day": DAY, "value": 1, column: fits}), "fits.csv")


@pytest.mark.parametrize("column", ["journey", "journey_id", "action", "channel"])
def test_a_file_with_a_name_over_the_limit_is_refused_at_its_line(column):
    header = "source,journey,journey_id,action,channel,day,metric,value\n"
    cells = {"journey": "W", "journey_id": "", "action": "", "channel": ""}
    good = "ajo,{journey},{journey_id},{action},{channel},2026-11-20,sent,4\n"
    data = header + good.format(**cells) + good.format(**{**cells, column: LONG})
    with pytest.raises(BadInput) as refused:
        read_bytes(data.encode(), name="long.csv")
    assert refused.value.line == 3
    assert refused.value.column == column
    assert f"at most {MAX_NAME_CHARS}" in str(refused.value)
