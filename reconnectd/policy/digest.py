"""The morning digest: one message a day instead of one per check-in. Pure.

With `notify.digest: "08:00"`, each morning at that time a single nudge lists the day's
check-ins, the dates that matter today (or are coming up, by their lead time), and who is
overdue. The individual nudges for those are not sent. A date of yesterday that no message named
(the machine was off) is listed as late; one whose late window ended unsent, once, as missed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from reconnectd.policy.english import plural
from reconnectd.policy.milestones import Occurrence
from reconnectd.policy.model import CheckIn, Nudge
from reconnectd.policy.settings import Config
from reconnectd.policy.slots import local_time


def digest_moment(config: Config, day: date) -> datetime | None:
    at = config.notify.digest
    return local_time(day, at, config.timezone) if at is not None else None


def digest_nudge(
    config: Config,
    now: datetime,
    checkins: Iterable[CheckIn],
    dates: Iterable[Occurrence],
    overdue: Iterable[tuple[str, int]],
    *,
    missed: Iterable[Occurrence] = (),
    nudged: frozenset[str] = frozenset(),
) -> Nudge | None:
    """Today's digest, once its time has come (the key makes it one a day)."""
    zone = config.timezone
    today = now.astimezone(zone).date()
    moment = digest_moment(config, today)
    if moment is None or not moment <= now < local_time(today + timedelta(days=1), time(0), zone):
        return None
    dates = list(dates)
    celebrated = {o.person.name for o in dates if o.day == today}  # their date says it better
    lines = [
        f"• {c.start.astimezone(zone):%H:%M} check in with {c.person}"
        for c in sorted(checkins, key=lambda c: c.start)
        if c.start.astimezone(zone).date() == today and c.person not in celebrated
    ]
    for occurrence in dates:
        ahead = (occurrence.day - today).days
        if ahead == 0 or (0 < ahead <= occurrence.milestone.remind.days):
            words = occurrence.wording(today)
            lines.append(f"• {words.summary}: {words.description.splitlines()[0]}")
        elif ahead == -1 and occurrence.nudge_key not in nudged and f"digest-{occurrence.day}" not in nudged:
            lines.append(f"• {occurrence.wording(today).summary}")  # yesterday's, which no message named
    for occurrence in missed:
        if (today - occurrence.day).days == 2:  # named once, in the first digest after its late window
            lines.append(
                f"• Missed: {occurrence.subject()}, on {occurrence.day:%a %d %b}: no message could go out in time."
                " A late word still counts."
            )
    late = [f"{name} ({plural(days, 'day')})" for name, days in overdue if days > 0]
    if late:
        lines.append("Overdue: " + ", ".join(late) + ". No rush; one small message is enough.")
    if not lines:
        return None  # a quiet day: no message
    count = len(lines) - bool(late)
    title = f"Today: {count} to keep in mind" if count else "Today: a few people to think of"
    return Nudge(f"digest-{today.isoformat()}", "", moment, title, "\n".join(lines))
