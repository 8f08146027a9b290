"""Watched calendars (issue #16), against real Radicale and Xandikos, with a second client as the user's app.

Meetings the user has in their own calendars count as contact: a past one is recorded at its start, one
ahead holds the check-in back. The watched calendar is read only: byte for byte the same after every sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import CalDAVServerInfo
from peer import Stored, edited
from test_sync import Setup

LONDON = ZoneInfo("Europe/London")
NOW = "2026-12-02T09:00"
PEOPLE = """\
- name: Sam
  every: monthly
  last_contact: 2026-11-20
- name: Ana Lima
  every: 2 weeks
  last_contact: 2026-11-25
  emails: [ana@example.com]
- name: Margaret Rose
  every: weekly
  aliases: [Mum]
"""
EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//The user//Their calendar app//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20261101T090000Z\r
DTSTART:{start}\r
DURATION:PT1H\r
SUMMARY:{summary}\r
{extra}END:VEVENT\r
END:VCALENDAR\r
"""


def event(uid: str, summary: str, start: str, extra: str = "") -> bytes:
    return EVENT.format(uid=uid, summary=summary, start=start, extra=extra).encode()


class Watching(Setup):
    """A config that watches the calendar "Work", which the user's app fills."""

    def __init__(self, tmp_path: Path, server: CalDAVServerInfo) -> None:
        super().__init__(tmp_path, server)
        self.peer.client.principal().make_calendar(name="Work")
        self.work = self.peer.calendar_url("Work")

    def write(self, people: str = PEOPLE, urls: tuple[str, ...] = (), watch: str = "[Work]") -> None:
        super().write(people, urls)
        text = self.config.read_text().replace("  name: Reconnect\n", f"  name: Reconnect\n  watch: {watch}\n")
        self.config.write_text(text)

    def add(self, name: str, data: bytes) -> None:
        assert self.peer.put(self.work, name, data) in (201, 204)

    def watched(self) -> dict[str, Stored]:
        return self.peer.objects(self.work)

    def sync(self, now: str) -> int:
        """A sync, which leaves the watched calendar exactly as it was."""
        before = self.watched()
        code = super().sync(now)
        assert self.watched() == before
        return code

    def history(self, name: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
        capsys.readouterr()
        self.run("history", name)
        return capsys.readouterr().out.splitlines()

    def next_checkin(self, person: str) -> datetime:
        return self.events()[person].event["dtstart"].dt.astimezone(LONDON)  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def watching(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[Watching]:
    s = Watching(tmp_path, caldav_server)
    s.write()
    yield s
    s.peer.close()


def test_a_past_coffee_is_a_contact_that_restarts_the_rhythm(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    watching.add("coffee.ics", event("coffee-1", "Coffee with Sam", "20261130T100000Z"))
    assert watching.sync(NOW) == 0
    assert watching.history("Sam", capsys) == ["Mon 30 Nov 2026  meeting: Work: Coffee with Sam"]
    assert watching.next_checkin("Sam").date() >= date(2026, 12, 30)
    assert watching.sync("2026-12-02T10:00") == 0  # read again: recorded once
    assert len(watching.history("Sam", capsys)) == 1


def test_a_dinner_ahead_naming_two_holds_both_back_until_cancelled(watching: Watching) -> None:
    assert watching.sync(NOW) == 0
    ana_before = watching.next_checkin("Ana Lima")
    assert ana_before.date() < date(2026, 12, 20)
    dinner = event("dinner-1", "Dinner w/ Sam & Ana", "20261220T190000Z")
    watching.add("dinner.ics", dinner)
    assert watching.sync("2026-12-02T10:00") == 0
    assert watching.next_checkin("Ana Lima").date() > date(2026, 12, 20)
    assert watching.next_checkin("Sam").date() > date(2026, 12, 20)
    stored = watching.watched()["/" + watching.work.split("/", 3)[3].rstrip("/") + "/dinner.ics"]
    watching.peer.put(watching.work, "dinner.ics", edited(stored.data, status="CANCELLED"), stored.etag)
    assert watching.sync("2026-12-02T11:00") == 0
    assert watching.next_checkin("Ana Lima") == ana_before


def test_a_weekly_call_with_an_alias_counts_each_occurrence_and_its_override(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    weekly = (
        EVENT.replace("DURATION:PT1H\r\n", "DURATION:PT1H\r\nRRULE:FREQ=WEEKLY\r\n")
        .replace(
            "END:VCALENDAR",
            "BEGIN:VEVENT\r\nUID:call-mum\r\nDTSTAMP:20261101T090000Z\r\nRECURRENCE-ID:20261122T180000Z\r\n"
            "DTSTART:20261124T200000Z\r\nDURATION:PT1H\r\nSUMMARY:Call Mum (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR",
        )
        .format(uid="call-mum", summary="Call Mum", start="20261108T180000Z", extra="")
    )
    watching.add("call.ics", weekly.encode())
    assert watching.sync(NOW) == 0
    assert watching.history("Margaret Rose", capsys) == [
        "Sun 08 Nov 2026  meeting: Work: Call Mum",
        "Sun 15 Nov 2026  meeting: Work: Call Mum",
        "Tue 24 Nov 2026  meeting: Work: Call Mum (moved)",
        "Sun 29 Nov 2026  meeting: Work: Call Mum",
    ]
    # the next call, on Sunday 6 December, holds the weekly check-in back until after it
    assert watching.next_checkin("Margaret Rose").date() > date(2026, 12, 6)


def test_samsung_repair_is_no_meeting_with_sam(watching: Watching, capsys: pytest.CaptureFixture[str]) -> None:
    watching.add("repair.ics", event("repair-1", "Samsung repair", "20261130T100000Z"))
    assert watching.sync(NOW) == 0
    assert watching.history("Sam", capsys) == ["No contact with Sam recorded yet."]


def test_a_shared_first_name_alone_names_nobody(watching: Watching, capsys: pytest.CaptureFixture[str]) -> None:
    watching.write(PEOPLE.replace("- name: Sam\n", "- name: Sam Jones\n") + "- name: Sam Patel\n  every: monthly\n")
    watching.add("lunch.ics", event("lunch-1", "Lunch with Sam", "20261127T120000Z"))
    watching.add("lunch2.ics", event("lunch-2", "lunch with SAM PATEL", "20261130T120000Z"))
    watching.add("tea.ics", event("tea-1", "Tea with Ana", "20261128T120000Z"))  # Ana: the only one
    assert watching.sync(NOW) == 0
    assert watching.history("Sam Jones", capsys) == ["No contact with Sam Jones recorded yet."]
    assert watching.history("Sam Patel", capsys) == ["Mon 30 Nov 2026  meeting: Work: lunch with SAM PATEL"]
    assert watching.history("Ana Lima", capsys)[-1] == "Sat 28 Nov 2026  meeting: Work: Tea with Ana"


def test_an_attendee_is_matched_by_email_and_a_declined_invitation_never_counts(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    attendee = "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ANA@example.com\r\n"
    watching.add("sync.ics", event("sync-1", "Project sync", "20261126T100000Z", attendee))
    declined = "ORGANIZER:mailto:boss@example.com\r\nATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com\r\n"
    watching.add("drinks.ics", event("drinks-1", "Drinks with Sam", "20261127T180000Z", declined))
    assert watching.sync(NOW) == 0
    assert watching.history("Ana Lima", capsys) == ["Thu 26 Nov 2026  meeting: Work: Project sync"]
    assert watching.history("Sam", capsys) == ["No contact with Sam recorded yet."]


def test_an_event_moved_from_the_past_into_the_future_withdraws_the_contact_and_holds_the_checkin(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    watching.add("coffee.ics", event("coffee-1", "Coffee with Sam", "20261130T100000Z"))
    assert watching.sync(NOW) == 0
    href = next(iter(watching.watched()))
    stored = watching.watched()[href]
    moved = edited(stored.data, dtstart=datetime(2026, 12, 28, 10, 0, tzinfo=LONDON))
    assert watching.peer.put(watching.work, "coffee.ics", moved, stored.etag) in (201, 204)
    assert watching.sync("2026-12-02T10:00") == 0
    assert watching.history("Sam", capsys) == [
        "Mon 30 Nov 2026  meeting: Work: Coffee with Sam  (withdrawn on Wed 02 Dec 2026)"
    ]
    assert watching.next_checkin("Sam").date() > date(2026, 12, 28)


def test_a_past_meeting_whose_event_is_deleted_is_withdrawn_never_erased(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    watching.add("coffee.ics", event("coffee-1", "Coffee with Sam", "20261130T100000Z"))
    assert watching.sync(NOW) == 0
    assert watching.peer.delete(watching.work, "coffee.ics") in (200, 204)
    assert watching.sync("2026-12-02T10:00") == 0
    assert watching.history("Sam", capsys) == [
        "Mon 30 Nov 2026  meeting: Work: Coffee with Sam  (withdrawn on Wed 02 Dec 2026)"
    ]


def test_a_person_with_watch_false_is_never_matched(watching: Watching, capsys: pytest.CaptureFixture[str]) -> None:
    watching.write(PEOPLE.replace("  every: monthly\n", "  every: monthly\n  watch: false\n", 1))
    watching.add("coffee.ics", event("coffee-1", "Coffee with Sam", "20261130T100000Z"))
    assert watching.sync(NOW) == 0
    assert watching.history("Sam", capsys) == ["No contact with Sam recorded yet."]


def test_check_connect_status_and_plan_show_the_watched_calendars_and_meetings(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    watching.write(watch="[Work, Holidays]")
    watching.add("coffee.ics", event("coffee-1", "Coffee with Sam", "20261130T100000Z"))
    watching.add("dinner.ics", event("dinner-1", "Dinner w/ Ana", "20261207T190000Z"))
    capsys.readouterr()
    assert watching.run("check", "--connect") == 0
    said = capsys.readouterr()
    assert f'watch: "Work" at {watching.work} (read only)' in said.out
    assert 'watch: no calendar named "Holidays" on this login (check calendar.watch)' in said.err
    assert watching.sync(NOW) == 0
    capsys.readouterr()
    assert watching.run("status", "--now", NOW) == 0
    out = capsys.readouterr().out
    assert "Sam: last seen in Work: Coffee with Sam" in out
    assert "Ana Lima: Dinner w/ Ana on Mon 07 Dec; no check-in before it" in out
    assert watching.run("plan", "--days", "10", "--now", NOW) == 0
    assert "  19:00    Dinner w/ Ana (Work): with Ana Lima" in capsys.readouterr().out


def test_an_event_added_by_hand_in_our_own_calendar_counts_too(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    assert watching.sync(NOW) == 0
    ours = watching.peer.calendar_url("Reconnect")
    assert watching.peer.put(ours, "walk.ics", event("walk-1", "Walk with Sam", "20261201T100000Z")) in (201, 204)
    assert watching.sync("2026-12-02T10:00") == 0
    assert watching.history("Sam", capsys) == ["Tue 01 Dec 2026  meeting: Reconnect: Walk with Sam"]
    assert watching.sync("2026-12-02T11:00") == 0  # our own check-ins there never count
    assert watching.history("Margaret Rose", capsys) == ["No contact with Margaret Rose recorded yet."]


def test_a_meeting_ahead_moved_later_takes_the_checkin_along_and_deleted_releases_it(watching: Watching) -> None:
    assert watching.sync(NOW) == 0
    ana_before = watching.next_checkin("Ana Lima")
    watching.add("dinner.ics", event("dinner-1", "Dinner with Ana", "20261212T190000Z"))
    assert watching.sync("2026-12-02T10:00") == 0
    assert watching.next_checkin("Ana Lima").date() > date(2026, 12, 12)
    href, stored = next(iter(watching.watched().items()))
    later = edited(stored.data, dtstart=datetime(2026, 12, 19, 19, 0, tzinfo=LONDON))
    assert watching.peer.put(watching.work, href.rsplit("/", 1)[-1], later, stored.etag) in (201, 204)
    assert watching.sync("2026-12-02T11:00") == 0
    assert watching.next_checkin("Ana Lima").date() > date(2026, 12, 19)
    assert watching.peer.delete(watching.work, href.rsplit("/", 1)[-1]) in (200, 204)
    assert watching.sync("2026-12-02T12:00") == 0
    assert watching.next_checkin("Ana Lima") == ana_before


def test_a_huge_event_is_skipped_and_the_others_still_count(
    watching: Watching, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = "DESCRIPTION:" + "x" * 70 + "".join("\r\n " + "x" * 70 for _ in range(9000)) + "\r\n"
    watching.add("huge.ics", event("huge-1", "Coffee with Ana", "20261129T100000Z", notes))
    watching.add("coffee.ics", event("coffee-1", "Coffee with Sam", "20261130T100000Z"))
    assert watching.sync(NOW) == 0
    assert watching.history("Sam", capsys) == ["Mon 30 Nov 2026  meeting: Work: Coffee with Sam"]
    assert watching.history("Ana Lima", capsys) == ["No contact with Ana Lima recorded yet."]
