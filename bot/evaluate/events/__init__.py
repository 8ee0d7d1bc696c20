"""The event-level simulator: AJO and CJA numbers counted message by message.

Where the day-level generator (bot.evaluate.scenarios) changes daily numbers directly, this
one sends every message at a real local time, lets email soft bounces sit in a retry queue
for up to 84 hours, ingests each CJA record after its own delay, buckets each product's
days in its own IANA time zone, and captures both products several times. The truth comes
from switching the mechanisms off one at a time (bot.evaluate.events.truth).
"""
