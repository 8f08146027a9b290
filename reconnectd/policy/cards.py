"""Cards from the user's address book, as the planner sees them: plain values, read only.

A card never becomes a person by itself: the user maps its group to a rhythm, or names it in
`people:`. The reader that makes these values out of vCard text is `reconnectd.contacts`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CardDate:
    """A date on a card: a birthday or an anniversary, with its year when the card knows it."""

    kind: str  # model.BIRTHDAY or model.ANNIVERSARY
    month: int
    day: int
    year: int | None = None


@dataclass(frozen=True)
class Card:
    """One vCard: a contact, or a group card (Apple's, or vCard 4's KIND:group) listing its members."""

    uid: str  # the identity: a renamed contact is the same person
    name: str  # FN, else N as "Given Family"
    names: tuple[str, ...] = ()  # every other form it may be matched by (N in both orders)
    nicknames: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # CATEGORIES
    dates: tuple[CardDate, ...] = ()
    group: bool = False  # a group card: `name` is the group's, `members` the UIDs in it
    members: tuple[str, ...] = ()
