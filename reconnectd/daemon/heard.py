"""What a cycle hears before it plans, besides its own calendar: the address book, renames in the config,
presses of a nudge's buttons, meetings in the watched calendars. Each is recorded in the store, for the
plan to read."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import replace
from datetime import datetime

from reconnectd.calendar.addressbook import AddressBook
from reconnectd.calendar.client import CalendarClient
from reconnectd.contacts import book
from reconnectd.contacts.cache import NAMES, Book, known_names
from reconnectd.errors import CalendarError
from reconnectd.notify import ntfy
from reconnectd.notify.notifier import Notifier
from reconnectd.notify.presses import press_key, read_presses
from reconnectd.policy.enlist import NAMED, Roll, enlist
from reconnectd.policy.model import fold
from reconnectd.policy.settings import Config, ContactsSettings
from reconnectd.sources import seen, watched
from reconnectd.state import Store

log = logging.getLogger(__name__)


BOOK_URL = "contacts_url "  # + contacts.url: the address book found there, so a later read skips discovery
WARNED = "contacts_warned"  # JSON [warning]: what the people of the address book gave, said once
Opener = Callable[[], AbstractContextManager[book.Remote]]  # the CardDAV address book, opened (or CalendarError)


def contacts(config: Config, store: Store, now: datetime, remote: Opener | None = None) -> tuple[Config, Book]:
    """The config the planner uses: its people, and those of the address book (read, or as last read
    when it cannot be). A contact renamed in the address book keeps their history (the UID is the
    identity); one removed, or taken out of its group, leaves the plan as a person removed from the YAML."""
    settings = config.contacts
    if settings is None:
        return config, Book("")
    read = read_book(settings, store, remote or address_book(config, store))
    known = known_names(store)
    roll = enlist(config, read.cards, known)
    _say_once(store, roll)
    _follow_cards(store, roll, known, now)
    return replace(config, people=roll.people), read


def address_book(config: Config, store: Store | None = None) -> Opener | None:
    """How to open the CardDAV address book of `contacts.url` (None for a local path, or none). With
    `store`, the address book's URL found last time spares the discovery."""
    settings = config.contacts
    if settings is None or settings.url is None:
        return None
    timeout = config.calendar.timeout.total_seconds()
    known = store.get_meta(BOOK_URL + settings.url) if store is not None else None
    return lambda: closing(_open_address_book(settings, timeout, known))


class KeptBook:
    """The CardDAV address book kept open from one cycle to the next, as the calendar is: one login,
    and a quiet poll of one request. Opened again when its settings change, or after a failed read
    (the address book may have moved)."""

    def __init__(self) -> None:
        self._client: AddressBook | None = None
        self._for: tuple[ContactsSettings, float] | None = None

    def opener(self, config: Config, store: Store) -> Opener | None:
        settings, timeout = config.contacts, config.calendar.timeout.total_seconds()
        if settings is None or settings.url is None:
            self.close()
            return None
        url = settings.url

        def kept() -> AbstractContextManager[book.Remote]:
            known = store.get_meta(BOOK_URL + url)
            if self._for != (settings, timeout) or known is None:
                self.close()
            if self._client is None:
                self._client = _open_address_book(settings, timeout, known)
                self._for = (settings, timeout)
            return nullcontext(self._client)

        return kept

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client, self._for = None, None


def _open_address_book(settings: ContactsSettings, timeout: float, known: str | None) -> AddressBook:
    assert settings.url is not None
    password = settings.password.reveal() if settings.password is not None else None
    client = AddressBook(settings.url, settings.username, password, verify_tls=settings.verify_tls, timeout=timeout)
    try:
        client.open(None, known)
    except BaseException:
        client.close()
        raise
    return client


def read_book(settings: ContactsSettings, store: Store, remote: Opener | None) -> Book:
    """The address book's cards now, or as last read when it cannot be read."""
    if settings.path is not None:
        return book.read_local(settings, store)
    if remote is None:
        return book.down(settings, store, "no CardDAV client")
    try:
        with remote() as opened:
            read = book.read_remote(settings, store, opened)
            found = opened.url
    except CalendarError as failure:
        read = book.down(settings, store, str(failure))
    if read.read and settings.url is not None:
        store.set_meta(BOOK_URL + settings.url, found)
    elif settings.url is not None:
        store.delete_meta(BOOK_URL + settings.url)  # found again next time: it may have moved
    return read


def _say_once(store: Store, roll: Roll) -> None:
    before = set(json.loads(store.get_meta(WARNED) or "[]"))
    for warning in roll.warnings:
        log.log(logging.DEBUG if warning in before else logging.WARNING, "address book: %s", warning)
    if set(roll.warnings) != before:
        store.set_meta(WARNED, json.dumps(sorted(roll.warnings)))


def _follow_cards(store: Store, roll: Roll, known: dict[str, str], now: datetime) -> None:
    """A group's contact renamed in the address book: their history follows them, as with `was:`."""
    planned = {fold(p.name) for p in roll.people}
    names = dict(known)
    for entry in roll.enlisted:
        uid, name = entry.person.card, entry.person.name
        if uid is None or entry.source == NAMED:
            continue
        old = known.get(uid)
        if old is not None and fold(old) != fold(name) and fold(old) not in planned and store.rename(old, name, now):
            log.info("renamed in the address book: the history of %s is now %s's", old, name)
        names[uid] = name
    if names != known:
        store.set_meta(NAMES, json.dumps(names))


def follow_renames(config: Config, store: Store, now: datetime) -> None:
    """`was:` on a person: what is recorded under the old name becomes theirs, once."""
    for person in config.people:
        for old in person.was:
            if store.rename(old, person.name, now):
                log.info("renamed: the history of %s is now %s's (was: in the config)", old, person.name)


def presses(store: Store, notifier: Notifier, now: datetime) -> None:
    """Presses of the buttons on ntfy nudges, from each reply topic: before planning, so the
    calendar follows on this cycle."""
    notifier.press_key = key = press_key(store.path.parent)
    for route in notifier.replies.values():
        try:
            read_presses(store, key, server=route.server, reply=route.reply, auth=route.read_auth, now=now)
        except OSError as error:
            log.warning(
                "could not read the reply topic of %s (%s); trying again next cycle", route.label, ntfy.why(error)
            )


def meetings(config: Config, store: Store, calendar: CalendarClient, now: datetime) -> int:
    """Meetings in the watched calendars: past ones are contacts, those ahead hold check-ins back.
    Returns how many were recorded as contact."""
    try:
        found = watched.read(config, store, calendar, now)
    except CalendarError as failure:
        log.warning("could not read the watched calendars: %s", failure)
        return 0
    return seen.fold_in(config, store, found, now).recorded
