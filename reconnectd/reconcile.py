"""What must change in the calendar: the plan against what we own and what the server holds.

Pure. It only ever proposes writes to objects we created (known to the state store by href);
anything else on the server is invisible here, so it cannot be touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconnectd.model import CheckIn, CheckInStatus, Owned
from reconnectd.plan import Plan, Planned


@dataclass(frozen=True)
class Create:
    planned: Planned
    fingerprint: str


@dataclass(frozen=True)
class Update:
    planned: Planned
    fingerprint: str
    href: str
    etag: str


@dataclass(frozen=True)
class Delete:
    checkin: CheckIn
    href: str
    etag: str


Action = Create | Update | Delete


@dataclass(frozen=True)
class UserChanges:
    """What the user did to our objects since we last looked."""

    deleted: tuple[str, ...]  # uids whose object is gone
    edited: tuple[str, ...]  # uids whose ETag moved on without us


def observe(owned: Mapping[str, Owned], remote: Mapping[str, str]) -> UserChanges:
    """Compare our upcoming objects with the server's hrefs and ETags."""
    deleted, edited = [], []
    for uid, mine in owned.items():
        if mine.href is None or mine.status is not CheckInStatus.SCHEDULED:
            continue
        if mine.href not in remote:
            deleted.append(uid)
        elif mine.etag is not None and remote[mine.href] != mine.etag:
            edited.append(uid)
    return UserChanges(tuple(deleted), tuple(edited))


def reconcile(
    plan: Plan, owned: Mapping[str, Owned], remote: Mapping[str, str], fingerprints: Mapping[str, str]
) -> list[Action]:
    """Creates, updates and deletes that bring the calendar in line with the plan.

    An object whose ETag differs from the one we recorded was edited by the user: it is
    left alone, because their edit wins.
    """
    actions: list[Action] = []
    for planned in plan.upcoming:
        uid = planned.checkin.uid
        fingerprint = fingerprints[uid]
        mine = owned.get(uid)
        if mine is None or mine.href is None:
            actions.append(Create(planned, fingerprint))
            continue
        etag = remote.get(mine.href)
        if etag is None or (mine.etag is not None and etag != mine.etag):
            continue
        if mine.fingerprint != fingerprint:
            actions.append(Update(planned, fingerprint, mine.href, etag))
    for checkin in plan.withdrawn:
        mine = owned.get(checkin.uid)
        if mine is None or mine.href is None:
            continue
        etag = remote.get(mine.href)
        if etag is not None and (mine.etag is None or etag == mine.etag):
            actions.append(Delete(checkin, mine.href, etag))
    return actions
