"""What a cycle hears before it plans, besides its own calendar: renames in the config, presses of a
nudge's buttons, meetings in the watched calendars. Each is recorded in the store, for the plan to read."""

from __future__ import annotations

import logging
from datetime import datetime

from reconnectd.calendar.client import CalendarClient
from reconnectd.errors import CalendarError
from reconnectd.notify import ntfy
from reconnectd.notify.notifier import Notifier
from reconnectd.notify.presses import press_key, read_presses
from reconnectd.policy.settings import Config
from reconnectd.sources import seen, watched
from reconnectd.state import Store

log = logging.getLogger(__name__)


def follow_renames(config: Config, store: Store, now: datetime) -> None:
    """`was:` on a person: what is recorded under the old name becomes theirs, once."""
    for person in config.people:
        for old in person.was:
            if store.rename(old, person.name, now):
                log.info("renamed: the history of %s is now %s's (was: in the config)", old, person.name)


def presses(store: Store, notifier: Notifier, now: datetime) -> None:
    """Presses of the buttons on ntfy nudges, from each reply topic: before planning, so the
    calendar follows on this cycle."""
    notifier.press_key = key = press_key(store.path.parent)
    for route in notifier.replies.values():
        try:
            read_presses(store, key, server=route.server, reply=route.reply, auth=route.read_auth, now=now)
        except OSError as error:
            log.warning(
                "could not read the reply topic of %s (%s); trying again next cycle", route.label, ntfy.why(error)
            )


def meetings(config: Config, store: Store, calendar: CalendarClient, now: datetime) -> int:
    """Meetings in the watched calendars: past ones are contacts, those ahead hold check-ins back.
    Returns how many were recorded as contact."""
    try:
        found = watched.read(config, store, calendar, now)
    except CalendarError as failure:
        log.warning("could not read the watched calendars: %s", failure)
        return 0
    return seen.fold_in(config, store, found, now).recorded
