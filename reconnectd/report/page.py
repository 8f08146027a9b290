"""The report page: the figures drawn as one self-contained HTML page. Pure.

`render_report(config, ledger, now)` returns the page as text: inline CSS and inline SVG,
system fonts, no script and no URL of any kind, so opening it fetches nothing. What the page
shows is worked out in figures.py; this module only puts it into words and draws it.
"""

from __future__ import annotations

import shlex
from datetime import date, datetime
from html import escape

from reconnectd.policy.english import WEEKDAY_NAMES, plural
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import FROM_CALENDAR, Outcome
from reconnectd.policy.model import Standing as PersonStanding
from reconnectd.policy.settings import Config
from reconnectd.report.figures import (
    DUE_SOON_DAYS,
    LEFT,
    RIGHT,
    WEEKS_LABELLED,
    WIDTH,
    ContactMark,
    Figures,
    Row,
    Standing,
    Streak,
    Totals,
    Window,
    figures_for,
)
from reconnectd.report.style import CSS

# The rest of the drawing's geometry, in the timeline's SVG user units (see figures.py).
ROW_HEIGHT = 44.0
MID = ROW_HEIGHT / 2
AXIS_HEIGHT = 38.0
HUES = 7  # person colours, cycled in config order (.hue-0 ... .hue-6 in the CSS)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LONG_WEEKDAYS = WEEKDAY_NAMES


def render_report(config: Config, ledger: Ledger, now: datetime) -> str:
    """The whole report page as HTML text. `now` must be timezone-aware."""
    return draw(figures_for(config, ledger, now), config)


def draw(figures: Figures, config: Config) -> str:
    """The page for these figures; `config` gives the file named on an empty page and the time zone."""
    rows, window = figures.rows, figures.window
    body = (
        _header(figures)
        + (
            _legend() + _axis(window) + "".join(_person(row, window, config.file) for row in rows)
            if rows
            else _empty(config)
        )
        + _footer(config, figures.now)
    )
    return _page(body)


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
    if row.status.standing is PersonStanding.PAUSED:
        until = row.status.paused_until
        return f"paused until {until.day} {MONTHS[until.month - 1]}" if until else "paused"
    if row.standing is Standing.OVERDUE:
        return plural(row.status.overdue_days, "day") + " overdue"
    if row.standing is Standing.DUE and row.due is not None:
        return "due " + _short(row.due, today)
    if row.standing is Standing.NEW:
        return "not planned yet"
    return "on track"


def _summary(totals: Totals) -> str:
    parts = [plural(totals.people, "person", "people")]
    if totals.due:
        parts.append(f"{totals.due} due this week")
    if totals.overdue:
        parts.append(f"{totals.overdue} overdue")
    if totals.people and not totals.due and not totals.overdue:
        parts.append("all on track")
    return " · ".join(parts)


def _streak_text(streak: Streak) -> str:
    if streak.outcome is Outcome.REPLIED:
        return "replied last time" if streak.count == 1 else f"{streak.count} replied in a row"
    return "last one unanswered" if streak.count == 1 else f"{streak.count} unanswered in a row"


def _ahead_text(mark: ContactMark, row: Row, config_file: str) -> str:
    """A contact dated after today: not drawn, so said in words, with how to take it back."""
    if mark.outcome is None:
        return f"last_contact {mark.day.isoformat()} in {config_file} is after today: not shown; correct it there"
    undo = f"reconnectd undo {shlex.quote(row.person.name)}"
    return f"a contact dated {_day(mark.day)} is after today: not shown (`{undo}` takes it back)"


def _tooltip(mark: ContactMark) -> str:
    if mark.outcome is None:
        return f"{_day(mark.day)} · last contact, from your config"
    words = [_day(mark.day), "replied" if mark.outcome is Outcome.REPLIED else "no reply"]
    if mark.source == FROM_CALENDAR:
        words.append("ticked off in the calendar")
    if mark.note:
        words.append(f"“{mark.note}”")
    return " · ".join(words)


# --- HTML ---------------------------------------------------------------------------------


def _header(figures: Figures) -> str:
    now, totals = figures.now, figures.totals
    when = f"{LONG_WEEKDAYS[now.weekday()]} {now.day} {MONTHS[now.month - 1]} {now.year}"
    label = "contact this year" if totals.contacts == 1 else "contacts this year"
    boxes = [(str(totals.contacts), label, "(the last 365 days)")]
    if totals.replied_percent is not None:
        boxes.append((f"{totals.replied_percent}%", "replied", "of those with a known outcome"))
    stats = "".join(
        f'<div class="figure" title="{escape(f"{value} {label} {hint}")}"><b>{escape(value)}</b>{escape(label)}</div>'
        for value, label, hint in boxes
    )
    return (
        '<header class="top"><div>'
        '<p class="eyebrow">reconnectd</p>'
        "<h1>Keeping in touch</h1>"
        f'<p class="summary">{escape(_summary(totals))}</p>'
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
    starts = window.month_starts()
    edges = [window.edge(first) for first in starts]
    bounds = [LEFT, *edges, RIGHT]
    if window.weeks <= WEEKS_LABELLED:  # a short timeline names each week by its Monday, "9 Nov"
        for monday in window.week_starts():
            x = window.edge(monday)
            parts.append(
                f'<line class="tick week" x1="{x:.1f}" y1="26" x2="{x:.1f}" y2="{AXIS_HEIGHT:g}"/>'
                f'<text class="week" x="{x + 3:.1f}" y="35" data-date="{monday.isoformat()}">'
                f"{monday.day} {MONTHS[monday.month - 1]}</text>"
            )
    else:
        for first, left, right in zip([window.start, *starts], bounds[:-1], bounds[1:], strict=True):
            if right - left >= 26:  # a month cut short at either end gets a label only if it fits
                centre = (left + right) / 2
                parts.append(
                    f'<text class="month" x="{centre:.1f}" y="31" text-anchor="middle">{MONTHS[first.month - 1]}</text>'
                )
    for x in edges:
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{AXIS_HEIGHT:g}"/>')
    for first, x in zip(starts, edges, strict=True):
        if first.month == 1 and abs(x - today) > 40:
            parts.append(f'<text class="year" x="{x + 2:.1f}" y="11">{first.year}</text>')
    parts.append(f'<text class="today-label" x="{today:.1f}" y="11" text-anchor="middle">today</text>')
    parts.append(f'<path class="today-pin" d="M{today - 4:.1f} 14 h8 l-4 5 z"/>')
    parts.append("</svg>")
    return f'<div class="row axis-row"><div></div>{"".join(parts)}<div></div></div>'


def _person(row: Row, window: Window, config_file: str) -> str:
    person, status = row.person, row.status
    rhythm = " · ".join(escape(p) for p in (str(person.every), person.prefers) if p)
    notes = f'<p class="notes" title="{escape(person.notes)}">{escape(person.notes)}</p>' if person.notes else ""
    initial = next((ch for ch in person.name if ch.isalnum()), "?").upper()
    shown = [m for m in row.contacts if m.day in window]
    streak = (
        f'<p class="streak {_streak_css(row.streak)}" data-streak="{row.streak.count}">'
        f"{escape(_streak_text(row.streak))}</p>"
        if row.streak
        else ""
    )
    if row.next_checkin is not None:
        upcoming = f"next check-in {_short(row.next_checkin.date(), window.today)}"
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
        f"{_timeline(row, window, shown)}"
        '<div class="where">'
        f'<span class="chip {row.standing.value}">{escape(_chip_text(row, window.today))}</span>'
        f"{streak}"
        f'<p class="upcoming">{escape(upcoming)}</p>'
        f'<p class="count" data-contacts="{len(row.contacts)}">{escape(plural(len(row.contacts), "contact"))}</p>'
        + "".join(
            f'<p class="ahead" data-date="{m.day.isoformat()}">{escape(_ahead_text(m, row, config_file))}</p>'
            for m in row.ahead
        )
        + "</div>"
        "</section>"
    )


def _timeline(row: Row, window: Window, shown: list[ContactMark]) -> str:
    status = row.status
    replied = sum(m.outcome is Outcome.REPLIED for m in shown)
    label = f"{row.person.name}: {plural(len(shown), 'contact')} shown, {replied} replied"
    today = window.x(window.today)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH:g} {ROW_HEIGHT:g}" role="img" aria-label="{escape(label)}">',
        f'<rect class="future" x="{today:.1f}" y="2" width="{RIGHT - today:.1f}" height="{ROW_HEIGHT - 4:g}" rx="6"/>',
    ]
    lines = window.week_starts() if window.weeks <= WEEKS_LABELLED else window.month_starts()
    for first in lines:
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
            f'<circle class="contact {_mark_css(mark)}" cx="{window.x(mark.day):.1f}" cy="{MID:g}" r="{radius}" '
            f'data-date="{mark.day.isoformat()}" data-outcome="{_mark_css(mark)}">'
            f"<title>{escape(_tooltip(mark))}</title></circle>"
        )
    if row.next_checkin is not None:
        moment = row.next_checkin
        beyond = moment.date() > window.end
        x = RIGHT - 2 if beyond else window.x(moment.date())
        parts.append(
            f'<path class="next{" beyond" if beyond else ""}" d="{_diamond(x, MID, 7)}" '
            f'data-date="{moment.date().isoformat()}"><title>{escape(_day(moment.date()))}, {moment:%H:%M} · '
            "next check-in</title></path>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _mark_css(mark: ContactMark) -> str:
    if mark.outcome is Outcome.REPLIED:
        return "replied"
    if mark.outcome is Outcome.NO_REPLY:
        return "no-reply"
    return "unknown"


def _streak_css(streak: Streak) -> str:
    return "replied" if streak.outcome is Outcome.REPLIED else "unanswered"


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
