"""The periodic shared scan: one loop, started once, with a stop, surviving every failed scan."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class AutoDiscovery:
    """Calls `scan(max_tokens)` every `interval` seconds until stopped."""

    def __init__(self, scan: Callable[[int], object], interval: float, max_tokens: int) -> None:
        self._scan = scan
        self.interval, self.max_tokens = interval, max_tokens
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self.started_epoch: float | None = None  # when the running loop started (for "discovery stalled")

    @property
    def active(self) -> bool:
        """Whether the loop is running."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self, interval: float | None = None, max_tokens: int | None = None) -> bool:
        """Start the loop, or retune the running one; True when a loop was started."""
        with self._lock:
            self.interval = interval or self.interval
            self.max_tokens = max_tokens or self.max_tokens
            if self.active:
                return False
            self._stop, self.started_epoch = threading.Event(), time.time()
            self._thread = threading.Thread(target=self._loop, args=(self._stop,), name="auto-discovery", daemon=True)
            self._thread.start()
        log.info("auto-discovery started: every %ss, %s tokens", self.interval, self.max_tokens)
        return True

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the loop; True when one was running."""
        with self._lock:
            stop, thread = self._stop, self._thread
            self._stop = self._thread = None
        if stop is None or thread is None:
            return False
        stop.set()
        thread.join(timeout)
        return True

    def _loop(self, stop: threading.Event) -> None:
        """Scan, wait the interval, again; no failure ends the loop."""
        while not stop.is_set():
            try:
                self._scan(self.max_tokens)
            except Exception:
                log.exception("auto-discovery scan failed")
            stop.wait(self.interval)
