"""Which product a question takes to be higher ("why is CJA lower?", "more opens in AJO").

People ask from what they saw in one product's dashboard; when the stored numbers run the
other way the answer says so first, rather than explaining a gap the asker has backwards.
Only plain comparatives next to a product's name count: "over" and "under" are as often
about dates ("over the last week"), and "missing" about data in general.
"""

from __future__ import annotations

import re

AJO_HIGHER = "ajo_higher"
CJA_HIGHER = "cja_higher"

_PRODUCTS = {
    "ajo": "ajo",
    "journey optimizer": "ajo",
    "cja": "cja",
    "customer journey analytics": "cja",
}
_PRODUCT = "|".join(name.replace(" ", r"\s+") for name in _PRODUCTS)
_MORE = r"higher|more|bigger|larger|greater|inflated"
_LESS = r"lower|less|fewer|smaller"
# Up to three words between ("cja's opens are showing 5% fewer"), none that makes "more"
# a request ("more detail on cja").
_FEW_WORDS = r"(?:(?!(?:info|information|details?|about|help|context)\b)[\w%.,]+\s+){0,3}?"
# "CJA is lower", "cja opens are showing fewer", "AJO's sent higher than CJA's".
_PRODUCT_FIRST = re.compile(rf"\b(?P<product>{_PRODUCT})\s+{_FEW_WORDS}(?P<word>{_MORE}|{_LESS})\b")
# "higher in CJA", "fewer opens on ajo", "more sends from journey optimizer".
_WORD_FIRST = re.compile(
    rf"\b(?P<word>{_MORE}|{_LESS})\s+{_FEW_WORDS}(?:in|on|from|for|by)\s+(?:the\s+)?"
    rf"(?P<product>{_PRODUCT})\b"
)


def read_premise(text: str) -> str | None:
    """AJO_HIGHER or CJA_HIGHER when the lower-cased question says which product is
    higher, None when it does not (or says both ways)."""
    said = {
        _higher(match)
        for pattern in (_PRODUCT_FIRST, _WORD_FIRST)
        for match in pattern.finditer(text)
    }
    return said.pop() if len(said) == 1 else None


def _higher(match: re.Match[str]) -> str:
    product = _PRODUCTS[" ".join(match["product"].split())]
    more = re.fullmatch(_MORE, match["word"]) is not None
    return AJO_HIGHER if (product == "ajo") == more else CJA_HIGHER
