"""The domain in plain, frozen values. No I/O, no clock."""

from __future__ import annotations

import calendar
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from reconnectd.policy.cadence import Cadence


class Outcome(StrEnum):
    REPLIED = "replied"
    NO_REPLY = "no reply"


@dataclass(frozen=True)
class Milestone:
    """A date that matters: a birthday or anniversary (every year), or a one-off event."""

    label: str
    month: int
    day: int
    year: int | None = None
    yearly: bool = True
    remind: timedelta = timedelta(0)  # an extra nudge this long before the day

    @property
    def kind(self) -> str:
        return milestone_kind(self.label)

    def next_on_or_after(self, today: date) -> date | None:
        """The next day it falls on (29 February on the 28th in other years), or None if it is past."""
        if not self.yearly:
            assert self.year is not None
            return _on(self.year, self.month, self.day) if _on(self.year, self.month, self.day) >= today else None
        this_year = _on(today.year, self.month, self.day)
        return this_year if this_year >= today else _on(today.year + 1, self.month, self.day)


BIRTHDAY, ANNIVERSARY, EVENT = "birthday", "anniversary", "event"
MILESTONE_KINDS = (BIRTHDAY, ANNIVERSARY, EVENT)
YEARLY_KINDS = (BIRTHDAY, ANNIVERSARY)  # a label naming one of these comes back every year unless told otherwise


def milestone_kind(label: str) -> str:
    """What a label is about: "Mum's birthday" is a birthday; a label naming no kind is an event."""
    lowered = label.lower()
    return next((kind for kind in YEARLY_KINDS if kind in lowered), EVENT)


def _on(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


class Standing(StrEnum):
    """Where a person stands with you: in touch, taking a break, or let go (history kept)."""

    ACTIVE = "active"
    PAUSED = "paused"
    LET_GO = "let go"


LIGHT, DEEP = "light", "deep"
STYLES = (LIGHT, DEEP)  # how a person likes to be asked: the questions that suit them


@dataclass(frozen=True)
class Person:
    name: str
    every: Cadence
    prefers: str | None = None
    notes: str | None = None
    last_contact: date | None = None
    interests: tuple[str, ...] = ()
    style: str = LIGHT
    status: Standing = Standing.ACTIVE
    until: date | None = None  # a pause ends by itself on this day
    route: str | None = None  # nudges go to the notify URLs carrying this tag
    dates: tuple[Milestone, ...] = ()
    was: tuple[str, ...] = ()  # old names: the history recorded under them is this person's
    aliases: tuple[str, ...] = ()  # other names a calendar event may call them by ("Mum")
    emails: tuple[str, ...] = ()  # an event with one of these among its attendees is a meeting with them
    watch: bool = True  # False: events in watched calendars never count as meeting them
    card: str | None = None  # the UID of their address-book card (`card:`, or found by name)
    line: int | None = field(default=None, compare=False)  # where the YAML names them, for problems found later

    def standing_on(self, day: date) -> Standing:
        if self.status is Standing.PAUSED and self.until is not None and day >= self.until:
            return Standing.ACTIVE
        return self.status

    @property
    def key(self) -> str:
        """Stable identity of a person, used in UIDs: readable slug plus a short hash."""
        return person_key(self.name)


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens, at most 24 characters: "Grandma Rosé" -> "grandma-rose"."""
    folded = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:24]


@functools.lru_cache(maxsize=65536)
def person_key(name: str) -> str:
    digest = hashlib.sha256(fold(name).encode()).hexdigest()[:8]
    return f"{slug(name) or 'person'}-{digest}"


FROM_CLI, FROM_CALENDAR = "cli", "calendar"  # where a contact was recorded: `reconnectd done`, or a tick


@dataclass(frozen=True)
class Contact:
    """A moment the user reached someone. The log of these is never lost."""

    person: str
    at: datetime
    outcome: Outcome = Outcome.REPLIED
    note: str | None = None
    source: str = FROM_CLI
    withdrawn_at: datetime | None = None  # taken back with `reconnectd undo`: kept, and ignored by the planner


class CheckInStatus(StrEnum):
    SCHEDULED = "scheduled"  # upcoming: lives in the calendar, nudge not yet due
    PASSED = "passed"  # its time came; the nudge went to the outbox
    SKIPPED = "skipped"  # the user deleted it from the calendar
    DONE = "done"  # ticked off or completed in the calendar, or met by a contact recorded since
    WITHDRAWN = "withdrawn"  # the person left the config; the event was removed


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One occurrence of "check in with X", as planned or as remembered."""

    person: str
    seq: int
    start: datetime
    end: datetime
    basis: str
    status: CheckInStatus = CheckInStatus.SCHEDULED
    pinned: bool = False  # the user moved or edited it in their calendar: it stays as they left it
    label: str | None = None  # set for a milestone occurrence: an all-day event, seq is its year
    named_uid: str | None = None  # the UID it was written under before its person was renamed

    @property
    def uid(self) -> str:
        if self.named_uid is not None:
            return self.named_uid
        if self.label is not None:
            return milestone_uid(self.person, self.label, self.seq)
        return checkin_uid(self.person, self.seq)

    @property
    def is_milestone(self) -> bool:
        return self.label is not None


UID_PREFIX = "reconnectd-"


def checkin_uid(person: str, seq: int) -> str:
    return f"{UID_PREFIX}{person_key(person)}-{seq}"


def milestone_uid(person: str, label: str, year: int) -> str:
    return f"{UID_PREFIX}{person_key(person)}-m-{_label_slug(label)}-{year}"


@functools.lru_cache(maxsize=4096)  # a handful of labels ("birthday") among everyone's dates
def _label_slug(label: str) -> str:
    return slug(label) or "date"


class Repair(StrEnum):
    """An object of ours that stopped reading as iCalendar is rewritten once, never in a loop."""

    DUE = "due"  # rewrite it from the plan at the next write
    DONE = "done"  # rewritten once
    GIVEN_UP = "given up"  # it broke again after the rewrite: left alone from then on
    REZONED = "rezoned"  # the time zone changed: rewritten once at the same wall time, even if pinned


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
    repair: Repair | None = None


@dataclass(frozen=True, slots=True)
class Nudge:
    """A message for the user's phone, keyed so that it is sent exactly once."""

    key: str
    person: str
    due: datetime
    title: str
    body: str


CHANNELS = ("text", "voice note", "call", "video", "in person", "social media", "email", "letter")
CHANNEL_ALIASES = {
    "message": "text",
    "sms": "text",
    "voice message": "voice note",
    "phone": "call",
    "phone call": "call",
    "video call": "video",
    "meet": "in person",
    "social": "social media",
    "mail": "email",
    "e-mail": "email",
    "post": "letter",
}


def fold(name: str) -> str:
    """A name as compared: case and Unicode spelling (é as one or two code points) do not matter."""
    return unicodedata.normalize("NFC", name).casefold()
