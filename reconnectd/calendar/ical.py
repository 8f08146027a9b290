"""Check-ins to iCalendar and back. Pure: no network, no clock (the stamp is passed in)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import icalendar

from reconnectd import __version__
from reconnectd.policy.bounds import within
from reconnectd.policy.model import UID_PREFIX
from reconnectd.policy.plan import Planned
from reconnectd.policy.settings import Component

PRODID = f"-//reconnectd//reconnectd {__version__}//EN"
MARKER = "X-RECONNECTD-PERSON"
CATEGORY = "reconnectd"  # every object we write carries it, for filtering in calendar apps


def render(planned: Planned, stamp: datetime, alarm: timedelta = timedelta(0), component: Component = "event") -> bytes:
    """One VCALENDAR holding the check-in as a VEVENT (or VTODO), with its VTIMEZONE and a VALARM."""
    checkin, words = planned.checkin, planned.wording
    if checkin.is_milestone:
        return _all_day(planned, stamp)
    item = icalendar.Event() if component == "event" else icalendar.Todo()
    item.add("uid", checkin.uid)
    item.add("dtstamp", stamp)
    item.add("dtstart", _writable(checkin.start))
    if component == "event":
        item.add("dtend", _writable(checkin.end))
        item.add("transp", "TRANSPARENT")
    else:
        item.add("due", _writable(checkin.end))
        item.add("status", "NEEDS-ACTION")
    item.add("summary", words.summary)
    item.add("description", words.description)
    item.add("categories", [CATEGORY])
    item.add(MARKER, checkin.person)
    item.add("X-RECONNECTD-SEQ", str(checkin.seq))
    reminder = icalendar.Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", words.summary)
    reminder.add("trigger", -alarm)
    item.add_component(reminder)
    zone = getattr(checkin.start.tzinfo, "key", None)
    timezone = _vtimezone_text(zone, checkin.start.year) if zone else b""
    return _HEAD + timezone + bytes(item.to_ical()) + _TAIL


class Bodies:
    """Each check-in's iCalendar, rendered when first asked for (then kept): a cycle's first write goes out
    at once, from the thread that sends it, rather than after every object of the plan is rendered."""

    def __init__(self, stamp: datetime, alarm: timedelta, component: Component) -> None:
        self.stamp, self.alarm, self.component = stamp, alarm, component
        self._rendered: dict[str, bytes] = {}  # by UID; two threads rendering one at once write the same bytes

    def __call__(self, planned: Planned) -> bytes:
        body = self._rendered.get(planned.checkin.uid)
        if body is None:
            body = self._rendered[planned.checkin.uid] = render(planned, self.stamp, self.alarm, self.component)
        return body


# A VCALENDAR as icalendar writes it (VERSION, PRODID, then the components in turn), put together
# from parts: the VTIMEZONE, the same for every check-in of a year, is serialised once.
_HEAD = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n".encode()
_TAIL = b"END:VCALENDAR\r\n"


_ZONES_LOCK = threading.Lock()  # writes render in several threads: each zone's text is made once


def _vtimezone_text(zone: str, year: int) -> bytes:
    with _ZONES_LOCK:
        return _vtimezone_bytes(zone, year)


@functools.lru_cache(maxsize=64)
def _vtimezone_bytes(zone: str, year: int) -> bytes:
    return bytes(_vtimezone(zone, year).to_ical())


def _writable(moment: datetime) -> datetime:
    """The moment as a local time a reader takes back to the same instant: a local time happens
    twice and a reader takes the first (RFC 5545, 3.3.5), so the second one is written in UTC."""
    if moment.fold and moment.replace(fold=0).utcoffset() != moment.utcoffset():
        return moment.astimezone(UTC)
    return moment


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
    event.add("summary", words.summary)  # "Priya: birthday", with the age when its year is known
    event.add("description", words.description)
    event.add("transp", "TRANSPARENT")
    event.add("categories", [CATEGORY])
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
    if c.is_milestone:  # all-day: only its days are written, so a new time zone changes nothing
        start, end, zone = c.start.date().isoformat(), c.end.date().isoformat(), "date"
    else:
        start, end, zone = c.start.isoformat(), c.end.isoformat(), getattr(c.start.tzinfo, "key", str(c.start.tzinfo))
    parts: tuple[object, ...] = (FORMAT, c.uid, c.person, c.seq, c.label, start, end)
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


@dataclass(frozen=True)
class Unreadable:
    """Why an object can't be read, in a few words for the log."""

    reason: str


def read(data: str | bytes, zone: tzinfo = UTC) -> RemoteObject | None:
    """Parse an object from the server; None when it is not an iCalendar we can read.

    Floating times and all-day dates (a user may turn a check-in into one) are read in `zone`.
    """
    found = examine(data, zone)
    return found if isinstance(found, RemoteObject) else None


def examine(data: str | bytes, zone: tzinfo = UTC) -> RemoteObject | Unreadable:
    """read(), saying why when it can't. Never raises, whatever the server sends.

    Unreadable: not iCalendar, no VEVENT or VTODO, no UID, or a VEVENT without a usable DTSTART.
    Of a recurring object the master is read, not an override of one of its instances.
    A garbled DTEND, DUE or COMPLETED only reads as missing.
    """
    try:
        calendar = icalendar.Calendar.from_ical(data)
        items = [c for c in calendar.walk() if c.name in ("VEVENT", "VTODO")]
        # The master, whatever the order: an override of one instance (RECURRENCE-ID) may come first.
        item = next((c for c in items if "recurrence-id" not in c), items[0] if items else None)
        if item is None:
            return Unreadable("no VEVENT or VTODO in it")
        return _read_item(item, zone, _own_zones(calendar))
    except Exception:  # hostile input: icalendar raises ValueError, RecursionError and more
        return Unreadable("not iCalendar")


def _own_zones(calendar: icalendar.Component) -> dict[str, tzinfo]:
    """The object's VTIMEZONEs for TZIDs the tz database lacks. icalendar keeps the first definition
    of such a TZID it meets for the whole process, maybe another object's: each is read by its own."""
    zones: dict[str, tzinfo] = {}
    for definition in calendar.walk("VTIMEZONE"):
        tzid = str(definition.get("TZID", ""))
        if isinstance(definition, icalendar.Timezone) and tzid and not _in_tz_database(tzid):
            with contextlib.suppress(Exception):
                zones[tzid] = definition.to_tz(lookup_tzid=False)
    return zones


def _in_tz_database(tzid: str) -> bool:
    try:
        ZoneInfo(tzid.strip("/"))
    except Exception:  # not found, or not even a valid key ("../x")
        return False
    return True


def _read_item(item: icalendar.Component, zone: tzinfo, own: dict[str, tzinfo]) -> RemoteObject | Unreadable:
    uid = str(item.get("uid", "")).strip()
    if not uid:
        return Unreadable("no UID")
    start = _moment(item, "dtstart", zone, own)
    if start is None and item.name == "VEVENT":
        return Unreadable("DTSTART missing" if "dtstart" not in item else "DTSTART unreadable")
    status = str(item.get("status", "")).upper()
    percent = str(item.get("percent-complete", ""))
    completed_at = _moment(item, "completed", zone, own)
    return RemoteObject(
        uid=uid,
        ours=uid.startswith(UID_PREFIX) and MARKER in item,
        start=start,
        end=_moment(item, "dtend", zone, own) or _moment(item, "due", zone, own),
        summary=str(item.get("summary", "")),
        description=str(item.get("description", "")),
        completed=item.name == "VTODO" and (status == "COMPLETED" or completed_at is not None or percent == "100"),
        completed_at=completed_at,
    )


def _moment(item: icalendar.Component, name: str, zone: tzinfo, own: dict[str, tzinfo]) -> datetime | None:
    """The property as a time in `zone`; None when missing, repeated, garbled or implausible.

    An unknown TZID with no VTIMEZONE reads as floating, in `zone` (unless icalendar met one before).
    """
    try:
        prop = item[name]
        value: object = getattr(prop, "dt", None)
        defined = own.get(str(prop.params.get("TZID", "")))
        if isinstance(value, datetime) and defined is not None:
            value = value.replace(tzinfo=defined)
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=zone)
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day, tzinfo=zone)
        else:
            return None
        if not within(moment):
            return None
        return moment.astimezone(zone)  # a broken VTIMEZONE fails here, not later in a comparison
    except Exception:  # missing (KeyError), repeated (a list), garbled (BrokenCalendarProperty)
        return None
