"""The people: each person, their dates (birthdays and other milestones), and the library of words.

A person is kept only when every field of theirs is valid; every problem is still reported.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import yaml

from reconnectd.config.nodes import Node, Reader, join
from reconnectd.config.schema import (
    DATE_OPTION_KEYS,
    LIBRARY_ACTION_KEYS,
    LIBRARY_KEYS,
    PERSON_KEYS,
    PERSON_REQUIRED,
)
from reconnectd.config.values import (
    parse_cadence,
    parse_channel,
    parse_date,
    parse_duration,
    parse_line,
    parse_month_day,
    parse_name,
    parse_notes,
    parse_standing,
    parse_style,
)
from reconnectd.policy.model import YEARLY_KINDS, Milestone, Person, Standing, fold, milestone_kind
from reconnectd.policy.settings import SELF

if TYPE_CHECKING:
    from reconnectd.policy.library import Library


def read_people(reader: Reader, node: Node) -> tuple[Person, ...]:
    people: list[Person] = []
    seen: dict[str, int] = {}
    olds: list[tuple[Node, str, str]] = []  # (the `was` node, its path, an old name)
    cards: dict[str, Person] = {}  # a card is one person's: two entries naming it would plan it twice
    items: list[Node | None] = [*reader.sequence(node, "people")]
    if isinstance(node, yaml.SequenceNode):
        node.value = []  # each entry's nodes go once read: the whole tree and all the people never coexist
    for index in range(len(items)):
        item, items[index] = items[index], None
        assert item is not None
        path = join("people", index)
        name, person = _person(reader, item, path)
        if name is not None and fold(name) == SELF:
            reader.problem(item, join(path, "name"), f'"{name}" is reserved for the self check-in (see self: every:)')
            continue
        if name is not None:
            folded = fold(name)
            if folded in seen:
                reader.problem(
                    item,
                    join(path, "name"),
                    f'"{name}" appears twice (also at line {seen[folded]}); give each person a distinct name',
                )
                continue
            seen[folded] = reader.line(item)
        if person is not None and person.card is not None and cards.setdefault(person.card, person) is not person:
            other = cards[person.card]
            reader.problem(
                item,
                join(path, "card"),
                f'"{person.card}" is already the card of {other.name} (line {other.line}); give a card to one person',
            )
            continue
        if person is not None:
            people.append(person)
            if isinstance(item, yaml.MappingNode):
                node_of = {str(k.value): v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
                olds += [(node_of["was"], join(path, "was"), old) for old in person.was]
    claimed: dict[str, str] = {}
    for was_node, path, old in olds:
        if fold(old) in seen:
            reader.problem(
                was_node,
                path,
                f'"{old}" is the name of another person here (line {seen[fold(old)]}); `was` names an old name'
                " that no entry has any more",
            )
        elif fold(old) in claimed and claimed[fold(old)] != path:
            reader.problem(was_node, path, f'"{old}" is already the old name of another person; give it to one only')
        claimed.setdefault(fold(old), path)
    return tuple(people)


def _person(reader: Reader, node: Node, path: str) -> tuple[str | None, Person | None]:
    """The person's name (for duplicate checks) and the person, if every field is valid."""
    if not isinstance(node, yaml.MappingNode):
        reader.mapping(node, path, PERSON_KEYS)  # reports what it is instead
        return None, None
    keys = reader.mapping(node, path, PERSON_KEYS)
    ok = True
    for required, example in PERSON_REQUIRED.items():
        if required not in keys and join(path, required) in reader.misspelt:
            ok = False  # the unknown-key message already says "did you mean"
        elif required not in keys:
            reader.problem(node, join(path, required), f"is missing (write, for example, {required}: {example})")
            ok = False
    name = reader.parsed(keys["name"], join(path, "name"), parse_name) if "name" in keys else None
    every = reader.parsed(keys["every"], join(path, "every"), parse_cadence) if "every" in keys else None
    values: dict[str, Any] = {}
    if "prefers" in keys:
        values["prefers"] = reader.parsed(keys["prefers"], join(path, "prefers"), parse_channel)
    if "notes" in keys:
        values["notes"] = reader.parsed(keys["notes"], join(path, "notes"), parse_notes)
    if "last_contact" in keys:
        values["last_contact"] = reader.parsed(keys["last_contact"], join(path, "last_contact"), parse_date)
    if "interests" in keys:
        found = [
            reader.parsed(n, join(path, f"interests[{i}]"), parse_line)
            for i, n in enumerate(reader.sequence(keys["interests"], join(path, "interests")))
        ]
        values["interests"] = tuple(f for f in found if f) if all(found) else None
    if "style" in keys:
        values["style"] = reader.parsed(keys["style"], join(path, "style"), parse_style)
    if "status" in keys:
        values["status"] = reader.parsed(keys["status"], join(path, "status"), parse_standing)
    if "until" in keys:
        values["until"] = reader.parsed(keys["until"], join(path, "until"), parse_date)
        if values.get("status", Standing.ACTIVE) is not Standing.PAUSED and values.get("status") is not None:
            reader.problem(
                keys["until"], join(path, "until"), "only goes with status: paused (remove it, or pause them)"
            )
            values["until"] = None
            ok = False
    if "notify" in keys:
        values["route"] = reader.text(keys["notify"], join(path, "notify"))
    if "was" in keys:
        values["was"] = _old_names(reader, keys["was"], join(path, "was"), name)
    for key in ("aliases", "emails"):
        if key in keys:
            values[key] = _texts(reader, keys[key], join(path, key), email=key == "emails")
    if "watch" in keys:
        values["watch"] = reader.boolean(keys["watch"], join(path, "watch"))
    if "card" in keys:
        values["card"] = reader.parsed(keys["card"], join(path, "card"), parse_name)
    if "dates" in keys:
        dates = [
            _milestone(reader, n, join(path, f"dates[{i}]"))
            for i, n in enumerate(reader.sequence(keys["dates"], join(path, "dates")))
        ]
        values["dates"] = tuple(d for d in dates if d) if all(dates) else None
    if not ok or name is None or every is None or any(v is None for v in values.values()):
        return name, None
    return name, Person(name=name, every=every, line=reader.line(node), **values)


def _texts(reader: Reader, node: Node, path: str, *, email: bool) -> tuple[str, ...] | None:
    """`aliases: Mum` or `aliases: [Mum, Mom]`; `emails:` the same, each an address."""
    items = reader.sequence(node, path) if isinstance(node, yaml.SequenceNode) else [node]
    where = [join(path, i) for i in range(len(items))] if isinstance(node, yaml.SequenceNode) else [path]
    found = [reader.parsed(n, p, parse_name) for n, p in zip(items, where, strict=True)]
    ok = all(f is not None for f in found)
    for item, at, text in zip(items, where, found, strict=True):
        if text is not None and email and not re.fullmatch(r"[^@\s]+@[^@\s]+", text.strip().removeprefix("mailto:")):
            reader.problem(item, at, f'"{text}" is not an email address (write it like "sam@example.com")')
            ok = False
    return tuple(f.strip() for f in found if f) if ok else None


def _old_names(reader: Reader, node: Node, path: str, name: str | None) -> tuple[str, ...] | None:
    """`was: Priya` or `was: [Priya, P]`: the names this person had before."""
    if isinstance(node, yaml.SequenceNode):
        found = [reader.text(n, join(path, i)) for i, n in enumerate(reader.sequence(node, path))]
    else:
        found = [reader.text(node, path)]
    if not all(found):
        return None
    olds = tuple(f for f in found if f)
    if name is not None and fold(name) in {fold(o) for o in olds}:
        reader.problem(node, path, f'"{name}" is their name now; `was` takes the name they had before')
        return None
    return olds


def _milestone(reader: Reader, node: Node, path: str) -> Milestone | None:
    """One date: `- birthday: 03-14` (no year: every year) or `- big presentation: 2026-12-03`, with `remind: 1w`."""
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, path, "expected a label and a date, like: - birthday: 03-14")
        return None
    labels = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and str(k.value) not in DATE_OPTION_KEYS]
    if len(labels) != 1:
        reader.problem(node, path, "give one label and its date per item, like: - birthday: 03-14")
        return None
    (label_node, date_node), label = labels[0], str(labels[0][0].value).strip()
    options = reader.mapping(
        yaml.MappingNode(
            "tag:yaml.org,2002:map", [(k, v) for k, v in node.value if k is not label_node], node.start_mark
        ),
        path,
        DATE_OPTION_KEYS,
    )
    day = reader.parsed(date_node, join(path, label), parse_month_day)
    try:
        parse_line(label)
    except ValueError as error:
        reader.problem(label_node, path, f"the label {error}")
        return None
    remind = (
        reader.parsed(options["remind"], join(path, "remind"), parse_duration) if "remind" in options else timedelta(0)
    )
    yearly_node = options.get("yearly")
    yearly = reader.boolean(yearly_node, join(path, "yearly")) if yearly_node else None
    if day is None or remind is None or (yearly_node and yearly is None):
        return None
    year, month, dom = day
    if remind > timedelta(days=60):
        reader.problem(options["remind"], join(path, "remind"), "is more than 60 days ahead (try 1d or 1w)")
        return None
    recurring = yearly if yearly is not None else (year is None or milestone_kind(label) in YEARLY_KINDS)
    if not recurring and year is None:
        reader.problem(
            date_node, join(path, label), "a one-off date needs a year (write YYYY-MM-DD), or add yearly: true"
        )
        return None
    return Milestone(label, month, dom, year, recurring, remind)


def read_library(reader: Reader, node: Node) -> Library | None:
    """Your own actions (per channel, or "any"), questions ("light:"/"deep:" to suit a style), openers
    and reflections: added to the built-in ones, or replacing them with `replace: true`."""
    keys = reader.mapping(node, "library", LIBRARY_KEYS)
    replace_all = reader.boolean(keys["replace"], "library.replace") if "replace" in keys else False
    actions: dict[str, list[str]] = {}
    if "actions" in keys:
        for channel_node, items in reader.mapping(keys["actions"], "library.actions", LIBRARY_ACTION_KEYS).items():
            path = join("library.actions", channel_node)
            actions[channel_node] = [
                t
                for t in (
                    reader.parsed(n, join(path, i), parse_line) for i, n in enumerate(reader.sequence(items, path))
                )
                if t
            ]
    lists: dict[str, list[str]] = {}
    for key in ("questions", "openers", "reflections"):
        if key in keys:
            path = join("library", key)
            lists[key] = [
                t
                for t in (
                    reader.parsed(n, join(path, i), parse_line) for i, n in enumerate(reader.sequence(keys[key], path))
                )
                if t
            ]
    try:
        from reconnectd.policy.library import default_library  # noqa: PLC0415  (the words: only for a library)

        return default_library().extended(
            actions,
            lists.get("questions", ()),
            bool(replace_all),
            openers=lists.get("openers", ()),
            reflections=lists.get("reflections", ()),
        )
    except (ValueError, TypeError) as error:
        reader.problem(node, "library", str(error))
        return None
