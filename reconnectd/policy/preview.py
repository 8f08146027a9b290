"""The plan walked forward in memory: a ledger advanced by a plan, and the check-ins ahead. Pure; writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckIn
from reconnectd.policy.plan import Plan, plan
from reconnectd.policy.settings import Config
from reconnectd.policy.suggest import Wording


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
    wording: Wording


def preview(config: Config, ledger: Ledger, now: datetime, until: datetime) -> list[Preview]:
    """Every check-in from now until `until`, as the daemon would go through them. Writes nothing."""
    seen: dict[str, Preview] = {}
    moment = now
    for _ in range(10_000):  # bounded: at most one step per check-in coming due
        result = plan(config, ledger, moment)
        for planned in result.upcoming:
            if planned.checkin.start <= until:
                seen[planned.checkin.uid] = Preview(planned.checkin.start, planned.checkin, planned.wording)
        ledger = advance(ledger, result)
        ahead = [p.checkin.start for p in result.upcoming if p.checkin.start > moment]
        if not ahead or min(ahead) > until:
            break
        moment = min(ahead)
    return sorted(seen.values(), key=lambda p: (p.start, p.checkin.person))
