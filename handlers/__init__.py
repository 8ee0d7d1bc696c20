"""Thin Slack listeners: parse the request, call bot/, render, reply. See bot/app.py."""
