"""The morning digest: one message a day, and no individual nudges for what it lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reconnectd.config.load import parse_config
from reconnectd.policy.digest import digest_nudge
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.milestones import Occurrence
from reconnectd.policy.model import Nudge
from reconnectd.policy.plan import next_moment, plan
from reconnectd.policy.preview import advance

LONDON = ZoneInfo("Europe/London")
CONFIG = """\
timezone: Europe/London
notify:
  digest: "08:00"
people:
  - name: Priya
    every: weekly
    last_contact: 2026-11-03
    dates:
      - birthday: 11-12
  - name: Sam
    every: weekly
    last_contact: 2026-11-05
  - name: Rose
    every: monthly
    last_contact: 2026-09-01
"""


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def day_of_nudges(start: datetime, hours: int) -> list[Nudge]:
    config = parse_config(CONFIG, "t.yaml")
    ledger, seen, moment = Ledger(), {}, start
    for _ in range(hours * 4):
        result = plan(config, ledger, moment)
        ledger = advance(ledger, result)
        for nudge in result.nudges:
            seen.setdefault(nudge.key, nudge)
        moment += timedelta(minutes=15)
    return list(seen.values())


def test_one_message_in_the_morning_lists_the_day_and_nothing_else_is_sent() -> None:
    nudges = day_of_nudges(london(2026, 11, 12, 0, 0), 24)
    (digest,) = nudges  # no nudge at any check-in's time, nor on the birthday itself
    assert digest.due == london(2026, 11, 12, 8, 0)
    assert digest.body.splitlines() == [
        "• 18:00 check in with Rose",  # Priya's check-in gives way to her birthday
        "• Priya's birthday is today: Send a message to say happy birthday.",
        "Overdue: Priya (2 days), Rose (42 days). No rush; one small message is enough.",
    ]
    assert digest.title == "Today: 2 to keep in mind"


def test_a_missed_date_is_named_once_with_what_still_helps() -> None:
    config = parse_config(CONFIG, "t.yaml")
    priya = config.people[0]
    missed = [Occurrence(priya, priya.dates[0], london(2026, 11, 12, 0, 0).date())]
    nudges = {day: digest_nudge(config, london(2026, 11, day, 8, 0), [], [], [], missed=missed) for day in (13, 14, 15)}
    bodies = {day: nudge.body if nudge else "" for day, nudge in nudges.items()}
    assert bodies == {
        13: "",  # still in its late window: a late nudge, not a missed one
        14: "• Missed: Priya's birthday, on Thu 12 Nov: no message could go out in time. A late word still counts.",
        15: "",  # named once
    }


def test_a_quiet_day_sends_nothing() -> None:
    config = parse_config(CONFIG.split("  - name: Sam", maxsplit=1)[0].replace("2026-11-03", "2026-11-10"), "t.yaml")
    ledger = advance(Ledger(), plan(config, Ledger(), london(2026, 11, 13, 7, 0)))
    assert plan(config, ledger, london(2026, 11, 13, 8, 0)).nudges == ()


def test_the_daemon_wakes_for_the_digest() -> None:
    config = parse_config(CONFIG, "t.yaml")
    ledger = advance(Ledger(), plan(config, Ledger(), london(2026, 11, 12, 6, 0)))
    assert next_moment(config, ledger, london(2026, 11, 12, 6, 0)) == london(2026, 11, 12, 8, 0)
