"""The blocking half of the SQLite backend: schema, statements, one batch per transaction.

Everything here runs on the store's one thread (``sqlite.SqliteStore`` owns it) and
nowhere else; the connection is opened there and never shared. The async shell decides
*when* things run; this module decides *what* the database does.

Tables: ``objects(key PRIMARY KEY, rev, value)`` is the current state, clustered by key
(WITHOUT ROWID) so a prefix list is one range scan; ``history(rev PRIMARY KEY, key, type,
value, prev)`` is every change since the compacted revision; ``meta`` is one row with the
latest and the compacted revision. Values are JSON with ``resourceVersion`` stamped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, cast

from tinykube.api.meta import Obj
from tinykube.store.changes import Change, Stored, Write, apply, decode, paused_gc
from tinykube.store.keys import key_range
from tinykube.store.retention import compacted_after
from tinykube.store.storage import EventType

Durability = Literal["normal", "full"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    key TEXT PRIMARY KEY, rev INTEGER NOT NULL, value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type TEXT NOT NULL,
    value BLOB NOT NULL, prev BLOB
);
CREATE TABLE IF NOT EXISTS meta (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    revision INTEGER NOT NULL, compacted INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (id, revision, compacted) VALUES (0, 0, 0);
"""

_UPSERT = (
    "INSERT INTO objects (key, rev, value) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET rev = excluded.rev, value = excluded.value"
)
_RECORD = "INSERT INTO history (rev, key, type, value, prev) VALUES (?, ?, ?, ?, ?)"

Outcome = Change | Exception
"""What one write of a batch came to: its change, or the error only that write gets."""


@dataclass
class Database:
    """One open database file; use only from the thread that opened it."""

    conn: sqlite3.Connection
    revision: int
    compacted: int

    @classmethod
    def open(cls, path: str, durability: Durability) -> Database:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            if mode != "wal":  # e.g. a file system without shared memory
                raise sqlite3.OperationalError(f"{path}: cannot use WAL (journal_mode={mode})")
            conn.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
            conn.execute("PRAGMA cache_size=-32768")  # KiB: 32 MiB
            conn.executescript(_SCHEMA)
            revision, compacted = conn.execute(
                "SELECT revision, compacted FROM meta WHERE id = 0"
            ).fetchone()
        except BaseException:
            conn.close()
            raise
        return cls(conn, int(revision), int(compacted))

    def close(self) -> None:
        self.conn.close()

    def get(self, key: str) -> Obj | None:
        row = self.conn.execute("SELECT value FROM objects WHERE key = ?", (key,)).fetchone()
        return None if row is None else decode(row[0])

    def list_prefix(self, prefix: str) -> tuple[list[Obj], int]:
        low, high = key_range(prefix)
        args: tuple[str, ...] = (low,) if high is None else (low, high)
        sql = "SELECT value FROM objects WHERE key >= ?"
        sql += " ORDER BY key" if high is None else " AND key < ? ORDER BY key"
        # fetchall, then decode: stepping the cursor lazily while decoding took twice as
        # long on this thread (measured 56 ms vs 32 ms for 10,000 Services).
        with paused_gc():
            rows = self.conn.execute(sql, args).fetchall()
            return [decode(value) for (value,) in rows], self.revision

    def history(self, prefix: str, after: int, limit: int) -> tuple[list[Change], int]:
        low, high = key_range(prefix)
        rows = self.conn.execute(
            "SELECT rev, key, type, value, prev FROM history"
            " WHERE rev > ? AND key >= ? AND (? IS NULL OR key < ?) ORDER BY rev LIMIT ?",
            (after, low, high, high, limit),
        ).fetchall()
        changes = [
            Change(rev, key, cast(EventType, kind), value, prev)
            for rev, key, kind, value, prev in rows
        ]
        return changes, self.compacted

    def write(self, batch: list[Write]) -> list[Outcome]:
        """Apply ``batch`` in order, in one transaction; failed writes take no revision."""
        overlay: dict[str, Stored | None] = {}  # the batch's effect on keys, before persisting
        revision = self.revision
        outcomes: list[Outcome] = []
        with self._transaction():
            for write in batch:
                outcome = self._decide(write, overlay, revision + 1)
                if isinstance(outcome, Change):
                    revision = outcome.revision
                outcomes.append(outcome)
            if revision != self.revision:
                self._persist([o for o in outcomes if isinstance(o, Change)], overlay)
        self.revision = revision
        return outcomes

    def compact(self, keep: int) -> None:
        target = compacted_after(self.revision, self.compacted, keep)
        if target == self.compacted:
            return
        with self._transaction():
            self.conn.execute("DELETE FROM history WHERE rev <= ?", (target,))
            self.conn.execute("UPDATE meta SET compacted = ? WHERE id = 0", (target,))
        self.compacted = target

    def _decide(self, write: Write, overlay: dict[str, Stored | None], revision: int) -> Outcome:
        key = write.key
        current = overlay[key] if key in overlay else self._stored(key)
        try:
            change = apply(write, current, revision)
        except Exception as e:  # a bad write (conflict, unserializable object) fails alone
            return e
        overlay[key] = change.stored()
        return change

    def _stored(self, key: str) -> Stored | None:
        row = self.conn.execute("SELECT rev, value FROM objects WHERE key = ?", (key,)).fetchone()
        return None if row is None else Stored(row[0], row[1])

    def _persist(self, changes: list[Change], overlay: dict[str, Stored | None]) -> None:
        conn = self.conn
        conn.executemany(_UPSERT, [(k, s.revision, s.value) for k, s in overlay.items() if s])
        conn.executemany(
            "DELETE FROM objects WHERE key = ?", [(k,) for k, s in overlay.items() if s is None]
        )
        conn.executemany(_RECORD, [(c.revision, c.key, c.type, c.value, c.prev) for c in changes])
        conn.execute("UPDATE meta SET revision = ? WHERE id = 0", (changes[-1].revision,))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
