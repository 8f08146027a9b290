"""What the report shows, worked out: one row per person, the year's totals and the timeline's scale.

Pure, and no HTML: plain frozen values that page.py draws. Where each person stands (last
contact, next check-in, overdue days) comes from `status.summarize`; this module adds the
history around it: the contacts, the check-ins that passed or were skipped, the streak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckInStatus, Outcome, Person, fold
from reconnectd.policy.settings import Config
from reconnectd.policy.status import PersonStatus, summarize

PAST_DAYS = 365  # the timeline reaches back at most a year, to the first week with something on it...
MIN_PAST_DAYS = 28  # ...but at least four weeks, so a new user's first contacts have room
FUTURE_DAYS = 56  # ahead, it reaches to the week of the last next check-in, at most eight weeks...
MIN_FUTURE_DAYS = 14  # ...and at least two
WEEKS_LABELLED = 12  # a timeline of up to this many weeks labels each week, not only the months
DUE_SOON_DAYS = 7  # "due this week": due within the next 7 days, today included

# The timeline's scale, in SVG user units. Every row and the month axis share one viewBox width,
# and CSS gives them the same on-screen width, so a day is at the same x in every row.
WIDTH = 640.0
LEFT = 14.0
RIGHT = WIDTH - 14.0


class Standing(StrEnum):
    ON_TRACK = "on-track"
    DUE = "due"
    OVERDUE = "overdue"
    NEW = "new"  # no contact known and no check-in planned yet


@dataclass(frozen=True)
class ContactMark:
    day: date
    outcome: Outcome | None  # None: the `last_contact` date from the YAML, outcome unknown
    note: str | None
    source: str | None


@dataclass(frozen=True)
class Streak:
    """The run of equal outcomes ending at the latest recorded contact."""

    outcome: Outcome
    count: int


@dataclass(frozen=True)
class Row:
    index: int
    person: Person
    status: PersonStatus
    contacts: tuple[ContactMark, ...]  # every known contact up to today, oldest first
    ahead: tuple[ContactMark, ...]  # contacts dated after today: named on the page, drawn and counted nowhere
    passed: tuple[date, ...]  # check-ins whose time came without being ticked off
    skipped: tuple[date, ...]  # check-ins the user deleted from the calendar
    due: date | None  # when the next contact is expected (see `_due_day`)
    standing: Standing
    streak: Streak | None
    next_checkin: datetime | None  # `status.next_checkin` in the user's time zone


@dataclass(frozen=True)
class Window:
    """The days on the timeline, and where each one sits on it."""

    start: date
    end: date
    today: date

    def x(self, day: date) -> float:
        """The middle of `day` on the timeline, clamped to its ends."""
        span = (self.end - self.start).days + 1
        offset = min(max((day - self.start).days + 0.5, 0.0), float(span))
        return LEFT + (RIGHT - LEFT) * offset / span

    def edge(self, day: date) -> float:
        """Where `day` begins on the timeline (the boundary between it and the day before)."""
        return self.x(day) - (RIGHT - LEFT) / ((self.end - self.start).days + 1) / 2

    def month_starts(self) -> list[date]:
        """The first day of each month that begins after the window's first day, up to its last."""
        first = date(self.start.year, self.start.month, 1)
        starts = []
        while first <= self.end:
            if first > self.start:
                starts.append(first)
            first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return starts

    def week_starts(self) -> list[date]:
        """The Mondays from the window's first day to its last."""
        monday = self.start + timedelta(days=-self.start.weekday() % 7)
        return [monday + timedelta(weeks=n) for n in range((self.end - monday).days // 7 + 1)]

    @property
    def weeks(self) -> int:
        return -(-((self.end - self.start).days + 1) // 7)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Totals:
    people: int
    due: int  # due this week
    overdue: int
    contacts: int  # contacts in the year up to today
    known: int  # of those, the ones with a known outcome
    replied: int  # of those, the ones that were answered

    @property
    def replied_percent(self) -> int | None:
        """The share of contacts with a known outcome that were answered; None when none is known."""
        return round(100 * self.replied / self.known) if self.known else None


@dataclass(frozen=True)
class Figures:
    now: datetime  # in the user's time zone
    window: Window
    rows: tuple[Row, ...]  # in config order
    totals: Totals


def figures_for(config: Config, ledger: Ledger, now: datetime) -> Figures:
    """Everything the report shows, for `now` (which must be timezone-aware)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got {now!r}")
    tz = config.timezone
    today = now.astimezone(tz).date()
    statuses = summarize(config, ledger, now)
    pairs = zip(config.people, statuses, strict=True)
    rows = tuple(_row(i, person, status, ledger, tz, now=now) for i, (person, status) in enumerate(pairs))
    window = _window(rows, today)
    return Figures(now.astimezone(tz), window, rows, _totals(rows, window))


def _window(rows: tuple[Row, ...], today: date) -> Window:
    """The weeks that have something to show: from the week of the first contact or check-in of the
    last year, to the week of the last next check-in, within the bounds above (whole weeks, Monday first)."""
    year_ago = today - timedelta(days=PAST_DAYS)
    past = [d for r in rows for d in (*(m.day for m in r.contacts), *r.passed, *r.skipped) if d >= year_ago]
    first = min([*past, today - timedelta(days=MIN_PAST_DAYS)])
    start = max(first - timedelta(days=first.weekday()), year_ago)
    ahead = [r.next_checkin.date() for r in rows if r.next_checkin is not None]
    last = min(max([*ahead, today + timedelta(days=MIN_FUTURE_DAYS)]), today + timedelta(days=FUTURE_DAYS))
    return Window(start, last + timedelta(days=6 - last.weekday()), today)


def _totals(rows: tuple[Row, ...], window: Window) -> Totals:
    year = [m for r in rows for m in r.contacts if window.start <= m.day <= window.today]
    known = [m for m in year if m.outcome is not None]
    return Totals(
        people=len(rows),
        due=sum(r.standing is Standing.DUE for r in rows),
        overdue=sum(r.standing is Standing.OVERDUE for r in rows),
        contacts=len(year),
        known=len(known),
        replied=sum(m.outcome is Outcome.REPLIED for m in known),
    )


def _row(index: int, person: Person, status: PersonStatus, ledger: Ledger, tz: ZoneInfo, *, now: datetime) -> Row:
    folded = fold(person.name)
    today = now.astimezone(tz).date()
    recorded = sorted((c for c in ledger.contacts if fold(c.person) == folded), key=lambda c: c.at)
    marks = [ContactMark(c.at.astimezone(tz).date(), c.outcome, c.note, c.source) for c in recorded]
    if person.last_contact is not None and all(m.day != person.last_contact for m in marks):
        marks.append(ContactMark(person.last_contact, None, None, None))
    # A contact dated after today (`done` refuses them; an older version or a hand-edited YAML did
    # not) has not happened yet: it is not drawn, and counted nowhere (row, streak or totals).
    ahead = tuple(m for m in marks if m.day > today)
    marks = [m for m in marks if m.day <= today]
    marks.sort(key=lambda m: m.day)  # stable: recorded contacts keep their order within a day
    theirs = [c for c in ledger.checkins if fold(c.person) == folded and not c.is_milestone]
    # A scheduled check-in whose time has come is passed, whether or not a sync has said so yet.
    passed = sorted(
        c.start.astimezone(tz).date()
        for c in theirs
        if c.status is CheckInStatus.PASSED or (c.status is CheckInStatus.SCHEDULED and c.start <= now)
    )
    skipped = sorted(c.start.astimezone(tz).date() for c in theirs if c.status is CheckInStatus.SKIPPED)
    due = _due_day(status, tz)
    standing = _standing(status, due, today)
    upcoming = status.next_checkin.astimezone(tz) if status.next_checkin is not None else None
    return Row(
        index,
        person,
        status,
        tuple(marks),
        ahead,
        tuple(passed),
        tuple(skipped),
        due,
        standing,
        _streak(marks),
        upcoming,
    )


def _standing(status: PersonStatus, due: date | None, today: date) -> Standing:
    if status.overdue_days > 0:
        return Standing.OVERDUE
    if due is None:
        return Standing.NEW
    return Standing.DUE if (due - today).days < DUE_SOON_DAYS else Standing.ON_TRACK


def _due_day(status: PersonStatus, tz: ZoneInfo) -> date | None:
    """When the next contact is expected: a cadence after the last, else the first check-in."""
    if status.due is not None:
        return status.due
    return status.next_checkin.astimezone(tz).date() if status.next_checkin is not None else None


def _streak(marks: list[ContactMark]) -> Streak | None:
    """The run of equal outcomes ending at the latest recorded contact.

    Only recorded contacts count: a `last_contact` date from the YAML has no outcome to add."""
    outcomes = [m.outcome for m in marks if m.outcome is not None]
    if not outcomes:
        return None
    count = 0
    for outcome in reversed(outcomes):
        if outcome is not outcomes[-1]:
            break
        count += 1
    return Streak(outcomes[-1], count)
