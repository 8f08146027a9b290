"""The HTTP session under every DAV collection: the only module that imports niquests.

One connection (a caldav `DAVClient`, which speaks plain WebDAV too), the count of its
exchanges, and what the server's answers mean to us: a refused login, a busy server, a
missing service, a refusal of one object, or a server that cannot be reached.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import niquests
from caldav.davclient import DAVClient
from caldav.lib import error as caldav_error

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

    def request(self, url: str, method: str, body: str, headers: dict[str, str]) -> Any:
        response = self.call(self.dav.request, url, method, body, headers)
        log.debug("%s %s -> %s", method, urlsplit(url).path, response.status)
        return response

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """`function(*args, **kwargs)`, with whatever caldav or the network raises turned into our errors."""
        try:
            return function(*args, **kwargs)
        except caldav_error.AuthorizationError as refusal:
            if getattr(refusal, "status", None) == 403:  # logged in (or no login needed), but not allowed there
                raise Forbidden(self.no_access(), tuple(getattr(refusal, "preconditions", None) or ())) from None
            raise CalendarError(self.login_refused()) from None
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

    def login_refused(self) -> str:
        return f"{self.where()} refused the login (check {self.words.setting}.username and the password)"

    def no_access(self) -> str:
        return f"{self.where()} gives no access to that URL (check {self.words.setting}.url)"

    def no_service(self) -> str:
        return f"{self.where()} has no {self.words.service} service at that URL (check {self.words.setting}.url)"

    def where(self) -> str:
        parts = urlsplit(self.server_url)
        return f"{self.words.server} {parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def _plain_http(self) -> str:
        return f"it speaks plain HTTP, not HTTPS (write http:// in {self.words.setting}.url)"

    def _short(self, failure: BaseException) -> str:
        """The root cause in a few words: 'connection refused', not a page of urllib3."""
        text = str(failure)
        for needle, plain in (
            ("Connection refused", "connection refused"),
            ("WRONG_VERSION_NUMBER", self._plain_http()),
            ("wrong version number", self._plain_http()),
            ("record layer failure", self._plain_http()),
            ("Name or service not known", "the host name does not resolve"),
            ("nodename nor servname", "the host name does not resolve"),
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
