"""Message channels as the settling windows see them: which ones AJO retries.

Adobe retries email only (adobe-data.md §6): a soft-bounced email waits in the retry queue
for up to 84 hours, and AJO's Sent counts it at its first attempt while CJA's Sent counts it
once it leaves the queue, as Delivered or Bounces. SMS and push messages are not retried, so
their days are final as soon as CJA's processing allows. A journey whose channel no stored
series names is counted as email (the slower windows), and the answer says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# The channels AJO retries (adobe-data.md §6: email retry behaviour).
RETRYING = frozenset({"email"})
# Channels Parity knows AJO does not retry.
NOT_RETRYING = frozenset({"sms", "push", "in-app", "web", "mms", "whatsapp"})
UNKNOWN = ""
_ALIASES = {
    "e-mail": "email",
    "mail": "email",
    "text": "sms",
    "text message": "sms",
    "push notification": "push",
    "mobile push": "push",
    "inapp": "in-app",
    "in app": "in-app",
}


def channel_name(raw: str | None) -> str:
    """A stored channel as Parity names it: 'Email', 'E-mail' and XDM's
    'https://ns.adobe.com/xdm/channels/email' are all 'email'; '' when none was named."""
    if not raw:
        return UNKNOWN
    name = str(raw).strip().rstrip("/").rsplit("/", 1)[-1].strip().lower()
    return _ALIASES.get(name, name)


def retries(channel: str) -> bool:
    """Whether this channel's days wait for the retry window: email, and (to stay on the
    safe side) any channel Parity does not know to be free of retries."""
    return channel not in NOT_RETRYING


def journey_channels(rows: Iterable[tuple[int, str | None]]) -> dict[int, tuple[str, ...]]:
    """(journey key, stored channel) pairs -> each journey's named channels, sorted.

    A journey's AJO export usually names its channel and its CJA export does not, so an
    unnamed series says nothing when another of the journey's series names one; a journey
    no series names gets (UNKNOWN,).
    """
    named: dict[int, set[str]] = {}
    for key, raw in rows:
        channels = named.setdefault(int(key), set())
        name = channel_name(raw)
        if name:
            channels.add(name)
    return {key: tuple(sorted(names)) or (UNKNOWN,) for key, names in named.items()}


def channels_of(
    channels: Mapping[int, tuple[str, ...]], keys: Iterable[int] | None = None
) -> tuple[str, ...]:
    """The channels of these journeys (all of them when `keys` is None), sorted; a journey
    missing from `channels` is unknown."""
    chosen = channels.keys() if keys is None else keys
    found = {name for key in chosen for name in channels.get(int(key), (UNKNOWN,))}
    return tuple(sorted(found))
