"""The plan walked forward in memory: a ledger advanced by a plan, and the check-ins ahead. Pure; writes nothing.

The walk goes from one moment something starts to the next, as the daemon would. A full plan
settles the ledger first (the store may hold anything); from then on a step touches only what
its moment changes: the check-ins that came due get their next one, a person whose pause ends
gets one, a date whose day passed gets its next occurrence. Everyone else's check-in and dates
stay as they are, so the walk costs about one plan, whatever the number of people.
tests/test_preview.py keeps the walk of full plans as the oracle this one must equal.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from reconnectd.policy import milestones
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.milestones import Occurrence
from reconnectd.policy.model import CheckIn, CheckInStatus, Milestone, Person, Standing, fold
from reconnectd.policy.plan import Basis, Plan, collector_paused, next_seq, plan, standing, worded, worded_later
from reconnectd.policy.settings import SELF, Config
from reconnectd.policy.slots import Slots, later
from reconnectd.policy.suggest import Wording

STEPS = 10_000  # at most this many moments are walked through


def advance(ledger: Ledger, result: Plan) -> Ledger:
    """The ledger as it is once `result` is recorded: what the store does, in memory."""
    changed = {c.uid: c for c in result.closed}
    checkins = {c.uid: changed.get(c.uid, c) for c in ledger.checkins}
    for planned in result.upcoming:
        old = checkins.get(planned.checkin.uid)
        checkins[planned.checkin.uid] = replace(planned.checkin, pinned=old.pinned) if old else planned.checkin
    ordered = tuple(sorted(checkins.values(), key=lambda c: (c.start, c.uid)))
    return replace(ledger, checkins=ordered, nudged=ledger.nudged | {n.key for n in result.nudges})


@dataclass(frozen=True)
class Preview:
    start: datetime
    checkin: CheckIn
    words: Callable[[], Wording] = field(repr=False, compare=False)  # worded when shown: few of those walked are

    @property
    def wording(self) -> Wording:
        return self.words()


def preview(config: Config, ledger: Ledger, now: datetime, until: datetime) -> list[Preview]:
    """Every check-in from now until `until`, as the daemon would go through them. Writes nothing."""
    with collector_paused():  # as plan() does: many objects that live on, no reference cycles
        return _preview(config, ledger, now, until)


def _preview(config: Config, ledger: Ledger, now: datetime, until: datetime) -> list[Preview]:
    seen: dict[str, Preview] = {}
    moment, steps = now, 0
    while True:  # full plans, until the ledger holds exactly what the last one planned (once, as a rule)
        result = plan(config, ledger, moment)
        steps += 1
        for planned in result.upcoming:
            _record(seen, planned.checkin, planned.words, until)
        ahead = [p.checkin.start for p in result.upcoming if p.checkin.start > moment]
        if not ahead or min(ahead) > until or steps >= STEPS:
            return _in_order(seen)
        if _settled(ledger, result):
            break
        ledger = advance(ledger, result)
        moment = min(ahead)
    walk = _Walk(config, ledger, result, moment)
    while steps < STEPS:
        following = walk.next_moment()
        if following is None or following > until:
            break
        walk.step(following, seen, until)
        steps += 1
    return _in_order(seen)


def _record(seen: dict[str, Preview], checkin: CheckIn, words: Callable[[], Wording], until: datetime) -> None:
    if checkin.start <= until:
        seen[checkin.uid] = Preview(checkin.start, checkin, words)


def _in_order(seen: dict[str, Preview]) -> list[Preview]:
    return sorted(seen.values(), key=lambda p: (p.start, p.checkin.person))


def _settled(ledger: Ledger, result: Plan) -> bool:
    """Whether, once `result` is recorded, the ledger's scheduled rows are exactly what it planned: one
    check-in per active person, and the dates. A store's leftovers (a row under an old name) take another plan."""
    planned = {p.checkin.uid for p in result.upcoming}
    if len(planned) != len(result.upcoming):
        return False
    closed = {c.uid for c in result.closed}
    return all(c.uid in planned or c.uid in closed for c in ledger.checkins if c.status is CheckInStatus.SCHEDULED)


class _Walk:
    """The state a settled ledger is in, carried from one moment to the next (see the module's rule)."""

    def __init__(self, config: Config, ledger: Ledger, result: Plan, last: datetime) -> None:
        """`result`: the plan of `ledger` at `last`, settled (see _settled); the rows are as `advance` leaves them."""
        self.config, self.ledger, self.tz = config, ledger, config.timezone
        self.today = last.astimezone(self.tz).date()
        everyone = config.everyone
        self.order = {fold(p.name): i for i, p in enumerate(everyone)}
        planned = {p.checkin.uid: p.checkin for p in result.upcoming}
        changed = {c.uid: c for c in result.closed}
        rows = [changed.get(c.uid, c) for c in ledger.checkins if c.uid not in planned]
        rows += planned.values()
        self.history: dict[str, list[CheckIn]] = defaultdict(list)  # each person's check-ins, any status
        self.ahead: list[tuple[datetime, int, CheckIn]] = []  # the scheduled check-ins, soonest first
        for checkin in rows:
            if checkin.is_milestone:
                continue
            self.history[fold(checkin.person)].append(checkin)
            if checkin.status is CheckInStatus.SCHEDULED:
                self.ahead.append((checkin.start, len(self.ahead), checkin))
        heapq.heapify(self.ahead)
        self.placed = len(self.ahead)  # numbers the check-ins, so that equal starts never compare check-ins
        starts = sorted((c.start for _, _, c in self.ahead), key=lambda s: s.astimezone(UTC))  # each one appended
        self.slots = Slots(config.schedule, self.tz, last, starts)
        # Pauses that end: standing only ever turns active as days pass.
        self.waking: list[tuple[date, int, Person]] = []
        for i, person in enumerate(everyone):
            if standing(person, ledger, self.today) is not Standing.ACTIVE:
                day = _wakes(person, ledger)
                if day is not None and standing(person, ledger, day) is Standing.ACTIVE:
                    self.waking.append((day, i, person))
        heapq.heapify(self.waking)
        # Dates: each one's current occurrence, by day, and the starts of those planned.
        self.keep = config.milestones.keep_when_paused
        self.finished = {c.uid for c in rows if c.is_milestone and c.status in milestones.FINISHED}
        self.dates: list[tuple[date, int, int, Person, Milestone]] = []
        self.date_starts = [c.start for c in rows if c.is_milestone and c.status is CheckInStatus.SCHEDULED]
        heapq.heapify(self.date_starts)
        for i, person in enumerate(config.people):
            if self.keep or standing(person, ledger, self.today) is Standing.ACTIVE:
                self._track(i, person)
        heapq.heapify(self.dates)
        self.now = last

    def _track(self, index: int, person: Person) -> list[tuple[int, int, Occurrence]]:
        """Follow a person's dates from today; their occurrences, (person, date) numbered."""
        found = []
        for j, milestone in enumerate(person.dates):
            day = milestone.next_on_or_after(self.today)
            if day is not None:
                heapq.heappush(self.dates, (day, index, j, person, milestone))
                found.append((index, j, Occurrence(person, milestone, day)))
        return found

    def next_moment(self) -> datetime | None:
        """The next start after now: of a check-in, or of a date planned."""
        while self.date_starts and self.date_starts[0] <= self.now:
            heapq.heappop(self.date_starts)
        candidates = [self.ahead[0][0]] if self.ahead else []
        if self.date_starts:
            candidates.append(self.date_starts[0])
        return min(candidates, default=None)

    def step(self, now: datetime, seen: dict[str, Preview], until: datetime) -> None:
        """What plan() would change at `now`, recorded into `seen` in the order it would record it."""
        self.now = now
        self.slots.move_to(now)
        due: list[Person] = []
        while self.ahead and self.ahead[0][0] <= now:
            _, _, checkin = heapq.heappop(self.ahead)
            self.slots.release(checkin.start)
            theirs = self.history[fold(checkin.person)]
            theirs[theirs.index(checkin)] = replace(checkin, status=CheckInStatus.PASSED)
            person = self.config.person(checkin.person)
            if person is not None:
                due.append(person)
        new_dates: list[tuple[int, int, Occurrence]] = []
        today = now.astimezone(self.tz).date()
        if today > self.today:
            self.today = today
            new_dates = self._new_day(due)
        self._place(due, seen, until)
        for _, _, occurrence in sorted(new_dates, key=lambda d: (d[0], d[1])):
            if occurrence.uid in self.finished:
                continue
            checkin = occurrence.as_checkin(self.tz)
            heapq.heappush(self.date_starts, checkin.start)
            _record(seen, checkin, worded(occurrence.event_wording), until)

    def _new_day(self, due: list[Person]) -> list[tuple[int, int, Occurrence]]:
        """People whose pause ended (their check-in is due too), and dates whose day has passed."""
        found: list[tuple[int, int, Occurrence]] = []
        while self.waking and self.waking[0][0] <= self.today:
            _, index, person = heapq.heappop(self.waking)
            due.append(person)
            if not self.keep and person.name != SELF:
                found += self._track(index, person)
        while self.dates and self.dates[0][0] < self.today:
            _, index, j, person, milestone = heapq.heappop(self.dates)
            day = milestone.next_on_or_after(self.today)
            if day is not None:
                heapq.heappush(self.dates, (day, index, j, person, milestone))
                found.append((index, j, Occurrence(person, milestone, day)))
        return found

    def _place(self, people: list[Person], seen: dict[str, Preview], until: datetime) -> None:
        """Each person's next check-in, the one overdue longest first, as plan() places them."""
        config, ledger = self.config, self.ledger
        needed = []
        for person in people:
            folded = fold(person.name)
            theirs = self.history[folded]
            meeting = ledger.meeting_ahead(person.name, self.now)
            decided = Basis.of(config, person, ledger.contacts_by_person.get(folded, []), theirs, meeting)
            earliest = decided.earliest(person, self.today)
            needed.append((earliest, self.order[folded], person, decided.text, next_seq(theirs)))
        placed = []
        for earliest, order, person, basis, seq in sorted(needed, key=lambda n: (n[0], n[1])):
            start = self.slots.take(earliest)
            checkin = CheckIn(person.name, seq, start, later(start, config.schedule.duration), basis)
            heapq.heappush(self.ahead, (start, self.placed, checkin))
            self.placed += 1
            self.history[fold(person.name)].append(checkin)
            placed.append((order, person, checkin))
        for _, person, checkin in sorted(placed, key=lambda p: p[0]):
            _record(seen, checkin, worded_later(config, person, checkin, ledger), until)


def _wakes(person: Person, ledger: Ledger) -> date | None:
    """The day a pause ends by itself, if it does (see plan.standing)."""
    override = ledger.standings.get(fold(person.name)) if ledger.standings else None
    return override[1] if override is not None else person.until
