"""Presses from the phone, read from the loopback ntfy server's reply topic (tests/ntfyserver.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ntfyserver import NtfyServer

from reconnectd.notify.ntfy import Server
from reconnectd.notify.presses import buttons, press_key, read_presses
from reconnectd.policy.model import Outcome
from reconnectd.policy.settings import Reply
from reconnectd.state import Store

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


@pytest.fixture
def reply_topic() -> Iterator[tuple[NtfyServer, Server]]:
    ntfy = NtfyServer(clock=NOW.timestamp)
    yield ntfy, Server(ntfy.url, "nudges")
    ntfy.close()


def put(ntfy: NtfyServer, at: object, body: object, topic: str = "replies") -> None:
    """A message on the reply topic as the server would hold it, with the time it gives."""
    message = ntfy.publish(topic, {"message": body})
    message["time"] = at


def test_done_is_a_contact_and_a_forged_or_second_press_changes_nothing(tmp_path: Path, reply_topic) -> None:
    ntfy, server = reply_topic
    base = ntfy.url
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
        for body in (json.dumps(forged), done["body"], done["body"]):
            put(ntfy, at, body)
        assert read_presses(store, key, server=server, reply=reply, auth=None, now=NOW) == 1
        assert [(c.person, c.outcome, c.source) for c in store.contacts()] == [("Priya", Outcome.REPLIED, "phone")]
        assert read_presses(store, key, server=server, reply=reply, auth=None, now=NOW) == 0
        assert len(store.contacts()) == 1
    assert (tmp_path / "press.key").stat().st_mode & 0o777 == 0o600


def test_a_press_is_never_recorded_after_now_whatever_time_the_server_gives(tmp_path: Path, reply_topic) -> None:
    ntfy, server = reply_topic
    base = ntfy.url
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

        put(ntfy, 10**15, done("n1"))  # beyond any year
        put(ntfy, "soon", done("n2"))
        put(ntfy, int(NOW.timestamp()) + 3600, done("n3"))
        assert read_presses(store, key, server=server, reply=reply, auth=None, now=NOW) == 3
        assert [c.at for c in store.contacts()] == [NOW, NOW, NOW]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.text(max_size=300),
        st.recursive(
            st.none() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["nudge", "action", "sent", "mac", "x"]), inner, max_size=5)
                | st.fixed_dictionaries(  # shaped as a press, with any text where the MAC goes
                    {
                        "nudge": st.text(max_size=20),
                        "action": st.sampled_from(["done", "snooze", "é\ud800"]),
                        "sent": st.integers(0, 2**40),
                        "mac": st.text(max_size=70),
                    }
                )
            ),
        ).map(json.dumps),
    )
)
def test_whatever_lands_on_the_reply_topic_without_our_mac_records_nothing(tmp_path_factory, reply_topic, body) -> None:
    ntfy, server = reply_topic
    state = tmp_path_factory.mktemp("state")
    with Store(state / "state.db") as store:
        store.db.execute(
            "INSERT INTO nudges (key, person, due, title, body, created_at) VALUES ('n1', 'Priya', ?, 't', 'b', ?)",
            (NOW.isoformat(), NOW.isoformat()),
        )
        key = press_key(state)
        topic = state.name  # one topic an example: each reads only its own message
        put(ntfy, int(NOW.timestamp()), body, topic)
        assert read_presses(store, key, server=server, reply=Reply(topic), auth=None, now=NOW) == 0
        assert store.contacts() == []
