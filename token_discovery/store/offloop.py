"""Blocking SQLite calls off the gevent event loop: under gevent they run in a thread of the hub's pool.

sqlite3 blocks in C (a busy timeout, a slow disk): on the loop it would freeze every connection of the worker.
Without gevent (threads), the call simply runs where it is.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_inside = threading.local()  # set while work runs in a pool thread: nested calls run in place


def _pool() -> Any:
    """The gevent hub's thread pool when gevent patched this process, else None."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("socket") or getattr(_inside, "active", False):
        return None
    import gevent

    return gevent.get_hub().threadpool


def off_loop(work: Callable[[], T]) -> T:
    """Run blocking work where it cannot stall other greenlets; its result or its exception comes back."""
    pool = _pool()
    if pool is None:
        return work()

    def in_thread() -> T:
        _inside.active = True
        try:
            return work()
        finally:
            _inside.active = False

    return pool.apply(in_thread)


def native_lock() -> threading.Lock:
    """A real OS lock even when gevent patched threading (the pool's threads are real threads)."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        return monkey.get_original("threading", "Lock")()
    return threading.Lock()
