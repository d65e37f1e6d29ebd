"""The token store interface, the SQLite store and open_store; the code lives in token_discovery/store/."""

from token_discovery.bootstrap import build_store as open_store
from token_discovery.store import SQLiteStore, StoreUnavailable, TokenStore

__all__ = ["SQLiteStore", "StoreUnavailable", "TokenStore", "open_store"]
