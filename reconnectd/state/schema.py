"""The store's tables, and the steps that bring an older store up to them.

A new store gets SCHEMA in one go; an existing one runs each migration from its
`PRAGMA user_version` up to VERSION, each step in its own transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reconnectd.errors import StateError

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    person TEXT NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    checkin TEXT,
    withdrawn_at TEXT
);
CREATE TABLE IF NOT EXISTS checkins (
    uid TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    seq INTEGER NOT NULL,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    basis TEXT NOT NULL,
    status TEXT NOT NULL,
    href TEXT,
    etag TEXT,
    fingerprint TEXT,
    pinned INTEGER NOT NULL DEFAULT 0,
    label TEXT,
    repair TEXT
);
CREATE TABLE IF NOT EXISTS foreign_objects (
    href TEXT PRIMARY KEY,
    etag TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nudges (
    key TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    due TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT NOT NULL,
    target TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT,
    last_error TEXT,
    PRIMARY KEY (key, target)
);
CREATE TABLE IF NOT EXISTS targets (
    target TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    retry_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS standings (
    person TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    until TEXT,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS presses (
    nudge TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    message TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS renames (
    id INTEGER PRIMARY KEY,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    at TEXT NOT NULL
);
"""
VERSION = 9
# Each step brings a store from version N to N + 1. Never edit a step once released.
MIGRATIONS = {
    1: """
ALTER TABLE checkins ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS foreign_objects (href TEXT PRIMARY KEY, etag TEXT NOT NULL);
""",
    2: """
CREATE TABLE IF NOT EXISTS targets (target TEXT PRIMARY KEY, failures INTEGER NOT NULL, retry_at TEXT NOT NULL);
""",
    3: """
CREATE TABLE IF NOT EXISTS standings (
    person TEXT PRIMARY KEY, status TEXT NOT NULL, until TEXT, recorded_at TEXT NOT NULL
);
""",
    4: """
ALTER TABLE checkins ADD COLUMN label TEXT;
""",
    5: """
ALTER TABLE checkins ADD COLUMN repair TEXT;
""",
    6: """
CREATE TABLE IF NOT EXISTS renames (id INTEGER PRIMARY KEY, old TEXT NOT NULL, new TEXT NOT NULL, at TEXT NOT NULL);
""",
    7: """
ALTER TABLE contacts ADD COLUMN checkin TEXT;
ALTER TABLE contacts ADD COLUMN withdrawn_at TEXT;
""",
    8: """
CREATE TABLE IF NOT EXISTS presses (
    nudge TEXT PRIMARY KEY, action TEXT NOT NULL, message TEXT NOT NULL, at TEXT NOT NULL
);
""",
}


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the store at `path` to VERSION; refuse one written by a newer reconnectd."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version > VERSION:
        raise StateError(f"{path} was written by a newer reconnectd (store version {version}); upgrade reconnectd")
    if version == 0:
        db.executescript(SCHEMA + f"PRAGMA user_version = {VERSION};")
        return
    for step in range(version, VERSION):
        db.executescript(f"BEGIN; {MIGRATIONS[step]} PRAGMA user_version = {step + 1}; COMMIT;")
