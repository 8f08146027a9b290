"""Check-ins to iCalendar and back. Pure: no network, no clock (the stamp is passed in)."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal

import icalendar

from reconnectd import __version__
from reconnectd.model import UID_PREFIX
from reconnectd.plan import Planned

PRODID = f"-//reconnectd//reconnectd {__version__}//EN"
MARKER = "X-RECONNECTD-PERSON"

Component = Literal["event", "todo"]


def render(planned: Planned, stamp: datetime, alarm: timedelta = timedelta(0), component: Component = "event") -> bytes:
    """One VCALENDAR holding the check-in as a VEVENT (or VTODO), with its VTIMEZONE and a VALARM."""
    checkin, words = planned.checkin, planned.wording
    if checkin.is_milestone:
        return _all_day(planned, stamp)
    item = icalendar.Event() if component == "event" else icalendar.Todo()
    item.add("uid", checkin.uid)
    item.add("dtstamp", stamp)
    item.add("dtstart", checkin.start)
    if component == "event":
        item.add("dtend", checkin.end)
        item.add("transp", "TRANSPARENT")
    else:
        item.add("due", checkin.end)
        item.add("status", "NEEDS-ACTION")
    item.add("summary", words.summary)
    item.add("description", words.description)
    item.add("categories", ["reconnectd"])
    item.add(MARKER, checkin.person)
    item.add("X-RECONNECTD-SEQ", str(checkin.seq))
    reminder = icalendar.Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", words.summary)
    reminder.add("trigger", -alarm)
    item.add_component(reminder)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    zone = getattr(checkin.start.tzinfo, "key", None)
    if zone:
        calendar.add_component(_vtimezone(zone, checkin.start.year))
    calendar.add_component(item)
    return bytes(calendar.to_ical())


@functools.lru_cache(maxsize=64)
def _vtimezone(zone: str, year: int) -> icalendar.Timezone:
    """The zone's rules from the event's year to a few years on: short, and built once per year."""
    return icalendar.Timezone.from_tzid(zone, first_date=date(year - 1, 1, 1), last_date=date(year + 3, 1, 1))


def _all_day(planned: Planned, stamp: datetime) -> bytes:
    """A birthday or other date: an all-day event with DATE values, free time, no alarm."""
    checkin, words = planned.checkin, planned.wording
    event = icalendar.Event()
    event.add("uid", checkin.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", checkin.start.date())
    event.add("dtend", checkin.end.date())
    event.add("summary", f"{checkin.person}: {checkin.label}")
    event.add("description", words.description)
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["reconnectd"])
    event.add(MARKER, checkin.person)
    event.add("X-RECONNECTD-DATE", checkin.label or "")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


FORMAT = 2  # bump when render() changes what it writes, so every object is written again once


def fingerprint(planned: Planned, alarm: timedelta = timedelta(0), component: Component = "event") -> str:
    """What the object says, minus the stamp: equal fingerprints mean nothing to write.

    A hash of everything render() writes, without rendering it (polls stay cheap).
    """
    c, words = planned.checkin, planned.wording
    zone = getattr(c.start.tzinfo, "key", str(c.start.tzinfo))
    parts: tuple[object, ...] = (FORMAT, c.uid, c.person, c.seq, c.label, c.start.isoformat(), c.end.isoformat())
    parts += (zone, words.summary, words.description, alarm.total_seconds(), component)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RemoteObject:
    """The parts of a calendar object we look at when reading it back."""

    uid: str
    ours: bool
    start: datetime | None
    end: datetime | None
    summary: str
    description: str
    completed: bool = False
    completed_at: datetime | None = None


def read(data: str | bytes, zone: tzinfo = UTC) -> RemoteObject | None:
    """Parse an object from the server; None when it is not an iCalendar we can read.

    Floating times and all-day dates (a user may turn a check-in into one) are read in `zone`.
    """
    try:
        calendar = icalendar.Calendar.from_ical(data)
        for item in calendar.walk():
            if item.name in ("VEVENT", "VTODO"):
                return _read_item(item, zone)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    return None


def _read_item(item: icalendar.Component, zone: tzinfo) -> RemoteObject:
    uid = str(item.get("uid", ""))
    status = str(item.get("status", "")).upper()
    percent = str(item.get("percent-complete", ""))
    completed_at = _moment(item.get("completed"), zone)
    return RemoteObject(
        uid=uid,
        ours=uid.startswith(UID_PREFIX) and MARKER in item,
        start=_moment(item.get("dtstart"), zone),
        end=_moment(item.get("dtend") or item.get("due"), zone),
        summary=str(item.get("summary", "")),
        description=str(item.get("description", "")),
        completed=item.name == "VTODO" and (status == "COMPLETED" or completed_at is not None or percent == "100"),
        completed_at=completed_at,
    )


def _moment(prop: object, zone: tzinfo) -> datetime | None:
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    return None
