"""Connectors: pull a product's numbers from its live service into the store.

Each pull is a plain function `pull_<name>(settings, store, since, until, now)` returning
the stored snapshots' reports, so the clock (bot.clock.pulls) and the CLI (`python -m bot pull`)
call the same code. Modules: `http` (JSON over HTTPS, Adobe's rate limits and back-off),
`ims` (OAuth server-to-server tokens), `cja_api` (CJA Reporting API), `query_service`
(AEP Query Service over the PostgreSQL protocol).
"""
