"""Birthdays, anniversaries and one-off dates: all-day events and their nudges. Pure.

Each date's next occurrence is an all-day event (its UID carries the year, so a past year stays
as history and the next is a new event). It brings up to two nudges, at `milestones.time`: one
`remind` ahead, one on the day. A deleted occurrence is skipped, never re-created. Paused and
let-go people's dates are never nudged, and leave the calendar unless `keep_when_paused`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from reconnectd.policy.model import CheckIn, CheckInStatus, Milestone, Nudge, Person, milestone_uid
from reconnectd.policy.settings import Config
from reconnectd.policy.suggest import Wording, milestone_description, milestone_wording

FINISHED = frozenset({CheckInStatus.SKIPPED, CheckInStatus.DONE, CheckInStatus.PASSED, CheckInStatus.WITHDRAWN})


@dataclass(frozen=True, slots=True)
class Occurrence:
    person: Person
    milestone: Milestone
    day: date
    uid: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", milestone_uid(self.person.name, self.milestone.label, self.day.year))

    def as_checkin(self, zone: tzinfo) -> CheckIn:
        start = datetime.combine(self.day, time(0), tzinfo=zone)
        end = datetime.combine(self.day + timedelta(days=1), time(0), tzinfo=zone)
        return CheckIn(
            self.person.name, self.day.year, start, end, f"milestone|{self.day.isoformat()}", label=self.milestone.label
        )

    def wording(self, today: date) -> Wording:
        """For a nudge: phrased from today ("in 2 days", "today")."""
        days = max((self.day - today).days, 0)
        return milestone_wording(self.person, self.milestone.label, self.milestone.kind, days)

    def event_wording(self) -> Wording:
        """For the calendar event: phrased as on the day, so its text never changes while it waits."""
        description = milestone_description(self.person, self.milestone.label, self.milestone.kind, 0)
        return Wording(f"{self.person.name}: {self.milestone.label}", description)

    def nudge_moments(self, at: time, zone: tzinfo) -> list[tuple[str, datetime]]:
        """(key suffix, moment): ahead of the day when it has a lead time, and on the day."""
        on_the_day = datetime.combine(self.day, at, tzinfo=zone)
        moments = [("day", on_the_day)]
        if self.milestone.remind > timedelta(0):
            moments.insert(0, ("ahead", datetime.combine(self.day - self.milestone.remind, at, tzinfo=zone)))
        return moments


def occurrences(people: Iterable[Person], today: date) -> Iterator[Occurrence]:
    """The next occurrence of every date, today included."""
    for person in people:
        for milestone in person.dates:
            day = milestone.next_on_or_after(today)
            if day is not None:
                yield Occurrence(person, milestone, day)


def due_nudges(config: Config, upcoming: Iterable[Occurrence], finished: set[str], now: datetime) -> list[Nudge]:
    """The nudges whose moment has come (and whose day has not ended). Keys make them idempotent."""
    zone = config.timezone
    today = now.astimezone(zone).date()
    nudges = []
    for occurrence in upcoming:
        if occurrence.day - occurrence.milestone.remind > today:
            continue  # its first nudge is on a later day (the usual case: a cheap date comparison)
        if occurrence.uid in finished:
            continue  # deleted in the calendar: skipped
        day_ends = datetime.combine(occurrence.day + timedelta(days=1), time(0), tzinfo=zone)
        for suffix, moment in occurrence.nudge_moments(config.milestones.time, zone):
            if moment <= now < day_ends and (suffix == "day" or today < occurrence.day):
                words = occurrence.wording(today)
                nudges.append(
                    Nudge(
                        f"{occurrence.uid}@{suffix}", occurrence.person.name, moment, words.summary, words.description
                    )
                )
    return nudges


def next_moment(config: Config, upcoming: Iterable[Occurrence], now: datetime) -> datetime | None:
    moments = [m for o in upcoming for _, m in o.nudge_moments(config.milestones.time, config.timezone) if m > now]
    return min(moments, default=None)
