"""The MongoDB store; the code lives in token_discovery/store/mongo.py."""

from token_discovery.store.mongo import MongoStore, connect

__all__ = ["MongoStore", "connect"]
