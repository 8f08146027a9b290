"""What must change in the calendar: the plan against the objects we own. Pure.

It only ever proposes writes to objects we created (known to the state store by href);
anything else on the server is invisible here, so it cannot be touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconnectd.policy.model import CheckIn, Owned, Repair
from reconnectd.policy.plan import Plan, Planned


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
    repair: bool = False  # it no longer reads, or the zone changed: rewritten whatever the fingerprint or a pin


@dataclass(frozen=True)
class Delete:
    checkin: CheckIn
    href: str
    etag: str


Action = Create | Update | Delete


def reconcile(plan: Plan, owned: Mapping[str, Owned], fingerprints: Mapping[str, str]) -> list[Action]:
    """Creates, updates and deletes that bring the calendar in line with the plan.

    Writes are conditional on the ETag we last saw. An object the user moved or edited is
    pinned and never rewritten: their edit wins. Only one whose content no longer reads is
    rewritten (once), at the time the store holds for it, and so is one whose time zone changed.
    The read-back step has already brought `owned` up to date with the server.
    """
    actions: list[Action] = []
    for planned in plan.upcoming:
        uid = planned.checkin.uid
        mine = owned.get(uid)
        if mine is None or mine.href is None:
            actions.append(Create(planned, fingerprints[uid]))
        elif mine.etag is not None and mine.repair in (Repair.DUE, Repair.REZONED):
            actions.append(Update(planned, fingerprints[uid], mine.href, mine.etag, repair=True))
        elif not mine.pinned and mine.etag is not None and mine.fingerprint != fingerprints[uid]:
            actions.append(Update(planned, fingerprints[uid], mine.href, mine.etag))
    for checkin in plan.withdrawn:
        mine = owned.get(checkin.uid)
        if mine is not None and mine.href is not None and mine.etag is not None:
            actions.append(Delete(checkin, mine.href, mine.etag))
    return actions
