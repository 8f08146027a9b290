"""Where each person stands: rhythm, last contact, next check-in, overdue or not. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reconnectd.policy.ledger import Ledger
from reconnectd.policy.meetings import MEETING_SOURCE
from reconnectd.policy.model import Outcome, Standing, fold
from reconnectd.policy.plan import interval_after, missed_dates, patience_factor, plan, standing
from reconnectd.policy.settings import Config


@dataclass(frozen=True)
class PersonStatus:
    name: str
    standing: Standing
    paused_until: date | None
    every: str
    interval_days: int  # the current interval, longer than the cadence after unanswered contacts
    cadence_days: int
    prefers: str | None
    last_contact: date | None
    last_outcome: Outcome | None
    next_checkin: datetime | None
    due: date | None
    overdue_days: int
    missed: tuple[tuple[str, date], ...] = ()  # ("Priya's birthday", day) of dates whose nudge never went out in time
    last_seen: str | None = None  # where the last contact was seen, when a watched calendar recorded it
    meeting_ahead: tuple[str, datetime] | None = None  # (title, start) of the next meeting in a watched calendar

    @property
    def slowed(self) -> bool:
        return self.interval_days > self.cadence_days

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.standing.value,
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
            "every": self.every,
            "cadence_days": self.cadence_days,
            "interval_days": self.interval_days,
            "prefers": self.prefers,
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
            "last_outcome": self.last_outcome.value if self.last_outcome else None,
            "next_checkin": self.next_checkin.isoformat() if self.next_checkin else None,
            "due": self.due.isoformat() if self.due else None,
            "overdue_days": self.overdue_days,
            "missed": [{"date": label, "day": day.isoformat()} for label, day in self.missed],
            "last_seen": self.last_seen,
            "meeting_ahead": (
                {"title": self.meeting_ahead[0], "start": self.meeting_ahead[1].isoformat()}
                if self.meeting_ahead
                else None
            ),
        }


def summarize(config: Config, ledger: Ledger, now: datetime) -> list[PersonStatus]:
    """Each person's standing, as the next sync will see it (contacts recorded since are counted)."""
    today = now.astimezone(config.timezone).date()
    planned = {
        fold(p.checkin.person): p.checkin.start
        for p in plan(config, ledger, now).upcoming
        if not p.checkin.is_milestone
    }
    missed: dict[str, list[tuple[str, date]]] = {}
    for occurrence in missed_dates(config, ledger, now):
        missed.setdefault(fold(occurrence.person.name), []).append((occurrence.subject(), occurrence.day))
    rows = []
    for person in config.people:
        folded = fold(person.name)
        contacts = sorted((c for c in ledger.contacts if fold(c.person) == folded), key=lambda c: c.at)
        last = contacts[-1] if contacts else None
        last_day = last.at.astimezone(config.timezone).date() if last else None
        outcome = last.outcome if last else None
        seen = last.source if last and last.source.startswith(MEETING_SOURCE + ": ") else None
        if person.last_contact and (last_day is None or person.last_contact > last_day):
            last_day, outcome, seen = person.last_contact, None, None
        where = standing(person, ledger, today)
        factor = patience_factor(config.patience, contacts)
        due = interval_after(person, last_day, factor) if last_day else None
        overdue = (today - due).days if due and due < today and where is Standing.ACTIVE else 0
        override = ledger.standings.get(folded)
        until = override[1] if override else person.until
        cadence_days = round(person.every.approx_days())
        meeting = ledger.meeting_ahead(person.name, now)
        seen = (
            last.source.removeprefix(MEETING_SOURCE + ": ") if last and last.source.startswith(MEETING_SOURCE) else None
        )
        rows.append(
            PersonStatus(
                name=person.name,
                standing=where,
                paused_until=until if where is Standing.PAUSED else None,
                every=str(person.every),
                interval_days=round(cadence_days * factor),
                cadence_days=cadence_days,
                prefers=person.prefers,
                last_contact=last_day,
                last_outcome=outcome,
                next_checkin=planned.get(folded),
                due=due,
                overdue_days=overdue,
                missed=tuple(missed.get(folded, ())),
                last_seen=seen.removeprefix(MEETING_SOURCE + ": ") if seen else None,
                meeting_ahead=(meeting.title, meeting.start) if meeting else None,
            )
        )
    return rows
