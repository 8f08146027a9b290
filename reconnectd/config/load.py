"""The user's YAML, validated into the frozen settings of `reconnectd.policy.settings`.

Every default lives there once, on its dataclass field. Every problem is reported at once,
with its file, line and path, and what to write instead.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from reconnectd.config.nodes import Node, Reader, compose, join, suggest
from reconnectd.errors import ConfigError, Problem
from reconnectd.policy.cadence import CadenceError, DurationError, parse_cadence, parse_duration
from reconnectd.policy.library import Library, default_library
from reconnectd.policy.model import CHANNEL_ALIASES, CHANNELS, Milestone, Person, Standing, fold
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

TOP_KEYS = {
    "timezone": "IANA time zone",
    "calendar": "CalDAV calendar",
    "notify": "where nudges go",
    "schedule": "when check-ins happen",
    "patience": "how the rhythm slows when nobody answers",
    "milestones": "birthdays and other dates",
    "self": "a check-in with yourself",
    "library": "your own suggestions and questions",
    "people": "the people to keep in touch with",
}
CALENDAR_KEYS = {
    "url": "CalDAV URL",
    "username": "login",
    "password": "password",
    "password_file": "file holding the password",
    "password_command": "command printing the password",
    "password_env": "environment variable holding the password",
    "name": "calendar display name",
    "verify_tls": "check certificates",
    "listen": "embedded server address",
    "poll": "how often to look for changes",
    "full_poll": "how often to compare every object",
    "component": "event or todo",
    "timeout": "network timeout",
    "concurrency": "writes in flight at once",
}
NOTIFY_KEYS = {
    "urls": "Apprise URLs",
    "urls_file": "file of Apprise URLs",
    "apprise_config": "Apprise config file",
    "quiet_hours": "no nudges between",
    "expire": "stop retrying after",
    "digest": "time of a daily summary",
}
SCHEDULE_KEYS = {
    "time": "time of day, or a window",
    "days": "days of the week",
    "duration": "event length",
    "max_per_day": "check-ins per day",
    "alarm": "reminder lead time",
}
PERSON_KEYS = {
    "name": "who",
    "every": "cadence",
    "prefers": "channel",
    "notes": "notes",
    "interests": "what they care about",
    "style": "light or deep",
    "last_contact": "date",
    "status": "active, paused or let go",
    "until": "end of a pause",
    "notify": "route tag",
    "dates": "birthdays, anniversaries, events",
}
MILESTONE_KEYS = {"time": "time of day for their nudges", "keep_when_paused": "show paused people's dates"}
DATE_OPTION_KEYS = {"remind": "lead time", "yearly": "every year"}
PATIENCE_KEYS = {"growth": "factor per unanswered check-in", "cap": "longest interval, in cadences"}


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
            found["time"] = _time_of_day(reader, keys["time"], "milestones.time")
        if "keep_when_paused" in keys:
            found["keep_when_paused"] = reader.boolean(keys["keep_when_paused"], "milestones.keep_when_paused")
        values["milestones"] = MilestoneSettings(**{k: v for k, v in found.items() if v is not None})
    if "self" in top:
        keys = reader.mapping(top["self"], "self", {"every": "cadence"})
        if "every" in keys:
            values["self_every"] = reader.parsed(keys["every"], "self.every", _cadence)
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
            values[key] = reader.parsed(keys[key], join("calendar", key), _positive_duration)
    return CalendarSettings(**{k: v for k, v in values.items() if v is not None})


PASSWORD_KEYS = ("password", "password_file", "password_command", "password_env")


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
        file = reader.parsed(node, path, _path)
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
        parts = [reader.parsed(item, join(path, i), _argument) for i, item in enumerate(node.value)]
        return tuple(p for p in parts if p is not None) if all(parts) and parts else None
    raw = reader.parsed(node, path, _argument)
    if raw is None:
        return None
    try:
        return tuple(shlex.split(raw))
    except ValueError as error:
        reader.problem(node, path, f"cannot split this command: {error} (check the quotes, or write it as a list)")
        return None


def _argument(text: str) -> str:
    if "\0" in text:
        raise ValueError("contains a NUL character (\\0); a command cannot hold one (remove it)")
    return text


def parse_component(text: str) -> Literal["event", "todo"]:
    word = text.lower().removeprefix("v")
    if word == "event":
        return "event"
    if word in ("todo", "task"):
        return "todo"
    raise ValueError(f'"{text}" is not a kind of calendar object (write "event" or "todo")')


def parse_listen(text: str) -> tuple[str, int]:
    match = re.fullmatch(r"(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d{1,5})", text)
    if not match or not 0 < int(match.group(2)) < 65536:
        raise ValueError(f'"{text}" is not an address (write host:port, for example "127.0.0.1:5232")')
    return match.group(1).strip("[]"), int(match.group(2))


def _positive_duration(text: str) -> timedelta:
    try:
        value = parse_duration(text)
    except DurationError as error:
        raise ValueError(str(error)) from None
    if value <= timedelta(0):
        raise ValueError(f'"{text}" must be longer than zero (try "5m")')
    return value


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as error:
        raise ValueError(str(error)) from None


def _notify(reader: Reader, node: Node) -> NotifySettings:
    keys = reader.mapping(node, "notify", NOTIFY_KEYS)
    values: dict[str, Any] = {"source_lines": {k: reader.line(n) for k, n in keys.items()}}
    if "urls" in keys:
        values["urls"], values["url_tags"], values["url_lines"] = _urls(reader, keys["urls"])
    for key in ("urls_file", "apprise_config"):
        if key in keys:
            values[key] = reader.parsed(keys[key], join("notify", key), _path)
    if "quiet_hours" in keys:
        values["quiet_hours"] = reader.parsed(keys["quiet_hours"], "notify.quiet_hours", parse_quiet_hours)
    if "expire" in keys:
        values["expire"] = reader.parsed(keys["expire"], "notify.expire", _positive_duration)
    if "digest" in keys:
        values["digest"] = _time_of_day(reader, keys["digest"], "notify.digest")
    return NotifySettings(**{k: v for k, v in values.items() if v is not None})


def parse_quiet_hours(text: str) -> tuple[time, time]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text)
    if match:
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) != (h2, m2):
            return time(h1, m1), time(h2, m2)
    raise ValueError(f'"{text}" is not a span of hours (write it like "22:00-08:00")')


def _urls(reader: Reader, node: Node) -> tuple[tuple[Secret, ...], tuple[frozenset[str], ...], tuple[int, ...]]:
    """Each item is a URL, or a mapping with `url` and a `tag` (or `tags`) to route people by."""
    urls: list[Secret] = []
    tags: list[frozenset[str]] = []
    lines: list[int] = []
    for index, entry in enumerate(reader.sequence(node, "notify.urls")):
        path = join("notify.urls", index)
        item, item_tags = entry, frozenset[str]()
        if isinstance(entry, yaml.MappingNode):
            keys = reader.mapping(item, path, {"url": "Apprise URL", "tag": "route tag", "tags": "route tags"})
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
            values["time"] = _time_of_day(reader, keys["time"], "schedule.time")
    if "days" in keys:
        values["days"] = _weekdays(reader, keys["days"])
    if "duration" in keys:
        values["duration"] = reader.parsed(keys["duration"], "schedule.duration", _positive_duration)
    if "alarm" in keys:
        values["alarm"] = reader.parsed(keys["alarm"], "schedule.alarm", _duration)
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


def _time_of_day(reader: Reader, node: Node, path: str) -> time | None:
    # YAML 1.1 reads an unquoted 18:00 as the sexagesimal number 1080.
    if getattr(node, "tag", "") == "tag:yaml.org,2002:int" and ":" in str(node.value):
        text = str(node.value)
    else:
        raw = reader.text(node, path)
        if raw is None:
            return None
        text = raw
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    reader.problem(node, path, f'"{text}" is not a time of day (write 24-hour HH:MM, for example "18:00")')
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
    for required, example in (("name", '"Priya"'), ("every", '"2 weeks"')):
        if required not in keys and join(path, required) in reader.misspelt:
            ok = False  # the unknown-key message already says "did you mean"
        elif required not in keys:
            reader.problem(node, join(path, required), f"is missing (write, for example, {required}: {example})")
            ok = False
    name = reader.text(keys["name"], join(path, "name")) if "name" in keys else None
    every = reader.parsed(keys["every"], join(path, "every"), _cadence) if "every" in keys else None
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


def _cadence(text: str) -> Any:
    try:
        return parse_cadence(text)
    except CadenceError as error:
        raise ValueError(str(error)) from None


LIBRARY_KEYS = {
    "replace": "use only yours",
    "actions": "per channel",
    "questions": "to ask",
    "openers": "after a long gap",
    "reflections": "for yourself",
}


def _library(reader: Reader, node: Node) -> Library | None:
    """Your own actions (per channel, or "any"), questions ("light:"/"deep:" to suit a style), openers
    and reflections: added to the built-in ones, or replacing them with `replace: true`."""
    keys = reader.mapping(node, "library", LIBRARY_KEYS)
    replace_all = reader.boolean(keys["replace"], "library.replace") if "replace" in keys else False
    actions: dict[str, list[str]] = {}
    if "actions" in keys:
        for channel_node, items in reader.mapping(
            keys["actions"], "library.actions", {c: c for c in (*CHANNELS, "any")}
        ).items():
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
    remind = reader.parsed(options["remind"], join(path, "remind"), _duration) if "remind" in options else timedelta(0)
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


def parse_month_day(text: str) -> tuple[int | None, int, int]:
    """YYYY-MM-DD, or MM-DD (or --MM-DD) for a date without a year."""
    match = re.fullmatch(r"(?:(\d{4})-|--)?(\d{2})-(\d{2})", text)
    if not match:
        raise ValueError(f'"{text}" is not a date (write YYYY-MM-DD, or MM-DD for every year, like "03-14")')
    year = int(match.group(1)) if match.group(1) else None
    month, day = int(match.group(2)), int(match.group(3))
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 02-29 is allowed without a year
    except ValueError:
        raise ValueError(f'"{text}" is not a real date (check the month and day)') from None
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f'"{text}" is not a plausible year (write a year from {EARLIEST_YEAR} to {LATEST_YEAR})')
    return year, month, day


def parse_style(text: str) -> str:
    word = text.strip().lower()
    if word in ("light", "deep"):
        return word
    raise ValueError(f'"{text}" is not a style (write "light" or "deep")')


def parse_standing(text: str) -> Standing:
    word = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    for standing in Standing:
        if word == standing.value:
            return standing
    close = suggest(word, [s.value for s in Standing])
    hint = f'did you mean "{close}"?' if close else 'write "active", "paused" or "let go"'
    raise ValueError(f'"{text}" is not a status ({hint})')


def _patience(reader: Reader, node: Node) -> Patience:
    keys = reader.mapping(node, "patience", PATIENCE_KEYS)
    values: dict[str, Any] = {}
    if "growth" in keys:
        values["growth"] = reader.parsed(keys["growth"], "patience.growth", _factor(1.0, 3.0))
    if "cap" in keys:
        values["cap"] = reader.parsed(keys["cap"], "patience.cap", _factor(1.0, 12.0))
    return Patience(**{k: v for k, v in values.items() if v is not None})


def _factor(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.rstrip("x×"))
        except ValueError:
            raise ValueError(f'"{text}" is not a number (write one like 1.5)') from None
        if not low <= value <= high:
            raise ValueError(f"{value:g} is out of range (write a number from {low:g} to {high:g})")
        return value

    return parse


def parse_channel(text: str) -> str:
    word = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    word = CHANNEL_ALIASES.get(word, word)
    if word in CHANNELS:
        return word
    close = suggest(word, [*CHANNELS, *CHANNEL_ALIASES])
    hint = f'did you mean "{CHANNEL_ALIASES.get(close, close)}"?' if close else "write one of: " + ", ".join(CHANNELS)
    raise ValueError(f'"{text}" is not a way to reach someone ({hint})')


def parse_date(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f'"{text}" is not a date (write YYYY-MM-DD, for example "2026-11-02")')
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f'"{text}" is not a real date (check the month and day)') from None
    if day.year > LATEST_YEAR:
        raise ValueError(f'"{text}" is too far in the future (write the day you were last in touch)')
    if day.year < EARLIEST_YEAR:
        raise ValueError(f'"{text}" is too long ago (write a year after {EARLIEST_YEAR})')
    return day


EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def _path(text: str) -> Path:
    if "\0" in text:
        raise ValueError("contains a NUL character (\\0); a file name cannot hold one (remove it)")
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise ValueError(f'"{text}" names a user that does not exist (write the full path)') from None
