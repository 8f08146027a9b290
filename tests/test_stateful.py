"""Random sequences of user edits, foreign objects, config changes and syncs, against real Radicale.

After every step: foreign objects are byte-for-byte unchanged, each active person has at most
one upcoming check-in, no user edit is reverted, and syncing again changes nothing.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from peer import Peer, Stored, foreign_event
from servers import RadicaleServer

from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.replies import TICK
from reconnectd.config.load import parse_config
from reconnectd.daemon.cycle import run_cycle
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.model import CheckInStatus
from reconnectd.state import Store

NAMES = ["Priya", "Sam", "Rose", "Jonah", "Ada"]
CADENCES = ["daily", "weekly", "fortnightly", "monthly", "10d"]
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_calendars = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[RadicaleServer]:
    with tempfile.TemporaryDirectory() as root, RadicaleServer(Path(root)) as radicale:
        yield radicale


class CalendarLife(RuleBasedStateMachine):
    server: RadicaleServer

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.name = f"Life {next(_calendars)}"
        self.people = {"Priya": "weekly", "Sam": "monthly"}
        self.now = START
        self.store = Store(Path(self.tmp.name) / "state.db")
        self.client = CalendarClient(self.server.url, "me", "x")
        self.client.open(self.name)
        self.app = Peer(self.server.url, "me", "x")
        self.calendar = self.app.calendar_url(self.name)
        self.foreign: dict[str, bytes] = {}
        self.user_edits: dict[str, tuple[datetime, str]] = {}  # uid -> (start, title) the user set
        self.user_deleted: set[str] = set()
        self._sync()

    def teardown(self) -> None:
        self.client.close()
        self.app.close()
        self.store.close()
        self.tmp.cleanup()

    # -- what reconnectd does ----------------------------------------------

    def config(self):  # type: ignore[no-untyped-def]
        people = "".join(f"  - name: {n}\n    every: {c}\n" for n, c in self.people.items())
        return parse_config("timezone: Europe/London\npeople:\n" + (people or "  []\n"), "life.yaml")

    def _sync(self) -> None:
        run_cycle(self.config(), self.store, self.client, Notifier(()), self.now)

    @rule(hours=st.integers(0, 96))
    def sync(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        self._sync()

    # -- what the user does in their calendar app ---------------------------

    def ours(self) -> list[Stored]:
        """reconnectd's objects (the look-alike foreign ones excluded), as the user's app sees them."""
        stored = self.app.objects(self.calendar).values()
        return sorted(
            (s for s in stored if s.uid.startswith("reconnectd-") and s.href not in self.foreign), key=lambda s: s.href
        )

    def _edit(self, stored: Stored, **changes: object) -> None:
        calendar = icalendar.Calendar.from_ical(stored.data)
        item = next(c for c in calendar.walk() if c.name == "VEVENT")
        for name, value in changes.items():
            item.pop(name, None)
            item.add(name, value)
        if self.app.put(self.calendar, stored.href.rsplit("/", 1)[-1], calendar.to_ical(), etag=stored.etag) in (
            200,
            201,
            204,
        ):
            self.user_edits[stored.uid] = (item["dtstart"].dt, str(item["summary"]))

    @rule(data=st.data(), hours=st.integers(-48, 96).filter(bool))  # a move by 0 hours is no edit (same ETag)
    def user_moves(self, data: st.DataObject, hours: int) -> None:
        ours = self.ours()
        if ours:
            stored = data.draw(st.sampled_from(ours))
            start = stored.event["dtstart"].dt + timedelta(hours=hours)
            self._edit(stored, dtstart=start, dtend=start + timedelta(minutes=15))

    @rule(data=st.data(), title=st.sampled_from(["✓ called", "done", "[x] no reply", "Check in (at lunch)"]))
    def user_retitles(self, data: st.DataObject, title: str) -> None:
        ours = self.ours()
        if ours:
            self._edit(data.draw(st.sampled_from(ours)), summary=title)

    @rule(data=st.data())
    def user_deletes(self, data: st.DataObject) -> None:
        ours = self.ours()
        if ours:
            stored = data.draw(st.sampled_from(ours))
            self.app.delete(self.calendar, stored.href)
            self.user_deleted.add(stored.uid)
            self.user_edits.pop(stored.uid, None)

    @rule(lookalike=st.booleans())
    def user_adds_a_foreign_event(self, lookalike: bool) -> None:
        n = len(self.foreign)
        extra = b"X-RECONNECTD-PERSON:Priya\r\n" if lookalike else b""
        uid = f"reconnectd-priya-00000000-{900 + n}" if lookalike else f"dentist-{n}"
        data = foreign_event(uid, "Check in with Priya" if lookalike else "Dentist", extra)
        name = f"foreign-{n}.ics"
        assert self.app.put(self.calendar, name, data) in (201, 204)
        href = next(h for h in self.app.objects(self.calendar) if h.endswith(name))
        self.foreign[href] = self.app.objects(self.calendar)[href].data

    # -- what the user does in the YAML -------------------------------------

    @rule(name=st.sampled_from(NAMES), cadence=st.sampled_from(CADENCES))
    def set_cadence(self, name: str, cadence: str) -> None:
        self.people[name] = cadence

    @precondition(lambda self: len(self.people) > 0)
    @rule(data=st.data())
    def remove_person(self, data: st.DataObject) -> None:
        del self.people[data.draw(st.sampled_from(sorted(self.people)))]

    # -- invariants -----------------------------------------------------------

    @invariant()
    def foreign_objects_are_untouched(self) -> None:
        stored = self.app.objects(self.calendar)
        for href, data in self.foreign.items():
            assert stored[href].data == data

    @invariant()
    def each_active_person_has_at_most_one_upcoming_checkin(self) -> None:
        upcoming: dict[str, int] = {}
        for checkin in self.store.ledger().checkins:
            if checkin.status is CheckInStatus.SCHEDULED and checkin.start > self.now:
                upcoming[checkin.person] = upcoming.get(checkin.person, 0) + 1
        assert all(count <= 1 for count in upcoming.values()), upcoming

    @invariant()
    def no_user_edit_is_reverted(self) -> None:
        present = {s.uid: s for s in self.ours()}
        for uid, (start, title) in self.user_edits.items():
            if uid in present:
                event = present[uid].event
                assert event["dtstart"].dt == start
                assert str(event["summary"]) == title

    @invariant()
    def deleted_checkins_never_come_back(self) -> None:
        assert not self.user_deleted & {s.uid for s in self.ours()}

    @invariant()
    def syncing_again_changes_nothing(self) -> None:
        self._sync()
        before = {h: s.etag for h, s in self.app.objects(self.calendar).items()}
        report = run_cycle(self.config(), self.store, self.client, Notifier(()), self.now)
        assert report.wrote == 0
        assert {h: s.etag for h, s in self.app.objects(self.calendar).items()} == before


def test_calendar_life(server: RadicaleServer) -> None:
    CalendarLife.server = server
    CalendarLife.TestCase.settings = settings(
        max_examples=12, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
    )
    CalendarLife.TestCase().runTest()


def test_ticks_in_titles_are_what_the_machine_types() -> None:
    assert TICK.match("✓ called")
    assert TICK.match("[x] no reply")
    assert not TICK.match("Check in (at lunch)")
