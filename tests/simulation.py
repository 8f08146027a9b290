"""A simulated year: the real daemon, a real Radicale, a real phone, and a hostile world.

The daemon runs in a process of its own (tests/simdaemon.py) on a clock this harness moves.
Between moves, the world does its worst, at random from one seeded RNG:
- the user edits the calendar from another app: moves, deletions, ticks, events of their own;
- the user edits the config and reloads, sometimes with a mistake in it;
- the CalDAV server misbehaves through a fault proxy: refused, 503, 412, slow, hung;
- the phone's notification service goes down for a while;
- the daemon is killed with SIGKILL: at a random moment, after the server took a write but
  before the daemon heard back, or while a nudge is being delivered. Then it is restarted;
- the user runs `reconnectd sync` beside the daemon, at the minute a check-in comes due, while
  the daemon moves through that same minute: the two race to send its nudge.

It checks the invariants as it goes and once more at the end, and reports them as figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from faultproxy import Fault, FaultProxy
from peer import Peer, Stored, edited
from servers import HttpReceiver, RadicaleServer, RecordedRequest

from reconnectd.notify.outbox import catch_up_line
from reconnectd.policy.model import Nudge
from reconnectd.state.store import DELIVERY_LOCK

ZONE = ZoneInfo("Europe/London")
START = datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)
USER = "sim"
SECRET = "sim-secret-7f3a9c"  # must never appear in the daemon's log
CALENDAR = "Reconnect"
TIMEOUT = 2  # seconds, the daemon's calendar.timeout
WAIT_FOR_IDLE = 180.0  # real seconds before a silent daemon counts as hung
HERE = Path(__file__).parent
CADENCES = ["every 3 days", "weekly", "every 10 days", "2 weeks", "3w", "monthly", "every 6 weeks"]
# fmt: off
FIRST = ["Ada", "Ben", "Cleo", "Dev", "Esme", "Femi", "Gus", "Hana", "Ivo", "Jun",
         "Kit", "Lena", "Milo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tove"]
LAST = ["Abara", "Berg", "Costa", "Dunn", "Eze", "Fox", "Gill", "Holm", "Iqbal", "Jones",
        "Khan", "Lund", "Moss", "Nagy", "Okoro", "Park", "Quist", "Rossi", "Sato", "Tran"]
# fmt: on
INVALID_CONFIGS = {
    "a tab": "people:\n\t- name: Ada\n",
    "a bad cadence": "people:\n  - name: Ada\n    every: every blue moon\n",
    "a typo": "people:\n  - name: Ada\n    evry: weekly\n",
    "an impossible date": "people:\n  - name: Ada\n    every: weekly\n    dates:\n      - birthday: 02-30\n",
}


# -- the people and their config ---------------------------------------------------------


@dataclass
class SimPerson:
    name: str
    every: str
    birthday: str | None = None
    other: tuple[str, str] | None = None  # (label, YYYY-MM-DD)
    last_contact: date | None = None
    paused_until: date | None = None

    def yaml(self) -> str:
        lines = [f"  - name: {self.name}", f"    every: {self.every}"]
        if self.last_contact:
            lines.append(f"    last_contact: {self.last_contact}")
        if self.paused_until:
            lines += ["    status: paused", f"    until: {self.paused_until}"]
        dates = ([f"      - birthday: {self.birthday}"] if self.birthday else []) + (
            [f"      - {self.other[0]}: {self.other[1]}"] if self.other else []
        )
        if dates:
            lines += ["    dates:", *dates]
        return "\n".join(lines) + "\n"


def make_person(rng: random.Random, name: str, today: date) -> SimPerson:
    person = SimPerson(name, rng.choice(CADENCES), last_contact=today - timedelta(days=rng.randrange(0, 60)))
    if rng.random() < 0.4:
        person.birthday = f"{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    if rng.random() < 0.15:
        when = today + timedelta(days=rng.randrange(5, 300))
        person.other = (rng.choice(["exam", "moving day", "first day at work", "surgery"]), when.isoformat())
    return person


def config_text(people: list[SimPerson], calendar_url: str, phone_url: str) -> str:
    return (
        "timezone: Europe/London\n"
        "calendar:\n"
        f"  url: {calendar_url}\n  username: {USER}\n  password: {SECRET}\n  name: {CALENDAR}\n"
        f"  poll: 2h\n  full_poll: 12h\n  timeout: {TIMEOUT}s\n"
        f"notify:\n  urls:\n    - {phone_url}\n  expire: 1d\n"
        'schedule:\n  time: "09:00-21:00"\n  duration: 30m\n  max_per_day: 24\n'
        "people:\n" + "".join(p.yaml() for p in people)
    )


# -- what the harness saw ------------------------------------------------------------------


@dataclass
class Received:
    title: str
    body: str
    life: int  # which daemon process sent it (SIDE_SYNC: a `reconnectd sync` beside it)
    idles: int  # how many times that process had reported idle before this arrived


SIDE_SYNC = 0  # the life of a message that a `sync` beside the daemon sent


@dataclass
class Figures:
    seed: int
    days: int
    people: int
    moves: int = 0
    checkins_due: int = 0
    checkins_written: int = 0
    due_while_unreachable: int = 0
    nudges_queued: int = 0
    nudges_delivered: int = 0
    nudges_waiting: int = 0
    messages: int = 0
    duplicate_nudges: int = 0
    duplicates_after_crash: int = 0
    crashes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    phone_outages: int = 0
    side_syncs: int = 0
    sent_by_side_syncs: int = 0
    user_edits: Counter[str] = field(default_factory=Counter)
    reloads: Counter[str] = field(default_factory=Counter)
    contacts: int = 0
    duplicate_events: int = 0
    contacts_lost: int = 0
    nudges_lost: int = 0
    foreign_changed: int = 0
    edits_reverted: int = 0
    violations: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def spread(counter: Counter[str]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"

        return [
            f"seed {self.seed}: {self.days} days simulated with {self.people} people ({self.moves} clock moves)",
            f"check-ins: {self.checkins_due} came due, {self.checkins_written} of them written to the calendar"
            f" ({self.due_while_unreachable} planned and due while the server refused connections)",
            f"nudges: {self.nudges_queued} queued, {self.nudges_delivered} delivered, {self.nudges_waiting} waiting,"
            f" in {self.messages} messages",
            f"duplicate nudges: {self.duplicate_nudges} ({self.duplicates_after_crash} after a crash between"
            " delivery and recording)",
            f"crashes (SIGKILL): {sum(self.crashes.values())} ({spread(self.crashes)})",
            f"calendar faults: {sum(self.faults.values())} ({spread(self.faults)}); phone outages: {self.phone_outages}",
            f"syncs beside the daemon: {self.side_syncs} ({self.sent_by_side_syncs} nudges sent by them)",
            f"user edits: {sum(self.user_edits.values())} ({spread(self.user_edits)})",
            f"config reloads: {spread(self.reloads)}",
            f"duplicate events: {self.duplicate_events}; edits of yours reverted: {self.edits_reverted};"
            f" your own events changed: {self.foreign_changed}",
            f"lost: {self.contacts_lost} of {self.contacts} contact log entries, {self.nudges_lost} nudges",
            f"invariant violations: {len(self.violations)}",
        ]


class DaemonProcess:
    """One life of the daemon: a child process and its stdout, line by line."""

    def __init__(self, config: Path, state: Path, start: datetime, log: IO[str], life: int) -> None:
        self.life = life
        self.idles = 0
        self.killed = False
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "simdaemon.py"), str(config), str(state), _utc(start)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=HERE.parent,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.put(line.strip())
        self.lines.put(None)

    def close(self) -> None:
        """After its end: reap it and close our end of its stdin."""
        self.proc.wait(timeout=30)
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def advance(self, to: datetime) -> bool:
        """Move the clock; True once the daemon is idle at `to`, False if it died on the way."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(f"advance {_utc(to)}\n")
            self.proc.stdin.flush()
        except OSError:
            return False
        while True:
            try:
                line = self.lines.get(timeout=WAIT_FOR_IDLE)
            except queue.Empty:
                raise AssertionError(f"the daemon went silent before {to}") from None
            if line is None:
                self.proc.wait()
                return False
            if line.startswith("idle ") and datetime.fromisoformat(line.split()[1]) == to:
                self.idles += 1
                return True

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.killed = True
            os.kill(self.proc.pid, signal.SIGKILL)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            assert self.proc.stdin is not None
            self.proc.stdin.close()  # the simulated sleep reads stdin: let it see the end
        return self.proc.wait(timeout=30)


def _wait_until_open(process: subprocess.Popen[str], path: Path) -> None:
    """Until `process` has `path` open (or has ended): Linux's /proc lists what a process holds."""
    fds = Path(f"/proc/{process.pid}/fd")
    while process.poll() is None:
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) == str(path) for fd in fds.iterdir()):
                return
        time.sleep(0.02)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class Mirror:
    """The calendar as the user's other app sees it, kept current by sync-collection: a big
    calendar costs the server a listing of ETags per look, not a parse of every event."""

    def __init__(self, peer: Peer, url: str) -> None:
        self.peer, self.url, self.token = peer, url, ""
        self.objects: dict[str, Stored] = {}
        self.starts: dict[str, datetime | date | None] = {}

    def refresh(self) -> None:
        changed, deleted, self.token = self.peer.changes(self.url, self.token)
        stale = [h for h, etag in changed.items() if h not in self.objects or self.objects[h].etag != etag]
        for start in range(0, len(stale), 200):
            self.objects.update(self.peer.multiget(self.url, stale[start : start + 200]))
        for href in stale:
            self.starts[href] = _start(self.objects[href]) if href in self.objects else None
        for href in deleted:
            self.objects.pop(href, None)
            self.starts.pop(href, None)

    def between(self, start: datetime, end: datetime) -> dict[str, Stored]:
        self.refresh()
        return {
            h: self.objects[h] for h, when in self.starts.items() if when is not None and start <= _aware(when) < end
        }


def _start(stored: Stored) -> datetime | date | None:
    try:
        return (event := _event(stored)) and event.decoded("dtstart", None)  # type: ignore[no-any-return]
    except (ValueError, KeyError):
        return None


def _aware(when: datetime | date) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=ZONE)
    return datetime(when.year, when.month, when.day, tzinfo=ZONE)


# -- the simulation --------------------------------------------------------------------------


class Simulation:
    def __init__(
        self,
        workdir: Path,
        *,
        seed: int,
        days: int,
        people: int,
        crash_rate: float = 0.04,
        sync_rate: float = 0.05,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.workdir = workdir
        self.progress = progress
        self.rng = random.Random(seed)
        self.days = days
        self.crash_rate = crash_rate
        self.sync_rate = sync_rate
        self.side_sync: subprocess.Popen[str] | None = None
        self.side_pid: int | None = None  # while a side sync runs
        self.figures = Figures(seed, days, people)
        self.now = START
        self.config_path = workdir / "config.yaml"
        self.state_dir = workdir / "state"
        self.log_path = workdir / "daemon.log"
        today = START.date()
        names = [f"{first} {last}" for first in FIRST for last in LAST]
        if people > len(names) // 2:
            raise ValueError(f"at most {len(names) // 2} people (the rest join later)")
        self.rng.shuffle(names)
        self.spare_names = names[people:]
        self.people = [make_person(self.rng, name, today) for name in names[:people]]
        self.let_go: set[str] = set()
        self.config_broken_until: int | None = None  # a clock move after which the user fixes it
        # what the harness knows the world holds
        self.foreign: dict[str, bytes] = {}  # href -> the bytes the user's own events must keep
        self.moved: dict[str, datetime] = {}  # uid -> where the user put it
        self.ticked: dict[str, str] = {}  # uid -> person
        self.deleted: set[str] = set()
        self.seen_uids: set[str] = set()
        self.contact_log: set[tuple[Any, ...]] = set()
        self.received: list[Received] = []
        self.refused_for = 0
        self.phone_down_for = 0
        self.foreign_count = 0
        self.lives = 0
        self.lives_killed_at: dict[int, int] = {}  # life -> idle reports it made before the kill
        self.arm_send_crash = False  # kill the daemon when the phone next gets a nudge
        self.mirror: Mirror | None = None
        self.outages: list[tuple[datetime, datetime | None]] = []  # when the server refused connections

    # -- lifecycle ---------------------------------------------------------------------------

    def run(self) -> Figures:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (
            RadicaleServer(self.workdir / "radicale", users={USER: SECRET}) as server,
            FaultProxy(server.port) as proxy,
            HttpReceiver() as phone,
            self.log_path.open("a") as log,
        ):
            self.server, self.proxy, self.phone, self.log = server, proxy, phone, log
            self.peer = Peer(server.url, USER, SECRET)
            phone.on_request = self._phone_rang
            self.write_config()
            self.daemon = self._launch(self.now)
            try:
                self._live()
            finally:
                if self.side_sync is not None:
                    self.side_sync.kill()
                    self.side_sync.communicate()
                self.daemon.kill()
                self.daemon.close()
                self.peer.close()
        self._judge_store()
        self._judge_log()
        return self.figures

    def _live(self) -> None:
        end = START + timedelta(days=self.days)
        month = self.now.month
        while self.now < end:
            self.disturb()
            self.move_to(min(end, self.now + timedelta(minutes=self.rng.randrange(90, 480))))
            self.observe()
            if self.progress is not None and self.now.month != month:
                month = self.now.month
                crashes, faults = self.figures.crashes.total(), self.figures.faults.total()
                self.progress(f"{self.now:%d %b %Y}: {crashes} crashes, {faults} faults so far")
        self.calm()
        for _ in range(4):  # a quiet day and a half: everything pending gets through
            self.move_to(self.now + timedelta(hours=9))
            self.observe()
        self.check_ticks_reached_the_log()
        code = self.daemon.stop()
        if code != 0:
            self.violation(f"the daemon stopped with exit code {code} on SIGTERM")

    def _launch(self, at: datetime) -> DaemonProcess:
        self.log.flush()
        self.lives += 1
        return DaemonProcess(self.config_path, self.state_dir, at, self.log, self.lives)

    def move_to(self, to: datetime) -> None:
        """Advance the daemon's clock, restarting it after each crash, until it is idle at `to`."""
        self.figures.moves += 1
        due = self._next_due(to)
        if due is not None and self.rng.random() < self.sync_rate and self.config_broken_until is None:
            self._start_side_sync(min(due + timedelta(seconds=self.rng.choice([0, 0, 30])), to))
        timer = None
        if self.rng.random() < self.crash_rate / 3:
            timer = threading.Timer(self.rng.uniform(0, 0.4), self._crash, args=("at a random moment",))
            timer.start()
        while not self.daemon.advance(to):
            if timer is not None:
                timer.cancel()
            self._restart(to)
        if timer is not None:
            timer.cancel()
            timer.join()
        self.now = to
        if self.daemon.proc.poll() is not None:  # a late timer: killed while idle
            self._restart(to)
            self.daemon.advance(to)
        self._finish_side_sync()

    def _next_due(self, to: datetime) -> datetime | None:
        """When the next check-in comes due in this move, if one does."""
        if not (self.state_dir / "state.db").exists():
            return None
        with sqlite3.connect(f"file:{self.state_dir / 'state.db'}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT start FROM checkins WHERE status = 'scheduled'").fetchall()
        db.close()
        starts = [when for (text,) in rows if self.now < (when := datetime.fromisoformat(text)) <= to]
        return min(starts, default=None)

    def _start_side_sync(self, moment: datetime) -> None:
        """`reconnectd sync` at the minute a check-in comes due, while the daemon is moved through that
        same minute: the two race to send its nudge (the phone answers slowly meanwhile)."""
        self.log.flush()
        where = ["--config", str(self.config_path), "--state-dir", str(self.state_dir)]
        self.side_sync = subprocess.Popen(
            [sys.executable, "-m", "reconnectd", *where, "sync", "--now", _utc(moment)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=HERE.parent,
        )
        self.side_pid = self.side_sync.pid
        self.figures.side_syncs += 1
        _wait_until_open(self.side_sync, self.state_dir / "state.db")  # past its start-up: now they race
        time.sleep(self.rng.uniform(0, 1.5))  # and which of the two sends first varies

    def _finish_side_sync(self) -> None:
        sync = self.side_sync
        if sync is None:
            return
        try:
            _, err = sync.communicate(timeout=WAIT_FOR_IDLE)
        except subprocess.TimeoutExpired:
            sync.kill()
            _, err = sync.communicate()
            self.violation("a sync beside the daemon hung")
        self.side_sync = self.side_pid = None
        self.log.write(err)
        self.log.flush()
        sent = re.search(r"nudges: (\d+) sent", err)
        self.figures.sent_by_side_syncs += int(sent.group(1)) if sent else 0
        if sync.returncode == 1 and "calendar unavailable" in err:
            return  # a calendar fault the sync ran into: its nudges still went out, and it said so
        if sync.returncode != 0:
            self.violation(f"a sync beside the daemon exited with {sync.returncode}: {err.strip()[-300:]}")

    def _restart(self, at: datetime) -> None:
        """Start the daemon again after it died (it must have been killed)."""
        if not self.daemon.killed:
            self.violation(f"the daemon exited on its own (exit code {self.daemon.proc.returncode}) before {at}")
        if self.config_broken_until is not None:
            # A daemon cannot start on a broken config: it says why, with exit code 2.
            broken = self._launch(at)
            code = broken.proc.wait(timeout=60)
            broken.close()
            if code != 2:
                self.violation(f"starting on a broken config gave exit code {code}, not 2")
            self.figures.reloads["refused at start"] += 1
            self.fix_config()
        self.daemon.close()
        self.daemon = self._launch(at)

    def _crash(self, how: str) -> None:
        if self.daemon.proc.poll() is None:
            self.figures.crashes[how] += 1
            self.lives_killed_at[self.daemon.life] = self.daemon.idles
            self.daemon.kill()

    def _phone_rang(self, request: RecordedRequest, failure: int | None) -> None:
        if failure is not None:
            return  # the service is down: nothing reached the phone
        payload = request.json if isinstance(request.json, dict) else {}
        side = self.side_pid
        if side is not None:
            time.sleep(0.3)  # a slow phone while two processes race: the window a duplicate would need
        sender = SIDE_SYNC if side is not None and self._sender() == side else self.daemon.life
        self.received.append(
            Received(str(payload.get("title", "")), str(payload.get("message", "")), sender, self.daemon.idles)
        )
        if self.arm_send_crash and sender != SIDE_SYNC:
            self.arm_send_crash = False
            self._crash("while a nudge was delivered")

    def _sender(self) -> int | None:
        """Who sends: the process that holds the delivery lock, by the pid it wrote in it."""
        try:
            return int((self.state_dir / DELIVERY_LOCK).read_text())
        except (OSError, ValueError):
            return None

    # -- the world's doings ------------------------------------------------------------------

    def disturb(self) -> None:
        rng = self.rng
        self._recover()
        if rng.random() < 0.35:
            self.user_edit()
        if rng.random() < 0.03:
            self.change_config()
        if rng.random() < 0.015 and self.config_broken_until is None:
            self.break_config()
        if rng.random() < 0.08:
            self.calendar_fault()
        if rng.random() < 0.03 and not self.phone_down_for:
            self.phone_down_for = rng.randrange(1, 8)
            self.phone.fail_with = rng.choice([500, 503])
            self.figures.phone_outages += 1
        if rng.random() < self.crash_rate / 3:
            self.proxy.inject(Fault("after-write", 1, methods=frozenset({"PUT", "DELETE"}), hook=self._sync_crash))
        if rng.random() < self.crash_rate / 3:
            self.arm_send_crash = True

    def _sync_crash(self) -> None:
        self._crash("after the server took a write")

    def _recover(self) -> None:
        if self.refused_for:
            self.refused_for -= 1
            if not self.refused_for:
                self._reachable_again()
        if self.phone_down_for:
            self.phone_down_for -= 1
            if not self.phone_down_for:
                self.phone.fail_with = None
        if self.config_broken_until is not None and self.figures.moves >= self.config_broken_until:
            self.fix_config()

    def _reachable_again(self) -> None:
        if self.proxy.refusing:
            self.proxy.accept()
            self.outages[-1] = (self.outages[-1][0], self.now)

    def in_outage(self, moment: datetime) -> bool:
        """Within a stretch of refused connections, or the daemon's backoff (up to 30 min) after it."""
        return any(a <= moment <= (b or self.now) + timedelta(hours=1) for a, b in self.outages)

    def calm(self) -> None:
        """The end of the storm: no more faults, the phone back, the config fixed."""
        self.proxy.clear()
        self._reachable_again()
        self.refused_for = 0
        self.phone.fail_with = None
        self.phone_down_for = 0
        self.arm_send_crash = False
        if self.config_broken_until is not None:
            self.fix_config()

    def calendar_fault(self) -> None:
        kind = self.rng.choice(["refused", "503", "412", "slow", "timeout"])
        self.figures.faults[kind] += 1
        if kind == "refused":
            if not self.proxy.refusing:
                self.proxy.refuse()
                self.outages.append((self.now, None))
            self.refused_for = self.rng.randrange(1, 6)
        elif kind == "503":
            self.proxy.inject(Fault("status", self.rng.randrange(1, 6), status=503))
        elif kind == "412":
            self.proxy.inject(Fault("status", 1, status=412, methods=frozenset({"PUT", "DELETE"})))
        elif kind == "slow":
            self.proxy.inject(Fault("slow", self.rng.randrange(1, 4), delay=0.5))
        else:
            self.proxy.inject(Fault("hang", 1, delay=TIMEOUT + 0.5))

    # config

    def write_config(self, text: str | None = None) -> None:
        active = [p for p in self.people if p.name not in self.let_go]
        self.config_path.touch(mode=0o600)
        self.config_path.write_text(text or config_text(active, self.proxy.url, self.phone.json_url()))

    def reload(self) -> None:
        if self.daemon.proc.poll() is None:
            self.daemon.proc.send_signal(signal.SIGHUP)

    def change_config(self) -> None:
        rng = self.rng
        active = [p for p in self.people if p.name not in self.let_go]
        kind = rng.choice(["new rhythm", "someone new", "let go", "pause", "new rhythm"])
        if kind == "someone new" and self.spare_names:
            self.people.append(make_person(rng, self.spare_names.pop(), self.now.date()))
        elif kind == "let go" and len(active) > 10:
            self.let_go.add(rng.choice(active).name)
        elif kind == "pause":
            rng.choice(active).paused_until = self.now.date() + timedelta(days=rng.randrange(7, 60))
        else:
            kind = "new rhythm"
            rng.choice(active).every = rng.choice(CADENCES)
        self.figures.reloads[kind] += 1
        if self.config_broken_until is None:
            self.write_config()
            self.reload()

    def break_config(self) -> None:
        what = self.rng.choice(sorted(INVALID_CONFIGS))
        self.write_config(f"timezone: Europe/London\n{INVALID_CONFIGS[what]}")
        self.reload()
        self.figures.reloads[f"invalid ({what})"] += 1
        self.config_broken_until = self.figures.moves + self.rng.randrange(1, 6)

    def fix_config(self) -> None:
        self.config_broken_until = None
        self.write_config()
        self.reload()

    # the user's calendar app

    def calendar_url(self) -> str:
        if not hasattr(self, "_calendar_url"):
            self._calendar_url = self.peer.calendar_url(CALENDAR)
        return self._calendar_url

    def window(self) -> dict[str, Stored]:
        """Events from three days ago to four months ahead, from a mirror of the calendar."""
        if self.mirror is None:
            self.mirror = Mirror(self.peer, self.calendar_url())
        return self.mirror.between(self.now - timedelta(days=3), self.now + timedelta(days=120))

    def user_edit(self) -> None:
        try:
            url = self.calendar_url()
        except LookupError:
            return  # not created yet
        ours = {h: (s, event) for h, s in self.window().items() if (event := _event(s)) is not None and _ours(event)}
        timed = {h: v for h, v in ours.items() if isinstance(v[1].decoded("dtstart"), datetime)}
        ahead = {h: v for h, v in timed.items() if v[1].decoded("dtstart") > self.now and _uid(v[1]) not in self.ticked}
        kind = self.rng.choice(["move", "delete", "tick", "tick", "foreign", "foreign", "foreign edit"])
        if kind == "move" and ahead:
            href, (stored, event) = self.rng.choice(sorted(ahead.items()))
            shift = timedelta(hours=self.rng.choice([-3, 1, 2, 24, 49]))
            start = max(event.decoded("dtstart") + shift, self.now + timedelta(hours=1))
            length = event.decoded("dtend") - event.decoded("dtstart")
            moved = edited(stored.data, dtstart=start, dtend=start + length)
            if self.peer.put(url, href.rsplit("/", 1)[1], moved, stored.etag) < 300:
                self.moved[_uid(event)] = start
                self.figures.user_edits["moved"] += 1
        elif kind == "delete" and ahead:
            href, (stored, event) = self.rng.choice(sorted(ahead.items()))
            if self.peer.delete(url, href) < 300:
                self.deleted.add(_uid(event))
                self.moved.pop(_uid(event), None)
                self.figures.user_edits["deleted"] += 1
        elif kind == "tick":
            recent = {
                h: v
                for h, v in timed.items()
                if abs(v[1].decoded("dtstart") - self.now) < timedelta(days=2) and _uid(v[1]) not in self.ticked
            }
            if recent:
                href, (stored, event) = self.rng.choice(sorted(recent.items()))
                ticked = edited(stored.data, summary="✓ " + str(event["summary"]))
                if self.peer.put(url, href.rsplit("/", 1)[1], ticked, stored.etag) < 300:
                    self.ticked[_uid(event)] = str(event["x-reconnectd-person"])
                    self.figures.user_edits["ticked"] += 1
        elif kind == "foreign edit" and self.foreign:
            href = self.rng.choice(sorted(self.foreign))
            if self.rng.random() < 0.5:
                self.peer.delete(url, href)
                del self.foreign[href]
                self.figures.user_edits["own event deleted"] += 1
            else:
                self._put_foreign(url, href.rsplit("/", 1)[1], "rescheduled")
                self.figures.user_edits["own event edited"] += 1
        else:
            self.foreign_count += 1
            self._put_foreign(url, f"mine-{self.foreign_count}.ics", "dentist")
            self.figures.user_edits["own event added"] += 1

    def _put_foreign(self, url: str, name: str, summary: str) -> None:
        start = self.now + timedelta(days=self.rng.randrange(0, 30), hours=self.rng.randrange(0, 12))
        zone = self.rng.choice(["Europe/London", "Mars/Olympus_Mons", "America/New_York"])
        extra = self.rng.choice(["", "LOCATION:Somewhere nice\r\n", "X-THEIR-APP-FLAG:1\r\n"])
        data = (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Another app//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:their-{name}-{self.rng.getrandbits(32):08x}\r\nDTSTAMP:20261101T090000Z\r\n"
            f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}\r\nDTEND;TZID={zone}:{start + timedelta(hours=1):%Y%m%dT%H%M%S}\r\n"
            f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        if self.peer.put(url, name, data.encode()) < 300:
            href = urlsplit(url).path.rstrip("/") + "/" + name
            self.foreign[href] = self.peer.multiget(url, [href])[href].data

    # -- invariants --------------------------------------------------------------------------

    def violation(self, what: str) -> None:
        self.figures.violations.append(f"{self.now:%Y-%m-%d %H:%M}: {what}")

    def observe(self) -> None:
        """After each move: the calendar and the contact log, against what we know."""
        try:
            window = self.window()
        except LookupError:
            return  # the daemon has not created the calendar yet
        by_uid: dict[str, list[str]] = {}
        by_slot: Counter[tuple[str, datetime]] = Counter()
        for href, stored in window.items():
            event = _event(stored)
            if event is None or not _ours(event):
                continue
            uid = _uid(event)
            self.seen_uids.add(uid)
            by_uid.setdefault(uid, []).append(href)
            by_slot[(str(event["x-reconnectd-person"]), event.decoded("dtstart"))] += 1
            if uid in self.deleted:
                self.figures.edits_reverted += 1
                self.violation(f"a check-in the user deleted came back: {uid}")
            if uid in self.moved and event.decoded("dtstart") != self.moved[uid]:
                self.figures.edits_reverted += 1
                self.violation(f"a move was reverted: {uid} is at {event.decoded('dtstart')}, not {self.moved[uid]}")
            if uid in self.ticked and not str(event["summary"]).startswith("✓"):
                self.figures.edits_reverted += 1
                self.violation(f"a tick was reverted: {uid} reads {event['summary']!r}")
        for uid, hrefs in by_uid.items():
            if len(hrefs) > 1:
                self.figures.duplicate_events += 1
                self.violation(f"duplicate event: {uid} at {hrefs}")
        for slot, count in by_slot.items():
            if count > 1:
                self.figures.duplicate_events += 1
                self.violation(f"{count} events for {slot[0]} at {slot[1]}")
        assert self.mirror is not None
        stored = self.mirror.objects
        for href, data in self.foreign.items():
            if href not in stored:
                self.figures.foreign_changed += 1
                self.violation(f"the user's own event {href} is gone")
            elif stored[href].data != data:
                self.figures.foreign_changed += 1
                self.violation(f"the user's own event {href} was changed")
        self._check_contact_log()

    def _check_contact_log(self) -> None:
        db = self.state_dir / "state.db"
        if not db.exists():
            return
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            rows = set(connection.execute("SELECT person, at, outcome, note, source FROM contacts").fetchall())
        connection.close()
        lost = self.contact_log - rows
        if lost:
            self.figures.contacts_lost += len(lost)
            self.violation(f"{len(lost)} contacts vanished from the log: {sorted(lost)[:3]}")
        self.contact_log |= rows

    def check_ticks_reached_the_log(self) -> None:
        people = {row[0] for row in self.contact_log if row[4] == "calendar"}
        for uid, person in self.ticked.items():
            if person not in people and person not in self.let_go:
                self.figures.contacts_lost += 1
                self.violation(f"a tick on {uid} never reached the contact log")

    def _judge_store(self) -> None:
        """At the end, from the daemon's store: what came due, what was written and nudged."""
        f = self.figures
        with sqlite3.connect(f"file:{self.state_dir / 'state.db'}?mode=ro", uri=True) as db:
            checkins = db.execute("SELECT uid, person, start, status FROM checkins").fetchall()
            nudges = db.execute("SELECT key, person, due, title, body, done_at FROM nudges").fetchall()
            contacts = db.execute("SELECT person, at FROM contacts").fetchall()
        db.close()
        f.contacts = len(self.contact_log)
        deliveries = self._match_messages(nudges)
        keys_of: dict[str, list[str]] = {}
        for key, *_ in nudges:
            keys_of.setdefault(key.split("@", 1)[0], []).append(key)
        nudged_days = {(p, datetime.fromisoformat(due).astimezone(ZONE).date()) for _, p, due, *_ in nudges}
        contact_days = {(p, datetime.fromisoformat(at).astimezone(ZONE).date()) for p, at in contacts}
        end = self.now
        for uid, person, start_text, status in checkins:
            start = datetime.fromisoformat(start_text)
            if start > end - timedelta(hours=1) or status not in ("passed", "done"):
                continue
            if uid in self.ticked and status == "done" and not keys_of.get(uid):
                continue  # ticked before it came due: no nudge needed
            f.checkins_due += 1
            if uid in self.seen_uids:
                f.checkins_written += 1
            elif self.in_outage(start):
                f.due_while_unreachable += 1  # planned and due while the server refused us: nudged only
            else:
                self.violation(f"{uid} came due but was never seen in the calendar")
            day = (person, start.astimezone(ZONE).date())
            if not keys_of.get(uid) and day not in nudged_days and day not in contact_days:
                self.violation(f"{uid} came due at {start} without a nudge")
        for key, person, due, _title, _body, done_at in nudges:
            f.nudges_queued += 1
            copies = deliveries.get(key, [])
            if copies:
                f.nudges_delivered += 1
            elif done_at is None:
                f.nudges_waiting += 1
            else:
                self.figures.nudges_lost += 1
                self.violation(f"the nudge {key} for {person} ({due}) was marked sent but never arrived")
            for earlier in copies[:-1]:  # each later copy is a duplicate
                f.duplicate_nudges += 1
                if self._at_risk(earlier):
                    f.duplicates_after_crash += 1
                else:
                    self.violation(f"the nudge {key} arrived twice with no crash between")
        if f.nudges_waiting:
            self.violation(f"{f.nudges_waiting} nudges still waiting after a calm day and a half")

    def _at_risk(self, message: Received) -> bool:
        """Delivered in a life that was killed before it could report idle again."""
        return self.lives_killed_at.get(message.life) == message.idles

    def _match_messages(self, nudges: list[tuple[Any, ...]]) -> dict[str, list[Received]]:
        """Which nudge each message on the phone carried (a single one, or lines of a catch-up)."""
        by_text = {(title, body): key for key, _p, _d, title, body, _done in nudges}
        by_line = {
            catch_up_line(Nudge(key, p, datetime.fromisoformat(d), title, body), ZONE): key
            for key, p, d, title, body, _done in nudges
        }
        found: dict[str, list[Received]] = {}
        for message in self.received:
            self.figures.messages += 1
            if message.title.startswith("Catching up: "):
                keys = [by_line.get(line) for line in message.body.splitlines()]
            else:
                keys = [by_text.get((message.title, message.body))]
            for key in keys:
                if key is None:
                    self.violation(f"a message on the phone matches no nudge: {message.title!r}")
                else:
                    found.setdefault(key, []).append(message)
        return found

    def _judge_log(self) -> None:
        text = self.log_path.read_text()
        if SECRET in text:
            self.violation("the password appeared in the daemon's log")
        if "Traceback" in text:
            self.violation("a traceback in the daemon's log")
        invalid = sum(v for k, v in self.figures.reloads.items() if k.startswith("invalid"))
        refused = text.count("config not reloaded")
        if invalid and not refused:
            self.violation("invalid configs were reloaded without a word")


# -- reading events ------------------------------------------------------------------------------


def _event(stored: Stored) -> icalendar.Component | None:
    try:
        return stored.event
    except (ValueError, StopIteration):
        return None


def _ours(event: icalendar.Component) -> bool:
    return "x-reconnectd-person" in event


def _uid(event: icalendar.Component) -> str:
    return str(event["uid"])


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the simulated year and print its figures.")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(2**32))
    parser.add_argument("--crash-rate", type=float, default=0.04, help="chance of arming a crash per clock move")
    parser.add_argument(
        "--sync-rate", type=float, default=0.05, help="chance of a `reconnectd sync` beside the daemon per clock move"
    )
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (the daemon's log is there)")
    options = parser.parse_args()
    print(f"seed {options.seed} (rerun with --seed {options.seed})", flush=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="reconnectd-soak-") as scratch:
        workdir = options.keep or Path(scratch)
        figures = Simulation(
            workdir,
            seed=options.seed,
            days=options.days,
            people=options.people,
            crash_rate=options.crash_rate,
            sync_rate=options.sync_rate,
            progress=lambda line: print(line, flush=True),
        ).run()
    print("\n".join(figures.lines()))
    print("\n".join(figures.violations[:50]))
    print(f"took {time.monotonic() - began:.0f} s")
    return 1 if figures.violations else 0


if __name__ == "__main__":
    sys.exit(main())
