"""Meetings seen in watched calendars: past ones in the contact log, those ahead as a small fact.

A past meeting is a contact whose `checkin` column holds "meeting:" and its key, so it is recorded
once, and withdrawn (never erased) when its event goes. The meetings ahead are kept whole, read
again each cycle, for the planner in this process and for `plan` and `status` in another.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from reconnectd.policy.meetings import Meeting
from reconnectd.policy.model import Contact
from reconnectd.state.rows import insert_contact, put_meta

MEETINGS_AHEAD = "meetings_ahead"
_PREFIX = "meeting:"


class _Store(Protocol):
    db: sqlite3.Connection

    def transaction(self, *, ledger: bool = True) -> AbstractContextManager[sqlite3.Connection]: ...


class MeetingRecords:
    """Mixed into the Store: the watched calendars' part of it."""

    def recorded_meetings(self: _Store) -> dict[str, tuple[datetime, bool]]:
        """Every meeting ever recorded as a contact: key to (its start, withdrawn since)."""
        rows = self.db.execute(
            "SELECT checkin, at, withdrawn_at FROM contacts WHERE checkin LIKE ?", (_PREFIX + "%",)
        ).fetchall()
        return {key[len(_PREFIX) :]: (datetime.fromisoformat(at), gone is not None) for key, at, gone in rows}

    def record_meeting(self: _Store, meeting: Meeting, now: datetime) -> None:
        contact = Contact(meeting.person, meeting.start, source=meeting.source)
        with self.transaction() as db:
            insert_contact(db, contact, now, checkin=_PREFIX + meeting.key)

    def withdraw_meeting(self: _Store, key: str, now: datetime) -> None:
        """Its event was deleted or moved: the contact stays in the log, marked withdrawn."""
        with self.transaction() as db:
            db.execute(
                "UPDATE contacts SET withdrawn_at = ? WHERE checkin = ? AND withdrawn_at IS NULL",
                (now.isoformat(), _PREFIX + key),
            )

    def set_meetings_ahead(self: _Store, meetings: list[Meeting]) -> None:
        value = json.dumps([[m.person, m.start.isoformat(), m.calendar, m.title, m.key] for m in meetings])
        with self.transaction() as db:
            if db.execute("SELECT value FROM meta WHERE key = ?", (MEETINGS_AHEAD,)).fetchone() != (value,):
                put_meta(db, MEETINGS_AHEAD, value)

    def meetings_ahead(self: _Store) -> tuple[Meeting, ...]:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (MEETINGS_AHEAD,)).fetchone()
        if row is None:
            return ()
        try:
            found = [Meeting(p, datetime.fromisoformat(s), c, t, k) for p, s, c, t, k in json.loads(row[0])]
        except (ValueError, TypeError):
            return ()
        return tuple(sorted(found, key=lambda m: (m.start, m.key)))
