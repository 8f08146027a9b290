"""The everyday commands stay light: status, plan, done and history never load the calendar or Apprise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from servers import RadicaleServer

HEAVY = ("caldav", "apprise", "niquests", "radicale")

# Runs the real CLI, then prints the top-level names of every module it loaded, whatever it exited with.
WRAPPER = """
import sys
from reconnectd.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(" ".join(sorted({name.partition(".")[0] for name in sys.modules})))
sys.exit(code)
"""

CONFIG = """\
timezone: Europe/London
notify:
  urls:
    - ntfy://ntfy.sh/reconnectd-lazy-imports
people:
  - name: Ana Lima
    every: 2 weeks
"""


@pytest.mark.parametrize(
    "command",
    [("status",), ("plan", "--days", "30"), ("done", "Ana", "--at", "2026-11-30"), ("history", "Ana")],
    ids=lambda command: command[0],
)
def test_everyday_commands_do_not_load_the_calendar_or_apprise(tmp_path: Path, command: tuple[str, ...]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    args = ("--config", str(config), "--state-dir", str(tmp_path / "state"), *command)
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.splitlines()[-1].split())
    assert "reconnectd" in loaded  # the wrapper did see the run
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("command", [("status",), ("plan", "--days", "30")], ids=lambda command: command[0])
def test_with_an_address_book_the_views_read_its_cache_without_vobject(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """The views plan the address book's people from the store: no vCard parser, no network."""
    book = tmp_path / "contacts"
    book.mkdir()
    (book / "a.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:Kit\r\nCATEGORIES:Friends\r\nEND:VCARD\r\n")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG + f"contacts:\n  path: {book}\n  groups:\n    Friends: monthly\n")
    state = ("--config", str(config), "--state-dir", str(tmp_path / "state"))
    subprocess.run(
        [sys.executable, "-m", "reconnectd", *state, "contacts"], check=True, timeout=120, capture_output=True
    )
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *state, *command], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Kit" in done.stdout
    loaded = set(done.stdout.splitlines()[-1].split())
    assert loaded.isdisjoint({*HEAVY, "vobject"}), sorted(loaded & {*HEAVY, "vobject"})


def test_a_sync_loads_neither_the_embedded_server_nor_apprise_when_it_needs_neither(
    tmp_path: Path, radicale: RadicaleServer
) -> None:
    """Radicale is only for the embedded calendar, Apprise only for notify.urls: a first sync to a
    calendar of the user's own, with no notification URL, imports neither."""
    config = tmp_path / "config.yaml"
    people = CONFIG[CONFIG.index("people:") :]
    config.write_text(
        f"timezone: Europe/London\ncalendar:\n  url: {radicale.url}\n  username: ana\n  password: x\n{people}"
    )
    args = ("--config", str(config), "--state-dir", str(tmp_path / "state"), "sync")
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "1 created" in done.stderr
    loaded = set(done.stdout.splitlines()[-1].split())
    assert "caldav" in loaded  # the wrapper did see the sync
    assert loaded.isdisjoint({"radicale", "apprise"}), sorted(loaded & {"radicale", "apprise"})
