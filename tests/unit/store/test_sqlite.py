"""What only the SQLite backend promises (the rest is in test_contract.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tinykube.errors import StoreUnavailable
from tinykube.store.sqlite import SqliteStore


async def test_the_database_is_in_wal_mode_with_the_documented_tables(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db", durability="full")
    await store.start()
    await store.create("/a/x", {"v": 1})
    await store.close()
    conn = sqlite3.connect(tmp_path / "s.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT key, rev FROM objects").fetchall() == [("/a/x", 1)]
        assert conn.execute("SELECT rev, key, type, prev FROM history").fetchall() == [
            (1, "/a/x", "ADDED", None)
        ]
        assert conn.execute("SELECT revision, compacted FROM meta").fetchall() == [(1, 0)]
    finally:
        conn.close()


def test_durability_is_normal_or_full(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SqliteStore(tmp_path / "s.db", durability="sometimes")  # type: ignore[arg-type]


async def test_a_store_that_cannot_open_says_so(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "missing-dir" / "store.db")
    with pytest.raises(StoreUnavailable):
        await store.start()
    await store.close()
