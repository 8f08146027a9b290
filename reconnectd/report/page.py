"""The report: one self-contained HTML page of the past year with each person. Pure.

`render_report(config, ledger, now)` returns the page as text: inline CSS and inline SVG,
system fonts, no script and no URL of any kind, so opening it fetches nothing. Where each
person stands (last contact, next check-in, overdue days) comes from `status.summarize`;
this module only adds the history around it and draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from html import escape
from zoneinfo import ZoneInfo

from reconnectd.policy.english import plural
from reconnectd.policy.model import CheckInStatus, Outcome, Person, fold
from reconnectd.policy.plan import Ledger
from reconnectd.policy.settings import Config
from reconnectd.policy.status import PersonStatus, summarize
from reconnectd.report.style import CSS

PAST_DAYS = 365  # the timeline shows the year up to today...
FUTURE_DAYS = 56  # ...and eight weeks ahead, where the next check-ins sit
DUE_SOON_DAYS = 7  # "due this week": due within the next 7 days, today included

# Timeline geometry, in SVG user units. Every row and the month axis share one viewBox width,
# and CSS gives them the same on-screen width, so a day is at the same x in every row.
WIDTH = 640.0
LEFT = 14.0
RIGHT = WIDTH - 14.0
ROW_HEIGHT = 44.0
MID = ROW_HEIGHT / 2
AXIS_HEIGHT = 38.0
HUES = 7  # person colours, cycled in config order (.hue-0 ... .hue-6 in the CSS)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LONG_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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

    @property
    def css(self) -> str:
        if self.outcome is Outcome.REPLIED:
            return "replied"
        if self.outcome is Outcome.NO_REPLY:
            return "no-reply"
        return "unknown"


@dataclass(frozen=True)
class Streak:
    outcome: Outcome
    count: int

    @property
    def css(self) -> str:
        return "replied" if self.outcome is Outcome.REPLIED else "unanswered"

    @property
    def text(self) -> str:
        if self.outcome is Outcome.REPLIED:
            return "replied last time" if self.count == 1 else f"{self.count} replied in a row"
        return "last one unanswered" if self.count == 1 else f"{self.count} unanswered in a row"


@dataclass(frozen=True)
class Row:
    index: int
    person: Person
    status: PersonStatus
    contacts: tuple[ContactMark, ...]  # every known contact, oldest first
    passed: tuple[date, ...]  # check-ins whose time came without being ticked off
    skipped: tuple[date, ...]  # check-ins the user deleted from the calendar
    due: date | None  # when the next contact is expected (see `_due_day`)
    standing: Standing
    streak: Streak | None


@dataclass(frozen=True)
class Window:
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

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def render_report(config: Config, ledger: Ledger, now: datetime) -> str:
    """The whole report page as HTML text. `now` must be timezone-aware."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got {now!r}")
    tz = config.timezone
    today = now.astimezone(tz).date()
    window = Window(today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS), today)
    statuses = summarize(config, ledger, now)
    pairs = zip(config.people, statuses, strict=True)
    rows = [_row(i, person, status, ledger, tz, now=now) for i, (person, status) in enumerate(pairs)]
    body = (
        _header(rows, window, now.astimezone(tz))
        + (_legend() + _axis(window) + "".join(_person(row, window, tz) for row in rows) if rows else _empty(config))
        + _footer(config, now.astimezone(tz))
    )
    return _page(body)


# --- what each row says -------------------------------------------------------------------


def _row(index: int, person: Person, status: PersonStatus, ledger: Ledger, tz: ZoneInfo, *, now: datetime) -> Row:
    folded = fold(person.name)
    recorded = sorted((c for c in ledger.contacts if fold(c.person) == folded), key=lambda c: c.at)
    marks = [ContactMark(c.at.astimezone(tz).date(), c.outcome, c.note, c.source) for c in recorded]
    if person.last_contact is not None and all(m.day != person.last_contact for m in marks):
        marks.append(ContactMark(person.last_contact, None, None, None))
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
    standing = _standing(status, due, now.astimezone(tz).date())
    return Row(index, person, status, tuple(marks), tuple(passed), tuple(skipped), due, standing, _streak(marks))


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


# --- words --------------------------------------------------------------------------------


def _day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _short(day: date, today: date) -> str:
    """A near date the way people say it: today, tomorrow, Thursday, Tue 12 Jan."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if 1 < delta < DUE_SOON_DAYS:
        return LONG_WEEKDAYS[day.weekday()]
    text = f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def _chip_text(row: Row, today: date) -> str:
    if row.standing is Standing.OVERDUE:
        return plural(row.status.overdue_days, "day") + " overdue"
    if row.standing is Standing.DUE and row.due is not None:
        return "due " + _short(row.due, today)
    if row.standing is Standing.NEW:
        return "not planned yet"
    return "on track"


def _summary(rows: list[Row]) -> str:
    due = sum(r.standing is Standing.DUE for r in rows)
    overdue = sum(r.standing is Standing.OVERDUE for r in rows)
    parts = [plural(len(rows), "person", "people")]
    if due:
        parts.append(f"{due} due this week")
    if overdue:
        parts.append(f"{overdue} overdue")
    if rows and not due and not overdue:
        parts.append("all on track")
    return " · ".join(parts)


# --- HTML ---------------------------------------------------------------------------------


def _header(rows: list[Row], window: Window, now: datetime) -> str:
    when = f"{LONG_WEEKDAYS[now.weekday()]} {now.day} {MONTHS[now.month - 1]} {now.year}"
    year = [m for r in rows for m in r.contacts if window.start <= m.day <= window.today]
    known = [m for m in year if m.outcome is not None]
    replied = sum(m.outcome is Outcome.REPLIED for m in known)
    figures = [(str(len(year)), "contact this year" if len(year) == 1 else "contacts this year", "(the last 365 days)")]
    if known:
        figures.append((f"{round(100 * replied / len(known))}%", "replied", "of those with a known outcome"))
    stats = "".join(
        f'<div class="figure" title="{escape(f"{value} {label} {hint}")}"><b>{escape(value)}</b>{escape(label)}</div>'
        for value, label, hint in figures
    )
    return (
        '<header class="top"><div>'
        '<p class="eyebrow">reconnectd</p>'
        "<h1>Keeping in touch</h1>"
        f'<p class="summary">{escape(_summary(rows))}</p>'
        f'<p class="asof">The year up to {escape(when)}</p>'
        f'</div><div class="figures">{stats}</div>'
        "</header>"
    )


def _legend() -> str:
    def item(svg: str, label: str) -> str:
        return f'<li><svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">{svg}</svg>{label}</li>'

    return (
        '<ul class="legend hue-0">'
        + item('<circle class="contact replied" cx="10" cy="10" r="6"/>', "replied")
        + item('<circle class="contact no-reply" cx="10" cy="10" r="5"/>', "no reply")
        + item('<circle class="contact unknown" cx="10" cy="10" r="5"/>', "contact from your config")
        + item('<circle class="checkin passed" cx="10" cy="10" r="3.5"/>', "check-in passed")
        + item(f'<path class="checkin skipped" d="{_cross(10, 10, 3.5)}"/>', "check-in skipped")
        + item(f'<path class="next" d="{_diamond(10, 10, 6)}"/>', "next check-in")
        + "</ul>"
    )


def _axis(window: Window) -> str:
    today = window.x(window.today)
    parts = [
        f'<svg class="axis" viewBox="0 0 {WIDTH:g} {AXIS_HEIGHT:g}" role="presentation" aria-hidden="true">',
        f'<rect class="future" x="{today:.1f}" y="16" width="{RIGHT - today:.1f}" '
        f'height="{AXIS_HEIGHT - 16:g}" rx="4"/>',
    ]
    starts = _month_starts(window)
    edges = [window.edge(first) for first in starts]
    bounds = [LEFT, *edges, RIGHT]
    for first, left, right in zip([window.start, *starts], bounds[:-1], bounds[1:], strict=True):
        if right - left >= 26:  # a month cut short at either end gets a label only if it fits
            centre = (left + right) / 2
            parts.append(
                f'<text class="month" x="{centre:.1f}" y="31" text-anchor="middle">{MONTHS[first.month - 1]}</text>'
            )
    for first, x in zip(starts, edges, strict=True):
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{AXIS_HEIGHT:g}"/>')
        if first.month == 1 and abs(x - today) > 40:
            parts.append(f'<text class="year" x="{x + 2:.1f}" y="11">{first.year}</text>')
    parts.append(f'<text class="today-label" x="{today:.1f}" y="11" text-anchor="middle">today</text>')
    parts.append(f'<path class="today-pin" d="M{today - 4:.1f} 14 h8 l-4 5 z"/>')
    parts.append("</svg>")
    return f'<div class="row axis-row"><div></div>{"".join(parts)}<div></div></div>'


def _month_starts(window: Window) -> list[date]:
    first = date(window.start.year, window.start.month, 1)
    starts = []
    while first <= window.end:
        if first > window.start:
            starts.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return starts


def _person(row: Row, window: Window, tz: ZoneInfo) -> str:
    person, status = row.person, row.status
    rhythm = " · ".join(escape(p) for p in (str(person.every), person.prefers) if p)
    notes = f'<p class="notes" title="{escape(person.notes)}">{escape(person.notes)}</p>' if person.notes else ""
    initial = next((ch for ch in person.name if ch.isalnum()), "?").upper()
    shown = [m for m in row.contacts if m.day in window]
    streak = (
        f'<p class="streak {row.streak.css}" data-streak="{row.streak.count}">{escape(row.streak.text)}</p>'
        if row.streak
        else ""
    )
    if status.next_checkin is not None:
        upcoming = f"next check-in {_short(status.next_checkin.astimezone(tz).date(), window.today)}"
    elif status.last_contact is None:
        upcoming = "no contact recorded yet"
    else:
        upcoming = f"last in touch {_short(status.last_contact, window.today)}"
    return (
        f'<section class="row person hue-{row.index % HUES}" data-name="{escape(person.name)}" '
        f'data-standing="{row.standing.value}" data-overdue-days="{status.overdue_days}">'
        '<div class="who">'
        f'<span class="avatar" aria-hidden="true">{escape(initial)}</span>'
        "<div>"
        f'<h2 class="name">{escape(person.name)}</h2>'
        f'<p class="rhythm">{rhythm}</p>'
        f"{notes}"
        "</div></div>"
        f"{_timeline(row, window, shown, tz)}"
        '<div class="where">'
        f'<span class="chip {row.standing.value}">{escape(_chip_text(row, window.today))}</span>'
        f"{streak}"
        f'<p class="upcoming">{escape(upcoming)}</p>'
        "</div>"
        "</section>"
    )


def _timeline(row: Row, window: Window, shown: list[ContactMark], tz: ZoneInfo) -> str:
    status = row.status
    replied = sum(m.outcome is Outcome.REPLIED for m in shown)
    label = f"{row.person.name}: {plural(len(shown), 'contact')} in the last year, {replied} replied"
    today = window.x(window.today)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH:g} {ROW_HEIGHT:g}" role="img" aria-label="{escape(label)}">',
        f'<rect class="future" x="{today:.1f}" y="2" width="{RIGHT - today:.1f}" height="{ROW_HEIGHT - 4:g}" rx="6"/>',
    ]
    for first in _month_starts(window):
        x = window.edge(first)
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="6" x2="{x:.1f}" y2="{ROW_HEIGHT - 6:g}"/>')
    parts.append(f'<line class="track" x1="{LEFT:g}" y1="{MID:g}" x2="{RIGHT:g}" y2="{MID:g}"/>')
    if status.overdue_days > 0 and status.due is not None:
        start = window.x(max(status.due, window.start))
        parts.append(
            f'<rect class="overdue-span" x="{start - 6:.1f}" y="{MID - 7:g}" width="{today - start + 12:.1f}" '
            f'height="14" rx="7" data-from="{status.due.isoformat()}">'
            f"<title>{escape(f'due since {_day(status.due)}')}</title></rect>"
        )
    parts.append(f'<line class="today" x1="{today:.1f}" y1="4" x2="{today:.1f}" y2="{ROW_HEIGHT - 4:g}"/>')
    for day in row.skipped:
        if day in window:
            parts.append(
                f'<path class="checkin skipped" d="{_cross(window.x(day), MID, 3.5)}" data-date="{day.isoformat()}">'
                f"<title>{escape(_day(day))} · check-in skipped</title></path>"
            )
    for day in row.passed:
        if day in window:
            parts.append(
                f'<circle class="checkin passed" cx="{window.x(day):.1f}" cy="{MID:g}" r="3.5" '
                f'data-date="{day.isoformat()}"><title>{escape(_day(day))} · check-in passed</title></circle>'
            )
    for mark in shown:
        radius = 6 if mark.outcome is Outcome.REPLIED else 5
        parts.append(
            f'<circle class="contact {mark.css}" cx="{window.x(mark.day):.1f}" cy="{MID:g}" r="{radius}" '
            f'data-date="{mark.day.isoformat()}" data-outcome="{mark.css}"><title>{escape(_tooltip(mark))}</title>'
            "</circle>"
        )
    if status.next_checkin is not None:
        moment = status.next_checkin.astimezone(tz)
        beyond = moment.date() > window.end
        x = RIGHT - 2 if beyond else window.x(moment.date())
        parts.append(
            f'<path class="next{" beyond" if beyond else ""}" d="{_diamond(x, MID, 7)}" '
            f'data-date="{moment.date().isoformat()}"><title>{escape(_day(moment.date()))}, {moment:%H:%M} · '
            "next check-in</title></path>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _tooltip(mark: ContactMark) -> str:
    if mark.outcome is None:
        return f"{_day(mark.day)} · last contact, from your config"
    words = [_day(mark.day), "replied" if mark.outcome is Outcome.REPLIED else "no reply"]
    if mark.source == "calendar":
        words.append("ticked off in the calendar")
    if mark.note:
        words.append(f"“{mark.note}”")
    return " · ".join(words)


def _cross(x: float, y: float, r: float) -> str:
    return f"M{x - r:.1f} {y - r:.1f} L{x + r:.1f} {y + r:.1f} M{x - r:.1f} {y + r:.1f} L{x + r:.1f} {y - r:.1f}"


def _diamond(x: float, y: float, r: float) -> str:
    return f"M{x:.1f} {y - r:.1f} L{x + r:.1f} {y:.1f} L{x:.1f} {y + r:.1f} L{x - r:.1f} {y:.1f} Z"


def _empty(config: Config) -> str:
    return (
        '<section class="empty"><p>No one is listed yet.</p>'
        f'<p class="muted">Add a few people under <code>people:</code> in {escape(config.file)} '
        "and they will appear here.</p></section>"
    )


def _footer(config: Config, now: datetime) -> str:
    return (
        '<footer class="foot">'
        f"Made by reconnectd on {escape(_day(now.date()))} at {now:%H:%M} ({escape(str(config.timezone))}). "
        "This page was written on your machine and fetches nothing."
        "</footer>"
    )


def _page(body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        "<title>Keeping in touch · reconnectd</title>"
        f"<style>{CSS}</style></head>"
        f'<body><main class="page">{body}</main></body></html>\n'
    )
