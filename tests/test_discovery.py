"""Discovery from any URL a user pastes, and the quirks of servers we have no copy of, through the CLI.

Radicale and Xandikos sit behind a front server (tests/frontproxy.py) that mounts them under /dav/ as
providers do, answers 404 on /, a 301 on /.well-known/caldav, and 415 to a body without Content-Type.
Cyrus (Debian's, run by tests/cyrus.py) needs none of that: it lives under /dav/, answers a guest's
PROPFIND with <unauthenticated/>, and a body without Content-Type with 415 on its own. Its front only
records the requests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import RADICALE_PASSWORD, RADICALE_USER, AuthRadicaleServer, CalDAVServerInfo
from frontproxy import PREFIX, FrontServer, Quirks
from test_sync import Setup

FIRST_SYNC = "2026-11-28T09:00"
LATER = "2026-11-28T09:30"
WRITES = {"PUT", "DELETE", "MKCALENDAR", "MKCOL", "PROPPATCH"}


class Front(Setup):
    """The daemon talks to the front server at `url`; the user's other app (the peer) to the server."""

    def __init__(self, tmp_path: Path, server: CalDAVServerInfo, front: FrontServer, url: str) -> None:
        super().__init__(tmp_path, dataclasses.replace(server, url=url))
        self.peer.close()
        self.peer = Setup(tmp_path, server).peer
        self.front = front
        self.write()

    def check(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        code = self.run("check", "--connect")
        out, err = capsys.readouterr()
        return code, out, err

    def writes(self) -> int:
        return sum(seen.method in WRITES for seen in self.front.seen())

    def etags(self) -> dict[str, str]:
        return {href: s.etag for href, s in self.objects().items()}  # type: ignore[attr-defined]


@pytest.fixture
def front(caldav_server: CalDAVServerInfo) -> Iterator[FrontServer]:
    with FrontServer(caldav_server.server.port, Quirks(strict_type=True, close=True)) as server:
        yield server


@pytest.fixture
def every_front(every_server: CalDAVServerInfo) -> Iterator[FrontServer]:
    """A front for each server; Cyrus's only records (and closes each connection, as the others' do)."""
    mount = every_server.kind != "cyrus"
    with FrontServer(every_server.server.port, Quirks(strict_type=mount, close=True), mount=mount) as server:
        yield server


def _principal(server: CalDAVServerInfo) -> str:
    if server.kind == "cyrus":
        return f"/dav/principals/user/{server.username}/"
    return f"{PREFIX}/{RADICALE_USER}/" if server.kind == "radicale" else f"{PREFIX}/user/"


def _home(server: CalDAVServerInfo) -> str:
    if server.kind == "cyrus":
        return f"/dav/calendars/user/{server.username}/"
    return _principal(server) if server.kind == "radicale" else f"{PREFIX}/user/calendars/"


SHAPES = {
    "bare host": lambda server: "/",
    "DAV root": lambda server: f"{PREFIX}/",
    ".well-known": lambda server: "/.well-known/caldav",
    "principal": _principal,
    "calendar home": _home,
}


@pytest.mark.parametrize("shape", [*SHAPES, "the calendar itself"])
def test_every_url_shape_connects_and_syncs_and_the_second_sync_writes_nothing(
    tmp_path: Path,
    every_server: CalDAVServerInfo,
    every_front: FrontServer,
    shape: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, front = every_server, every_front
    if shape == "the calendar itself":  # made by an earlier run (from the DAV root), then pasted
        (tmp_path / "earlier").mkdir()
        earlier = Front(tmp_path / "earlier", server, front, front.url + "dav/")
        assert earlier.sync(FIRST_SYNC) == 0
        path = urlsplit(earlier.peer.calendar_url("Reconnect")).path
        path = path if server.kind == "cyrus" else PREFIX + path
        earlier.peer.close()
    else:
        path = SHAPES[shape](server)
    setup = Front(tmp_path, server, front, front.url.rstrip("/") + path)
    try:
        code, out, err = setup.check(capsys)
        assert code == 0, err
        assert "calendar: logged in" in out
        assert setup.sync(FIRST_SYNC) == 0
        assert sorted(setup.events()) == ["Grandma Rose", "Priya", "Sam"]
        before, writes = setup.etags(), setup.writes()
        assert setup.sync(LATER) == 0
        assert setup.writes() == writes  # the second sync writes nothing
        assert setup.etags() == before
        assert all(seen.content_type for seen in front.seen() if seen.method in {"PROPFIND", "REPORT"})
    finally:
        setup.peer.close()


def test_a_server_that_never_asks_for_the_login_gets_it_when_it_takes_us_for_a_guest(
    tmp_path: Path, caldav_server: CalDAVServerInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cyrus: a 207 with <unauthenticated/> to a PROPFIND without credentials, never a 401."""
    login = dataclasses.replace(caldav_server, username=RADICALE_USER, password=RADICALE_PASSWORD)
    with FrontServer(caldav_server.server.port, Quirks(guest=True, strict_type=True)) as front:
        setup = Front(tmp_path, login, front, front.url + "dav/")
        try:
            code, out, err = setup.check(capsys)
            assert code == 0, err
            assert "calendar: logged in" in out
            assert setup.sync(FIRST_SYNC) == 0
            assert sorted(setup.events()) == ["Grandma Rose", "Priya", "Sam"]
            assert front.seen()[-1].authorized
            assert setup.sync(LATER) == 0
            assert all(seen.authorized for seen in front.seen() if seen.method in WRITES)
        finally:
            setup.peer.close()


def test_without_a_username_a_guest_is_not_called_logged_in(
    tmp_path: Path, xandikos_info: CalDAVServerInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    with FrontServer(xandikos_info.server.port, Quirks(guest=True)) as front:
        setup = Front(tmp_path, xandikos_info, front, front.url + "dav/")
        try:
            _, out, err = setup.check(capsys)
            assert "logged in" not in out + err
            assert "named no principal" in out
        finally:
            setup.peer.close()


def test_a_calendar_not_allowed_there_is_named_in_plain_words(
    tmp_path: Path, caldav_server: CalDAVServerInfo, front: FrontServer, capsys: pytest.CaptureFixture[str]
) -> None:
    front.quirks.no_calendar_here = True
    setup = Front(tmp_path, caldav_server, front, front.url + "dav/")
    try:
        capsys.readouterr()
        assert setup.sync(FIRST_SYNC) == 1
        err = capsys.readouterr().err
        assert "the server does not allow a calendar here" in err
        assert err.rstrip().endswith("create it in your calendar app, or set calendar.name to an existing one")
        assert "login" not in err
        assert "Traceback" not in err
    finally:
        setup.peer.close()


def test_credentials_never_follow_a_redirect_to_another_host_in_the_clear(
    tmp_path: Path, radicale_auth: AuthRadicaleServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server = CalDAVServerInfo("radicale", radicale_auth.url, RADICALE_USER, RADICALE_PASSWORD, radicale_auth)
    with FrontServer(radicale_auth.port) as elsewhere, FrontServer(radicale_auth.port) as front:
        front.quirks.well_known = elsewhere.url + "dav/"
        setup = Front(tmp_path, server, front, front.url)
        try:
            code, out, err = setup.check(capsys)
            assert code == 1
            assert "not sent there in the clear" in err
            assert elsewhere.seen(), "the redirect was followed"
            assert not any(seen.authorized for seen in elsewhere.seen())
            assert RADICALE_PASSWORD not in out + err
        finally:
            setup.peer.close()


def test_the_same_uid_refused_under_another_name_is_one_refusal_not_a_failure(
    tmp_path: Path, caldav_server: CalDAVServerInfo, front: FrontServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cyrus: 403 unique-scheduling-object-resource, handled as a 409 is."""
    front.quirks.unique_uid = 1
    setup = Front(tmp_path, caldav_server, front, front.url + "dav/")
    try:
        setup.sync(FIRST_SYNC)
        assert len(setup.events()) == 2  # the other two went
        assert "unique-scheduling-object-resource" in capsys.readouterr().err
        assert setup.sync(LATER) == 0
        assert sorted(setup.events()) == ["Grandma Rose", "Priya", "Sam"]
    finally:
        setup.peer.close()


def test_a_put_answered_without_an_etag_still_leaves_the_second_sync_with_nothing_to_write(
    tmp_path: Path, caldav_server: CalDAVServerInfo, front: FrontServer
) -> None:
    front.quirks.no_etag = True
    setup = Front(tmp_path, caldav_server, front, front.url + "dav/")
    try:
        assert setup.sync(FIRST_SYNC) == 0
        assert sorted(setup.events()) == ["Grandma Rose", "Priya", "Sam"]
        assert setup.sync(LATER) == 0
        writes, before = setup.writes(), setup.etags()
        assert setup.sync("2026-11-28T10:00") == 0
        assert setup.writes() == writes
        assert setup.etags() == before
    finally:
        setup.peer.close()


@pytest.fixture
def xandikos_info(xandikos: object) -> CalDAVServerInfo:
    return CalDAVServerInfo("xandikos", xandikos.url, None, None, xandikos)  # type: ignore[attr-defined]
