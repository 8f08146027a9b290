"""Whatever the calendar holds, a sync never crashes and never changes what is not ours.

The reader, fuzzed with arbitrary bytes and mangled renders of our own objects; then, against
real Radicale and Xandikos (one server of each for the module, a fresh calendar per test): our
own objects broken, copies of them, foreign objects of every kind, zones nobody knows; and
observe(), fuzzed with whatever a server might answer.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from peer import Peer, Stored, foreign_event
from servers import RadicaleServer, XandikosServer

from reconnectd.calendar import ical
from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.readback import Changes, Deleted, Seen, hrefs_to_fetch, observe
from reconnectd.calendar.reconcile import Update, reconcile
from reconnectd.config.load import parse_config
from reconnectd.daemon.cycle import CycleReport, run_cycle
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.bounds import within
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckIn, CheckInStatus, Owned, Repair
from reconnectd.policy.plan import plan
from reconnectd.state import Store

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
        assert moment is None or (moment.utcoffset() is not None and within(moment))


def _zone(tzid: bytes, offset: bytes) -> bytes:
    return (
        b"BEGIN:VTIMEZONE\r\nTZID:%s\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        b"TZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    ) % (tzid, offset, offset)


def _elsewhere(data: bytes, start: bytes, tzid: bytes = b"Mars/Olympus_Mons", offset: bytes | None = None) -> bytes:
    """The event at `start` in a zone the tz database lacks, with a VTIMEZONE giving `offset`, or none."""
    line = next(x for x in data.split(b"\r\n") if x.startswith((b"DTSTART;TZID=", b"DTSTART:2026")))
    data = re.sub(
        rb"BEGIN:VTIMEZONE.*END:VTIMEZONE\r\n",
        b"",
        data.replace(line, b"DTSTART;TZID=%s:%s" % (tzid, start)),
        flags=re.S,
    )
    return data.replace(b"BEGIN:VEVENT", _zone(tzid, offset) + b"BEGIN:VEVENT", 1) if offset else data


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
    found = ical.examine(text.encode(errors="surrogatepass"), LONDON)
    if isinstance(found, ical.Unreadable):
        assert found.reason.strip(), "an unreadable object is logged with the reason why"
    else:
        _sane(found)


def test_what_makes_an_object_unreadable_is_named() -> None:
    event = RENDERS[0]
    start = next(line for line in event.split("\r\n") if line.startswith("DTSTART;TZID"))
    assert ical.examine("garbage") == ical.Unreadable("not iCalendar")
    assert ical.examine("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == ical.Unreadable("no VEVENT or VTODO in it")
    assert ical.examine(event.replace(start + "\r\n", "")) == ical.Unreadable("DTSTART missing")
    assert ical.examine(event.replace(start, "DTSTART:soon")) == ical.Unreadable("DTSTART unreadable")
    assert ical.examine(event.replace(start, "DTSTART:99991231T235959Z")) == ical.Unreadable("DTSTART unreadable")
    assert ical.examine(re.sub(r"UID:[^\r]*\r\n", "", event)) == ical.Unreadable("no UID")


def test_a_zone_nobody_knows_reads_as_local_time_or_by_each_objects_own_definition() -> None:
    """icalendar keeps the first definition of an unknown TZID for the whole process; each object
    must still be read by its own. (So each TZID without a VTIMEZONE here is used only once.)"""
    event = RENDERS[0].encode()
    floating = ical.read(_elsewhere(event, b"20261117T100000", b"Mars/Jezero"), LONDON)
    assert floating is not None
    assert floating.start == datetime(2026, 11, 17, 10, 0, tzinfo=LONDON)
    for offset, hour in ((b"+0300", 7), (b"+0500", 5), (b"+0300", 7)):
        found = ical.read(_elsewhere(event, b"20261117T100000", b"Mars/Tharsis", offset), LONDON)
        assert found is not None
        assert found.start == datetime(2026, 11, 17, hour, 0, tzinfo=UTC)


# -- our own objects, broken in the calendar ------------------------------------------------

CONFIG = """\
timezone: Europe/London
people:
  - name: Priya
    every: 2 weeks
    last_contact: 2026-11-02
  - name: Sam
    every: monthly
"""
T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # Sam's check-in is tonight at 18:00, Priya's on the 16th
PRIYA_AT = datetime(2026, 11, 16, 18, 0, tzinfo=LONDON)
_calendars = itertools.count()


@pytest.fixture(scope="module", params=["radicale", "xandikos"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RadicaleServer | XandikosServer]:
    root = tmp_path_factory.mktemp(request.param)
    with RadicaleServer(root) if request.param == "radicale" else XandikosServer(root) as running:
        yield running


class World:
    """reconnectd with its store, and the user's other app, on one fresh calendar."""

    def __init__(self, tmp_path: Path, server: RadicaleServer | XandikosServer) -> None:
        self.kind = server.kind
        self.name = f"Hostile {next(_calendars)}"
        self.config = parse_config(CONFIG, "hostile.yaml")
        self.store = Store(tmp_path / "state.db")
        self.client = CalendarClient(server.url, "sam", "x")
        self.client.open(self.name)
        self.peer = Peer(server.url, "sam", "x")
        self.calendar = self.peer.calendar_url(self.name)

    def close(self) -> None:
        self.client.close()
        self.peer.close()
        self.store.close()

    def sync(
        self, now: datetime, *, interrupted: bool = False, before_write: Callable[[], None] | None = None
    ) -> CycleReport:
        """One cycle; `before_write` runs once, after the read-back, as the first write is about to go."""
        pending = [before_write] if before_write else []

        def asked() -> bool:
            while pending:
                pending.pop()()
            return interrupted

        return run_cycle(self.config, self.store, self.client, Notifier(()), now, interrupted=asked)

    def objects(self) -> dict[str, Stored]:
        return self.peer.objects(self.calendar)

    def checkin(self, person: str, status: CheckInStatus = CheckInStatus.SCHEDULED) -> tuple[str, Stored]:
        """The href of the person's check-in (as the store knows it), and what the server holds there."""
        (href,) = [o.href for o in self.store.owned().values() if o.person == person and o.status is status and o.href]
        return href, self.objects()[href]

    def put(self, href: str, data: bytes, etag: str | None = None) -> int:
        return self.peer.put(self.calendar, href.rsplit("/", 1)[-1], data, etag)

    def start_of(self, person: str) -> datetime:
        (checkin,) = [
            c for c in self.store.ledger().checkins if c.person == person and c.status is CheckInStatus.SCHEDULED
        ]
        return checkin.start


@pytest.fixture
def world(tmp_path: Path, server: RadicaleServer | XandikosServer) -> Iterator[World]:
    made = World(tmp_path, server)
    yield made
    made.close()


def _start_line(data: bytes) -> bytes:
    return next(line for line in data.split(b"\r\n") if line.startswith(b"DTSTART;TZID="))


def _journal(data: bytes) -> bytes:
    """Our UID and marker, in a VJOURNAL: nothing we can read a check-in from."""
    uid = re.search(rb"UID:([^\r]*)", data)
    assert uid is not None
    return (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone//Notes//EN\r\nBEGIN:VJOURNAL\r\nUID:%s\r\n"
        b"DTSTAMP:20261110T100000Z\r\nX-RECONNECTD-PERSON:Priya\r\nSUMMARY:a note\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n"
    ) % uid.group(1)


EMPTY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone//Sync gone wrong//EN\r\nEND:VCALENDAR\r\n"


@dataclass(frozen=True)
class Breakage:
    name: str
    breaks: Callable[[bytes], bytes]
    reason: str
    stored_by: frozenset[str]


BOTH, XANDIKOS = frozenset({"radicale", "xandikos"}), frozenset({"xandikos"})
BREAKAGES = [
    Breakage("no VEVENT", lambda _: EMPTY, "no VEVENT or VTODO in it", XANDIKOS),
    Breakage("a VJOURNAL", _journal, "no VEVENT or VTODO in it", BOTH),
    Breakage("year 9999", lambda d: d.replace(_start_line(d), b"DTSTART:99991116T180000Z"), "DTSTART unreadable", BOTH),
    Breakage("no DTSTART", lambda d: d.replace(_start_line(d) + b"\r\n", b""), "DTSTART missing", XANDIKOS),
    Breakage(
        "DTSTART garbled", lambda d: d.replace(_start_line(d), b"DTSTART:soon"), "DTSTART unreadable", frozenset()
    ),
    Breakage("not iCalendar", lambda d: d[: len(d) // 2], "not iCalendar", frozenset()),
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[b.name for b in BREAKAGES])
def test_a_checkin_that_no_longer_reads_is_written_again_from_the_plan(
    world: World, breakage: Breakage, caplog: pytest.LogCaptureFixture
) -> None:
    """Only what the server stores can break our object. Radicale refuses a missing or garbled
    DTSTART and what is not iCalendar (400), and an object losing its UID (409). Xandikos keeps an
    object with no VEVENT or no DTSTART, fails on a garbled DTSTART (500) and refuses what does not
    parse (412). A refused write leaves our object as it was: nothing to repair."""
    world.sync(T0)
    href, before = world.checkin("Priya")
    status = world.put(href, breakage.breaks(before.data), before.etag)
    if world.kind not in breakage.stored_by:
        assert status >= 400
        assert world.sync(T0 + timedelta(minutes=30)).wrote == 0
        assert world.objects()[href] == before
        return
    assert status in (200, 201, 204)
    with caplog.at_level(logging.INFO):
        report = world.sync(T0 + timedelta(minutes=30))
    assert report.updated == 1
    after = world.objects()[href]
    assert after.uid == before.uid
    assert after.event["dtstart"].dt == PRIYA_AT
    assert str(after.event["summary"]) == "Check in with Priya"
    assert f"the check-in with Priya at {href} no longer reads as iCalendar ({breakage.reason})" in caplog.text
    assert f"writing it again from the plan ({before.uid})" in caplog.text
    assert "repaired: Check in with Priya, Mon 16 Nov 2026 18:00" in caplog.text
    assert world.sync(T0 + timedelta(hours=1)).wrote == 0


def test_a_checkin_the_user_had_moved_is_repaired_where_they_put_it(world: World) -> None:
    world.sync(T0)
    href, before = world.checkin("Priya")
    moved = before.data.replace(_start_line(before.data), b"DTSTART;TZID=Europe/London:20261117T190000")
    assert world.put(href, moved, before.etag) in (200, 204)
    assert world.sync(T0 + timedelta(minutes=10)).moved_by_user == 1
    users = world.objects()[href]
    assert world.put(href, _journal(users.data), users.etag) in (200, 204)
    assert world.sync(T0 + timedelta(minutes=20)).updated == 1
    assert world.objects()[href].event["dtstart"].dt == datetime(2026, 11, 17, 19, 0, tzinfo=LONDON)
    world.config = parse_config(CONFIG.replace("every: 2 weeks", "every: weekly"), "hostile.yaml")
    assert world.sync(T0 + timedelta(minutes=30)).wrote == 0  # still pinned: a cadence change moves it no more


def test_a_checkin_that_keeps_breaking_is_repaired_once_then_left_alone(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.sync(T0)
    href, first = world.checkin("Priya")
    assert world.put(href, _journal(first.data), first.etag) in (200, 204)
    assert world.sync(T0 + timedelta(minutes=10)).updated == 1
    repaired = world.objects()[href]
    year_9999 = repaired.data.replace(_start_line(repaired.data), b"DTSTART:99991116T180000Z")
    assert world.put(href, year_9999, repaired.etag) in (200, 204)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert world.sync(T0 + timedelta(minutes=20)).wrote == 0
    assert "again after a repair; leaving it alone from now on" in caplog.text
    broken = world.objects()[href]
    assert world.put(href, _journal(first.data).replace(b"a note", b"another note"), broken.etag) in (200, 204)
    again = world.objects()[href]
    caplog.clear()
    with caplog.at_level(logging.INFO):
        for minutes in (30, 40, 50):
            assert world.sync(T0 + timedelta(minutes=minutes)).wrote == 0
    assert caplog.text == ""
    assert world.objects()[href] == again

    moved = first.data.replace(_start_line(first.data), b"DTSTART;TZID=Europe/London:20261117T190000")
    moved = moved.replace(b"DTEND;TZID=Europe/London:20261116T181500", b"DTEND;TZID=Europe/London:20261117T191500")
    assert world.put(href, moved, again.etag) in (200, 204)
    fixed = world.objects()[href]
    world.sync(T0 + timedelta(hours=1))
    assert world.start_of("Priya") == datetime(2026, 11, 17, 19, 0, tzinfo=LONDON)
    assert world.sync(T0 + timedelta(hours=2)).wrote == 0
    assert world.objects()[href] == fixed


def test_a_users_edit_made_before_a_pending_repair_is_written_wins(world: World) -> None:
    world.sync(T0)
    href, before = world.checkin("Priya")
    assert world.put(href, _journal(before.data), before.etag) in (200, 204)
    world.sync(T0 + timedelta(minutes=10), interrupted=True)  # read back, then stopped before writing
    moved = before.data.replace(_start_line(before.data), b"DTSTART;TZID=Europe/London:20261117T190000")
    assert world.put(href, moved, world.objects()[href].etag) in (200, 204)
    users = world.objects()[href]
    report = world.sync(T0 + timedelta(minutes=20))
    assert (report.moved_by_user, report.wrote) == (1, 0)
    assert world.objects()[href] == users
    assert world.start_of("Priya") == datetime(2026, 11, 17, 19, 0, tzinfo=LONDON)


def test_a_users_edit_racing_the_repair_wins(world: World) -> None:
    world.sync(T0)
    href, before = world.checkin("Priya")
    assert world.put(href, _journal(before.data), before.etag) in (200, 204)
    moved = before.data.replace(_start_line(before.data), b"DTSTART;TZID=Europe/London:20261117T190000")

    def users_app_saves() -> None:
        assert world.put(href, moved, world.objects()[href].etag) in (200, 204)

    report = world.sync(T0 + timedelta(minutes=10), before_write=users_app_saves)
    assert (report.conflicts, report.wrote) == (1, 0)
    users = world.objects()[href]
    assert _start_line(users.data) == b"DTSTART;TZID=Europe/London:20261117T190000"
    assert world.sync(T0 + timedelta(minutes=20)).moved_by_user == 1
    assert world.sync(T0 + timedelta(minutes=30)).wrote == 0
    assert world.objects()[href] == users
    assert world.start_of("Priya") == datetime(2026, 11, 17, 19, 0, tzinfo=LONDON)


def test_a_past_checkin_that_no_longer_reads_stays_as_it_is(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.sync(T0)
    world.sync(datetime(2026, 11, 10, 18, 5, tzinfo=LONDON))  # Sam's check-in passes: history
    href, before = world.checkin("Sam", CheckInStatus.PASSED)
    assert world.put(href, _journal(before.data), before.etag) in (200, 204)
    broken = world.objects()[href]
    with caplog.at_level(logging.INFO):
        assert world.sync(datetime(2026, 11, 10, 18, 30, tzinfo=LONDON)).wrote == 0
    assert world.objects()[href] == broken
    assert f"the check-in with Sam at {href} no longer reads as iCalendar" in caplog.text
    assert "it is history, so it stays as it is" in caplog.text


@pytest.mark.parametrize("repair", [Repair.DUE, Repair.DONE, Repair.GIVEN_UP, None])
def test_only_a_due_repair_rewrites_a_pinned_object_and_only_the_broken_version(repair: Repair | None) -> None:
    the_plan = plan(parse_config(PEOPLE, "t.yaml"), Ledger(), NOW)
    planned = the_plan.upcoming[0]
    uid = planned.checkin.uid
    owned = {uid: Owned(uid, "Priya", CheckInStatus.SCHEDULED, "/cal/x.ics", '"broken"', "old", True, repair)}
    updates = [
        a
        for a in reconcile(the_plan, owned, {p.checkin.uid: "new" for p in the_plan.upcoming})
        if isinstance(a, Update)
    ]
    expected = [Update(planned, "new", "/cal/x.ics", '"broken"', repair=True)] if repair is Repair.DUE else []
    assert updates == expected


# -- two objects with one UID ------------------------------------------------------------------


def _ours(uid: str, summary: str = "Check in with Priya") -> str:
    return foreign_event(uid, summary, b"X-RECONNECTD-PERSON:Priya\r\n").decode()


OWNED = {
    "reconnectd-priya-1": Owned("reconnectd-priya-1", "Priya", CheckInStatus.SCHEDULED, "/cal/priya.ics", '"1"', "fp"),
    "reconnectd-sam-1": Owned("reconnectd-sam-1", "Sam", CheckInStatus.SCHEDULED, "/cal/sam.ics", '"1"', "fp"),
}
CHECKINS = {
    "reconnectd-priya-1": CheckIn(
        "Priya", 1, datetime(2026, 12, 3, 10, 0, tzinfo=UTC), datetime(2026, 12, 3, 11, 0, tzinfo=UTC), "b"
    ),
    "reconnectd-sam-1": CheckIn(
        "Sam", 1, datetime(2026, 12, 3, 10, 0, tzinfo=UTC), datetime(2026, 12, 3, 11, 0, tzinfo=UTC), "b"
    ),
}


def _observe(changed: dict[str, str], deleted: tuple[str, ...], fetched: dict[str, str]):  # type: ignore[no-untyped-def]
    changes = Changes(changed, deleted, complete=False)
    data = {h: ('"e"', text) for h, text in fetched.items()}
    return observe(changes, OWNED, checkins=CHECKINS, foreign={}, fetched=data, now=NOW, zone=LONDON)


def test_a_copy_of_our_object_beside_it_is_never_taken_for_ours() -> None:
    """Radicale (409) and Xandikos (412) refuse two objects with one UID in a calendar, so the
    cases in this section are decided without a server; other servers may allow them."""
    seen = _observe({"/cal/copy.ics": '"7"'}, ("/cal/sam.ics",), {"/cal/copy.ics": _ours("reconnectd-priya-1")})
    assert seen.facts == [Deleted("reconnectd-sam-1", skipped=True)]
    assert seen.copies == {"/cal/copy.ics": "reconnectd-priya-1"}
    assert seen.foreign_seen == {"/cal/copy.ics": '"7"'}


def test_a_vanished_object_found_once_elsewhere_is_followed_but_found_twice_is_let_go() -> None:
    once = _observe({"/cal/renamed.ics": '"7"'}, ("/cal/sam.ics",), {"/cal/renamed.ics": _ours("reconnectd-sam-1")})
    assert once.facts == [Seen("reconnectd-sam-1", "/cal/renamed.ics", '"7"')]
    assert once.copies == {}
    twice = _observe(
        {"/cal/a.ics": '"7"', "/cal/b.ics": '"8"'},
        ("/cal/sam.ics",),
        {"/cal/a.ics": _ours("reconnectd-sam-1"), "/cal/b.ics": _ours("reconnectd-sam-1")},
    )
    assert twice.facts == [Deleted("reconnectd-sam-1", skipped=True)]
    assert twice.copies == {"/cal/a.ics": "reconnectd-sam-1", "/cal/b.ics": "reconnectd-sam-1"}
    assert twice.foreign_seen == {"/cal/a.ics": '"7"', "/cal/b.ics": '"8"'}


def test_another_event_where_ours_was_is_let_go_not_rewritten() -> None:
    seen = _observe({"/cal/priya.ics": '"2"'}, (), {"/cal/priya.ics": foreign_event("dentist-1", "Dentist").decode()})
    assert seen.facts == [Deleted("reconnectd-priya-1", skipped=False)]
    assert seen.replaced == {"/cal/priya.ics": "dentist-1"}
    assert seen.foreign_seen == {"/cal/priya.ics": '"2"'}


def test_servers_refuse_a_second_object_with_one_of_our_uids(world: World) -> None:
    world.sync(T0)
    href, priya = world.checkin("Priya")
    assert world.put("copy.ics", priya.data) in (409, 412)
    assert world.sync(T0 + timedelta(minutes=10)).wrote == 0
    assert world.objects()[href] == priya


def test_another_event_saved_over_ours_is_left_alone_and_the_checkin_written_anew(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Radicale refuses to change the UID at an href (409); Xandikos lets another app do it."""
    world.sync(T0)
    href, priya = world.checkin("Priya")
    status = world.put(href, foreign_event("dentist-1", "Dentist"), priya.etag)
    if world.kind == "radicale":
        assert status == 409
        return
    assert status == 204
    dentist = world.objects()[href]
    with caplog.at_level(logging.INFO):
        report = world.sync(T0 + timedelta(minutes=10))
    assert report.created == 1
    assert f"{href}, where we wrote a check-in, now holds another event (dentist-1)" in caplog.text
    new_href, anew = world.checkin("Priya")
    assert new_href != href
    assert anew.uid == priya.uid
    caplog.clear()
    with caplog.at_level(logging.INFO):
        world.sync(T0 + timedelta(minutes=20))
        world.sync(T0 + timedelta(hours=2))  # a full poll too
    assert caplog.text == ""
    assert world.objects()[href] == dentist


# -- foreign objects of every kind, and zones nobody knows ---------------------------------------


def _hostile_foreign(kind: str) -> dict[str, bytes]:
    objects = {
        "huge.ics": foreign_event("huge-1", "Huge", b"DESCRIPTION:" + b"x" * 5_000_000 + b"\r\n"),
        "many.ics": foreign_event("many-1", "Many", b"".join(b"X-P%d:v\r\n" % i for i in range(10_000))),
        "mars.ics": _elsewhere(foreign_event("mars-1", "Rover"), b"20261203T100000"),
        "mars-defined.ics": _elsewhere(foreign_event("mars-2", "Rover"), b"20261203T100000", offset=b"+0500"),
        "journal.ics": _journal(b"UID:someone-elses-note\r\n").replace(b"X-RECONNECTD-PERSON:Priya\r\n", b""),
        "year-9999.ics": foreign_event("far-1", "Far").replace(
            b"DTSTART:20261203T100000Z", b"DTSTART:99991203T100000Z"
        ),
    }
    if kind == "xandikos":  # Radicale refuses these (400)
        objects["empty.ics"] = EMPTY
        objects["no-start.ics"] = foreign_event("nostart-1", "No start").replace(b"DTSTART:20261203T100000Z\r\n", b"")
    return objects


def test_foreign_objects_however_hostile_are_never_touched_and_reported_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Unknown objects are only read when one of ours vanished (it may have been renamed),
    so each sync here follows a deletion of one of our check-ins."""
    world.sync(T0)
    world.sync(T0 + timedelta(minutes=1))  # a sync token from after our writes (Xandikos hides create-then-delete)
    for name, data in _hostile_foreign(world.kind).items():
        assert world.put(name, data) == 201, name
    foreign = {
        h: s
        for h, s in world.objects().items()
        if not s.data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//reconnectd")
    }
    assert len(foreign) == len(_hostile_foreign(world.kind))
    sam, _ = world.checkin("Sam")
    assert world.peer.delete(world.calendar, sam) in (200, 204)
    with caplog.at_level(logging.INFO):
        report = world.sync(T0 + timedelta(minutes=10))
    assert report.skipped_by_user == 1
    unreadable = {h for h in foreign if h.endswith(("journal.ics", "year-9999.ics", "empty.ics", "no-start.ics"))}
    assert {h for h in foreign if f"skipping {h}: not readable iCalendar" in caplog.text} == unreadable
    priya, _ = world.checkin("Priya")
    assert world.peer.delete(world.calendar, priya) in (200, 204)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert world.sync(T0 + timedelta(minutes=20)).skipped_by_user == 1
        world.sync(T0 + timedelta(hours=2))  # a full poll
    assert "skipping" not in caplog.text
    assert {h: s for h, s in world.objects().items() if h in foreign} == foreign


@pytest.mark.parametrize("offset", [None, b"+0300"], ids=["no VTIMEZONE", "with a VTIMEZONE"])
def test_our_checkin_moved_into_a_zone_nobody_knows_is_kept_where_the_user_put_it(
    world: World, offset: bytes | None
) -> None:
    """The foreign test above defines Mars/Olympus_Mons as +05:00; our object's own +03:00 counts."""
    world.sync(T0)
    href, priya = world.checkin("Priya")
    tzid = b"Mars/Olympus_Mons" if offset else f"Mars/Jezero-{world.kind}".encode()  # never defined
    assert world.put(href, _elsewhere(priya.data, b"20261117T100000", tzid, offset), priya.etag) == 204
    users = world.objects()[href]
    assert world.sync(T0 + timedelta(minutes=10)).moved_by_user == 1
    # with no definition the time reads as local (floating); with one, by its offset
    expected = datetime(2026, 11, 17, 7, 0, tzinfo=UTC) if offset else datetime(2026, 11, 17, 10, 0, tzinfo=LONDON)
    assert world.start_of("Priya") == expected
    assert world.sync(T0 + timedelta(minutes=20)).wrote == 0
    assert world.sync(T0 + timedelta(hours=2)).wrote == 0
    assert world.objects()[href] == users


# -- observe(), fuzzed with whatever a server might answer -------------------------------------

HREFS = st.sampled_from(["/cal/priya.ics", "/cal/sam.ics", "/cal/a.ics", "/cal/b.ics"])
ETAGS = st.sampled_from(['"1"', '"2"', '"3"'])
ANSWERS = st.one_of(
    mutated_renders(),
    st.text(max_size=200),
    st.sampled_from(
        [_ours("reconnectd-priya-1"), _ours("reconnectd-sam-1"), _ours("reconnectd-ada-1"), EMPTY.decode()]
    ),
)


@FUZZ
@given(
    changed=st.dictionaries(HREFS, ETAGS),
    deleted=st.lists(HREFS, unique=True, max_size=4),
    complete=st.booleans(),
    answers=st.dictionaries(HREFS, ANSWERS),
    foreign=st.dictionaries(HREFS, ETAGS),
    states=st.lists(
        st.tuples(st.sampled_from(CheckInStatus), st.sampled_from([None, '"1"']), st.sampled_from([None, *Repair])),
        min_size=2,
        max_size=2,
    ),
    placed=st.booleans(),
)
def test_observing_any_answer_never_raises_nor_claims_an_object_that_is_not_ours(
    *,
    changed: dict[str, str],
    deleted: list[str],
    complete: bool,
    answers: dict[str, str],
    foreign: dict[str, str],
    states: list[tuple[CheckInStatus, str | None, Repair | None]],
    placed: bool,
) -> None:
    owned = {
        uid: Owned(uid, person, status, href if placed or uid.endswith("priya-1") else None, etag, "fp", False, repair)
        for (uid, person, href), (status, etag, repair) in zip(
            [("reconnectd-priya-1", "Priya", "/cal/priya.ics"), ("reconnectd-sam-1", "Sam", "/cal/sam.ics")],
            states,
            strict=True,
        )
    }
    changes = Changes(changed, tuple(deleted), complete)
    fetched = {h: ('"9"', text) for h, text in answers.items() if h in hrefs_to_fetch(changes, owned, foreign)}
    seen = observe(changes, owned, checkins=CHECKINS, foreign=foreign, fetched=fetched, now=NOW, zone=LONDON)

    gone = {o.href for o in owned.values() if o.href and (o.href in deleted if not complete else o.href not in changed)}
    claims: dict[str, str] = {}
    for fact in seen.facts:
        event(type(fact).__name__)
        assert fact.uid in owned
        href = getattr(fact, "href", None)
        if href is None:
            continue
        mine = owned[fact.uid].href
        assert href == mine or (isinstance(fact, Seen) and (mine is None or mine in gone))
        assert claims.setdefault(href, fact.uid) == fact.uid
    assert not set(claims) & set(seen.foreign_seen)
