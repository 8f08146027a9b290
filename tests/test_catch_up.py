"""The catch-up message: several nudges waiting for one phone go as one calm message."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from reconnectd.notify.outbox import compose
from reconnectd.policy.model import Nudge

LONDON = ZoneInfo("Europe/London")


def nudge(key: str, person: str, title: str, body: str, hour: int) -> Nudge:
    return Nudge(key, person, datetime(2026, 12, 5, hour, 0, tzinfo=LONDON), title, body)


def test_one_nudge_goes_as_it_is() -> None:
    only = nudge("a", "Priya", "Check in with Priya", "Send her the song.\nAsk: how was the move?", 18)
    assert (compose([only], LONDON).title, compose([only], LONDON).body) == (only.title, only.body)


def test_check_ins_are_listed_by_name_with_their_first_line() -> None:
    message = compose(
        [
            nudge("a", "Priya", "Check in with Priya", "Send her the song.\nAsk: how was the move?", 18),
            nudge("b", "Sam", "Check in with Sam", "Ask about the race.", 19),
        ],
        LONDON,
    )
    assert message.title == "Catching up: 2 check-ins"
    assert message.body.splitlines() == [
        "• Priya (Sat 05 Dec, 18:00): Send her the song.",
        "• Sam (Sat 05 Dec, 19:00): Ask about the race.",
    ]
    assert message.keys == ("a", "b")


def test_dates_and_time_for_yourself_are_listed_by_their_title() -> None:
    message = compose(
        [
            nudge("a", "Priya", "Priya's birthday tomorrow", "A voice note would suit her.", 9),
            nudge("b", "yourself", "A few minutes for yourself", "Take ten minutes.", 18),
            nudge("c", "Sam", "Check in with Sam", "Ask about the race.", 19),
        ],
        LONDON,
    )
    assert message.title == "Catching up: 3 reminders"
    assert message.body.splitlines() == [
        "• Priya's birthday tomorrow (Sat 05 Dec, 09:00): A voice note would suit her.",
        "• A few minutes for yourself (Sat 05 Dec, 18:00): Take ten minutes.",
        "• Sam (Sat 05 Dec, 19:00): Ask about the race.",
    ]
