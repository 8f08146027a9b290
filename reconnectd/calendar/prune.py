"""Which of our past check-ins have stayed in the calendar long enough (`calendar.keep_history`). Pure.

Only an object we wrote and the user left alone qualifies: not moved, edited or ticked (pinned),
not one whose write never heard back (no fingerprint), not one being repaired. The removal itself
is conditional on the ETag we last saw, so an edit we have not read yet still keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from reconnectd.policy.cadence import Cadence
from reconnectd.policy.model import CheckIn, CheckInStatus, Owned, Repair

BATCH = 50  # removals per cycle at most: a backlog of years is cleared over many cycles, never in a flood
PAST = (CheckInStatus.PASSED, CheckInStatus.DONE)


@dataclass(frozen=True)
class Expired:
    checkin: CheckIn
    href: str
    etag: str


def expired(
    checkins: Iterable[CheckIn], owned: Mapping[str, Owned], keep: Cadence, now: datetime, limit: int = BATCH
) -> list[Expired]:
    """Up to `limit` of our untouched past objects that ended at least `keep` before `now`, oldest first."""
    found: list[Expired] = []
    for checkin in checkins:  # the ledger's order: by start
        if len(found) >= limit or checkin.start > now:
            break
        mine = owned.get(checkin.uid)
        if mine is None or not _untouched(mine) or checkin.status not in PAST:
            continue
        if keep.after(checkin.end) <= now:
            assert mine.href is not None and mine.etag is not None
            found.append(Expired(checkin, mine.href, mine.etag))
    return found


def _untouched(mine: Owned) -> bool:
    return (
        mine.href is not None
        and mine.etag is not None
        and mine.fingerprint is not None
        and not mine.pinned
        and mine.repair in (None, Repair.DONE)
        and mine.status in PAST
    )
