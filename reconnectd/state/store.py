"""The state store: SQLite, WAL, one short transaction per fact.

It remembers what the YAML cannot: contacts, every check-in ever planned (so UIDs are never
reused), the calendar objects we own (href, ETag, fingerprint), and the nudge outbox.
Rows are never deleted: history is the product.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from reconnectd.errors import StateError
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckInStatus, Contact, Owned, Repair, Standing, fold
from reconnectd.state.locks import DirectoryLock
from reconnectd.state.meetings import MeetingRecords
from reconnectd.state.outbox import OutboxRecords
from reconnectd.state.rows import (
    Row,
    T,
    fold_or_none,
    insert_contact,
    put_meta,
    read_checkin,
    read_contact,
    read_standing,
    same_wall_time,
)
from reconnectd.state.schema import migrate

if TYPE_CHECKING:  # only named: `history` and `done` never load the planner
    from reconnectd.policy.plan import Plan

log = logging.getLogger(__name__)
DELIVERY_LOCK = "delivery.lock"
_warned: set[tuple[str, str, object]] = set()  # rows already reported as unreadable, once per process


class Store(OutboxRecords, MeetingRecords):
    FILE_NAME = "state.db"  # in the state directory

    @classmethod
    def in_dir(cls, state_dir: Path) -> Store:
        return cls(state_dir / cls.FILE_NAME)

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
            self.db.create_function(
                "fold", 1, fold_or_none, deterministic=True
            )  # the one way names compare, in SQL too
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            migrate(self.db, path)
        except (OSError, sqlite3.Error) as error:
            raise StateError(
                f"cannot open the state store {path}: {error} (check --state-dir and its permissions)"
            ) from None
        self.path = path
        self._ledger: tuple[int, Ledger] | None = None
        self.delivery = DirectoryLock(path.parent / DELIVERY_LOCK)  # taken by the outbox while it sends

    def close(self) -> None:
        self.delivery.close()
        self.db.close()

    def _readable(self, table: str, key: object, build: Callable[[Row], T], row: Row) -> T | None:
        """One row as a value, or None (warned about once) when it does not read: a far date, a NUL, a
        broken offset written by an older version. Such a row stays in the store, for `undo` to withdraw."""
        try:
            return build(row)
        except (ValueError, TypeError, OverflowError) as error:
            if (str(self.path), table, key) not in _warned:
                _warned.add((str(self.path), table, key))
                log.warning("skipping an unreadable row in %s (%s %r): %s", self.path.name, table, key, error)
            return None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, ledger: bool = True) -> Iterator[sqlite3.Connection]:
        """`ledger=False` for writes the planner never reads: hrefs, ETags, the outbox, small facts."""
        changes = self.db.total_changes
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        if ledger and self.db.total_changes != changes:
            self._ledger = None

    # -- contacts: appended, never rewritten --------------------------------

    def record_contact(self, contact: Contact, recorded_at: datetime) -> None:
        with self.transaction() as db:
            insert_contact(db, contact, recorded_at)

    def contacts(self, person: str | None = None, *, withdrawn: bool = False) -> list[Contact]:
        """The contact log, oldest first; `withdrawn`: with the entries taken back by `undo` too."""
        query = "SELECT id, person, at, outcome, note, source, withdrawn_at FROM contacts WHERE 1"
        args: tuple[str, ...] = ()
        if person is not None:
            query += " AND fold(person) = ?"
            args = (fold(person),)
        if not withdrawn:
            query += " AND withdrawn_at IS NULL"
        rows = self.db.execute(query + " ORDER BY at, id", args).fetchall()
        read = (self._readable("contacts", row[0], read_contact, row[1:]) for row in rows)
        return [c for c in read if c is not None]

    def withdraw_last_contact(self, person: str, now: datetime) -> Contact | None:
        """Mark the person's latest contact not yet withdrawn as withdrawn (the row stays). A tick it came
        from is history again: a check-in whose time has come counts as passed, as if never ticked."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT id, checkin FROM contacts WHERE fold(person) = ? AND withdrawn_at IS NULL"
                " ORDER BY at DESC, id DESC LIMIT 1",
                (fold(person),),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE contacts SET withdrawn_at = ? WHERE id = ?", (now.isoformat(), row[0]))
            ticked = row[1] and db.execute("SELECT start, status FROM checkins WHERE uid = ?", (row[1],)).fetchone()
            if ticked and ticked[1] == CheckInStatus.DONE.value and datetime.fromisoformat(ticked[0]) <= now:
                db.execute("UPDATE checkins SET status = ? WHERE uid = ?", (CheckInStatus.PASSED.value, row[1]))
            found = db.execute(
                "SELECT person, at, outcome, note, source, withdrawn_at FROM contacts WHERE id = ?", (row[0],)
            ).fetchone()
        return self._readable("contacts", row[0], read_contact, found)

    # -- check-ins ---------------------------------------------------------

    def ledger(self) -> Ledger:
        """Read again only after it changed, here or in another process (a cycle asks several times)."""
        (version,) = self.db.execute("PRAGMA data_version").fetchone()
        if self._ledger is None or self._ledger[0] != version:
            self._ledger = (version, self._read_ledger())
        return self._ledger[1]

    def _read_ledger(self) -> Ledger:
        rows = self.db.execute(
            "SELECT person, seq, start, end, basis, status, pinned, label, uid FROM checkins ORDER BY start, uid"
        ).fetchall()
        read = (self._readable("checkins", (row[0], row[1]), read_checkin, row) for row in rows)
        checkins = tuple(c for c in read if c is not None)
        standings: dict[str, tuple[Standing, date | None]] = {}
        for p, st, u in self.db.execute("SELECT person, status, until FROM standings").fetchall():
            found = self._readable("standings", p, read_standing, (st, u))
            if found is not None:
                standings[fold(p)] = found
        nudged = frozenset(
            key for (key,) in self.db.execute("SELECT key FROM nudges WHERE key LIKE 'digest-%' OR key LIKE '%@day'")
        )
        return Ledger(
            contacts=tuple(self.contacts()),
            checkins=checkins,
            standings=standings,
            nudged=nudged,
            ahead=self.meetings_ahead(),
        )

    def record_standing(self, person: str, status: Standing | None, until: date | None, at: datetime) -> None:
        """A pause or let-go from the command line (None: forget it, the YAML decides again)."""
        with self.transaction() as db:
            if status is None:
                db.execute("DELETE FROM standings WHERE person = ?", (fold(person),))
                return
            db.execute(
                "INSERT INTO standings (person, status, until, recorded_at) VALUES (?, ?, ?, ?) ON CONFLICT(person)"
                " DO UPDATE SET status = excluded.status, until = excluded.until, recorded_at = excluded.recorded_at",
                (fold(person), status.value, until.isoformat() if until else None, at.isoformat()),
            )

    def snooze(self, uid: str, by: timedelta) -> None:
        """Move one upcoming check-in later; the calendar follows on the next sync."""
        with self.transaction() as db:
            start, end = db.execute("SELECT start, end FROM checkins WHERE uid = ?", (uid,)).fetchone()
            new_start, new_end = datetime.fromisoformat(start) + by, datetime.fromisoformat(end) + by
            db.execute(
                "UPDATE checkins SET start = ?, end = ? WHERE uid = ?",
                (new_start.isoformat(), new_end.isoformat(), uid),
            )

    def apply_plan(self, plan: Plan, now: datetime) -> None:
        """Record what the plan decided, and queue its nudges, in one transaction."""
        with self.transaction() as db:
            for checkin in plan.closed:
                db.execute("UPDATE checkins SET status = ? WHERE uid = ?", (checkin.status.value, checkin.uid))
            for nudge in plan.nudges:
                db.execute(
                    "INSERT OR IGNORE INTO nudges (key, person, due, title, body, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (nudge.key, nudge.person, nudge.due.isoformat(), nudge.title, nudge.body, now.isoformat()),
                )
            for planned in plan.upcoming:
                c = planned.checkin
                db.execute(
                    "INSERT INTO checkins (uid, person, seq, start, end, basis, status, label)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uid) DO UPDATE"
                    " SET start = excluded.start, end = excluded.end, basis = excluded.basis"
                    " WHERE (start, end, basis) != (excluded.start, excluded.end, excluded.basis)",
                    (c.uid, c.person, c.seq, c.start.isoformat(), c.end.isoformat(), c.basis, c.status.value, c.label),
                )

    def owned(self) -> dict[str, Owned]:
        rows = self.db.execute(
            "SELECT uid, person, status, href, etag, fingerprint, pinned, repair FROM checkins"
        ).fetchall()
        return {
            uid: Owned(uid, p, CheckInStatus(st), h, e, f, bool(pin), Repair(r) if r else None)
            for uid, p, st, h, e, f, pin, r in rows
        }

    def record_written(self, uid: str, href: str, etag: str | None, fingerprint: str | None) -> None:
        self.record_all_written([(uid, href, etag, fingerprint)])

    def record_all_written(self, written: Sequence[tuple[str, str, str | None, str | None]]) -> None:
        """Many answers to our writes, (uid, href, ETag, fingerprint) each, in one transaction: one sync to
        disk for them all, where a transaction each cost one sync each (about 5 ms apiece on a busy disk)."""
        with self.transaction(ledger=False) as db:
            db.executemany(
                "UPDATE checkins SET href = ?, etag = ?, fingerprint = ?,"
                " repair = CASE repair WHEN ? THEN ? WHEN ? THEN NULL ELSE repair END WHERE uid = ?",
                [(h, e, f, Repair.DUE, Repair.DONE, Repair.REZONED, uid) for uid, h, e, f in written],
            )

    def record_seen(self, uid: str, href: str, etag: str) -> None:
        """Our object, unchanged, as the server now names it (its ETag, or a new href after a rename)."""
        with self.transaction(ledger=False) as db:
            db.execute("UPDATE checkins SET href = ?, etag = ? WHERE uid = ?", (href, etag, uid))

    def record_user_edit(
        self, uid: str, href: str, etag: str, start: datetime | None, end: datetime | None, *, reopen: bool = False
    ) -> None:
        """The user moved or edited our object: from now on it stays as they left it."""
        with self.transaction() as db:
            db.execute(
                "UPDATE checkins SET href = ?, etag = ?, pinned = 1,"
                " repair = CASE WHEN repair IN (?, ?) THEN NULL ELSE repair END WHERE uid = ?",
                (href, etag, Repair.DUE, Repair.REZONED, uid),
            )
            if reopen:
                db.execute("UPDATE checkins SET status = ? WHERE uid = ?", (CheckInStatus.SCHEDULED.value, uid))
            if start is not None and end is not None:
                db.execute(
                    "UPDATE checkins SET start = ?, end = ? WHERE uid = ?", (start.isoformat(), end.isoformat(), uid)
                )

    def record_done(self, uid: str, href: str, etag: str, contact: Contact, now: datetime) -> bool:
        """The user ticked the check-in off: log the contact and close it, in one transaction. A tick
        whose contact was taken back with `undo` is not counted again (False): only kept as an edit."""
        with self.transaction() as db:
            undone = db.execute(
                "SELECT 1 FROM contacts WHERE checkin = ? AND withdrawn_at IS NOT NULL", (uid,)
            ).fetchone()
            db.execute(
                "UPDATE checkins SET href = ?, etag = ?, pinned = 1,"
                " repair = CASE WHEN repair IN (?, ?) THEN NULL ELSE repair END WHERE uid = ?",
                (href, etag, Repair.DUE, Repair.REZONED, uid),
            )
            if undone:
                return False
            db.execute("UPDATE checkins SET status = ? WHERE uid = ?", (CheckInStatus.DONE.value, uid))
            insert_contact(db, contact, now, checkin=uid)
        return True

    def record_broken(self, uid: str, href: str, etag: str, *, repair: bool) -> None:
        """Our object no longer reads: rewrite it once (`repair`), or else leave it as it is for good."""
        with self.transaction() as db:
            if repair:
                db.execute(
                    "UPDATE checkins SET href = ?, etag = ?, repair = ? WHERE uid = ?", (href, etag, Repair.DUE, uid)
                )
                return
            db.execute(
                "UPDATE checkins SET href = ?, etag = ?, pinned = 1,"
                " repair = CASE WHEN repair IS NULL THEN NULL ELSE ? END WHERE uid = ?",
                (href, etag, Repair.GIVEN_UP, uid),
            )

    def record_removed(self, uid: str, status: CheckInStatus | None = None) -> None:
        """The object is gone from the calendar; the check-in row stays as history."""
        with self.transaction() as db:
            db.execute("UPDATE checkins SET href = NULL, etag = NULL WHERE uid = ?", (uid,))
            if status is not None:
                db.execute("UPDATE checkins SET status = ? WHERE uid = ?", (status.value, uid))

    def record_kept(self, uid: str) -> None:
        """Our past object changed on the server before we could remove it: the user's now, it stays."""
        with self.transaction() as db:
            db.execute("UPDATE checkins SET pinned = 1 WHERE uid = ?", (uid,))

    def move_calendar(self, identity_key: str, identity: str, forget: tuple[str, ...]) -> int:
        """The objects now live in another calendar: forget where every one of ours was in the old
        one (so that the read-back never takes them for deleted), the objects of others seen there
        and the `forget` meta keys (its sync token), in one transaction. Every check-in, its status
        and time stay as they are; the upcoming ones are written into the new calendar. Returns how
        many are upcoming."""
        with self.transaction() as db:
            (upcoming,) = db.execute(
                "SELECT count(*) FROM checkins WHERE status = ?", (CheckInStatus.SCHEDULED.value,)
            ).fetchone()
            db.execute("UPDATE checkins SET href = NULL, etag = NULL, fingerprint = NULL")
            db.execute("DELETE FROM foreign_objects")
            db.executemany("DELETE FROM meta WHERE key = ?", [(key,) for key in forget])
            put_meta(db, identity_key, identity)
        return int(upcoming)

    def rezone(self, before: ZoneInfo, after: ZoneInfo, zone_key: str) -> int:
        """The time zone changed: every upcoming check-in (a pinned one too) keeps its wall-clock
        time in the new zone, and is rewritten in place once. Dates are all-day: the planner places
        them in the new zone by itself. Returns how many moved."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT uid, start, end FROM checkins WHERE status = ? AND label IS NULL",
                (CheckInStatus.SCHEDULED.value,),
            ).fetchall()
            for uid, start, end in rows:
                new_start, new_end = (same_wall_time(datetime.fromisoformat(t), before, after) for t in (start, end))
                db.execute(
                    "UPDATE checkins SET start = ?, end = ?,"
                    " repair = CASE WHEN pinned = 1 AND href IS NOT NULL AND repair IS NULL THEN ? ELSE repair END"
                    " WHERE uid = ?",
                    (new_start.isoformat(), new_end.isoformat(), Repair.REZONED, uid),
                )
            put_meta(db, zone_key, after.key)
        return len(rows)

    def names(self) -> set[str]:
        """Every name the store holds history for (contacts, check-ins, pauses), as written."""
        rows = self.db.execute(
            "SELECT person FROM contacts UNION SELECT person FROM checkins UNION SELECT person FROM standings"
        ).fetchall()
        return {p for (p,) in rows}

    def rename(self, old: str, new: str, at: datetime) -> bool:
        """`was:` in the config: the history recorded under `old` is `new`'s, in one transaction, and
        the rename is itself recorded. Check-ins keep their UIDs (their objects are updated in place).
        False when nothing is recorded under `old` (already renamed, or never there)."""
        with self.transaction() as db:
            if not db.execute(
                "SELECT 1 FROM contacts WHERE person = ? COLLATE NOCASE UNION"
                " SELECT 1 FROM checkins WHERE person = ? COLLATE NOCASE UNION"
                " SELECT 1 FROM standings WHERE person = ?",
                (old, old, fold(old)),
            ).fetchone():
                return False
            db.execute("UPDATE contacts SET person = ? WHERE person = ? COLLATE NOCASE", (new, old))
            db.execute("UPDATE checkins SET person = ? WHERE person = ? COLLATE NOCASE", (new, old))
            db.execute("UPDATE nudges SET person = ? WHERE person = ? COLLATE NOCASE", (new, old))
            if not db.execute("SELECT 1 FROM standings WHERE person = ?", (fold(new),)).fetchone():
                db.execute("UPDATE standings SET person = ? WHERE person = ?", (fold(new), fold(old)))
            db.execute("INSERT INTO renames (old, new, at) VALUES (?, ?, ?)", (old, new, at.isoformat()))
        return True

    # -- objects that are not ours -----------------------------------------

    def foreign(self) -> dict[str, str]:
        """Objects already looked at and found not to be ours: href to ETag."""
        return dict(self.db.execute("SELECT href, etag FROM foreign_objects").fetchall())

    def record_foreign(self, seen: dict[str, str], gone: list[str]) -> None:
        with self.transaction(ledger=False) as db:
            db.executemany(
                "INSERT INTO foreign_objects (href, etag) VALUES (?, ?)"
                " ON CONFLICT(href) DO UPDATE SET etag = excluded.etag",
                list(seen.items()),
            )
            db.executemany("DELETE FROM foreign_objects WHERE href = ?", [(h,) for h in gone])

    # -- small facts ---------------------------------------------------------

    def nudge_person(self, key: str) -> str | None:
        row = self.db.execute("SELECT person FROM nudges WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def claim_press(self, nudge: str, action: str, message: str, at: datetime) -> bool:
        """Record the one press a nudge may have; False when it already had one."""
        with self.transaction(ledger=False) as db:
            found = db.execute(
                "INSERT OR IGNORE INTO presses (nudge, action, message, at) VALUES (?, ?, ?, ?)",
                (nudge, action, message, at.isoformat()),
            )
            return found.rowcount == 1

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def delete_meta(self, key: str) -> None:
        with self.transaction(ledger=False) as db:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction(ledger=False) as db:
            put_meta(db, key, value)
