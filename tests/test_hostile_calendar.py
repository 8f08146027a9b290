"""Whatever the calendar holds, a sync never crashes and never changes what is not ours.

First the reader, fuzzed: arbitrary bytes and mutated renders of our own objects.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from reconnectd import ical
from reconnectd.config import parse_config
from reconnectd.plan import Ledger, plan

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
FUZZ = settings(deadline=None, max_examples=150)
PEOPLE = """\
timezone: Europe/London
people:
  - name: Priya
    every: 2 weeks
    prefers: voice note
    notes: started a new job in November
    dates:
      - birthday: 12-10
"""


def _renders() -> list[str]:
    upcoming = plan(parse_config(PEOPLE, "t.yaml"), Ledger(), NOW).upcoming
    return [ical.render(p, NOW, timedelta(minutes=10), kind).decode() for p in upcoming for kind in ("event", "todo")]


RENDERS = _renders()
ZONES = st.sampled_from(["Mars/Olympus_Mons", "", "Europe/Nowhere", "../../etc/passwd", "UTC+99", "Etc/GMT-14"])
LINES = st.sampled_from(
    [
        "BEGIN:VCALENDAR",
        "END:VCALENDAR",
        "BEGIN:VEVENT",
        "END:VEVENT",
        "BEGIN:VTODO",
        "BEGIN:VTIMEZONE",
        "UID:reconnectd-priya-1",
        "X-RECONNECTD-PERSON:Priya",
        "DTSTART:20261116T180000Z",
        "DTSTART;TZID=Mars/Olympus_Mons:20261116T180000",
        "DTSTART;VALUE=DATE:20261116",
        "DTSTART:99991231T235959Z",
        "DTEND:garbage",
        "COMPLETED:00010101T000000Z",
        "STATUS:COMPLETED",
        " folded continuation",
    ]
)


@st.composite
def mutated_renders(draw: st.DrawFn) -> str:
    """One of our own renders after a careless app: lines dropped, values garbled, zones renamed."""
    text = draw(st.sampled_from(RENDERS))
    if draw(st.booleans()):
        text = text.replace("Europe/London", draw(ZONES | st.text(max_size=20)))
    lines = text.split("\r\n")
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "garble", "tzid", "huge", "repeat", "insert"]))
        name = lines[i].split(":", 1)[0]
        if op == "drop":
            del lines[i]
        elif op == "garble":
            lines[i] = f"{name}:{draw(st.text(max_size=30))}"
        elif op == "tzid":
            lines[i] = re.sub(r"TZID=[^:;]*", lambda _: "TZID=" + draw(ZONES), lines[i])
        elif op == "huge":
            lines[i] = f"{name}:" + "x" * draw(st.integers(10_000, 200_000))
        elif op == "repeat":
            lines.insert(i, lines[i])
        else:
            lines.insert(i, draw(LINES | st.text(max_size=40)))
        if not lines:
            break
    return "\r\n".join(lines)


def _sane(found: ical.RemoteObject | None) -> None:
    if found is None:
        return
    assert isinstance(found, ical.RemoteObject)
    assert found.uid
    for moment in (found.start, found.end, found.completed_at):
        assert moment is None or (moment.utcoffset() is not None and ical.EARLIEST <= moment.year <= ical.LATEST)


def test_our_own_renders_read_back() -> None:
    for text in RENDERS:
        found = ical.read(text, LONDON)
        assert found is not None
        assert found.ours
        assert found.start is not None


@FUZZ
@given(st.binary(max_size=2000) | st.text(max_size=2000))
def test_arbitrary_data_reads_as_an_object_or_nothing(data: bytes | str) -> None:
    _sane(ical.read(data))


@FUZZ
@given(st.lists(LINES | st.text(max_size=40), max_size=30))
def test_icalendar_shaped_junk_reads_as_an_object_or_nothing(lines: list[str]) -> None:
    _sane(ical.read("\r\n".join(lines), LONDON))


@FUZZ
@given(mutated_renders())
def test_a_mangled_render_of_ours_reads_as_an_object_or_nothing(text: str) -> None:
    _sane(ical.read(text, LONDON))
    assert isinstance(ical.examine(text.encode(errors="surrogatepass"), LONDON), ical.RemoteObject | ical.Unreadable)


def test_what_makes_an_object_unreadable_is_named() -> None:
    event = RENDERS[0]
    start = next(line for line in event.split("\r\n") if line.startswith("DTSTART;TZID"))
    assert ical.examine("garbage") == ical.Unreadable("not iCalendar")
    assert ical.examine("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == ical.Unreadable("no VEVENT or VTODO in it")
    assert ical.examine(event.replace(start + "\r\n", "")) == ical.Unreadable("DTSTART missing")
    assert ical.examine(event.replace(start, "DTSTART:soon")) == ical.Unreadable("DTSTART unreadable")
    assert ical.examine(event.replace(start, "DTSTART:99991231T235959Z")) == ical.Unreadable("DTSTART unreadable")
    assert ical.examine(re.sub(r"UID:[^\r]*\r\n", "", event)) == ical.Unreadable("no UID")


def test_a_zone_nobody_knows_reads_as_local_time_or_by_its_own_definition() -> None:
    event = RENDERS[0]
    mars = re.sub(r"BEGIN:VTIMEZONE.*END:VTIMEZONE\r\n", "", event, flags=re.S).replace(
        "Europe/London", "Mars/Olympus_Mons"
    )
    found = ical.read(mars, LONDON)
    assert found is not None
    assert found.start == datetime(2026, 11, 10, 18, 0, tzinfo=LONDON)  # floating: read in the user's zone
    defined = event.replace("Europe/London", "Mars/Olympus_Mons")
    found = ical.read(defined, LONDON)
    assert found is not None
    assert found.start == datetime(2026, 11, 10, 18, 0, tzinfo=LONDON)  # London's rules under another name
