"""The CalDAV edge: the only module that imports caldav.

It speaks in hrefs, ETags and bytes, and knows nothing of people or plans. Writes are
conditional: If-None-Match on create, If-Match on update and delete. A 412 means the
user got there first, and is reported as a conflict rather than overwritten.
"""

from __future__ import annotations

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

import niquests
from caldav.collection import CalendarSet
from caldav.davclient import DAVClient
from caldav.lib import error as caldav_error

from reconnectd.calendar.readback import Changes
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


class Conflict(Exception):
    """The object changed on the server since we last saw it (HTTP 412)."""


class Rejected(CalendarError):
    """The server refused this one object (400, 409, 413, 415, 422); the others may still go."""


class Busy(CalendarUnreachable):
    """The server can't take this now (423 Locked, 429, 503): worth a retry, one write at a time."""


class _Counter:
    """A thread-safe count of HTTP exchanges, shared by a client and its clones."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def count(self, response: Any, *_: Any, **__: Any) -> Any:
        with self._lock:
            self.value += 1
        return response


T = TypeVar("T")
R = TypeVar("R")


class CalendarClient:
    """One calendar collection on one CalDAV server."""

    def __init__(
        self, url: str, username: str | None, password: str | None, *, verify_tls: bool = True, timeout: float = 30
    ) -> None:
        self.server_url = url
        self.client = DAVClient(
            url=url,
            username=username,
            password=password,
            ssl_verify_cert=verify_tls,
            timeout=int(timeout),
            enable_rfc6764=False,
        )
        self.url: str = ""
        self.name: str = ""
        self.sync_supported = True
        self.one_at_a_time = False  # set once the server shows it cannot take parallel writes
        self._settings = (url, username, password, verify_tls, timeout)
        self._counter = _Counter()
        self.client.session.hooks["response"].append(self._counter.count)

    @property
    def requests(self) -> int:
        """Every HTTP exchange so far, this client's and its clones', for the request budget."""
        return self._counter.value

    def clone(self) -> CalendarClient:
        """Another connection to the same, already opened calendar (for writes in parallel)."""
        url, username, password, verify_tls, timeout = self._settings
        twin = CalendarClient(url, username, password, verify_tls=verify_tls, timeout=timeout)
        twin.url, twin.name, twin.sync_supported = self.url, self.name, self.sync_supported
        twin.client.auth, twin.client.auth_type = self.client.auth, self.client.auth_type  # no 401 round trip
        twin.client.session.hooks["response"] = [self._counter.count]
        twin._counter = self._counter
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
        self.client.close()

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
        response = self._request(
            url, "PROPFIND", _PROPFIND_DISCOVERY, {"Depth": depth, "Content-Type": "application/xml"}
        )
        if response.status in (404, 405, 501) or (200 <= response.status < 300 and response.status != 207):
            raise CalendarError(f"{self._where()} has no CalDAV service at that URL (check calendar.url)")
        self._expect(response, (207,), "find the calendars")
        return list(self._call(response.parse_propfind))

    def _discover(self, name: str) -> str:
        home, calendars = self._home()
        for display, url in calendars:
            if name in (display, _last_segment(url)):
                self.url = url
                return self.url
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or None
        where = CalendarSet(self.client, url=home)
        try:
            try:
                created = self._call(where.make_calendar, name=name, cal_id=slug)
            except CalendarUnreachable:
                raise
            except CalendarError:
                created = self._call(where.make_calendar, name=name)
        except CalendarUnreachable:
            raise
        except CalendarError as failure:
            raise CalendarError(
                f'no calendar named "{name}" on {self._where()}, and creating it failed ({failure}); '
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
        response = self._request(
            self.url, "PROPFIND", _PROPFIND_ETAGS, {"Depth": "1", "Content-Type": "application/xml"}
        )
        self._expect(response, (207,), "list the calendar")
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
        response = self._request(self.url, "REPORT", body, {"Content-Type": "application/xml"})
        if response.status == 404 and self.name:
            log.info("the calendar moved or was recreated; looking it up again")
            self._discover(self.name)
            response = self._request(self.url, "REPORT", body, {"Content-Type": "application/xml"})
        if response.status >= 500:
            self._expect(response, (207,), "list changes")
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
        response = self._request(self.url, "REPORT", body, {"Depth": "1", "Content-Type": "application/xml"})
        self._expect(response, (207,), "read events")
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
        self._expect(response, (200, 201, 204), "create an event")
        return Written(urlsplit(href).path, _etag(response))

    def update(self, href: str, etag: str, body: bytes) -> Written:
        response = self._put(self._absolute(href), body, {"If-Match": etag})
        if response.status == 412:
            raise Conflict(href)
        self._expect(response, (200, 201, 204), "update an event")
        return Written(href, _etag(response))

    def delete(self, href: str, etag: str) -> None:
        response = self._request(self._absolute(href), "DELETE", "", {"If-Match": etag})
        if response.status == 412:
            raise Conflict(href)
        if response.status != 404:
            self._expect(response, (200, 204), "delete an event")

    # -- plumbing ------------------------------------------------------------

    def _put(self, url: str, body: bytes, headers: dict[str, str]) -> Any:
        headers = {"Content-Type": "text/calendar; charset=utf-8", **headers}
        return self._request(url, "PUT", body.decode("utf-8"), headers)

    def _absolute(self, href: str) -> str:
        return urljoin(self.url, href)

    def _request(self, url: str, method: str, body: str, headers: dict[str, str]) -> Any:
        response = self._call(self.client.request, url, method, body, headers)
        log.debug("%s %s -> %s", method, urlsplit(url).path, response.status)
        return response

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except caldav_error.AuthorizationError:
            raise CalendarError(
                f"{self._where()} refused the login (check calendar.username and the password)"
            ) from None
        except caldav_error.RateLimitError:
            raise Busy(f"{self._where()} asked us to slow down (HTTP 429/503); will retry") from None
        except caldav_error.NotFoundError:
            raise CalendarError(f"{self._where()} has no CalDAV service at that URL (check calendar.url)") from None
        except caldav_error.DAVError as failure:
            if any(code in str(failure) for code in ("404", "405", "501", "Not Implemented", "Method Not Allowed")):
                raise CalendarError(f"{self._where()} has no CalDAV service at that URL (check calendar.url)") from None
            raise CalendarError(f"{self._where()} answered with an error: {_short(failure)}") from None
        except (niquests.exceptions.RequestException, OSError) as failure:
            raise CalendarUnreachable(f"cannot reach {self._where()}: {_short(failure)}") from None

    def _expect(self, response: Any, statuses: tuple[int, ...], doing: str) -> None:
        if response.status in statuses:
            return
        message = f"{self._where()} could not {doing}: HTTP {response.status} {response.reason or ''}".strip()
        if response.status in (423, 429, 503):
            raise Busy(message)
        if response.status in (400, 409, 413, 415, 422):
            raise Rejected(message)
        if response.status >= 500:
            raise CalendarUnreachable(message)
        raise CalendarError(message)

    def _where(self) -> str:
        parts = urlsplit(self.server_url)
        return f"the calendar server {parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


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


def _short(failure: BaseException) -> str:
    """The root cause in a few words: 'connection refused', not a page of urllib3."""
    text = str(failure)
    for needle, plain in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "the host name does not resolve"),
        ("nodename nor servname", "the host name does not resolve"),
        ("Temporary failure in name resolution", "the host name does not resolve (no DNS?)"),
        ("timed out", "the request timed out"),
        ("CERTIFICATE_VERIFY_FAILED", "its TLS certificate is not trusted (see calendar.verify_tls)"),
        ("Connection reset", "the connection was reset"),
        ("Network is unreachable", "the network is unreachable"),
    ):
        if needle in text:
            return plain
    first = text.splitlines()[0] if text else type(failure).__name__
    return first[:200]
