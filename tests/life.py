"""A daemon driven by a fake clock, with its config file, its calendar and the phone its nudges reach.

Shared by the daemon tests and the bad-config corpus (a running daemon reloaded with each case).
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from servers import HttpReceiver, RadicaleServer, free_port

from reconnectd.daemon.loop import Daemon
from reconnectd.daemon.runtime import Runtime, open_runtime, read_config
from reconnectd.daemon.sdnotify import SystemdNotifier
from reconnectd.logs import Redactor

LONDON = ZoneInfo("Europe/London")
PEOPLE = """\
- name: Priya
  every: weekly
  last_contact: 2026-11-05
- name: Sam
  every: weekly
  last_contact: 2026-11-06
"""


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Unreachable:
    """A calendar server that is down: nothing listens on its port."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{free_port()}/"


class Life:
    """A daemon, its clock, its calendar server, and the phone that receives its nudges."""

    def __init__(
        self, tmp_path: Path, server: RadicaleServer | Unreachable, phone: HttpReceiver, extra: str = ""
    ) -> None:
        self.server = server
        self.phone = phone
        self.path = tmp_path / "config.yaml"
        self.write(extra)
        self.clock = Clock(london(2026, 11, 10, 9, 0))
        self.redactor = Redactor()  # nothing here logs through it: these tests read their logs whole
        self.runtime: Runtime = open_runtime(read_config(self.path, self.redactor), tmp_path / "state")
        self.daemon = Daemon(
            self.runtime, self.clock, SystemdNotifier(None), reload_config=lambda: read_config(self.path, self.redactor)
        )

    def write(self, extra: str = "", people: str = PEOPLE) -> None:
        self.path.write_text(
            "timezone: Europe/London\n"
            f"calendar:\n  url: {self.server.url}\n  username: me\n  password: x\n  poll: 1h\n"
            f"notify:\n  urls:\n    - {self.phone.json_url()}\n{textwrap.indent(extra, '  ')}"
            "people:\n" + textwrap.indent(people, "  ")
        )

    def run_until(self, end: datetime) -> list[datetime]:
        """Step the daemon as its loop would, jumping the clock to each wake-up. Returns the wake-ups."""
        wakes = []
        while self.clock.now < end:
            wake = self.daemon.step()
            wakes.append(wake)
            self.clock.now = min(wake, end)
        return wakes

    def titles(self) -> list[str]:
        return [r.json["title"] for r in self.phone.requests]  # type: ignore[index]
