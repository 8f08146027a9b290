"""Read the calendar back: what the user did to our objects since we last looked. Pure.

Input is what the server reported (changed and deleted hrefs with ETags), the objects we own,
and the data of the objects we had to fetch. Output is a list of facts for the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum

from reconnectd.calendar import ical
from reconnectd.calendar.replies import Moved, Ticked, interpret
from reconnectd.policy.model import FROM_CALENDAR, CheckIn, CheckInStatus, Contact, Owned, Repair
from reconnectd.policy.suggest import title_for

OPEN = frozenset({CheckInStatus.SCHEDULED, CheckInStatus.PASSED})


@dataclass(frozen=True)
class Changes:
    """What the server reported since our last look."""

    changed: Mapping[str, str]  # href to ETag, new or modified (every object when complete)
    deleted: tuple[str, ...]
    complete: bool
    token: str | None = None


@dataclass(frozen=True)
class Seen:
    """Our object, unchanged in substance, under a new ETag or href."""

    uid: str
    href: str
    etag: str


@dataclass(frozen=True)
class Deleted:
    """The user deleted it. An upcoming check-in then counts as skipped."""

    uid: str
    skipped: bool


@dataclass(frozen=True)
class Done:
    uid: str
    href: str
    etag: str
    contact: Contact


@dataclass(frozen=True)
class Pinned:
    """Moved (new start and end) or otherwise edited (None): kept as the user left it."""

    uid: str
    href: str
    etag: str
    start: datetime | None
    end: datetime | None
    reopen: bool = False  # a passed check-in dragged into the future is due again there


class Mend(StrEnum):
    """What becomes of an object of ours whose content can't be read."""

    REPAIR = "repair"  # upcoming: rewritten from the plan, if it still has this ETag then
    KEEP = "keep"  # history: left as it is
    GIVE_UP = "give up"  # broken again after a repair: left alone from now on
    IGNORE = "ignore"  # given up on before: nothing new to say


@dataclass(frozen=True)
class Broken:
    """Ours (it is where we wrote it) but no longer readable, so no edit of the user's can be read in it."""

    uid: str
    person: str
    href: str
    etag: str
    reason: str
    mend: Mend


Fact = Seen | Deleted | Done | Pinned | Broken


@dataclass
class Observed:
    facts: list[Fact] = field(default_factory=list)
    foreign_seen: dict[str, str] = field(default_factory=dict)
    foreign_gone: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    unreadable_foreign: list[str] = field(default_factory=list)  # reported once: then remembered as foreign
    copies: dict[str, str] = field(default_factory=dict)  # href to the UID of ours it carries: not ours
    replaced: dict[str, str] = field(default_factory=dict)  # our href, now holding this other UID: let go


def hrefs_to_fetch(changes: Changes, owned: Mapping[str, Owned], foreign: Mapping[str, str]) -> list[str]:
    """Our changed objects, plus new objects that may be ours: only when one of ours vanished (it may
    have been renamed) or a write of ours never heard back (it may have landed)."""
    mine = _by_href(owned)
    edited = [h for h, e in changes.changed.items() if h in mine and mine[h].etag not in (None, e)]
    unknown = [h for h, e in changes.changed.items() if h not in mine and foreign.get(h) != e]
    return edited + unknown if _vanished(changes, mine) or _unplaced(owned) else edited


def observe(
    changes: Changes,
    owned: Mapping[str, Owned],
    *,
    checkins: Mapping[str, CheckIn],
    foreign: Mapping[str, str],
    fetched: Mapping[str, tuple[str | None, str]],
    now: datetime,
    zone: tzinfo,
) -> Observed:
    mine = _by_href(owned)
    result = Observed()
    # Only a check-in whose object vanished (or was never placed) can turn up under a new href:
    # another object with one of our UIDs, beside ours, is a copy, and never becomes ours.
    movable = {mine[h].uid for h in _vanished(changes, mine)} | {u for u, o in owned.items() if o.href is None}
    found: dict[str, list[tuple[str, str]]] = {}
    for href, etag in changes.changed.items():
        if href in mine or foreign.get(href) == etag or href not in fetched:
            continue
        remote = ical.read(fetched[href][1], zone)
        if remote is not None and remote.ours and remote.uid in movable:
            found.setdefault(remote.uid, []).append((href, etag))
            continue
        result.foreign_seen[href] = etag
        if remote is None:
            result.unreadable_foreign.append(href)
        elif remote.uid in owned:
            result.copies[href] = remote.uid
    renamed = {uid: places[0] for uid, places in found.items() if len(places) == 1}
    for uid, places in found.items():
        if len(places) > 1:  # several copies and no original: none of them is surely ours
            result.foreign_seen.update(places)
            result.copies.update((href, uid) for href, _ in places)

    for href in _vanished(changes, mine):
        uid = mine[href].uid
        if uid in renamed:
            continue
        result.facts.append(Deleted(uid, skipped=mine[href].status is CheckInStatus.SCHEDULED))
    result.foreign_gone = [h for h in changes.deleted if h in foreign]
    if changes.complete:
        result.foreign_gone += [h for h in foreign if h not in changes.changed]

    for uid, (href, etag) in renamed.items():
        # A write whose answer was lost: a move or a tick is read now, before planning; changed words
        # can only be told from ours against the plan, before any rewrite (cycle._settle_unheard).
        if owned[uid].href is None:
            reading = _reading(
                owned[uid],
                href=href,
                etag=etag,
                data=fetched[href],
                checkin=checkins[uid],
                now=now,
                zone=zone,
                result=result,
            )
            result.facts.append(Seen(uid, href, etag) if isinstance(reading, Pinned) and not reading.start else reading)
        else:
            result.facts.append(Seen(uid, href, etag))
    for href, etag in changes.changed.items():
        own = mine.get(href)
        if own is None or own.etag == etag:
            continue
        if own.etag is None or own.status not in OPEN:
            result.facts.append(Seen(own.uid, href, etag))  # our own write, or history we no longer read
            continue
        data = fetched.get(href)
        result.facts.append(
            _reading(own, href=href, etag=etag, data=data, checkin=checkins[own.uid], now=now, zone=zone, result=result)
        )
    return result


def _reading(
    own: Owned,
    *,
    href: str,
    etag: str,
    data: tuple[str | None, str] | None,
    checkin: CheckIn,
    now: datetime,
    zone: tzinfo,
    result: Observed,
) -> Fact:
    if data is None:
        result.unreadable.append(href)  # the server sent no data for it: left as it is
        return Pinned(own.uid, href, etag, None, None)
    remote = ical.examine(data[1], zone)
    if isinstance(remote, ical.Unreadable):
        return Broken(own.uid, own.person, href, etag, remote.reason, _mend(own))
    if remote.uid != own.uid:  # another event now sits where ours was: it is not ours to change
        result.replaced[href] = remote.uid
        result.foreign_seen[href] = etag
        return Deleted(own.uid, skipped=False)
    reading = interpret(remote, checkin.start, checkin.end, now, title_for(checkin.person))
    if isinstance(reading, Ticked):
        contact = Contact(checkin.person, reading.at, reading.outcome, reading.note, source=FROM_CALENDAR)
        return Done(own.uid, href, etag, contact)
    if isinstance(reading, Moved):
        reopen = own.status is CheckInStatus.PASSED and reading.start > now
        return Pinned(own.uid, href, etag, reading.start, reading.end, reopen)
    return Pinned(own.uid, href, etag, None, None)


def adopt(
    intended: bytes, found: tuple[str, str | None, str], *, checkin: CheckIn, now: datetime, zone: tzinfo
) -> Fact | None:
    """We created a check-in and found its name taken: most likely by our own earlier write whose
    answer never came (a crash, a timeout). Seen if it reads as we meant it; the user's edit if
    they changed it since; None when it is not ours."""
    href, etag, data = found
    remote = ical.read(data, zone)
    if remote is None or not remote.ours or remote.uid != checkin.uid:
        return None
    if remote == ical.read(intended, zone):
        return Seen(checkin.uid, href, etag or "")
    own = Owned(checkin.uid, checkin.person, CheckInStatus.SCHEDULED, href, None, None)
    return _reading(
        own, href=href, etag=etag or "", data=(etag, data), checkin=checkin, now=now, zone=zone, result=Observed()
    )


def _mend(own: Owned) -> Mend:
    if own.repair is Repair.GIVEN_UP:
        return Mend.IGNORE
    if own.repair is Repair.DONE:
        return Mend.GIVE_UP
    return Mend.REPAIR if own.status is CheckInStatus.SCHEDULED else Mend.KEEP


def _by_href(owned: Mapping[str, Owned]) -> dict[str, Owned]:
    return {o.href: o for o in owned.values() if o.href is not None}


def _unplaced(owned: Mapping[str, Owned]) -> bool:
    """An upcoming check-in with no href: its create failed, perhaps after the server took it."""
    return any(o.href is None and o.status is CheckInStatus.SCHEDULED for o in owned.values())


def _vanished(changes: Changes, mine: Mapping[str, Owned]) -> list[str]:
    if changes.complete:
        return [h for h in mine if h not in changes.changed]
    return [h for h in changes.deleted if h in mine]
