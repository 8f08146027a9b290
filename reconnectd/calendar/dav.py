"""One collection on a DAV server, whatever it holds: the part a calendar and an address book share.

It speaks in hrefs, ETags and bytes, and knows nothing of people or plans, nor of calendars:
sync-collection deltas (RFC 6578), a listing by ETag, multiget, conditional writes, and
writes in parallel with retries while the server is busy. Writes are conditional:
If-None-Match on create, If-Match on update and delete. A 412 means the user got there
first, and is reported as a conflict rather than overwritten.

A kind of collection (the calendar, in `client.py`) subclasses `DavCollection`: it names
its words, its media type and its multiget, says how to find itself by name, and how to read
its objects' data out of a multiget's answer.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape

from reconnectd.calendar.readback import Changes
from reconnectd.calendar.session import Busy, Conflict, Forbidden, Rejected, Session, Words

log = logging.getLogger(__name__)

_PROPFIND_ETAGS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>'
)

_STALE_SYNC = "{DAV:}valid-sync-token"  # RFC 6578 3.2: the token is too old or unknown; sync again from none
_NO_SYNC = (405, 501)  # the server has no sync-collection REPORT (a bare 403 says so too)


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


class DavCollection:
    """One collection on one DAV server; a subclass says which kind."""

    words: ClassVar[Words]
    media_type: ClassVar[str]  # the Content-Type of what we PUT
    suffix: ClassVar[str]  # of the names we give new objects: ".ics"
    namespace: ClassVar[str]  # of the protocol's own elements: "urn:ietf:params:xml:ns:caldav"
    multiget: ClassVar[tuple[str, str]]  # the multiget REPORT's element and its data property, in that namespace
    thread_prefix: ClassVar[str]  # of the threads that write in parallel

    def __init__(
        self, url: str, username: str | None, password: str | None, *, verify_tls: bool = True, timeout: float = 30
    ) -> None:
        self.server_url = url
        self.session = Session(url, username, password, verify_tls=verify_tls, timeout=timeout, words=self.words)
        self.url: str = ""
        self.name: str = ""
        self.sync_supported = True
        self.one_at_a_time = False  # set once the server shows it cannot take parallel writes

    @property
    def requests(self) -> int:
        """Every HTTP exchange so far, this client's and its clones', for the request budget."""
        return self.session.requests

    def clone(self) -> Self:
        """Another connection to the same, already opened collection (for writes in parallel)."""
        twin = copy.copy(self)
        twin.session = self.session.twin()
        return twin

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- what each kind of collection says for itself -----------------------

    def _discover(self, name: str) -> str:
        """Find the collection called `name` (again, after a 404): set `url` and return it."""
        raise NotImplementedError

    def _multiget_data(self, response: Any) -> dict[str, tuple[str | None, str]]:
        """href to (ETag, text) for each object a multiget answered with its data."""
        raise NotImplementedError

    # -- reading -------------------------------------------------------------

    def changes(self, token: str | None) -> Changes:
        """What changed since `token`: one sync-collection REPORT (RFC 6578).

        Without a token, or when the server rejects it or has no sync support, it lists
        every object instead (`complete`), so anything missing from the answer is gone.
        """
        if token and self.sync_supported:
            delta = self._sync(token)
            if delta is not None:
                return delta
            log.info("the server did not accept our sync token; comparing every object")
        return self._everything()

    def _everything(self) -> Changes:
        if self.sync_supported:
            listing = self._sync("")
            if listing is not None:
                return listing
            self.sync_supported = False  # not even a full sync: list by PROPFIND from now on
        response = self.session.request(
            self.url, "PROPFIND", _PROPFIND_ETAGS, {"Depth": "1", "Content-Type": "application/xml"}
        )
        self.session.expect(response, (207,), f"list {self.words.collection}")
        found: dict[str, str] = {}
        for result in response.parse_propfind():
            if "{DAV:}collection" in (result.properties.get("{DAV:}resourcetype") or ()):
                continue
            etag = result.properties.get("{DAV:}getetag")
            if etag:
                found[result.href] = str(etag)
        return Changes(found, (), complete=True, token=None)

    def _sync(self, token: str) -> Changes | None:
        """The sync-collection REPORT's answer since `token` ("" for everything), or None when the
        server would not give one. A server that says it has no sync-collection at all (RFC 3253's
        403 for an unsupported REPORT, 405, 501) is remembered, so later polls list by PROPFIND
        straight away; a stale token (DAV:valid-sync-token, with a 403, or a 412 from Xandikos) is only
        a full resync."""
        try:
            response = self._report_sync(token)
        except Forbidden as refusal:
            if _STALE_SYNC not in refusal.preconditions:
                log.info("%s refuses sync-collection (HTTP 403); listing every object instead", self.words.server)
                self.sync_supported = False
            return None
        if response.status == 207:
            result = response.parse_sync_collection()
            if result.truncated:
                return None
            changed = {r.href: str(r.etag) for r in result.changed if r.etag and not self._is_self(r.href)}
            deleted = tuple(result.deleted) if token else ()
            return Changes(changed, deleted, complete=not token, token=result.sync_token)
        if response.status in _NO_SYNC:
            log.info(
                "%s has no sync-collection (HTTP %s); listing every object instead", self.words.server, response.status
            )
            self.sync_supported = False
        return None  # 400, 409 or 412 (Xandikos's stale token): this token, perhaps; a full sync may still go

    def _report_sync(self, token: str) -> Any:
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
            f"<d:sync-token>{escape(token)}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>"
        )
        response = self.session.request(self.url, "REPORT", body, {"Content-Type": "application/xml"})
        if response.status == 404 and self.name:
            log.info("%s moved or was recreated; looking it up again", self.words.collection)
            self._discover(self.name)
            response = self.session.request(self.url, "REPORT", body, {"Content-Type": "application/xml"})
        if response.status >= 500 and response.status not in _NO_SYNC:
            self.session.expect(response, (207,), "list changes")
        return response

    def _is_self(self, href: str) -> bool:
        return href.rstrip("/") == urlsplit(self.url).path.rstrip("/")

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str | None, str]]:
        """The data of the given objects: href to (ETag, text). One multiget REPORT."""
        if not hrefs:
            return {}
        report, data = self.multiget
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<c:{report} xmlns:d="DAV:" xmlns:c="{self.namespace}">'
            f"<d:prop><d:getetag/><c:{data}/></d:prop>"
            + "".join(f"<d:href>{escape(h)}</d:href>" for h in hrefs)
            + f"</c:{report}>"
        )
        response = self.session.request(self.url, "REPORT", body, {"Depth": "1", "Content-Type": "application/xml"})
        self.session.expect(response, (207,), f"read {self.words.objects}")
        return self._multiget_data(response)

    # -- conditional writes --------------------------------------------------

    def create(self, uid: str, body: bytes, *, fresh: bool = False) -> Written | Taken:
        """PUT a new object, named after its UID (or, `fresh`, a random variant). Never overwrites:
        when the name is taken, the object there is returned instead, for the caller to judge."""
        name = f"{uid}-{uuid.uuid4().hex[:8]}{self.suffix}" if fresh else f"{uid}{self.suffix}"
        href = urljoin(self.url if self.url.endswith("/") else self.url + "/", name)
        response = self._put(href, body, {"If-None-Match": "*"})
        if response.status == 412 and not fresh:
            found = self.fetch([urlsplit(href).path])
            if found:
                ((path, (etag, data)),) = found.items()
                return Taken(path, etag, data)
            return self.create(uid, body, fresh=True)  # gone again already
        self.session.expect(response, (200, 201, 204), f"create {self.words.an_object}")
        return Written(urlsplit(href).path, _etag(response))

    def update(self, href: str, etag: str, body: bytes) -> Written:
        response = self._put(self._absolute(href), body, {"If-Match": etag})
        if response.status == 412:
            raise Conflict(href)
        self.session.expect(response, (200, 201, 204), f"update {self.words.an_object}")
        return Written(href, _etag(response))

    def delete(self, href: str, etag: str) -> None:
        response = self.session.request(self._absolute(href), "DELETE", "", {"If-Match": etag})
        if response.status == 412:
            raise Conflict(href)
        if response.status != 404:
            self.session.expect(response, (200, 204), f"delete {self.words.an_object}")

    def _put(self, url: str, body: bytes, headers: dict[str, str]) -> Any:
        headers = {"Content-Type": self.media_type, **headers}
        return self.session.request(url, "PUT", body.decode("utf-8"), headers)

    def _absolute(self, href: str) -> str:
        return urljoin(self.url, href)

    # -- many writes ---------------------------------------------------------

    def run_all(
        self,
        items: Sequence[T],
        send: Callable[[T, Self], R],
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
        clones: list[Self] = []
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

        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=self.thread_prefix)
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
            log.info("%s is busy with parallel writes; writing one at a time from now on", self.words.server)
            self.one_at_a_time = True
            for item in later:
                if interrupted():
                    return
                yield item, self._patiently(item, send)

    def _patiently(self, item: T, send: Callable[[T, Self], R]) -> R | Conflict | Rejected:
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


def _etag(response: Any) -> str | None:
    headers = response.headers or {}
    value = headers.get("ETag") or headers.get("etag")
    return str(value) if value else None
