"""The report's figures, worked out without any HTML: rows, standings, streaks, totals and the timeline's scale."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reconnectd.config.load import parse_config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckIn, CheckInStatus, Contact, Outcome
from reconnectd.policy.settings import Config
from reconnectd.report.figures import (
    LEFT,
    RIGHT,
    ContactMark,
    Row,
    Standing,
    Streak,
    Totals,
    Window,
    figures_for,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=LONDON)  # a Saturday
TODAY = date(2026, 11, 28)


def config(people: str) -> Config:
    """People under a London config, with patience off so that overdue days are plain cadences."""
    head = "timezone: Europe/London\npatience:\n  growth: 1\npeople:\n"
    return parse_config(head + textwrap.indent(textwrap.dedent(people), "  "), "t.yaml")


def evening(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 18, 0, tzinfo=LONDON)


def checkin(person: str, seq: int, when: datetime, status: CheckInStatus, label: str | None = None) -> CheckIn:
    return CheckIn(person, seq, when, when + timedelta(minutes=15), "basis", status, label=label)


def row_of(people: str, ledger: Ledger, now: datetime = NOW) -> Row:
    (row,) = figures_for(config(people), ledger, now).rows
    return row


# --- the window and its scale ------------------------------------------------------------


def test_a_new_users_window_is_four_weeks_back_and_two_ahead_in_whole_weeks_in_the_configured_zone() -> None:
    figures = figures_for(config("- name: Sam\n  every: monthly\n"), Ledger(), NOW.astimezone(UTC))
    # Nothing recorded: from the Monday of the week four weeks back to the Sunday two weeks ahead.
    assert figures.window == Window(date(2026, 10, 26), date(2026, 12, 13), TODAY)
    assert figures.window.weeks == 7
    assert figures.now == NOW
    assert str(figures.now.tzinfo) == "Europe/London"
    # 00:30 in London on 1 December is still 30 November in UTC: the window follows London.
    late = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
    assert figures_for(config("- name: Sam\n  every: monthly\n"), Ledger(), late).window.today == date(2026, 11, 30)


def test_the_window_starts_at_the_week_of_the_first_contact_or_check_in_of_the_last_year() -> None:
    people = "- name: Sam\n  every: monthly\n- name: Ana\n  every: weekly\n"
    contact = Ledger(contacts=(Contact("Sam", evening(2026, 9, 10)),))  # a Thursday
    assert figures_for(config(people), contact, NOW).window.start == date(2026, 9, 7)
    skipped = Ledger(checkins=(checkin("Ana", 1, evening(2026, 8, 2), CheckInStatus.SKIPPED),))  # a Sunday
    assert figures_for(config(people), skipped, NOW).window.start == date(2026, 7, 27)
    from_yaml = config("- name: Sam\n  every: monthly\n  last_contact: 2026-06-01\n")
    assert figures_for(from_yaml, Ledger(), NOW).window.start == date(2026, 6, 1)
    # The window reaches back a year and no further (the Monday of 29 Nov 2025 is a year and 4 days
    # ago), and a contact older than that sets nothing.
    old = Ledger(contacts=(Contact("Sam", evening(2024, 3, 1)), Contact("Sam", evening(2025, 11, 29))))
    assert figures_for(config(people), old, NOW).window.start == date(2025, 11, 28)
    only_ancient = Ledger(contacts=(Contact("Sam", evening(2024, 3, 1)),))
    assert figures_for(config(people), only_ancient, NOW).window.start == date(2026, 10, 26)


def test_the_window_ends_at_the_week_of_the_last_next_check_in_at_most_eight_weeks_ahead() -> None:
    people = "- name: Sam\n  every: monthly\n  last_contact: 2026-11-20\n"  # next check-in on 20 December
    assert figures_for(config(people), Ledger(), NOW).window.end == date(2026, 12, 20)
    yearly = "- name: Sam\n  every: yearly\n  last_contact: 2026-11-20\n"  # next check-in in November 2027
    assert figures_for(config(yearly), Ledger(), NOW).window.end == date(2027, 1, 24)


def test_the_weeks_of_a_window_are_its_mondays() -> None:
    window = Window(date(2026, 10, 26), date(2026, 12, 13), TODAY)
    assert window.week_starts() == [date(2026, 10, 26)] + [date(2026, 11, d) for d in (2, 9, 16, 23, 30)] + [
        date(2026, 12, 7)
    ]
    assert Window(date(2026, 10, 28), date(2026, 11, 1), TODAY).week_starts() == []
    assert Window(date(2026, 10, 28), date(2026, 11, 2), TODAY).week_starts() == [date(2026, 11, 2)]


def test_a_day_sits_at_its_middle_on_the_scale_and_days_outside_are_clamped_to_the_ends() -> None:
    window = Window(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 5))  # ten days
    day = (RIGHT - LEFT) / 10
    assert window.x(date(2026, 1, 1)) == pytest.approx(LEFT + day / 2)
    assert window.x(date(2026, 1, 10)) == pytest.approx(RIGHT - day / 2)
    assert window.x(date(2025, 12, 1)) == LEFT
    assert window.x(date(2026, 2, 1)) == RIGHT
    assert window.edge(date(2026, 1, 2)) == pytest.approx(LEFT + day)
    assert date(2026, 1, 10) in window
    assert date(2026, 1, 11) not in window
    assert "2026-01-05" not in window


def test_the_months_begin_after_the_first_day_of_the_window_and_cross_the_new_year() -> None:
    window = Window(date(2025, 11, 28), date(2027, 1, 23), TODAY)
    starts = window.month_starts()
    assert starts[0] == date(2025, 12, 1)
    assert starts[-1] == date(2027, 1, 1)
    assert len(starts) == 14
    assert all(d.day == 1 for d in starts)
    # A window that starts on the 1st does not count its own first month as beginning inside it.
    assert Window(date(2026, 3, 1), date(2026, 5, 31), date(2026, 4, 1)).month_starts() == [
        date(2026, 4, 1),
        date(2026, 5, 1),
    ]


# --- each row ------------------------------------------------------------------------------


def test_rows_follow_the_config_order_and_contacts_of_someone_not_listed_are_in_no_row() -> None:
    people = "- name: Priya\n  every: weekly\n- name: Sam\n  every: monthly\n"
    ledger = Ledger(contacts=(Contact("Alex", evening(2026, 11, 1)), Contact("sam", evening(2026, 11, 2))))
    figures = figures_for(config(people), ledger, NOW)
    assert [(r.index, r.person.name) for r in figures.rows] == [(0, "Priya"), (1, "Sam")]
    assert [m.day for r in figures.rows for m in r.contacts] == [date(2026, 11, 2)]  # Sam's, matched loosely


def test_a_row_has_every_contact_oldest_first_and_the_yaml_date_only_when_no_contact_is_recorded_that_day() -> None:
    ledger = Ledger(
        contacts=(
            Contact("Priya", evening(2026, 11, 2), note="coffee"),
            Contact("Priya", evening(2025, 10, 1)),  # more than a year ago: still hers
            Contact("Priya", evening(2026, 10, 5), Outcome.NO_REPLY, source="calendar"),
        )
    )
    same_day = row_of("- name: Priya\n  every: 2 weeks\n  last_contact: 2026-11-02\n", ledger)
    assert same_day.contacts == (
        ContactMark(date(2025, 10, 1), Outcome.REPLIED, None, "cli"),
        ContactMark(date(2026, 10, 5), Outcome.NO_REPLY, None, "calendar"),
        ContactMark(date(2026, 11, 2), Outcome.REPLIED, "coffee", "cli"),
    )
    other_day = row_of("- name: Priya\n  every: 2 weeks\n  last_contact: 2026-10-20\n", ledger)
    assert [(m.day, m.outcome) for m in other_day.contacts] == [
        (date(2025, 10, 1), Outcome.REPLIED),
        (date(2026, 10, 5), Outcome.NO_REPLY),
        (date(2026, 10, 20), None),
        (date(2026, 11, 2), Outcome.REPLIED),
    ]


def test_a_contact_counts_on_its_day_in_the_configured_zone() -> None:
    late = Contact("Priya", datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 July in London
    assert row_of("- name: Priya\n  every: weekly\n", Ledger(contacts=(late,))).contacts[0].day == date(2026, 7, 1)


def test_passed_check_ins_include_scheduled_ones_whose_time_came_and_skipped_ones_are_apart() -> None:
    ledger = Ledger(
        checkins=(
            checkin("Sam", 1, evening(2026, 8, 10), CheckInStatus.SKIPPED),
            checkin("Sam", 2, evening(2026, 9, 1), CheckInStatus.DONE),
            checkin("Sam", 3, evening(2026, 10, 31), CheckInStatus.WITHDRAWN),
            checkin("Sam", 4, evening(2026, 11, 10), CheckInStatus.PASSED),
            checkin("Sam", 5, evening(2026, 11, 27), CheckInStatus.SCHEDULED),  # its time came; no sync since
            checkin("Sam", 6, evening(2026, 12, 12), CheckInStatus.SCHEDULED),
            checkin("Sam", 2026, evening(2026, 7, 4), CheckInStatus.PASSED, label="birthday"),  # a date, not a check-in
        )
    )
    row = row_of("- name: Sam\n  every: monthly\n", ledger)
    assert row.passed == (date(2026, 11, 10), date(2026, 11, 27))
    assert row.skipped == (date(2026, 8, 10),)


def test_the_next_check_in_is_given_in_the_configured_zone() -> None:
    row = row_of("- name: Sam\n  every: monthly\n", Ledger(), NOW.astimezone(UTC))
    assert row.next_checkin is not None
    assert row.next_checkin == row.status.next_checkin
    assert str(row.next_checkin.tzinfo) == "Europe/London"
    assert row.next_checkin.date() == TODAY  # someone new gets a first check-in at once


# --- standing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "standing", "due"),
    [
        ("every: monthly\n  last_contact: 2026-10-10", Standing.OVERDUE, date(2026, 11, 10)),
        ("every: weekly\n  last_contact: 2026-11-27", Standing.DUE, date(2026, 12, 4)),  # in 6 days
        ("every: weekly\n  last_contact: 2026-11-28", Standing.ON_TRACK, date(2026, 12, 5)),  # in 7 days
        ("every: monthly", Standing.DUE, TODAY),  # nothing known: the first check-in is planned for today
        ("every: monthly\n  status: paused", Standing.NEW, None),  # nothing known and nothing planned
    ],
    ids=["overdue", "due-in-6-days", "on-track-in-7-days", "first-check-in", "paused-unknown"],
)
def test_standing_is_overdue_due_within_a_week_on_track_or_new(person: str, standing: Standing, due: date) -> None:
    row = row_of(f"- name: Sam\n  {person}\n", Ledger())
    assert (row.standing, row.due) == (standing, due)
    assert (row.status.overdue_days > 0) is (standing is Standing.OVERDUE)


def test_an_overdue_person_is_overdue_by_the_days_since_the_cadence_ran_out() -> None:
    row = row_of("- name: Sam\n  every: monthly\n", Ledger(contacts=(Contact("Sam", evening(2026, 10, 10)),)))
    assert row.standing is Standing.OVERDUE
    assert row.status.overdue_days == 18  # due on 10 November


# --- a contact dated ahead ----------------------------------------------------------------------


def test_a_contact_dated_after_today_is_not_drawn_and_counted_nowhere() -> None:
    # `done` refuses a future date; a store written by an older version may still hold one.
    ledger = Ledger(
        contacts=(
            Contact("Sam", evening(2026, 11, 1)),
            Contact("Sam", datetime(2026, 11, 28, 20, 0, tzinfo=LONDON), Outcome.NO_REPLY),  # tonight: today
            Contact("Sam", evening(2027, 5, 1), Outcome.NO_REPLY),  # a typo for 2026
        )
    )
    figures = figures_for(config("- name: Sam\n  every: monthly\n  last_contact: 2026-12-24\n"), ledger, NOW)
    (row,) = figures.rows
    assert [m.day for m in row.contacts] == [date(2026, 11, 1), TODAY]
    assert row.streak == Streak(Outcome.NO_REPLY, 1)  # tonight's, not May's
    assert figures.totals.contacts == 2
    assert figures.window.end <= TODAY + timedelta(days=62)


# --- streaks -----------------------------------------------------------------------------------


def test_the_streak_is_the_run_of_equal_outcomes_ending_at_the_latest_recorded_contact() -> None:
    contacts = (  # out of order on purpose: the streak follows time, not the ledger's order
        Contact("Sam", evening(2026, 10, 10), Outcome.NO_REPLY),
        Contact("Sam", evening(2026, 8, 1)),
        Contact("Sam", evening(2026, 11, 1), Outcome.NO_REPLY),
        Contact("Sam", evening(2026, 9, 1)),
    )
    later_yaml = "- name: Sam\n  every: monthly\n  last_contact: 2026-11-20\n"  # a YAML date has no outcome
    assert row_of(later_yaml, Ledger(contacts=contacts)).streak == Streak(Outcome.NO_REPLY, 2)
    assert row_of(later_yaml, Ledger(contacts=contacts[:2])).streak == Streak(Outcome.NO_REPLY, 1)
    assert row_of(later_yaml, Ledger(contacts=contacts[1:2])).streak == Streak(Outcome.REPLIED, 1)
    assert row_of(later_yaml, Ledger()).streak is None


# --- totals ------------------------------------------------------------------------------------


def test_the_totals_count_the_contacts_of_the_year_up_to_today_and_the_share_answered() -> None:
    people = """\
        - name: Ana
          every: monthly
        - name: Ben
          every: monthly
          last_contact: 2026-10-01
        - name: Cy
          every: weekly
          last_contact: 2026-11-25
        """
    ledger = Ledger(
        contacts=(
            Contact("Ana", evening(2025, 11, 27)),  # a year and a day ago: not in the year
            Contact("Ana", evening(2025, 11, 28)),  # a year ago to the day: in
            Contact("Ana", evening(2026, 6, 1), Outcome.NO_REPLY),
            Contact("Ana", datetime(2026, 11, 28, 9, 0, tzinfo=LONDON)),  # this morning
        )
    )
    figures = figures_for(config(people), ledger, NOW)
    # Ana: in touch today, on track. Ben: due on 1 November, 27 days overdue. Cy: due on 2 December.
    assert [r.standing for r in figures.rows] == [Standing.ON_TRACK, Standing.OVERDUE, Standing.DUE]
    assert figures.totals == Totals(people=3, due=1, overdue=1, contacts=5, known=3, replied=2)
    assert figures.totals.replied_percent == 67


def test_the_share_answered_is_unknown_without_a_recorded_outcome() -> None:
    figures = figures_for(config("- name: Ben\n  every: monthly\n  last_contact: 2026-10-01\n"), Ledger(), NOW)
    assert figures.totals == Totals(people=1, due=0, overdue=1, contacts=1, known=0, replied=0)
    assert figures.totals.replied_percent is None
    empty = figures_for(parse_config("timezone: Europe/London\n", "t.yaml"), Ledger(), NOW)
    assert empty.rows == ()
    assert empty.totals == Totals(people=0, due=0, overdue=0, contacts=0, known=0, replied=0)


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        figures_for(config("- name: Sam\n  every: monthly\n"), Ledger(), datetime(2026, 11, 28, 10, 0))  # noqa: DTZ001
