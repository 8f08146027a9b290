"""What the user asked for, as frozen values: built from the YAML by `reconnectd.config`, read by everyone.

Every default lives here once, on its dataclass field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from reconnectd.policy.cadence import Cadence
from reconnectd.policy.model import LIGHT, Person, fold

if TYPE_CHECKING:
    from reconnectd.policy.library import Library


class Secret:
    """A value that never shows itself in logs, reprs or error messages."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


Component = Literal["event", "todo"]  # what a check-in is written as: a VEVENT or a VTODO


@dataclass(frozen=True)
class PasswordSource:
    """Where the CalDAV password comes from: a file, a command or an environment variable."""

    key: Literal["password_file", "password_command", "password_env"]
    value: str | tuple[str, ...]
    line: int | None = field(default=None, compare=False)


A_YEAR = Cadence(months=12)


@dataclass(frozen=True)
class CalendarSettings:
    url: str | None = None
    username: str | None = None
    password: Secret | None = None
    password_source: PasswordSource | None = None
    name: str = "Reconnect"
    verify_tls: bool = True
    listen: tuple[str, int] = ("127.0.0.1", 5239)  # not Radicale's 5232: see the README
    poll: timedelta = timedelta(minutes=5)
    full_poll: timedelta = timedelta(hours=1)
    timeout: timedelta = timedelta(seconds=30)
    component: Component = "event"
    concurrency: int = 4  # writes in flight at once: quick over a slow link, polite to the server
    watch: tuple[str, ...] = ()  # other calendars read for meetings, by display name (read only)
    watch_all: bool = False  # `watch: all`: every calendar of the login but ours
    # Our past check-ins older than this are removed from the calendar (the store keeps them all);
    # None keeps them there forever. A year keeps the last check-in with anyone in view.
    keep_history: Cadence | None = A_YEAR

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass(frozen=True)
class GroupRule:
    """`contacts.groups`: the members of an address-book group become people with this rhythm."""

    group: str  # as CATEGORIES or an Apple group card names it (compared folded)
    every: Cadence
    prefers: str | None = None
    style: str = LIGHT
    route: str | None = None  # `notify:` in the YAML, as on a person
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ContactsSettings:
    """`contacts:`: one address book, read and never written: CardDAV (`url`) or local vCards (`path`)."""

    url: str | None = None
    path: Path | None = None  # a .vcf file or a vdir folder
    username: str | None = None
    password: Secret | None = None
    password_source: PasswordSource | None = None
    verify_tls: bool = True
    groups: tuple[GroupRule, ...] = ()
    line: int | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """The source as the user wrote it, for messages (a URL never holds credentials: refused at load)."""
        return self.url if self.url is not None else str(self.path)


@dataclass(frozen=True)
class Reply:
    """An ntfy target's reply topic: the buttons on its nudges post there, and the daemon reads it."""

    topic: str
    token_file: Path | None = None  # the daemon's token: may read the reply topic (else the URL's own login)
    reply_token_file: Path | None = None  # the buttons' token: may only write to the reply topic
    snooze: timedelta = timedelta(days=3)


@dataclass(frozen=True)
class NotifySettings:
    urls: tuple[Secret, ...] = ()
    url_replies: tuple[Reply | None, ...] = ()  # per URL in `urls`: its ntfy reply topic, if any
    url_tags: tuple[frozenset[str], ...] = ()  # per URL in `urls`, for routing people's nudges
    url_lines: tuple[int, ...] = field(default=(), repr=False, compare=False)
    urls_file: Path | None = None
    apprise_config: Path | None = None
    quiet_hours: tuple[time, time] | None = None
    expire: timedelta = timedelta(days=1)
    digest: time | None = None  # one morning message instead of a nudge per check-in
    view_url: str | None = None  # what a catch-up about several people opens on an ntfy phone
    source_lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def quiet_at(self, moment: time) -> bool:
        """Is this time of day inside the quiet hours (which may span midnight)?"""
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        return start <= moment < end if start <= end else moment >= start or moment < end


EVERY_DAY = frozenset(range(7))  # weekdays, Monday = 0


@dataclass(frozen=True)
class Schedule:
    until: time | None = None  # with a window ("18:00-20:00"), the slots end by this time
    time: time = time(18, 0)  # the first slot of a day
    days: frozenset[int] = EVERY_DAY  # allowed weekdays, Monday = 0
    duration: timedelta = timedelta(minutes=15)
    max_per_day: int = 2
    alarm: timedelta = timedelta(0)


@dataclass(frozen=True)
class Patience:
    """After each unanswered check-in in a row the interval grows by `growth`, up to `cap` cadences."""

    growth: float = 1.5
    cap: float = 4.0


@dataclass(frozen=True)
class MilestoneSettings:
    time: time = time(9, 0)  # when a milestone's nudges go out, on the day and ahead of it
    keep_when_paused: bool = False  # keep paused and let-go people's dates in the calendar (never nudged)


@dataclass(frozen=True)
class Config:
    file: str
    timezone: ZoneInfo
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    schedule: Schedule = field(default_factory=Schedule)
    patience: Patience = field(default_factory=Patience)
    milestones: MilestoneSettings = field(default_factory=MilestoneSettings)
    people: tuple[Person, ...] = ()
    contacts: ContactsSettings | None = None
    self_every: Cadence | None = None  # an optional check-in with yourself
    own_library: Library | None = None  # the `library:` section, with the built-in words it adds to

    @property
    def library(self) -> Library:
        """What check-ins can say: the built-in words (read on first use, so that `status` never does), or
        the user's library."""
        if self.own_library is not None:
            return self.own_library
        from reconnectd.policy.library import default_library  # noqa: PLC0415  (the words are read on first use)

        return default_library()

    @property
    def everyone(self) -> tuple[Person, ...]:
        """The people, and you when a self check-in is set: what the planner schedules."""
        return (*self.people, Person(SELF, self.self_every)) if self.self_every else self.people

    @functools.cached_property
    def _by_name(self) -> dict[str, Person]:
        return {fold(p.name): p for p in self.everyone}

    def person(self, name: str) -> Person | None:
        return self._by_name.get(fold(name))


SELF = "yourself"  # the reserved name of the self check-in
