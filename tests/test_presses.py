"""Presses from the phone: a loopback server answering ntfy's poll (GET /TOPIC/json?poll=1&since=ID,
one JSON message a line, docs/subscribe/api.md) with the bodies the nudge's buttons carried."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reconnectd.notify.presses import buttons, press_key, read_presses
from reconnectd.policy.model import Outcome
from reconnectd.policy.settings import Reply
from reconnectd.state import Store

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


@pytest.fixture
def reply_topic() -> Iterator[tuple[str, list[dict[str, object]]]]:
    messages: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            since = self.path.split("since=")[1]
            ids = [m["id"] for m in messages]
            after = messages[ids.index(since) + 1 :] if since in ids else messages
            body = "".join(json.dumps(m) + "\n" for m in after).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", messages
    server.shutdown()
    server.server_close()


def test_done_is_a_contact_and_a_forged_or_second_press_changes_nothing(tmp_path: Path, reply_topic) -> None:
    base, messages = reply_topic
    with Store(tmp_path / "state.db") as store:
        store.db.execute(
            "INSERT INTO nudges (key, person, due, title, body, created_at) VALUES ('n1', 'Priya', ?, 't', 'b', ?)",
            (NOW.isoformat(), NOW.isoformat()),
        )
        key = press_key(tmp_path)
        reply = Reply("replies")
        done = next(b for b in buttons(key, reply, base=base, token=None, nudge="n1", sent=NOW) if b["label"] == "Done")
        forged = json.loads(str(done["body"])) | {"mac": "0" * 64}
        at = int(NOW.timestamp()) + 60
        messages += [
            {"id": "a", "event": "message", "time": at, "message": json.dumps(forged)},
            {"id": "b", "event": "message", "time": at, "message": done["body"]},
            {"id": "c", "event": "message", "time": at, "message": done["body"]},
        ]
        assert read_presses(store, key, base=base, reply=reply, token=None, now=NOW) == 1
        assert [(c.person, c.outcome, c.source) for c in store.contacts()] == [("Priya", Outcome.REPLIED, "phone")]
        assert read_presses(store, key, base=base, reply=reply, token=None, now=NOW) == 0
        assert len(store.contacts()) == 1
    assert (tmp_path / "press.key").stat().st_mode & 0o777 == 0o600


def test_a_press_is_never_recorded_after_now_whatever_time_the_server_gives(tmp_path: Path, reply_topic) -> None:
    base, messages = reply_topic
    with Store(tmp_path / "state.db") as store:
        for nudge in ("n1", "n2", "n3"):
            store.db.execute(
                "INSERT INTO nudges (key, person, due, title, body, created_at) VALUES (?, 'Priya', ?, 't', 'b', ?)",
                (nudge, NOW.isoformat(), NOW.isoformat()),
            )
        key = press_key(tmp_path)
        reply = Reply("replies")

        def done(nudge: str) -> object:
            found = buttons(key, reply, base=base, token=None, nudge=nudge, sent=NOW)
            return next(b for b in found if b["label"] == "Done")["body"]

        messages += [
            {"id": "a", "event": "message", "time": 10**15, "message": done("n1")},  # beyond any year
            {"id": "b", "event": "message", "time": "soon", "message": done("n2")},
            {"id": "c", "event": "message", "time": int(NOW.timestamp()) + 3600, "message": done("n3")},
        ]
        assert read_presses(store, key, base=base, reply=reply, token=None, now=NOW) == 3
        assert [c.at for c in store.contacts()] == [NOW, NOW, NOW]
