"""`reconnectd plan` and `reconnectd resume` through the real CLI: main([...]) on a tmp_path, and a process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from waiting import HANG_GUARD

from reconnectd.cli import main
from reconnectd.daemon.wake import WakeListener, wake_address

NOW = "2026-11-28T09:00"  # a Saturday


def cli(config: Path, state: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(config), "--state-dir", str(state), *args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def agenda(out: str) -> list[tuple[str, str, str]]:
    """(day, time or "all day", title) of each line of a plan."""
    rows, day = [], ""
    for line in out.splitlines():
        if not line.startswith("  "):
            day = line
            continue
        when, title = line[2:9].strip(), line[11:].split(": ", 1)[0]
        rows.append((day, when, title))
    return rows


def dump(state: Path) -> list[str]:
    with sqlite3.connect(state / "state.db") as db:
        return list(db.iterdump())


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_plan_lists_the_coming_days_day_by_day(
    embedded_config: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(embedded_config, state, "plan", "--days", "10", "--now", NOW, capsys=capsys)
    assert (code, err) == (0, "")
    assert agenda(out) == [
        ("Sat 28 Nov 2026", "18:00", "Check in with Priya"),
        ("Sat 28 Nov 2026", "18:15", "Check in with Grandma Rose"),
        ("Sun 29 Nov 2026", "18:00", "Check in with Sam"),
        ("Sun 29 Nov 2026", "18:15", "A few minutes for yourself"),
        ("Thu 03 Dec 2026", "all day", "Priya"),  # "Priya: big presentation", her date
        ("Sat 05 Dec 2026", "18:00", "Check in with Grandma Rose"),
        ("Sun 06 Dec 2026", "18:00", "A few minutes for yourself"),
    ]  # Jonah is paused in the YAML; max_per_day 2 moves Sam and yourself to Sunday
    assert "Leave a voice note" in out  # the words of each check-in, as they will be written


def test_plan_follows_what_was_recorded_and_writes_nothing(
    embedded_config: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(embedded_config, state, "done", "Priya", "--at", "2026-11-27", capsys=capsys)[0] == 0
    before = dump(state)
    code, out, _ = cli(embedded_config, state, "plan", "--days", "21", "--now", NOW, capsys=capsys)
    assert code == 0
    priya = [(day, when) for day, when, title in agenda(out) if title == "Check in with Priya"]
    assert priya == [("Fri 11 Dec 2026", "18:00")]  # two weeks after the contact, not tonight
    assert dump(state) == before  # a preview: the store is as it was...
    assert not (state / "calendar").exists()  # ...and no calendar was started, let alone written


def test_plan_with_nothing_ahead_says_so_and_refuses_a_silly_range(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("timezone: Europe/London\npeople: []\n")
    assert cli(config, state, "plan", "--days", "7", "--now", NOW, capsys=capsys)[:2] == (
        0,
        "Nothing planned in the next 7 days.\n",
    )
    code, _, err = cli(config, state, "plan", "--days", "0", capsys=capsys)
    assert code == 2
    assert "Invalid value for '--days': 0 is not in the range 1<=x<=730." in err


def test_resume_ends_a_pause_and_the_plan_has_them_again(
    embedded_config: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(embedded_config, state, "pause", "Sam", "--now", NOW, capsys=capsys)[0] == 0
    plan = ["plan", "--days", "10", "--now", NOW]
    assert "Check in with Sam" not in [
        title for _, _, title in agenda(cli(embedded_config, state, *plan, capsys=capsys)[1])
    ]

    code, out, err = cli(embedded_config, state, "resume", "sa", capsys=capsys)  # a unique prefix will do
    assert (code, out, err) == (0, "Resumed Sam. The next check-in appears on the next sync.\n", "")
    sams = [
        (day, when)
        for day, when, title in agenda(cli(embedded_config, state, *plan, capsys=capsys)[1])
        if "Sam" in title
    ]
    assert sams == [("Sun 29 Nov 2026", "18:00")]


def test_resume_ends_a_pause_with_an_end_date_before_it(
    embedded_config: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(embedded_config, state, "pause", "Priya", "--until", "2027-02-01", "--now", NOW, capsys=capsys)[0] == 0
    assert cli(embedded_config, state, "resume", "Priya", capsys=capsys)[0] == 0
    code, out, _ = cli(embedded_config, state, "status", "--json", "--now", NOW, capsys=capsys)
    assert code == 0
    assert '"paused_until": null' in out.split('"name": "Priya"', 1)[1].split("}", 1)[0]


def test_resume_cannot_undo_a_pause_written_in_the_yaml_or_find_a_stranger(
    embedded_config: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(embedded_config, state, "resume", "Jonah", capsys=capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"reconnectd: Jonah is paused in {embedded_config}, line ")
    assert "change that line to `status: active`" in err
    code, _, err = cli(embedded_config, state, "resume", "Jonas", capsys=capsys)
    assert code == 2
    assert err == f'reconnectd: nobody called "Jonas" in {embedded_config} (did you mean "Jonah"?)\n'


def test_resume_wakes_a_running_daemon_at_once(
    embedded_config: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    woken = threading.Event()
    listener = WakeListener(wake_address(state), woken)  # what `reconnectd run` listens on
    listener.start()
    try:
        assert cli(embedded_config, state, "pause", "Sam", capsys=capsys)[0] == 0
        assert woken.wait(HANG_GUARD)
        woken.clear()
        assert cli(embedded_config, state, "resume", "Sam", capsys=capsys)[0] == 0
        assert woken.wait(HANG_GUARD)
    finally:
        listener.stop()


def test_plan_and_resume_in_a_real_process(embedded_config: Path, state: Path) -> None:
    def reconnectd(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reconnectd", "--config", str(embedded_config), "--state-dir", str(state), *args],
            capture_output=True,
            text=True,
            timeout=HANG_GUARD,
            env={k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"},
            check=False,
        )

    assert reconnectd("pause", "Sam", "--now", NOW).returncode == 0
    resumed = reconnectd("resume", "Sam")
    assert (resumed.returncode, resumed.stdout, resumed.stderr) == (
        0,
        "Resumed Sam. The next check-in appears on the next sync.\n",
        "",
    )
    planned = reconnectd("plan", "--days", "2", "--now", NOW)
    assert planned.returncode == 0, planned.stderr
    assert agenda(planned.stdout) == [
        ("Sat 28 Nov 2026", "18:00", "Check in with Priya"),
        ("Sat 28 Nov 2026", "18:15", "Check in with Grandma Rose"),
        ("Sun 29 Nov 2026", "18:00", "Check in with Sam"),
        ("Sun 29 Nov 2026", "18:15", "A few minutes for yourself"),
    ]
    refused = reconnectd("resume", "Jonah")
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
