"""The watched calendars: other calendars of the same login, read by sync token, never written.
Our own calendar is read the same way, for the events the user added there by hand.

Each calendar's objects are kept in the store (href, ETag and data; only the ETag of a single
event that is long over), so that a quiet poll costs one sync REPORT per calendar. Their URLs are
found once and again at each full poll, when `watch: all` may have gained a calendar.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from reconnectd.calendar.client import CalendarClient
from reconnectd.errors import CalendarError
from reconnectd.policy.meetings import Occurrence
from reconnectd.policy.settings import CalendarSettings, Config
from reconnectd.sources.events import ends_before, occurrences, readable
from reconnectd.state import Store

log = logging.getLogger(__name__)

FOUND = "watched_calendars"  # JSON: {"spec": what the config asked for, "at": when, "found": [[name, url]]}
CACHE = "watched "  # + the calendar's URL: JSON {"token": ..., "objects": {href: [etag, data or null]}}
SHORTEST_LOOKBACK = timedelta(days=7)


@dataclass
class Watched:
    """What one read of the watched calendars saw."""

    found: list[tuple[str, str]] = field(default_factory=list)  # (display name, URL)
    missing: list[str] = field(default_factory=list)  # configured names no calendar has
    occurrences: list[Occurrence] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # hrefs deleted since the last read
    unreadable: list[str] = field(default_factory=list)  # calendars that could not be read this time
    unread_paths: list[str] = field(default_factory=list)  # their URL paths: what they held is kept as it was
    read_paths: list[str] = field(default_factory=list)  # the URL paths of the calendars read this time
    window: tuple[datetime, datetime] | None = None


def watching(settings: CalendarSettings) -> bool:
    return settings.watch_all or bool(settings.watch)


def lookback(config: Config) -> timedelta:
    """How far back (and ahead) meetings matter: one longest cadence."""
    days = max((p.every.approx_days() for p in config.everyone), default=0.0)
    return max(SHORTEST_LOOKBACK, timedelta(days=round(days)))


def choose(settings: CalendarSettings, calendars: list[tuple[str, str]], own_url: str) -> Watched:
    """The calendars to watch among those of the login: never our own."""
    others = [(n, u) for n, u in calendars if urlsplit(u).path.rstrip("/") != urlsplit(own_url).path.rstrip("/")]
    if settings.watch_all:
        return Watched(found=others)
    by_name = {n: (n, u) for n, u in reversed(others)}
    by_name.update({n.casefold(): (n, u) for n, u in reversed(others) if n.casefold() not in by_name})
    found = [by_name.get(w) or by_name.get(w.casefold()) for w in settings.watch]
    return Watched(
        found=list(dict.fromkeys(f for f in found if f)),
        missing=[w for w, f in zip(settings.watch, found, strict=True) if f is None],
    )


def discover(config: Config, store: Store, calendar: CalendarClient, now: datetime) -> Watched:
    """The watched calendars, remembered since the last full poll unless the config asks for others."""
    settings = config.calendar
    spec = "all" if settings.watch_all else json.dumps(list(settings.watch))
    known = json.loads(store.get_meta(FOUND) or "{}")
    fresh = known.get("spec") == spec and known.get("own") == calendar.url and known.get("at")
    if fresh and datetime.fromisoformat(known["at"]) <= now < datetime.fromisoformat(known["at"]) + settings.full_poll:
        chosen = Watched(found=[(n, u) for n, u in known["found"]], missing=list(known.get("missing", [])))
    else:
        chosen = choose(settings, calendar.calendars(), calendar.url)
        found = {"spec": spec, "own": calendar.url, "at": now.isoformat(), "found": chosen.found}
        store.set_meta(FOUND, json.dumps({**found, "missing": chosen.missing}))
        for name in chosen.missing:
            log.warning('calendar.watch names "%s", but the server has no calendar by that name', name)
    return chosen


def read(config: Config, store: Store, calendar: CalendarClient, now: datetime) -> Watched:
    """Every watched calendar's changes since the last read, and its occurrences in the window."""
    watched = discover(config, store, calendar, now)
    span = lookback(config)
    watched.window = (now - span, now + span)
    ours = {o.href for o in store.owned().values() if o.href}
    # Our own calendar too, for the events the user added there by hand (never our own objects).
    for name, url in [*watched.found, (config.calendar.name, calendar.url)]:
        try:
            objects, gone = _sync(store, calendar, (name, url), now - span, config, skip=ours)
        except CalendarError as failure:
            log.warning('could not read the watched calendar "%s": %s', name, failure)
            watched.unreadable.append(name)
            watched.unread_paths.append(urlsplit(url).path.rstrip("/") + "/")
            continue
        watched.gone |= gone
        watched.read_paths.append(urlsplit(url).path.rstrip("/") + "/")
        for href, (_, data) in objects.items():
            if data is not None:
                watched.occurrences += occurrences(
                    data, calendar=name, href=href, start=now - span, end=now + span, zone=config.timezone
                )
    return watched


def _sync(
    store: Store, calendar: CalendarClient, where: tuple[str, str], since: datetime, config: Config, *, skip: set[str]
) -> tuple[dict[str, tuple[str, str | None]], set[str]]:
    """The calendar's objects after this read, and the hrefs that went. Only reads: changes and multiget."""
    name, url = where
    key = CACHE + url
    cached = json.loads(store.get_meta(key) or "{}")
    objects: dict[str, tuple[str, str | None]] = {h: (e, d) for h, (e, d) in cached.get("objects", {}).items()}
    reader = copy.copy(calendar)  # the same connection, at another collection; no name, so never created
    reader.url, reader.name, reader.sync_supported = url, "", True
    changes = reader.changes(cached.get("token"))
    gone = set(changes.deleted) | ({h for h in objects if h not in changes.changed} if changes.complete else set())
    wanted = [h for h, e in changes.changed.items() if h not in skip and objects.get(h, ("", None))[0] != e]
    fetched = reader.fetch(wanted) if wanted else {}
    for href in gone:
        objects.pop(href, None)
    for href in wanted:
        if href not in fetched:
            continue
        _, data = fetched[href]
        keep = (
            data if readable(data, calendar=name, href=href) and not ends_before(data, since, config.timezone) else None
        )
        objects[href] = (changes.changed[href], keep)
    if changes.token != cached.get("token") or gone or wanted or not cached:
        store.set_meta(key, json.dumps({"token": changes.token, "objects": objects}))
    return objects, gone
