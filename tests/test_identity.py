"""A calendar has an identity; changing it is a move. Being down, or refusing a sync token, is not,
and neither is the user deleting a check-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CalDAVServerInfo
from hypothesis import given
from hypothesis import strategies as st
from test_sync import Setup

from reconnectd.policy.identity import Move, calendar_identity, compare, describe
from reconnectd.policy.settings import CalendarSettings
from reconnectd.state import Store


def test_the_embedded_calendar_is_one_calendar_whatever_its_port() -> None:
    here = calendar_identity(CalendarSettings(listen=("127.0.0.1", 5232)))
    assert calendar_identity(CalendarSettings(listen=("127.0.0.1", 6000))) == here
    assert calendar_identity(CalendarSettings(name="Friends")) != here
    assert describe(here) == "'Reconnect' on the embedded calendar"


def test_a_server_its_account_and_its_collection_make_the_identity() -> None:
    remote = calendar_identity(CalendarSettings(url="https://dav.example.com/dav/", username="sam"))
    assert calendar_identity(CalendarSettings(url="https://dav.example.com/dav", username="sam")) == remote
    assert calendar_identity(CalendarSettings(url="https://dav.example.com/dav/", username="kim")) != remote
    assert calendar_identity(CalendarSettings(url="https://other.example.com/", username="sam")) != remote
    assert describe(remote) == "'Reconnect' on https://dav.example.com/dav (as sam)"


@given(st.none() | st.text(max_size=5), st.text(max_size=5))
def test_only_a_recorded_identity_that_differs_is_a_move(recorded: str | None, configured: str) -> None:
    move = compare(recorded, configured)
    assert (move is not None) == (recorded is not None and recorded != configured)
    assert move is None or move == Move(recorded or "", configured)


@pytest.fixture
def setup(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[Setup]:
    s = Setup(tmp_path, caldav_server)
    s.write()
    yield s
    s.peer.close()


def test_an_unreachable_calendar_is_not_a_move(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup.sync("2026-11-28T09:00") == 0
    before = {href: s.etag for href, s in setup.objects().items()}  # type: ignore[attr-defined]
    setup.server.server.stop()
    assert setup.sync("2026-11-28T09:30") == 1
    setup.server.server.start()
    capsys.readouterr()
    assert setup.sync("2026-11-28T10:00") == 0
    err = capsys.readouterr().err
    assert "calendar moved" not in err and "skipped" not in err
    assert "calendar: 0 created, 0 updated, 0 removed" in err
    assert {href: s.etag for href, s in setup.objects().items()} == before  # type: ignore[attr-defined]


def test_a_refused_sync_token_is_not_a_move(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.sync("2026-11-28T09:00")
    setup.sync("2026-11-28T09:05")
    with Store(setup.state / "state.db") as store:
        assert store.get_meta("sync_token")
        store.set_meta("sync_token", "http://example.invalid/sync/not-a-real-token")
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:10") == 0
    err = capsys.readouterr().err
    assert "calendar moved" not in err and "skipped" not in err
    assert "calendar: 0 created, 0 updated, 0 removed" in err


def test_a_check_in_the_user_deletes_is_still_skipped_and_no_move(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.sync("2026-11-28T09:00")
    priya = setup.events()["Priya"]
    setup.peer.delete(setup.peer.calendar_url("Reconnect"), priya.href)  # type: ignore[attr-defined]
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:05") == 0
    err = capsys.readouterr().err
    assert "a check-in was deleted from the calendar; counting it as skipped" in err
    assert "1 deleted (skipped)" in err
    assert "calendar moved" not in err
