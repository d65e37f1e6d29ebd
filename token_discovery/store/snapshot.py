"""The read model of GET /api/discovery/recent: the newest tokens in memory, each serialised once when it changes.

Kept in step with the store three ways: every record this process announces (new_token, token_updated) is put
at once; every record another process announces arrives the same way through the Socket.IO queue; and, at most
every REFRESH_SECONDS when requests come, the store itself is read again (a silent update, a record a queue
dropped), re-serialising only the records that changed. A read never waits on the store once the snapshot
exists: while one request refreshes it, the others are served the snapshot as it is.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from token_discovery.records import EncodedRecord, iso, record_json
from token_discovery.store.base import StoreUnavailable, TokenStore

log = logging.getLogger(__name__)
REFRESH_SECONDS = 1.0
BODY_CACHE_SIZE = 256  # answers kept per snapshot generation, by (limit, chain, after_seq, gzipped)
GZIP_LEVEL = 5  # 150 KB of records become about 20 KB, compressed once per change rather than per request
Fingerprint = tuple[int, str, int, str]  # seq, scanned_at, risk_score, risk_level


def fingerprint_of(record: Mapping[str, Any]) -> Fingerprint:
    """What identifies a version of a record in its JSON form."""
    return (int(record["seq"]), str(record.get("scanned_at")), int(record["risk_score"]), str(record["risk_level"]))


class Entry:
    """One record: what identifies its version, its chain, the record itself and its JSON bytes."""

    __slots__ = ("chain", "encoded", "fingerprint", "record", "seq")

    def __init__(self, record: Mapping[str, Any], fingerprint: Fingerprint) -> None:
        body = {key: value for key, value in record.items() if key != "changes"}
        text = json.dumps(body, separators=(",", ":"))
        self.record = EncodedRecord(body, text)  # what a replay sends: its JSON is not made again per client
        self.seq, self.chain, self.fingerprint = fingerprint[0], str(body["token_chain"]), fingerprint
        self.encoded = text.encode()


class RecentSnapshot:
    """The newest `capacity` records by seq, with ready-made answers for the recent-tokens route."""

    def __init__(self, store: TokenStore, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._store, self._capacity, self._clock = store, capacity, clock
        self._entries: dict[int, Entry] = {}  # by seq
        self._order: list[Entry] = []  # newest first
        self._bodies: dict[tuple[int, str | None, int | None, bool], bytes] = {}
        self._generation = 0  # moves on with every change, so an answer is never cached across one
        self._lock = threading.Lock()  # guards the maps
        self._refreshing = threading.Lock()  # one refresh at a time; the others serve what is there
        self._built = False
        self._refreshed_at = float("-inf")
        self.encodings = 0  # records serialised so far (a record is serialised again only when it changed)

    def put(self, record: Mapping[str, Any]) -> None:
        """A record as announced (new_token or token_updated): it replaces its older version."""
        if not isinstance(record.get("seq"), int) or not isinstance(record.get("token_chain"), str):
            return
        fingerprint = fingerprint_of(record)
        current = self._entries.get(fingerprint[0])
        if current is not None and current.fingerprint[1] > fingerprint[1]:
            return  # a late announcement of an older version
        entry = Entry(record, fingerprint)
        with self._lock:
            self.encodings += 1
            self._entries[entry.seq] = entry
            self._trim_and_order()

    def answer(
        self, limit: int, chain: str | None = None, after_seq: int | None = None, gzipped: bool = False
    ) -> bytes:
        """The JSON body of the recent-tokens route: {success, tokens (newest first), count}; gzip-compressed once."""
        self._keep_fresh()
        key = (limit, chain, after_seq, gzipped)
        with self._lock:
            body = self._bodies.get(key)
            generation = self._generation
        if body is not None:
            return body
        plain = self._bodies.get((limit, chain, after_seq, False)) or self._join(limit, chain, after_seq)
        body = gzip.compress(plain, GZIP_LEVEL, mtime=0) if gzipped else plain
        with self._lock:
            if self._generation == generation:  # not an answer built from a snapshot that has moved on since
                if len(self._bodies) >= BODY_CACHE_SIZE:
                    self._bodies.clear()
                self._bodies[(limit, chain, after_seq, False)] = plain
                self._bodies[key] = body
        return body

    def between(self, after_seq: int, up_to: int | None = None) -> list[dict[str, Any]]:
        """The records with after_seq < seq <= up_to (no bound when None), oldest first: what a replay sends."""
        self._keep_fresh()
        with self._lock:
            return [e.record for e in reversed(self._order) if e.seq > after_seq and (up_to is None or e.seq <= up_to)]

    def newest_seq(self) -> int | None:
        """The highest seq held, or None when empty."""
        self._keep_fresh()
        with self._lock:
            return self._order[0].seq if self._order else None

    def _join(self, limit: int, chain: str | None, after_seq: int | None) -> bytes:
        """Build an answer from the records' ready bytes."""
        with self._lock:
            picked = [e.encoded for e in self._order if (chain is None or e.chain == chain)
                      and (after_seq is None or e.seq > after_seq)][:limit]  # fmt: skip
        return b'{"success":true,"tokens":[' + b",".join(picked) + b'],"count":%d}' % len(picked)

    def _keep_fresh(self) -> None:
        """Read the store again when the snapshot is older than REFRESH_SECONDS (or was never built)."""
        if self._built and self._clock() - self._refreshed_at < REFRESH_SECONDS:
            return
        if not self._refreshing.acquire(blocking=not self._built):
            return  # another request is refreshing: this one is served the snapshot as it is
        try:
            if self._built and self._clock() - self._refreshed_at < REFRESH_SECONDS:
                return
            self._refreshed_at = self._clock()  # a failing store is asked again after the period, not at once
            try:
                self._refresh()
            except StoreUnavailable as error:
                if not self._built:
                    raise
                log.warning("recent tokens served from memory: the store did not answer (%s)", error)
                return
            self._built = True
        finally:
            self._refreshing.release()

    def _refresh(self) -> None:
        """Take the store's newest records; serialise only those whose version changed."""
        records = self._store.recent(self._capacity)
        with self._lock:
            known = {entry.fingerprint: entry for entry in self._entries.values()}
        fresh: dict[int, Entry] = {}
        for record in records:
            fingerprint = (record.seq, str(iso(record.scanned_at)), record.risk_score, record.risk_level)
            entry = known.get(fingerprint)
            if entry is None:
                entry = Entry(record_json(record), fingerprint)
                self.encodings += 1
            fresh[entry.seq] = entry
        with self._lock:
            top = max(fresh, default=0)
            for seq, current in self._entries.items():  # what was announced while the store was read is kept
                if seq > top or (seq in fresh and current.fingerprint[1] > fresh[seq].fingerprint[1]):
                    fresh[seq] = current
            self._entries = fresh
            self._trim_and_order()

    def _trim_and_order(self) -> None:
        """Keep the newest `capacity` by seq, newest first; forget the ready-made answers (lock held)."""
        order = sorted(self._entries.values(), key=lambda entry: entry.seq, reverse=True)
        for entry in order[self._capacity :]:
            del self._entries[entry.seq]
        self._order = order[: self._capacity]
        self._bodies.clear()
        self._generation += 1
