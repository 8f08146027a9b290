"""Random sequences of user edits, foreign objects, config changes and syncs, against real Radicale.

A sync is a rule like any other, so edits pile up between syncs (two moves of one check-in, a
move then a tick, a delete beside a rename) as they do while a laptop sleeps. After every step,
invariants that only read: foreign objects are byte-for-byte unchanged, each active person has
at most one upcoming check-in, no user edit is reverted and no deleted check-in comes back. After
each sync: syncing again changes nothing.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

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
PICK = st.integers(0, 30)  # one of our objects, by its place in the listing (modulo its length)
EDITS = ("user_moves", "user_retitles", "user_deletes")


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
        self.steps: list[str] = []  # the rules run, in order (what a shrunk example consists of)
        self.edits_since_sync = 0
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
        self.steps.append("sync")
        self.before_sync()
        self.edits_since_sync = 0
        self.now += timedelta(hours=hours)
        self._sync()
        # Syncing again at once changes nothing.
        before = {h: s.etag for h, s in self.app.objects(self.calendar).items()}
        report = run_cycle(self.config(), self.store, self.client, Notifier(()), self.now)
        assert report.wrote == 0
        assert {h: s.etag for h, s in self.app.objects(self.calendar).items()} == before

    # -- what the user does in their calendar app ---------------------------

    def ours(self) -> list[Stored]:
        """reconnectd's objects (the look-alike foreign ones excluded), as the user's app sees them."""
        stored = self.app.objects(self.calendar).values()
        return sorted(
            (s for s in stored if s.uid.startswith("reconnectd-") and s.href not in self.foreign), key=lambda s: s.href
        )

    def before_sync(self) -> None:
        """Called as a sync begins, the edits since the last one still counted."""

    def pick(self, index: int, rule: str) -> Stored | None:
        """One of our objects (None when there is none: the step does nothing and is no edit)."""
        ours = self.ours()
        if not ours:
            return None
        self.steps.append(rule)
        self.edits_since_sync += 1
        return ours[index % len(ours)]

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

    @rule(index=PICK, hours=st.integers(-48, 96).filter(bool))  # a move by 0 hours is no edit (same ETag)
    def user_moves(self, index: int, hours: int) -> None:
        stored = self.pick(index, "user_moves")
        if stored is not None:
            start = stored.event["dtstart"].dt + timedelta(hours=hours)
            self._edit(stored, dtstart=start, dtend=start + timedelta(minutes=15))

    @rule(index=PICK, title=st.sampled_from(["✓ called", "done", "[x] no reply", "Check in (at lunch)"]))
    def user_retitles(self, index: int, title: str) -> None:
        stored = self.pick(index, "user_retitles")
        if stored is not None:
            self._edit(stored, summary=title)

    @rule(index=PICK)
    def user_deletes(self, index: int) -> None:
        stored = self.pick(index, "user_deletes")
        if stored is not None:
            self.app.delete(self.calendar, stored.href)
            self.user_deleted.add(stored.uid)
            self.user_edits.pop(stored.uid, None)

    @rule(lookalike=st.booleans())
    def user_adds_a_foreign_event(self, lookalike: bool) -> None:
        self.steps.append("user_adds_a_foreign_event")
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
        self.steps.append("set_cadence")
        self.people[name] = cadence

    @precondition(lambda self: len(self.people) > 0)
    @rule(data=st.data())
    def remove_person(self, data: st.DataObject) -> None:
        self.steps.append("remove_person")
        del self.people[data.draw(st.sampled_from(sorted(self.people)))]

    # -- invariants: they only read ----------------------------------------------

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
                shown = present[uid].event
                assert shown["dtstart"].dt == start
                assert str(shown["summary"]) == title

    @invariant()
    def deleted_checkins_never_come_back(self) -> None:
        assert not self.user_deleted & {s.uid for s in self.ours()}


class Watched(CalendarLife):
    """CalendarLife, counting how many edits each sync found piled up."""

    piles: ClassVar[Counter[int]] = Counter()

    def before_sync(self) -> None:  # not a rule: overriding one would hide it from Hypothesis
        Watched.piles[self.edits_since_sync] += 1


def test_calendar_life(server: RadicaleServer, capsys: pytest.CaptureFixture[str]) -> None:
    Watched.server = server
    Watched.piles.clear()
    Watched.TestCase.settings = settings(
        max_examples=12,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same sequences every run: whether edits pile up is not left to chance
    )
    Watched.TestCase().runTest()
    with capsys.disabled():
        print(f"\n  syncs by the user edits piled up before them: {dict(sorted(Watched.piles.items()))}")
    assert max(Watched.piles, default=0) >= 2  # the invariants saw edits pile up, not always one edit and then a sync


@pytest.fixture
def life(server: RadicaleServer) -> Iterator[CalendarLife]:
    CalendarLife.server = server
    machine = CalendarLife()
    try:
        yield machine
    finally:
        machine.teardown()


def check(machine: CalendarLife) -> None:
    machine.foreign_objects_are_untouched()
    machine.each_active_person_has_at_most_one_upcoming_checkin()
    machine.no_user_edit_is_reverted()
    machine.deleted_checkins_never_come_back()


def test_a_move_then_a_tick_of_the_same_checkin_before_a_sync(life: CalendarLife) -> None:
    (priya,) = [s for s in life.ours() if "Priya" in str(s.event["summary"])]
    index = life.ours().index(priya)
    life.user_moves(index=index, hours=26)
    life.user_retitles(index=index, title="✓ called")
    check(life)
    life.sync(hours=1)
    check(life)
    assert life.edits_since_sync == 0
    assert any(c.person == "Priya" and c.status is CheckInStatus.DONE for c in life.store.ledger().checkins)


def test_a_move_beside_a_deletion_and_a_new_rhythm_before_a_sync(life: CalendarLife) -> None:
    life.user_moves(index=0, hours=-5)
    life.user_deletes(index=1)
    life.set_cadence(name="Priya", cadence="daily")
    life.set_cadence(name="Sam", cadence="daily")
    life.sync(hours=2)
    check(life)
    assert [c.status for c in life.store.ledger().checkins].count(CheckInStatus.SKIPPED) == 1  # the deleted one
    life.sync(hours=30)
    check(life)


def test_ticks_in_titles_are_what_the_machine_types() -> None:
    assert TICK.match("✓ called")
    assert TICK.match("[x] no reply")
    assert not TICK.match("Check in (at lunch)")
