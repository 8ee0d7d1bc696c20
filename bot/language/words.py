"""The vocabulary of questions, as data: intents, breakdowns, metric words, filler words.

Everything that varies between phrasings lives here, so a new way of asking is one line in a
table; bot.language walks the question with these tables and has no words of its own.
"""

from __future__ import annotations

import re

# Checked in this order; the first that matches names the intent. Each match is blanked, so
# its words are not read again as metrics or journeys.
INTENT_KEYWORDS: tuple[tuple[str, str], ...] = (
    (
        "safe_range",
        r"safe(?:ly)?|trust\w*|reliab\w*|final(?:ized)?|settled?|confident|stable"
        r"|(?:which|what)\s+(?:dates?|days?|range|date\s+range)|report\s+on|to\s+report"
        r"|can\s+i\s+(?:report|use)|(?:ok|okay|good)\s+to\s+(?:use|report|share)"
        r"|how\s+far\s+back|how\s+many\s+days|how\s+long|(?:should\s+i\s+)?wait\s+before"
        r"|(?:stop|still|done)\s+moving|too\s+early|up\s+to\s+(?:what|which)(?:\s+(?:date|day))?"
        r"|latest\s+day|(?:date\s+)?(?:range|window)\s+(?:for|to)|dates\s+for",
    ),
    ("digest", r"digests?|weekly\s+(?:summary|report|recap)|recap|summary"),
    (
        "status",
        r"status|fresh(?:ness)?|stale|snapshots?|imports?|imported|ingest\w*|up\s+to\s+date"
        r"|updated|refreshed|(?:last|latest)\s+(?:update|upload|load|sync|refresh|pull|data|export)"
        r"|new\s+(?:data|exports?)|pulls?|feeds?|clock|stored|how\s+(?:current|recent|old)"
        r"|latest\s+data|sync",
    ),
    (
        "reconcile",
        r"reconcil\w*|recon|compar\w*|match\w*|mismatch\w*|gaps?|differ\w*|diffs?"
        r"|discrepanc\w*|vs|versus|against|why|explain\w*|add\s+up|disagree\w*|deltas?"
        r"|off\s+by|wrong|line\s+up|look\s+right|how\s+come|check",
    ),
    (
        "help",
        r"help|what\s+can\s+(?:you\s+do|i\s+ask)|what\s+do\s+you\s+(?:do|know)"
        r"|what\s+should\s+i\s+ask|how\s+do\s+i\s+(?:use|ask)|how\s+does\s+(?:this|it)\s+work"
        r"|commands?|usage|examples?|what\s+questions",
    ),
)
# Said alone, a greeting gets the help.
GREETINGS = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|yo|good\s+(?:morning|afternoon|evening)|morning)"
    r"(?:\s+(?:there|parity|bot|team|all))?\W*$"
)

BREAKDOWN_KEYWORDS: tuple[tuple[str, str], ...] = (
    (
        "journey",
        r"(?:by|per|each|every\s+single|for\s+each|across|split\s+by)\s+journeys?"
        r"|journey\s+by\s+journey|which\s+journeys?(?:\s+(?:has|have|had|is|are))?",
    ),
    ("day", r"(?:by|per|each|for\s+each)\s+(?:day|date)s?|daily|day\s+by\s+day"),
)
CHART_KEYWORDS = (
    r"charts?|chart\s+it|graphs?|graph\s+it|plots?|plot\s+it|visuali[sz]e|trend(?:s|line)?"
)

# Rates Parity reads as the count they are made of, and says so (on top of the words in
# bot.metrics' table: any form there with "rate" in it, or "ctr", is a rate too).
RATE_ALIASES: dict[str, tuple[str, ...]] = {
    "bounces": ("bounce rate",),
    "opens": ("open rate",),
    "clicks": ("click rate", "ctr", "click through rate", "clickthrough rate"),
    "delivered": ("delivery rate", "deliverability"),
    "unsubscribes": ("unsubscribe rate", "unsub rate", "opt out rate"),
    "spam_complaints": ("complaint rate", "spam rate"),
}
# Words people use for numbers neither product reports: asked back, never dropped.
UNKNOWN_METRICS = frozenset(
    """
    revenue conversions conversion purchases orders aov roi ctor sessions visits visitors
    pageviews views users ltv leads signups installs downloads spend cost
    """.split()  # noqa: SIM905 - a word list reads best as words
)
UNKNOWN_METRIC_PHRASES = ("page views", "order value", "conversion rate", "engagement rate")

# Words that never name a journey: grammar, the products, and the vocabulary of the question.
STOP_WORDS = frozenset(
    """
    a an the and or but nor of for to in on at by with from about as into per than then so is
    are was were be been being am do does did done dont doesnt didnt isnt arent wasnt werent cant
    cannot wont have has had havent hasnt not no yes any all every each both i me my we our us you
    your it its they them their this that these those there here what whats which who whom whose
    how when where why whatever may might can could should would will shall must please pls plz
    show give tell get got see look let lets just really much many more most less least some only
    also still even again ok okay hey hi hello thanks thank thx ty parity bot number numbers count
    counts total totals figure figures data stat stats metric metrics value values report reports
    reporting dashboard ajo cja adobe optimizer customer analytics workspace journey journeys
    called named same different higher lower up down between since until day days week weeks
    month months year years date dates time last past previous next range side sides source
    sources product products rate rates level levels team off under over above below after
    before during within without via chart charts graph plot table trend breakdown jan january
    feb february mar march apr april jun june jul july aug august sep sept september oct
    october nov november dec december today yesterday u r ur im ive id go going happened
    happening happen like way lot lots bit quick one two need want wanted know think seems seem
    look looks looking right wrong off normal real again going deal idea anything something
    everything whole tools tool numbers pull going sure my boss asking asked ask question
    doing monthly weekly quarterly annual yearly deck decks qbr board slide slides
    presentation meeting asap urgent urgently quickly
    """.split()  # noqa: SIM905
)
# Channel and naming words: kept inside a journey name, but never enough on their own.
WEAK_WORDS = frozenset(
    """
    email emails sms text texts push inapp app campaign campaigns series message messages
    notification notifications
    """.split()  # noqa: SIM905
)
# Words that make the phrase around them a name people give journeys: a phrase holding one
# that matches no journey is asked about, not dropped.
NAMING_WORDS = frozenset(
    """
    journey journeys campaign campaigns newsletter newsletters promo flow flows program
    programme series
    """.split()  # noqa: SIM905
)
# Words after which the rest of the phrase is meant as a journey name.
JOURNEY_TRIGGERS = frozenset({"for", "journey", "called", "named", "about"})
STRONG_TRIGGERS = frozenset({"journey", "called", "named"})
# Short forms people write for words of journey names.
ABBREVIATIONS: dict[str, str] = {
    "bday": "birthday",
    "conf": "confirmation",
    "confirm": "confirmation",
    "reengage": "reengagement",
    "notif": "notification",
}

# Signs that the text is not a question in English: code, SQL, shell, markup, other
# languages. Such text is not understood, whatever journey it happens to mention.
NOT_A_QUESTION = re.compile(
    r"\bselect\b.+\bfrom\b|\b(?:drop|create|alter|truncate)\s+table\b|\binsert\s+into\b"
    r"|\bdelete\s+from\b|\bupdate\s+\w+\s+set\b|\bdef\s+\w+\s*\(|^\s*import\s+\w+"
    r"|^\s*from\s+\w+\s+import\b"
    r"|\bfunction\s*\w*\s*\(|=>|[{}]|</?\w+[^>]*>|;\s*$|\breturn\b.*;|\bcurl\s+-|^\s*(?:ls|cd|"
    r"sudo|git|pip|npm|rm|cat|echo)\s|\$\(|https?://|```"
)
FOREIGN_WORDS = frozenset(
    """
    warum wieso wie viele viel hatten haben wir ist sind die der das und nicht gestern heute
    zahlen stimmen pourquoi les chiffres ne pas combien hier nous avons est sont por qué que
    los las envíos ayer cuántos cuantos coinciden perché quanti ieri sono dove quando
    waarom hoeveel gisteren zijn niet
    """.split()  # noqa: SIM905
)
