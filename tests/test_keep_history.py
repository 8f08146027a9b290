"""`calendar.keep_history` (issue 19): our old past check-ins leave the calendar; the store keeps them all.

Against a real Radicale, over a simulated stretch of days (time is passed in), with a second client
as the user's calendar app. What the user touched stays; an edit we have not read yet (a 412) keeps
the object too; `history` and the store's check-ins are the same with and without the option.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from peer import Peer, edited
from servers import RadicaleServer

from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.prune import BATCH
from reconnectd.config.load import parse_config
from reconnectd.daemon.cycle import CycleReport, run_cycle
from reconnectd.daemon.tidy import tidy
from reconnectd.errors import ConfigError
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.cadence import Cadence
from reconnectd.policy.settings import Config
from reconnectd.state import Store

START = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)  # each simulated day's cycle: after the day's check-ins


def config_text(url: str, keep: str | None, people: int = 3, login: str = "sam") -> str:
    keep_line = f"  keep_history: {keep}\n" if keep is not None else ""
    listed = "".join(f"  - name: Person {i}\n    every: weekly\n" for i in range(people))
    return (
        f"timezone: Europe/London\ncalendar:\n  url: {url}\n  name: Reconnect\n  username: {login}\n{keep_line}"
        f'schedule:\n  time: "09:00"\n  max_per_day: 10\npeople:\n{listed}'
    )


@dataclass
class Life:
    """One user's reconnectd against one calendar: a store, a client, and the days going by."""

    cfg: Config
    store: Store
    client: CalendarClient
    peer: Peer
    login: str
    people: int
    day: int = 0

    def configure(self, keep: str | None) -> Config:
        return parse_config(config_text(self.client.server_url, keep, self.people, self.login), "config.yaml")

    def cycle(self) -> CycleReport:
        report = run_cycle(self.cfg, self.store, self.client, Notifier(()), self.now)
        assert report.calendar_error is None
        return report

    @property
    def now(self) -> datetime:
        return START + timedelta(days=self.day)

    def days(self, count: int) -> None:
        for _ in range(count):
            self.day += 1
            self.cycle()

    def objects(self) -> dict[str, object]:
        return self.peer.objects(self.peer.calendar_url("Reconnect"))  # type: ignore[return-value]

    def starts(self) -> dict[str, datetime]:
        """Each object in the calendar: its UID and start."""
        return {s.uid: s.event["dtstart"].dt for s in self.objects().values()}  # type: ignore[attr-defined]

    def history(self) -> list[tuple[str, str, str]]:
        return [(c.uid, c.status.value, c.start.isoformat()) for c in self.store.ledger().checkins]


@pytest.fixture
def life(tmp_path: Path, radicale: RadicaleServer) -> Iterator[Life]:
    lives = []

    def make(keep: str | None, name: str = "one", people: int = 3) -> Life:
        url = radicale.url  # with no auth, each login (`name`) has its own calendars
        cfg = parse_config(config_text(url, keep, people, name), "config.yaml")
        client = CalendarClient(url, name, "x")
        client.open("Reconnect")
        one = Life(cfg, Store(tmp_path / f"{name}.db"), client, Peer(url, name, "x"), name, people)
        lives.append(one)
        return one

    yield make  # type: ignore[misc]
    for one in lives:
        one.client.close()
        one.store.close()
        one.peer.close()


def test_old_past_checkins_leave_the_calendar_and_history_keeps_them(life: object) -> None:
    make = life
    kept, light = make(None, "forever"), make("30 days", "light")  # type: ignore[operator]
    for one in (kept, light):
        one.cycle()
        one.days(90)
    # Forever: every check-in of the 90 days is still in the calendar.
    assert len(kept.objects()) == len(kept.history()) > 3 * 12
    # 30 days: nothing that ended more than 30 days ago, and everything younger is there.
    cutoff = light.now - timedelta(days=30)
    starts = light.starts()
    assert all(start > cutoff - timedelta(days=1) for start in starts.values())
    younger = {uid for uid, _, start in light.history() if datetime.fromisoformat(start) > cutoff + timedelta(hours=1)}
    assert younger <= set(starts)
    assert len(starts) < len(kept.objects()) / 2
    # The store keeps everything: the same check-ins, the same statuses, the same contacts.
    assert light.history() == kept.history()
    assert light.store.contacts() == kept.store.contacts()


def test_what_the_user_touched_stays(life: object) -> None:
    one = life("30 days")  # type: ignore[operator]
    one.cycle()
    one.days(10)
    past = sorted((s for s in one.objects().values()), key=lambda s: s.event["dtstart"].dt)  # type: ignore[attr-defined]
    first, second = past[0], past[1]
    calendar = one.peer.calendar_url("Reconnect")
    assert one.peer.put(calendar, first.href, edited(first.data, summary="Lunch with Person 0"), first.etag) in (
        200,
        201,
        204,
    )
    moved = second.event["dtstart"].dt + timedelta(hours=2)
    assert one.peer.put(
        calendar, second.href, edited(second.data, dtstart=moved, dtend=moved + timedelta(minutes=15)), second.etag
    ) in (200, 201, 204)
    one.days(60)
    left = one.starts()
    assert first.uid in left and second.uid in left  # the user's edits keep them
    assert len(left) < len(one.history())  # and the untouched ones of the same weeks left


def test_an_edit_not_read_yet_answers_412_and_keeps_the_object(life: object) -> None:
    one = life(None)  # type: ignore[operator]
    one.cycle()
    one.days(40)
    oldest = min(one.objects().values(), key=lambda s: s.event["dtstart"].dt)  # type: ignore[attr-defined]
    calendar = one.peer.calendar_url("Reconnect")
    # The user edits it after our last read: the store still holds the ETag from before.
    one.peer.put(calendar, oldest.href, edited(oldest.data, summary="Called, long chat"), oldest.etag)
    cfg = one.configure("30 days")
    tidied = tidy(cfg, one.store, one.client, one.now)
    assert tidied.kept == 1 and tidied.error is None
    assert tidied.removed > 0
    assert oldest.uid in one.starts()
    assert one.store.owned()[oldest.uid].pinned  # the user's now: never tried again
    assert tidy(cfg, one.store, one.client, one.now).kept == 0


def test_removal_is_batched_over_cycles(life: object) -> None:
    one = life(None, people=12)  # type: ignore[operator]
    one.cycle()
    one.days(70)  # about 10 check-ins each, all kept: a backlog
    before = len(one.objects())
    one.cfg = one.configure("7 days")
    cleared = []
    for _ in range(4):
        one.day += 1
        cleared.append(one.cycle().cleared)
    assert cleared[0] == cleared[1] == BATCH  # never more than a batch a cycle
    assert 0 < cleared[2] < BATCH and cleared[3] < BATCH  # the backlog is gone after the third
    assert len(one.objects()) < before - 2 * BATCH


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1y", Cadence(months=12)), ("6 months", Cadence(months=6)), ("90 days", Cadence(days=90)), ("forever", None)],
)
def test_keep_history_is_read(value: str, expected: Cadence | None) -> None:
    cfg = parse_config(config_text("https://dav.example.com/", value), "config.yaml")
    assert cfg.calendar.keep_history == expected


def test_keep_history_defaults_to_a_year() -> None:
    assert parse_config(config_text("https://dav.example.com/", None), "c.yaml").calendar.keep_history == Cadence(
        months=12
    )


@pytest.mark.parametrize("value", ["soon", "0", "-1y", "11y"])
def test_a_bad_keep_history_is_refused_with_its_line(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(config_text("https://dav.example.com/", value), "config.yaml")
    text = str(caught.value)
    assert "config.yaml:6: calendar.keep_history:" in text
    assert "1y, 6 months or 90 days, or forever" in text
