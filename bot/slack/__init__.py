"""Parity's side of Slack: the Web API client, delivering answers, files, App Home.

Listeners live in handlers/ and stay thin; this package does the talking to Slack so they
don't have to. The core (reconcile, store, ingest, language) never imports from here.
"""
