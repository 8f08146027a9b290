"""What a user's edit means, decided without any server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconnectd.calendar.ical import RemoteObject, read
from reconnectd.calendar.readback import Broken, Changes, Deleted, Done, Mend, Pinned, Seen, hrefs_to_fetch, observe
from reconnectd.calendar.replies import Edited, Moved, Ticked, interpret
from reconnectd.policy.model import CheckIn, CheckInStatus, Outcome, Owned

START = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
END = START + timedelta(minutes=15)
NOW = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def remote(
    summary: str = "Check in with Priya", description: str = "", start: datetime = START, **kw: object
) -> RemoteObject:
    return RemoteObject("reconnectd-priya-1", True, start, start + timedelta(minutes=15), summary, description, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "title",
    [
        "✓",
        "✓ Check in with Priya",
        "✔ done",
        "✅",
        "☑ called",
        "[x] Check in with Priya",
        "[ X ]",
        "done",
        "Done!",
        "DONE - call",
    ],
)
def test_ticks_that_phones_can_type(title: str) -> None:
    reading = interpret(remote(title), START, END, NOW, "Check in with Priya")
    assert isinstance(reading, Ticked)
    assert reading.at == START
    assert reading.outcome is Outcome.REPLIED


@pytest.mark.parametrize("title", ["Check in with Priya", "undone", "Don't forget Priya", "[ ] Priya", "x marks"])
def test_other_titles_are_not_ticks(title: str) -> None:
    assert interpret(remote(title), START, END, NOW) == Edited()  # kept as the user wrote it: no tick, no move


def test_no_reply_in_title_or_description_marks_the_contact_unanswered() -> None:
    in_title = interpret(remote("✓ no reply"), START, END, NOW)
    in_description = interpret(remote("done", "sent a voice note, no-reply so far"), START, END, NOW)
    assert isinstance(in_title, Ticked)
    assert isinstance(in_description, Ticked)
    assert in_title.outcome is in_description.outcome is Outcome.NO_REPLY


def test_what_follows_the_tick_becomes_the_note() -> None:
    reading = interpret(remote("✓ Check in with Priya - lovely long chat"), START, END, NOW, "Check in with Priya")
    assert isinstance(reading, Ticked)
    assert reading.note == "lovely long chat"


def test_a_tick_on_a_checkin_still_ahead_is_a_contact_now_not_in_the_future() -> None:
    early = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    reading = interpret(remote("done"), START, END, early)
    assert isinstance(reading, Ticked)
    assert reading.at == early


def test_a_completed_task_counts_from_when_it_was_completed() -> None:
    completed = datetime(2026, 11, 14, 20, 0, tzinfo=UTC)
    reading = interpret(remote(completed=True, completed_at=completed), START, END, NOW)
    assert isinstance(reading, Ticked)
    assert reading.at == completed


def test_a_move_keeps_the_new_time_and_length() -> None:
    later = START + timedelta(days=2, hours=-6)
    assert interpret(remote(start=later), START, END, NOW) == Moved(later, later + timedelta(minutes=15))


def test_any_other_edit_is_kept_as_it_is() -> None:
    assert interpret(remote(description="bring the book back"), START, END, NOW) == Edited()


TICKS = st.sampled_from(["✓", "✔", "☑", "✅", "[x]", "[ X ]", "done", "DONE"])
NO_N = st.text(alphabet=st.characters(blacklist_characters="nN"), max_size=80)  # cannot say "no reply"
BEGINS_UNTICKED = st.text(max_size=80).filter(
    lambda t: not t.lstrip().casefold().startswith(("✓", "✔", "☑", "✅", "[", "done"))
)


@given(tick=TICKS, rest=NO_N, description=NO_N)
def test_any_title_the_user_ticks_is_a_contact_at_its_time_with_their_words_as_the_note(
    tick: str, rest: str, description: str
) -> None:
    reading = interpret(remote(f"{tick} {rest}", description), START, END, NOW)
    assert reading == Ticked(START, Outcome.REPLIED, rest.strip().strip(" :-—,.") or None)


@given(title=BEGINS_UNTICKED, description=st.text(max_size=80))
def test_any_other_title_at_the_same_time_is_kept_as_the_user_wrote_it(title: str, description: str) -> None:
    assert interpret(remote(title, description), START, END, NOW) == Edited()  # never a tick, never a move


def test_unreadable_data_reads_as_nothing() -> None:
    assert read(b"\x00\xff garbage") is None
    assert read("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") is None


def owned(status: CheckInStatus = CheckInStatus.SCHEDULED, etag: str | None = '"1"') -> dict[str, Owned]:
    return {"u1": Owned("u1", "Priya", status, "/cal/u1.ics", etag, "fp")}


CHECKINS = {"u1": CheckIn("Priya", 1, START, END, "b")}


def test_an_upcoming_object_gone_from_the_server_is_skipped() -> None:
    changes = Changes({}, ("/cal/u1.ics",), complete=False)
    result = observe(changes, owned(), checkins=CHECKINS, foreign={}, fetched={}, now=NOW, zone=UTC)
    assert result.facts == [Deleted("u1", skipped=True)]


def test_a_passed_object_deleted_is_history_the_user_tidied_not_a_skip() -> None:
    changes = Changes({}, (), complete=True)
    result = observe(changes, owned(CheckInStatus.PASSED), checkins=CHECKINS, foreign={}, fetched={}, now=NOW, zone=UTC)
    assert result.facts == [Deleted("u1", skipped=False)]


def test_our_own_write_seen_again_is_not_an_edit() -> None:
    changes = Changes({"/cal/u1.ics": '"2"'}, (), complete=False)
    result = observe(changes, owned(etag=None), checkins=CHECKINS, foreign={}, fetched={}, now=NOW, zone=UTC)
    assert result.facts == [Seen("u1", "/cal/u1.ics", '"2"')]


def test_only_changed_objects_of_ours_are_fetched_unless_one_vanished() -> None:
    changes = Changes({"/cal/u1.ics": '"2"', "/cal/dentist.ics": '"9"'}, (), complete=False)
    assert hrefs_to_fetch(changes, owned(), {}) == ["/cal/u1.ics"]
    vanished = Changes({"/cal/new-name.ics": '"3"', "/cal/dentist.ics": '"9"'}, ("/cal/u1.ics",), complete=False)
    assert hrefs_to_fetch(vanished, owned(), {"/cal/dentist.ics": '"9"'}) == ["/cal/new-name.ics"]


def test_an_unreadable_object_of_ours_is_repaired_and_one_sent_without_data_is_kept() -> None:
    changes = Changes({"/cal/u1.ics": '"2"'}, (), complete=False)
    fetched = {"/cal/u1.ics": ('"2"', "not ical at all")}
    result = observe(changes, owned(), checkins=CHECKINS, foreign={}, fetched=fetched, now=NOW, zone=UTC)
    assert result.facts == [Broken("u1", "Priya", "/cal/u1.ics", '"2"', "not iCalendar", Mend.REPAIR)]
    result = observe(changes, owned(), checkins=CHECKINS, foreign={}, fetched={}, now=NOW, zone=UTC)
    assert result.facts == [Pinned("u1", "/cal/u1.ics", '"2"', None, None)]
    assert result.unreadable == ["/cal/u1.ics"]


def test_a_ticked_object_becomes_a_contact_from_the_calendar() -> None:
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20261101T000000Z\r\n"
        "DTSTART:20261116T180000Z\r\nSUMMARY:✓ called\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    changes = Changes({"/cal/u1.ics": '"2"'}, (), complete=False)
    result = observe(
        changes, owned(), checkins=CHECKINS, foreign={}, fetched={"/cal/u1.ics": ('"2"', data)}, now=NOW, zone=UTC
    )
    (fact,) = result.facts
    assert isinstance(fact, Done)
    assert fact.contact.at == START
    assert fact.contact.source == "calendar"
    assert fact.contact.note == "called"


def test_an_unreadable_foreign_object_is_reported_once_then_remembered() -> None:
    changes = Changes({"/cal/junk.ics": '"7"'}, ("/cal/u1.ics",), complete=False)
    fetched = {"/cal/junk.ics": ('"7"', "\x00 not a calendar")}
    first = observe(changes, owned(), checkins=CHECKINS, foreign={}, fetched=fetched, now=NOW, zone=UTC)
    assert first.unreadable_foreign == ["/cal/junk.ics"]
    assert first.foreign_seen == {"/cal/junk.ics": '"7"'}
    again = observe(changes, owned(), checkins=CHECKINS, foreign=first.foreign_seen, fetched={}, now=NOW, zone=UTC)
    assert again.unreadable_foreign == []
