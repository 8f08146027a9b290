"""The calendar is the reply: what the user meant by what they did to a check-in. Pure.

The grammar, easy to type on a phone:
- a title starting with "✓" (or ✔ ☑ ✅), "done" or "[x]" ticks the check-in off: a contact at
  the check-in's time (never later than now);
- "no reply" anywhere in the title or description records it as unanswered;
- completing the task, in task mode, ticks it off too, at the time it was completed;
- moving it keeps it at the new time; any other edit is kept as the user left it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from reconnectd.calendar.ical import RemoteObject
from reconnectd.policy.model import Outcome

TICK = re.compile(r"^\s*(?:[✓✔☑✅]|\[\s*[xX]\s*\]|done\b)", re.IGNORECASE)
NO_REPLY = re.compile(r"\bno[\s_-]*reply\b", re.IGNORECASE)


@dataclass(frozen=True)
class Ticked:
    at: datetime
    outcome: Outcome
    note: str | None


@dataclass(frozen=True)
class Moved:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Edited:
    """Changed in some other way: left exactly as the user made it."""


Reading = Ticked | Moved | Edited


def interpret(remote: RemoteObject, start: datetime, end: datetime, now: datetime, title: str = "") -> Reading:
    """What a changed object of ours means, given the start, end and title we gave it."""
    if remote.completed or TICK.match(remote.summary):
        when = remote.completed_at if remote.completed_at and remote.completed else remote.start or start
        unanswered = NO_REPLY.search(remote.summary) or NO_REPLY.search(remote.description)
        outcome = Outcome.NO_REPLY if unanswered else Outcome.REPLIED
        rest = TICK.sub("", remote.summary, count=1).strip()
        if title and rest.casefold().startswith(title.casefold()):
            rest = rest[len(title) :]
        note = rest.strip(" :-—,.") or None
        return Ticked(min(when, now), outcome, note)
    if remote.start is not None and remote.start != start:
        new_end = remote.end if remote.end is not None and remote.end > remote.start else remote.start + (end - start)
        return Moved(remote.start, new_end)
    return Edited()
