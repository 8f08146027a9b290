"""Where check-ins go in the day: free slots at the schedule's time, one event length apart. Pure.

Local times are resolved by one rule (`local_time`): a time that does not exist (the clocks
jump forward over it) is shifted forward by the gap; a time that happens twice (the clocks go
back) is its first occurrence. Lengths are absolute: `later` adds real minutes, so an event
always ends after it starts and slots keep their order across a change of the clocks.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from reconnectd.policy.settings import Schedule


def local_time(day: date, at: time, tz: tzinfo) -> datetime:
    """`at` on `day` in `tz`: a skipped time moves forward by the gap, a doubled time is the first."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC).astimezone(tz)


def later(start: datetime, length: timedelta) -> datetime:
    """`length` of real time after `start`, in start's zone (not wall-clock arithmetic)."""
    return (start.astimezone(UTC) + length).astimezone(start.tzinfo)


def _skipped(day: date, at: time, tz: ZoneInfo) -> bool:
    """True on a day the zone skipped altogether (Pacific/Apia, 2011-12-30)."""
    resolved = local_time(day, at, tz)
    return resolved.replace(tzinfo=None) - datetime.combine(day, at) >= timedelta(days=1)


class Slots:
    """Free times: `schedule.time` plus k event lengths (k < max_per_day, inside the window if one is
    set), on allowed weekdays, after `now`. No two taken times overlap, even across midnight."""

    def __init__(self, schedule: Schedule, tz: ZoneInfo, now: datetime, taken: Iterable[datetime]) -> None:
        self.schedule = schedule
        self.tz = tz
        self.now = now
        self.taken: dict[date, int] = defaultdict(int)  # slots taken per schedule day
        self.starts: list[datetime] = []  # every taken start, in UTC, sorted
        self.full: dict[date, date] = {}
        for start in taken:
            self._mark(self._day_of(start), start)

    def move_to(self, now: datetime) -> None:
        """Go on to a later `now`, taking what `take` gives as if built afresh then. The days near now
        are looked at again (slots have passed, starts given back may free some); a day further on that
        was full stays full: its count only grows, and no start given back (all before now) reaches it."""
        self.now = now
        today = now.astimezone(self.tz).date()
        reach = 2 + math.ceil(self.schedule.duration / timedelta(days=1))  # a day's slots, an event's length
        for offset in range(-1, reach + 1):
            self.full.pop(today + timedelta(days=offset), None)

    def release(self, start: datetime) -> None:
        """Give back a taken start (its check-in came due): as if it had never been taken."""
        self.taken[self._day_of(start)] -= 1
        del self.starts[bisect.bisect_left(self.starts, start.astimezone(UTC))]

    def take(self, earliest: date) -> datetime:
        day = max(earliest, self.now.astimezone(self.tz).date())
        while True:
            day = self._first_open(day)
            start = self._free_on(day)
            if start is not None:
                self._mark(day, start)
                return start
            self.full[day] = day + timedelta(days=1)  # never look at this day again

    def _day_of(self, start: datetime) -> date:
        """The schedule day a start belongs to: the last day whose first slot is not after it."""
        day = start.astimezone(self.tz).date()
        return day if local_time(day, self.schedule.time, self.tz) <= start else day - timedelta(days=1)

    def _mark(self, day: date, start: datetime) -> None:
        self.taken[day] += 1
        bisect.insort(self.starts, start.astimezone(UTC))

    def _clashes(self, start: datetime) -> bool:
        """Whether an event of the schedule's length at `start` overlaps a taken one."""
        moment, length = start.astimezone(UTC), self.schedule.duration
        index = bisect.bisect_right(self.starts, moment - length)
        return index < len(self.starts) and self.starts[index] < moment + length

    def _first_open(self, day: date) -> date:
        """The first day from `day` not known to be full (path-compressed, so filling is linear)."""
        path = []
        while day in self.full:
            path.append(day)
            day = self.full[day]
        for passed in path:
            self.full[passed] = day
        return day

    def _free_on(self, day: date) -> datetime | None:
        schedule = self.schedule
        if self.taken[day] >= schedule.max_per_day or day.weekday() not in schedule.days:
            return None
        if _skipped(day, schedule.time, self.tz):
            return None
        first = local_time(day, schedule.time, self.tz)
        last = local_time(day, schedule.until, self.tz) if schedule.until else None
        for k in range(schedule.max_per_day):
            start = later(first, k * schedule.duration)
            if last is not None and later(start, schedule.duration) > last:
                return None
            if start > self.now and not self._clashes(start):
                return start
        return None
