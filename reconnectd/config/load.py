"""The user's YAML, validated into the frozen settings of `reconnectd.policy.settings`.

Every default lives there once, on its dataclass field. Every problem is reported at once,
with its file, line and path, and what to write instead.

This module reads the file and the top level; the sections are read in `sections` and
`people`, their values in `values`, and the keys each accepts are listed in `schema`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from reconnectd.config.contacts import read_contacts
from reconnectd.config.nodes import BINARY, Node, Reader, compose, suggest
from reconnectd.config.people import read_library, read_people
from reconnectd.config.schema import SELF_KEYS, TOP_KEYS
from reconnectd.config.sections import read_calendar, read_milestones, read_notify, read_patience, read_schedule
from reconnectd.config.values import parse_cadence
from reconnectd.errors import ConfigError, Problem
from reconnectd.policy.settings import (
    Config,
)

ZONE_EXAMPLE = "Europe/London"
NO_BOOK = "names a card, but there is no contacts: section; add one with the address book's url: or path:"


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
        raise ConfigError([Problem(file, line, "", BINARY)])
    return text


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A big config makes millions of objects and no cycles; the cyclic collector's passes over
    them all would make loading grow faster than the file, so it waits until we are done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_config(text: str, file: str, fallback_timezone: str | None = None) -> Config:
    """Pure: YAML text to Config, or a ConfigError listing every problem."""
    with _collector_paused():
        return _parse(text, file, fallback_timezone)


def _parse(text: str, file: str, fallback_timezone: str | None) -> Config:
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
        values["own_library"] = read_library(reader, top["library"])
    if "people" in top:
        values["people"] = read_people(reader, top["people"])
    if "contacts" in top:
        values["contacts"] = read_contacts(reader, top["contacts"])
    elif any(p.card for p in values.get("people", ())):
        index, person = next((i, p) for i, p in enumerate(values["people"]) if p.card)
        reader.problems.append(Problem(file, person.line, f"people[{index}].card", NO_BOOK.format(name=person.name)))
    reader.raise_if_any()
    assert timezone is not None
    return Config(file=file, timezone=timezone, **values)


def _timezone(reader: Reader, node: Node | None, fallback: str | None) -> ZoneInfo | None:
    if node is None:
        if fallback:
            return ZoneInfo(fallback)
        reader.problem(None, "timezone", f'is missing (write your time zone, for example "{ZONE_EXAMPLE}")')
        return None
    name = reader.text(node, "timezone")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Europe", or too long
        close = suggest(name, sorted(available_timezones())) if "/" in name or len(name) <= 4 else None
        hint = f'did you mean "{close}"?' if close else f'write an IANA name such as "{ZONE_EXAMPLE}"'
        reader.problem(node, "timezone", f'"{name}" is not a known time zone ({hint})')
        return None
