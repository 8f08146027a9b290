"""The settings sections: calendar, notify, schedule, patience and milestones.

Each `read_*` takes the section's node, reports every problem to the reader, and returns the
frozen settings built from the keys that are valid (the others keep their defaults).
"""

from __future__ import annotations

import re
import shlex
import urllib.parse
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from reconnectd.config.nodes import Node, Reader, join
from reconnectd.config.schema import (
    CALENDAR_KEYS,
    MILESTONE_KEYS,
    NOTIFY_KEYS,
    PASSWORD_KEYS,
    PATIENCE_KEYS,
    SCHEDULE_KEYS,
    URL_KEYS,
)
from reconnectd.config.values import (
    APPRISE_EXAMPLE,
    APPRISE_URL,
    FOREVER,
    NOT_APPRISE,
    parse_argument,
    parse_component,
    parse_duration,
    parse_factor,
    parse_keep_history,
    parse_listen,
    parse_name,
    parse_path,
    parse_positive_duration,
    parse_quiet_hours,
    read_time_of_day,
)
from reconnectd.policy.english import WEEKDAY_NAMES
from reconnectd.policy.settings import (
    CalendarSettings,
    MilestoneSettings,
    NotifySettings,
    PasswordSource,
    Patience,
    Reply,
    Schedule,
    Secret,
)


def read_calendar(reader: Reader, node: Node) -> CalendarSettings:
    keys = reader.mapping(node, "calendar", CALENDAR_KEYS)
    values: dict[str, Any] = {}
    if "name" in keys:
        values["name"] = reader.text(keys["name"], "calendar.name")
    if "url" in keys:
        values["url"] = dav_url(reader, keys["url"], "calendar.url")
    values.update(login(reader, keys, "calendar"))
    if "listen" in keys:
        values["listen"] = reader.parsed(keys["listen"], "calendar.listen", parse_listen)
    if "component" in keys:
        values["component"] = reader.parsed(keys["component"], "calendar.component", parse_component)
    if "concurrency" in keys:
        values["concurrency"] = reader.integer(keys["concurrency"], "calendar.concurrency", 1, 16)
    for key in ("poll", "full_poll", "timeout"):
        if key in keys:
            values[key] = reader.parsed(keys[key], join("calendar", key), parse_positive_duration)
    if "watch" in keys:
        values.update(_watch(reader, keys["watch"]))
    settings = CalendarSettings(**{k: v for k, v in values.items() if v is not None})
    if "keep_history" in keys:
        node = keys["keep_history"]
        text = reader.text(node, "calendar.keep_history")
        if text is not None and text.strip().lower() == FOREVER:
            return replace(settings, keep_history=None)
        keep = reader.parsed(node, "calendar.keep_history", parse_keep_history)
        return replace(settings, keep_history=keep) if keep is not None else settings
    return settings


def dav_url(reader: Reader, node: Node, path: str) -> str | None:
    """An http(s) URL without credentials in it (one that holds them is never shown, logged or stored)."""
    url = reader.text(node, path)
    if url is not None and not re.match(r"https?://[^/\s]+", url):
        reader.problem(node, path, f'"{url}" is not an http(s) URL (write it like "https://dav.example.com/")')
        return None
    if url is not None and "@" in url.split("://", 1)[-1].split("/", 1)[0]:
        scheme, _, rest = url.partition("://")
        reader.problem(
            node,
            path,
            "holds a user name (and maybe a password) before the @; write the URL without it, like "
            f'"{scheme}://{rest.split("/", 1)[0].rpartition("@")[2]}/", and put them in username: and password_file:',
        )
        return None
    return url


def _watch(reader: Reader, node: Node) -> dict[str, Any]:
    """`watch: all`, or `watch: [Work, Family]`: the other calendars read for meetings."""
    if isinstance(node, yaml.ScalarNode):
        value = reader.text(node, "calendar.watch")
        if value is not None and value.strip().lower() == "all":
            return {"watch_all": True}
        if value is not None:
            reader.problem(
                node, "calendar.watch", f'"{value}" is neither all nor a list (write watch: all, or watch: [{value}])'
            )
        return {}
    items = enumerate(reader.sequence(node, "calendar.watch"))
    names = [reader.parsed(n, join("calendar.watch", i), parse_name) for i, n in items]
    return {"watch": tuple(n.strip() for n in names if n)} if all(names) else {}


def login(reader: Reader, keys: dict[str, Node], section: str) -> dict[str, Any]:
    """A DAV section's login (`calendar` or `contacts`): username, password or where it comes from, verify_tls."""
    values: dict[str, Any] = {}
    if "username" in keys:
        values["username"] = reader.text(keys["username"], join(section, "username"))
    if "password" in keys:
        password = reader.text(keys["password"], join(section, "password"))
        values["password"] = Secret(password) if password is not None else None
    values["password_source"] = password_source(reader, keys, section)
    if "verify_tls" in keys:
        values["verify_tls"] = reader.boolean(keys["verify_tls"], join(section, "verify_tls"))
    return values


def password_source(reader: Reader, keys: dict[str, Node], section: str) -> PasswordSource | None:
    """Where the section's password comes from (`calendar` or `contacts`): at most one of PASSWORD_KEYS."""
    given = [k for k in PASSWORD_KEYS if k in keys]
    for extra in given[1:]:
        reader.problem(keys[extra], join(section, extra), f"is given together with {given[0]}; keep only one")
    if not given or given[0] == "password":
        return None
    key = given[0]
    node, path = keys[key], join(section, key)
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


def read_notify(reader: Reader, node: Node) -> NotifySettings:
    keys = reader.mapping(node, "notify", NOTIFY_KEYS)
    values: dict[str, Any] = {"source_lines": {k: reader.line(n) for k, n in keys.items()}}
    if "urls" in keys:
        values["urls"], values["url_tags"], values["url_lines"], values["url_replies"] = _urls(reader, keys["urls"])
    for key in ("urls_file", "apprise_config"):
        if key in keys:
            values[key] = reader.parsed(keys[key], join("notify", key), parse_path)
    if "quiet_hours" in keys:
        values["quiet_hours"] = reader.parsed(keys["quiet_hours"], "notify.quiet_hours", parse_quiet_hours)
    if "expire" in keys:
        values["expire"] = reader.parsed(keys["expire"], "notify.expire", parse_positive_duration)
    if "digest" in keys:
        values["digest"] = read_time_of_day(reader, keys["digest"], "notify.digest")
    if "view_url" in keys:
        values["view_url"] = reader.parsed(keys["view_url"], "notify.view_url", _web_address)
    return NotifySettings(**{k: v for k, v in values.items() if v is not None})


def _urls(
    reader: Reader, node: Node
) -> tuple[tuple[Secret, ...], tuple[frozenset[str], ...], tuple[int, ...], tuple[Reply | None, ...]]:
    """Each item is a URL, or a mapping with `url`, a `tag` (or `tags`) to route people by, and for
    ntfy a `reply_topic` (with `token_file` and `snooze`) for buttons on its nudges."""
    replies: list[Reply | None] = []
    urls: list[Secret] = []
    tags: list[frozenset[str]] = []
    lines: list[int] = []
    for index, entry in enumerate(reader.sequence(node, "notify.urls")):
        path = join("notify.urls", index)
        item, item_tags, reply = entry, frozenset[str](), None
        if isinstance(entry, yaml.MappingNode):
            keys = reader.mapping(item, path, URL_KEYS)
            if "url" not in keys:
                reader.problem(item, join(path, "url"), f'is missing (write, for example, url: "{APPRISE_EXAMPLE}")')
                continue
            words: list[str | None] = []
            for key in ("tag", "tags"):
                given = keys.get(key)
                for one in given.value if isinstance(given, yaml.SequenceNode) else [given] if given else []:
                    words.append(reader.text(one, join(path, key)))
            item_tags = frozenset(w for w in words if w)
            item = keys["url"]
            reply = _reply(reader, keys, path)
        url = reader.text(item, path)
        if url is None:
            continue
        if not APPRISE_URL.match(url):
            reader.problem(item, path, NOT_APPRISE)
            continue
        urls.append(Secret(url))
        tags.append(item_tags)
        lines.append(reader.line(item))
        replies.append(reply)
    return tuple(urls), tuple(tags), tuple(lines), tuple(replies)


def _reply(reader: Reader, keys: dict[str, Node], path: str) -> Reply | None:
    if "reply_topic" not in keys:
        for key in ("token_file", "reply_token_file", "snooze"):
            if key in keys:
                reader.problem(
                    keys[key], join(path, key), "needs reply_topic: beside it (the ntfy topic the buttons post to)"
                )
        return None
    topic = reader.parsed(keys["reply_topic"], join(path, "reply_topic"), _topic)
    if topic is None:
        return None
    values: dict[str, Any] = {"topic": topic.strip("/")}
    for key in ("token_file", "reply_token_file"):
        if key in keys:
            values[key] = token_file = reader.parsed(keys[key], join(path, key), parse_path)
            problem = _unreadable_token(token_file) if token_file is not None else None
            if problem is not None:
                reader.problem(keys[key], join(path, key), problem)
    if "snooze" in keys:
        values["snooze"] = reader.parsed(keys["snooze"], join(path, "snooze"), parse_positive_duration)
    return Reply(**{k: v for k, v in values.items() if v is not None})


def _topic(text: str) -> str:
    """An ntfy topic name, as ntfy accepts them."""
    if not re.fullmatch(r"[-_A-Za-z0-9]{1,64}", text.strip("/")):
        shown = text[:80].encode("unicode_escape").decode()  # a control character shown, not sent to the terminal
        raise ValueError(f'"{shown}" is not an ntfy topic (write 1 to 64 letters, digits, - or _, like "my-replies")')
    return text


def _web_address(text: str) -> str:
    """An http(s) address the phone can open."""
    parts = urllib.parse.urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or any(ord(c) < 32 for c in text):
        shown = text[:80].encode("unicode_escape").decode()
        raise ValueError(f'"{shown}" is not a web address (write it like "https://calendar.example.com/")')
    return text.strip()


def _unreadable_token(path: Path) -> str | None:
    """Why the reply topic's token cannot be read from `path`, or None when it can."""
    try:
        token = path.read_text().strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not text"
        return f"cannot read {path} ({reason}): put the ntfy access token in it, on one line (chmod 600)"
    return None if token else f"{path} is empty: put the ntfy access token in it, on one line (chmod 600)"


def read_schedule(reader: Reader, node: Node) -> Schedule:
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
    schedule = Schedule(**{k: v for k, v in values.items() if v is not None})
    if schedule.until is not None and _span(schedule.time, schedule.until) < schedule.duration:
        where = keys.get("duration") or keys["time"]
        reader.problem(
            where,
            "schedule.duration" if "duration" in keys else "schedule.time",
            f"an event of {schedule.duration.total_seconds() / 60:g} minutes does not fit in the window"
            f" {schedule.time:%H:%M}-{schedule.until:%H:%M} (make the window longer or schedule.duration shorter)",
        )
    return schedule


def _span(start: time, end: time) -> timedelta:
    """The length of a window within one day."""
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def _weekdays(reader: Reader, node: Node) -> frozenset[int] | None:
    found: set[int] = set()
    for index, item in enumerate(reader.sequence(node, "schedule.days")):
        word = reader.text(item, join("schedule.days", index))
        if word is None:
            return None
        matches = [i for i, day in enumerate(WEEKDAY_NAMES) if len(word) >= 2 and day.lower().startswith(word.lower())]
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


def read_patience(reader: Reader, node: Node) -> Patience:
    keys = reader.mapping(node, "patience", PATIENCE_KEYS)
    values: dict[str, Any] = {}
    if "growth" in keys:
        values["growth"] = reader.parsed(keys["growth"], "patience.growth", parse_factor(1.0, 3.0))
    if "cap" in keys:
        values["cap"] = reader.parsed(keys["cap"], "patience.cap", parse_factor(1.0, 12.0))
    return Patience(**{k: v for k, v in values.items() if v is not None})


def read_milestones(reader: Reader, node: Node) -> MilestoneSettings:
    keys = reader.mapping(node, "milestones", MILESTONE_KEYS)
    found: dict[str, Any] = {}
    if "time" in keys:
        found["time"] = read_time_of_day(reader, keys["time"], "milestones.time")
    if "keep_when_paused" in keys:
        found["keep_when_paused"] = reader.boolean(keys["keep_when_paused"], "milestones.keep_when_paused")
    return MilestoneSettings(**{k: v for k, v in found.items() if v is not None})
