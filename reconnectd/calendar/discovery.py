"""Finding a kind of collection from any URL a user pastes: shared by the calendar and the address book.

Discovery as in RFC 6764, RFC 4791 and RFC 6352: the configured URL (or `/.well-known/caldav`
or `/.well-known/carddav` when it is no DAV resource), its current-user-principal, the
principal's home set. Each PROPFIND asks for all of it, so the URL may be the host, the DAV
root, the principal, the home or the collection itself, in two or three requests. A subclass
names its namespace, its home-set property and the resource type that marks one collection.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from reconnectd.calendar.dav import DavCollection
from reconnectd.calendar.session import XML
from reconnectd.errors import CalendarError

log = logging.getLogger(__name__)

_PRINCIPAL = "{DAV:}current-user-principal"
_DISPLAY_NAME = "{DAV:}displayname"
_RESOURCE_TYPE = "{DAV:}resourcetype"


class NotDav(CalendarError):
    """The URL answered, but not as a DAV resource (404, 405, 501, or a web page)."""


class _Found:
    """One PROPFIND's answers, about the URL it ended at (after redirects)."""

    def __init__(self, url: str, results: list[Any], raw: str) -> None:
        self.url = url
        self.results = results
        self.mine = _own(results, url)
        self.guest = "unauthenticated" in raw  # RFC 5397: the server takes us for nobody


class Discovered(DavCollection):
    """A collection found by discovery; a subclass says which kind (calendar or address book)."""

    home_set: ClassVar[str]  # the principal's property naming the home: "calendar-home-set"
    collection_type: ClassVar[str]  # the resource type of one collection: "calendar"
    plural: ClassVar[str]  # of the collections, in messages: "calendars"

    principal: str | None = None  # found by discovery: proof of a login (or of a server that needs none)

    @classmethod
    def _body(cls) -> str:
        # Every resource on the way is asked for all discovery needs, so that each answer may end it:
        # whose principal this is, where its collections live, and whether it is one (and its name).
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<d:propfind xmlns:d="DAV:" xmlns:c="{cls.namespace}"><d:prop>'
            f"<d:current-user-principal/><c:{cls.home_set}/><d:displayname/><d:resourcetype/>"
            "</d:prop></d:propfind>"
        )

    def _home(self) -> tuple[str, list[tuple[str, str]]]:
        """The home, and its collections as (display name, URL), display names included.

        When the server answers as to a guest (no principal, `<unauthenticated/>`, or an
        empty home) and a username is configured, it starts again with the credentials sent.
        """
        home, found, guest = self._look()
        if guest and self.session.log_in_unasked():
            log.info("%s took us for a guest; sending the credentials", self.words.server)
            home, found, _ = self._look()
        return home, found

    def _look(self) -> tuple[str, list[tuple[str, str]], bool]:
        """The home, its collections, and whether the server took us for a guest."""
        self.principal = None
        home_set = f"{{{self.namespace}}}{self.home_set}"
        start = self._start()
        collections = self._collections(start.results, start.url)  # the URL may be a collection itself
        principal = _href(start.mine, _PRINCIPAL, start.url)
        home = _href(start.mine, home_set, start.url)
        if home is None:
            at = self._propfind(principal or start.url, "1")
            principal = principal or _href(at.mine, _PRINCIPAL, at.url)
            home = _href(at.mine, home_set, at.url) or at.url
            if same(home, at.url):
                self.principal = principal
                found = _merged(collections, self._collections(at.results, at.url))
                return home, found, start.guest or at.guest or principal is None or not found
        self.principal = principal
        listed = self._propfind(home, "1")
        found = _merged(collections, self._collections(listed.results, listed.url))
        return listed.url, found, start.guest or listed.guest or principal is None or not found

    def _start(self) -> _Found:
        """The PROPFIND on the configured URL; on the well-known URL when that is no DAV resource."""
        try:
            return self._propfind(self.server_url, "0")
        except NotDav:
            well_known = urljoin(self.server_url, self.words.well_known)
            if same(well_known, self.server_url):
                raise
            log.info("%s has no DAV resource at that URL; trying %s", self.words.server, self.words.well_known)
            return self._propfind(well_known, "0")

    def _propfind(self, url: str, depth: str) -> _Found:
        response = self.session.request(url, "PROPFIND", self._body(), {"Depth": depth, "Content-Type": XML})
        if response.status in (404, 405, 501) or (200 <= response.status < 300 and response.status != 207):
            raise NotDav(self.session.no_service())
        self.session.expect(response, (207,), f"find the {self.plural}")
        results = list(self.session.call(response.parse_propfind))
        raw = response.raw if isinstance(response.raw, str) else bytes(response.raw or b"").decode("utf-8", "replace")
        return _Found(getattr(response, "final_url", url), results, raw)

    def _collections(self, results: list[Any], base: str) -> list[tuple[str, str]]:
        """(display name, URL) of each collection of our kind among a PROPFIND's answers; a nameless one
        goes by its last segment."""
        kind = f"{{{self.namespace}}}{self.collection_type}"
        found = []
        for result in results:
            if kind in (result.properties.get(_RESOURCE_TYPE) or ()):
                url = urljoin(base, result.href)
                found.append((str(result.properties.get(_DISPLAY_NAME) or last_segment(url)), url))
        return found


def _own(results: list[Any], url: str) -> Any:
    """The answer about `url` itself among a PROPFIND's answers (None if the server left it out)."""
    return next((r for r in results if same(urljoin(url, r.href), url)), None)


def _href(result: Any, prop: str, base: str) -> str | None:
    """The (first) href a property of `result` points at, as an absolute URL (None for `<unauthenticated/>`)."""
    value = result.properties.get(prop) if result is not None else None
    if isinstance(value, list):
        value = value[0] if value else None
    return urljoin(base, value) if isinstance(value, str) and value.strip() else None


def _merged(*lists: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for display, url in (pair for found in lists for pair in found):
        seen.setdefault(urlsplit(url).path.rstrip("/"), (display, url))
    return list(seen.values())


def same(a: str, b: str) -> bool:
    return urlsplit(a).path.rstrip("/") == urlsplit(b).path.rstrip("/") and urlsplit(a).netloc == urlsplit(b).netloc


def last_segment(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
