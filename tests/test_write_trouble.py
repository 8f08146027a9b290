"""Writes that go wrong, through a fault proxy in front of a real server.

- A write that lands but whose answer never comes back (a crash, a dropped connection): the
  next sync finds the object at its name and keeps it. Never a duplicate, never a stuck
  calendar, and whatever the user did to it meanwhile stands.
- A server that refuses one object: the others are written all the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CalDAVServerInfo
from faultproxy import Fault, FaultProxy
from peer import edited
from test_sync import LONDON, PEOPLE, PRIYA_ONLY, Setup

FIRST_SYNC = "2026-11-28T09:00"


@pytest.fixture
def lossy(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[tuple[Setup, FaultProxy]]:
    """The daemon talks through the proxy; the user's other app talks to the server directly."""
    with FaultProxy(caldav_server.server.port) as proxy:
        through = urlsplit(caldav_server.url)._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
        setup = Setup(tmp_path, dataclasses.replace(caldav_server, url=through))
        setup.peer = Setup(tmp_path, caldav_server).peer
        setup.write(PRIYA_ONLY)
        yield setup, proxy
        setup.peer.close()


def _lose_the_answer_to_the_first_write(setup: Setup, proxy: FaultProxy) -> None:
    proxy.inject(Fault("lost-answer", 1, methods=frozenset({"PUT"})))
    assert setup.sync(FIRST_SYNC) == 1  # "calendar unavailable" for this run
    (stored,) = setup.objects().values()  # but the check-in landed
    assert str(stored.event["summary"]) == "Check in with Priya"  # type: ignore[attr-defined]


def test_the_next_sync_keeps_the_object_it_could_not_hear_about(lossy: tuple[Setup, FaultProxy]) -> None:
    setup, proxy = lossy
    _lose_the_answer_to_the_first_write(setup, proxy)
    before = setup.objects()

    assert setup.sync("2026-11-28T09:30") == 0
    assert setup.sync("2026-11-28T10:00") == 0

    assert list(setup.objects()) == list(before)  # one object, same name: no duplicate
    assert proxy.requests.get("PUT", 0) == 1  # the lost one: found as we meant it, it is not written again


def test_a_move_made_meanwhile_is_kept(lossy: tuple[Setup, FaultProxy]) -> None:
    setup, proxy = lossy
    _lose_the_answer_to_the_first_write(setup, proxy)
    calendar = setup.peer.calendar_url("Reconnect")
    ((href, stored),) = setup.objects().items()
    moved = datetime(2026, 11, 30, 12, 0, tzinfo=LONDON)
    data = edited(stored.data, dtstart=moved, dtend=moved.replace(minute=15))  # type: ignore[attr-defined]
    assert setup.peer.put(calendar, href.rsplit("/", 1)[1], data, stored.etag) in (200, 201, 204)  # type: ignore[attr-defined]

    assert setup.sync("2026-11-28T09:30") == 0
    assert setup.sync("2026-11-28T10:00") == 0

    ((_, kept),) = setup.objects().items()
    assert kept.event.decoded("dtstart") == moved  # type: ignore[attr-defined]
    assert setup.run("status", "--now", "2026-11-28T10:00") == 0


def test_words_changed_meanwhile_are_kept(lossy: tuple[Setup, FaultProxy]) -> None:
    setup, proxy = lossy
    _lose_the_answer_to_the_first_write(setup, proxy)
    calendar = setup.peer.calendar_url("Reconnect")
    ((href, stored),) = setup.objects().items()
    data = edited(stored.data, description="Ask about the allotment")  # type: ignore[attr-defined]
    assert setup.peer.put(calendar, href.rsplit("/", 1)[1], data, stored.etag) in (200, 201, 204)  # type: ignore[attr-defined]

    assert setup.sync("2026-11-28T09:30") == 0
    assert setup.sync("2026-11-28T10:00") == 0

    ((_, kept),) = setup.objects().items()
    assert str(kept.event["description"]) == "Ask about the allotment"  # type: ignore[attr-defined]
    assert proxy.requests.get("PUT", 0) == 1


def test_a_refused_object_does_not_hold_up_the_others(lossy: tuple[Setup, FaultProxy]) -> None:
    setup, proxy = lossy
    setup.write(PEOPLE)
    proxy.inject(Fault("status", 1, status=409, methods=frozenset({"PUT"})))
    assert setup.sync(FIRST_SYNC) == 0
    assert len(setup.objects()) == 2  # three people, one refused
    assert setup.sync("2026-11-28T09:30") == 0
    assert len(setup.objects()) == 3


def test_a_server_that_keeps_refusing_an_object_is_warned_about_once_a_spell(
    lossy: tuple[Setup, FaultProxy], capfd: pytest.CaptureFixture[str]
) -> None:
    setup, proxy = lossy
    proxy.inject(Fault("status", 3, status=422, methods=frozenset({"PUT"})))
    for now in ("2026-11-28T09:00", "2026-11-28T09:30", "2026-11-28T10:00", "2026-11-28T10:30"):
        assert setup.sync(now) == 0
    assert len(setup.objects()) == 1  # refused three times, then written
    proxy.inject(Fault("status", 1, status=422, methods=frozenset({"PUT"})))
    setup.write(PRIYA_ONLY.replace("every: 2 weeks", "every: 3 weeks"))  # so her check-in is rewritten
    assert setup.sync("2026-11-28T11:00") == 0

    warnings = [line for line in capfd.readouterr().err.splitlines() if " WARNING " in line]
    assert len(warnings) == 2, warnings  # the first refusal of the create, and the refused update
    assert all("HTTP 422" in w and "leaving the check-in with Priya as it is for now" in w for w in warnings)


def test_a_lost_write_under_another_name_is_found_and_kept(lossy: tuple[Setup, FaultProxy]) -> None:
    setup, proxy = lossy
    proxy.inject(Fault("status", 1, status=412, methods=frozenset({"PUT"})))  # "the name is taken"
    proxy.inject(Fault("lost-answer", 1, methods=frozenset({"PUT"})))  # so a fresh name, whose answer is lost
    assert setup.sync(FIRST_SYNC) == 1
    before = setup.objects()
    assert len(before) == 1

    for now in ("2026-11-28T09:30", "2026-11-28T10:00", "2026-11-28T11:30"):
        assert setup.sync(now) == 0

    assert setup.objects().keys() == before.keys()  # found where it landed: no second copy, no refusal
    assert proxy.requests.get("PUT", 0) == 1  # the write that landed (the 412 never reached the server); no more
