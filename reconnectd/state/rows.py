"""How a stored row reads as a value, and back: one place for the formats of the store."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from reconnectd.policy.bounds import SPAN, within
from reconnectd.policy.model import CheckIn, CheckInStatus, Contact, Nudge, Outcome, Standing, fold

T = TypeVar("T")
Row = tuple[Any, ...]


def moment(text: str) -> datetime:
    """A moment as stored; ValueError when it does not read or lies outside the years we plan in."""
    value = datetime.fromisoformat(text)
    if not within(value):
        raise ValueError(f"outside {SPAN}")
    return value


def day(text: str) -> date:
    value = date.fromisoformat(text)
    if not within(value):
        raise ValueError(f"outside {SPAN}")
    return value


@dataclass(frozen=True)
class PendingNudge:
    nudge: Nudge
    delivered: frozenset[str]
    queued_at: datetime


def named(checkin: CheckIn, uid: str) -> CheckIn:
    """A check-in written before its person was renamed keeps the UID it was written under."""
    return checkin if checkin.uid == uid else replace(checkin, named_uid=uid)


def same_wall_time(moment: datetime, before: ZoneInfo, after: ZoneInfo) -> datetime:
    return moment.astimezone(before).replace(tzinfo=after)


def read_contact(row: Row) -> Contact:
    person, at, outcome, note, source, withdrawn = row
    return Contact(person, moment(at), Outcome(outcome), note, source, moment(withdrawn) if withdrawn else None)


def read_checkin(row: Row) -> CheckIn:
    person, seq, start, end, basis, status, pinned, label, uid = row
    checkin = CheckIn(person, seq, moment(start), moment(end), basis, CheckInStatus(status), bool(pinned), label)
    return named(checkin, uid)


def read_standing(row: Row) -> tuple[Standing, date | None]:
    status, until = row
    return Standing(status), day(until) if until else None


def read_pending(row: Row) -> PendingNudge:
    key, person, due, title, body, created, sent = row
    return PendingNudge(Nudge(key, person, moment(due), title, body), sent, moment(created))


def fold_or_none(name: str | None) -> str | None:
    return fold(name) if isinstance(name, str) else name


def put_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def insert_contact(
    db: sqlite3.Connection, contact: Contact, recorded_at: datetime, *, checkin: str | None = None
) -> None:
    db.execute(
        "INSERT INTO contacts (person, at, outcome, note, source, recorded_at, checkin) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            contact.person,
            contact.at.isoformat(),
            contact.outcome.value,
            contact.note,
            contact.source,
            recorded_at.isoformat(),
            checkin,
        ),
    )
