"""What the watched calendars mean for the store: past meetings become contacts, those ahead a fact.

A past meeting is recorded once, at the event's start. If its event is later deleted, or moved
out of the past, the contact is marked withdrawn, never erased. A meeting ahead is kept for the
planner, which holds the person's check-in back until after it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from reconnectd.policy.meetings import Matcher, Meeting
from reconnectd.policy.settings import Config
from reconnectd.sources.watched import Watched
from reconnectd.state import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Noticed:
    recorded: int = 0
    withdrawn: int = 0
    ahead: int = 0


def matcher(config: Config) -> Matcher:
    username = config.calendar.username or ""
    return Matcher.of(config.people, me=[username] if "@" in username else [])


def fold_in(config: Config, store: Store, watched: Watched, now: datetime) -> Noticed:
    match = matcher(config)
    past: list[Meeting] = []
    ahead: list[Meeting] = []
    for occurrence in watched.occurrences:
        for meeting in match.meetings(occurrence):
            (past if meeting.start <= now else ahead).append(meeting)

    recorded = store.recorded_meetings()
    added = 0
    for meeting in past:
        if meeting.key not in recorded:  # a meeting you undid stays undone
            store.record_meeting(meeting, now)
            log.info(
                "met %s: %s, in %s, on %s", meeting.person, meeting.title, meeting.calendar, f"{meeting.start:%a %d %b}"
            )
            added += 1
    current = {m.key for m in past}
    since = watched.window[0] if watched.window else now
    withdrawn = 0
    for key, (at, taken_back) in recorded.items():
        if taken_back or key in current or not _under(key, watched.read_paths):  # renamed or unlisted: kept
            continue
        if key.split("|", 1)[0] in watched.gone or at >= since:
            store.withdraw_meeting(key, now)
            log.info("a meeting seen in a watched calendar was deleted or moved; its contact is withdrawn (%s)", key)
            withdrawn += 1
    kept = [m for m in store.meetings_ahead() if _under(m.key, watched.unread_paths) and m.start > now]
    ahead = sorted([*ahead, *kept], key=lambda m: (m.start, m.key))
    store.set_meetings_ahead(ahead)
    return Noticed(added, withdrawn, len(ahead))


def _under(key: str, paths: list[str]) -> bool:
    """Whether a meeting's key belongs to one of the calendars at `paths`."""
    return any(unquote(key).startswith(unquote(path)) for path in paths)
