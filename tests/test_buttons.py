"""Done, No reply and Snooze from the phone, end to end: reconnectd's CLI and daemon, a real Radicale,
and the loopback ntfy server (tests/ntfyserver.py) with tokens and per-topic ACLs as the README sets
them up. Each press replays the http action exactly as the published nudge describes it."""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from command import run_command
from ntfyserver import NtfyServer, button, press
from peer import Peer, Stored
from servers import RadicaleServer

from reconnectd.config.load import load_config
from reconnectd.daemon.loop import Daemon
from reconnectd.daemon.runtime import open_runtime, read_config
from reconnectd.daemon.sdnotify import SystemdNotifier
from reconnectd.logs import Redactor
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.model import Outcome
from reconnectd.state import Store

LONDON = ZoneInfo("Europe/London")
PRIYA = """\
- name: Priya
  every: 2 weeks
  last_contact: 2026-11-02
"""
SAM = """\
- name: Sam
  every: 2 weeks
  last_contact: 2026-11-02
"""


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


class Phone:
    """reconnectd set up as the README's phone section says, the ntfy server, and the calendar app."""

    def __init__(self, tmp_path: Path, radicale: RadicaleServer) -> None:
        self.tmp_path = tmp_path
        self.state = tmp_path / "state"
        self.config = tmp_path / "config.yaml"
        self.ntfy = NtfyServer()
        self.ntfy.access.default = "deny"  # auth-default-access: deny-all
        self.publish_token = self.ntfy.add_user("reconnectd")
        self.ntfy.grant("reconnectd", "nudges", "write-only")
        self.read_token = self.ntfy.add_user("reconnectd-reader")
        self.ntfy.grant("reconnectd-reader", "replies", "read-only")
        self.button_token = self.ntfy.add_user("phone")
        self.ntfy.grant("phone", "replies", "write-only")
        (tmp_path / "read-token").write_text(self.read_token + "\n")
        (tmp_path / "button-token").write_text(self.button_token + "\n")
        self.radicale = radicale
        self.app = Peer(radicale.url, "me", "x")

    def configure(self, people: str = PRIYA, extra: str = "", *, reader: bool = True, buttons: bool = True) -> None:
        """`reader`: reconnectd reads the reply topic with token_file's token, else with the URL's own."""
        if not reader:
            self.ntfy.grant("reconnectd", "replies", "read-only")
        read = f"      token_file: {self.tmp_path / 'read-token'}\n" if reader else ""
        button = f"      reply_token_file: {self.tmp_path / 'button-token'}\n" if buttons else ""
        self.config.write_text(
            "timezone: Europe/London\n"
            f"calendar:\n  url: {self.radicale.url}\n  name: Reconnect\n  username: me\n  password: x\n"
            "notify:\n"
            f"{extra}"
            "  urls:\n"
            f"    - url: ntfy://{self.publish_token}@{self.ntfy.host}/nudges\n"
            "      reply_topic: replies\n"
            f"{read}{button}"
            "people:\n" + textwrap.indent(people, "  ")
        )

    def cli(self, *args: str) -> int:
        return run_command(self.config, self.state, *args)

    def sync(self, now: str) -> None:
        assert self.cli("sync", "--now", now) == 0

    def nudged(self) -> dict[str, Any]:
        """Priya's check-in planned a week ahead, then its nudge sent at its time."""
        self.sync("2026-11-10T09:00")
        self.sync("2026-11-16T18:00")
        (nudge,) = self.nudges()
        return nudge

    def nudges(self) -> list[dict[str, Any]]:
        return self.ntfy.messages("nudges")

    def ours(self) -> list[Stored]:
        found = self.app.objects(self.app.calendar_url("Reconnect")).values()
        return sorted((s for s in found if s.uid.startswith("reconnectd-")), key=lambda s: s.event["dtstart"].dt)

    def starts(self) -> list[tuple[datetime, str]]:
        return [(s.event["dtstart"].dt, str(s.event["summary"])) for s in self.ours()]

    def contacts(self) -> list[tuple[str, Outcome, str | None]]:
        with Store(self.state / "state.db") as store:
            return [(c.person, c.outcome, c.source) for c in store.contacts()]

    def close(self) -> None:
        self.app.close()
        self.ntfy.close()


@pytest.fixture
def phone(tmp_path: Path, radicale: RadicaleServer) -> Iterator[Phone]:
    world = Phone(tmp_path, radicale)
    world.configure()
    yield world
    world.close()


def test_a_nudge_carries_three_buttons_that_post_signed_bodies_to_the_reply_topic(phone: Phone) -> None:
    nudge = phone.nudged()
    assert nudge["title"] == "Check in with Priya"
    assert [a["label"] for a in nudge["actions"]] == ["Done", "No reply", "Snooze"]
    for action in nudge["actions"]:
        assert (action["action"], action["method"], action["url"]) == ("http", "POST", f"{phone.ntfy.url}/replies")
        assert action["headers"] == {"Authorization": f"Bearer {phone.button_token}"}  # the write-only token
        assert action["clear"] is True
        assert set(json.loads(action["body"])) == {"nudge", "action", "sent", "mac"}
    assert nudge["sequence_id"].startswith("rc-")
    # the token in the buttons opens nothing but the reply topic
    assert press({**button(nudge, "Done"), "url": f"{phone.ntfy.url}/nudges"}) == 403
    assert press({**button(nudge, "Done"), "method": "GET", "url": f"{phone.ntfy.url}/replies/json?poll=1"}) == 403


def test_done_records_a_contact_and_the_calendar_follows_on_the_same_cycle(
    phone: Phone, capsys: pytest.CaptureFixture[str]
) -> None:
    nudge = phone.nudged()
    assert phone.starts() == [
        (london(2026, 11, 16, 18, 0), "Check in with Priya"),
        (london(2026, 11, 30, 18, 0), "Check in with Priya"),
    ]
    phone.ntfy.clock = london(2026, 11, 19, 12, 0).timestamp  # pressed three days later
    assert press(button(nudge, "Done")) == 200
    phone.sync("2026-11-19T12:05")
    assert phone.contacts() == [("Priya", Outcome.REPLIED, "phone")]
    with Store(phone.state / "state.db") as store:
        assert [c.at for c in store.contacts()] == [london(2026, 11, 19, 12, 0)]  # when it was pressed
    # on the same cycle, the next check-in moved to one cadence after the press
    assert phone.starts()[-1] == (london(2026, 12, 3, 18, 0), "Check in with Priya")
    capsys.readouterr()
    assert phone.cli("history", "Priya") == 0
    assert "from the phone" in capsys.readouterr().out
    # the notification is cleared on every device: a clear for its sequence id on the nudge topic
    (cleared,) = phone.ntfy.messages("nudges", "message_clear")
    assert cleared["sequence_id"] == nudge["sequence_id"]


def test_no_reply_records_an_unanswered_contact_and_waits_longer(phone: Phone) -> None:
    assert press(button(phone.nudged(), "No reply")) == 200
    phone.sync("2026-11-16T18:20")
    assert phone.contacts() == [("Priya", Outcome.NO_REPLY, "phone")]
    assert phone.starts()[-1][0] > london(2026, 11, 30, 18, 0)  # patience: later than one cadence


def test_snooze_moves_the_next_checkin_later_by_the_snooze(phone: Phone) -> None:
    nudge = phone.nudged()
    assert phone.starts()[-1][0] == london(2026, 11, 30, 18, 0)
    assert press(button(nudge, "Snooze")) == 200
    phone.sync("2026-11-16T18:20")
    assert phone.contacts() == []  # a snooze is not a contact
    assert phone.starts()[-1][0] == london(2026, 12, 3, 18, 0)  # three days later, the default


def test_a_forged_a_replayed_and_a_stale_press_change_nothing_and_are_logged_once(
    phone: Phone, capsys: pytest.CaptureFixture[str]
) -> None:
    nudge = phone.nudged()
    done = button(nudge, "Done")
    forged = {**done, "body": json.dumps(json.loads(done["body"]) | {"action": "snooze"})}
    assert press(forged) == 200  # the server takes anything its ACL allows: the MAC decides
    phone.sync("2026-11-16T18:10")
    phone.sync("2026-11-16T18:15")
    assert phone.contacts() == []
    assert phone.starts()[-1][0] == london(2026, 11, 30, 18, 0)
    assert press(done) == 200
    assert press(done) == 200  # a replay of the same request
    phone.sync("2026-11-16T18:20")
    phone.sync("2026-11-16T18:25")
    assert phone.contacts() == [("Priya", Outcome.REPLIED, "phone")]
    # a press on a nudge sent more than a week before it is read
    phone.sync("2026-11-30T18:00")
    late = phone.nudges()[-1]
    assert late["title"] == "Check in with Priya" and late["id"] != nudge["id"]
    phone.ntfy.clock = london(2026, 12, 8, 18, 0).timestamp  # the server's clock says when it was pressed
    assert press(button(late, "No reply")) == 200
    phone.sync("2026-12-08T18:01")
    phone.sync("2026-12-08T18:02")
    assert phone.contacts() == [("Priya", Outcome.REPLIED, "phone")]
    logged = capsys.readouterr().err
    assert logged.count("its MAC is wrong (forged or from another key)") == 1
    assert logged.count("ignored a second press for nudge") == 1
    assert logged.count("ignored a stale press for nudge") == 1
    assert logged.count("from the phone: Done for Priya") == 1
    assert not any(t in logged for t in (phone.publish_token, phone.read_token, phone.button_token))


def test_a_press_made_while_the_daemon_is_stopped_is_applied_once_when_it_starts(phone: Phone) -> None:
    phone.configure(reader=False)  # and reading the reply topic with the URL's own token
    clock = Clock(london(2026, 11, 10, 9, 0))
    daemon, runtime = start(phone, clock)
    while not phone.nudges():
        clock.now = min(daemon.step(), london(2026, 11, 16, 18, 30))
        assert clock.now < london(2026, 11, 16, 18, 30)
    runtime.close()  # stopped
    assert press(button(phone.nudges()[0], "Done")) == 200
    clock.now = london(2026, 11, 16, 20, 0)
    daemon, runtime = start(phone, clock)  # started again
    try:
        daemon.step()
        daemon.step()
    finally:
        runtime.close()
    assert phone.contacts() == [("Priya", Outcome.REPLIED, "phone")]
    assert phone.starts()[-1][0] == london(2026, 11, 30, 18, 0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def start(phone: Phone, clock: Clock) -> tuple[Daemon, Any]:
    redactor = Redactor()
    runtime = open_runtime(read_config(phone.config, redactor), phone.state)
    reload = lambda: read_config(phone.config, redactor)  # noqa: E731
    return Daemon(runtime, clock, SystemdNotifier(None), reload_config=reload), runtime


def test_a_catch_up_about_several_people_opens_the_list_and_about_one_has_buttons(phone: Phone) -> None:
    phone.configure(PRIYA + SAM, extra="  view_url: https://calendar.example.com/reconnect\n")
    phone.sync("2026-11-10T09:00")
    phone.sync("2026-11-17T09:00")  # both came due while it was off: one message
    (catch_up,) = phone.nudges()
    assert catch_up["title"].startswith("Catching up: 2")
    assert catch_up["actions"] == [
        {
            "id": catch_up["actions"][0]["id"],
            "action": "view",
            "label": "Check-ins",
            "url": "https://calendar.example.com/reconnect",
            "clear": True,
        }
    ]
    assert "sequence_id" not in catch_up


def test_status_says_when_the_reply_topic_was_last_read(phone: Phone, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert phone.cli("status", "--now", "2026-11-10T09:00") == 0
    assert f"the reply topic of {phone.ntfy.url} (notify.urls[0]) was not read yet" in capsys.readouterr().out
    phone.sync("2026-11-10T09:00")
    assert phone.cli("status", "--now", "2026-11-10T09:05") == 0
    out = capsys.readouterr().out
    assert "was last read Tue 10 Nov 09:00" in out
    assert "ntfy keeps messages 12 hours by default" in out
    assert phone.cli("status", "--json", "--now", "2026-11-10T09:05") == 0
    (topic,) = json.loads(capsys.readouterr().out)["reply_topics"]
    assert topic["last_read"].startswith("2026-11-10T09:00")


def test_check_send_test_reports_a_press_coming_back_and_records_nothing(
    phone: Phone, capsys: pytest.CaptureFixture[str]
) -> None:
    def phone_user() -> None:
        (test,) = phone.ntfy.wait_for("nudges", 1)
        press(button(test, "Done"))

    presser = threading.Thread(target=phone_user, daemon=True)
    presser.start()
    capsys.readouterr()
    assert phone.cli("check", "--send-test", "--press-wait", "120") == 0
    out = capsys.readouterr().out
    presser.join(120)
    assert "delivered with Done / No reply / Snooze buttons" in out
    assert "the press came back (Done); nothing was recorded" in out
    phone.sync("2026-11-10T09:00")  # the daemon reads it too, and records nothing
    assert phone.contacts() == []


def test_check_send_test_says_what_to_check_when_no_press_comes_back(
    phone: Phone, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert phone.cli("check", "--send-test", "--press-wait", "1") == 0
    out = capsys.readouterr().out
    assert "no press came back within 1 s" in out
    assert "ntfy access USER REPLY_TOPIC write-only" in out


def test_check_warns_when_the_buttons_carry_no_token(phone: Phone, capsys: pytest.CaptureFixture[str]) -> None:
    phone.configure(buttons=False)
    capsys.readouterr()
    assert phone.cli("check") == 0
    assert "notify.urls[0]: the buttons carry no token" in capsys.readouterr().out
    phone.sync("2026-11-10T09:00")
    phone.sync("2026-11-16T18:00")
    (nudge,) = phone.nudges()
    assert button(nudge, "Done")["headers"] == {}  # token_file's token stays on the machine
    assert press(button(nudge, "Done")) == 403  # and so, with deny-all, the press cannot be posted


def test_a_catch_up_about_one_person_keeps_the_buttons(phone: Phone) -> None:
    phone.configure(PRIYA + "  dates:\n    - birthday: 11-18\n")
    phone.sync("2026-11-10T09:00")
    phone.sync("2026-11-19T09:00")  # her check-in and her birthday both came due while it was off
    (catch_up,) = phone.nudges()
    assert catch_up["title"].startswith("Catching up: 2")
    assert [a["label"] for a in catch_up["actions"]] == ["Done", "No reply", "Snooze"]
    assert press(button(catch_up, "Done")) == 200
    phone.sync("2026-11-19T09:05")
    assert phone.contacts() == [("Priya", Outcome.REPLIED, "phone")]


def test_a_server_without_clearing_still_takes_the_press(phone: Phone) -> None:
    phone.ntfy.clearing = False  # ntfy before 2.16: no PUT /TOPIC/SEQUENCE_ID/clear
    assert press(button(phone.nudged(), "Done")) == 200
    phone.sync("2026-11-16T18:20")
    assert phone.contacts() == [("Priya", Outcome.REPLIED, "phone")]
    assert phone.ntfy.messages("nudges", "message_clear") == []


def test_a_press_older_than_the_servers_cache_is_lost_as_the_readme_says(phone: Phone) -> None:
    nudge = phone.nudged()
    pressed = london(2026, 11, 16, 19, 0).timestamp()
    phone.ntfy.clock = lambda: pressed
    assert press(button(nudge, "Done")) == 200
    phone.ntfy.clock = lambda: pressed + 13 * 3600  # the daemon was stopped for 13 hours
    phone.sync("2026-11-17T08:00")
    assert phone.contacts() == []


def test_every_ntfy_token_is_a_secret_the_logs_mask(phone: Phone) -> None:
    config = load_config(phone.config)
    secrets = Notifier.for_settings(config.notify).secrets()
    for token in (phone.publish_token, phone.read_token, phone.button_token):
        assert token in secrets
