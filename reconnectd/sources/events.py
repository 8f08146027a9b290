"""A watched calendar's objects as occurrences over a bounded window: recurring events expanded
(RRULE, RDATE, EXDATE, overridden instances) by `recurring-ical-events`, the rest skipped when huge,
broken or strangely zoned, as in our own calendar."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, tzinfo

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]

from reconnectd.policy.bounds import within
from reconnectd.policy.meetings import Occurrence
from reconnectd.policy.model import UID_PREFIX
from reconnectd.policy.slots import local_time

log = logging.getLogger(__name__)

MAX_OBJECT = 512 * 1024  # bytes: a bigger object is no meeting we could read in time
MAX_OCCURRENCES = 1000  # per object and window: an every-minute rule stops here


def occurrences(
    data: str, *, calendar: str, href: str, start: datetime, end: datetime, zone: tzinfo
) -> list[Occurrence]:
    """The object's events that begin in [start, end); none when it can't be read."""
    if len(data) > MAX_OBJECT:
        return []
    try:
        parsed = icalendar.Calendar.from_ical(data)
        found = []
        for event in recurring_ical_events.of(parsed).between(start, end):
            moment = _moment(event.get("DTSTART"), zone)
            if moment is None or not within(moment):
                continue
            found.append(_occurrence(event, moment, calendar=calendar, href=href))
            if len(found) >= MAX_OCCURRENCES:
                break
        return found
    except Exception as failure:  # any object of someone else's may be broken in any way
        log.debug("skipping %s in %s: its events do not expand (%s)", href, calendar, str(failure)[:120])
        return []


def readable(data: str, *, calendar: str, href: str) -> bool:
    """Worth keeping: not huge, and iCalendar that parses. Said once, when it is read; skipped after."""
    if len(data) > MAX_OBJECT:
        log.info("skipping %s in %s: too big to read (%d bytes)", href, calendar, len(data))
        return False
    try:
        icalendar.Calendar.from_ical(data)
    except Exception as failure:  # any object of someone else's may be broken in any way
        log.info("skipping %s in %s: not readable iCalendar (%s)", href, calendar, str(failure)[:120])
        return False
    return True


def ends_before(data: str, moment: datetime, zone: tzinfo) -> bool:
    """A single event that is over before `moment`: nothing to keep of it but its ETag."""
    try:
        parsed = icalendar.Calendar.from_ical(data)
        events = list(parsed.walk("VEVENT"))
        if not events or any("RRULE" in e or "RDATE" in e or "RECURRENCE-ID" in e for e in events):
            return False
        starts = [_moment(e.get("DTSTART"), zone) for e in events]
        return all(s is not None and s < moment for s in starts)
    except Exception:  # kept whole, and judged again when read
        return False


def _occurrence(event: icalendar.Component, start: datetime, *, calendar: str, href: str) -> Occurrence:
    attendees = event.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    found = tuple((str(a), str(getattr(a, "params", {}).get("PARTSTAT", "NEEDS-ACTION"))) for a in attendees)
    uid = str(event.get("UID") or "")
    ours = uid.startswith(UID_PREFIX) and any(str(k).startswith("X-RECONNECTD") for k in event)
    return Occurrence(
        calendar=calendar,
        href=href,
        start=start,
        title=str(event.get("SUMMARY") or ""),
        attendees=found,
        cancelled=str(event.get("STATUS") or "").upper() == "CANCELLED",
        ours=ours,
    )


def _moment(prop: object, zone: tzinfo) -> datetime | None:
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    if isinstance(value, date):
        return local_time(value, time(0), zone)  # an all-day event: its midnight, by slots' one DST rule
    return None
