"""The cards of the address book's last read, as kept in the store's meta: the views read them here,
without the network or the vCard parser (`book` writes them)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from reconnectd.policy import enlist
from reconnectd.policy.cards import Card, CardDate
from reconnectd.policy.settings import Config, ContactsSettings
from reconnectd.state import Store

CACHE = "contacts"  # JSON {"form", "source", "token", "objects": {name: {"v", "cards", "warnings"}}}
FORM = 1  # of the cached cards: another form is read afresh
NAMES = "contacts_names"  # JSON {UID: the name its person was planned under}, to follow renames


@dataclass
class Book:
    """One read of the address book."""

    where: str
    cards: list[Card] = field(default_factory=list)
    read: bool = True  # False: it could not be read; `cards` are the last read's
    objects: int = 0  # cards files or CardDAV objects
    error: str | None = None


def known_names(store: Store) -> dict[str, str]:
    """UID to the name each card's person was last planned under."""
    try:
        known = json.loads(store.get_meta(NAMES) or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}


def roll_cached(config: Config, store: Store) -> enlist.Roll | None:
    """Who is planned from the cards of the last read (None without contacts:)."""
    if config.contacts is None:
        return None
    return enlist.enlist(config, cached(config.contacts, store).cards, known_names(store))


def with_cached(config: Config, store: Store) -> Config:
    """The config the planner uses, with the people of the last read: for the views, which never read
    the address book themselves."""
    roll = roll_cached(config, store)
    return replace(config, people=roll.people) if roll is not None else config


def cached(settings: ContactsSettings, store: Store) -> Book:
    """The cards of the last read, without reading the address book."""
    cache = load(store, settings)
    return Book(settings.where, cards_of(cache), read=False, objects=len(cache["objects"]))


def load(store: Store, settings: ContactsSettings) -> dict[str, Any]:
    """The cache of this source; another source, or another form, starts afresh."""
    try:
        cache = json.loads(store.get_meta(CACHE) or "{}")
    except ValueError:
        cache = {}
    if not isinstance(cache, dict) or cache.get("form") != FORM or cache.get("source") != settings.where:
        return {"form": FORM, "source": settings.where, "token": None, "objects": {}}
    return cache


def cards_of(cache: Mapping[str, Any]) -> list[Card]:
    found = []
    for entry in cache["objects"].values():
        for value in entry.get("cards", []):
            card = _card_of(value)
            if card is not None:
                found.append(card)
    return found


def card_json(card: Card) -> dict[str, Any]:
    return asdict(card)


def _card_of(value: Any) -> Card | None:
    try:
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items() if k != "dates"}
        dates = tuple(CardDate(**d) for d in value.get("dates", ()))
        return Card(dates=dates, **fields)
    except (TypeError, AttributeError):
        return None
