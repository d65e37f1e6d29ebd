"""Signals: each user's watchers, matched against the one shared stream of tokens, and their delivery."""
