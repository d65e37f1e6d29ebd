"""Every new token once, in seq order, to every client of this process, and late joiners replayed without a gap.

Tokens are stored before they are announced, so the store is the truth: when the queue delivers seq n+3
right after n, this process first sends n+1 and n+2 from the store; a late or repeated announcement of a seq
already sent is dropped; and a watcher sends from the store what the queue never delivered at all (a Redis
restart at the tail of a burst). A joiner enters the room under the same short lock that hands tokens to the
room, and learns there up to which seq the room has had: it is then sent those it missed from memory, paced,
with no lock held, so a flood of replays never holds up a scan nor the room.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from token_discovery.records import record_json
from token_discovery.store.base import StoreUnavailable, TokenStore
from token_discovery.store.snapshot import RecentSnapshot

log = logging.getLogger(__name__)
Send = Callable[[dict[str, Any]], None]
WATCH_SECONDS = 2.0  # how often the watcher looks for tokens the queue never brought
BACKFILL_LIMIT = 500
REPLAY_BATCH = 10  # records sent to a joiner before letting the others run
REPLAY_SLOTS = 4  # replays sending at once; the others wait their turn, so the loop stays free for everyone else


class OrderedDelivery:
    """This process's view of the room: the highest seq up to which every token was handed to it, in order."""

    def __init__(
        self,
        store: TokenStore,
        snapshot: RecentSnapshot,
        clock: Callable[[], float] = time.monotonic,
        pace: Callable[[], object] = lambda: None,
    ) -> None:
        self._store, self._snapshot, self._clock, self._pace = store, snapshot, clock, pace
        self._lock = threading.Lock()  # held while tokens are handed to the room, and while a joiner enters it
        self._slots = threading.BoundedSemaphore(REPLAY_SLOTS)
        self.contiguous: int | None = None  # every seq up to this one has been handed to the room
        self._behind_since: float | None = None

    def deliver(self, record: dict[str, Any], emit: Send) -> int:
        """Hand an announced token to the room, after any seq before it the queue skipped; how many went."""
        seq = int(record["seq"])
        with self._lock:
            if self.contiguous is None:
                self.contiguous = seq - 1  # the first token this process hears of: the stream starts here
            if seq <= self.contiguous:
                return 0  # sent already (backfilled, replayed, or announced twice)
            batch = [*self._between(self.contiguous, seq), record]
            for item in batch:
                emit(item)
            self.contiguous, self._behind_since = seq, None
        return len(batch)

    def deliver_overdue(self, emit: Send, grace: float = WATCH_SECONDS) -> int:
        """Hand to the room the stored tokens the queue has not brought for `grace` seconds; how many."""
        with self._lock:
            if self.contiguous is None:
                return 0
            try:
                newer = [record_json(r) for r in self._store.since_seq(self.contiguous, BACKFILL_LIMIT)]
            except StoreUnavailable:
                return 0
            if not newer:
                self._behind_since = None
                return 0
            now = self._clock()
            if self._behind_since is None or now - self._behind_since < grace:
                self._behind_since = self._behind_since or now  # give the queue its chance first
                return 0
            for record in newer:
                emit(record)
            self.contiguous, self._behind_since = int(newer[-1]["seq"]), None
        return len(newer)

    def replay(self, last_seq: int, join: Callable[[], None], send: Send) -> int:
        """Join the room, then send from memory what the client missed up to what the room had: no gap, no repeat."""
        newest = self._snapshot.newest_seq()  # read before the lock: the store is never read while it is held
        with self._lock:
            join()
            if self.contiguous is None:
                self.contiguous = newest  # nothing handed to the room yet: what is stored now is the replay's
            up_to = self.contiguous
        if up_to is None:
            return 0
        with self._slots:
            records = self._snapshot.between(last_seq, up_to)
            for count, record in enumerate(records, 1):
                send(record)
                if count % REPLAY_BATCH == 0:
                    self._pace()
        return len(records)

    def _between(self, after: int, before: int) -> list[dict[str, Any]]:
        """Stored tokens with after < seq < before, oldest first."""
        if before - after <= 1:
            return []
        try:
            return [record_json(r) for r in self._store.since_seq(after, BACKFILL_LIMIT) if r.seq < before]
        except StoreUnavailable as error:
            log.warning("could not fill seqs %s..%s from the store: %s", after + 1, before - 1, error)
            return []
