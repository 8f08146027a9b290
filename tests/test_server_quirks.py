"""Servers' own ways, on the real servers: sync tokens in each one's form, and Cyrus's refusals.

Radicale's sync tokens are URLs (`http://radicale.org/ns/sync/…`), Cyrus's `data:,…` (RFC 2397),
Xandikos's a bare hash; a token a server no longer knows is refused with DAV:valid-sync-token, by
a 403 (Cyrus, Radicale) or a 412 (Xandikos). The tokens are kept as the server sent them, and a
refused one is a full resync, not a failure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CalDAVServerInfo
from peer import edited
from test_sync import Setup

from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.session import XML, Precondition
from reconnectd.state.store import Store

FIRST_SYNC = "2026-11-28T09:00"
LATER = "2026-11-28T09:30"
FORMS = {"radicale": "http://radicale.org/ns/sync/", "cyrus": "data:,"}
# The same shape as each server's own, for a state it never had.
STALE = {"radicale": "http://radicale.org/ns/sync/0000", "cyrus": "data:,1-1", "xandikos": "0000"}


def _token(setup: Setup) -> str | None:
    with Store(setup.state / "state.db") as store:
        return store.get_meta("sync_token")


def _set_token(setup: Setup, token: str) -> None:
    with Store(setup.state / "state.db") as store:
        store.set_meta("sync_token", token)


@pytest.fixture
def setup(tmp_path: Path, every_server: CalDAVServerInfo) -> Iterator[Setup]:
    s = Setup(tmp_path, every_server)
    s.write()
    yield s
    s.peer.close()


def test_the_sync_token_is_kept_as_the_server_sent_it(setup: Setup) -> None:
    assert setup.sync(FIRST_SYNC) == 0
    assert setup.sync(LATER) == 0
    token = _token(setup)
    assert token
    assert token.startswith(FORMS.get(setup.server.kind, ""))
    _, _, current = setup.peer.changes(setup.peer.calendar_url("Reconnect"), "")
    assert token == current  # byte for byte: nothing parsed, nothing rebuilt


def test_a_token_the_server_no_longer_knows_is_a_full_resync_that_sees_the_users_edit(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup.sync(FIRST_SYNC) == 0
    assert setup.sync(LATER) == 0
    stale = STALE[setup.server.kind]
    _set_token(setup, stale)
    priya = setup.events()["Priya"]
    moved = edited(priya.data, summary="Coffee with Priya")  # type: ignore[attr-defined]
    calendar = setup.peer.calendar_url("Reconnect")
    assert setup.peer.put(calendar, priya.href.rsplit("/", 1)[-1], moved, etag=priya.etag) in (200, 201, 204)  # type: ignore[attr-defined]
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:45") == 0  # within the hour since the full poll: by token
    assert "did not accept our sync token" in capsys.readouterr().err
    assert _token(setup) not in (None, stale)
    assert str(setup.events()["Priya"].event["summary"]) == "Coffee with Priya"  # type: ignore[attr-defined]
    assert setup.sync("2026-11-28T09:50") == 0
    assert "did not accept our sync token" not in capsys.readouterr().err


# -- Cyrus, as it is ----------------------------------------------------------------------------------


def test_cyrus_from_its_bare_host_takes_us_for_a_guest_then_logs_in_and_the_second_sync_writes_nothing(
    tmp_path: Path, cyrus_server: CalDAVServerInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Straight to Cyrus, no front: its Upgrade: h2c, its 207 with <unauthenticated/>, its Digest offer."""
    root = cyrus_server.url.split("/dav/", 1)[0] + "/"
    setup = Setup(tmp_path, cyrus_server)
    setup.server = dataclasses.replace(cyrus_server, url=root)  # the peer keeps the principal
    setup.write()
    try:
        capsys.readouterr()
        assert setup.run("check", "--connect") == 0
        out = capsys.readouterr().out
        assert "calendar: logged in" in out
        assert setup.sync(FIRST_SYNC) == 0
        before = {href: stored.etag for href, stored in setup.objects().items()}  # type: ignore[attr-defined]
        assert sorted(setup.events()) == ["Grandma Rose", "Priya", "Sam"]
        assert setup.sync(LATER) == 0
        assert {href: stored.etag for href, stored in setup.objects().items()} == before  # type: ignore[attr-defined]
    finally:
        setup.peer.close()


def test_a_wrong_password_on_cyrus_is_one_refused_login_after_digest_then_basic(
    tmp_path: Path, cyrus_server: CalDAVServerInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = Setup(tmp_path, dataclasses.replace(cyrus_server, password="not the password"))
    setup.write()
    try:
        capsys.readouterr()
        assert setup.run("check", "--connect") == 1
        out, err = capsys.readouterr()
        assert "refused the login (check calendar.username and the password)" in err
        assert "logged in" not in out
        assert "not the password" not in out + err
    finally:
        setup.peer.close()


def test_cyrus_refuses_a_calendar_inside_a_calendar_in_plain_words(cyrus_server: CalDAVServerInfo) -> None:
    with CalendarClient(cyrus_server.url, cyrus_server.username, cyrus_server.password) as client:
        ((_, inside),) = [(d, u) for d, u in client.calendars() if u.rstrip("/").endswith("/Default")]
        body = '<c:mkcalendar xmlns:c="urn:ietf:params:xml:ns:caldav"/>'
        with pytest.raises(Precondition) as refused:
            client.session.request(inside + "inner/", "MKCALENDAR", body, {"Content-Type": XML})
    assert str(refused.value) == "the server does not allow a calendar here (calendar-collection-location-ok)"


def test_after_a_calendar_move_cyrus_refuses_our_uids_until_the_old_calendar_is_deleted_and_says_where(
    tmp_path: Path, cyrus_server: CalDAVServerInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cyrus keeps a UID unique across all of a user's calendars (403 unique-scheduling-object-resource,
    naming the object that holds it). After calendar.name changes, the old calendar still holds our UIDs:
    each write is one refusal, named with the object in the way, retried, and never a failure. Once the
    user deletes the old calendar, as the move's warning says they may, the check-ins go."""
    setup = Setup(tmp_path, cyrus_server)
    setup.write()
    try:
        assert setup.sync(FIRST_SYNC) == 0
        old = setup.peer.calendar_url("Reconnect")
        setup.config.write_text(setup.config.read_text().replace("name: Reconnect", "name: Check-ins"))
        capsys.readouterr()
        assert setup.sync(LATER) == 0
        err = capsys.readouterr().err
        assert err.count("unique-scheduling-object-resource") == 3
        assert f"at {urlsplit(old).path}" in err
        assert "Traceback" not in err
        assert setup.peer.objects(setup.peer.calendar_url("Check-ins")) == {}
        assert setup.peer.delete(old, "") in (200, 204)
        assert setup.sync("2026-11-28T10:00") == 0
        found = setup.peer.objects(setup.peer.calendar_url("Check-ins"))
        assert sorted(str(s.event["summary"]) for s in found.values()) == [
            "Check in with Grandma Rose",
            "Check in with Priya",
            "Check in with Sam",
        ]
    finally:
        setup.peer.close()
