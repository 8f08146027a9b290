"""A calendar has an identity; changing it is a move. Being down, or refusing a sync token, is not,
and neither is the user deleting a check-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import CalDAVServerInfo
from hypothesis import given
from hypothesis import strategies as st
from peer import Peer, Stored, edited
from servers import RadicaleServer
from test_sync import LONDON, PEOPLE, Setup

from reconnectd.config.load import parse_config
from reconnectd.errors import ConfigError
from reconnectd.policy.grammar import parse_cadence
from reconnectd.policy.identity import Move, calendar_identity, compare, describe, unlinked_renames
from reconnectd.policy.model import Person, Standing
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
    priya = checkin_of(setup, "Priya")
    setup.peer.delete(setup.peer.calendar_url("Reconnect"), priya.href)  # type: ignore[attr-defined]
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:05") == 0
    err = capsys.readouterr().err
    assert "a check-in was deleted from the calendar; counting it as skipped" in err
    assert "1 deleted (skipped)" in err
    assert "calendar moved" not in err


NEW_YORK = ZoneInfo("America/New_York")
WITH_A_BIRTHDAY = PEOPLE + "  dates:\n    - birthday: 12-20\n"


def checkin_of(setup: Setup, name: str) -> Stored:
    return next(s for s in setup.objects().values() if str(s.event["summary"]) == f"Check in with {name}")  # type: ignore[attr-defined]


def test_a_new_time_zone_keeps_each_check_in_at_its_time_of_day_in_place(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.write(WITH_A_BIRTHDAY)
    setup.sync("2026-11-28T09:00")
    before = setup.objects()
    calendar = setup.peer.calendar_url("Reconnect")
    priya = checkin_of(setup, "Priya")
    moved = edited(
        priya.data,
        dtstart=datetime(2026, 11, 28, 19, 30, tzinfo=LONDON),
        dtend=datetime(2026, 11, 28, 19, 45, tzinfo=LONDON),
    )  # type: ignore[attr-defined]
    assert setup.peer.put(calendar, priya.href.rsplit("/", 1)[-1], moved, priya.etag) in (200, 201, 204)  # type: ignore[attr-defined]
    setup.sync("2026-11-28T09:05")  # read back: Priya is pinned at 19:30
    wall = {s.uid: s.event["dtstart"].dt for s in setup.objects().values()}  # type: ignore[attr-defined]
    setup.config.write_text(setup.config.read_text().replace("timezone: Europe/London", "timezone: America/New_York"))
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:10") == 0
    err = capsys.readouterr().err
    assert "the time zone changed from Europe/London to America/New_York: 3 upcoming check-ins keep" in err
    assert "calendar: 0 created, 3 updated, 0 removed" in err  # in place: one PUT each, the birthday untouched
    after = setup.objects()
    assert set(after) == set(before)  # the same objects (hrefs), so the same UIDs
    for stored in after.values():  # type: ignore[assignment]
        start = stored.event["dtstart"].dt  # type: ignore[attr-defined]
        old = wall[stored.uid]  # type: ignore[attr-defined]
        if isinstance(start, datetime):
            assert start.tzinfo is not None and str(start.tzinfo) == "America/New_York"
            assert (start.hour, start.minute, start.date()) == (old.hour, old.minute, old.date())
        else:
            assert start == old  # an all-day date stays on its day
    assert checkin_of(setup, "Priya").event["dtstart"].dt == datetime(2026, 11, 28, 19, 30, tzinfo=NEW_YORK)  # type: ignore[attr-defined]
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:15") == 0
    assert "calendar: 0 created, 0 updated, 0 removed" in capsys.readouterr().err


def rename(setup: Setup, old: str, new: str, *, linked: bool) -> None:
    was = f"\n    was: {old}" if linked else ""
    setup.config.write_text(setup.config.read_text().replace(f"- name: {old}\n", f"- name: {new}{was}\n"))


def test_a_rename_with_was_keeps_history_rhythm_and_the_slot_in_place(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup.run("done", "Priya", "--at", "2026-11-25", "--note", "coffee by the river") == 0
    setup.sync("2026-11-28T09:00")
    before = checkin_of(setup, "Priya")
    rename(setup, "Priya", "Priya Shah", linked=True)
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:05") == 0
    err = capsys.readouterr().err
    assert "renamed: the history of Priya is now Priya Shah's" in err
    assert "calendar: 0 created, 1 updated, 0 removed" in err
    after = checkin_of(setup, "Priya Shah")
    assert (after.href, after.uid) == (before.href, before.uid)  # updated in place, under its UID
    assert after.event["dtstart"].dt == before.event["dtstart"].dt == datetime(2026, 12, 9, 18, 0, tzinfo=LONDON)
    assert setup.run("history", "Priya Shah") == 0
    assert "coffee by the river" in capsys.readouterr().out
    assert setup.run("check") == 0
    assert "hint" not in capsys.readouterr().out
    assert setup.sync("2026-11-28T09:10") == 0
    assert "calendar: 0 created, 0 updated, 0 removed" in capsys.readouterr().err


def test_a_rename_without_was_gets_a_hint_from_check(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.sync("2026-11-28T09:00")
    rename(setup, "Priya", "Priya Shah", linked=False)
    capsys.readouterr()
    assert setup.run("check") == 0
    out = capsys.readouterr().out
    assert (
        "hint: Priya has history in the state store but is no longer in the config, and Priya Shah is new;"
        " if Priya Shah is Priya renamed, write `was: Priya` under Priya Shah" in out
    )


@pytest.mark.parametrize(
    ("was", "expected"),
    [
        ("[Priya, [P]]", "config.yaml:6: people[0].was[1]: expected text"),
        ("Sam", 'config.yaml:6: people[0].was: "Sam" is the name of another person here (line 7)'),
        ("Priya Shah", 'config.yaml:6: people[0].was: "Priya Shah" is their name now'),
        ("", "config.yaml:6: people[0].was: expected text"),
    ],
)
def test_was_is_validated_like_every_field(was: str, expected: str) -> None:
    text = f"timezone: Europe/London\npeople:\n  - name: Priya Shah\n    every: 2 weeks\n    last_contact: 2026-11-02\n    was: {was}\n"
    text += "  - name: Sam\n    every: monthly\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "config.yaml")
    assert any(str(p).startswith(expected) for p in caught.value.problems), caught.value.problems


def test_was_takes_one_name_or_a_list() -> None:
    text = "timezone: Europe/London\npeople:\n  - name: Priya Shah\n    every: 2 weeks\n    was: [Priya, P]\n  - name: Sam\n    every: monthly\n"
    text += "    was: Samuel\n"
    people = parse_config(text, "config.yaml").people
    assert [p.was for p in people] == [("Priya", "P"), ("Samuel",)]


def test_the_rename_hint_pairs_a_name_gone_with_an_active_newcomer() -> None:
    weekly = parse_cadence("weekly")
    people = [
        Person("Priya Shah", weekly),
        Person("Sam", weekly),
        Person("Jonah", weekly, status=Standing.PAUSED),
        Person("Ana", weekly, was=("Anna",)),
    ]
    assert unlinked_renames({"Priya", "Sam", "anna", "yourself"}, people) == (["Priya"], ["Priya Shah"])
    assert unlinked_renames({"Sam", "Anna"}, people) == ([], [])  # nobody gone
    assert unlinked_renames({"Priya", "Sam", "Anna"}, people[1:]) == ([], [])  # nobody new


def test_another_account_on_the_same_server_is_a_move_into_its_own_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = RadicaleServer(tmp_path / "radicale", users={"sam": "sam's secret", "kim": "kim's secret"})
    server.start()
    try:
        account = CalDAVServerInfo("radicale", server.url, "sam", "sam's secret", server)
        setup = Setup(tmp_path, account)
        setup.write()
        assert setup.sync("2026-11-28T09:00") == 0
        setup.server = CalDAVServerInfo("radicale", server.url, "kim", "kim's secret", server)
        setup.write()
        capsys.readouterr()
        assert setup.sync("2026-11-28T09:05") == 0
        err = capsys.readouterr().err
        assert "(as sam)" in err and "(as kim)" in err and "3 upcoming check-ins and dates are written there" in err
        assert "calendar: 3 created" in err
        kim = Peer(server.url, "kim", "kim's secret")
        assert (
            len([s for s in kim.objects(kim.calendar_url("Reconnect")).values() if s.uid.startswith("reconnectd-")])
            == 3
        )
        kim.close()
        setup.peer.close()
    finally:
        server.stop()
