"""The ledger: what the state store remembers (contacts, check-ins, pauses), in the shape the planner needs. Pure."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from reconnectd.policy.meetings import Meeting
from reconnectd.policy.model import CheckIn, CheckInStatus, Contact, Standing, fold


@dataclass(frozen=True)
class Ledger:
    """What the state store remembers, in the shape the planner needs."""

    contacts: tuple[Contact, ...] = ()
    checkins: tuple[CheckIn, ...] = ()
    standings: Mapping[str, tuple[Standing, date | None]] = field(default_factory=dict)  # from `pause`
    nudged: frozenset[str] = frozenset()  # keys of the date and digest nudges ever queued (to tell what was missed)
    ahead: tuple[Meeting, ...] = ()  # meetings ahead seen in the watched calendars, soonest first

    def meeting_ahead(self, person: str, now: datetime) -> Meeting | None:
        """The person's next meeting in a watched calendar, if one is still to come."""
        folded = fold(person)
        return next((m for m in self.ahead if fold(m.person) == folded and m.start > now), None)

    def upcoming(self, now: datetime) -> list[CheckIn]:
        """Check-ins (not dates) still scheduled after `now`, soonest first."""
        ahead = (
            c for c in self.checkins if not c.is_milestone and c.status is CheckInStatus.SCHEDULED and c.start > now
        )
        return sorted(ahead, key=lambda c: c.start)

    @functools.cached_property
    def contacts_by_person(self) -> dict[str, list[Contact]]:
        grouped: dict[str, list[Contact]] = defaultdict(list)
        for contact in self.contacts:
            grouped[fold(contact.person)].append(contact)
        return grouped
