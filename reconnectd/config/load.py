"""The user's YAML, validated into the frozen settings of `reconnectd.policy.settings`.

Every default lives there once, on its dataclass field. Every problem is reported at once,
with its file, line and path, and what to write instead.
"""

from __future__ import annotations

import re
import shlex
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from reconnectd.config.nodes import Node, Reader, compose, join, suggest
from reconnectd.config.schema import (
    CALENDAR_KEYS,
    DATE_OPTION_KEYS,
    LIBRARY_ACTION_KEYS,
    LIBRARY_KEYS,
    MILESTONE_KEYS,
    NOTIFY_KEYS,
    PASSWORD_KEYS,
    PATIENCE_KEYS,
    PERSON_KEYS,
    PERSON_REQUIRED,
    SCHEDULE_KEYS,
    SELF_KEYS,
    TOP_KEYS,
    URL_KEYS,
)
from reconnectd.config.values import (
    parse_argument,
    parse_cadence,
    parse_channel,
    parse_component,
    parse_date,
    parse_duration,
    parse_factor,
    parse_listen,
    parse_month_day,
    parse_path,
    parse_positive_duration,
    parse_quiet_hours,
    parse_standing,
    parse_style,
    read_time_of_day,
)
from reconnectd.errors import ConfigError, Problem
from reconnectd.policy.model import Milestone, Person, Standing, fold
from reconnectd.policy.settings import (
    SELF,
    CalendarSettings,
    Config,
    MilestoneSettings,
    NotifySettings,
    PasswordSource,
    Patience,
    Schedule,
    Secret,
)
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
        values["calendar"] = _calendar(reader, top["calendar"])
    if "notify" in top:
        values["notify"] = _notify(reader, top["notify"])
    if "schedule" in top:
        values["schedule"] = _schedule(reader, top["schedule"])
    if "patience" in top:
        values["patience"] = _patience(reader, top["patience"])
    if "milestones" in top:
        keys = reader.mapping(top["milestones"], "milestones", MILESTONE_KEYS)
        found: dict[str, Any] = {}
        if "time" in keys:
            found["time"] = read_time_of_day(reader, keys["time"], "milestones.time")
        if "keep_when_paused" in keys:
            found["keep_when_paused"] = reader.boolean(keys["keep_when_paused"], "milestones.keep_when_paused")
        values["milestones"] = MilestoneSettings(**{k: v for k, v in found.items() if v is not None})
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


def _calendar(reader: Reader, node: Node) -> CalendarSettings:
    keys = reader.mapping(node, "calendar", CALENDAR_KEYS)
    values: dict[str, Any] = {}
    for key in ("url", "username", "name"):
        if key in keys:
            values[key] = reader.text(keys[key], join("calendar", key))
    if values.get("url") is not None and not re.match(r"https?://[^/\s]+", values["url"]):
        reader.problem(
            keys["url"],
            "calendar.url",
            f'"{values["url"]}" is not an http(s) URL (write it like "https://dav.example.com/")',
        )
    if "password" in keys:
        password = reader.text(keys["password"], "calendar.password")
        values["password"] = Secret(password) if password is not None else None
    values["password_source"] = _password_source(reader, keys)
    if "verify_tls" in keys:
        values["verify_tls"] = reader.boolean(keys["verify_tls"], "calendar.verify_tls")
    if "listen" in keys:
        values["listen"] = reader.parsed(keys["listen"], "calendar.listen", parse_listen)
    if "component" in keys:
        values["component"] = reader.parsed(keys["component"], "calendar.component", parse_component)
    if "concurrency" in keys:
        values["concurrency"] = reader.integer(keys["concurrency"], "calendar.concurrency", 1, 16)
    for key in ("poll", "full_poll", "timeout"):
        if key in keys:
            values[key] = reader.parsed(keys[key], join("calendar", key), parse_positive_duration)
    return CalendarSettings(**{k: v for k, v in values.items() if v is not None})


def _password_source(reader: Reader, keys: dict[str, Node]) -> PasswordSource | None:
    given = [k for k in PASSWORD_KEYS if k in keys]
    for extra in given[1:]:
        reader.problem(keys[extra], join("calendar", extra), f"is given together with {given[0]}; keep only one")
    if not given or given[0] == "password":
        return None
    key = given[0]
    node, path = keys[key], join("calendar", key)
    line = reader.line(node)
    if key == "password_command":
        command = _command(reader, node, path)
        return PasswordSource("password_command", command, line) if command else None
    if key == "password_file":
        file = reader.parsed(node, path, parse_path)
        return PasswordSource("password_file", str(file), line) if file is not None else None
    raw = reader.text(node, path)
    if raw is None:
        return None
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", raw):
        reader.problem(node, path, f'"{raw}" is not an environment variable name (write it like "CALDAV_PASSWORD")')
        return None
    return PasswordSource("password_env", raw, line)


def _command(reader: Reader, node: Node, path: str) -> tuple[str, ...] | None:
    """A command as a list of arguments, or a string split as a shell would (but run without one)."""
    if isinstance(node, yaml.SequenceNode):
        parts = [reader.parsed(item, join(path, i), parse_argument) for i, item in enumerate(node.value)]
        return tuple(p for p in parts if p is not None) if all(parts) and parts else None
    raw = reader.parsed(node, path, parse_argument)
    if raw is None:
        return None
    try:
        return tuple(shlex.split(raw))
    except ValueError as error:
        reader.problem(node, path, f"cannot split this command: {error} (check the quotes, or write it as a list)")
        return None


def _notify(reader: Reader, node: Node) -> NotifySettings:
    keys = reader.mapping(node, "notify", NOTIFY_KEYS)
    values: dict[str, Any] = {"source_lines": {k: reader.line(n) for k, n in keys.items()}}
    if "urls" in keys:
        values["urls"], values["url_tags"], values["url_lines"] = _urls(reader, keys["urls"])
    for key in ("urls_file", "apprise_config"):
        if key in keys:
            values[key] = reader.parsed(keys[key], join("notify", key), parse_path)
    if "quiet_hours" in keys:
        values["quiet_hours"] = reader.parsed(keys["quiet_hours"], "notify.quiet_hours", parse_quiet_hours)
    if "expire" in keys:
        values["expire"] = reader.parsed(keys["expire"], "notify.expire", parse_positive_duration)
    if "digest" in keys:
        values["digest"] = read_time_of_day(reader, keys["digest"], "notify.digest")
    return NotifySettings(**{k: v for k, v in values.items() if v is not None})


def _urls(reader: Reader, node: Node) -> tuple[tuple[Secret, ...], tuple[frozenset[str], ...], tuple[int, ...]]:
    """Each item is a URL, or a mapping with `url` and a `tag` (or `tags`) to route people by."""
    urls: list[Secret] = []
    tags: list[frozenset[str]] = []
    lines: list[int] = []
    for index, entry in enumerate(reader.sequence(node, "notify.urls")):
        path = join("notify.urls", index)
        item, item_tags = entry, frozenset[str]()
        if isinstance(entry, yaml.MappingNode):
            keys = reader.mapping(item, path, URL_KEYS)
            if "url" not in keys:
                reader.problem(
                    item, join(path, "url"), 'is missing (write, for example, url: "ntfy://ntfy.sh/my-topic")'
                )
                continue
            words: list[str | None] = []
            for key in ("tag", "tags"):
                given = keys.get(key)
                for one in given.value if isinstance(given, yaml.SequenceNode) else [given] if given else []:
                    words.append(reader.text(one, join(path, key)))
            item_tags = frozenset(w for w in words if w)
            item = keys["url"]
        url = reader.text(item, path)
        if url is None:
            continue
        if not re.match(r"[a-zA-Z][\w+.-]*://", url):
            reader.problem(item, path, 'is not an Apprise URL (write it like "ntfy://ntfy.sh/my-topic")')
            continue
        urls.append(Secret(url))
        tags.append(item_tags)
        lines.append(reader.line(item))
    return tuple(urls), tuple(tags), tuple(lines)


def _schedule(reader: Reader, node: Node) -> Schedule:
    keys = reader.mapping(node, "schedule", SCHEDULE_KEYS)
    values: dict[str, Any] = {}
    if "time" in keys:
        window = reader.text(keys["time"], "schedule.time") if "-" in str(getattr(keys["time"], "value", "")) else None
        if window is not None:
            values["time"], values["until"] = reader.parsed(keys["time"], "schedule.time", parse_quiet_hours) or (
                None,
                None,
            )
            if values["time"] is not None and values["until"] <= values["time"]:
                reader.problem(
                    keys["time"], "schedule.time", f'"{window}" ends before it starts (write it like "18:00-20:00")'
                )
        else:
            values["time"] = read_time_of_day(reader, keys["time"], "schedule.time")
    if "days" in keys:
        values["days"] = _weekdays(reader, keys["days"])
    if "duration" in keys:
        values["duration"] = reader.parsed(keys["duration"], "schedule.duration", parse_positive_duration)
    if "alarm" in keys:
        values["alarm"] = reader.parsed(keys["alarm"], "schedule.alarm", parse_duration)
    if "max_per_day" in keys:
        values["max_per_day"] = reader.integer(keys["max_per_day"], "schedule.max_per_day", 1, 50)
    return Schedule(**{k: v for k, v in values.items() if v is not None})


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekdays(reader: Reader, node: Node) -> frozenset[int] | None:
    found: set[int] = set()
    for index, item in enumerate(reader.sequence(node, "schedule.days")):
        word = reader.text(item, join("schedule.days", index))
        if word is None:
            return None
        matches = [i for i, day in enumerate(WEEKDAYS) if len(word) >= 2 and day.startswith(word.lower())]
        if len(matches) != 1:
            reader.problem(
                item, join("schedule.days", index), f'"{word}" is not a day of the week (write mon, tue, ... sun)'
            )
            return None
        found.add(matches[0])
    if not found:
        reader.problem(node, "schedule.days", "allows no day at all (list at least one, like [sat, sun])")
        return None
    return frozenset(found)


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


def _patience(reader: Reader, node: Node) -> Patience:
    keys = reader.mapping(node, "patience", PATIENCE_KEYS)
    values: dict[str, Any] = {}
    if "growth" in keys:
        values["growth"] = reader.parsed(keys["growth"], "patience.growth", parse_factor(1.0, 3.0))
    if "cap" in keys:
        values["cap"] = reader.parsed(keys["cap"], "patience.cap", parse_factor(1.0, 12.0))
    return Patience(**{k: v for k, v in values.items() if v is not None})
