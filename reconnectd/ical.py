"""Check-ins to iCalendar and back. Pure: no network, no clock (the stamp is passed in)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar

from reconnectd import __version__
from reconnectd.model import UID_PREFIX
from reconnectd.plan import Planned

PRODID = f"-//reconnectd//reconnectd {__version__}//EN"
MARKER = "X-RECONNECTD-PERSON"
_FIXED_STAMP = datetime(2000, 1, 1, tzinfo=UTC)


def render(planned: Planned, stamp: datetime, alarm: timedelta = timedelta(0)) -> bytes:
    """One VCALENDAR holding the check-in as a VEVENT, with its VTIMEZONE and a VALARM."""
    checkin, words = planned.checkin, planned.wording
    event = icalendar.Event()
    event.add("uid", checkin.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", checkin.start)
    event.add("dtend", checkin.end)
    event.add("summary", words.summary)
    event.add("description", words.description)
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["reconnectd"])
    event.add(MARKER, checkin.person)
    event.add("X-RECONNECTD-SEQ", str(checkin.seq))
    reminder = icalendar.Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", words.summary)
    reminder.add("trigger", -alarm)
    event.add_component(reminder)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def fingerprint(planned: Planned, alarm: timedelta = timedelta(0)) -> str:
    """What the object says, minus the stamp: equal fingerprints mean nothing to write."""
    return hashlib.sha256(render(planned, _FIXED_STAMP, alarm)).hexdigest()[:32]


@dataclass(frozen=True)
class RemoteObject:
    """The parts of a calendar object we look at when reading it back."""

    uid: str
    ours: bool
    start: datetime | None
    summary: str
    description: str


def read(data: str | bytes) -> RemoteObject | None:
    """Parse an object from the server; None when it is not an iCalendar we can read."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    for component in calendar.walk():
        if component.name in ("VEVENT", "VTODO"):
            uid = str(component.get("uid", ""))
            start = component.get("dtstart")
            start_value = start.dt if start is not None else None
            return RemoteObject(
                uid=uid,
                ours=uid.startswith(UID_PREFIX) and MARKER in component,
                start=start_value if isinstance(start_value, datetime) else None,
                summary=str(component.get("summary", "")),
                description=str(component.get("description", "")),
            )
    return None
