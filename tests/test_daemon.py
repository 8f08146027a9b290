"""The daemon loop driven by a fake clock, against a real Radicale and real Apprise plugins."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from life import LONDON, PEOPLE, Clock, Life, london
from peer import Peer
from servers import HttpReceiver, RadicaleServer, XandikosServer
from waiting import HANG_GUARD

from reconnectd.cli import main
from reconnectd.daemon.flags import Wake
from reconnectd.daemon.loop import Daemon
from reconnectd.daemon.runtime import open_runtime, read_config
from reconnectd.daemon.sdnotify import SystemdNotifier
from reconnectd.daemon.wake import WakeListener, poke, wake_address
from reconnectd.logs import Redactor


@pytest.fixture
def life(tmp_path: Path, radicale: RadicaleServer, http_receiver: HttpReceiver) -> Iterator[Life]:
    world = Life(tmp_path, radicale, http_receiver)
    yield world
    world.runtime.close()


def test_it_sleeps_until_the_next_checkin_and_nudges_each_exactly_once(life: Life) -> None:
    wakes = life.run_until(london(2026, 11, 14, 9, 0))
    assert london(2026, 11, 12, 18, 0) in wakes  # Priya: one week after Nov 5
    assert london(2026, 11, 13, 18, 0) in wakes  # Sam
    assert life.titles() == ["Check in with Priya", "Check in with Sam"]
    assert all(b - a <= timedelta(hours=1) for a, b in itertools.pairwise(wakes))  # polls between


def test_nudges_keep_coming_while_the_calendar_is_down_then_it_catches_up(life: Life, tmp_path: Path) -> None:
    life.run_until(london(2026, 11, 11, 9, 0))
    life.server.stop()
    wakes = life.run_until(london(2026, 11, 13, 20, 0))
    assert life.titles() == ["Check in with Priya", "Check in with Sam"]
    gaps = [b - a for a, b in itertools.pairwise(wakes)]
    assert min(gaps[:3]) < timedelta(minutes=2)  # retried soon at first...
    assert max(gaps) >= timedelta(minutes=20)  # ...then backing off, not hammering
    assert "calendar unreachable since Wed 11 Nov" in life.daemon.status_line(life.clock.now)
    life.server.start()
    life.run_until(london(2026, 11, 14, 9, 0))
    assert life.daemon.calendar_error is None
    assert "unreachable" not in life.daemon.status_line(life.clock.now)
    app = Peer(life.server.url, "me", "x")
    try:
        stored = app.objects(app.calendar_url("Reconnect"))
    finally:
        app.close()
    uids = [s.uid for s in stored.values()]
    assert len(uids) == len(set(uids)) == 4  # the two that passed while down, and the next two
    assert life.titles() == ["Check in with Priya", "Check in with Sam"]


def test_after_the_machine_slept_the_missed_nudges_come_as_one_message(life: Life) -> None:
    life.daemon.step()
    life.clock.now = london(2026, 11, 16, 9, 0)  # asleep from Nov 10 to Nov 16
    life.daemon.step()
    (message,) = life.phone.requests
    assert message.json["title"] == "Catching up: 2 check-ins"  # type: ignore[index]
    assert "Priya (Thu 12 Nov, 18:00)" in message.json["message"]  # type: ignore[index]
    assert "Sam (Fri 13 Nov, 18:00)" in message.json["message"]  # type: ignore[index]


def test_nothing_is_sent_in_quiet_hours_and_what_came_due_waits_for_them_to_end(
    tmp_path: Path, radicale: RadicaleServer, http_receiver: HttpReceiver
) -> None:
    world = Life(tmp_path, radicale, http_receiver, extra='quiet_hours: "17:30-08:00"\n')
    try:
        wakes = world.run_until(london(2026, 11, 13, 7, 59))
        assert london(2026, 11, 12, 18, 0) in wakes  # it came due in the evening...
        assert world.titles() == []  # ...but nothing was sent during the night
        world.run_until(london(2026, 11, 13, 8, 1))
        assert world.titles() == ["Check in with Priya"]
    finally:
        world.runtime.close()


def test_a_failing_phone_is_retried_with_backoff_and_nothing_is_lost(life: Life) -> None:
    life.phone.fail_with = 503
    life.run_until(london(2026, 11, 12, 18, 30))
    attempts = len(life.phone.requests)
    assert 2 <= attempts <= 8  # retried, but with growing gaps rather than every few seconds
    life.phone.fail_with = None
    life.run_until(london(2026, 11, 12, 20, 0))
    assert life.titles()[attempts:] == ["Check in with Priya"]


def test_an_expired_nudge_rides_along_with_the_next_one(
    tmp_path: Path, radicale: RadicaleServer, http_receiver: HttpReceiver
) -> None:
    world = Life(tmp_path, radicale, http_receiver, extra="expire: 2h\n")
    try:
        world.phone.fail_with = 503
        world.run_until(london(2026, 11, 13, 9, 0))  # Priya's nudge expires undelivered
        world.phone.fail_with = None
        world.phone.clear()
        world.run_until(london(2026, 11, 13, 12, 0))
        assert world.phone.requests == []  # an expired nudge is not retried on its own...
        world.run_until(london(2026, 11, 13, 18, 1))
        (message,) = world.phone.requests  # ...but comes with the next that gets through
        assert message.json["title"] == "Catching up: 2 check-ins"  # type: ignore[index]
    finally:
        world.runtime.close()


def test_a_bad_reload_keeps_the_last_good_config_and_says_so(life: Life) -> None:
    life.daemon.step()
    life.path.write_text(life.path.read_text().replace("every: weekly", "every: fortnightlyish", 1))
    life.daemon.reload_requested.set()
    life.daemon.step()
    assert len(life.runtime.config.people) == 2
    assert "config not reloaded: " in life.daemon.status_line(life.clock.now)
    assert "fortnightlyish" in life.daemon.status_line(life.clock.now)
    life.write(people=PEOPLE + "- name: Ada\n  every: monthly\n")
    life.daemon.reload_requested.set()
    life.daemon.step()
    assert [p.name for p in life.runtime.config.people] == ["Priya", "Sam", "Ada"]
    assert "config not reloaded" not in life.daemon.status_line(life.clock.now)


def test_done_wakes_a_sleeping_daemon_at_once(tmp_path: Path) -> None:
    event = Wake()
    listener = WakeListener(wake_address(tmp_path), event)
    listener.start()
    try:
        poke(tmp_path)
        assert event.wait(HANG_GUARD)
    finally:
        listener.stop()
    poke(tmp_path)  # no daemon listening: harmless


def test_the_loop_runs_the_same_on_xandikos(
    tmp_path: Path, xandikos: XandikosServer, http_receiver: HttpReceiver
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"timezone: Europe/London\ncalendar:\n  url: {xandikos.url}\n  poll: 1h\n"
        f"notify:\n  urls:\n    - {http_receiver.json_url()}\npeople:\n" + textwrap.indent(PEOPLE, "  ")
    )
    clock = Clock(london(2026, 11, 10, 9, 0))
    with open_runtime(read_config(config, Redactor()), tmp_path / "state") as runtime:
        daemon = Daemon(runtime, clock, SystemdNotifier(None))
        while clock.now < london(2026, 11, 13, 19, 0):
            clock.now = min(daemon.step(), london(2026, 11, 13, 19, 0))
    assert [r.json["title"] for r in http_receiver.requests] == ["Check in with Priya", "Check in with Sam"]  # type: ignore[index]


def test_backoff_grows_to_its_cap_and_never_overflows() -> None:
    from reconnectd.notify.outbox import LONGEST_RETRY, backoff

    assert backoff(1, 0.0) == timedelta(seconds=30)
    assert backoff(2, 0.0) == timedelta(seconds=60)
    assert backoff(10_000, 0.0) == LONGEST_RETRY
    assert backoff(3, 0.2) == timedelta(seconds=144)


def test_a_failing_cycle_is_logged_and_retried_and_never_ends_the_daemon(
    tmp_path: Path, radicale: RadicaleServer, http_receiver: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    world = Life(tmp_path, radicale, http_receiver)
    world.write(extra="")
    world.path.write_text(world.path.read_text().replace("poll: 1h", "poll: 1s"))
    world.runtime.use(read_config(world.path, world.redactor))

    class Flaky(Daemon):
        cycles = 0

        def step(self) -> datetime:
            self.cycles += 1
            if self.cycles == 1:
                raise RuntimeError("a bug in one cycle")
            self.stop()
            return super().step()

    daemon = Flaky(world.runtime, datetime_now, SystemdNotifier(None))
    try:
        daemon.run()
    finally:
        world.runtime.close()
    assert daemon.cycles == 2
    assert "a cycle failed; trying again shortly" in caplog.text


def datetime_now() -> datetime:
    return datetime.now(LONDON)


ADA = PEOPLE + "- name: Ada\n  every: monthly\n  last_contact: 2026-11-09\n  dates:\n    - birthday: 11-11\n"


def birthday_titles(life: Life) -> list[str]:
    return [t for r in life.phone.requests for t in (r.json["title"], r.json["message"]) if "birthday" in t]  # type: ignore[index]


def test_a_birthday_missed_while_the_daemon_was_off_is_wished_late_the_next_morning(life: Life) -> None:
    life.write(people=ADA)
    life.daemon.reload_requested.set()
    life.daemon.step()  # Tue 10 Nov: the birthday is planned; then the daemon is stopped over Wednesday
    life.clock.now = london(2026, 11, 12, 8, 0)  # started again on Thursday morning
    life.daemon.step()
    assert birthday_titles(life) == ["Ada's birthday was on Wednesday: a late wish still counts"]
    assert life.phone.requests[0].json["message"].startswith("A short message now is still a kind thought")  # type: ignore[index]
    life.run_until(london(2026, 11, 12, 23, 0))
    assert birthday_titles(life) == ["Ada's birthday was on Wednesday: a late wish still counts"]  # once


def test_a_birthday_past_its_late_window_is_not_sent_and_shows_as_missed(
    life: Life, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    life.write(people=ADA)
    life.daemon.reload_requested.set()
    life.daemon.step()
    life.clock.now = london(2026, 11, 13, 9, 0)  # off from Tuesday to Friday: the late window ended at midnight
    life.daemon.step()
    assert life.phone.requests  # Priya's check-in of Thursday still arrives
    assert birthday_titles(life) == []
    with pytest.raises(SystemExit):
        main(
            ["--config", str(life.path), "--state-dir", str(tmp_path / "state"), "status", "--now", "2026-11-13T09:00"]
        )
    assert (
        "Missed: Ada's birthday on Wed 11 Nov; no nudge could go out in time"
        " (in touch anyway? `reconnectd done Ada` records it)."
    ) in capsys.readouterr().out
