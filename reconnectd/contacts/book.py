"""The address book as the cycle reads it: the cards, kept in the store between reads.

What each object gave (its cards, and what was wrong with it) is kept in the store's meta with
its version (a CardDAV ETag, or a local file's modification time and size), so that a quiet read
costs one sync REPORT, or a look at the files' sizes and times: only what changed is read and
parsed again, and a bad card is warned about once, when it is read. When the address book cannot
be read, the cards of the last read are used: an outage never reads as everyone removed.

The views (`status`, `plan`, `contacts`) read the same cache in `cache`: no network, no vCard parser.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from reconnectd.contacts.cache import CACHE, Book, card_json, cards_of, load
from reconnectd.contacts.card import read_cards
from reconnectd.contacts.local import LocalUnreadable, snapshot
from reconnectd.errors import CalendarError
from reconnectd.policy.cards import Card
from reconnectd.policy.settings import ContactsSettings
from reconnectd.state import Store

if TYPE_CHECKING:  # the views read the cache without the calendar's modules
    from reconnectd.calendar.readback import Changes

log = logging.getLogger(__name__)

DOWN = "contacts_down"  # why the last read failed, while it still fails: warned about once


class Remote(Protocol):
    """A CardDAV address book, opened: what `reconnectd.calendar.addressbook` gives."""

    url: str

    def changes(self, token: str | None) -> Changes: ...

    def fetch(self, hrefs: list[str]) -> dict[str, tuple[str | None, str]]: ...

    def close(self) -> None: ...


Parse = Callable[[str, str], tuple[list[Card], list[str]]]  # (text, where) to cards and warnings


def parse(text: str, where: str) -> tuple[list[Card], list[str]]:
    """The vCard reader (vobject is imported only here, when an address book is read)."""
    reading = read_cards(text, where=where)
    return reading.cards, reading.warnings


def read_remote(settings: ContactsSettings, store: Store, remote: Remote, *, parse: Parse = parse) -> Book:
    """What changed since the last read, by sync token; only the changed objects are fetched."""
    cache = load(store, settings)
    objects: dict[str, Any] = cache["objects"]
    try:
        changes = remote.changes(cache.get("token"))
        gone = set(changes.deleted) | ({h for h in objects if h not in changes.changed} if changes.complete else set())
        wanted = [h for h, etag in changes.changed.items() if objects.get(h, {}).get("v") != etag]
        fetched = remote.fetch(wanted) if wanted else {}
    except CalendarError as failure:
        return _down(settings, store, cache, str(failure))
    for href in gone:
        objects.pop(href, None)
    for href in wanted:
        if href in fetched:
            _, text = fetched[href]
            objects[href] = _parsed(text, href, changes.changed[href], parse)
    changed = bool(gone or wanted) or changes.token != cache.get("token")
    cache["token"] = changes.token
    return _up(settings, store, cache, changed)


def read_local(settings: ContactsSettings, store: Store, *, parse: Parse = parse) -> Book:
    """A .vcf file, or the .vcf files of a vdir folder: a file is parsed again only when its version
    (modification time and size) moved; one that cannot be read now keeps its cards."""
    assert settings.path is not None
    cache = load(store, settings)
    objects: dict[str, Any] = cache["objects"]
    try:
        found = snapshot(settings.path)
    except LocalUnreadable as failure:
        return _down(settings, store, cache, str(failure))
    changed = False
    for name in [n for n in objects if n not in found.objects and n not in found.unreadable]:
        objects.pop(name)
        changed = True
    for name, (version, text) in found.objects.items():
        if objects.get(name, {}).get("v") != version:
            objects[name] = _parsed(
                text, str(settings.path / name if settings.path.is_dir() else settings.path), version, parse
            )
            changed = True
    warned = set(cache.get("warned", []))
    for warning in found.warnings:
        log.log(logging.DEBUG if warning in warned else logging.WARNING, "address book: %s", warning)
    if set(found.warnings) != warned:
        cache["warned"] = sorted(found.warnings)
        changed = True
    return _up(settings, store, cache, changed)


def probe(settings: ContactsSettings, remote: Remote | None) -> tuple[int, int, int]:
    """For `check --connect`: (objects, contacts, group cards) the address book holds now, read without the store."""
    if settings.path is not None:
        texts = [text for _, text in snapshot(settings.path).objects.values()]
    elif remote is None:
        raise CalendarError("no CardDAV client")
    else:
        texts = [text for _, text in remote.fetch(list(remote.changes(None).changed)).values()]
    cards = [card for text in texts for card in read_cards(text, where="").cards]
    return len(texts), sum(not c.group for c in cards), sum(c.group for c in cards)


def _parsed(text: str, where: str, version: str | None, parse: Parse) -> dict[str, Any]:
    cards, warnings = parse(text, where)
    for warning in warnings:
        log.warning("address book: %s", warning)  # once: the object is parsed again only when it changes
    return {"v": version, "cards": [card_json(c) for c in cards], "warnings": warnings}


def _up(settings: ContactsSettings, store: Store, cache: dict[str, Any], changed: bool) -> Book:
    if store.get_meta(DOWN) is not None:
        log.info("the address book %s can be read again", settings.where)
        store.delete_meta(DOWN)
    if changed:
        store.set_meta(CACHE, json.dumps(cache))
    return Book(settings.where, cards_of(cache), objects=len(cache["objects"]))


def down(settings: ContactsSettings, store: Store, error: str) -> Book:
    """The address book could not be opened: the last read's cards."""
    return _down(settings, store, load(store, settings), error)


def _down(settings: ContactsSettings, store: Store, cache: dict[str, Any], error: str) -> Book:
    """The last read's cards, and a warning the first time (the next ones are quieter)."""
    level = logging.INFO if store.get_meta(DOWN) is not None else logging.WARNING
    log.log(
        level, "could not read the address book %s (%s); keeping the people of the last read", settings.where, error
    )
    store.set_meta(DOWN, error)
    return Book(settings.where, cards_of(cache), read=False, objects=len(cache["objects"]), error=error)
