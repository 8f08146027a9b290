"""Cadences and durations: what people may write, what it means, and how refusals read."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from reconnectd.policy.cadence import LONGEST_CADENCE, Cadence
from reconnectd.policy.grammar import CadenceError, DurationError, parse_cadence, parse_duration

LONDON = ZoneInfo("Europe/London")
GENERIC_CADENCE_HINT = '"2 weeks", "monthly", "10d" or "P2W"'
GENERIC_DURATION_HINT = '"15m", "2h" or "PT15M"'

DAILY = Cadence(days=1)
WEEKLY = Cadence(days=7)
FORTNIGHTLY = Cadence(days=14)
MONTHLY = Cadence(months=1)
YEARLY = Cadence(months=12)

ACCEPTED_CADENCES = [
    # named
    ("daily", DAILY),
    ("weekly", WEEKLY),
    ("fortnightly", FORTNIGHTLY),
    ("monthly", MONTHLY),
    ("quarterly", Cadence(months=3)),
    ("yearly", YEARLY),
    ("annually", YEARLY),
    ("  Weekly\n", WEEKLY),
    ("MONTHLY", MONTHLY),
    # every N units, singular and plural
    ("every day", DAILY),
    ("every week", WEEKLY),
    ("every month", MONTHLY),
    ("every year", YEARLY),
    ("every 1 week", WEEKLY),
    ("every 3 days", Cadence(days=3)),
    ("every 5 weeks", Cadence(days=35)),
    ("every 2 months", Cadence(months=2)),
    ("every 18 months", Cadence(months=18)),
    ("every 2 years", Cadence(months=24)),
    ("Every   2\tWeeks", FORTNIGHTLY),
    ("every fortnight", FORTNIGHTLY),
    ("every other week", FORTNIGHTLY),
    ("every other month", Cadence(months=2)),
    # without "every"
    ("2 weeks", FORTNIGHTLY),
    ("10 days", Cadence(days=10)),
    ("3 months", Cadence(months=3)),
    ("1 year", YEARLY),
    ("1 day", DAILY),
    # short forms: m is months here
    ("10d", Cadence(days=10)),
    ("3w", Cadence(days=21)),
    ("2m", Cadence(months=2)),
    ("1y", YEARLY),
    ("3 w", Cadence(days=21)),
    ("2 wks", FORTNIGHTLY),
    ("6 mos", Cadence(months=6)),
    # mixed
    ("every 1 month and 3 days", Cadence(months=1, days=3)),
    ("every month and 3 days", Cadence(months=1, days=3)),
    ("every 1 year and 2 weeks", Cadence(months=12, days=14)),
    ("1 year, 2 months and 3 days", Cadence(months=14, days=3)),
    ("1y2m", Cadence(months=14)),
    ("2 weeks 3 days", Cadence(days=17)),
    # ISO 8601, date parts only
    ("P2W", FORTNIGHTLY),
    ("P10D", Cadence(days=10)),
    ("P1M", MONTHLY),
    ("P1Y", YEARLY),
    ("P1Y2M10D", Cadence(months=14, days=10)),
    ("P1W3D", Cadence(days=10)),
    ("p2w", FORTNIGHTLY),
    # the longest allowed: 10 years, months counting 30.44 days
    ("every 10 years", Cadence(months=120)),
    ("P10Y", Cadence(months=120)),
    ("every 3652 days", Cadence(days=3652)),
    ("every 500 weeks", Cadence(days=3500)),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED_CADENCES)
def test_accepted_cadences(text: str, expected: Cadence) -> None:
    assert parse_cadence(text) == expected


REJECTED_CADENCES = [
    ("fortnightlyish", '"2 weeks" or "fortnightly"', ""),
    ("montly", '"every month" or "monthly"', ""),
    ("wekly", '"every week" or "weekly"', ""),
    ("every 2 weaks", '"every 2 weeks"', ""),
    ("3 mounths", '"3 months"', ""),
    ("biweekly", '"2 weeks" or "fortnightly"', "it is ambiguous"),
    ("Bi-Weekly", '"2 weeks" or "fortnightly"', "it is ambiguous"),
    ("bimonthly", '"2 months"', "it is ambiguous"),
    ("0 days", '"1 day" or "daily"', "it must be at least 1 day"),
    ("every 0 weeks", '"1 day" or "daily"', "it must be at least 1 day"),
    ("P0D", '"1 day" or "daily"', "it must be at least 1 day"),
    ("every 600 weeks", '"every 10 years"', "the longest cadence is 10 years"),
    ("every 3653 days", '"every 10 years"', "the longest cadence is 10 years"),
    ("P20Y", '"every 10 years"', "the longest cadence is 10 years"),
    ("P10Y1D", '"every 10 years"', "the longest cadence is 10 years"),
    ("every 99999999999999999999999 days", '"every 10 years"', "the longest cadence is 10 years"),
    ("PT12H", '"1d" or "daily"', "cadences are whole days or longer"),
    ("P1DT2H", '"1d" or "daily"', "cadences are whole days or longer"),
    ("every 12 hours", '"1d" or "daily"', "cadences are whole days or longer"),
    ("30 min", '"1d" or "daily"', "cadences are whole days or longer"),
    ("hourly", '"1d" or "daily"', "cadences are whole days or longer"),
    ("-3 days", '"3 days"', "it cannot be negative"),
    ("every -2 weeks", '"every 2 weeks"', "it cannot be negative"),
    ("P-1D", '"P1D"', "it cannot be negative"),
    ("1.5 weeks", GENERIC_CADENCE_HINT, "use whole numbers"),
    ("", GENERIC_CADENCE_HINT, ""),
    ("whenever", GENERIC_CADENCE_HINT, ""),
    ("every", GENERIC_CADENCE_HINT, ""),
    ("every two weeks", GENERIC_CADENCE_HINT, ""),
    ("2 weeks please", GENERIC_CADENCE_HINT, ""),
    ("2 weeks 3 weeks", GENERIC_CADENCE_HINT, ""),
    ("weeks", GENERIC_CADENCE_HINT, ""),
    ("P", GENERIC_CADENCE_HINT, ""),
    ("P2X", GENERIC_CADENCE_HINT, ""),
]


@pytest.mark.parametrize(("text", "hint", "why"), REJECTED_CADENCES)
def test_rejected_cadences_explain_what_to_write(text: str, hint: str, why: str) -> None:
    with pytest.raises(CadenceError) as caught:
        parse_cadence(text)
    reason = f": {why}" if why else ""
    assert str(caught.value) == f'"{text}" is not a cadence{reason} (try {hint})'
    assert caught.value.text == text
    assert caught.value.hint == hint


def test_cadence_error_message_reads_well() -> None:
    with pytest.raises(ValueError, match=re.escape("""(try "2 weeks" or "fortnightly")""")):
        parse_cadence("fortnightlyish")
    with pytest.raises(CadenceError) as caught:
        parse_cadence("  fortnightlyish ")
    assert str(caught.value) == '"fortnightlyish" is not a cadence (try "2 weeks" or "fortnightly")'
    assert caught.value.text == "  fortnightlyish "


def test_m_means_months_in_a_cadence_but_minutes_in_a_duration() -> None:
    assert parse_cadence("15m") == Cadence(months=15)
    assert parse_duration("15m") == timedelta(minutes=15)


@pytest.mark.parametrize(("months", "days"), [(0, 0), (-1, 5), (2, -1), (True, 0), (1.5, 0)], ids=repr)
def test_cadence_needs_a_positive_whole_length(months: object, days: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        Cadence(months=months, days=days)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cadence", "text"),
    [
        (DAILY, "daily"),
        (WEEKLY, "weekly"),
        (FORTNIGHTLY, "fortnightly"),
        (MONTHLY, "monthly"),
        (Cadence(months=3), "quarterly"),
        (YEARLY, "yearly"),
        (Cadence(days=3), "every 3 days"),
        (Cadence(days=21), "every 3 weeks"),
        (Cadence(days=35), "every 5 weeks"),
        (Cadence(months=2), "every 2 months"),
        (Cadence(months=18), "every 18 months"),
        (Cadence(months=24), "every 2 years"),
        (Cadence(months=1, days=3), "every 1 month and 3 days"),
        (Cadence(months=12, days=14), "every 1 year and 2 weeks"),
        (Cadence(months=14, days=1), "every 14 months and 1 day"),
    ],
)
def test_cadences_print_in_friendly_english(cadence: Cadence, text: str) -> None:
    assert str(cadence) == text


def test_approx_days_orders_cadences_by_length() -> None:
    assert MONTHLY.approx_days() == 30.44
    assert FORTNIGHTLY.approx_days() == 14
    assert Cadence(months=1, days=3).approx_days() == pytest.approx(33.44)
    by_length = sorted([YEARLY, Cadence(days=35), MONTHLY, Cadence(days=28), DAILY], key=Cadence.approx_days)
    assert by_length == [DAILY, Cadence(days=28), MONTHLY, Cadence(days=35), YEARLY]


@pytest.mark.parametrize(
    ("start", "cadence", "expected"),
    [
        (date(2027, 1, 31), MONTHLY, date(2027, 2, 28)),
        (date(2028, 1, 31), MONTHLY, date(2028, 2, 29)),
        (date(2026, 11, 30), Cadence(months=3), date(2027, 2, 28)),
        (date(2028, 2, 29), YEARLY, date(2029, 2, 28)),
        (date(2027, 1, 31), Cadence(months=1, days=1), date(2027, 3, 1)),
        (date(2026, 12, 28), WEEKLY, date(2027, 1, 4)),
    ],
)
def test_after_adds_calendar_months_then_days(start: date, cadence: Cadence, expected: date) -> None:
    assert cadence.after(start) == expected


def test_after_keeps_the_type_it_was_given() -> None:
    assert type(WEEKLY.after(date(2026, 5, 1))) is date
    moment = datetime(2026, 5, 1, 9, 0, tzinfo=LONDON)
    later = WEEKLY.after(moment)
    assert type(later) is datetime
    assert later.tzinfo is LONDON


def test_weekly_stays_at_the_same_local_time_across_the_autumn_clock_change() -> None:
    before = datetime(2026, 10, 20, 18, 0, tzinfo=LONDON)  # BST; clocks go back on the 25th
    after = WEEKLY.after(before)
    assert (after.date(), after.time()) == (date(2026, 10, 27), before.time())
    assert after.utcoffset() == timedelta(0)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(days=7, hours=1)


def test_monthly_stays_at_the_same_local_time_across_the_spring_clock_change() -> None:
    new_york = ZoneInfo("America/New_York")
    before = datetime(2026, 2, 20, 9, 0, tzinfo=new_york)
    after = MONTHLY.after(before)
    assert (after.date(), after.time()) == (date(2026, 3, 20), before.time())
    assert after.utcoffset() == timedelta(hours=-4)


def test_a_time_skipped_by_the_clocks_moves_forward_by_the_gap() -> None:
    before = datetime(2027, 3, 27, 1, 30, tzinfo=LONDON)  # 01:30 does not exist on the 28th
    after = DAILY.after(before)
    assert (after.date(), after.time()) == (date(2027, 3, 28), time(2, 30))
    assert after.utcoffset() == timedelta(hours=1)


def test_a_time_repeated_by_the_clocks_means_its_first_occurrence() -> None:
    before = datetime(2026, 10, 24, 1, 30, tzinfo=LONDON)  # 01:30 happens twice on the 25th
    after = DAILY.after(before)
    assert (after.date(), after.time(), after.fold) == (date(2026, 10, 25), before.time(), 0)
    assert after.utcoffset() == timedelta(hours=1)


def test_after_works_with_fixed_offsets() -> None:
    plus_two = timezone(timedelta(hours=2))
    moment = datetime(2026, 1, 31, 23, 30, tzinfo=plus_two)
    assert MONTHLY.after(moment) == datetime(2026, 2, 28, 23, 30, tzinfo=plus_two)


def test_after_refuses_naive_datetimes() -> None:
    naive = datetime(2026, 5, 1, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        WEEKLY.after(naive)


ACCEPTED_DURATIONS = [
    ("15m", timedelta(minutes=15)),
    ("15 min", timedelta(minutes=15)),
    ("15 mins", timedelta(minutes=15)),
    ("15 minutes", timedelta(minutes=15)),
    ("2h", timedelta(hours=2)),
    ("2 H", timedelta(hours=2)),
    ("1 hour", timedelta(hours=1)),
    ("30s", timedelta(seconds=30)),
    ("90 seconds", timedelta(seconds=90)),
    ("1d", timedelta(days=1)),
    ("1w", timedelta(weeks=1)),
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("1h 30m", timedelta(hours=1, minutes=30)),
    ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
    ("2d, 3h", timedelta(days=2, hours=3)),
    ("PT15M", timedelta(minutes=15)),
    ("P1D", timedelta(days=1)),
    ("PT1H30M", timedelta(hours=1, minutes=30)),
    ("P1DT12H", timedelta(days=1, hours=12)),
    ("P2W", timedelta(weeks=2)),
    ("pt90s", timedelta(seconds=90)),
    ("0", timedelta(0)),
    ("0s", timedelta(0)),
    ("PT0S", timedelta(0)),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED_DURATIONS)
def test_accepted_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


REJECTED_DURATIONS = [
    ("15 mins please", GENERIC_DURATION_HINT, ""),
    ("15 minuts", '"15 minutes"', ""),
    ("every 15 minutes", '"15 minutes"', ""),
    ("-5m", '"5m"', "it cannot be negative"),
    ("PT-5M", '"PT5M"', "it cannot be negative"),
    ("1.5h", GENERIC_DURATION_HINT, "use whole numbers"),
    ("P1M", '"30d" or "4w"', "months and years have no fixed length"),
    ("P1Y2D", '"30d" or "4w"', "months and years have no fixed length"),
    ("2 months", '"30d" or "4w"', "months and years have no fixed length"),
    ("15", '"15m" or "15s"', "it needs a unit"),
    ("99999999999999", GENERIC_DURATION_HINT, "it needs a unit"),
    ("99999999999999 weeks", GENERIC_DURATION_HINT, "it is too long"),
    ("", GENERIC_DURATION_HINT, ""),
    ("P", GENERIC_DURATION_HINT, ""),
    ("PT", GENERIC_DURATION_HINT, ""),
    ("P1DT", GENERIC_DURATION_HINT, ""),
    ("1h 2h", GENERIC_DURATION_HINT, ""),
    ("hour", GENERIC_DURATION_HINT, ""),
]


@pytest.mark.parametrize(("text", "hint", "why"), REJECTED_DURATIONS)
def test_rejected_durations_explain_what_to_write(text: str, hint: str, why: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    reason = f": {why}" if why else ""
    assert str(caught.value) == f'"{text}" is not a duration{reason} (try {hint})'
    assert caught.value.text == text
    assert caught.value.hint == hint
    assert isinstance(caught.value, ValueError)


# Properties

cadences = (
    st.tuples(st.integers(0, 120), st.integers(0, 3650))
    .filter(lambda length: length != (0, 0))
    .map(lambda length: Cadence(months=length[0], days=length[1]))
)


@given(cadences, st.dates(date(1990, 1, 1), date(2100, 12, 31)))
def test_a_day_plus_a_cadence_is_calendar_months_then_days(cadence: Cadence, start: date) -> None:
    assert cadence.after(start) == start + relativedelta(months=cadence.months) + timedelta(days=cadence.days)


@given(cadences)
def test_friendly_form_parses_back_to_the_same_cadence(cadence: Cadence) -> None:
    if cadence.approx_days() <= LONGEST_CADENCE.approx_days():
        assert parse_cadence(str(cadence)) == cadence
    else:
        with pytest.raises(CadenceError, match="the longest cadence is 10 years"):
            parse_cadence(str(cadence))


@given(cadences, st.dates(max_value=date(9000, 1, 1)))
def test_after_is_always_later_for_dates(cadence: Cadence, start: date) -> None:
    assert cadence.after(start) > start


@given(
    cadences,
    st.datetimes(
        min_value=datetime(1970, 1, 1),  # noqa: DTZ001 - Hypothesis bounds are naive
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.timezones(),
        allow_imaginary=False,
    ),
)
def test_after_keeps_the_wall_clock_and_moves_forward_in_time(cadence: Cadence, start: datetime) -> None:
    later = cadence.after(start)
    assert later.tzinfo is start.tzinfo
    assert later.astimezone(UTC) > start.astimezone(UTC)
    # Same local time, unless the clocks skipped it; then moved forward by at most the gap.
    intended = start.replace(tzinfo=None) + relativedelta(months=cadence.months, days=cadence.days)
    assert timedelta(0) <= later.replace(tzinfo=None) - intended <= timedelta(days=1)


@given(
    st.integers(0, 366 * 24 - 1),
    st.integers(0, 59),
    st.sampled_from(["{h}h {m}m", "{h}h{m}m", "{h} hours {m} minutes", "{h} hr and {m} min", "PT{h}H{m}M"]),
)
def test_hours_and_minutes_parse_to_the_same_timedelta(hours: int, minutes: int, form: str) -> None:
    text = form.format(h=hours, m=minutes)
    assert parse_duration(text) == timedelta(hours=hours, minutes=minutes)


def test_durations_are_short_spans_of_a_year_at_most() -> None:
    assert parse_duration("366d") == timedelta(days=366)
    with pytest.raises(DurationError, match="it is too long"):
        parse_duration("367d")


def quoted_suggestions(hint: str) -> list[str]:
    return re.findall(r'"([^"]*)"', hint)


near_cadences = st.one_of(
    st.text(max_size=30),
    st.from_regex(
        r"(every )?-?[0-9]{1,5}(\.5)? ?(days|weeks|wk|mnths|yaers|hours|min|m|fortnight)",
        fullmatch=True,
    ),
    st.from_regex(r"P[0-9]{0,3}[YMWDTHS-]{0,4}[0-9]{0,3}[YMWDTHS]?", fullmatch=True),
)


@given(near_cadences)
def test_any_text_is_a_cadence_or_a_refusal_whose_suggestions_work(text: str) -> None:
    try:
        parse_cadence(text)
    except CadenceError as refusal:
        suggestions = quoted_suggestions(refusal.hint)
        assert suggestions
        for suggestion in suggestions:
            parse_cadence(suggestion)


near_durations = st.one_of(
    st.text(max_size=30),
    st.from_regex(
        r"(every )?-?[0-9]{1,16}(\.5)? ?(s|secs|m|mins|minuts|h|hours|d|wk|months)?",
        fullmatch=True,
    ),
    st.from_regex(r"P[0-9]{0,3}[YMWDTHS-]{0,4}[0-9]{0,3}[YMWDTHS]?", fullmatch=True),
)


@given(near_durations)
def test_any_text_is_a_duration_or_a_refusal_whose_suggestions_work(text: str) -> None:
    try:
        parse_duration(text)
    except DurationError as refusal:
        suggestions = quoted_suggestions(refusal.hint)
        assert suggestions
        for suggestion in suggestions:
            parse_duration(suggestion)
