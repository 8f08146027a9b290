"""A date's nudge and the morning digest at a local time that does not exist (the clocks jump over
it) or happens twice (the clocks go back) follow slots' one rule: shifted forward by the gap, or
the first of the two. Pure, on the 2026 changes of the clocks of three zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reconnectd.config.load import parse_config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.plan import plan
from reconnectd.policy.preview import advance
from reconnectd.policy.settings import Config

# zone, the day the clocks go forward, a time in the gap, where the rule puts it, its UTC offset then
SKIPPED = [
    ("Europe/London", date(2026, 3, 29), "01:30", "02:30", timedelta(hours=1)),
    ("America/New_York", date(2026, 3, 8), "02:30", "03:30", timedelta(hours=-4)),
    ("Australia/Lord_Howe", date(2026, 10, 4), "02:10", "02:40", timedelta(hours=11)),  # a 30-minute gap
]
# zone, the day the clocks go back, a time that happens twice, the UTC offset of its first occurrence
DOUBLED = [
    ("Europe/London", date(2026, 10, 25), "01:30", timedelta(hours=1)),
    ("America/New_York", date(2026, 11, 1), "01:30", timedelta(hours=-4)),
    ("Australia/Lord_Howe", date(2026, 4, 5), "01:45", timedelta(hours=11)),
]


def birthday_config(zone: str, day: date, at: str) -> Config:
    return parse_config(
        f'timezone: {zone}\nmilestones:\n  time: "{at}"\npeople:\n'
        f"  - name: Priya\n    every: monthly\n    last_contact: {day - timedelta(days=3)}\n"
        f"    dates:\n      - birthday: {day:%m-%d}\n",
        "t.yaml",
    )


def digest_config(zone: str, day: date, at: str) -> Config:
    return parse_config(
        f'timezone: {zone}\nnotify:\n  digest: "{at}"\npeople:\n'
        f"  - name: Priya\n    every: weekly\n    dates:\n      - birthday: {day:%m-%d}\n",
        "t.yaml",
    )


def nudges_at(config: Config, moments: list[datetime]) -> dict[datetime, list[str]]:
    """The nudges each moment's plan queues, a ledger carried from one to the next as the daemon does."""
    ledger, seen = Ledger(), {}
    for moment in moments:
        result = plan(config, ledger, moment)
        seen[moment] = [n.key for n in result.nudges]
        ledger = advance(ledger, result)
    return seen


def wall(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


@pytest.mark.parametrize(("zone", "day", "at", "shifted", "offset"), SKIPPED)
def test_a_birthday_nudge_at_a_time_that_does_not_exist_is_shifted_forward_by_the_gap(
    zone: str, day: date, at: str, shifted: str, offset: timedelta
) -> None:
    tz = ZoneInfo(zone)
    config = birthday_config(zone, day, at)
    target = datetime.combine(day, time.fromisoformat(shifted), tzinfo=tz)
    before = target - timedelta(minutes=10)  # a real local time, after the written one but before the rule's
    seen = nudges_at(config, [datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=1), before])
    assert seen[before] == []  # not early: the written time is where the rule puts it
    result = plan(config, Ledger(), target)
    (nudge,) = result.nudges
    assert nudge.due.replace(tzinfo=None) == target.replace(tzinfo=None)  # the wall time the rule gives
    assert nudge.due.utcoffset() == offset
    assert nudge.due == target
    assert wall(nudge.due, zone) == shifted


@pytest.mark.parametrize(("zone", "day", "at", "shifted", "offset"), SKIPPED)
def test_a_digest_at_a_time_that_does_not_exist_goes_out_when_the_gap_ends(
    zone: str, day: date, at: str, shifted: str, offset: timedelta
) -> None:
    tz = ZoneInfo(zone)
    config = digest_config(zone, day, at)
    target = datetime.combine(day, time.fromisoformat(shifted), tzinfo=tz)
    early = target - timedelta(minutes=10)
    assert plan(config, Ledger(), early).nudges == ()
    (digest,) = plan(config, Ledger(), target).nudges
    assert digest.key == f"digest-{day}"
    assert digest.due.replace(tzinfo=None) == target.replace(tzinfo=None)
    assert digest.due.utcoffset() == offset


@pytest.mark.parametrize(("zone", "day", "at", "offset"), DOUBLED)
def test_a_birthday_or_digest_at_a_time_that_happens_twice_takes_the_first(
    zone: str, day: date, at: str, offset: timedelta
) -> None:
    tz = ZoneInfo(zone)
    first = datetime.combine(day, time.fromisoformat(at), tzinfo=tz).replace(fold=0)
    assert first.utcoffset() == offset
    for config in (birthday_config(zone, day, at), digest_config(zone, day, at)):
        (nudge,) = plan(config, Ledger(), first.astimezone(UTC)).nudges
        assert nudge.due.astimezone(UTC) == first.astimezone(UTC)
        assert nudge.due.utcoffset() == offset


@pytest.mark.parametrize(("zone", "day", "at", "shifted", "offset"), SKIPPED)
def test_an_all_day_date_starts_and_ends_at_a_midnight_that_exists(
    zone: str, day: date, at: str, shifted: str, offset: timedelta
) -> None:
    config = birthday_config(zone, day, at)
    result = plan(config, Ledger(), datetime.combine(day - timedelta(days=2), time(0), tzinfo=UTC))
    (event,) = [p.checkin for p in result.upcoming if p.checkin.is_milestone]
    assert event.start.date() == day and event.end.date() == day + timedelta(days=1)
    assert event.start < event.end
    assert event.start.astimezone(UTC).astimezone(event.start.tzinfo) == event.start


def test_a_midnight_that_does_not_exist_starts_a_date_at_the_end_of_the_gap() -> None:
    # Chile's clocks jump from 00:00 to 01:00 on 6 September 2026: the birthday starts at 01:00.
    day = date(2026, 9, 6)
    config = birthday_config("America/Santiago", day, "09:00")
    result = plan(config, Ledger(), datetime(2026, 9, 1, tzinfo=UTC))
    (event,) = [p.checkin for p in result.upcoming if p.checkin.is_milestone]
    assert wall(event.start, "America/Santiago") == "01:00"
    assert event.start.strftime("%H:%M") == "01:00"
