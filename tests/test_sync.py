"""End to end against real CalDAV servers and real Apprise plugins, through the CLI."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from command import run_command
from conftest import CalDAVServerInfo
from peer import Peer, foreign_event
from servers import HttpReceiver

from reconnectd.cli import main

LONDON = ZoneInfo("Europe/London")
PEOPLE = """\
- name: Priya
  every: 2 weeks
  prefers: voice note
  notes: started a new job in November
  last_contact: 2026-11-02
- name: Sam
  every: monthly
  prefers: in person
- name: Grandma Rose
  every: weekly
  prefers: call
  last_contact: 2026-11-05
"""
SAM = """\
- name: Sam
  every: monthly
  prefers: in person
"""
PRIYA_ONLY = PEOPLE.split("- name: Sam", maxsplit=1)[0]


class Setup:
    def __init__(self, tmp_path: Path, server: CalDAVServerInfo) -> None:
        self.tmp_path = tmp_path
        self.server = server
        self.state = tmp_path / "state"
        self.config = tmp_path / "config.yaml"
        self.peer = Peer(server.url, server.username, server.password)

    def write(self, people: str = PEOPLE, urls: tuple[str, ...] = ()) -> None:
        calendar = f"calendar:\n  url: {self.server.url}\n  name: Reconnect\n"
        if self.server.username:
            secret = self.tmp_path / "password"
            secret.write_text(f"{self.server.password}\n")
            calendar += f"  username: {self.server.username}\n  password_file: {secret}\n"
        notify = "notify:\n  urls:\n" + "".join(f"    - {u}\n" for u in urls) if urls else ""
        text = "timezone: Europe/London\n" + calendar + notify + "people:\n" + textwrap.indent(people, "  ")
        self.config.write_text(text)

    def run(self, *args: str) -> int:
        return run_command(self.config, self.state, *args)

    def sync(self, now: str) -> int:
        return self.run("sync", "--now", now)

    def objects(self) -> dict[str, object]:
        return self.peer.objects(self.peer.calendar_url("Reconnect"))  # type: ignore[return-value]

    def events(self) -> dict[str, object]:
        """Each person's latest event (past ones stay as history): {person: Stored}."""
        found: dict[str, object] = {}
        for stored in sorted(
            self.peer.objects(self.peer.calendar_url("Reconnect")).values(), key=lambda s: s.event["dtstart"].dt
        ):
            event = stored.event
            if "X-RECONNECTD-PERSON" in event and str(event["uid"]).startswith("reconnectd-"):
                found[str(event["X-RECONNECTD-PERSON"])] = stored
        return found


@pytest.fixture
def setup(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[Setup]:
    s = Setup(tmp_path, caldav_server)
    s.write()
    yield s
    s.peer.close()


def test_first_sync_writes_one_well_formed_checkin_per_person(setup: Setup) -> None:
    assert setup.sync("2026-11-28T09:00") == 0
    events = setup.events()
    assert sorted(events) == ["Grandma Rose", "Priya", "Sam"]
    priya = events["Priya"]
    text = priya.data.decode()  # type: ignore[attr-defined]
    event = priya.event  # type: ignore[attr-defined]
    assert str(event["summary"]) == "Check in with Priya"
    # both overdue: the one overdue longest (Grandma Rose) takes the first slot of the day
    assert events["Grandma Rose"].event["dtstart"].dt == datetime(2026, 11, 28, 18, 0, tzinfo=LONDON)  # type: ignore[attr-defined]
    assert event["dtstart"].dt == datetime(2026, 11, 28, 18, 15, tzinfo=LONDON)
    assert "DTSTART;TZID=Europe/London:20261128T181500" in text
    assert "BEGIN:VTIMEZONE" in text
    assert "DTEND;TZID=Europe/London:20261128T183000" in text
    assert "BEGIN:VALARM" in text
    assert "voice note" in str(event["description"])
    assert "started a new job in November" in str(event["description"])
    assert "ATTENDEE" not in text
    assert "ORGANIZER" not in text


def test_a_second_sync_with_nothing_changed_writes_nothing(setup: Setup) -> None:
    setup.sync("2026-11-28T09:00")
    before = {href: s.etag for href, s in setup.objects().items()}  # type: ignore[attr-defined]
    assert setup.sync("2026-11-28T09:30") == 0
    after = {href: s.etag for href, s in setup.objects().items()}  # type: ignore[attr-defined]
    assert after == before


def test_objects_we_did_not_create_are_never_touched(setup: Setup) -> None:
    setup.sync("2026-11-28T09:00")
    calendar = setup.peer.calendar_url("Reconnect")
    lookalike = foreign_event("reconnectd-priya-44bcff24-9", "Check in with Priya", b"X-RECONNECTD-PERSON:Priya\r\n")
    assert setup.peer.put(calendar, "dentist.ics", foreign_event("dentist-1", "Dentist")) in (201, 204)
    assert setup.peer.put(calendar, "lookalike.ics", lookalike) in (201, 204)
    foreign = {h: s for h, s in setup.objects().items() if h.endswith(("dentist.ics", "lookalike.ics"))}
    assert len(foreign) == 2

    setup.write(PEOPLE.replace("every: 2 weeks", "every: weekly"))
    setup.sync("2026-11-28T10:00")
    setup.write("- name: Sam\n  every: monthly\n")
    setup.sync("2026-11-28T10:30")
    setup.write("")
    setup.sync("2026-12-20T10:30")

    after = setup.objects()
    for href, stored in foreign.items():
        assert after[href].data == stored.data  # type: ignore[attr-defined]
        assert after[href].etag == stored.etag  # type: ignore[attr-defined]


def test_a_cadence_change_updates_the_event_in_place(setup: Setup) -> None:
    setup.sync("2026-11-10T09:00")
    before = setup.events()["Priya"]
    assert before.event["dtstart"].dt == datetime(2026, 11, 16, 18, 0, tzinfo=LONDON)  # type: ignore[attr-defined]
    setup.write(PEOPLE.replace("every: 2 weeks", "every: weekly").replace("started a new job", "new job, going well"))
    setup.sync("2026-11-10T09:30")
    after = setup.events()["Priya"]
    assert after.href == before.href  # type: ignore[attr-defined]
    assert after.uid == before.uid  # type: ignore[attr-defined]
    # overdue at weekly, so the next free slot today (Sam already holds 18:00)
    assert after.event["dtstart"].dt == datetime(2026, 11, 10, 18, 15, tzinfo=LONDON)  # type: ignore[attr-defined]
    assert "going well" in str(after.event["description"])  # type: ignore[attr-defined]


def test_a_removed_person_loses_their_future_checkin_but_keeps_their_history(setup: Setup) -> None:
    setup.sync("2026-11-10T09:00")
    assert setup.run("done", "Sam", "--at", "2026-11-09", "--note", "coffee") == 0
    setup.write(PEOPLE.replace(SAM, ""))
    assert setup.sync("2026-11-10T09:30") == 0
    assert sorted(setup.events()) == ["Grandma Rose", "Priya"]
    setup.write(PEOPLE)
    assert setup.sync("2026-11-10T10:00") == 0
    assert sorted(setup.events()) == ["Grandma Rose", "Priya", "Sam"]
    sam = setup.events()["Sam"]
    assert sam.event["dtstart"].dt.date().isoformat() == "2026-12-09"  # type: ignore[attr-defined]
    assert not sam.uid.endswith("-1")  # type: ignore[attr-defined]


def test_the_log_names_what_left_the_calendar_a_check_in_or_a_date(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.write(PRIYA_ONLY + "  dates:\n    - birthday: 12-10\n")
    setup.sync("2026-11-28T09:00")
    setup.write(SAM)
    capsys.readouterr()
    assert setup.sync("2026-11-28T09:30") == 0
    removed = sorted(
        line.split("INFO", 1)[-1].strip() for line in capsys.readouterr().err.splitlines() if " removed:" in line
    )
    assert removed == ["removed: Priya: birthday, Thu 10 Dec 2026", "removed: the upcoming check-in with Priya"]


def test_done_moves_the_next_checkin_one_cadence_after_the_contact(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.sync("2026-11-10T09:00")
    assert setup.run("done", "pri", "--at", "2026-11-12T20:00") == 0
    assert "in touch with Priya" in capsys.readouterr().out
    setup.sync("2026-11-12T20:05")
    assert setup.events()["Priya"].event["dtstart"].dt == datetime(2026, 11, 26, 18, 0, tzinfo=LONDON)  # type: ignore[attr-defined]


def test_a_nudge_is_sent_exactly_once_across_restarts(setup: Setup, http_receiver: HttpReceiver) -> None:
    setup.write(PRIYA_ONLY, urls=(http_receiver.ntfy_url("reconnect"),))
    setup.sync("2026-11-10T09:00")
    assert http_receiver.requests == []
    assert setup.sync("2026-11-16T18:00") == 0
    (request,) = http_receiver.wait_for(1)
    assert request.json["title"] == "Check in with Priya"  # type: ignore[index]
    assert "voice note" in request.json["message"]  # type: ignore[index]
    assert setup.sync("2026-11-16T18:00") == 0
    assert setup.sync("2026-11-16T18:30") == 0
    assert len(http_receiver.requests) == 1


def test_a_failing_target_is_retried_without_repeating_the_others(setup: Setup, http_receiver: HttpReceiver) -> None:
    with HttpReceiver() as flaky:
        setup.write(PRIYA_ONLY, urls=(http_receiver.json_url("/ok"), flaky.json_url("/flaky")))
        setup.sync("2026-11-10T09:00")
        flaky.fail_with = 500
        setup.sync("2026-11-16T18:00")
        assert len(http_receiver.requests) == 1
        assert len(flaky.requests) == 1
        flaky.fail_with = None
        setup.sync("2026-11-16T18:10")
        assert len(flaky.requests) == 2
        assert flaky.requests[-1].json["title"] == "Check in with Priya"  # type: ignore[index]
        assert len(http_receiver.requests) == 1
        setup.sync("2026-11-16T18:20")
        assert len(flaky.requests) == 2


def test_nudges_go_out_even_when_the_calendar_is_down(
    setup: Setup, http_receiver: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.write(PRIYA_ONLY, urls=(http_receiver.json_url(),))
    setup.sync("2026-11-10T09:00")
    capsys.readouterr()
    setup.server.server.stop()
    assert setup.sync("2026-11-16T18:00") == 1
    err = capsys.readouterr().err
    assert "reconnectd: calendar unavailable: cannot reach the calendar server" in err
    assert err.rstrip().endswith(
        ": connection refused (is the server running? check the host and port in calendar.url)"
    )
    assert "Traceback" not in err
    assert len(http_receiver.wait_for(1)) == 1
    setup.server.server.start()
    assert setup.sync("2026-11-16T18:05") == 0
    assert len(http_receiver.requests) == 1
    assert setup.events()["Priya"].event["dtstart"].dt == datetime(2026, 11, 30, 18, 0, tzinfo=LONDON)  # type: ignore[attr-defined]


def test_status_says_since_when_the_calendar_is_unreachable(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.sync("2026-11-10T09:00")
    setup.server.server.stop()
    assert setup.sync("2026-11-10T09:30") == 1
    assert setup.sync("2026-11-10T10:30") == 1
    capsys.readouterr()
    assert setup.run("status", "--now", "2026-11-10T11:00") == 0
    out = capsys.readouterr().out
    assert out.startswith("The calendar has been unreachable since Tue 10 Nov 09:30: cannot reach the calendar server")
    setup.server.server.start()
    assert setup.sync("2026-11-10T11:30") == 0
    capsys.readouterr()
    setup.run("status", "--json")
    assert json.loads(capsys.readouterr().out)["calendar"] == {"reachable": True, "down_since": None, "error": None}


def test_pause_and_let_go_remove_future_events_but_never_past_ones(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.sync("2026-11-10T09:00")
    setup.sync("2026-11-10T18:00")  # Sam's first check-in passes: history
    past = {s.uid for s in setup.objects().values()}  # type: ignore[attr-defined]
    assert setup.run("pause", "sam", "--until", "2026-12-24", "--now", "2026-11-10T18:01") == 0
    setup.sync("2026-11-10T18:05")
    assert "Sam" not in {p for p, s in setup.events().items() if s.event["dtstart"].dt.date() > date(2026, 11, 10)}  # type: ignore[attr-defined]
    setup.write(PEOPLE.replace("  prefers: call\n", "  prefers: call\n  status: let go\n"))
    setup.sync("2026-11-10T18:10")
    remaining = {s.uid for s in setup.objects().values()}  # type: ignore[attr-defined]
    sam_history = {u for u in past if u.startswith("reconnectd-sam-") and u.endswith("-1")}
    assert sam_history and sam_history <= remaining  # the check-in that passed stays as history
    assert not {u for u in remaining if u.startswith("reconnectd-grandma-rose-")} - past  # nothing new for Rose
    capsys.readouterr()
    setup.run("status", "--now", "2026-11-10T18:10")
    out = capsys.readouterr().out
    assert "paused until 24 Dec" in out
    assert "let go" in out
    setup.sync("2026-12-24T09:00")
    assert setup.events()["Sam"].event["dtstart"].dt.date() == date(2026, 12, 24)  # type: ignore[attr-defined]


def test_snooze_moves_only_the_next_checkin_and_the_calendar_follows(setup: Setup) -> None:
    setup.sync("2026-11-10T09:00")
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "--config",
                str(setup.config),
                "--state-dir",
                str(setup.state),
                "snooze",
                "Priya",
                "3d",
                "--now",
                "2026-11-10T09:01",
            ]
        )
    assert exited.value.code == 0
    setup.sync("2026-11-10T09:05")
    assert setup.events()["Priya"].event["dtstart"].dt == datetime(2026, 11, 19, 18, 0, tzinfo=LONDON)  # type: ignore[attr-defined]
    setup.sync("2026-11-19T18:00")
    assert setup.events()["Priya"].event["dtstart"].dt == datetime(2026, 12, 3, 18, 0, tzinfo=LONDON)  # type: ignore[attr-defined]


def test_history_lists_every_contact(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.run("done", "Priya", "--at", "2026-11-03", "--note", "voice note about the job")
    setup.run("done", "Priya", "--at", "2026-11-09", "--no-reply")
    capsys.readouterr()
    assert setup.run("history", "pri") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Tue 03 Nov 2026  cli      — voice note about the job",
        "Mon 09 Nov 2026  cli      (no reply)",
    ]


def test_dates_appear_as_all_day_events_and_nudge_on_the_day(setup: Setup, http_receiver: HttpReceiver) -> None:
    setup.write(PRIYA_ONLY + "  dates:\n    - birthday: 12-10\n      remind: 2d\n", urls=(http_receiver.json_url(),))
    setup.sync("2026-11-28T09:00")
    calendar = setup.peer.calendar_url("Reconnect")
    (birthday,) = [s for s in setup.peer.objects(calendar).values() if "-m-birthday-" in s.uid]
    text = birthday.data.decode()
    assert "DTSTART;VALUE=DATE:20261210" in text
    assert "DTEND;VALUE=DATE:20261211" in text
    assert str(birthday.event["summary"]) == "Priya: birthday"
    setup.sync("2026-11-28T18:00")  # the check-in's own nudge, on its own
    setup.sync("2026-12-08T09:00")
    setup.sync("2026-12-10T09:00")
    setup.sync("2026-12-10T09:30")
    titles = [r.json["title"] for r in http_receiver.requests]  # type: ignore[index]
    assert [t for t in titles if "birthday" in t] == ["Priya's birthday is in 2 days", "Priya's birthday is today"]


def test_a_no_reply_streak_stretches_the_interval_in_the_calendar_and_a_reply_resets_it(setup: Setup) -> None:
    setup.write(PRIYA_ONLY)
    setup.sync("2026-11-10T09:00")
    setup.run("done", "Priya", "--at", "2026-11-10T10:00", "--no-reply")
    setup.sync("2026-11-10T10:05")
    assert setup.events()["Priya"].event["dtstart"].dt.date() == date(2026, 12, 1)  # type: ignore[attr-defined]
    setup.run("done", "Priya", "--at", "2026-11-11T10:00", "--no-reply")
    setup.sync("2026-11-11T10:05")
    assert setup.events()["Priya"].event["dtstart"].dt.date() == date(2026, 12, 13)  # type: ignore[attr-defined]
    setup.run("done", "Priya", "--at", "2026-11-12T10:00")
    setup.sync("2026-11-12T10:05")
    assert setup.events()["Priya"].event["dtstart"].dt.date() == date(2026, 11, 26)  # type: ignore[attr-defined]
