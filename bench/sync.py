"""Three ways to put the same events into an empty calendar, and reconnectd's polls after it.

- floor: a bare keep-alive loop of PUTs with http.client, what the server itself costs;
- naive: a plain sequential loop of caldav's `Calendar.add_event`;
- reconnectd: a real first `run_cycle`, with the calendar discovery a first start does.
"""

from __future__ import annotations

import base64
import http.client
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

from caldav.davclient import DAVClient

from bench.workload import PASSWORD, USERNAME
from reconnectd.calendar.client import CalendarClient
from reconnectd.daemon.cycle import CycleReport, run_cycle
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.settings import Config
from reconnectd.state import Store

_AUTH = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
_ICS = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class SyncResult:
    wall: float  # seconds
    requests: int  # every HTTP request the client sent
    created: int  # events the server accepted
    discovery: int = 0  # of `requests`, those spent finding the calendar


class BenchError(RuntimeError):
    """A run did not do the work it was meant to: the figures would be meaningless."""


def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)


def floor_sync(calendar_url: str, events: list[tuple[str, bytes]]) -> SyncResult:
    """PUT each event on one keep-alive connection, nothing else."""
    path = urlsplit(calendar_url).path.rstrip("/") + "/"
    headers = {"Content-Type": _ICS, "If-None-Match": "*", "Authorization": _AUTH}
    conn = _connection(calendar_url)
    try:
        start = time.perf_counter()
        for uid, body in events:
            conn.request("PUT", f"{path}{uid}.ics", body, headers)
            response = conn.getresponse()
            response.read()
            if response.status not in (200, 201, 204):
                raise BenchError(f"floor: PUT {uid} answered {response.status} {response.reason}")
        wall = time.perf_counter() - start
    finally:
        conn.close()
    return SyncResult(wall, len(events), len(events))


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, response: Any, *_: Any, **__: Any) -> Any:
        self.count += 1
        return response


def naive_sync(server_url: str, calendar_url: str, events: list[tuple[str, bytes]]) -> SyncResult:
    """`calendar.add_event(ical)` for each event, one after another, as caldav's docs show."""
    client = DAVClient(url=server_url, username=USERNAME, password=PASSWORD, enable_rfc6764=False)
    counter = _Counter()
    client.session.hooks["response"].append(counter)
    try:
        calendar: Any = cast(Any, client).calendar(url=calendar_url)  # caldav is untyped
        start = time.perf_counter()
        for _, body in events:
            calendar.add_event(body.decode())
        wall = time.perf_counter() - start
    finally:
        client.close()
    return SyncResult(wall, counter.count, len(events))


@dataclass(frozen=True)
class Poll:
    wall: float
    requests: int
    report: CycleReport


class Reconnectd:
    """reconnectd's own calendar client and state store, as one daemon process holds them."""

    def __init__(self, cfg: Config, state: Path) -> None:
        assert cfg.calendar.url is not None
        self.cfg = cfg
        self.store = Store(state)
        self.client = CalendarClient(cfg.calendar.url, USERNAME, PASSWORD)

    def close(self) -> None:
        self.client.close()
        self.store.close()

    def __enter__(self) -> Reconnectd:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def first_sync(self, now: datetime) -> SyncResult:
        """Discover the (empty) calendar, then one full cycle."""
        start = time.perf_counter()
        self.client.open(self.cfg.calendar.name)
        discovery = self.client.requests
        report = run_cycle(self.cfg, self.store, self.client, Notifier(()), now)
        wall = time.perf_counter() - start
        if report.calendar_error:
            raise BenchError(f"reconnectd: {report.calendar_error}")
        return SyncResult(wall, self.client.requests, report.created, discovery)

    def poll(self, now: datetime) -> Poll:
        before = self.client.requests
        start = time.perf_counter()
        report = run_cycle(self.cfg, self.store, self.client, Notifier(()), now)
        wall = time.perf_counter() - start
        if report.calendar_error:
            raise BenchError(f"reconnectd poll: {report.calendar_error}")
        return Poll(wall, self.client.requests - before, report)

    def polls(self, after: datetime, count: int) -> list[Poll]:
        """`count` polls, five minutes apart (within the hour, so none is a full comparison)."""
        return [self.poll(after + timedelta(minutes=5 * (i + 1))) for i in range(count)]

    def one_owned_href(self) -> str:
        href = next((o.href for o in self.store.owned().values() if o.href), None)
        if href is None:
            raise BenchError("reconnectd owns no object to edit")
        return href


def edit_remotely(calendar_url: str, href: str) -> None:
    """Change one event's title as the user's calendar app would: GET, then PUT with If-Match."""
    url = urljoin(calendar_url, href)
    conn = _connection(url)
    try:
        conn.request("GET", urlsplit(url).path, headers={"Authorization": _AUTH})
        response = conn.getresponse()
        body, etag = response.read(), response.getheader("ETag")
        if response.status != 200 or not etag:
            raise BenchError(f"second client: GET {href} answered {response.status}")
        edited = body.replace(b"SUMMARY:", b"SUMMARY:lunch instead - ", 1)
        headers = {"Content-Type": _ICS, "If-Match": etag, "Authorization": _AUTH}
        conn.request("PUT", urlsplit(url).path, edited, headers)
        response = conn.getresponse()
        response.read()
        if response.status not in (200, 201, 204):
            raise BenchError(f"second client: PUT {href} answered {response.status}")
    finally:
        conn.close()


def add_meeting(calendar_url: str, name: str, summary: str, start: str) -> None:
    """An event in a watched calendar, as the user's calendar app would create it."""
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//The user//Their app//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{name}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n"
        f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    url = urljoin(calendar_url if calendar_url.endswith("/") else calendar_url + "/", f"{name}.ics")
    conn = _connection(url)
    try:
        headers = {"Content-Type": _ICS, "If-None-Match": "*", "Authorization": _AUTH}
        conn.request("PUT", urlsplit(url).path, body, headers)
        response = conn.getresponse()
        response.read()
        if response.status not in (201, 204):
            raise BenchError(f"second client: PUT {name} into the watched calendar answered {response.status}")
    finally:
        conn.close()
