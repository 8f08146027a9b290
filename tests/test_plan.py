"""The planning policy, with an explicit now. The store is the real SQLite one, on a temp file."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconnectd.config.load import parse_config
from reconnectd.errors import ConfigError
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckInStatus, Contact, Outcome, Standing
from reconnectd.policy.plan import Plan, plan
from reconnectd.policy.settings import Config
from reconnectd.state import Store

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def make_config(people: str, schedule: str = "") -> Config:
    text = (
        "timezone: Europe/London\n"
        + textwrap.dedent(schedule)
        + "people:\n"
        + textwrap.indent(textwrap.dedent(people), "  ")
    )
    return parse_config(text, "test.yaml")


class World:
    """Plans against a real store, recording each plan as the daemon would."""

    def __init__(self, path: Path) -> None:
        self.store = Store(path)

    def step(self, config: Config, now: datetime) -> Plan:
        result = plan(config, self.store.ledger(), now)
        self.store.apply_plan(result, now)
        return result

    def starts(self, result: Plan) -> dict[str, datetime]:
        return {p.checkin.person: p.checkin.start for p in result.upcoming}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "state.db")
    yield w
    w.store.close()


PRIYA = """\
- name: Priya
  every: 2 weeks
  prefers: voice note
  last_contact: 2026-11-02
"""


def test_next_checkin_is_one_cadence_after_the_last_contact(world: World) -> None:
    result = world.step(make_config(PRIYA), london(2026, 11, 10, 9, 0))
    (planned,) = result.upcoming
    assert planned.checkin.start == london(2026, 11, 16, 18, 0)
    assert planned.checkin.end == london(2026, 11, 16, 18, 15)
    assert planned.wording.summary == "Check in with Priya"
    assert "voice note" in planned.wording.description


def test_an_overdue_person_gets_the_next_free_slot_from_now(world: World) -> None:
    assert world.starts(world.step(make_config(PRIYA), london(2026, 11, 28, 12, 0))) == {
        "Priya": london(2026, 11, 28, 18, 0)
    }


def test_after_todays_slot_has_gone_the_next_slot_is_tomorrow(world: World) -> None:
    assert world.starts(world.step(make_config(PRIYA), london(2026, 11, 28, 19, 0))) == {
        "Priya": london(2026, 11, 29, 18, 0)
    }


def test_the_time_of_day_follows_the_configured_zone_across_dst(world: World) -> None:
    people = "- name: A\n  every: weekly\n  last_contact: 2026-10-20\n"
    result = world.step(make_config(people), london(2026, 10, 21, 9, 0))
    start = result.upcoming[0].checkin.start
    assert start == london(2026, 10, 27, 18, 0)  # after the clocks went back on Oct 25
    assert start.utcoffset() == timedelta(0)


def test_no_more_than_max_per_day_fall_on_one_day(world: World) -> None:
    people = "".join(f"- name: P{i}\n  every: weekly\n" for i in range(5))
    result = world.step(make_config(people, "schedule:\n  max_per_day: 2\n"), london(2026, 11, 28, 9, 0))
    per_day = Counter(p.checkin.start.date() for p in result.upcoming)
    assert sorted(per_day.values()) == [1, 2, 2]
    assert sorted(p.checkin.start.time().isoformat() for p in result.upcoming)[:2] == ["18:00:00", "18:00:00"]
    assert {p.checkin.start for p in result.upcoming} >= {london(2026, 11, 28, 18, 0), london(2026, 11, 28, 18, 15)}


def test_planning_again_changes_nothing(world: World) -> None:
    config = make_config(PRIYA + "- name: Sam\n  every: monthly\n")
    first = world.step(config, london(2026, 11, 20, 9, 0))
    second = world.step(config, london(2026, 11, 20, 17, 59))
    assert first.upcoming == second.upcoming
    assert not second.came_due


def test_a_checkin_that_comes_due_is_nudged_once_and_the_next_follows_a_cadence_later(world: World) -> None:
    config = make_config(PRIYA)
    world.step(config, london(2026, 11, 10, 9, 0))
    due = world.step(config, london(2026, 11, 16, 18, 0))
    assert [n.title for n in due.nudges] == ["Check in with Priya"]
    (passed,) = due.came_due
    assert passed.status is CheckInStatus.PASSED
    (following,) = due.upcoming
    assert following.checkin.seq == passed.seq + 1
    assert following.checkin.start == london(2026, 11, 30, 18, 0)
    again = world.step(config, london(2026, 11, 16, 18, 5))
    assert not again.nudges


def test_recording_a_contact_moves_the_same_checkin_in_place(world: World) -> None:
    config = make_config(PRIYA)
    before = world.step(config, london(2026, 11, 10, 9, 0)).upcoming[0].checkin
    world.store.record_contact(Contact("Priya", london(2026, 11, 12, 20, 0)), recorded_at=london(2026, 11, 12, 20, 0))
    after = world.step(config, london(2026, 11, 12, 20, 1)).upcoming[0].checkin
    assert after.uid == before.uid
    assert after.start == london(2026, 11, 26, 18, 0)


def test_a_cadence_change_moves_the_same_checkin_in_place(world: World) -> None:
    before = world.step(make_config(PRIYA), london(2026, 11, 10, 9, 0)).upcoming[0].checkin
    weekly = make_config(PRIYA.replace("2 weeks", "weekly"))
    after = world.step(weekly, london(2026, 11, 10, 9, 5)).upcoming[0].checkin
    assert after.uid == before.uid
    assert after.start == london(2026, 11, 10, 18, 0)


def test_a_removed_person_has_their_upcoming_checkin_withdrawn_and_history_kept(world: World) -> None:
    world.step(make_config(PRIYA + "- name: Sam\n  every: monthly\n"), london(2026, 11, 10, 9, 0))
    result = world.step(make_config(PRIYA), london(2026, 11, 10, 9, 5))
    assert [c.person for c in result.withdrawn] == ["Sam"]
    assert [p.checkin.person for p in result.upcoming] == ["Priya"]
    statuses = {c.person: c.status for c in world.store.ledger().checkins}
    assert statuses["Sam"] is CheckInStatus.WITHDRAWN


def test_a_returning_person_never_reuses_an_old_uid(world: World) -> None:
    both = make_config(PRIYA + "- name: Sam\n  every: monthly\n")
    first_uid = next(
        p.checkin.uid for p in world.step(both, london(2026, 11, 10, 9, 0)).upcoming if p.checkin.person == "Sam"
    )
    world.step(make_config(PRIYA), london(2026, 11, 10, 9, 5))
    again = next(
        p.checkin.uid for p in world.step(both, london(2026, 11, 10, 9, 10)).upcoming if p.checkin.person == "Sam"
    )
    assert again != first_uid


def test_the_same_inputs_give_the_same_plan_in_every_process(tmp_path: Path) -> None:
    """A restarted daemon is another process, with another hash seed: it plans what the last one did."""
    example = Path(__file__).parent.parent / "config.example.yaml"
    command = [sys.executable, "-m", "reconnectd", "--config", str(example), "--state-dir", str(tmp_path)]
    shown = [
        subprocess.run(
            [*command, "plan", "--days", "120", "--now", "2026-11-10T09:00"],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert shown[0].count("Check in with") > 20  # four months of check-ins, words and all
    assert shown[1:] == shown[:1] * 2


names = st.lists(st.from_regex(r"[A-Z][a-z]{2,8}", fullmatch=True), min_size=1, max_size=12, unique_by=str.casefold)
cadences = st.sampled_from(["daily", "weekly", "fortnightly", "monthly", "10d", "3w", "quarterly"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=names, cadence=cadences, extra=cadences, hours=st.integers(0, 23))
def test_adding_a_person_never_moves_anyone_else(who: list[str], cadence: str, extra: str, hours: int) -> None:
    listing = "".join(f"- name: {n}\n  every: {cadence}\n" for n in who)
    now = london(2026, 11, 10, hours, 0)
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp) / "s.db")
        try:
            before = world.starts(world.step(make_config(listing), now))
            after = world.starts(world.step(make_config(listing + f"- name: Newcomer\n  every: {extra}\n"), now))
        finally:
            world.store.close()
    assert {k: v for k, v in after.items() if k != "Newcomer"} == before


@settings(max_examples=40, deadline=None)
@given(who=names, per_day=st.integers(1, 4), hours=st.integers(0, 23))
def test_no_day_holds_more_than_max_per_day_and_nobody_gets_two(who: list[str], per_day: int, hours: int) -> None:
    listing = "".join(f"- name: {n}\n  every: weekly\n" for n in who)
    config = make_config(listing, f"schedule:\n  max_per_day: {per_day}\n")
    now = london(2026, 11, 10, hours, 0)
    result = plan(config, Ledger(), now)
    starts = [p.checkin.start for p in result.upcoming]
    assert len(starts) == len(who) == len({p.checkin.person for p in result.upcoming})
    assert max(Counter(s.date() for s in starts).values()) <= per_day
    assert len(set(starts)) == len(starts)
    assert all(s > now for s in starts)


def contact(world: World, at: datetime, outcome: Outcome) -> None:
    world.store.record_contact(Contact("Priya", at, outcome), recorded_at=at)


def test_unanswered_contacts_stretch_the_interval_and_a_reply_resets_it(world: World) -> None:
    config = make_config(PRIYA)
    contact(world, london(2026, 11, 10, 20, 0), Outcome.NO_REPLY)
    once = world.step(config, london(2026, 11, 10, 21, 0)).upcoming[0].checkin
    assert once.start == london(2026, 12, 1, 18, 0)  # 14 days x 1.5 = 21 days after Nov 10
    contact(world, london(2026, 11, 11, 20, 0), Outcome.NO_REPLY)
    twice = world.step(config, london(2026, 11, 11, 21, 0)).upcoming[0].checkin
    assert twice.start == london(2026, 12, 13, 18, 0)  # 14 x 2.25 = 31.5 -> 32 days
    assert twice.uid == once.uid  # the same check-in moves, in place
    contact(world, london(2026, 11, 12, 20, 0), Outcome.REPLIED)
    back = world.step(config, london(2026, 11, 12, 21, 0)).upcoming[0].checkin
    assert back.start == london(2026, 11, 26, 18, 0)  # a reply: back to the cadence


def test_patience_has_a_cap(world: World) -> None:
    config = make_config(PRIYA, "patience:\n  growth: 2\n  cap: 3\n")
    for day in range(10, 16):
        contact(world, london(2026, 11, day, 20, 0), Outcome.NO_REPLY)
    stretched = world.step(config, london(2026, 11, 15, 21, 0)).upcoming[0].checkin
    assert stretched.start == london(2026, 12, 27, 18, 0)  # 3 cadences of 14 days after Nov 15


def test_a_paused_person_gets_nothing_and_resumes_by_themselves_after_until(world: World) -> None:
    planned = world.step(make_config(PRIYA), london(2026, 11, 10, 9, 0)).upcoming[0].checkin
    paused = make_config(PRIYA + "  status: paused\n  until: 2026-12-20\n")
    during = world.step(paused, london(2026, 11, 10, 9, 5))
    assert during.upcoming == ()
    assert [c.uid for c in during.withdrawn] == [planned.uid]
    assert world.step(paused, london(2026, 12, 19, 9, 0)).upcoming == ()
    after = world.step(paused, london(2026, 12, 20, 9, 0)).upcoming[0].checkin
    assert after.start == london(2026, 12, 20, 18, 0)
    assert after.uid != planned.uid


def test_let_go_is_for_good_and_nothing_is_nudged(world: World) -> None:
    config = make_config(PRIYA)
    world.step(config, london(2026, 11, 10, 9, 0))
    gone = make_config(PRIYA + "  status: let go\n")
    assert world.step(gone, london(2026, 11, 16, 18, 0)).nudges == ()
    assert world.step(gone, london(2027, 6, 1, 9, 0)).upcoming == ()


def test_a_pause_from_the_command_line_wins_over_the_yaml_until_it_ends(world: World) -> None:
    config = make_config(PRIYA)
    world.step(config, london(2026, 11, 10, 9, 0))
    world.store.record_standing("priya", Standing.PAUSED, date(2026, 11, 20), london(2026, 11, 10, 9, 0))
    assert world.step(config, london(2026, 11, 10, 9, 5)).upcoming == ()
    assert world.step(config, london(2026, 11, 20, 9, 0)).upcoming[0].checkin.start == london(2026, 11, 20, 18, 0)
    world.store.record_standing("Priya", Standing.LET_GO, None, london(2026, 11, 21, 9, 0))
    assert world.step(config, london(2026, 11, 21, 9, 5)).upcoming == ()


def test_a_preview_walks_the_coming_weeks_without_writing_anything(world: World) -> None:
    from reconnectd.policy.preview import preview

    config = make_config("- name: Rose\n  every: weekly\n  last_contact: 2026-11-05\n" + PRIYA)
    before = world.store.ledger()
    items = preview(config, before, london(2026, 11, 10, 9, 0), london(2026, 12, 1, 9, 0))
    assert [(i.checkin.person, i.start.date().isoformat()) for i in items] == [
        ("Rose", "2026-11-12"),
        ("Priya", "2026-11-16"),
        ("Rose", "2026-11-19"),
        ("Rose", "2026-11-26"),
        ("Priya", "2026-11-30"),
    ]
    assert world.store.ledger() == before


def test_check_ins_keep_to_the_allowed_days_and_the_window(world: World) -> None:
    schedule = 'schedule:\n  days: [sat, sun]\n  time: "10:00-10:30"\n  max_per_day: 5\n'
    people = "".join(f"- name: P{i}\n  every: weekly\n" for i in range(3))
    result = world.step(make_config(people, schedule), london(2026, 11, 23, 9, 0))  # a Monday
    starts = sorted(p.checkin.start for p in result.upcoming)
    assert starts == [london(2026, 11, 28, 10, 0), london(2026, 11, 28, 10, 15), london(2026, 11, 29, 10, 0)]


def test_a_schedule_that_allows_no_day_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"schedule.days: allows no day at all \(list at least one, like \[sat, sun\]\)"
    ):
        make_config("[]", "schedule:\n  days: []\n")


def test_a_day_that_is_no_day_of_the_week_is_refused() -> None:
    with pytest.raises(ConfigError, match=r'schedule.days\[0\]: "someday" is not a day of the week'):
        make_config("[]", "schedule:\n  days: [someday]\n")


def test_a_self_check_in_is_planned_with_reflection_questions_and_stays_out_of_status(world: World) -> None:
    from reconnectd.policy.status import summarize

    config = parse_config(
        "timezone: Europe/London\nself:\n  every: weekly\npeople:\n" + textwrap.indent(PRIYA, "  "), "t.yaml"
    )
    result = world.step(config, london(2026, 11, 10, 9, 0))
    (mine,) = [p for p in result.upcoming if p.checkin.person == "yourself"]
    assert mine.wording.summary == "A few minutes for yourself"
    assert mine.wording.description.count("?") >= 3
    due = world.step(config, mine.checkin.start)
    assert [n.title for n in due.nudges] == ["A few minutes for yourself"]
    assert [row.name for row in summarize(config, world.store.ledger(), mine.checkin.start)] == ["Priya"]


def test_the_self_check_in_name_is_reserved() -> None:
    with pytest.raises(ConfigError, match='"Yourself" is reserved for the self check-in'):
        make_config("- name: Yourself\n  every: weekly\n")


def test_your_own_library_adds_to_or_replaces_the_suggestions(world: World) -> None:
    mine = 'library:\n  replace: true\n  actions:\n    voice note: ["Hum them a song you both know."]\n'
    config = parse_config("timezone: Europe/London\n" + mine + "people:\n" + textwrap.indent(PRIYA, "  "), "t.yaml")
    (planned,) = world.step(config, london(2026, 11, 10, 9, 0)).upcoming
    assert planned.wording.description.splitlines()[0] == "Hum them a song you both know."
    with pytest.raises(ConfigError, match=r"library\.actions\.pigeon: unknown key"):
        parse_config("timezone: UTC\nlibrary:\n  actions:\n    pigeon: [coo]\n", "t.yaml")


@settings(max_examples=40, deadline=None)
@given(who=names, standing=st.sampled_from(["paused", "let go"]), days=st.integers(0, 400))
def test_paused_and_let_go_people_get_nothing(who: list[str], standing: str, days: int) -> None:
    listing = "".join(
        f"- name: {n}\n  every: weekly\n  status: {standing}\n  dates:\n    - birthday: 03-01\n" for n in who
    )
    now = london(2026, 11, 10, 9, 0) + timedelta(days=days)
    result = plan(make_config(listing), Ledger(), now)
    assert result.upcoming == ()
    assert result.nudges == ()


def test_a_checkin_that_would_fall_after_the_planned_years_is_not_planned_and_the_others_are() -> None:
    """A last contact at the end of the span (2999) with a yearly rhythm puts the next check-in in 3000,
    which no calendar read-back accepts: that person has nothing ahead, everyone else is planned as usual."""
    config = parse_config(
        "timezone: Africa/Abidjan\npeople:\n"
        "  - name: Far\n    every: yearly\n    last_contact: 2999-01-01\n"
        "  - name: Ana\n    every: weekly\n",
        "late.yaml",
    )
    now = datetime(2026, 12, 3, 9, tzinfo=ZoneInfo("UTC"))
    planned = plan(config, Ledger(), now).upcoming
    assert [p.checkin.person for p in planned] == ["Ana"]
    assert planned[0].checkin.start.year == 2026
