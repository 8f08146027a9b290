"""The CalDAV edge: one calendar collection, on the DAV collection in `dav.py`.

What is CalDAV's own is here: finding the calendar by its display name in two or three
PROPFINDs (none once its URL is remembered), creating it when missing, the words and media
type of iCalendar objects, and the calendar-multiget.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape

from reconnectd.calendar.dav import DavCollection
from reconnectd.calendar.session import XML, Precondition, Words
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
_MKCALENDAR = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:set><d:prop><d:displayname>{name}</d:displayname></d:prop></d:set></c:mkcalendar>"
)


class _NotDav(CalendarError):
    """The URL answered, but not as a DAV resource (404, 405, 501, or a web page)."""


class _Found:
    """One PROPFIND's answers, about the URL it ended at (after redirects)."""

    def __init__(self, url: str, results: list[Any], raw: str) -> None:
        self.url = url
        self.results = results
        self.mine = _own(results, url)
        self.guest = "unauthenticated" in raw  # RFC 5397: the server takes us for nobody


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

    principal: str | None = None  # found by discovery: proof of a login (or of a server that needs none)

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

        Discovery as in RFC 6764 and RFC 4791: the configured URL (or `/.well-known/caldav`
        when it is no DAV resource), its current-user-principal, the principal's
        calendar-home-set. Each PROPFIND asks for all of it, so the URL may be the host, the
        DAV root, the principal, the home or the calendar itself, in two or three requests.
        When the server answers as to a guest (no principal, `<unauthenticated/>`, or an
        empty home) and a username is configured, it starts again with the credentials sent.
        """
        home, calendars, guest = self._look()
        if guest and self.session.log_in_unasked():
            log.info("%s took us for a guest; sending the credentials", self.words.server)
            home, calendars, _ = self._look()
        return home, calendars

    def _look(self) -> tuple[str, list[tuple[str, str]], bool]:
        """The home, its calendars, and whether the server took us for a guest."""
        self.principal = None
        start = self._start()
        calendars = _calendars(start.results, start.url)  # the URL may be a calendar itself
        principal = _href(start.mine, _PRINCIPAL, start.url)
        home = _href(start.mine, _HOME_SET, start.url)
        if home is None:
            at = self._propfind(principal or start.url, "1")
            principal = principal or _href(at.mine, _PRINCIPAL, at.url)
            home = _href(at.mine, _HOME_SET, at.url) or at.url
            if _same(home, at.url):
                self.principal = principal
                found = _merged(calendars, _calendars(at.results, at.url))
                return home, found, start.guest or at.guest or principal is None or not found
        self.principal = principal
        listed = self._propfind(home, "1")
        found = _merged(calendars, _calendars(listed.results, listed.url))
        return listed.url, found, start.guest or listed.guest or principal is None or not found

    def _start(self) -> _Found:
        """The PROPFIND on the configured URL; on `/.well-known/caldav` when that is no DAV resource."""
        try:
            return self._propfind(self.server_url, "0")
        except _NotDav:
            well_known = urljoin(self.server_url, self.words.well_known)
            if _same(well_known, self.server_url):
                raise
            log.info("%s has no DAV resource at that URL; trying %s", self.words.server, self.words.well_known)
            return self._propfind(well_known, "0")

    def _propfind(self, url: str, depth: str) -> _Found:
        response = self.session.request(url, "PROPFIND", _PROPFIND_DISCOVERY, {"Depth": depth, "Content-Type": XML})
        if response.status in (404, 405, 501) or (200 <= response.status < 300 and response.status != 207):
            raise _NotDav(self.session.no_service())
        self.session.expect(response, (207,), "find the calendars")
        results = list(self.session.call(response.parse_propfind))
        raw = response.raw if isinstance(response.raw, str) else bytes(response.raw or b"").decode("utf-8", "replace")
        return _Found(getattr(response, "final_url", url), results, raw)

    def _discover(self, name: str) -> str:
        home, calendars = self._home()
        for display, url in calendars:
            if name in (display, _last_segment(url)):
                self.url = url
                return self.url
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or uuid.uuid4().hex
        try:
            self.url = self._make(home, name, slug)
        except CalendarUnreachable:
            raise
        except CalendarError as failure:
            raise CalendarError(
                f'no calendar named "{name}" on {self.session.where()}, and creating it failed ({failure}); '
                "create it in your calendar app, or set calendar.name to an existing one"
            ) from None
        log.info('created the calendar "%s" at %s', name, self.url)
        return self.url

    def _make(self, home: str, name: str, slug: str) -> str:
        """MKCALENDAR in the home, named `slug`, or when that is refused, a random name."""
        body = _MKCALENDAR.format(name=escape(name))
        base = home if home.endswith("/") else home + "/"
        segments = [slug, uuid.uuid4().hex]
        while True:
            url = urljoin(base, segments.pop(0) + "/")
            try:
                response = self.session.request(url, "MKCALENDAR", body, {"Content-Type": XML})
                self.session.expect(response, (201,), "create the calendar")
                return str(getattr(response, "final_url", url))
            except (CalendarUnreachable, Precondition):
                raise  # a precondition is about the place, not the name
            except CalendarError:
                if not segments:
                    raise

    def _multiget_data(self, response: Any) -> dict[str, tuple[str | None, str]]:
        return {r.href: (r.etag, r.calendar_data) for r in response.parse_calendar_query() if r.calendar_data}


def _own(results: list[Any], url: str) -> Any:
    """The answer about `url` itself among a PROPFIND's answers (None if the server left it out)."""
    return next((r for r in results if _same(urljoin(url, r.href), url)), None)


def _href(result: Any, prop: str, base: str) -> str | None:
    """The (first) href a property of `result` points at, as an absolute URL (None for `<unauthenticated/>`)."""
    value = result.properties.get(prop) if result is not None else None
    if isinstance(value, list):
        value = value[0] if value else None
    return urljoin(base, value) if isinstance(value, str) and value.strip() else None


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
