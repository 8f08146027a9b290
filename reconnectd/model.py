"""The domain in plain, frozen values. No I/O, no clock."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from reconnectd.cadence import Cadence


class Outcome(StrEnum):
    REPLIED = "replied"
    NO_REPLY = "no reply"


class Standing(StrEnum):
    """Where a person stands with you: in touch, taking a break, or let go (history kept)."""

    ACTIVE = "active"
    PAUSED = "paused"
    LET_GO = "let go"


@dataclass(frozen=True)
class Person:
    name: str
    every: Cadence
    prefers: str | None = None
    notes: str | None = None
    last_contact: date | None = None
    interests: tuple[str, ...] = ()
    style: str = "light"
    status: Standing = Standing.ACTIVE
    until: date | None = None  # a pause ends by itself on this day
    route: str | None = None  # nudges go to the notify URLs carrying this tag

    def standing_on(self, day: date) -> Standing:
        if self.status is Standing.PAUSED and self.until is not None and day >= self.until:
            return Standing.ACTIVE
        return self.status

    @property
    def key(self) -> str:
        """Stable identity of a person, used in UIDs: readable slug plus a short hash."""
        return person_key(self.name)


def person_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.casefold())
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
    digest = hashlib.sha256(name.casefold().encode()).hexdigest()[:8]
    return f"{slug[:24] or 'person'}-{digest}"


@dataclass(frozen=True)
class Contact:
    """A moment the user reached someone. The log of these is never lost."""

    person: str
    at: datetime
    outcome: Outcome = Outcome.REPLIED
    note: str | None = None
    source: str = "cli"


class CheckInStatus(StrEnum):
    SCHEDULED = "scheduled"  # upcoming: lives in the calendar, nudge not yet due
    PASSED = "passed"  # its time came; the nudge went to the outbox
    SKIPPED = "skipped"  # the user deleted it from the calendar
    DONE = "done"  # ticked off or completed in the calendar, or met by a contact recorded since
    WITHDRAWN = "withdrawn"  # the person left the config; the event was removed


@dataclass(frozen=True)
class CheckIn:
    """One occurrence of "check in with X", as planned or as remembered."""

    person: str
    seq: int
    start: datetime
    end: datetime
    basis: str
    status: CheckInStatus = CheckInStatus.SCHEDULED
    pinned: bool = False  # the user moved or edited it in their calendar: it stays as they left it

    @property
    def uid(self) -> str:
        return checkin_uid(self.person, self.seq)


UID_PREFIX = "reconnectd-"


def checkin_uid(person: str, seq: int) -> str:
    return f"{UID_PREFIX}{person_key(person)}-{seq}"


@dataclass(frozen=True)
class Owned:
    """A calendar object reconnectd wrote, as last seen."""

    uid: str
    person: str
    status: CheckInStatus
    href: str | None
    etag: str | None
    fingerprint: str | None
    pinned: bool = False


@dataclass(frozen=True)
class Nudge:
    """A message for the user's phone, keyed so that it is sent exactly once."""

    key: str
    person: str
    due: datetime
    title: str
    body: str
