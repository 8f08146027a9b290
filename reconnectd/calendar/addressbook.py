"""The CardDAV edge: one address book, read only, on the DAV collection in `dav.py`.

It is found from any URL the user pastes, as the calendar is (`discovery.py`, with
`/.well-known/carddav`): the address book itself, its home, the principal, the DAV root or
the bare host. Changes come by sync token (`changes`, one small REPORT when nothing changed),
cards by addressbook-multiget (`fetch`).

It never writes: not a card, not a collection, not a property. The session under it refuses
every method but the reading ones before anything is sent, and the writing calls it inherits
raise `ReadOnly`.

When the URL leads to a home of several address books and no name is given, the one read is
the first by URL of those the server did not make itself (Nextcloud's "Recently contacted"
and "System address book" are left out, unless there is nothing else); which one that is gets
logged, and `addressbooks()` lists them all for `check --connect`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, Self, TypeVar
from urllib.parse import urlsplit

from reconnectd.calendar.dav import Taken, Written
from reconnectd.calendar.discovery import Discovered, last_segment
from reconnectd.calendar.session import Conflict, Rejected, Session, Words
from reconnectd.errors import CalendarError

log = logging.getLogger(__name__)

READING = frozenset({"PROPFIND", "REPORT", "GET", "HEAD", "OPTIONS"})
_MADE_BY_THE_SERVER = ("z-app-generated--", "z-server-generated--")  # Nextcloud's own address books
_ADDRESS_DATA = "{urn:ietf:params:xml:ns:carddav}address-data"
_ETAG = "{DAV:}getetag"

T = TypeVar("T")
R = TypeVar("R")


class ReadOnly(CalendarError):
    """Something asked the address book to change: reconnectd never writes the user's contacts."""


class AddressBook(Discovered):
    """One address book on one CardDAV server, read only."""

    words = Words(
        server="the address book server",
        service="CardDAV",
        setting="contacts",
        collection="the address book",
        an_object="a card",
        objects="cards",
        well_known="/.well-known/carddav",
    )
    media_type = "text/vcard; charset=utf-8"
    suffix = ".vcf"
    multiget = ("addressbook-multiget", "address-data")
    thread_prefix = "carddav"
    namespace = "urn:ietf:params:xml:ns:carddav"
    home_set = "addressbook-home-set"
    collection_type = "addressbook"
    plural = "address books"
    batch = 100  # cards per addressbook-multiget

    def __init__(
        self, url: str, username: str | None, password: str | None, *, verify_tls: bool = True, timeout: float = 30
    ) -> None:
        super().__init__(url, username, password, verify_tls=verify_tls, timeout=timeout)
        _reading_only(self.session)

    def clone(self) -> Self:
        twin = super().clone()
        _reading_only(twin.session)
        return twin

    def open(self, name: str | None = None, known_url: str | None = None) -> str:
        """Find the address book: the one called `name` (display name or last URL segment), else the
        one the URL points at, else the only or first one of the home. No request with `known_url`."""
        if known_url:
            self.url, self.name = known_url, name or ""
            return known_url
        return self._discover(name or "")

    def addressbooks(self) -> list[tuple[str, str]]:
        """Every address book of this login: (display name, URL)."""
        return self._home()[1]

    def _discover(self, name: str) -> str:
        _, found = self._home()
        if name:
            chosen = next(((d, u) for d, u in found if name in (d, last_segment(u))), None)
            if chosen is None:
                raise CalendarError(
                    f'{self.session.where()} has no address book named "{name}"; it has '
                    + (", ".join(f'"{d}"' for d, _ in found) or "none")
                    + " (paste the URL of the one to read in contacts.url)"
                )
        else:
            named = _named(found, self.server_url)
            chosen = named or _first(found)
            if chosen is None:
                raise CalendarError(
                    f"{self.session.where()} has no address book for this login at that URL (check contacts.url)"
                )
            if named is None and len(found) > 1:
                log.info(
                    'reading the address book "%s" of %d (to read another, paste its URL in contacts.url)',
                    chosen[0],
                    len(found),
                )
        self.name, self.url = chosen
        return self.url

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str | None, str]]:
        """The cards at `hrefs`: href to (ETag, text), in multigets of `batch` cards each (a first read
        of thousands of cards with photos is then many answers of a few megabytes, not one huge one)."""
        found: dict[str, tuple[str | None, str]] = {}
        for start in range(0, len(hrefs), self.batch):
            found.update(super().fetch(hrefs[start : start + self.batch]))
        return found

    def _multiget_data(self, response: Any) -> dict[str, tuple[str | None, str]]:
        found: dict[str, tuple[str | None, str]] = {}
        for result in self.session.call(response.parse_propfind):
            data = result.properties.get(_ADDRESS_DATA)
            if isinstance(data, str) and data:
                etag = result.properties.get(_ETAG)
                found[result.href] = (str(etag) if etag else None, data)
        return found

    # -- never: the address book is the user's ----------------------------------

    def create(self, uid: str, body: bytes, *, fresh: bool = False) -> Written | Taken:
        _refuse("create a card")

    def update(self, href: str, etag: str, body: bytes) -> Written:
        _refuse("change a card")

    def delete(self, href: str, etag: str) -> None:
        _refuse("delete a card")

    def run_all(
        self,
        items: Sequence[T],
        send: Callable[[T, Self], R],
        concurrency: int,
        interrupted: Callable[[], bool] = lambda: False,
    ) -> Iterator[tuple[T, R | Conflict | Rejected]]:
        _refuse("write cards")


def _named(found: list[tuple[str, str]], pasted: str) -> tuple[str, str] | None:
    """The address book the pasted URL is, if it is one."""
    path = urlsplit(pasted).path.rstrip("/")
    return next((pair for pair in found if urlsplit(pair[1]).path.rstrip("/") == path), None)


def _first(found: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The first by URL of the address books the user made (Nextcloud makes some itself), else of all."""
    ranked = sorted(found, key=lambda pair: (last_segment(pair[1]).startswith(_MADE_BY_THE_SERVER), pair[1]))
    return ranked[0] if ranked else None


def _reading_only(session: Session) -> None:
    """Make `session` refuse, before sending, any request that could change something on the server."""
    send = session.request

    def request(url: str, method: str, body: str, headers: dict[str, str]) -> Any:
        if method.upper() not in READING:
            _refuse(f"send {method}")
        return send(url, method, body, headers)

    session.request = request  # type: ignore[method-assign]


def _refuse(doing: str) -> NoReturn:
    raise ReadOnly(f"the address book is read only: reconnectd does not {doing} there")
