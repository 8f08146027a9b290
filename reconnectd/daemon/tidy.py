"""A light calendar: our past check-ins older than `calendar.keep_history` leave it, a batch a cycle.

The store keeps every check-in, so `history` and the report do not change. Each removal is a
DELETE with If-Match, one at a time; a 412 means the user touched the object since we last saw
it, so it stays, and is kept from then on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.prune import BATCH, Expired, expired
from reconnectd.calendar.session import Conflict, Rejected
from reconnectd.errors import CalendarError
from reconnectd.policy.settings import Config
from reconnectd.state import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tidied:
    removed: int = 0
    kept: int = 0  # changed by the user since we last saw them: they stay
    error: str | None = None  # the server went away: the rest waits for a later cycle


def tidy(
    config: Config,
    store: Store,
    calendar: CalendarClient,
    now: datetime,
    *,
    interrupted: Callable[[], bool] = lambda: False,
    limit: int = BATCH,
) -> Tidied:
    """Remove up to `limit` of our untouched past check-ins older than `keep_history`. When the server
    goes away, what was removed before is recorded and the error is returned."""
    keep = config.calendar.keep_history
    if keep is None:
        return Tidied()
    old = expired(store.ledger().checkins, store.owned(), keep, now, limit)
    removed = kept = 0

    def send(item: Expired, client: CalendarClient) -> None:
        client.delete(item.href, item.etag)

    error = None
    try:
        for item, outcome in calendar.run_all(old, send, 1, interrupted):
            uid = item.checkin.uid
            if isinstance(outcome, Conflict | Rejected):
                store.record_kept(uid)
                why = "you changed it" if isinstance(outcome, Conflict) else f"the server refused ({outcome})"
                log.info("the past check-in with %s stays in the calendar: %s (%s)", item.checkin.person, why, uid)
                kept += 1
            else:
                store.record_removed(uid)
                removed += 1
    except CalendarError as failure:
        error = str(failure)
    if removed:
        log.info("cleared %d old past check-in(s) from the calendar (keep_history); history keeps them", removed)
    return Tidied(removed, kept, error)
