"""The nudge outbox's rows: what is waiting, what each target has, and when to try a target again."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from reconnectd.state.rows import PendingNudge, Row, T, read_pending


class _Store(Protocol):
    db: sqlite3.Connection

    def transaction(self, *, ledger: bool = True) -> AbstractContextManager[sqlite3.Connection]: ...

    def _readable(self, table: str, key: object, build: Callable[[Row], T], row: Row) -> T | None: ...


class OutboxRecords:
    """Mixed into the Store: the outbox's part of it."""

    def pending_nudges(self: _Store) -> list[PendingNudge]:
        rows = self.db.execute(
            "SELECT key, person, due, title, body, created_at FROM nudges WHERE done_at IS NULL ORDER BY due, key"
        ).fetchall()
        pending = []
        for key, person, due, title, body, created in rows:
            delivered = self.db.execute(
                "SELECT target FROM deliveries WHERE key = ? AND delivered_at IS NOT NULL", (key,)
            ).fetchall()
            sent = frozenset(t for (t,) in delivered)
            read = self._readable("nudges", key, read_pending, (key, person, due, title, body, created, sent))
            if read is not None:
                pending.append(read)
        return pending

    def record_delivery(self: _Store, keys: list[str], target: str, at: datetime) -> None:
        """Delivered to this target: every nudge in one message, and the target's backoff reset."""
        with self.transaction(ledger=False) as db:
            db.executemany(
                "INSERT INTO deliveries (key, target, attempts, delivered_at) VALUES (?, ?, 1, ?)"
                " ON CONFLICT(key, target) DO UPDATE SET attempts = attempts + 1, delivered_at = excluded.delivered_at,"
                " last_error = NULL",
                [(key, target, at.isoformat()) for key in keys],
            )
            db.execute("DELETE FROM targets WHERE target = ?", (target,))

    def record_failure(self: _Store, keys: list[str], target: str, error: str, retry_at: datetime) -> int:
        """Not delivered: note it, and when to try this target again. Returns its failures in a row."""
        with self.transaction(ledger=False) as db:
            db.executemany(
                "INSERT INTO deliveries (key, target, attempts, last_error) VALUES (?, ?, 1, ?)"
                " ON CONFLICT(key, target) DO UPDATE SET attempts = attempts + 1, last_error = excluded.last_error",
                [(key, target, error) for key in keys],
            )
            db.execute(
                "INSERT INTO targets (target, failures, retry_at) VALUES (?, 1, ?)"
                " ON CONFLICT(target) DO UPDATE SET failures = failures + 1, retry_at = excluded.retry_at",
                (target, retry_at.isoformat()),
            )
            (failures,) = db.execute("SELECT failures FROM targets WHERE target = ?", (target,)).fetchone()
        return int(failures)

    def target_backoff(self: _Store) -> dict[str, tuple[int, datetime]]:
        """Targets that failed last time: failures in a row, and when to try again."""
        rows = self.db.execute("SELECT target, failures, retry_at FROM targets").fetchall()
        return {t: (f, datetime.fromisoformat(r)) for t, f, r in rows}

    def finish_nudge(self: _Store, key: str, at: datetime) -> None:
        with self.transaction(ledger=False) as db:
            db.execute("UPDATE nudges SET done_at = ? WHERE key = ?", (at.isoformat(), key))
