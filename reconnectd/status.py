"""Where each person stands: last contact, next check-in, overdue or not. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reconnectd.config import Config
from reconnectd.model import CheckInStatus, Outcome
from reconnectd.plan import Ledger


@dataclass(frozen=True)
class PersonStatus:
    name: str
    every: str
    prefers: str | None
    last_contact: date | None
    last_outcome: Outcome | None
    next_checkin: datetime | None
    due: date | None
    overdue_days: int

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "every": self.every,
            "prefers": self.prefers,
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
            "last_outcome": self.last_outcome.value if self.last_outcome else None,
            "next_checkin": self.next_checkin.isoformat() if self.next_checkin else None,
            "due": self.due.isoformat() if self.due else None,
            "overdue_days": self.overdue_days,
        }


def summarize(config: Config, ledger: Ledger, now: datetime) -> list[PersonStatus]:
    today = now.astimezone(config.timezone).date()
    rows = []
    for person in config.people:
        folded = person.name.casefold()
        contacts = sorted((c for c in ledger.contacts if c.person.casefold() == folded), key=lambda c: c.at)
        last = contacts[-1] if contacts else None
        last_day = last.at.astimezone(config.timezone).date() if last else None
        outcome = last.outcome if last else None
        if person.last_contact and (last_day is None or person.last_contact > last_day):
            last_day, outcome = person.last_contact, None
        upcoming = [
            c.start
            for c in ledger.checkins
            if c.person.casefold() == folded and c.status is CheckInStatus.SCHEDULED and c.start > now
        ]
        due = person.every.after(last_day) if last_day else None
        overdue = (today - due).days if due and due < today else 0
        rows.append(
            PersonStatus(
                person.name,
                str(person.every),
                person.prefers,
                last_day,
                outcome,
                min(upcoming, default=None),
                due,
                overdue,
            )
        )
    return rows
