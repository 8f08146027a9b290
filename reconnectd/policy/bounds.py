"""The span of years reconnectd plans in, defined once. Pure.

Every date or moment the user gives (config, command line) must fall in it, and a row or object
outside it is skipped: date arithmetic near year 1 or 9999 overflows, and no friendship needs it.
"""

from __future__ import annotations

from datetime import date, datetime

EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
SPAN = f"{EARLIEST_YEAR} to {LATEST_YEAR}"
OUTSIDE = '"{text}" is outside the years reconnectd plans in (write a date from ' + SPAN + ")"  # the one refusal


def within(moment: date | datetime) -> bool:
    """True when the day lies inside the span (a moment's offset moves it by less than a day)."""
    return EARLIEST_YEAR <= moment.year <= LATEST_YEAR
