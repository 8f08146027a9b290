"""`plan --days` walks the plan forward step by step. The walk is incremental (one full plan, then
small steps), and must give exactly what a walk of full plans gives: that walk is kept here as the
oracle, and Hypothesis compares the two on small random configs and ledgers."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconnectd.config.load import parse_config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckIn, CheckInStatus, Contact, Outcome, Standing, fold
from reconnectd.policy.plan import plan
from reconnectd.policy.preview import Preview, advance, preview
from reconnectd.policy.settings import Config


def reference_preview(config: Config, ledger: Ledger, now: datetime, until: datetime) -> list[Preview]:
    """The walk as it was first written: a full plan at every moment something starts."""
    seen: dict[str, Preview] = {}
    moment = now
    for _ in range(10_000):
        result = plan(config, ledger, moment)
        for planned in result.upcoming:
            if planned.checkin.start <= until:
                seen[planned.checkin.uid] = Preview(planned.checkin.start, planned.checkin, planned.words)
        ledger = advance(ledger, result)
        ahead = [p.checkin.start for p in result.upcoming if p.checkin.start > moment]
        if not ahead or min(ahead) > until:
            break
        moment = min(ahead)
    return sorted(seen.values(), key=lambda p: (p.start, p.checkin.person))


def shown(items: list[Preview]) -> list[tuple[str, str, object, object]]:
    """Everything a preview holds, wall times and offsets included (== alone ignores them)."""
    return [(i.start.isoformat(), i.checkin.end.isoformat(), i.checkin, i.wording) for i in items]


NAMES = ["Priya", "Sam", "Rose", "Élodie", "Jonah", "Ana", "Kofi"]
ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"]
CADENCES = ["daily", "every 3 days", "weekly", "2 weeks", "monthly", "P10D", "3w"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
START = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Config, Ledger, datetime, int]:
    now = START + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 365)))
    today = now.date()
    zone = draw(st.sampled_from(ZONES))
    at = f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}"
    duration = draw(st.sampled_from(["15m", "1h", "10h"]))
    window = draw(st.sampled_from(["", "-23:59"])) if at < "22:00" and duration != "10h" else ""  # one fits
    days = sorted(draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1)), key=WEEKDAYS.index)
    text = f'timezone: {zone}\nschedule:\n  time: "{at}{window}"\n  days: [{", ".join(days)}]\n'
    text += f"  max_per_day: {draw(st.integers(1, 4))}\n  duration: {duration}\n"
    if draw(st.booleans()):
        text += "milestones:\n  keep_when_paused: true\n"
    if draw(st.booleans()):
        text += f"self:\n  every: {draw(st.sampled_from(CADENCES))}\n"
    people = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True))
    listing = ""
    for name in people:
        listing += f"- name: {name}\n  every: {draw(st.sampled_from(CADENCES))}\n"
        if draw(st.booleans()):
            listing += f"  last_contact: {today - timedelta(days=draw(st.integers(0, 90)))}\n"
        if draw(st.integers(0, 4)) == 0:
            listing += "  status: paused\n"
            if draw(st.booleans()):
                listing += f"  until: {today + timedelta(days=draw(st.integers(-3, 40)))}\n"
        dates = []
        for _ in range(draw(st.integers(0, 2))):
            day = today + timedelta(days=draw(st.integers(-10, 60)))
            label = draw(st.sampled_from(["birthday", "anniversary", "big trip"]))
            dates.append(f"- {label}: {day if label == 'big trip' else f'{day:%m-%d}'}\n")
            if draw(st.booleans()):
                dates[-1] += f"  remind: {draw(st.sampled_from(['1d', '1w']))}\n"
        if dates and len({d.split(":")[0] for d in dates}) == len(dates):
            listing += "  dates:\n" + textwrap.indent("".join(dates), "    ")
    config = parse_config(text + "people:\n" + textwrap.indent(listing, "  "), "t.yaml")
    return config, draw(ledgers(config, now)), now, draw(st.integers(1, 45))


@st.composite
def ledgers(draw: st.DrawFn, config: Config, now: datetime) -> Ledger:
    """What a store may hold: contacts, pauses from the command line, and the rows of earlier plans
    (some ticked off, deleted or moved in the calendar)."""
    names = [p.name for p in config.people]
    contacts = tuple(
        Contact(
            draw(st.sampled_from(names)),
            now - timedelta(hours=draw(st.integers(0, 24 * 60))),
            draw(st.sampled_from(list(Outcome))),
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    standings: dict[str, tuple[Standing, date | None]] = {}
    for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
        until = now.date() + timedelta(days=draw(st.integers(1, 30))) if draw(st.booleans()) else None
        standings[fold(name)] = (draw(st.sampled_from([Standing.PAUSED, Standing.LET_GO])), until)
    ledger = Ledger(contacts=contacts, standings=standings)
    if draw(st.booleans()):
        earlier = now - timedelta(hours=draw(st.integers(1, 24 * 20)))
        ledger = advance(ledger, plan(config, ledger, earlier))
        rows = []
        for row in ledger.checkins:
            change = draw(st.sampled_from(["keep", "keep", "skip", "done", "pin", "renamed"]))
            rows.append(_changed(row, change))
        ledger = replace(ledger, checkins=tuple(rows))
    return ledger


def _changed(row: CheckIn, change: str) -> CheckIn:
    """A row as the user may have left it in their calendar, or as a rename left it."""
    if change == "skip":
        return replace(row, status=CheckInStatus.SKIPPED)
    if change == "done":
        return replace(row, status=CheckInStatus.DONE)
    if row.is_milestone:
        return row
    if change == "renamed":  # written under an old name, its basis stale
        return replace(row, named_uid=f"reconnectd-old-{row.uid}", basis="stale")
    if change == "pin":  # moved an hour later
        return replace(row, pinned=True, start=row.start + timedelta(hours=1), end=row.end + timedelta(hours=1))
    return row


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_the_incremental_preview_equals_a_walk_of_full_plans(world: tuple[Config, Ledger, datetime, int]) -> None:
    config, ledger, now, days = world
    until = now + timedelta(days=days)
    assert shown(preview(config, ledger, now, until)) == shown(reference_preview(config, ledger, now, until))


@pytest.mark.parametrize(
    ("schedule", "days"),
    [
        ('  time: "18:00-19:00"\n  max_per_day: 3\n', 400),
        ('  time: "23:30"\n  max_per_day: 2\n  duration: 10h\n  days: [mon, wed, sat]\n', 150),
        ('  time: "09:00"\n  max_per_day: 1\n  days: [sun]\n', 200),
    ],
)
def test_a_preview_of_many_people_for_months_equals_a_walk_of_full_plans(schedule: str, days: int) -> None:
    people = "".join(
        f"- name: P{i:02d}\n  every: {['weekly', '2 weeks', 'monthly', 'every 3 days'][i % 4]}\n"
        f"  dates:\n    - birthday: {1 + i % 12:02d}-{1 + i % 28:02d}\n"
        + ("  status: paused\n  until: 2026-12-20\n" if i % 7 == 0 else "")
        for i in range(30)
    )
    config = parse_config(
        f"timezone: Europe/London\nschedule:\n{schedule}self:\n  every: 2 weeks\npeople:\n"
        + textwrap.indent(people, "  "),
        "t.yaml",
    )
    now = datetime(2026, 11, 10, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    until = now + timedelta(days=days)
    ours = preview(config, Ledger(), now, until)
    assert shown(ours) == shown(reference_preview(config, Ledger(), now, until))
    assert ours[-1].start > now + timedelta(days=days - 10)  # it went the whole way
