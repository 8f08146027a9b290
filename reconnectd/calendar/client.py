"""The CalDAV edge: one calendar, over the HTTP session in `session.py`.

It speaks in hrefs, ETags and bytes, and knows nothing of people or plans. Writes are
conditional: If-None-Match on create, If-Match on update and delete. A 412 means the
user got there first, and is reported as a conflict rather than overwritten.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape

from caldav.collection import CalendarSet

from reconnectd.calendar.readback import Changes
from reconnectd.calendar.session import Busy, Conflict, Rejected, Session, Words
from reconnectd.errors import CalendarError, CalendarUnreachable

log = logging.getLogger(__name__)

_PROPFIND_ETAGS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>'
)
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
_WORDS = Words(
    server="the calendar server",
    service="CalDAV",
    setting="calendar",
    collection="the calendar",
    an_object="an event",
    objects="events",
)


@dataclass(frozen=True)
class Written:
    href: str
    etag: str | None


@dataclass(frozen=True)
class Taken:
    """A create found its name already in use: what is there now."""

    href: str
    etag: str | None
    data: str


T = TypeVar("T")
R = TypeVar("R")


class CalendarClient:
    """One calendar collection on one CalDAV server."""

    def __init__(
        self, url: str, username: str | None, password: str | None, *, verify_tls: bool = True, timeout: float = 30
    ) -> None:
        self.server_url = url
        self.session = Session(url, username, password, verify_tls=verify_tls, timeout=timeout, words=_WORDS)
        self.url: str = ""
        self.name: str = ""
        self.sync_supported = True
        self.one_at_a_time = False  # set once the server shows it cannot take parallel writes

    @property
    def requests(self) -> int:
        """Every HTTP exchange so far, this client's and its clones', for the request budget."""
        return self.session.requests

    def clone(self) -> CalendarClient:
        """Another connection to the same, already opened calendar (for writes in parallel)."""
        twin = copy.copy(self)
        twin.session = self.session.twin()
        return twin

    def run_all(
        self,
        items: Sequence[T],
        send: Callable[[T, CalendarClient], R],
        concurrency: int,
        interrupted: Callable[[], bool] = lambda: False,
    ) -> Iterator[tuple[T, R | Conflict | Rejected]]:
        """Each item sent on one of `concurrency` connections; results as they arrive.

        A conflict (the user's edit wins) or a refusal of one object is a result; any other
        CalendarError stops the rest.
        """
        if concurrency <= 1 or self.one_at_a_time or len(items) <= 1:
            for item in items:
                if interrupted():
                    return
                yield item, self._patiently(item, send)
            return
        local = threading.local()
        clones: list[CalendarClient] = []
        lock = threading.Lock()

        def work(item: T) -> tuple[bool, R | Conflict | Rejected | None]:
            """(True, the result), or (False, None) when the server was too busy for it."""
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = self.clone()
                with lock:
                    clones.append(client)
            try:
                return True, send(item, client)
            except (Conflict, Rejected) as refused:
                return True, refused
            except Busy:
                return False, None

        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="caldav")
        futures = {pool.submit(work, item): item for item in items}
        later: list[T] = []
        try:
            for future in as_completed(futures):
                if interrupted():
                    return
                done, outcome = future.result()
                if not done:
                    later.append(futures[future])
                    continue
                yield futures[future], outcome  # type: ignore[misc]
        finally:
            for future in futures:
                future.cancel()
            pool.shutdown(wait=True)
            for client in clones:
                client.close()
        if later:
            log.info("the calendar server is busy with parallel writes; writing one at a time from now on")
            self.one_at_a_time = True
            for item in later:
                if interrupted():
                    return
                yield item, self._patiently(item, send)

    def _patiently(self, item: T, send: Callable[[T, CalendarClient], R]) -> R | Conflict | Rejected:
        """Send one item; if the server is busy, try again a few times with growing pauses."""
        pauses = iter((0.2, 0.5, 1.0, 2.0))
        while True:
            try:
                return send(item, self)
            except (Conflict, Rejected) as refused:
                return refused
            except Busy:
                pause = next(pauses, None)
                if pause is None:
                    raise
                time.sleep(pause)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> CalendarClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

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

    def changes(self, token: str | None) -> Changes:
        """What changed since `token`: one sync-collection REPORT (RFC 6578).

        Without a token, or when the server rejects it or has no sync support, it lists
        every object instead (`complete`), so anything missing from the answer is gone.
        """
        if token and self.sync_supported:
            try:
                response = self._report_sync(token)
            except CalendarUnreachable:
                raise
            except CalendarError:
                # caldav raises 403 as a login failure; for a sync REPORT it is the RFC 6578
                # valid-sync-token precondition. A real login problem shows in the full listing.
                response = None
            if response is not None and response.status == 207:
                result = response.parse_sync_collection()
                if not result.truncated:
                    changed = {r.href: str(r.etag) for r in result.changed if r.etag and not self._is_self(r.href)}
                    return Changes(changed, tuple(result.deleted), complete=False, token=result.sync_token)
            log.info("the server did not accept our sync token; comparing every object")
        return self._everything()

    def _everything(self) -> Changes:
        if self.sync_supported:
            response = self._report_sync("")
            if response.status == 207:
                result = response.parse_sync_collection()
                if not result.truncated:
                    changed = {r.href: str(r.etag) for r in result.changed if r.etag and not self._is_self(r.href)}
                    return Changes(changed, (), complete=True, token=result.sync_token)
            self.sync_supported = False
        response = self.session.request(
            self.url, "PROPFIND", _PROPFIND_ETAGS, {"Depth": "1", "Content-Type": "application/xml"}
        )
        self.session.expect(response, (207,), "list the calendar")
        found: dict[str, str] = {}
        for result in response.parse_propfind():
            if "{DAV:}collection" in (result.properties.get("{DAV:}resourcetype") or ()):
                continue
            etag = result.properties.get("{DAV:}getetag")
            if etag:
                found[result.href] = str(etag)
        return Changes(found, (), complete=True, token=None)

    def _report_sync(self, token: str) -> Any:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
            f"<d:sync-token>{escape(token)}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>"
        )
        response = self.session.request(self.url, "REPORT", body, {"Content-Type": "application/xml"})
        if response.status == 404 and self.name:
            log.info("the calendar moved or was recreated; looking it up again")
            self._discover(self.name)
            response = self.session.request(self.url, "REPORT", body, {"Content-Type": "application/xml"})
        if response.status >= 500:
            self.session.expect(response, (207,), "list changes")
        return response

    def _is_self(self, href: str) -> bool:
        return href.rstrip("/") == urlsplit(self.url).path.rstrip("/")

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str | None, str]]:
        """The data of the given objects: href to (ETag, iCalendar text). One request."""
        if not hrefs:
            return {}
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
            + "".join(f"<d:href>{escape(h)}</d:href>" for h in hrefs)
            + "</c:calendar-multiget>"
        )
        response = self.session.request(self.url, "REPORT", body, {"Depth": "1", "Content-Type": "application/xml"})
        self.session.expect(response, (207,), "read events")
        return {r.href: (r.etag, r.calendar_data) for r in response.parse_calendar_query() if r.calendar_data}

    def create(self, uid: str, body: bytes, *, fresh: bool = False) -> Written | Taken:
        """PUT a new object, named after its UID (or, `fresh`, a random variant). Never overwrites:
        when the name is taken, the object there is returned instead, for the caller to judge."""
        name = f"{uid}-{uuid.uuid4().hex[:8]}.ics" if fresh else f"{uid}.ics"
        href = urljoin(self.url if self.url.endswith("/") else self.url + "/", name)
        response = self._put(href, body, {"If-None-Match": "*"})
        if response.status == 412 and not fresh:
            found = self.fetch([urlsplit(href).path])
            if found:
                ((path, (etag, data)),) = found.items()
                return Taken(path, etag, data)
            return self.create(uid, body, fresh=True)  # gone again already
        self.session.expect(response, (200, 201, 204), "create an event")
        return Written(urlsplit(href).path, _etag(response))

    def update(self, href: str, etag: str, body: bytes) -> Written:
        response = self._put(self._absolute(href), body, {"If-Match": etag})
        if response.status == 412:
            raise Conflict(href)
        self.session.expect(response, (200, 201, 204), "update an event")
        return Written(href, _etag(response))

    def delete(self, href: str, etag: str) -> None:
        response = self.session.request(self._absolute(href), "DELETE", "", {"If-Match": etag})
        if response.status == 412:
            raise Conflict(href)
        if response.status != 404:
            self.session.expect(response, (200, 204), "delete an event")

    # -- plumbing ------------------------------------------------------------

    def _put(self, url: str, body: bytes, headers: dict[str, str]) -> Any:
        headers = {"Content-Type": "text/calendar; charset=utf-8", **headers}
        return self.session.request(url, "PUT", body.decode("utf-8"), headers)

    def _absolute(self, href: str) -> str:
        return urljoin(self.url, href)


def _etag(response: Any) -> str | None:
    headers = response.headers or {}
    value = headers.get("ETag") or headers.get("etag")
    return str(value) if value else None


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
