"""Recurring objects: a second client turns our check-in into a recurring event, or edits one of its
instances, writing the override (RECURRENCE-ID) before the master. The master is what we read, and
the user's edit is kept: pinned where the master is, never overwritten. On Radicale and Xandikos."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from conftest import CalDAVServerInfo
from test_sync import PEOPLE, Setup

from reconnectd.state import Store

MARKER = "X-RECONNECTD-PERSON"


@pytest.fixture
def setup(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[Setup]:
    s = Setup(tmp_path, caldav_server)
    s.write()
    yield s
    s.peer.close()


def override_first(data: bytes, shift: timedelta) -> bytes:
    """The object made recurring by another client, with one instance moved, its override first."""
    original = icalendar.Calendar.from_ical(data)
    master = next(c for c in original.walk() if c.name == "VEVENT")
    master.add("rrule", {"freq": "weekly", "count": 3})
    instance = icalendar.Event()
    for key in ("uid", "dtstamp", "summary", MARKER):
        instance.add(key, master[key])
    instance.add("recurrence-id", master["dtstart"].dt)
    instance.add("dtstart", master["dtstart"].dt + shift)
    instance.add("dtend", master["dtend"].dt + shift)
    calendar = icalendar.Calendar()
    for key in ("prodid", "version"):
        calendar.add(key, original[key])
    for component in original.subcomponents:
        if component.name == "VTIMEZONE":
            calendar.add_component(component)
    calendar.add_component(instance)  # before the master, as some clients write it
    calendar.add_component(master)
    return bytes(calendar.to_ical())


def test_an_override_written_before_the_master_is_not_read_as_a_move(setup: Setup) -> None:
    assert setup.sync("2026-11-10T09:00") == 0
    sam = setup.events()["Sam"]
    start = sam.event["dtstart"].dt  # type: ignore[attr-defined]
    calendar = setup.peer.calendar_url("Reconnect")
    href = sam.href.rsplit("/", 1)[-1]  # type: ignore[attr-defined]
    assert setup.peer.put(calendar, href, override_first(sam.data, timedelta(days=2)), sam.etag) in (200, 201, 204)  # type: ignore[attr-defined]
    written = {s.href: s.etag for s in setup.objects().values()}  # type: ignore[attr-defined]

    assert setup.sync("2026-11-10T09:30") == 0
    setup.write(PEOPLE.replace("every: monthly", "every: 2 weeks"))  # would move an unpinned check-in
    assert setup.sync("2026-11-10T10:00") == 0

    with Store(setup.state / "state.db") as store:
        (mine,) = [c for c in store.ledger().checkins if c.person == "Sam" and c.start > start - timedelta(days=1)]
    assert mine.start == start  # where the master is, not where the override moved one instance
    assert mine.pinned  # the user's edit
    assert {s.href: s.etag for s in setup.objects().values()} == written  # type: ignore[attr-defined]
