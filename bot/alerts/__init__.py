"""Alerts: a snapshot that opens a gap someone should look at is told at once, once.

Slack-free. `checks` judges the settled days a snapshot changed (typed JourneyChecks);
`episodes` decides, purely, when an episode opens, moves, resolves or reopens; `runner`
applies those decisions to the store's episodes for every watch (bot.store.watches,
bot.store.episodes); `commands` reads `watch` and `unwatch`; `replay` runs the checks over
stored history. Delivery to Slack is bot.clock.alerting (once, guarded) and bot.slack.alerts
(the message); docs/alerts.md describes the rules.
"""
