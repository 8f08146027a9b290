"""Who becomes a person, from the YAML people, the address book's cards and `contacts.groups`. Pure.

- A person in `people:` takes the card named by `card:` (a UID), else the one card whose FN or N is
  their name (folded). Their own fields win, field by field: a birthday written in the YAML hides the
  card's birthday, not its anniversary; nicknames and emails are added to theirs.
- A contact in a mapped group (CATEGORIES, or a group card listing its UID) becomes a person with the
  first matching rule's rhythm, in the order the groups are written. Any other contact is never planned.
- A YAML person wins over a group's card of the same name. Two group cards of one name are both kept:
  the one already known under that name (`known`: UID to the name it was planned as) keeps it, the
  others are called "Name (2)", "Name (3)", in UID order, and a warning says so.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from reconnectd.policy.bounds import EARLIEST_YEAR, LATEST_YEAR
from reconnectd.policy.cards import Card, CardDate
from reconnectd.policy.model import YEARLY_KINDS, Milestone, Person, fold
from reconnectd.policy.settings import SELF, Config, GroupRule

NAMED = "named in people:"  # where a person came from, when not from a group
LONGEST_NAME = 100  # as the YAML allows


@dataclass(frozen=True)
class Enlisted:
    """One person to plan, with the card they take from (if any) and why they are planned."""

    person: Person
    card: Card | None
    source: str  # NAMED, or the group's name as written in contacts.groups


@dataclass(frozen=True)
class Roll:
    enlisted: tuple[Enlisted, ...]  # the YAML people first, in their order, then the groups' people
    unplanned: int  # contacts in no mapped group and not named
    warnings: tuple[str, ...]

    @property
    def people(self) -> tuple[Person, ...]:
        return tuple(e.person for e in self.enlisted)


def with_contacts(config: Config, cards: Sequence[Card], known: Mapping[str, str] | None = None) -> Config:
    """The config the planner uses: its people with the address book's folded in."""
    if config.contacts is None:
        return config
    return replace(config, people=enlist(config, cards, known or {}).people)


def enlist(config: Config, cards: Sequence[Card], known: Mapping[str, str]) -> Roll:
    rules = config.contacts.groups if config.contacts is not None else ()
    warnings: list[str] = []
    contacts = sorted((c for c in cards if not c.group and c.uid), key=lambda c: c.uid)
    by_uid = {c.uid: c for c in reversed(contacts)}  # the first of a repeated UID
    contacts = sorted(by_uid.values(), key=lambda c: c.uid)
    by_name: dict[str, list[Card]] = {}
    for card in contacts:
        for name in dict.fromkeys(fold(n) for n in (card.name, *card.names) if n.strip()):
            by_name.setdefault(name, []).append(card)
    used: set[str] = set()
    enlisted: list[Enlisted] = []
    for person in config.people:
        found = _card_of(person, by_uid, by_name, used, warnings)
        if found is not None:
            used.add(found.uid)
        enlisted.append(Enlisted(_merged(person, found) if found else person, found, NAMED))
    taken = {fold(e.person.name) for e in enlisted} | {fold(SELF)}
    taken |= {fold(old) for e in enlisted for old in e.person.was}
    groups = _memberships(cards)
    unplanned = 0
    chosen: list[tuple[Card, GroupRule]] = []
    for card in contacts:
        if card.uid in used:
            continue
        member_of = groups.get(card.uid, set()) | {fold(g) for g in card.groups}
        rule = next((r for r in rules if fold(r.group) in member_of), None)
        if rule is None:
            unplanned += 1
            continue
        called = _clean(card.name)
        if called is None:
            warnings.append(f"a card in {rule.group} has no usable name (UID {_shown(card.uid)}); it is not planned")
            continue
        if fold(called) in taken:
            continue  # the YAML person of that name wins (or it is the reserved self check-in)
        chosen.append((card, rule))
    enlisted += _named_apart(chosen, known, taken, warnings)
    return Roll(tuple(enlisted), unplanned, tuple(warnings))


def groups_found(cards: Sequence[Card]) -> dict[str, int]:
    """Each group the address book has (CATEGORIES and group cards, as first spelt), with its members."""
    members: dict[str, set[str]] = {}
    spelt: dict[str, str] = {}
    uids = {c.uid for c in cards if not c.group}
    for card in cards:
        named = [(g, {card.uid}) for g in card.groups] if not card.group else [(card.name, set(card.members) & uids)]
        for group, who in named:
            cleaned = _clean(group)
            if cleaned:
                spelt.setdefault(fold(cleaned), cleaned)
                members.setdefault(fold(cleaned), set()).update(who)
    return {spelt[k]: len(v) for k, v in sorted(members.items())}


def _card_of(
    person: Person, by_uid: Mapping[str, Card], by_name: Mapping[str, list[Card]], used: set[str], warnings: list[str]
) -> Card | None:
    if person.card is not None:
        card = by_uid.get(person.card)
        if card is None:
            warnings.append(f"{person.name}'s card {_shown(person.card)} is not in the address book")
        elif card.uid in used:
            return None
        return card
    found = [c for c in by_name.get(fold(person.name), []) if c.uid not in used]
    if len(found) > 1:
        uids = ", ".join(_shown(c.uid) for c in found[:3])
        warnings.append(
            f"{len(found)} cards are named {person.name} ({uids}); write card: with one UID under their entry"
        )
        return None
    return found[0] if found else None


def _merged(person: Person, card: Card) -> Person:
    """The YAML person, with what the card adds: field by field, theirs wins."""
    kinds = {d.kind for d in person.dates if d.kind in YEARLY_KINDS}
    dates = person.dates + tuple(m for m in _milestones(card) if m.kind not in kinds)
    return replace(
        person,
        dates=dates,
        aliases=_added(person.aliases, _names(card.nicknames), person.name),
        emails=_added(person.emails, card.emails, None),
        card=card.uid,
    )


def _memberships(cards: Sequence[Card]) -> dict[str, set[str]]:
    """UID to the folded names of the group cards that list it."""
    found: dict[str, set[str]] = {}
    for group in (c for c in cards if c.group and c.name.strip()):
        for uid in group.members:
            found.setdefault(uid, set()).add(fold(group.name.strip()))
    return found


def _named_apart(
    chosen: list[tuple[Card, GroupRule]], known: Mapping[str, str], taken: set[str], warnings: list[str]
) -> list[Enlisted]:
    """A person per chosen card; cards sharing a name are told apart, the one known by it keeping it."""
    same: dict[str, list[tuple[Card, GroupRule]]] = {}
    for card, rule in chosen:
        same.setdefault(fold(_clean(card.name) or ""), []).append((card, rule))
    result: list[Enlisted] = []
    for group in same.values():
        name = _clean(group[0][0].name) or ""
        group.sort(key=lambda pair: (fold(known.get(pair[0].uid, "")) != fold(name), pair[0].uid))
        number = 0
        for card, rule in group:
            number += 1
            called = name if number == 1 else f"{name} ({number})"
            while number > 1 and fold(called) in taken:
                number += 1
                called = f"{name} ({number})"
            taken.add(fold(called))
            if number > 1:
                warnings.append(
                    f"{len(group)} cards in your groups are named {name}: the one with UID {_shown(card.uid)} is"
                    f' planned as "{called}" (rename it in the address book to choose)'
                )
            person = Person(
                called,
                rule.every,
                prefers=rule.prefers,
                style=rule.style,
                route=rule.route,
                dates=_milestones(card),
                aliases=_added((), _names(card.nicknames), called),
                emails=_added((), card.emails, None),
                card=card.uid,
            )
            result.append(Enlisted(person, card, rule.group))
    return sorted(result, key=lambda e: fold(e.person.name))


def _milestones(card: Card) -> tuple[Milestone, ...]:
    """A card's birthday and anniversary (the first of each kind that is a real day)."""
    found: dict[str, Milestone] = {}
    for date in card.dates:
        milestone = _milestone(date)
        if milestone is not None and milestone.kind not in found:
            found[milestone.kind] = milestone
    return tuple(found.values())


def _milestone(date: CardDate) -> Milestone | None:
    if date.kind not in YEARLY_KINDS or not 1 <= date.month <= 12:
        return None
    if not 1 <= date.day <= calendar.monthrange(2000, date.month)[1]:  # 2000: a leap year keeps 29 February
        return None
    year = date.year if date.year is not None and EARLIEST_YEAR <= date.year <= LATEST_YEAR else None
    if year is not None and date.month == 2 and date.day == 29 and not calendar.isleap(year):
        year = None
    return Milestone(date.kind, date.month, date.day, year)


def _names(texts: Sequence[str]) -> tuple[str, ...]:
    return tuple(n for n in (_clean(t) for t in texts) if n)


def _added(mine: tuple[str, ...], theirs: Sequence[str], name: str | None) -> tuple[str, ...]:
    """Mine, then theirs not already there (nor the person's own name), compared folded."""
    seen = {fold(m) for m in mine} | ({fold(name)} if name else set())
    extra = []
    for text in theirs:
        cleaned = _clean(text)
        if cleaned and fold(cleaned) not in seen:
            seen.add(fold(cleaned))
            extra.append(cleaned)
    return mine + tuple(extra)


def _clean(text: str) -> str | None:
    """A name as the YAML would accept it: one line, no control or format characters, not too long."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > LONGEST_NAME:
        return None
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in cleaned):
        return None
    return cleaned


def _shown(text: str) -> str:
    """A UID in a message: its printable part, short."""
    shown = "".join(ch for ch in text if ch.isprintable())[:60]
    return shown or "?"
