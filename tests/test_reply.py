"""The calendar is the reply: moves, deletions and ticks made in another client are respected.

Each test acts as the user's calendar app (a second CalDAV client) between reconnectd's syncs,
on Radicale and on Xandikos.
"""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from command import run_command
from conftest import CalDAVServerInfo
from faultproxy import FaultProxy
from peer import Peer, Stored, edited, foreign_event
from servers import HttpReceiver, RecordedRequest

from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.session import Conflict
from reconnectd.config.load import load_config
from reconnectd.daemon.cycle import run_cycle
from reconnectd.notify.notifier import Notifier
from reconnectd.state import Store

LONDON = ZoneInfo("Europe/London")
PRIYA = """\
- name: Priya
  every: 2 weeks
  prefers: voice note
  last_contact: 2026-11-02
"""


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


class User:
    """reconnectd through its CLI, and the user's own calendar app beside it."""

    def __init__(self, tmp_path: Path, server: CalDAVServerInfo, receiver: HttpReceiver) -> None:
        self.tmp_path = tmp_path
        self.server = server
        self.receiver = receiver
        self.state = tmp_path / "state"
        self.config = tmp_path / "config.yaml"
        self.app = Peer(server.url, server.username, server.password)

    def configure(self, people: str = PRIYA, extra: str = "") -> None:
        login = (
            f"  username: {self.server.username}\n  password: {self.server.password}\n" if self.server.username else ""
        )
        self.config.write_text(
            "timezone: Europe/London\n"
            f"calendar:\n  url: {self.server.url}\n  name: Reconnect\n{login}{extra}"
            f"notify:\n  urls:\n    - {self.receiver.json_url()}\n"
            "people:\n" + textwrap.indent(people, "  ")
        )

    def cli(self, *args: str) -> int:
        return run_command(self.config, self.state, *args)

    def sync(self, now: str) -> None:
        assert self.cli("sync", "--now", now) == 0

    @property
    def calendar(self) -> str:
        return self.app.calendar_url("Reconnect")

    def ours(self) -> list[Stored]:
        """Our objects in the calendar, oldest first."""
        found = [s for s in self.app.objects(self.calendar).values() if s.uid.startswith("reconnectd-")]
        return sorted(found, key=lambda s: s.event["dtstart"].dt)

    def upcoming(self, now: datetime) -> Stored:
        (item,) = [s for s in self.ours() if s.event["dtstart"].dt > now]
        return item

    def edit(self, stored: Stored, **changes: object) -> None:
        """Change properties of an object as a calendar app would, and save it with If-Match."""
        status = self.app.put(
            self.calendar, stored.href.rsplit("/", 1)[-1], edited(stored.data, **changes), stored.etag
        )
        assert status in (200, 201, 204)

    def nudges(self) -> list[str]:
        return [r.json["title"] for r in self.receiver.requests]  # type: ignore[index]


@pytest.fixture
def user(tmp_path: Path, caldav_server: CalDAVServerInfo, http_receiver: HttpReceiver) -> Iterator[User]:
    u = User(tmp_path, caldav_server, http_receiver)
    u.configure()
    yield u
    u.app.close()


def through(proxy: FaultProxy, url: str) -> str:
    """`url` by way of the proxy, which counts what the server is asked (not what the client thinks)."""
    return url.replace(f":{urlsplit(url).port}/", f":{proxy.port}/", 1)


def asked(proxy: FaultProxy) -> int:
    return sum(proxy.requests.values())


def status_json(user: User, now: str, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    capsys.readouterr()
    assert user.cli("status", "--json", "--now", now) == 0
    return {row["name"]: row for row in json.loads(capsys.readouterr().out)["people"]}


def test_a_moved_checkin_stays_where_the_user_put_it_and_nudges_there(user: User) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    assert planned.event["dtstart"].dt == london(2026, 11, 16, 18, 0)
    user.edit(planned, dtstart=london(2026, 11, 18, 12, 30), dtend=london(2026, 11, 18, 12, 45))
    user.sync("2026-11-10T10:00")
    user.configure(PRIYA.replace("2 weeks", "weekly"))  # a cadence change does not move it back either
    user.sync("2026-11-10T10:05")
    user.sync("2026-11-16T18:00")  # the old time passes without a nudge
    assert user.nudges() == []
    after = user.upcoming(london(2026, 11, 10, 9, 0))
    assert after.uid == planned.uid
    assert after.event["dtstart"].dt == london(2026, 11, 18, 12, 30)
    user.sync("2026-11-18T12:30")
    assert user.nudges() == ["Check in with Priya"]
    user.sync("2026-11-18T12:35")
    assert user.nudges() == ["Check in with Priya"]


def test_a_deleted_checkin_is_skipped_and_never_comes_back(user: User) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    assert user.app.delete(user.calendar, planned.href) in (200, 204)
    for now in ("2026-11-10T10:00", "2026-11-11T10:00", "2026-11-16T18:00", "2026-11-20T10:00"):
        user.sync(now)
        assert planned.uid not in {s.uid for s in user.ours()}
    following = user.upcoming(london(2026, 11, 10, 9, 0))
    assert following.event["dtstart"].dt == london(2026, 11, 30, 18, 0)  # one cadence after the skipped one
    assert user.nudges() == []


def test_a_checkin_deleted_right_after_it_was_written_is_seen_at_the_next_poll(user: User) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    assert user.app.delete(user.calendar, planned.href) in (200, 204)
    user.sync("2026-11-10T09:10")  # a quick poll from the sync token, not a full comparison
    following = user.upcoming(london(2026, 11, 10, 9, 0))
    assert following.uid != planned.uid
    assert following.event["dtstart"].dt == london(2026, 11, 30, 18, 0)


def test_ticking_off_in_the_title_records_a_contact_and_moves_the_next(
    user: User, capsys: pytest.CaptureFixture[str]
) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    user.sync("2026-11-16T18:00")  # it comes due and is nudged
    user.edit(planned, summary="✓ Check in with Priya - lovely long chat")
    user.sync("2026-11-17T09:00")
    row = status_json(user, "2026-11-17T09:00", capsys)["Priya"]
    assert row["last_contact"] == "2026-11-16"
    assert row["last_outcome"] == "replied"
    assert row["overdue_days"] == 0
    following = user.upcoming(london(2026, 11, 17, 9, 0))
    assert following.event["dtstart"].dt == london(2026, 11, 30, 18, 0)
    ticked = next(s for s in user.ours() if s.uid == planned.uid)
    assert str(ticked.event["summary"]).startswith("✓")  # the user's title is never reverted


@pytest.mark.parametrize("title", ["done, no reply yet", "[x] Check in with Priya", "Done"])
def test_the_tick_grammar_is_easy_to_type(user: User, title: str, capsys: pytest.CaptureFixture[str]) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    user.edit(planned, summary=title)
    user.sync("2026-11-12T09:00")
    row = status_json(user, "2026-11-12T09:00", capsys)["Priya"]
    assert row["last_contact"] == "2026-11-12"  # the event was still ahead, so the contact is now
    assert row["last_outcome"] == ("no reply" if "no reply" in title else "replied")


def test_a_passed_checkin_stays_as_history_and_the_next_follows_a_cadence_later(
    user: User, capsys: pytest.CaptureFixture[str]
) -> None:
    user.sync("2026-11-10T09:00")
    first = user.upcoming(london(2026, 11, 10, 9, 0))
    user.sync("2026-11-16T18:00")
    user.sync("2026-11-20T09:00")
    assert user.ours()[0].uid == first.uid
    assert user.upcoming(london(2026, 11, 20, 9, 0)).event["dtstart"].dt == london(2026, 11, 30, 18, 0)
    assert status_json(user, "2026-11-20T09:00", capsys)["Priya"]["overdue_days"] == 4
    assert user.nudges() == ["Check in with Priya"]


def test_a_passed_checkin_dragged_into_the_future_is_due_again_there(user: User) -> None:
    user.sync("2026-11-10T09:00")
    first = user.upcoming(london(2026, 11, 10, 9, 0))
    user.sync("2026-11-16T18:00")
    user.edit(first, dtstart=london(2026, 11, 19, 18, 0), dtend=london(2026, 11, 19, 18, 15))
    user.sync("2026-11-17T09:00")
    assert [s.uid for s in user.ours() if s.event["dtstart"].dt > london(2026, 11, 17, 9, 0)] == [first.uid]
    user.sync("2026-11-19T18:00")
    assert user.nudges() == ["Check in with Priya", "Check in with Priya"]
    assert user.upcoming(london(2026, 11, 19, 18, 0)).event["dtstart"].dt == london(2026, 12, 3, 18, 0)


def test_in_task_mode_completing_the_todo_records_the_contact(user: User, capsys: pytest.CaptureFixture[str]) -> None:
    user.configure(extra="  component: todo\n")
    user.sync("2026-11-10T09:00")
    task = user.upcoming(london(2026, 11, 10, 9, 0))
    assert task.event.name == "VTODO"
    assert task.event["due"].dt == london(2026, 11, 16, 18, 15)
    assert task.event["dtstart"].dt == london(2026, 11, 16, 18, 0)
    user.edit(
        task, status="COMPLETED", completed=datetime(2026, 11, 14, 20, 0, tzinfo=UTC), **{"percent-complete": 100}
    )
    user.sync("2026-11-15T09:00")
    assert status_json(user, "2026-11-15T09:00", capsys)["Priya"]["last_contact"] == "2026-11-14"
    completed, following = user.ours()
    assert completed.uid == task.uid
    assert str(completed.event["status"]) == "COMPLETED"  # left as the task app made it
    assert following.event["due"].dt == london(2026, 11, 28, 18, 15)


def test_an_object_renamed_by_another_client_is_followed_not_skipped(user: User) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    assert user.app.delete(user.calendar, planned.href) in (200, 204)
    assert user.app.put(user.calendar, "renamed-by-phone.ics", planned.data) in (201, 204)
    user.sync("2026-11-10T10:00")
    (only,) = user.ours()
    assert only.href.endswith("renamed-by-phone.ics")
    user.configure(PRIYA.replace("2 weeks", "weekly"))
    user.sync("2026-11-10T10:05")
    (moved,) = user.ours()
    assert moved.href.endswith("renamed-by-phone.ics")
    assert moved.event["dtstart"].dt == london(2026, 11, 10, 18, 0)


def test_hostile_foreign_objects_never_stop_a_sync(user: User) -> None:
    user.sync("2026-11-10T09:00")
    huge = foreign_event("huge-1", "Huge", b"DESCRIPTION:" + b"x" * 200_000 + b"\r\n")
    odd = foreign_event("odd-1", "Caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x8e\x89", b'X-WEIRD;FOO="bar":\xe2\x80\x8b\r\n')
    for name, data in (("huge.ics", huge), ("odd.ics", odd)):
        assert user.app.put(user.calendar, name, data) in (201, 204)
    before = {h: s.data for h, s in user.app.objects(user.calendar).items() if h.endswith(("huge.ics", "odd.ics"))}
    user.sync("2026-11-10T10:00")
    user.configure(PRIYA.replace("2 weeks", "weekly"))
    user.sync("2026-11-10T10:05")
    after = user.app.objects(user.calendar)
    assert {h: after[h].data for h in before} == before
    assert user.upcoming(london(2026, 11, 10, 9, 0)).event["dtstart"].dt == london(2026, 11, 10, 18, 0)


def test_a_write_against_a_stale_etag_is_refused_and_the_users_edit_wins(user: User) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    user.edit(planned, summary="Check in with Priya (moved to lunch)")
    server = user.server
    with CalendarClient(server.url, server.username, server.password) as client:
        client.open("Reconnect")
        with pytest.raises(Conflict):
            client.update(planned.href, planned.etag, planned.data)
    assert "moved to lunch" in str(user.upcoming(london(2026, 11, 10, 9, 0)).event["summary"])


def test_a_no_change_poll_costs_at_most_two_requests_whatever_the_number_of_people(
    user: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = "".join(f"- name: Person {i}\n  every: {1 + i % 5} weeks\n" for i in range(60))
    user.configure(people)
    config = load_config(user.config)
    now = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    server = user.server
    with (
        FaultProxy(server.server.port) as proxy,
        Store(tmp_path / "poll.db") as store,
        CalendarClient(through(proxy, server.url), server.username, server.password) as client,
    ):
        client.open("Reconnect")
        first = run_cycle(config, store, client, Notifier(()), now)
        assert first.created == 60
        counts = []
        for minutes in (5, 10, 15):
            before = asked(proxy)
            report = run_cycle(config, store, client, Notifier(()), now + timedelta(minutes=minutes))
            counts.append(asked(proxy) - before)
            assert report.wrote == 0
    with capsys.disabled():
        print(f"\n[{server.kind}] no-change poll with 60 people: {counts} HTTP requests")
    assert max(counts) <= 2


def test_finding_the_calendar_costs_two_or_three_requests_whatever_the_calendars_and_none_once_known(
    user: User,
) -> None:
    server = user.server
    login = (server.username, server.password)
    challenge = 1 if server.username else 0  # Radicale asks for the login once (HTTP 401)

    def opened(url: str, known: str | None = None) -> tuple[str, int]:
        """The calendar found from `url`, and how many requests the server got on the way."""
        with FaultProxy(server.server.port) as proxy, CalendarClient(through(proxy, url), *login) as client:
            client.open("Reconnect", known and through(proxy, known))
            return client.url.replace(f":{proxy.port}/", f":{server.server.port}/"), asked(proxy)

    created, _ = opened(server.url)
    principal = user.app.client.get_principal()
    for n in range(4):  # other calendars, two of them without a display name
        principal.make_calendar(name=f"Other {n}" if n % 2 else None, cal_id=f"other-{n}")
    found, cost = opened(server.url)
    assert found == created
    # The principal, then its home: Radicale's principal is its own home and lists it too.
    assert cost - challenge == (2 if server.kind == "radicale" else 3)
    assert opened(str(principal.url)) == (created, 2 + challenge)  # the principal's URL names the home at once
    assert opened(server.url, known=created) == (created, 0)  # a remembered URL: proven by the first read
    with CalendarClient(server.url, server.username, server.password) as client:
        listed = {url.rstrip("/").rsplit("/", 1)[-1]: display for display, url in client.calendars()}
    assert {"reconnect", "other-0", "other-1", "other-2", "other-3"} <= set(listed)
    assert (listed["reconnect"], listed["other-1"], listed["other-3"]) == ("Reconnect", "Other 1", "Other 3")


def test_a_rejected_sync_token_falls_back_to_comparing_every_object(user: User) -> None:
    user.sync("2026-11-10T09:00")
    user.sync("2026-11-10T09:05")  # now holding a sync token
    with Store(user.state / "state.db") as store:
        assert store.get_meta("sync_token")
        store.set_meta("sync_token", "http://example.invalid/sync/not-a-real-token")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    user.edit(planned, dtstart=london(2026, 11, 17, 8, 0), dtend=london(2026, 11, 17, 8, 15))
    user.sync("2026-11-10T09:10")
    assert user.upcoming(london(2026, 11, 10, 9, 0)).event["dtstart"].dt == london(2026, 11, 17, 8, 0)
    with Store(user.state / "state.db") as store:
        assert store.get_meta("sync_token") != "http://example.invalid/sync/not-a-real-token"
    user.sync("2026-11-17T08:00")
    assert user.nudges() == ["Check in with Priya"]


def test_writes_in_parallel_all_land_once_conflicts_are_results_and_requests_add_up(user: User) -> None:
    server = user.server
    with (
        FaultProxy(server.server.port) as proxy,
        CalendarClient(through(proxy, server.url), server.username, server.password) as client,
    ):
        client.open("Parallel")
        before, asked_before = client.requests, proxy.requests.get("PUT", 0)
        items = [f"reconnectd-test-{i}" for i in range(12)]
        body = foreign_event("{uid}", "x")

        def send(uid: str, c: CalendarClient) -> object:
            return c.create(uid, body.replace(b"{uid}", uid.encode()))

        results = dict(client.run_all(items, send, concurrency=4))
        assert sorted(results) == sorted(items)
        assert proxy.requests.get("PUT", 0) - asked_before == 12  # one PUT each reached the server
        assert client.requests - before == 12  # and the count the request budget reads agrees, clones and all
        hrefs = {results[i].href: results[i].etag for i in items}  # type: ignore[attr-defined]
        stale = [(href, '"not-the-etag"') for href in list(hrefs)[:3]]
        outcomes = dict(client.run_all(stale, lambda h, c: c.update(h[0], h[1], body.replace(b"{uid}", b"y")), 4))
        assert sorted(outcomes) == sorted(stale)  # each stale write has its result
        assert all(isinstance(o, Conflict) for o in outcomes.values())
    stored = user.app.objects(user.app.calendar_url("Parallel")).values()
    assert sorted(str(s.event["summary"]) for s in stored) == ["x"] * 12  # and none of them landed


def test_a_server_too_busy_for_parallel_writes_gets_them_one_at_a_time(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    in_flight, most = 0, 0
    lock = threading.Lock()

    def held(_request: RecordedRequest, _status: int | None) -> None:
        """Each write stays on the server a moment, so writes sent together are seen together."""
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.05)  # widens the window only: writes one after another can never overlap
        with lock:
            in_flight -= 1

    def write(items: list[str]) -> dict[str, object]:
        body = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        return dict(client.run_all(items, lambda uid, c: c.create(uid, body), 4))

    http_receiver.fail_next = (3, 423)  # the first three writes find the server locked
    with CalendarClient(http_receiver.base_url, None, None) as client:
        client.url = http_receiver.base_url + "cal/"
        first = [f"reconnectd-busy-{i}" for i in range(6)]
        assert sorted(write(first)) == sorted(first)  # every write landed in the end
        assert len([r for r in http_receiver.requests if r.method == "PUT"]) == 9
        http_receiver.on_request = held
        later = [f"reconnectd-later-{i}" for i in range(6)]
        assert sorted(write(later)) == sorted(later)
    assert most == 1  # from then on the server never had two of our writes at once
    assert len([r for r in http_receiver.requests if r.method == "PUT"]) == 9 + 6


def test_a_long_first_sync_reports_its_progress(user: User, tmp_path: Path) -> None:
    user.configure("".join(f"- name: Person {i}\n  every: weekly\n" for i in range(25)))
    config = load_config(user.config)
    seen: list[tuple[int, int]] = []
    server = user.server
    with Store(tmp_path / "p.db") as store, CalendarClient(server.url, server.username, server.password) as client:
        client.open("Reconnect")
        run_cycle(
            config,
            store,
            client,
            Notifier(()),
            datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
            progress=lambda d, t: seen.append((d, t)),
        )
        assert sorted(seen) == [(n, 25) for n in range(1, 26)]
        seen.clear()
        run_cycle(
            config,
            store,
            client,
            Notifier(()),
            datetime(2026, 11, 10, 9, 5, tzinfo=UTC),
            progress=lambda d, t: seen.append((d, t)),
        )
        assert seen == []  # nothing to write, nothing to show


def test_undo_withdraws_a_tick_and_the_tick_is_never_read_again(user: User, capsys: pytest.CaptureFixture[str]) -> None:
    user.sync("2026-11-10T09:00")
    planned = user.upcoming(london(2026, 11, 10, 9, 0))
    user.sync("2026-11-16T18:00")  # it comes due and is nudged
    user.edit(planned, summary="✓ Check in with Priya")
    user.sync("2026-11-17T09:00")
    assert user.upcoming(london(2026, 11, 17, 9, 0)).event["dtstart"].dt == london(2026, 11, 30, 18, 0)
    capsys.readouterr()
    assert user.cli("undo", "Priya", "--now", "2026-11-17T09:05") == 0
    assert capsys.readouterr().out.startswith(
        "Withdrew Priya's contact of Mon 16 Nov 2026 (ticked in the calendar); their next check-in is back on"
        " Mon 30 Nov 2026 18:00."  # one cadence after the check-in that passed, as if it was never ticked
    )
    ticked = next(s for s in user.ours() if s.uid == planned.uid)
    user.edit(ticked, description="edited again later")  # a new ETag: the object is read again
    user.sync("2026-11-17T10:00")
    user.sync("2026-11-18T10:00")  # a full poll too
    assert user.cli("history", "Priya") == 0
    assert capsys.readouterr().out.splitlines() == ["Mon 16 Nov 2026  calendar  (withdrawn on Tue 17 Nov 2026)"]
    assert str(next(s for s in user.ours() if s.uid == planned.uid).event["summary"]).startswith("✓")  # left as is
