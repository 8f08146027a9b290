"""The user's YAML, validated into the frozen settings of `reconnectd.policy.settings`.

Every default lives there once, on its dataclass field. Every problem is reported at once,
with its file, line and path, and what to write instead.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from reconnectd.config.nodes import Node, Reader, compose, join, suggest
from reconnectd.config.schema import (
    DATE_OPTION_KEYS,
    LIBRARY_ACTION_KEYS,
    LIBRARY_KEYS,
    PERSON_KEYS,
    PERSON_REQUIRED,
    SELF_KEYS,
    TOP_KEYS,
)
from reconnectd.config.sections import read_calendar, read_milestones, read_notify, read_patience, read_schedule
from reconnectd.config.values import (
    parse_cadence,
    parse_channel,
    parse_date,
    parse_duration,
    parse_month_day,
    parse_standing,
    parse_style,
)
from reconnectd.errors import ConfigError, Problem
from reconnectd.policy.model import Milestone, Person, Standing, fold
from reconnectd.policy.settings import SELF, Config
from reconnectd.policy.suggest import DEFAULT_LIBRARY, Library


def load_config(path: Path, fallback_timezone: str | None = None) -> Config:
    """Read, parse and validate the file at `path` (secrets are resolved separately)."""
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        hint = "run `reconnectd init` or pass --config" if isinstance(error, FileNotFoundError) else ""
        raise ConfigError(
            [Problem(file, None, "", f"cannot read the config: {reason}" + (f" ({hint})" if hint else ""))]
        ) from None
    return parse_config(decode(data, file), file, fallback_timezone)


def decode(data: bytes, file: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError([Problem(file, line, "", "is not UTF-8 text (save the file as UTF-8)")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ConfigError([Problem(file, line, "", "contains binary data, not YAML text")])
    return text


def parse_config(text: str, file: str, fallback_timezone: str | None = None) -> Config:
    """Pure: YAML text to Config, or a ConfigError listing every problem."""
    root = compose(text, file)
    reader = Reader(file, text)
    if root is None:
        raise ConfigError([Problem(file, 1, "", "the file is empty (start from config.example.yaml)")])
    assert root is not None
    top = reader.mapping(root, "", TOP_KEYS)
    if reader.problems and not top:
        reader.raise_if_any()  # not a mapping at all: nothing else is worth saying
    values: dict[str, Any] = {}
    timezone = _timezone(reader, top.get("timezone"), fallback_timezone)
    if "calendar" in top:
        values["calendar"] = read_calendar(reader, top["calendar"])
    if "notify" in top:
        values["notify"] = read_notify(reader, top["notify"])
    if "schedule" in top:
        values["schedule"] = read_schedule(reader, top["schedule"])
    if "patience" in top:
        values["patience"] = read_patience(reader, top["patience"])
    if "milestones" in top:
        values["milestones"] = read_milestones(reader, top["milestones"])
    if "self" in top:
        keys = reader.mapping(top["self"], "self", SELF_KEYS)
        if "every" in keys:
            values["self_every"] = reader.parsed(keys["every"], "self.every", parse_cadence)
        elif isinstance(top["self"], yaml.MappingNode):
            reader.problem(top["self"], "self.every", "is missing (write, for example, every: weekly)")
    if "library" in top:
        values["library"] = _library(reader, top["library"])
    if "people" in top:
        values["people"] = _people(reader, top["people"])
    reader.raise_if_any()
    assert timezone is not None
    return Config(file=file, timezone=timezone, **values)


def _timezone(reader: Reader, node: Node | None, fallback: str | None) -> ZoneInfo | None:
    if node is None:
        if fallback:
            return ZoneInfo(fallback)
        reader.problem(None, "timezone", 'is missing (write your time zone, for example "Europe/London")')
        return None
    name = reader.text(node, "timezone")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Europe", or too long
        close = suggest(name, sorted(available_timezones())) if "/" in name or len(name) <= 4 else None
        hint = f'did you mean "{close}"?' if close else 'write an IANA name such as "Europe/London"'
        reader.problem(node, "timezone", f'"{name}" is not a known time zone ({hint})')
        return None


def _people(reader: Reader, node: Node) -> tuple[Person, ...]:
    people: list[Person] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(reader.sequence(node, "people")):
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
        if person is not None:
            people.append(person)
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
    name = reader.text(keys["name"], join(path, "name")) if "name" in keys else None
    every = reader.parsed(keys["every"], join(path, "every"), parse_cadence) if "every" in keys else None
    values: dict[str, Any] = {}
    if "prefers" in keys:
        values["prefers"] = reader.parsed(keys["prefers"], join(path, "prefers"), parse_channel)
    if "notes" in keys:
        values["notes"] = reader.text(keys["notes"], join(path, "notes"))
    if "last_contact" in keys:
        values["last_contact"] = reader.parsed(keys["last_contact"], join(path, "last_contact"), parse_date)
    if "interests" in keys:
        found = [
            reader.text(n, join(path, f"interests[{i}]"))
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
    if "dates" in keys:
        dates = [
            _milestone(reader, n, join(path, f"dates[{i}]"))
            for i, n in enumerate(reader.sequence(keys["dates"], join(path, "dates")))
        ]
        values["dates"] = tuple(d for d in dates if d) if all(dates) else None
    if not ok or name is None or every is None or any(v is None for v in values.values()):
        return name, None
    return name, Person(name=name, every=every, **values)


def _library(reader: Reader, node: Node) -> Library | None:
    """Your own actions (per channel, or "any"), questions ("light:"/"deep:" to suit a style), openers
    and reflections: added to the built-in ones, or replacing them with `replace: true`."""
    keys = reader.mapping(node, "library", LIBRARY_KEYS)
    replace_all = reader.boolean(keys["replace"], "library.replace") if "replace" in keys else False
    actions: dict[str, list[str]] = {}
    if "actions" in keys:
        for channel_node, items in reader.mapping(keys["actions"], "library.actions", LIBRARY_ACTION_KEYS).items():
            path = join("library.actions", channel_node)
            actions[channel_node] = [
                t for t in (reader.text(n, join(path, i)) for i, n in enumerate(reader.sequence(items, path))) if t
            ]
    lists: dict[str, list[str]] = {}
    for key in ("questions", "openers", "reflections"):
        if key in keys:
            path = join("library", key)
            lists[key] = [
                t for t in (reader.text(n, join(path, i)) for i, n in enumerate(reader.sequence(keys[key], path))) if t
            ]
    try:
        return DEFAULT_LIBRARY.extended(
            actions,
            lists.get("questions", ()),
            bool(replace_all),
            openers=lists.get("openers", ()),
            reflections=lists.get("reflections", ()),
        )
    except (ValueError, TypeError) as error:
        reader.problem(node, "library", str(error))
        return None


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
    recurring = (
        yearly if yearly is not None else (year is None or any(w in label.lower() for w in ("birthday", "anniversary")))
    )
    if not recurring and year is None:
        reader.problem(
            date_node, join(path, label), "a one-off date needs a year (write YYYY-MM-DD), or add yearly: true"
        )
        return None
    return Milestone(label, month, dom, year, recurring, remind)
