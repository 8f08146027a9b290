"""Meetings in the user's own calendars: which events name which people. Pure: no I/O, no clock.

An event is a meeting with a person when its title names them (the full name, an alias, or the
first name alone when nobody else has it), or when one of its attendees' addresses is one of
theirs. Titles are compared word by word, ignoring case and accents: "Sam" is in "Dinner w/ Sam
& Ana", never in "Samsung repair". Cancelled events, declined invitations and our own objects
never count.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from reconnectd.policy.model import Person, fold

MEETING_SOURCE = "meeting"  # the prefix of a contact's source when a watched event recorded it
DECLINED = "DECLINED"


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event in a watched calendar, as read (a recurring event gives several)."""

    calendar: str  # its display name
    href: str
    start: datetime
    title: str
    attendees: tuple[tuple[str, str], ...] = ()  # (address, PARTSTAT), addresses without "mailto:"
    cancelled: bool = False
    ours: bool = False  # one of our check-ins or dates

    @property
    def key(self) -> str:
        """Stable across reads: where the event is and when this occurrence starts."""
        return f"{self.href}|{self.start.isoformat()}"


@dataclass(frozen=True)
class Meeting:
    """A person met at an occurrence: a contact once it has begun, a planned contact before."""

    person: str
    start: datetime
    calendar: str
    title: str
    key: str  # the occurrence's key and the person: one contact per person per occurrence

    @property
    def source(self) -> str:
        return f"{MEETING_SOURCE}: {self.calendar}: {self.title}"


def words(text: str) -> tuple[str, ...]:
    """The words of a text, folded: lowercase, accents gone ("Zoë" and "zoe" are one word)."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return tuple(re.findall(r"\w+", plain))


def address(text: str) -> str:
    """An attendee's or person's address as compared: no "mailto:", lowercase."""
    value = text.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    return value.strip().casefold()


def contains(title: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """`phrase` appears in `title` as whole words, in order and side by side."""
    if not phrase:
        return False
    n = len(phrase)
    return any(title[i : i + n] == phrase for i in range(len(title) - n + 1))


@dataclass(frozen=True)
class Matcher:
    """Who each title phrase and address stands for, built once from the people."""

    phrases: tuple[tuple[tuple[str, ...], str], ...]  # (words, the person's name)
    addresses: dict[str, str]  # address to the person's name
    me: frozenset[str] = frozenset()  # the user's own addresses, for telling a declined invitation

    @classmethod
    def of(cls, people: Iterable[Person], me: Iterable[str] = ()) -> Matcher:
        everyone = list(people)
        firsts = Counter(w[0] for p in everyone if (w := words(p.name)))
        phrases: list[tuple[tuple[str, ...], str]] = []
        addresses: dict[str, str] = {}
        for person in everyone:
            if not person.watch:
                continue
            full = words(person.name)
            names = {full, *(words(a) for a in person.aliases)}
            if len(full) > 1 and firsts[full[0]] == 1:
                names.add(full[:1])
            phrases += [(n, person.name) for n in names if n]
            addresses.update((address(e), person.name) for e in person.emails)
        return cls(tuple(phrases), addresses, frozenset(address(m) for m in me))

    def people_in(self, occurrence: Occurrence) -> tuple[str, ...]:
        """The names of the people this occurrence is a meeting with, in config order of first mention."""
        if occurrence.cancelled or occurrence.ours or self._declined(occurrence):
            return ()
        title = words(occurrence.title)
        found = [name for phrase, name in self.phrases if contains(title, phrase)]
        for who, partstat in occurrence.attendees:
            name = self.addresses.get(address(who))
            if name is not None and partstat.upper() != DECLINED:
                found.append(name)
        return tuple(dict.fromkeys(found))

    def meetings(self, occurrence: Occurrence) -> list[Meeting]:
        return [
            Meeting(name, occurrence.start, occurrence.calendar, occurrence.title, f"{occurrence.key}|{fold(name)}")
            for name in self.people_in(occurrence)
        ]

    def _declined(self, occurrence: Occurrence) -> bool:
        """Declined by the user: their own attendee entry says DECLINED. Without a known address of
        theirs, a declining attendee who is none of the people is taken to be the user."""
        for who, partstat in occurrence.attendees:
            if partstat.upper() != DECLINED:
                continue
            if address(who) in self.me or (not self.me and address(who) not in self.addresses):
                return True
        return False
