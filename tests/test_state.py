"""The state store keeps everything across upgrades and never loses the contact log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconnectd.errors import StateError
from reconnectd.policy.model import CheckInStatus, Contact, Standing
from reconnectd.state import VERSION, Store

# The schema as released in version 1 (the first commit), to prove upgrades keep the data.
SCHEMA_V1 = """
CREATE TABLE contacts (id INTEGER PRIMARY KEY, person TEXT NOT NULL, at TEXT NOT NULL, outcome TEXT NOT NULL,
    note TEXT, source TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE checkins (uid TEXT PRIMARY KEY, person TEXT NOT NULL, seq INTEGER NOT NULL, start TEXT NOT NULL,
    end TEXT NOT NULL, basis TEXT NOT NULL, status TEXT NOT NULL, href TEXT, etag TEXT, fingerprint TEXT);
CREATE TABLE nudges (key TEXT PRIMARY KEY, person TEXT NOT NULL, due TEXT NOT NULL, title TEXT NOT NULL,
    body TEXT NOT NULL, created_at TEXT NOT NULL, done_at TEXT);
CREATE TABLE deliveries (key TEXT NOT NULL, target TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT, last_error TEXT, PRIMARY KEY (key, target));
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO contacts VALUES (1, 'Priya', '2026-11-12T20:00:00+00:00', 'replied', 'voice note', 'cli', '2026-11-12T20:00:00+00:00');
INSERT INTO checkins VALUES ('reconnectd-priya-44bcff24-1', 'Priya', 1, '2026-11-26T18:00:00+00:00',
    '2026-11-26T18:15:00+00:00', 'fortnightly|2026-11-12', 'scheduled', '/cal/p1.ics', '"e1"', 'fp');
PRAGMA user_version = 1;
"""


def test_a_version_1_store_is_upgraded_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_V1)
    db.close()
    with Store(path) as store:
        assert store.contacts() == [Contact("Priya", datetime(2026, 11, 12, 20, tzinfo=UTC), note="voice note")]
        (checkin,) = store.ledger().checkins
        assert checkin.status is CheckInStatus.SCHEDULED
        assert not checkin.pinned
        assert store.owned()[checkin.uid].href == "/cal/p1.ics"
        assert store.foreign() == {}
    with Store(path) as again:
        assert again.db.execute("PRAGMA user_version").fetchone() == (VERSION,)


def test_a_store_from_a_newer_version_is_refused_rather_than_damaged(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.close()
    with pytest.raises(StateError, match="newer reconnectd"):
        Store(path)


def test_contacts_are_appended_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    now = datetime(2026, 11, 28, tzinfo=UTC)
    with Store(path) as store:
        for day in range(1, 4):
            store.record_contact(Contact("Sam", datetime(2026, 11, day, tzinfo=UTC)), now)
    with Store(path) as store:
        assert [c.at.day for c in store.contacts("sam")] == [1, 2, 3]


def test_the_ledger_follows_writes_from_this_store_and_from_other_processes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    now = datetime(2026, 11, 28, tzinfo=UTC)
    with Store(path) as daemon, Store(path) as cli:
        assert daemon.ledger().contacts == ()
        daemon.record_contact(Contact("Sam", datetime(2026, 11, 1, tzinfo=UTC)), now)
        assert [c.person for c in daemon.ledger().contacts] == ["Sam"]
        cli.record_contact(Contact("Priya", datetime(2026, 11, 2, tzinfo=UTC)), now)
        assert [c.person for c in daemon.ledger().contacts] == ["Sam", "Priya"]
        cli.record_standing("Priya", Standing.PAUSED, None, now)  # `reconnectd pause Priya`
        assert daemon.ledger().standings == {"priya": (Standing.PAUSED, None)}
        cli.record_standing("Priya", None, None, now)  # `reconnectd resume Priya`
        assert daemon.ledger().standings == {}
