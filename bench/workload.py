"""The work every benchmark shares: people, configs, rendered events, servers, calendars."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from caldav.davclient import DAVClient
from servers import CalDAVServerProcess, RadicaleServer, XandikosServer

from reconnectd.calendar import ical
from reconnectd.config.load import parse_config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.plan import plan
from reconnectd.policy.settings import Config

# A fixed moment for everything run in-process, so every run plans the same events.
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
ZONE = "Europe/London"
USERNAME = PASSWORD = "bench"  # noqa: S105  (Radicale runs with --auth-type none: any login works)

_CADENCES = ("weekly", "2 weeks", "monthly", "3w", "every 10 days", "quarterly", "P2W", "2m")
_CHANNELS = ("text", "voice note", "call", "video", "in person", "email", "letter", "social media")

SERVER_KINDS = ("radicale", "xandikos")
SERVER_NAMES = {"radicale": "Radicale", "xandikos": "Xandikos"}


def people_yaml(count: int, today: date, *, dates: bool = False) -> str:
    """`count` people as the `people:` list of a config: mixed cadences and channels, some with a last contact.

    With `dates`, everyone has a birthday (spread over the year, 29 February included), every
    fourth person an anniversary with a week's reminder, and every tenth a one-off event soon.
    """
    lines = []
    for i in range(count):
        lines += [
            f"  - name: Person {i:05d}",
            f"    every: {_CADENCES[i % len(_CADENCES)]}",
            f"    prefers: {_CHANNELS[i % len(_CHANNELS)]}",
        ]
        if i % 3 == 0:
            lines.append(f"    notes: met at the {i % 7 + 1}th reunion, likes long walks")
        if i % 2 == 0:
            lines.append(f"    last_contact: {(today - timedelta(days=i % 40)).isoformat()}")
        if dates:
            lines += _dates_yaml(i, today)
    return "\n".join(lines) + "\n"


def _dates_yaml(i: int, today: date) -> list[str]:
    birthday = date(2024, 1, 1) + timedelta(days=i % 366)  # a leap year: every day, 29 February too
    lines = ["    dates:", f"      - birthday: {birthday:%m-%d}"]
    if i % 4 == 0:
        anniversary = date(2024, 1, 1) + timedelta(days=(i * 7) % 366)
        lines += [f"      - wedding anniversary: {anniversary:%m-%d}", "        remind: 1w"]
    if i % 10 == 0:
        lines += [f"      - big presentation: {today + timedelta(days=i % 60)}", "        remind: 1d"]
    return lines


def config_yaml(
    count: int,
    *,
    today: date,
    url: str | None = None,
    name: str = "Reconnect",
    poll: str = "5m",
    at: str = "18:00",
    dates: bool = False,
    watch: str | None = None,
) -> str:
    calendar = f"calendar:\n  name: {name}\n  poll: {poll}\n" + (f"  watch: [{watch}]\n" if watch else "")
    if url is not None:
        calendar += f"  url: {url}\n  username: {USERNAME}\n  password: {PASSWORD}\n"
    return f'timezone: {ZONE}\n{calendar}schedule:\n  time: "{at}"\npeople:\n{people_yaml(count, today, dates=dates)}'


def config(
    count: int, *, url: str | None = None, name: str = "Reconnect", dates: bool = False, watch: str | None = None
) -> Config:
    """A parsed config for the in-process benchmarks (planned as of NOW); `dates`: with milestones; `watch`:
    another calendar read for meetings."""
    text = config_yaml(count, today=NOW.date(), url=url, name=name, dates=dates, watch=watch)
    return parse_config(text, "bench.yaml")


def rendered_events(cfg: Config, now: datetime = NOW) -> list[tuple[str, bytes]]:
    """(uid, iCalendar bytes) of each first check-in: the very bytes reconnectd's first sync PUTs."""
    alarm, component = cfg.schedule.alarm, cfg.calendar.component
    return [(p.checkin.uid, ical.render(p, now, alarm, component)) for p in plan(cfg, Ledger(), now).upcoming]


def new_server(kind: str, root: Path) -> CalDAVServerProcess:
    if kind == "radicale":
        return RadicaleServer(root)
    if kind == "xandikos":
        return XandikosServer(root)
    raise ValueError(kind)


@contextmanager
def running(kind: str, root: Path) -> Iterator[CalDAVServerProcess]:
    """A fresh server of `kind`, stopped whatever happens."""
    server = new_server(kind, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def make_calendar(server_url: str, name: str) -> str:
    """Create an empty calendar called `name` (setup, not measured); return its URL."""
    client = DAVClient(url=server_url, username=USERNAME, password=PASSWORD, enable_rfc6764=False)
    try:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        principal: Any = cast(Any, client).principal()  # caldav is untyped
        created = principal.make_calendar(name=name, cal_id=slug)
        return str(created.url)
    finally:
        client.close()


_PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>'
)


def count_objects(calendar_url: str) -> int:
    """How many objects the calendar holds: every method must leave the same number."""
    client = DAVClient(url=calendar_url, username=USERNAME, password=PASSWORD, enable_rfc6764=False)
    try:
        headers = {"Depth": "1", "Content-Type": "application/xml"}
        response = client.request(calendar_url, "PROPFIND", _PROPFIND, headers)
        own = urlsplit(calendar_url).path.rstrip("/")
        return sum(1 for r in response.parse_propfind() if r.href.rstrip("/") != own)
    finally:
        client.close()
