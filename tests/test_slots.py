"""Slots and the clocks: no two check-ins overlap, not across midnight and not across a change of
the clocks; every event ends after it starts; skipped and doubled local times follow one rule."""

from __future__ import annotations

import itertools
import textwrap
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from reconnectd.calendar import ical
from reconnectd.config.load import parse_config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.plan import Plan, plan
from reconnectd.policy.preview import advance
from reconnectd.policy.settings import Config
from reconnectd.policy.slots import local_time

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia"]


def config(zone: str, schedule: str, people: int) -> Config:
    listing = "".join(f"- name: P{i}\n  every: weekly\n" for i in range(people))
    text = f"timezone: {zone}\nschedule:\n{textwrap.indent(schedule, '  ')}people:\n{textwrap.indent(listing, '  ')}"
    return parse_config(text, "test.yaml")  # what `check` accepts, or it raises


def assert_sound(result: Plan, now: datetime, people: int) -> None:
    """Each person has one check-in, which ends after it starts and starts after now; none overlaps another."""
    assert sorted(p.checkin.person for p in result.upcoming) == sorted(f"P{i}" for i in range(people))
    events = sorted((p.checkin.start.astimezone(UTC), p.checkin.end.astimezone(UTC)) for p in result.upcoming)
    assert all(start < end for start, end in events)
    assert all(start > now for start, _ in events)
    for (_, end), (start, _) in itertools.pairwise(events):
        assert end <= start, f"overlap: {events}"


def schedule_day(start: datetime, first: str) -> date:
    """The day whose first slot a check-in follows (in wall-clock terms)."""
    hours, minutes = map(int, first.split(":"))
    return (start.replace(tzinfo=None) - timedelta(hours=hours, minutes=minutes)).date()


def test_slots_that_cross_midnight_never_collide_when_someone_is_added() -> None:
    schedule = 'time: "23:45"\nmax_per_day: 2\n'
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    first = plan(config("Europe/London", schedule, 3), Ledger(), now)
    again = plan(config("Europe/London", schedule, 4), advance(Ledger(), first), now)
    assert_sound(again, now, 4)
    starts = sorted(p.checkin.start.strftime("%d %H:%M") for p in again.upcoming)
    assert starts == ["10 23:45", "11 00:00", "11 23:45", "12 00:00"]


times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 50]))


@st.composite
def schedules(draw: st.DrawFn) -> tuple[str, str, int, int]:
    start = draw(times)
    text = f'time: "{start}"\n'
    minutes = draw(st.sampled_from([5, 15, 30, 45, 60, 90, 180, 600, 1440, 2000]))
    per_day = draw(st.integers(1, 8))
    days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
    text += f"duration: {minutes} minutes\nmax_per_day: {per_day}\ndays: [{', '.join(sorted(days))}]\n"
    return text, start, per_day, minutes


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES[:4]),
    schedule=schedules(),
    people=st.integers(1, 12),
    more=st.integers(0, 5),
    hours=st.integers(0, 24 * 400),
)
def test_no_two_checkins_overlap_and_no_day_holds_more_than_max(
    zone: str, schedule: tuple[str, str, int, int], people: int, more: int, hours: int
) -> None:
    text, first_slot, per_day, minutes = schedule
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hours)
    first = plan(config(zone, text, people), Ledger(), now)
    assert_sound(first, now, people)
    again = plan(config(zone, text, people + more), advance(Ledger(), first), now)
    assert_sound(again, now, people + more)
    if per_day * minutes <= 22 * 60:  # one day's slots fit before the next day's first
        days = Counter(schedule_day(p.checkin.start, first_slot) for p in again.upcoming)
        assert max(days.values()) <= per_day


# The changes of the clocks: each zone's in 2026, found from the zone database itself.
@cache
def transitions(zone: str) -> list[datetime]:
    tz, found = ZoneInfo(zone), []
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment.year == 2026:
        step = moment + timedelta(minutes=30)
        if moment.astimezone(tz).utcoffset() != step.astimezone(tz).utcoffset():
            found.append(step)
        moment = step
    return found


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES[:4]),
    which=st.integers(0, 1),
    schedule=schedules(),
    people=st.integers(1, 10),
    before=st.integers(1, 36),
)
def test_across_a_change_of_the_clocks_events_end_after_they_start_and_never_overlap(
    zone: str, which: int, schedule: tuple[str, str, int, int], people: int, before: int
) -> None:
    change = transitions(zone)[which]
    now = change - timedelta(hours=before)
    result = plan(config(zone, schedule[0], people), Ledger(), now)
    assert_sound(result, now, people)
    for planned in result.upcoming:  # and so does the event as written and read back
        back = ical.read(ical.render(planned, now), ZoneInfo(zone))
        assert back is not None and back.start is not None and back.end is not None
        assert back.start == planned.checkin.start and back.end == planned.checkin.end


def test_a_time_that_does_not_exist_is_shifted_forward_by_the_gap() -> None:
    london = ZoneInfo("Europe/London")
    assert local_time(date(2026, 3, 29), time(1, 30), london) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST
    howe = ZoneInfo("Australia/Lord_Howe")  # the clocks go forward half an hour, 02:00 to 02:30
    moved = local_time(date(2026, 10, 4), time(2, 10), howe)
    assert moved.strftime("%H:%M") == "02:40"


def test_a_time_that_happens_twice_is_the_first() -> None:
    york = ZoneInfo("America/New_York")
    first = local_time(date(2026, 11, 1), time(1, 30), york)
    assert first.utcoffset() == timedelta(hours=-4)  # still daylight time


def test_spring_forward_slots_keep_their_order_and_length() -> None:
    schedule = 'time: "00:30"\nduration: 60 minutes\nmax_per_day: 3\n'
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    result = plan(config("Europe/London", schedule, 4), Ledger(), now)
    assert_sound(result, now, 4)
    on_the_day = sorted(p.checkin.start for p in result.upcoming if p.checkin.start.date() == date(2026, 3, 29))
    assert [s.strftime("%H:%M %Z") for s in on_the_day] == ["00:30 GMT", "02:30 BST", "03:30 BST"]


def test_a_day_the_zone_skipped_gets_no_slot() -> None:
    now = datetime(2011, 12, 29, 12, 0, tzinfo=ZoneInfo("Pacific/Apia"))
    result = plan(config("Pacific/Apia", 'time: "10:00"\nmax_per_day: 1\n', 2), Ledger(), now)
    assert_sound(result, now, 2)
    days = sorted(p.checkin.start.date() for p in result.upcoming)
    assert days == [date(2011, 12, 31), date(2012, 1, 1)]
