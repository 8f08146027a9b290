"""The HTTP session under every DAV collection: the only module that imports niquests.

One connection (a caldav `DAVClient`, which speaks plain WebDAV too), the count of its
exchanges, and what the server's answers mean to us: a refused login, a busy server, a
missing service, a refusal of one object, or a server that cannot be reached.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import niquests
from caldav.davclient import DAVClient
from caldav.lib import error as caldav_error
from caldav.response import DAVResponse

from reconnectd.errors import CalendarError, CalendarUnreachable

log = logging.getLogger(__name__)


class Conflict(Exception):
    """The object changed on the server since we last saw it (HTTP 412)."""


class Rejected(CalendarError):
    """The server refused this one object (400, 409, 413, 415, 422); the others may still go."""


class Forbidden(CalendarError):
    """HTTP 403: logged in (or no login needed), but not allowed this. `preconditions` names the
    server's reason when it gives one in a DAV:error body (RFC 4918 section 16), in Clark notation."""

    def __init__(self, message: str, preconditions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.preconditions = preconditions


class Precondition(Forbidden):
    """A 403 naming a DAV:error precondition we know: the server will not do this, whatever the name."""


class Busy(CalendarUnreachable):
    """The server can't take this now (423 Locked, 429, 503): worth a retry, one write at a time."""


@dataclass(frozen=True)
class Words:
    """How the messages name things, in the words the user knows from their config."""

    server: str  # "the calendar server", followed in messages by its scheme and host
    service: str  # "CalDAV", as in "has no CalDAV service at that URL"
    setting: str  # the config section the hints point at: "calendar", as in calendar.url
    collection: str  # "the calendar"
    an_object: str  # "an event"
    objects: str  # "events"
    well_known: str = "/.well-known/caldav"  # RFC 6764's entry point, tried when the URL is no DAV resource


REDIRECTS = (301, 302, 307, 308)
MAX_REDIRECTS = 5
XML = "application/xml; charset=utf-8"  # sent with every XML body: Cyrus answers 415 without it

# DAV:error preconditions (RFC 4791, 4918, 6352) in plain words.
_PRECONDITIONS = {
    "calendar-collection-location-ok": "the server does not allow a calendar here",
    "addressbook-collection-location-ok": "the server does not allow an address book here",
    "resource-must-be-null": "something else already has that name",
    "need-privileges": "this login may not change that",
    "unique-scheduling-object-resource": "it already holds an object with this UID under another name",
    "no-uid-conflict": "it already holds an object with this UID under another name",
    "valid-calendar-data": "it does not accept the data",
    "max-resource-size": "the object is too large for it",
}
_HREF = re.compile(r"<(?:[\w-]+:)?href>([^<]{1,2000})</(?:[\w-]+:)?href>")
# Refusals of one object, which leave the others to go on (as a 409 does).
_ONE_OBJECT = {"unique-scheduling-object-resource", "no-uid-conflict", "valid-calendar-data", "max-resource-size"}


class _Counter:
    """A thread-safe count of HTTP exchanges, shared by a session and its twins."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def count(self, response: Any, *_: Any, **__: Any) -> Any:
        with self._lock:
            self.value += 1
        return response


class Session:
    """One HTTP connection to one DAV server, with its errors in our words."""

    def __init__(
        self, url: str, username: str | None, password: str | None, *, verify_tls: bool, timeout: float, words: Words
    ) -> None:
        self.server_url = url
        self.words = words
        self.dav = DAVClient(
            url=url,
            username=username,
            password=password,
            ssl_verify_cert=verify_tls,
            timeout=int(timeout),
            enable_rfc6764=False,
        )
        self._settings = (url, username, password, verify_tls, timeout)
        self._login = (username, password)
        # Redirects are followed in `request`, method and body kept: niquests would turn a
        # PROPFIND into a GET after a 301 or 302, and drop its body.
        plain = self.dav.session.request
        self.dav.session.request = functools.partial(plain, allow_redirects=False)  # type: ignore[method-assign]
        self._counter = _Counter()
        self.dav.session.hooks["response"].append(self._counter.count)

    @property
    def requests(self) -> int:
        """Every HTTP exchange so far, this session's and its twins'."""
        return self._counter.value

    def twin(self) -> Session:
        """Another connection to the same server, with the same login, counted with this one."""
        url, username, password, verify_tls, timeout = self._settings
        twin = Session(url, username, password, verify_tls=verify_tls, timeout=timeout, words=self.words)
        twin.dav.auth, twin.dav.auth_type = self.dav.auth, self.dav.auth_type  # no 401 round trip
        twin.dav.session.hooks["response"] = [self._counter.count]
        twin._counter = self._counter
        return twin

    def close(self) -> None:
        self.dav.close()

    @property
    def sends_login(self) -> bool:
        """True once the credentials go with every request (after a 401, or sent unasked)."""
        return self.dav.auth is not None

    def log_in_unasked(self) -> bool:
        """Send the credentials from now on without waiting for a 401, as servers like Cyrus
        never ask (they answer as to a guest). False when there is nothing (new) to send."""
        username, password = self._login
        if self.sends_login or not username or password is None:
            return False
        self.dav.auth = niquests.auth.HTTPBasicAuth(username, password)
        self.dav.auth_type = "basic"
        return True

    def basic_after_digest(self) -> bool:
        """After a refused Digest login, Basic from now on: Cyrus offers Digest by default (its SASL
        DIGEST-MD5) but answers every Digest response with another challenge. False when the refused
        login was Basic already, or there is none: then the login itself is wrong."""
        username, password = self._login
        if self.dav.auth_type == "basic" or not username or password is None:
            return False
        log.debug("%s refused the Digest login; trying Basic", self.words.server)
        self.dav.auth = niquests.auth.HTTPBasicAuth(username, password)
        self.dav.auth_type = "basic"
        return True

    def request(self, url: str, method: str, body: str, headers: dict[str, str]) -> Any:
        """One exchange, following redirects with the method, headers and body kept (a PROPFIND
        stays a PROPFIND after a 301). The answer's `final_url` says where it came from."""
        if body and "Content-Type" not in headers:
            headers = {**headers, "Content-Type": XML}
        for _ in range(MAX_REDIRECTS + 1):
            if self._in_the_clear_elsewhere(url):
                response = self._without_login(url, method, body, headers)
            else:
                response = self.call(self.dav.request, url, method, body, headers)
            log.debug("%s %s -> %s", method, urlsplit(url).path, response.status)
            location = (response.headers or {}).get("Location")
            if response.status not in REDIRECTS or not location:
                response.final_url = url
                return response
            url = urljoin(url, location)
            log.info("%s redirected %s to %s", self.words.server, method, url)
        raise CalendarError(
            f"{self.where()} redirected more than {MAX_REDIRECTS} times (check {self.words.setting}.url)"
        )

    def _in_the_clear_elsewhere(self, url: str) -> bool:
        """True for a plain-HTTP URL on another host than the configured one: no credentials go there."""
        there, here = urlsplit(url), urlsplit(self.server_url)
        return there.scheme != "https" and (there.hostname, there.port) != (here.hostname, here.port)

    def _without_login(self, url: str, method: str, body: str, headers: dict[str, str]) -> Any:
        """An exchange with a host we were redirected to, in the clear: no credentials, so a 401 is final."""
        try:
            raw = self.dav.session.request(
                method, url, data=body.encode("utf-8") if body else None, headers=headers, timeout=self.dav.timeout
            )
        except (niquests.exceptions.RequestException, OSError) as failure:
            raise CalendarUnreachable(f"cannot reach {self._host(url)}: {self._short(failure)}") from None
        if raw.status_code in (401, 403):
            raise CalendarError(
                f"{self.where()} sent us to {self._host(url)}, another host in plain HTTP, which wants a login; "
                f"the password is not sent there in the clear (write its https:// URL in {self.words.setting}.url)"
            )
        return DAVResponse(raw, self.dav)

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """`function(*args, **kwargs)`, with whatever caldav or the network raises turned into our errors."""
        try:
            return function(*args, **kwargs)
        except caldav_error.AuthorizationError as refusal:
            if getattr(refusal, "status", None) == 401:  # the only answer that means the login failed
                if self.basic_after_digest():
                    return self.call(function, *args, **kwargs)
                raise CalendarError(self.login_refused()) from None
            if self.log_in_unasked():  # refused a guest that has a login (Cyrus never asks for it): once more, with it
                log.info("%s refused a request without credentials; sending them", self.words.server)
                return self.call(function, *args, **kwargs)
            raise self.forbidden(
                getattr(refusal, "preconditions", None) or [], getattr(refusal, "body", None)
            ) from None
        except caldav_error.RateLimitError:
            raise Busy(f"{self.where()} asked us to slow down (HTTP 429/503); will retry") from None
        except caldav_error.NotFoundError:
            raise CalendarError(self.no_service()) from None
        except caldav_error.DAVError as failure:
            if any(code in str(failure) for code in ("404", "405", "501", "Not Implemented", "Method Not Allowed")):
                raise CalendarError(self.no_service()) from None
            raise CalendarError(f"{self.where()} answered with an error: {self._short(failure)}") from None
        except (niquests.exceptions.RequestException, OSError) as failure:
            raise CalendarUnreachable(f"cannot reach {self.where()}: {self._short(failure)}") from None

    def expect(self, response: Any, statuses: tuple[int, ...], doing: str) -> None:
        """Nothing if the answer has one of `statuses`; else the error its status means."""
        if response.status in statuses:
            return
        message = f"{self.where()} could not {doing}: HTTP {response.status} {response.reason or ''}".strip()
        if response.status in (423, 429, 503):
            raise Busy(message)
        if response.status in (400, 409, 413, 415, 422):
            raise Rejected(message)
        if response.status >= 500:
            raise CalendarUnreachable(message)
        raise CalendarError(message)

    def forbidden(self, preconditions: list[str], body: bytes | str | None = None) -> CalendarError:
        """A 403 in plain words: the precondition it names, or no access at all. When the body names
        the object in the way (Cyrus names the one that holds the UID, wherever it is), so do we."""
        names = [tag.rsplit("}", 1)[-1] for tag in preconditions]
        known = [name for name in names if name in _PRECONDITIONS]
        if not known:
            return Forbidden(self.no_access(), tuple(preconditions))
        words = _PRECONDITIONS[known[0]]
        if known[0] in _ONE_OBJECT:
            there = _named_href(body)
            words += f", at {there}" if there else ""
            return Rejected(f"{self.where()} refused {self.words.an_object}: {words} ({known[0]})")
        return Precondition(f"{words} ({known[0]})", tuple(preconditions))

    def login_refused(self) -> str:
        return f"{self.where()} refused the login (check {self.words.setting}.username and the password)"

    def no_access(self) -> str:
        return f"{self.where()} gives no access to that URL (check {self.words.setting}.url)"

    def no_service(self) -> str:
        return f"{self.where()} has no {self.words.service} service at that URL (check {self.words.setting}.url)"

    def where(self) -> str:
        return f"{self.words.server} {self._host(self.server_url)}"

    @staticmethod
    def _host(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def _plain_http(self) -> str:
        return f"it speaks plain HTTP, not HTTPS (write http:// in {self.words.setting}.url)"

    def _short(self, failure: BaseException) -> str:
        """The root cause in a few words: 'connection refused', not a page of urllib3."""
        text, url = str(failure), f"{self.words.setting}.url"
        for needle, plain in (
            ("Connection refused", f"connection refused (is the server running? check the host and port in {url})"),
            ("WRONG_VERSION_NUMBER", self._plain_http()),
            ("wrong version number", self._plain_http()),
            ("record layer failure", self._plain_http()),
            ("Name or service not known", f"the host name does not resolve (check the host in {url})"),
            ("nodename nor servname", f"the host name does not resolve (check the host in {url})"),
            ("Temporary failure in name resolution", "the host name does not resolve (no DNS?)"),
            ("timed out", "the request timed out"),
            ("CERTIFICATE_VERIFY_FAILED", f"its TLS certificate is not trusted (see {self.words.setting}.verify_tls)"),
            ("Connection reset", "the connection was reset"),
            ("Network is unreachable", "the network is unreachable"),
        ):
            if needle in text:
                return plain
        first = text.splitlines()[0] if text else type(failure).__name__
        return first[:200]


def _named_href(body: bytes | str | None) -> str | None:
    """The first href inside a DAV:error body (RFC 4791 lets a precondition name the resource), or None."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    found = _HREF.search(text)
    return unquote(found.group(1).strip()) if found else None
