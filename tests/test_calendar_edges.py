"""The calendar client's rarer paths, against real servers behind a loopback fault proxy, through the CLI:
a server without sync-collection, a calendar that cannot be created, a server too busy for a while.

The daemon talks through the proxy; the user's other app (the peer) talks to the server directly.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CalDAVServerInfo
from faultproxy import Fault, FaultProxy
from peer import Stored, edited
from servers import HttpReceiver
from test_sync import LONDON, PEOPLE, Setup

FIRST_SYNC = "2026-11-28T09:00"
PEOPLE_NAMES = ["Grandma Rose", "Priya", "Sam"]
SYNC_COLLECTION = b"sync-collection"
STALE_TOKEN = b'<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>'


class Proxied(Setup):
    def __init__(self, tmp_path: Path, server: CalDAVServerInfo, proxy: FaultProxy) -> None:
        through = urlsplit(server.url)._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
        super().__init__(tmp_path, dataclasses.replace(server, url=through))
        self.peer.close()
        self.peer = Setup(tmp_path, server).peer
        self.proxy = proxy
        self.seen: dict[str, int] = {}  # every request that reached the proxy, faulted ones too
        lock = threading.Lock()

        def count(method: str, _path: str, _headers: dict[str, str]) -> None:
            with lock:
                self.seen[method] = self.seen.get(method, 0) + 1

        proxy.on_request = count

    def configure(self, calendar: str = "", urls: tuple[str, ...] = ()) -> None:
        self.write(PEOPLE, urls)
        if calendar:
            self.config.write_text(
                self.config.read_text().replace("  name: Reconnect\n", f"  name: Reconnect\n{calendar}")
            )

    def ours(self) -> dict[str, Stored]:
        return self.events()  # type: ignore[return-value]


@pytest.fixture
def proxied(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[Proxied]:
    with FaultProxy(caldav_server.server.port) as proxy:
        setup = Proxied(tmp_path, caldav_server, proxy)
        setup.configure()
        try:
            yield setup
        finally:
            setup.peer.close()


def no_sync_collection(status: int) -> Fault:
    return Fault("status", 1_000_000, status=status, methods=frozenset({"REPORT"}), body=SYNC_COLLECTION)


# --- a server without sync-collection (RFC 6578) --------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 405, 501])
def test_a_server_without_sync_collection_is_read_by_listing_every_object(
    proxied: Proxied, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    fault = no_sync_collection(status)
    proxied.proxy.inject(fault)
    assert proxied.sync(FIRST_SYNC) == 0
    assert sorted(proxied.ours()) == PEOPLE_NAMES
    assert fault.count == 1_000_000 - 1  # asked once, said no, and not asked again after our writes

    priya = proxied.ours()["Priya"]
    moved = datetime(2026, 12, 1, 12, 30, tzinfo=LONDON)
    calendar = proxied.peer.calendar_url("Reconnect")
    name = priya.href.rsplit("/", 1)[-1]
    assert proxied.peer.put(
        calendar, name, edited(priya.data, dtstart=moved, dtend=moved + timedelta(minutes=15)), priya.etag
    ) in (200, 204)
    sam = proxied.ours()["Sam"]
    assert proxied.peer.delete(calendar, sam.href) in (200, 204)

    assert proxied.sync("2026-11-28T10:00") == 0  # the edits are read back from a full listing
    after = proxied.ours()
    assert after["Priya"].event["dtstart"].dt == moved  # the move stands
    capsys.readouterr()
    assert proxied.run("status", "--now", "2026-11-28T10:00") == 0
    priya_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("Priya"))
    assert "Tue 01 Dec 12:30" in " ".join(priya_line.split())  # and was read: the next check-in is the moved one
    assert sam.uid not in {s.uid for s in proxied.objects().values()}  # type: ignore[attr-defined]
    assert after["Sam"].event["dtstart"].dt > sam.event["dtstart"].dt  # skipped: the next one, a month on
    before = {href: s.etag for href, s in proxied.objects().items()}  # type: ignore[attr-defined]
    assert proxied.sync("2026-11-28T10:05") == 0
    assert {href: s.etag for href, s in proxied.objects().items()} == before  # type: ignore[attr-defined]
    # Once a run, no more; a run that remembers the server starts as a guest, and this proxy refuses the guest's
    # REPORT before the server can ask for the login, so a 403 is asked once more with it (see log_in_unasked).
    asked = 1_000_000 - fault.count
    assert asked == 3 or (status == 403 and proxied.server.username is not None and asked == 5)


def test_a_stale_sync_token_is_a_full_resync_and_sync_collection_stays_in_use(
    proxied: Proxied, capsys: pytest.CaptureFixture[str]
) -> None:
    """RFC 6578 3.2: a token the server no longer knows is refused with a 403 and DAV:valid-sync-token.
    That is no sign of a server without sync-collection: it syncs again from no token, and goes on."""
    assert proxied.sync(FIRST_SYNC) == 0
    assert proxied.sync("2026-11-28T09:05") == 0  # now holding a sync token
    priya = proxied.ours()["Priya"]
    moved = datetime(2026, 11, 30, 8, 0, tzinfo=LONDON)
    calendar = proxied.peer.calendar_url("Reconnect")
    edit = edited(priya.data, dtstart=moved, dtend=moved + timedelta(minutes=15))
    assert proxied.peer.put(calendar, priya.href.rsplit("/", 1)[-1], edit, priya.etag) in (200, 204)

    stale = Fault("status", 1, status=403, methods=frozenset({"REPORT"}), body=SYNC_COLLECTION, answer=STALE_TOKEN)
    proxied.proxy.inject(stale)
    reports = Fault("slow", 1_000, delay=0, methods=frozenset({"REPORT"}), body=SYNC_COLLECTION)  # counts only
    proxied.proxy.inject(reports)
    assert proxied.sync("2026-11-28T09:10") == 0
    assert stale.count == 0  # the token was refused
    capsys.readouterr()
    assert proxied.run("status", "--now", "2026-11-28T09:10") == 0
    priya_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("Priya"))
    assert "Mon 30 Nov 08:00" in " ".join(priya_line.split())  # the edit was read back all the same
    assert reports.count < 1_000  # by a sync-collection from no token, not a PROPFIND
    asked = reports.count
    assert proxied.sync("2026-11-28T09:15") == 0
    assert reports.count < asked  # the next run still syncs by token


def test_a_server_that_loses_sync_support_later_is_listed_from_then_on(proxied: Proxied) -> None:
    """A token from earlier runs, then a server (an upgrade, a new proxy) that refuses the REPORT."""
    assert proxied.sync(FIRST_SYNC) == 0
    assert proxied.sync("2026-11-28T09:05") == 0  # now holding a sync token
    proxied.proxy.inject(no_sync_collection(400))
    priya = proxied.ours()["Priya"]
    moved = datetime(2026, 11, 30, 8, 0, tzinfo=LONDON)
    calendar = proxied.peer.calendar_url("Reconnect")
    edit = edited(priya.data, dtstart=moved, dtend=moved + timedelta(minutes=15))
    assert proxied.peer.put(calendar, priya.href.rsplit("/", 1)[-1], edit, priya.etag) in (200, 204)
    assert proxied.sync("2026-11-28T09:10") == 0
    assert proxied.ours()["Priya"].event["dtstart"].dt == moved


# --- a calendar that cannot be created ------------------------------------------------------------


def test_a_calendar_that_cannot_be_created_is_explained_and_nudges_still_go_out(
    proxied: Proxied, http_receiver: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    proxied.configure(urls=(http_receiver.json_url(),))
    proxied.proxy.inject(Fault("status", 4, status=403, methods=frozenset({"MKCALENDAR", "MKCOL"})))
    capsys.readouterr()
    assert proxied.sync(FIRST_SYNC) == 1
    err = capsys.readouterr().err
    server = urlsplit(proxied.server.url)
    assert (
        f'reconnectd: calendar unavailable: no calendar named "Reconnect" on the calendar server '
        f"http://{server.hostname}:{server.port}, and creating it failed ("
    ) in err
    assert err.rstrip().endswith("create it in your calendar app, or set calendar.name to an existing one")
    assert proxied.seen.get("MKCALENDAR", 0) + proxied.seen.get("MKCOL", 0) == 2  # with our name, then the server's
    with pytest.raises(LookupError):
        proxied.peer.calendar_url("Reconnect")
    # Grandma Rose and Priya come due at 18:00 and 18:15, the calendar still missing: nudged all the same.
    assert proxied.sync("2026-11-28T18:20") == 1
    assert [r.json["title"] for r in http_receiver.requests] == ["Catching up: 2 check-ins"]  # type: ignore[index]

    assert proxied.sync("2026-11-28T18:30") == 0  # the server allows it now: created, and filled
    assert sorted(proxied.ours()) == PEOPLE_NAMES
    assert len(http_receiver.requests) == 1  # and nothing nudged twice


def test_a_refused_creation_does_not_blame_the_login(proxied: Proxied, capsys: pytest.CaptureFixture[str]) -> None:
    proxied.proxy.inject(Fault("status", 2, status=403, methods=frozenset({"MKCALENDAR", "MKCOL"})))
    capsys.readouterr()
    assert proxied.sync(FIRST_SYNC) == 1
    assert "refused the login" not in capsys.readouterr().err


def test_a_calendar_refused_under_our_name_is_created_under_the_servers(proxied: Proxied) -> None:
    proxied.proxy.inject(Fault("status", 1, status=403, methods=frozenset({"MKCALENDAR", "MKCOL"})))
    assert proxied.sync(FIRST_SYNC) == 0
    assert sorted(proxied.ours()) == PEOPLE_NAMES  # found by its display name, whatever its URL
    assert proxied.sync("2026-11-28T09:05") == 0
    assert proxied.seen.get("MKCALENDAR", 0) + proxied.seen.get("MKCOL", 0) == 2  # and made only once


# --- a server too busy for a while ----------------------------------------------------------------


def test_writes_refused_as_busy_for_a_while_land_after_a_patient_retry(proxied: Proxied) -> None:
    proxied.configure("  concurrency: 1\n")
    proxied.proxy.inject(Fault("status", 2, status=503, methods=frozenset({"PUT"})))
    assert proxied.sync(FIRST_SYNC) == 0  # no error for the user: the same run tried again
    assert sorted(proxied.ours()) == PEOPLE_NAMES
    assert proxied.seen["PUT"] == 3 + 2  # three check-ins, one of them refused twice first
    assert proxied.proxy.requests["PUT"] == 3  # each written once


@pytest.mark.parametrize("status", [423, 429, 503])
def test_a_server_busy_beyond_patience_is_unavailable_for_this_run_and_nothing_is_lost(
    proxied: Proxied, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    proxied.configure("  concurrency: 1\n")
    proxied.proxy.inject(Fault("status", 1_000, status=status, methods=frozenset({"PUT"})))
    capsys.readouterr()
    assert proxied.sync(FIRST_SYNC) == 1
    assert "reconnectd: calendar unavailable: " in capsys.readouterr().err
    assert proxied.seen["PUT"] == 5  # the first write, four times more after growing pauses, then it gives up
    assert proxied.ours() == {}

    proxied.proxy.clear()
    assert proxied.sync("2026-11-28T09:30") == 0
    assert sorted(proxied.ours()) == PEOPLE_NAMES
    assert proxied.proxy.requests["PUT"] == 3  # once each: nothing doubled by the retries
