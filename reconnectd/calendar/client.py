"""The CalDAV edge: one calendar collection, on the DAV collection in `dav.py`.

What is CalDAV's own is here: finding the calendar by its display name in two or three
PROPFINDs (none once its URL is remembered), creating it when missing, the words and media
type of iCalendar objects, and the calendar-multiget.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from caldav.collection import CalendarSet

from reconnectd.calendar.dav import DavCollection
from reconnectd.calendar.session import Words
from reconnectd.errors import CalendarError, CalendarUnreachable

log = logging.getLogger(__name__)

# Discovery asks every resource on the way for all it needs, so that each answer may end it:
# whose principal this is, where its calendars live, and whether it is a calendar (and its name).
_PROPFIND_DISCOVERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>'
    "<d:current-user-principal/><c:calendar-home-set/><d:displayname/><d:resourcetype/>"
    "</d:prop></d:propfind>"
)
_PRINCIPAL = "{DAV:}current-user-principal"
_HOME_SET = "{urn:ietf:params:xml:ns:caldav}calendar-home-set"
_DISPLAY_NAME = "{DAV:}displayname"
_RESOURCE_TYPE = "{DAV:}resourcetype"
_CALENDAR = "{urn:ietf:params:xml:ns:caldav}calendar"


class CalendarClient(DavCollection):
    """One calendar collection on one CalDAV server."""

    words = Words(
        server="the calendar server",
        service="CalDAV",
        setting="calendar",
        collection="the calendar",
        an_object="an event",
        objects="events",
    )
    media_type = "text/calendar; charset=utf-8"
    suffix = ".ics"
    multiget = ("urn:ietf:params:xml:ns:caldav", "calendar-multiget", "calendar-data")
    thread_prefix = "caldav"

    def open(self, name: str, known_url: str | None = None) -> str:
        """Find the calendar whose display name is `name`, creating it when missing.

        With `known_url` (remembered from an earlier run) no request is made: the first
        read proves it, and rediscovers the calendar if it has gone.
        """
        self.name = name
        if known_url:
            self.url = known_url
            return known_url
        return self._discover(name)

    def calendars(self) -> list[tuple[str, str]]:
        """Every calendar of this login: (display name, URL)."""
        return self._home()[1]

    def find(self, name: str) -> str | None:
        """The URL of the calendar called `name`, without creating it."""
        return next((url for display, url in self.calendars() if name in (display, _last_segment(url))), None)

    def _home(self) -> tuple[str, list[tuple[str, str]]]:
        """The calendar home, and its calendars as (display name, URL), display names included.

        One PROPFIND on the configured URL names the principal (and the home, when the URL is
        the principal); one on the principal, at depth 1, names the home, and lists it too when
        the principal is its own home (Radicale); else one more lists the home (Xandikos,
        Nextcloud). So discovery costs two or three requests, whatever the number of calendars.
        """
        at = self.server_url
        found = self._propfind(at, "0")
        mine = _own(found, at)
        calendars = _calendars(found, at)  # the URL may be a calendar itself
        home = _href(mine, _HOME_SET, at)
        if home is None:
            principal = _href(mine, _PRINCIPAL, at) or at
            found = self._propfind(principal, "1")
            home = _href(_own(found, principal), _HOME_SET, principal) or principal
            if _same(home, principal):
                return home, _merged(calendars, _calendars(found, principal))
        return home, _merged(calendars, _calendars(self._propfind(home, "1"), home))

    def _propfind(self, url: str, depth: str) -> list[Any]:
        response = self.session.request(
            url, "PROPFIND", _PROPFIND_DISCOVERY, {"Depth": depth, "Content-Type": "application/xml"}
        )
        if response.status in (404, 405, 501) or (200 <= response.status < 300 and response.status != 207):
            raise CalendarError(self.session.no_service())
        self.session.expect(response, (207,), "find the calendars")
        return list(self.session.call(response.parse_propfind))

    def _discover(self, name: str) -> str:
        home, calendars = self._home()
        for display, url in calendars:
            if name in (display, _last_segment(url)):
                self.url = url
                return self.url
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or None
        where = CalendarSet(self.session.dav, url=home)
        try:
            try:
                created = self.session.call(where.make_calendar, name=name, cal_id=slug)
            except CalendarUnreachable:
                raise
            except CalendarError:
                created = self.session.call(where.make_calendar, name=name)
        except CalendarUnreachable:
            raise
        except CalendarError as failure:
            raise CalendarError(
                f'no calendar named "{name}" on {self.session.where()}, and creating it failed ({failure}); '
                "create it in your calendar app, or set calendar.name to an existing one"
            ) from None
        log.info('created the calendar "%s" at %s', name, created.url)
        self.url = str(created.url)
        return self.url

    def _multiget_data(self, response: Any) -> dict[str, tuple[str | None, str]]:
        return {r.href: (r.etag, r.calendar_data) for r in response.parse_calendar_query() if r.calendar_data}


def _own(results: list[Any], url: str) -> Any:
    """The answer about `url` itself among a PROPFIND's answers (None if the server left it out)."""
    return next((r for r in results if _same(urljoin(url, r.href), url)), None)


def _href(result: Any, prop: str, base: str) -> str | None:
    """The (first) href a property of `result` points at, as an absolute URL."""
    value = result.properties.get(prop) if result is not None else None
    if isinstance(value, list):
        value = value[0] if value else None
    return urljoin(base, value) if value else None


def _calendars(results: list[Any], base: str) -> list[tuple[str, str]]:
    """(display name, URL) of each calendar among a PROPFIND's answers; a nameless one goes by its last segment."""
    found = []
    for result in results:
        if _CALENDAR in (result.properties.get(_RESOURCE_TYPE) or ()):
            url = urljoin(base, result.href)
            found.append((str(result.properties.get(_DISPLAY_NAME) or _last_segment(url)), url))
    return found


def _merged(*lists: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for display, url in (pair for found in lists for pair in found):
        seen.setdefault(urlsplit(url).path.rstrip("/"), (display, url))
    return list(seen.values())


def _same(a: str, b: str) -> bool:
    return urlsplit(a).path.rstrip("/") == urlsplit(b).path.rstrip("/") and urlsplit(a).netloc == urlsplit(b).netloc


def _last_segment(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
