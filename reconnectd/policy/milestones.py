"""Birthdays, anniversaries and one-off dates: all-day events and their nudges. Pure.

Each date's next occurrence is an all-day event (its UID carries the year, so a past year stays
as history and the next is a new event). It brings up to two nudges, at `milestones.time`: one
`remind` ahead, one on the day. A deleted occurrence is skipped, never re-created. Paused and
let-go people's dates are never nudged, and leave the calendar unless `keep_when_paused`.

Nothing is dropped silently: a day's nudge that could not go out on the day (the machine was off,
the daemon stopped) still goes out until the end of the next day (LATE_WINDOW), worded as late
("Priya's birthday was on Wednesday: a late wish still counts"). Past that, the date is *missed*:
`status` and the next digest say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo

from reconnectd.policy.model import (
    BIRTHDAY,
    YEARLY_KINDS,
    CheckIn,
    CheckInStatus,
    Milestone,
    Nudge,
    Person,
    milestone_uid,
)
from reconnectd.policy.settings import Config
from reconnectd.policy.slots import local_time
from reconnectd.policy.suggest import Wording, late_milestone_wording, milestone_description, milestone_wording
from reconnectd.policy.words import load

FINISHED = frozenset({CheckInStatus.SKIPPED, CheckInStatus.DONE, CheckInStatus.PASSED, CheckInStatus.WITHDRAWN})
LATE_WINDOW = timedelta(days=1)  # a day's nudge still goes out, as late, until the end of the next day
MISSED_SHOWN = timedelta(days=7)  # how long after its window a missed date is still shown


@dataclass(frozen=True, slots=True)
class Occurrence:
    person: Person
    milestone: Milestone
    day: date
    uid: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", milestone_uid(self.person.name, self.milestone.label, self.day.year))

    def as_checkin(self, zone: tzinfo) -> CheckIn:
        start = local_time(self.day, time(0), zone)
        end = local_time(self.day + timedelta(days=1), time(0), zone)
        return CheckIn(
            self.person.name, self.day.year, start, end, f"milestone|{self.day.isoformat()}", label=self.milestone.label
        )

    def wording(self, today: date) -> Wording:
        """For a nudge: phrased from today ("in 2 days", "today"; "was on Wednesday" once it is past)."""
        if self.day < today:
            words = late_milestone_wording(self.person, self.milestone.label, self.milestone.kind, self.day)
        else:
            days = (self.day - today).days
            words = milestone_wording(self.person, self.milestone.label, self.milestone.kind, days)
        return replace(words, summary=words.summary + self.age())

    def age(self) -> str:
        """ " (turns 40)" for a birthday whose year is known, " (10 years)" for an anniversary; else ""."""
        year, kind = self.milestone.year, self.milestone.kind
        if year is None or not self.milestone.yearly or kind not in YEARLY_KINDS or self.day.year <= year:
            return ""
        template = load().milestone["turns" if kind == BIRTHDAY else "years"]
        return f" ({template.format(age=self.day.year - year)})"

    def subject(self) -> str:
        """What the date is, with whose: "Priya's birthday"."""
        return late_milestone_wording(self.person, self.milestone.label, self.milestone.kind, self.day).summary.split(
            " was on "
        )[0]

    @property
    def nudge_key(self) -> str:
        """The key of its nudge on the day (sent on time or late, it is the same nudge)."""
        return f"{self.uid}@day"

    def event_wording(self) -> Wording:
        """For the calendar event: phrased as on the day, so its text never changes while it waits."""
        description = milestone_description(self.person, self.milestone.label, self.milestone.kind, 0)
        return Wording(f"{self.person.name}: {self.milestone.label}{self.age()}", description)

    def nudge_moments(self, at: time, zone: tzinfo) -> list[tuple[str, datetime]]:
        """(key suffix, moment): ahead of the day when it has a lead time, and on the day."""
        on_the_day = local_time(self.day, at, zone)
        moments = [("day", on_the_day)]
        if self.milestone.remind > timedelta(0):
            moments.insert(0, ("ahead", local_time(self.day - self.milestone.remind, at, zone)))
        return moments


def occurrences(people: Iterable[Person], today: date) -> Iterator[Occurrence]:
    """The next occurrence of every date, today included."""
    for person in people:
        for milestone in person.dates:
            day = milestone.next_on_or_after(today)
            if day is not None:
                yield Occurrence(person, milestone, day)


def recent(people: Iterable[Person], today: date, back: timedelta) -> Iterator[Occurrence]:
    """The occurrences of every date in the `back` days before today (today excluded)."""
    for person in people:
        for milestone in person.dates:
            day = milestone.next_on_or_after(today - back)
            if day is not None and day < today:
                yield Occurrence(person, milestone, day)


def late_nudges(config: Config, late: Iterable[Occurrence], now: datetime) -> list[Nudge]:
    """The day's nudge of a date that has just passed, while LATE_WINDOW lasts. The key is the one of
    the nudge on the day: one that went out on time is not sent again."""
    zone = config.timezone
    today = now.astimezone(zone).date()
    nudges = []
    for occurrence in late:
        day_ends = local_time(occurrence.day + timedelta(days=1), time(0), zone)
        if not now < day_ends + LATE_WINDOW:
            continue
        words = occurrence.wording(today)
        moment = local_time(occurrence.day, config.milestones.time, zone)
        nudges.append(Nudge(occurrence.nudge_key, occurrence.person.name, moment, words.summary, words.description))
    return nudges


def missed(
    config: Config, people: Iterable[Person], known: set[str], nudged: frozenset[str], now: datetime
) -> list[Occurrence]:
    """Dates whose nudge never went out, on the day or late, and whose late window has ended.
    `known`: the uids of occurrences reconnectd had planned (and the user did not delete)."""
    zone = config.timezone
    today = now.astimezone(zone).date()
    gone = []
    for occurrence in recent(people, today, LATE_WINDOW + MISSED_SHOWN):
        window_ends = local_time(occurrence.day + timedelta(days=1), time(0), zone) + LATE_WINDOW
        digests = {f"digest-{occurrence.day + timedelta(days=d)}" for d in (0, 1)}  # a digest that named it
        if now >= window_ends and occurrence.uid in known and not ({occurrence.nudge_key, *digests} & nudged):
            gone.append(occurrence)
    return gone


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
        day_ends = local_time(occurrence.day + timedelta(days=1), time(0), zone)
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
