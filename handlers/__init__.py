"""Thin Slack listeners: parse the request, call bot/, render, reply.

Each surface is one small module with a `register(app, services)` that binds plain
functions; nothing here creates an App or talks to Slack at import time.
"""

from __future__ import annotations

from handlers import actions, alerts, commands, files, home, messages, snapshots

SURFACES = (messages, commands, actions, alerts, home, files, snapshots)


def register(app, services) -> None:
    for surface in SURFACES:
        surface.register(app, services)
