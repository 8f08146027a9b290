"""A cadence ("every 2 weeks") as a value: calendar months plus days, and the arithmetic of adding one.

How people write cadences, and short durations, is read in grammar.py. Pure code: no clock, no I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, TypeVar, overload

_D = TypeVar("_D", date, datetime)

# A month counts as 30.44 days for comparisons; kept in hundredths so sums stay exact.
MONTH_HUNDREDTHS: Final = 3044
_LONGEST_MONTHS: Final = 120


@dataclass(frozen=True)
class Cadence:
    """How often something repeats: calendar months plus days.

    Weeks are stored as 7 days and years as 12 months. Neither part is negative
    and at least one is positive.
    """

    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        for name, value in (("months", self.months), ("days", self.days)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Cadence.{name} must be an int, not {value!r}")
            if value < 0:
                raise ValueError(f"Cadence.{name} cannot be negative, got {value}")
        if self.months == 0 and self.days == 0:
            raise ValueError("a Cadence needs at least 1 day or 1 month")

    @overload
    def after(self, moment: datetime) -> datetime: ...
    @overload
    def after(self, moment: date) -> date: ...
    def after(self, moment: date) -> date:
        """The moment one cadence later: calendar months first (Jan 31 + 1 month is the
        last day of February), then days. Aware datetimes only; dates work too."""
        days = timedelta(days=self.days)
        if not isinstance(moment, datetime):
            return _plus_months(moment, self.months) + days
        zone = moment.tzinfo
        if zone is None or moment.utcoffset() is None:
            raise ValueError(f"need a timezone-aware datetime, got {moment!r}")
        # Wall-clock arithmetic keeps 18:00 at 18:00 across DST; an ambiguous result takes its
        # first occurrence (fold=0) and one inside a spring-forward gap moves on by the gap.
        wall = _plus_months(moment.replace(tzinfo=None), self.months) + days
        return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)

    def approx_days(self) -> float:
        """Length in days, a month counting 30.44: for ordering, never for dates."""
        return (self.months * MONTH_HUNDREDTHS + self.days * 100) / 100

    def __str__(self) -> str:
        named = _NAME_OF.get(self)
        if named is not None:
            return named
        phrases = [p for p in (_months_phrase(self.months), _days_phrase(self.days)) if p]
        return "every " + " and ".join(phrases)


def _plus_months(moment: _D, months: int) -> _D:
    """Calendar months later, on the same day or the month's last (as dateutil's relativedelta does)."""
    if months == 0:
        return moment
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _months_phrase(months: int) -> str:
    if months == 0:
        return ""
    return _counted(months // 12, "year") if months % 12 == 0 else _counted(months, "month")


def _days_phrase(days: int) -> str:
    if days == 0:
        return ""
    return _counted(days // 7, "week") if days % 7 == 0 else _counted(days, "day")


LONGEST_CADENCE: Final = Cadence(months=_LONGEST_MONTHS)

# The named cadences, as written in the YAML; grammar.py reads them too.
NAMED: Final[Mapping[str, Cadence]] = {
    "daily": Cadence(days=1),
    "weekly": Cadence(days=7),
    "fortnightly": Cadence(days=14),
    "monthly": Cadence(months=1),
    "quarterly": Cadence(months=3),
    "yearly": Cadence(months=12),
    "annually": Cadence(months=12),
}
# The canonical name of each named cadence ("yearly", not "annually").
_NAME_OF: Final[Mapping[Cadence, str]] = {cadence: name for name, cadence in reversed(list(NAMED.items()))}
