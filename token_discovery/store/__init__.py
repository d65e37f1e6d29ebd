"""Token stores behind one protocol: SQLite (embedded default) and MongoDB."""

from token_discovery.store.base import StoreUnavailable, TokenStore
from token_discovery.store.sqlite import SQLiteStore

__all__ = ["SQLiteStore", "StoreUnavailable", "TokenStore"]
