"""Birthdays, anniversaries and one-off dates: when they fall, and what they nudge. Pure."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from reconnectd.config.load import parse_config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckInStatus, Contact, Milestone, Standing
from reconnectd.policy.plan import next_moment, plan
from reconnectd.policy.preview import advance
from reconnectd.policy.settings import Config

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def config_with(dates: str, extra: str = "", top: str = "") -> Config:
    person = "- name: Priya\n  every: 2 weeks\n  last_contact: 2026-11-20\n" + textwrap.indent(extra, "  ")
    person += "  dates:\n" + textwrap.indent(dates, "    ")
    return parse_config(f"timezone: Europe/London\n{top}people:\n" + textwrap.indent(person, "  "), "t.yaml")


BIRTHDAY = "- birthday: 12-10\n  remind: 2d\n"


def test_a_yearly_date_falls_this_year_or_next_and_a_one_off_only_once() -> None:
    birthday = Milestone("birthday", 3, 14)
    assert birthday.next_on_or_after(date(2026, 3, 14)) == date(2026, 3, 14)
    assert birthday.next_on_or_after(date(2026, 3, 15)) == date(2027, 3, 14)
    talk = Milestone("big presentation", 12, 3, 2026, yearly=False)
    assert talk.next_on_or_after(date(2026, 11, 1)) == date(2026, 12, 3)
    assert talk.next_on_or_after(date(2026, 12, 4)) is None


def test_a_29_february_birthday_is_marked_on_the_28th_in_other_years() -> None:
    leapling = Milestone("birthday", 2, 29)
    assert leapling.next_on_or_after(date(2026, 12, 1)) == date(2027, 2, 28)
    assert leapling.next_on_or_after(date(2027, 3, 1)) == date(2028, 2, 29)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 1, 1)), st.integers(1, 12), st.integers(1, 31))
def test_every_yearly_date_falls_on_a_real_day_within_a_year(today: date, month: int, day: int) -> None:
    try:
        date(2000, month, day)
    except ValueError:
        return
    when = Milestone("anniversary", month, day).next_on_or_after(today)
    assert when is not None
    assert today <= when < today + timedelta(days=367)
    assert (when.month, when.day) in ((month, day), (2, 28))


def test_dates_become_all_day_events_with_their_year_in_the_uid() -> None:
    result = plan(config_with(BIRTHDAY + "- big presentation: 2026-12-03\n"), Ledger(), london(2026, 11, 28, 10, 0))
    dated = {p.checkin.label: p.checkin for p in result.upcoming if p.checkin.is_milestone}
    assert set(dated) == {"birthday", "big presentation"}
    assert dated["birthday"].start == london(2026, 12, 10, 0, 0)
    assert dated["birthday"].end == london(2026, 12, 11, 0, 0)
    assert dated["birthday"].uid.endswith("-m-birthday-2026")
    assert [p.checkin.person for p in result.upcoming if not p.checkin.is_milestone] == ["Priya"]


def nudges_between(config: Config, start: datetime, end: datetime, step: timedelta = timedelta(hours=1)) -> list[str]:
    """Every nudge a daemon would queue between two moments (keys are idempotent: first one wins)."""
    ledger, seen, moment = Ledger(), {}, start
    while moment <= end:
        result = plan(config, ledger, moment)
        ledger = advance(ledger, result)
        for nudge in result.nudges:
            seen.setdefault(nudge.key, f"{nudge.due.astimezone(LONDON):%d %b %H:%M} {nudge.title}")
        moment += step
    return sorted(seen.values())


def test_a_date_nudges_ahead_by_its_lead_time_and_on_the_day_once_each() -> None:
    config = config_with(BIRTHDAY, top='milestones:\n  time: "08:30"\n')
    titles = nudges_between(config, london(2026, 12, 7, 0, 0), london(2026, 12, 12, 0, 0))
    assert [t for t in titles if "birthday" in t] == [
        "08 Dec 08:30 Priya's birthday is in 2 days",
        "10 Dec 08:30 Priya's birthday is today",
    ]


def test_one_person_never_gets_two_nudges_on_one_day() -> None:
    config = config_with("- birthday: 12-04\n")  # the check-in is on Dec 4 as well
    titles = nudges_between(config, london(2026, 12, 3, 12, 0), london(2026, 12, 5, 0, 0))
    assert titles == ["04 Dec 09:00 Priya's birthday is today"]


def test_paused_people_are_not_nudged_and_their_dates_leave_the_calendar_by_default() -> None:
    paused = config_with(BIRTHDAY, extra="status: paused\n")
    assert nudges_between(paused, london(2026, 12, 7, 0, 0), london(2026, 12, 12, 0, 0)) == []
    assert plan(paused, Ledger(), london(2026, 12, 7, 0, 0)).upcoming == ()
    kept = config_with(BIRTHDAY, extra="status: paused\n", top="milestones:\n  keep_when_paused: true\n")
    assert [p.checkin.label for p in plan(kept, Ledger(), london(2026, 12, 7, 0, 0)).upcoming] == ["birthday"]
    assert nudges_between(kept, london(2026, 12, 7, 0, 0), london(2026, 12, 12, 0, 0)) == []
    assert kept.people[0].status is Standing.PAUSED


def test_a_date_deleted_in_the_calendar_is_skipped_and_never_comes_back_that_year() -> None:
    config = config_with(BIRTHDAY)
    first = plan(config, Ledger(), london(2026, 11, 28, 10, 0))
    ledger = advance(Ledger(), first)
    birthday = next(c for c in ledger.checkins if c.is_milestone)
    skipped = replace(
        ledger,
        checkins=tuple(replace(c, status=CheckInStatus.SKIPPED) if c == birthday else c for c in ledger.checkins),
    )
    again = plan(config, skipped, london(2026, 12, 10, 9, 0))
    assert not [p for p in again.upcoming if p.checkin.is_milestone]
    assert not [n for n in again.nudges if "birthday" in n.title]


def test_a_passed_date_stays_as_history_and_next_year_is_a_new_event() -> None:
    config = config_with(BIRTHDAY)
    ledger = advance(Ledger(), plan(config, Ledger(), london(2026, 11, 28, 10, 0)))
    after = plan(config, ledger, london(2026, 12, 11, 9, 0))
    assert [c.label for c in after.came_due if c.is_milestone] == ["birthday"]
    (next_year,) = [p.checkin for p in after.upcoming if p.checkin.is_milestone]
    assert next_year.uid.endswith("-m-birthday-2027")


def test_the_daemon_wakes_for_a_dates_nudge() -> None:
    config = config_with(BIRTHDAY + "- exam: 2026-11-30\n  remind: 0d\n")
    ledger = advance(Ledger(), plan(config, Ledger(), london(2026, 11, 29, 10, 0)))
    assert next_moment(config, ledger, london(2026, 11, 29, 10, 0)) == london(2026, 11, 30, 9, 0)


def test_a_dates_event_text_does_not_change_while_it_waits() -> None:
    config = config_with(BIRTHDAY)
    early = [p for p in plan(config, Ledger(), london(2026, 11, 1, 10, 0)).upcoming if p.checkin.is_milestone]
    late = [p for p in plan(config, Ledger(), london(2026, 12, 9, 10, 0)).upcoming if p.checkin.is_milestone]
    assert early == late
    assert early[0].wording.summary == "Priya: birthday"


def test_two_dates_on_one_day_make_one_nudge_and_none_after_you_were_in_touch() -> None:
    both = config_with("- birthday: 12-10\n- anniversary: 12-10\n")
    titles = nudges_between(both, london(2026, 12, 10, 0, 0), london(2026, 12, 10, 23, 0))
    assert len([t for t in titles if "Priya's" in t]) == 1
    config = config_with(BIRTHDAY)
    ledger = advance(Ledger(), plan(config, Ledger(), london(2026, 12, 10, 7, 0)))
    called = replace(ledger, contacts=(Contact("Priya", london(2026, 12, 10, 8, 0)),))
    assert [n for n in plan(config, called, london(2026, 12, 10, 9, 0)).nudges if "birthday" in n.title] == []
