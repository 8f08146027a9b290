"""Issue #15: whatever `check` accepts, and whatever a command records, plans and syncs without an internal error.

Dates outside the span reconnectd plans in are refused at the edge; rows an older version wrote are
skipped; text that cannot go into iCalendar, a title, a log or a nudge is refused with its line; names
compare one way everywhere; no URL shows a secret.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from command import run_command
from conftest import RadicaleServer

from reconnectd.daemon.rehearsal import rehearse
from reconnectd.errors import ConfigError
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.grammar import parse_cadence
from reconnectd.policy.model import Person
from reconnectd.policy.settings import Config, Secret
from reconnectd.state import Store

LONDON = ZoneInfo("Europe/London")
PEOPLE = "people:\n  - name: Bravo\n    every: 2 weeks\n  - name: Élodie\n    every: monthly\n"


@pytest.fixture(autouse=True)
def root_logger() -> Iterator[None]:
    """cli.main sets up logging on the root logger; put pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def write_config(tmp_path: Path, server: RadicaleServer, people: str = PEOPLE) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"timezone: Europe/London\ncalendar:\n  url: {server.url}\n  username: me\n  password: x\n{people}",
        encoding="utf-8",
    )
    return path


def run(config: Path, state: Path, *args: str) -> int:
    return run_command(config, state, *args)


# -- 1. dates: one supported span, refused at the edge, skipped in the store ----------------------


@pytest.mark.parametrize(
    "args",
    [
        ["done", "Bravo", "--at", "9999-12-31"],
        ["done", "Bravo", "--at", "0001-01-01T00:00+14:00"],
        ["done", "Bravo", "--at", "1899-12-31"],
        ["pause", "Bravo", "--until", "5000-01-01"],
        ["status", "--now", "9999-12-31T23:59"],
        ["plan", "--now", "0001-01-01"],
    ],
    ids=["far-future", "year-one-east", "before-1900", "pause-until", "status-now", "plan-now"],
)
def test_a_moment_outside_the_span_is_refused_and_nothing_is_recorded(
    tmp_path: Path, radicale: RadicaleServer, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, state = write_config(tmp_path, radicale), tmp_path / "state"
    assert run(config, state, *args) == 2
    err = capsys.readouterr().err
    assert "is outside the years reconnectd plans in (write a date from 1900 to 2999)" in err
    assert "internal error" not in err
    assert run(config, state, "history", "Bravo") == 0
    assert "No contact with Bravo recorded yet." in capsys.readouterr().out
    for view in (["status"], ["plan"], ["report", "--out", str(tmp_path / "r.html")], ["sync"]):
        assert run(config, state, *view, "--now", "2026-12-01T09:00") == 0, view


def poison(state: Path) -> None:
    """Rows an older version could write: a far date, a NUL, a broken offset, a far pause, a far nudge."""
    with Store(state / "state.db"):
        pass  # create the schema
    db = sqlite3.connect(state / "state.db")
    db.executemany(
        "INSERT INTO contacts (person, at, outcome, note, source, recorded_at) VALUES (?, ?, 'replied', NULL, 'cli', ?)",
        [
            ("Bravo", "9999-12-31T12:00:00+00:00", "2026-11-01T00:00:00+00:00"),
            ("Bravo", "2026-11-\x0001T12:00:00+00:00", "2026-11-01T00:00:00+00:00"),
            ("Bravo", "2026-11-01T12:00:00+25:00", "2026-11-01T00:00:00+00:00"),
            ("Élodie", "2026-11-20T12:00:00+00:00", "2026-11-20T00:00:00+00:00"),  # a good one
        ],
    )
    db.execute(
        "INSERT INTO checkins (uid, person, seq, start, end, basis, status) VALUES"
        " ('reconnectd-old-1', 'Bravo', 1, '9999-12-31T18:00:00+00:00', '9999-12-31T18:15:00+00:00', 'x', 'scheduled')"
    )
    db.execute(
        "INSERT INTO standings (person, status, until, recorded_at) VALUES ('bravo', 'paused', '9999-12-31', 'x')"
    )
    db.execute(
        "INSERT INTO nudges (key, person, due, title, body, created_at) VALUES"
        " ('k', 'Bravo', '0001-01-01T00:00:00+14:00', 't', 'b', '2026-11-01T00:00:00+00:00')"
    )
    db.commit()
    db.close()


def test_rows_an_older_version_wrote_are_skipped_by_the_planner_and_every_view(
    tmp_path: Path, radicale: RadicaleServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config, state = write_config(tmp_path, radicale), tmp_path / "state"
    poison(state)
    for view in (["history", "Bravo"], ["history", "Élodie"]):
        assert run(config, state, *view) == 0, view
    for view in (
        ["status"],
        ["plan"],
        ["report", "--out", str(tmp_path / "r.html")],
        ["sync"],
        ["snooze", "Bravo", "1d"],
    ):
        assert run(config, state, *view, "--now", "2026-12-01T09:00") == 0, view
    out, err = capsys.readouterr()
    assert "internal error" not in err
    assert "skipping an unreadable row in state.db (contacts 1): outside 1900 to 2999" in err
    assert "skipping an unreadable row in state.db (contacts 2): Invalid isoformat string" in err
    assert err.count("(contacts 1)") == 1  # once per process, not once per view
    assert "No contact with Bravo recorded yet." in out
    assert "20 Nov 2026" in out  # Élodie's good contact still counts
    with sqlite3.connect(state / "state.db") as db:  # nothing was erased
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (4,)


def test_an_unreadable_row_is_warned_about_once_not_every_cycle(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state"
    poison(state)
    with caplog.at_level(logging.WARNING), Store(state / "state.db") as store:
        for _ in range(3):
            store.ledger()
            store._ledger = None  # as after another process wrote
            store.pending_nudges()
    warnings = [r.getMessage() for r in caplog.records if "unreadable row" in r.getMessage()]
    assert len(warnings) == len(set(warnings)) == 6  # 3 contacts, 1 check-in, 1 pause, 1 nudge: once each


# -- 2. text that cannot go everywhere it goes; and a config must also plan and render -----------


def test_a_config_that_cannot_render_is_a_problem_at_the_persons_line() -> None:
    """What `check` and a reload run after validation: a name the validation missed is caught here."""
    config = Config(file="c.yaml", timezone=LONDON, people=(Person("Ana\nBob", parse_cadence("weekly"), line=7),))
    with pytest.raises(ConfigError) as caught:
        rehearse(config)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("c.yaml", 7, "people[0]")
    assert "cannot be planned" in problem.message
    rehearse(Config(file="c.yaml", timezone=LONDON, people=(Person("Ana Bob", parse_cadence("weekly"), line=7),)))


# -- 3. names compare one way: fold, in Python and in SQL -----------------------------------------


@pytest.mark.parametrize(
    ("recorded", "renamed"),
    [("Élodie", "élodie"), ("José", "Jose\u0301"), ("STRASSE", "straße")],
    ids=["case", "nfc-to-nfd", "full-case-folding"],
)
def test_history_and_status_agree_after_a_rename_in_case_or_spelling(
    tmp_path: Path, radicale: RadicaleServer, recorded: str, renamed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    config = write_config(tmp_path, radicale, f"people:\n  - name: {recorded}\n    every: monthly\n")
    assert run(config, state, "done", recorded, "--at", "2026-11-01") == 0
    config = write_config(tmp_path, radicale, f"people:\n  - name: {renamed}\n    every: monthly\n")
    capsys.readouterr()
    assert run(config, state, "history", renamed) == 0
    assert "Sun 01 Nov 2026" in capsys.readouterr().out
    assert run(config, state, "status", "--now", "2026-11-10") == 0
    assert "01 Nov 2026" in capsys.readouterr().out


# -- 4. and 5. no secret in a calendar URL; no part of a token in a target's name -----------------


def test_credentials_in_the_calendar_url_are_refused_and_never_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "timezone: Europe/London\ncalendar:\n  url: http://sam:hunter2secret@dav.example.com/dav/\npeople: []\n"
    )
    assert run(config, tmp_path / "state", "check") == 2
    out, err = capsys.readouterr()
    assert err.strip() == (
        f"{config}:3: calendar.url: holds a user name (and maybe a password) before the @; write the URL without it,"
        ' like "http://dav.example.com/", and put them in username: and password_file:'
    )
    assert "hunter2secret" not in out + err
    assert run(config, tmp_path / "state", "sync") == 2
    assert "hunter2secret" not in "".join(capsys.readouterr())
    assert (
        not (tmp_path / "state" / "state.db").exists()
        or b"hunter2" not in (tmp_path / "state" / "state.db").read_bytes()
    )


USER, TOKEN = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "azGDORePK8gMaC0QOYAMyEEuzJnyUi"


@pytest.mark.parametrize(
    ("url", "label"),
    [
        (f"pover://{USER}@{TOKEN}", "pover:// (notify.urls[0])"),
        (f"discord://123456789012345678/{TOKEN}", "discord:// (notify.urls[0])"),
        (f"tgram://123456789:{TOKEN}/12345", "tgram:// (notify.urls[0])"),
        (f"ntfys://reconnect:{TOKEN}@ntfy.example.org/topic", "ntfys://ntfy.example.org (notify.urls[0])"),
        ("json://127.0.0.1:8080/hook", "json://127.0.0.1:8080 (notify.urls[0])"),
    ],
    ids=["pushover", "discord", "telegram", "ntfy-with-password", "json-on-an-address"],
)
def test_a_target_is_named_by_service_host_and_place_never_by_any_part_of_a_token(url: str, label: str) -> None:
    (target,) = Notifier((Secret(url),), None).targets
    assert target.label == label  # the whole label: no first or last characters of a token
