"""Where check-ins go in the day: free slots at the schedule's time, one event length apart. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reconnectd.policy.settings import Schedule


class Slots:
    """Free times: `schedule.time` plus k event lengths (k < max_per_day, inside the window if one is
    set), on allowed weekdays, after `now`."""

    def __init__(self, schedule: Schedule, tz: ZoneInfo, now: datetime, taken: Iterable[datetime]) -> None:
        self.schedule = schedule
        self.tz = tz
        self.now = now
        self.taken: dict[date, set[datetime]] = defaultdict(set)
        self.full: dict[date, date] = {}
        for start in taken:
            self.taken[start.astimezone(tz).date()].add(start)

    def take(self, earliest: date) -> datetime:
        day = max(earliest, self.now.astimezone(self.tz).date())
        while True:
            day = self._first_open(day)
            start = self._free_on(day)
            if start is not None:
                self.taken[day].add(start)
                return start
            self.full[day] = day + timedelta(days=1)  # never look at this day again

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
        taken = self.taken[day]
        if len(taken) >= self.schedule.max_per_day or day.weekday() not in self.schedule.days:
            return None
        first = datetime.combine(day, self.schedule.time, tzinfo=self.tz)
        last = datetime.combine(day, self.schedule.until, tzinfo=self.tz) if self.schedule.until else None
        for k in range(self.schedule.max_per_day):
            start = first + k * self.schedule.duration
            if last is not None and start + self.schedule.duration > last:
                return None
            if start > self.now and start not in taken:
                return start
        return None
