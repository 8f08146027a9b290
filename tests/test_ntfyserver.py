"""The loopback ntfy server behaves as ntfy's documentation says (see tests/ntfyserver.py)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from ntfyserver import NtfyServer, button, parse_actions, press


@pytest.fixture
def ntfy() -> Iterator[NtfyServer]:
    server = NtfyServer(keepalive=0.2)
    yield server
    server.close()


def call(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_publish_by_headers_and_by_json_give_the_same_message(ntfy: NtfyServer) -> None:
    actions = "http, Done, https://h/r, method=PUT, headers.Authorization='Bearer x', body='{\"a\": 1}', clear=true"
    status, _ = call(
        f"{ntfy.url}/nudges", method="POST", body=b"hello", headers={"X-Title": "Hi", "X-Actions": actions}
    )
    assert status == 200
    as_json = {"topic": "nudges", "message": "hello", "title": "Hi", "actions": parse_actions(actions)}
    status, answer = call(f"{ntfy.url}/", method="PUT", body=json.dumps(as_json).encode())
    assert status == 200
    first, second = ntfy.messages("nudges")
    assert json.loads(answer)["id"] == second["id"] and len(second["id"]) == 12
    for message in (first, second):
        done = button(message, "Done")
        assert (done["method"], done["url"], done["body"], done["clear"]) == ("PUT", "https://h/r", '{"a": 1}', True)
        assert done["headers"] == {"Authorization": "Bearer x"}
        assert (message["title"], message["message"]) == ("Hi", "hello")
    four = {"topic": "nudges", "actions": [{"action": "view", "label": str(n), "url": "https://h"} for n in range(4)]}
    assert call(f"{ntfy.url}/", method="POST", body=json.dumps(four).encode())[0] == 400
    assert call(f"{ntfy.url}/bad%20topic!", method="POST", body=b"x")[0] == 400


def test_poll_since_an_id_all_a_time_or_a_duration(ntfy: NtfyServer) -> None:
    for text in ("one", "two", "three"):
        call(f"{ntfy.url}/t", method="POST", body=text.encode())
    first = ntfy.messages("t")[0]
    texts = lambda since: [m["message"] for m in lines(call(f"{ntfy.url}/t/json?poll=1&since={since}")[1])]  # noqa: E731
    assert texts(first["id"]) == ["two", "three"]
    assert texts("all") == texts("ABCDEFGHIJKL") == texts("1h") == texts(str(first["time"])) == ["one", "two", "three"]
    assert texts("latest") == ["three"]
    assert call(f"{ntfy.url}/t/json?poll=1&since=never")[0] == 400


def test_the_cache_forgets_after_its_duration(ntfy: NtfyServer) -> None:
    now = [1_800_000_000.0]
    ntfy.clock = lambda: now[0]
    call(f"{ntfy.url}/t", method="POST", body=b"old")
    now[0] += 12 * 3600 + 1
    assert call(f"{ntfy.url}/t/json?poll=1&since=all")[1] == ""


def test_the_stream_opens_keeps_alive_and_brings_new_messages(ntfy: NtfyServer) -> None:
    call(f"{ntfy.url}/t", method="POST", body=b"before")
    got: list[dict[str, Any]] = []
    done = threading.Event()

    def listen() -> None:
        with urllib.request.urlopen(f"{ntfy.url}/t/json", timeout=60) as stream:
            for line in stream:
                got.append(json.loads(line))
                if got[-1]["event"] == "message":
                    done.set()
                    return

    threading.Thread(target=listen, daemon=True).start()
    ntfy.wait_for("t", 1, event="message")
    # a keepalive comes before anything new (every 0.2 s here), then the new message
    while not any(e["event"] == "keepalive" for e in list(got)):
        threading.Event().wait(0.05)
    call(f"{ntfy.url}/t", method="POST", body=b"after")
    assert done.wait(60)
    assert got[0]["event"] == "open"
    assert [e["message"] for e in got if e["event"] == "message"] == ["after"]


def test_tokens_and_acls(ntfy: NtfyServer) -> None:
    ntfy.access.default = "deny"
    daemon = ntfy.add_user("reconnectd")
    phone = ntfy.add_user("phone")
    ntfy.grant("reconnectd", "nudges", "write-only")
    ntfy.grant("reconnectd", "replies", "read-only")
    ntfy.grant("phone", "replies", "write-only")
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    assert call(f"{ntfy.url}/nudges", method="POST", body=b"x", headers=bearer(daemon))[0] == 200
    assert call(f"{ntfy.url}/nudges", method="POST", body=b"x")[0] == 403
    assert call(f"{ntfy.url}/nudges", method="POST", body=b"x", headers=bearer("tk_wrong"))[0] == 401
    assert call(f"{ntfy.url}/nudges/json?poll=1", headers=bearer(daemon))[0] == 403
    action = {"action": "http", "label": "Done", "url": f"{ntfy.url}/replies", "headers": bearer(phone), "body": "p"}
    assert press(action) == 200
    assert press({**action, "url": f"{ntfy.url}/nudges"}) == 403
    assert call(f"{ntfy.url}/replies/json?poll=1", headers=bearer(phone))[0] == 403
    status, text = call(f"{ntfy.url}/replies/json?poll=1", headers=bearer(daemon))
    assert status == 200 and [m["message"] for m in lines(text)] == ["p"]


def test_clear_and_delete_by_sequence_id(ntfy: NtfyServer) -> None:
    call(f"{ntfy.url}/", method="POST", body=json.dumps({"topic": "t", "message": "m", "sequence_id": "n-1"}).encode())
    assert ntfy.messages("t")[0]["sequence_id"] == "n-1"
    assert call(f"{ntfy.url}/t/n-1/clear", method="PUT")[0] == 200
    assert call(f"{ntfy.url}/t/n-1", method="DELETE")[0] == 200
    assert [(e["event"], e.get("sequence_id")) for e in ntfy.messages("t", None)] == [
        ("message", "n-1"),
        ("message_clear", "n-1"),
        ("message_delete", "n-1"),
    ]
    ntfy.clearing = False  # a server before 2.16
    assert call(f"{ntfy.url}/t/n-1/clear", method="PUT")[0] == 404
