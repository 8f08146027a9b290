"""The product policy: who gets a check-in, and when. Pure: `now` is an argument.

The rules, in order:

1. A scheduled check-in whose start has come is *due*: it gets exactly one nudge and stays
   in the calendar as history. An upcoming check-in whose person left the config is
   *withdrawn* (removed from the calendar); their past ones stay.
2. Each active person then has exactly one upcoming check-in (none once it would fall after the years
   reconnectd plans in, bounds.py). Its earliest day is one cadence
   after whichever is later: the last contact, or the last check-in that passed or was skipped.
   So an unanswered check-in is followed by the next one a full cadence later, never by a pile.
3. If that day is already behind us (or nothing is known yet), the check-in takes the next
   free slot from now. Slots sit at `schedule.time` in the user's time zone (or inside its
   window, "18:00-20:00"), one event length apart, at most `schedule.max_per_day` a day, on
   the allowed `schedule.days` (see slots.py).
4. An upcoming check-in keeps its slot while its basis (cadence, anchor, patience, a meeting ahead) holds, so
   planning again never moves it and a new person never reshuffles the others. When the basis
   changes (a contact is recorded, the cadence is edited), the same occurrence moves in place.
5. A check-in the user moved or edited in their calendar is *pinned*: it stays where they put
   it, even when the cadence changes. Only a contact recorded since it was planned retires it
   (it is then done, left as it is), and the next check-in follows one cadence after that contact.
6. Patience: after each unanswered contact in a row ("no reply"), the interval grows by
   `patience.growth` (1.5), up to `patience.cap` (4) cadences. A reply returns it to the cadence.
7. Paused and let-go people get nothing: their upcoming check-in is withdrawn, past ones stay.
   A pause with `until` ends by itself; the next check-in is then not before that day.
8. Dates (birthdays, anniversaries, events) are all-day events with a nudge on the day and one
   `remind` ahead (see milestones.py). Nobody gets two nudges on one day: a date replaces a
   check-in's nudge, and none comes on a day you already recorded contact with them.
9. With a morning digest, that one message replaces the day's individual nudges (digest.py).
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from reconnectd.policy import milestones
from reconnectd.policy.bounds import within
from reconnectd.policy.digest import digest_moment, digest_nudge
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.library import Library
from reconnectd.policy.meetings import Meeting
from reconnectd.policy.milestones import Occurrence
from reconnectd.policy.model import CheckIn, CheckInStatus, Contact, Nudge, Outcome, Person, Standing, fold
from reconnectd.policy.settings import SELF, Config, Patience
from reconnectd.policy.slots import Slots, later
from reconnectd.policy.suggest import Gap, Wording, reflection_wording, wording


@dataclass(frozen=True, slots=True, eq=False)
class Planned:
    """A check-in as planned, and what it says: worded on first use, then kept (a preview plans many
    check-ins at each of its steps and shows few; a cycle writes only those that changed)."""

    checkin: CheckIn
    words: Callable[[], Wording] = field(repr=False)

    @property
    def wording(self) -> Wording:
        return self.words()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Planned):
            return NotImplemented
        return self.checkin == other.checkin and self.wording == other.wording

    def __hash__(self) -> int:
        return hash((self.checkin, self.wording))


def worded(make: Callable[[], Wording]) -> Callable[[], Wording]:
    """`make`, called once on first use."""
    return functools.cache(make)


def worded_later(config: Config, person: Person, checkin: CheckIn, ledger: Ledger) -> Callable[[], Wording]:
    """What the check-in will say, worded (and the words file read) only when asked: `status` never is."""
    return worded(lambda: words_for(person, checkin, ledger, config.timezone, config.library))


@dataclass(frozen=True)
class Plan:
    upcoming: tuple[Planned, ...]
    came_due: tuple[CheckIn, ...]
    withdrawn: tuple[CheckIn, ...]
    fulfilled: tuple[CheckIn, ...]
    nudges: tuple[Nudge, ...]

    @property
    def closed(self) -> tuple[CheckIn, ...]:
        """Check-ins whose status this plan changes."""
        return (*self.came_due, *self.withdrawn, *self.fulfilled)


def plan(config: Config, ledger: Ledger, now: datetime) -> Plan:
    with collector_paused():
        return _plan(config, ledger, now)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Planning makes many objects that live on and no reference cycles. Pausing the cycle collector
    spares its full passes, which scan every live object and made big plans grow faster than linear."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _plan(config: Config, ledger: Ledger, now: datetime) -> Plan:
    tz = config.timezone
    today = now.astimezone(tz).date()
    came_due, withdrawn, fulfilled, current = _settle(config, ledger, now)

    history = _by_person(c for c in (*ledger.checkins, *came_due) if not c.is_milestone)
    kept: dict[str, CheckIn] = {}
    needed: list[tuple[date, int, Person, str, int]] = []
    active = [p for p in config.everyone if standing(p, ledger, today) is Standing.ACTIVE]
    active_people = [p for p in active if p.name != SELF]  # a reserved name: no configured person has it
    names = [fold(p.name) for p in active]
    for order, (person, folded) in enumerate(zip(active, names, strict=True)):
        meeting = ledger.meeting_ahead(person.name, now)  # a planned contact: the check-in waits, and follows it
        decided = Basis.of(config, person, _contacts_of(ledger, folded), history.get(folded, ()), meeting)
        existing = current.get(folded)
        if existing is not None and (
            existing.basis == decided.text or (existing.pinned and _same_anchor(existing.basis, decided.text))
        ):
            kept[folded] = replace(existing, start=existing.start.astimezone(tz), end=existing.end.astimezone(tz))
            continue
        if existing is not None and existing.pinned:
            fulfilled.append(replace(existing, status=CheckInStatus.DONE))
            existing = None
        seq = existing.seq if existing else next_seq(history.get(folded, ()))
        needed.append((decided.earliest(person, today), order, person, decided.text, seq))

    slots = Slots(config.schedule, tz, now, (c.start for c in kept.values()))
    placed: dict[str, CheckIn] = dict(kept)
    for earliest, order, person, basis, seq in sorted(needed, key=lambda n: (n[0], n[1])):
        start = slots.take(earliest)
        if not within(start):  # past the years reconnectd plans in (bounds.py): nothing ahead to write
            continue
        end = later(start, config.schedule.duration)
        placed[names[order]] = CheckIn(person.name, seq, start, end, basis)

    upcoming = tuple(
        Planned(placed[key], worded_later(config, person, placed[key], ledger))
        for person, key in zip(active, names, strict=True)
        if key in placed
    )
    dates = _milestones(config, ledger, now, active_people)
    # Never two nudges about one person on one day (a birthday says more than a check-in), and
    # none about someone you were already in touch with that day.
    dated = {(fold(n.person), n.due.astimezone(tz).date()) for n in dates.nudges}
    dates = replace(dates, nudges=_one_a_day(dates.nudges, ledger, tz))
    nudges = tuple(
        _nudge(p, c, ledger, config.library)
        for c in came_due
        if (p := config.person(c.person))
        and standing(p, ledger, today) is Standing.ACTIVE
        and (fold(p.name), c.start.astimezone(tz).date()) not in dated
    )
    sent = (*nudges, *dates.nudges)
    if config.notify.digest is not None:  # one morning message instead
        todays = [*(p.checkin for p in upcoming), *came_due]
        missed = missed_dates(config, ledger, now)
        summary = digest_nudge(
            config, now, todays, dates.begun, _overdue(config, ledger, today), missed=missed, nudged=ledger.nudged
        )
        sent = (summary,) if summary else ()
    return Plan(
        (*upcoming, *dates.upcoming),
        (*came_due, *dates.passed),
        (*withdrawn, *dates.withdrawn),
        tuple(fulfilled),
        sent,
    )


@dataclass(frozen=True, slots=True)
class Basis:
    """What a person's next check-in is decided by (rule 2): while it holds, the check-in stays."""

    every: str
    anchor: date | None  # the day the cadence counts from; None: nothing known yet
    factor: float  # patience: how many cadences to wait
    meeting: datetime | None = None  # the start of a meeting ahead in a watched calendar, in the user's zone

    @classmethod
    def of(
        cls, config: Config, person: Person, contacts: list[Contact], history: Iterable[CheckIn], ahead: Meeting | None
    ) -> Basis:
        """`history`: the person's check-ins (not dates), any status; `ahead`: their next meeting, if any."""
        anchor = _anchor(person, contacts, history, config.timezone)
        start = ahead.start.astimezone(config.timezone) if ahead is not None else None
        return cls(str(person.every), anchor, patience_factor(config.patience, contacts), start)

    @property
    def text(self) -> str:
        """As a check-in remembers it: a change of this string moves the check-in."""
        text = f"{self.every}|{self.anchor.isoformat() if self.anchor else 'first'}|x{self.factor:g}"
        return text if self.meeting is None else f"{text}|meeting {self.meeting.astimezone(UTC).isoformat()}"

    def earliest(self, person: Person, today: date) -> date:
        """The first day the next check-in may take."""
        earliest = interval_after(person, self.anchor, self.factor) if self.anchor else today
        if person.until is not None:
            earliest = max(earliest, person.until)  # a pause that ended: not before its last day
        if self.meeting is not None:
            earliest = max(earliest, self.meeting.date() + timedelta(days=1))  # after the meeting, not before it
        return earliest


def _one_a_day(nudges: Iterable[Nudge], ledger: Ledger, tz: tzinfo) -> tuple[Nudge, ...]:
    """At most one nudge per person per day, and none for a day you already reached them."""
    contacted = {(fold(c.person), c.at.astimezone(tz).date()) for c in ledger.contacts}
    kept: dict[tuple[str, date], Nudge] = {}
    for nudge in sorted(nudges, key=lambda n: (n.due, n.key)):
        day = (fold(nudge.person), nudge.due.astimezone(tz).date())
        if day not in contacted:
            kept.setdefault(day, nudge)
    return tuple(kept.values())


def missed_dates(config: Config, ledger: Ledger, now: datetime) -> list[Occurrence]:
    """Active people's dates whose nudge never went out, on the day or late (see milestones.missed)."""
    today = now.astimezone(config.timezone).date()
    active = [p for p in config.people if standing(p, ledger, today) is Standing.ACTIVE]
    known = {c.uid for c in ledger.checkins if c.is_milestone and c.status not in _GONE}
    return milestones.missed(config, active, known, ledger.nudged, now)


def last_contact_day(person: Person, ledger: Ledger, tz: tzinfo) -> date | None:
    """The day you were last in touch: a recorded contact, or `last_contact` from the YAML."""
    days = [c.at.astimezone(tz).date() for c in _contacts_of(ledger, fold(person.name))]
    if person.last_contact:
        days.append(person.last_contact)
    return max(days, default=None)


def _overdue(config: Config, ledger: Ledger, today: date) -> list[tuple[str, int]]:
    """(name, days) for each active person whose (patient) interval since the last contact has run out."""
    late = []
    for person in config.people:
        if standing(person, ledger, today) is not Standing.ACTIVE:
            continue
        last = last_contact_day(person, ledger, config.timezone)
        if last is not None:
            contacts = _contacts_of(ledger, fold(person.name))
            due = interval_after(person, last, patience_factor(config.patience, contacts))
            if due < today:
                late.append((person.name, (today - due).days))
    return late


@dataclass(frozen=True)
class _Dates:
    upcoming: tuple[Planned, ...]
    passed: tuple[CheckIn, ...]
    withdrawn: tuple[CheckIn, ...]
    nudges: tuple[Nudge, ...]
    begun: tuple[Occurrence, ...]  # active people's dates whose first nudge is today or past, deleted ones too


def _milestones(config: Config, ledger: Ledger, now: datetime, active: list[Person]) -> _Dates:
    """The all-day events and nudges of everyone's dates (see milestones.py); `active`: the active people.

    One pass over the dates, keeping only what the plan returns: with thousands of people, fewer
    objects that live long also means fewer full passes of the garbage collector.
    """
    tz = config.timezone
    today = now.astimezone(tz).date()
    keep = config.milestones.keep_when_paused
    among = {id(p) for p in active} if keep else None  # the very Person values of config.people
    finished = {c.uid for c in ledger.checkins if c.is_milestone and c.status in milestones.FINISHED}
    planned: list[Planned] = []
    wanted_uids: set[str] = set()
    begun: list[Occurrence] = []
    for occurrence in milestones.occurrences(config.people if keep else active, today):
        if occurrence.day - occurrence.milestone.remind <= today and (among is None or id(occurrence.person) in among):
            begun.append(occurrence)
        if occurrence.uid not in finished:
            wanted_uids.add(occurrence.uid)
            planned.append(Planned(occurrence.as_checkin(tz), worded(occurrence.event_wording)))
    passed, withdrawn = [], []
    for row in ledger.checkins:
        if not row.is_milestone or row.status is not CheckInStatus.SCHEDULED:
            continue
        if row.end <= now:
            passed.append(replace(row, status=CheckInStatus.PASSED))
        elif row.uid not in wanted_uids:
            withdrawn.append(replace(row, status=CheckInStatus.WITHDRAWN))
    due = milestones.due_nudges(config, begun, finished, now)
    # Late: a date planned (and not deleted) whose day just passed without its nudge.
    known = {c.uid for c in ledger.checkins if c.is_milestone and c.status not in _GONE}
    late = [o for o in milestones.recent(active, today, milestones.LATE_WINDOW) if o.uid in known]
    due += milestones.late_nudges(config, late, now)
    return _Dates(tuple(planned), tuple(passed), tuple(withdrawn), tuple(due), (*late, *begun))


_GONE = frozenset({CheckInStatus.SKIPPED, CheckInStatus.WITHDRAWN})  # a date deleted, or its person paused


def next_moment(config: Config, ledger: Ledger, now: datetime) -> datetime | None:
    """The next time something is due: a check-in, or a milestone's nudge."""
    today = now.astimezone(config.timezone).date()
    starts = [c.start for c in ledger.upcoming(now)]
    active = [p for p in config.people if standing(p, ledger, today) is Standing.ACTIVE]
    dated = milestones.next_moment(config, milestones.occurrences(active, today), now)
    digests = [m for d in (today, today + timedelta(days=1)) if (m := digest_moment(config, d)) and m > now]
    return min([*starts, *([dated] if dated else []), *digests], default=None)


def _settle(
    config: Config, ledger: Ledger, now: datetime
) -> tuple[list[CheckIn], list[CheckIn], list[CheckIn], dict[str, CheckIn]]:
    """What became of the scheduled check-ins: came due, withdrawn, retired, or still current."""
    today = now.astimezone(config.timezone).date()
    came_due: list[CheckIn] = []
    withdrawn: list[CheckIn] = []
    fulfilled: list[CheckIn] = []
    candidates: dict[str, list[CheckIn]] = defaultdict(list)
    for checkin in ledger.checkins:
        if checkin.status is not CheckInStatus.SCHEDULED or checkin.is_milestone:
            continue
        person = config.person(checkin.person)
        if checkin.start <= now:
            came_due.append(replace(checkin, status=CheckInStatus.PASSED))
        elif person is None or standing(person, ledger, today) is not Standing.ACTIVE:
            withdrawn.append(replace(checkin, status=CheckInStatus.WITHDRAWN))
        else:
            candidates[fold(person.name)].append(checkin)
    current: dict[str, CheckIn] = {}
    for folded, theirs in candidates.items():
        if len(theirs) == 1:  # the usual case
            current[folded] = theirs[0]
            continue
        # At most one upcoming check-in a person: the user's choice first, then the earliest.
        keeper, *extras = sorted(theirs, key=lambda c: (not c.pinned, c.start))
        current[folded] = keeper
        for extra in extras:
            if extra.pinned:
                fulfilled.append(replace(extra, status=CheckInStatus.DONE))
            else:
                withdrawn.append(replace(extra, status=CheckInStatus.WITHDRAWN))
    return came_due, withdrawn, fulfilled, current


def standing(person: Person, ledger: Ledger, day: date) -> Standing:
    """Active, paused or let go on `day`: a pause recorded with `reconnectd pause` wins over the YAML."""
    override = ledger.standings.get(fold(person.name)) if ledger.standings else None
    if override is not None:
        status, until = override
        return Standing.ACTIVE if until is not None and day >= until else status
    return person.standing_on(day)


def patience_factor(patience: Patience, contacts: list[Contact]) -> float:
    """How much longer than the cadence to wait: `growth` per unanswered contact in a row, up to `cap`."""
    streak = 0
    for contact in sorted(contacts, key=lambda c: c.at, reverse=True):
        if contact.outcome is not Outcome.NO_REPLY:
            break
        streak += 1
    return float(min(patience.growth**streak, patience.cap))


def interval_after(person: Person, anchor: date, factor: float) -> date:
    """One (possibly stretched) cadence after `anchor`: calendar months when not stretched."""
    if factor == 1:
        return person.every.after(anchor)
    return anchor + timedelta(days=round(person.every.approx_days() * factor))


def _contacts_of(ledger: Ledger, folded: str) -> list[Contact]:
    return ledger.contacts_by_person.get(folded, [])


def _same_anchor(old_basis: str, new_basis: str) -> bool:
    return old_basis.split("|")[1:2] == new_basis.split("|")[1:2]


def _by_person(checkins: Iterable[CheckIn]) -> dict[str, list[CheckIn]]:
    grouped: dict[str, list[CheckIn]] = defaultdict(list)
    for checkin in checkins:
        grouped[fold(checkin.person)].append(checkin)
    return grouped


def _anchor(person: Person, contacts: list[Contact], history: Iterable[CheckIn], tz: ZoneInfo) -> date | None:
    """The day the next cadence counts from: the latest contact or finished check-in."""
    days = [c.start.astimezone(tz).date() for c in history if c.status in _FINISHED]
    days += [c.at.astimezone(tz).date() for c in contacts]
    if person.last_contact:
        days.append(person.last_contact)
    return max(days, default=None)


_FINISHED = frozenset({CheckInStatus.PASSED, CheckInStatus.SKIPPED})


def next_seq(history: Iterable[CheckIn]) -> int:
    """The seq of a person's next new check-in, after every one in `history`."""
    return max((c.seq for c in history), default=0) + 1


def _nudge(person: Person, checkin: CheckIn, ledger: Ledger, library: Library) -> Nudge:
    words = words_for(person, checkin, ledger, checkin.start.tzinfo or UTC, library)
    key = f"{checkin.uid}@{checkin.start.astimezone(UTC):%Y%m%dT%H%M%SZ}"  # a moved check-in is due anew
    return Nudge(key=key, person=person.name, due=checkin.start, title=words.summary, body=words.description)


def words_for(person: Person, checkin: CheckIn, ledger: Ledger, tz: tzinfo, library: Library) -> Wording:
    """What the check-in says. The gap is measured to the check-in's own day, so the text is stable."""
    last = last_contact_day(person, ledger, tz)
    since = (checkin.start.astimezone(tz).date() - last).days if last else None
    if person.name == SELF:
        return reflection_wording(checkin.seq, every=person.every, library=library)
    return wording(person, checkin.seq, gap=Gap(since, person.every.approx_days()), library=library)
