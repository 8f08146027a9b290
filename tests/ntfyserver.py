"""A loopback ntfy server, and a phone that presses its buttons.

What it does is taken from ntfy's documentation (docs/publish.md, docs/subscribe/api.md,
docs/config.md of binwiederhier/ntfy, v2.16); where it simplifies, it says so here.

Publishing (publish.md):
- "Publish as JSON": POST or PUT to the root URL `/` a JSON object with `topic` (required),
  `message` (empty: "triggered"), `title`, `tags`, `priority` (1-5), `click`, `actions`,
  `sequence_id`. The answer is the message as a subscriber sees it.
- By headers: POST or PUT to `/TOPIC` (or `/TOPIC/SEQUENCE_ID`, "Updating notifications") with
  the body as the message and `X-Title`/`Title`/`t`, `X-Tags`, `X-Priority`, `X-Click`,
  `X-Actions`/`Actions` (the short form: `http, Label, url, method=POST, headers.X=v, body=...,
  clear=true`, actions split by `;`, values in single or double quotes when they hold `,` or `;`)
  and `X-Sequence-ID`. The same names work as query parameters.
- "Action buttons": at most three; `view` (label, url) and `http` (label, url, method default
  POST, headers, body, clear). Each action gets an `id` in the stored message.
- "Clearing notifications": `PUT /TOPIC/SEQUENCE_ID/clear` publishes an event `message_clear`
  with that `sequence_id`; `DELETE /TOPIC/SEQUENCE_ID` an event `message_delete` ("Deleting
  notifications"). Both need write access. (A server before 2.16 answers 404 to them; set
  `clearing=False` for that.)
- A topic name is 1 to 64 of `[-_A-Za-z0-9]` (else 400).

Subscribing (subscribe/api.md):
- `GET /TOPIC/json?poll=1` answers the cached messages, one JSON object a line, and closes.
- `GET /TOPIC/json` streams: an `open` event, then each message as it comes, and a `keepalive`
  event every `keepalive` seconds (ntfy: 45 s; here settable, for tests).
- `since=`: `all`; `latest`; a message id (12 letters or digits: the messages after it; an
  unknown id gives all, as ntfy's cache does); a Unix time; or a duration (`10m`, `2h`). Without `since=` a poll gives all and a
  stream only what comes after. Messages carry `id` (12 characters), `time`, `expires`, `event`,
  `topic`, `message`, and the optional fields given.
- The cache keeps messages `cache_duration` (ntfy: 12 h, `cache-duration` in config.md), by the
  server's clock; older ones are never answered again.

Access control (config.md, "Access control"; publish.md, "Authentication"):
- `Authorization: Bearer TOKEN` (a token from `ntfy token add USER`) or `Basic user:password`.
  Wrong credentials: 401. A user (or anonymous, `*`) without the permission: 403.
- Per user and topic (a `*` in a topic is a wildcard): `read-write`, `read-only`, `write-only`
  or `deny` (`ntfy access USER TOPIC PERMISSION`); what no entry covers follows `default_access`
  (ntfy's `auth-default-access`, by default `read-write`). Reading is subscribing; writing is
  publishing, clearing and deleting.

Not built: attachments, e-mail, scheduled delivery, the web app, SSE/WebSocket, rate limits.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

LOCALHOST = "127.0.0.1"
CACHE_DURATION = 12 * 3600  # seconds, ntfy's default cache-duration
TOPIC = re.compile(r"[-_A-Za-z0-9]{1,64}")
MESSAGE_ID = re.compile(r"[A-Za-z0-9]{12}")
PERMISSIONS = {
    "read-write": (True, True),
    "read-only": (True, False),
    "write-only": (False, True),
    "deny": (False, False),
}
DURATION = re.compile(r"(\d+)\s*(s|m|h|d)")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Seen:
    """One request the server answered: for asserts on what was refused and why."""

    method: str
    path: str
    status: int
    user: str  # "*" when anonymous


@dataclass
class _Access:
    users: dict[str, str] = field(default_factory=dict)  # user -> password
    tokens: dict[str, str] = field(default_factory=dict)  # token -> user
    grants: list[tuple[str, str, str]] = field(default_factory=list)  # (user, topic pattern, permission)
    default: str = "read-write"

    def allowed(self, user: str, topic: str) -> tuple[bool, bool]:
        for who in (user, "*"):
            for grant_user, pattern, permission in self.grants:
                if grant_user == who and fnmatch.fnmatchcase(topic, pattern):
                    return PERMISSIONS[permission]
        return PERMISSIONS[self.default]


class NtfyServer:
    """ntfy on 127.0.0.1, in a thread. `url` is its base (http://127.0.0.1:PORT)."""

    def __init__(
        self,
        *,
        default_access: str = "read-write",
        keepalive: float = 45.0,
        cache_duration: float = CACHE_DURATION,
        clock: Callable[[], float] = time.time,
        clearing: bool = True,
    ) -> None:
        self.access = _Access(default=default_access)
        self.keepalive = keepalive
        self.cache_duration = cache_duration
        self.clock = clock
        self.clearing = clearing
        self._messages: list[dict[str, Any]] = []
        self._seen: list[Seen] = []
        self._cond = threading.Condition()
        self._closed = False
        self._http = _Server(self)
        self.port = int(self._http.server_address[1])
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    @property
    def host(self) -> str:
        return f"{LOCALHOST}:{self.port}"

    # -- access control, as `ntfy user add`, `ntfy token add`, `ntfy access` ----

    def add_user(self, user: str, password: str = "pw") -> str:
        """A user and a token for it (`ntfy user add`, `ntfy token add`); returns the token."""
        self.access.users[user] = password
        token = "tk_" + secrets.token_hex(15)
        self.access.tokens[token] = user
        return token

    def grant(self, user: str, topic: str, permission: str) -> None:
        assert permission in PERMISSIONS, permission
        self.access.grants.insert(0, (user, topic, permission))

    # -- what happened ------------------------------------------------------------

    def messages(self, topic: str, event: str | None = "message") -> list[dict[str, Any]]:
        with self._cond:
            return [m for m in self._messages if m["topic"] == topic and (event is None or m["event"] == event)]

    @property
    def seen(self) -> list[Seen]:
        with self._cond:
            return list(self._seen)

    def wait_for(
        self, topic: str, count: int = 1, *, event: str = "message", timeout: float = 120.0
    ) -> list[dict[str, Any]]:
        """Wait until `topic` holds `count` such events (a bound against hangs, not a timing)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.messages(topic, event)) >= count, timeout):
                raise TimeoutError(f"expected {count} {event} on {topic}, got {len(self.messages(topic, event))}")
            return self.messages(topic, event)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._http.shutdown()
        self._http.server_close()

    # -- the API ------------------------------------------------------------------

    def publish(self, topic: str, fields: dict[str, Any], event: str = "message") -> dict[str, Any]:
        now = int(self.clock())
        message: dict[str, Any] = {
            "id": _new_id(),
            "time": now,
            "expires": now + int(self.cache_duration),
            "event": event,
            "topic": topic,
        }
        if event == "message":
            message["message"] = fields.get("message") or "triggered"
        for key in ("title", "tags", "priority", "click", "sequence_id"):
            if fields.get(key) not in (None, "", []):
                message[key] = fields[key]
        if fields.get("actions"):
            message["actions"] = [{"id": secrets.token_urlsafe(7)[:10], **a} for a in fields["actions"]]
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()
        return message

    def cached(self, topic: str, since: str | None) -> list[dict[str, Any]]:
        with self._cond:
            oldest = self.clock() - self.cache_duration
            kept = [m for m in self._messages if m["topic"] == topic and not _older(m, oldest)]
        if since in (None, "", "all"):
            return kept
        if since == "latest":
            return kept[-1:]
        ids = [m["id"] for m in kept]
        if MESSAGE_ID.fullmatch(since):  # an id, as ntfy tells them apart: 12 letters or digits
            return kept[ids.index(since) + 1 :] if since in ids else kept
        if since.isdigit():
            return [m for m in kept if not _older(m, int(since))]
        found = DURATION.fullmatch(since)
        if found:
            start = self.clock() - int(found.group(1)) * UNITS[found.group(2)]
            return [m for m in kept if not _older(m, start)]
        raise _Refused(400, "invalid request: since parameter invalid")

    def _record(self, seen: Seen) -> None:
        with self._cond:
            self._seen.append(seen)

    def _stream(self, topic: str, since: str | None) -> Iterator[dict[str, Any]]:
        """What a stream subscriber gets: open, the cached messages asked for, then live ones and keepalives."""
        yield {"id": _new_id(), "time": int(self.clock()), "event": "open", "topic": topic}
        sent = {m["id"] for m in (self.cached(topic, None) if since is None else [])}
        for message in self.cached(topic, since) if since is not None else []:
            sent.add(message["id"])
            yield message

        def fresh() -> list[dict[str, Any]]:
            return [m for m in self._messages if m["topic"] == topic and m["id"] not in sent]

        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or bool(fresh()), self.keepalive)
                if self._closed:
                    return
                new = fresh()
            if not new:
                yield {"id": _new_id(), "time": int(self.clock()), "event": "keepalive", "topic": topic}
            for message in new:
                sent.add(message["id"])
                yield message


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ntfy: NtfyServer) -> None:
        self.ntfy = ntfy
        super().__init__((LOCALHOST, 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a subscriber that hung up


class _Refused(Exception):
    def __init__(self, status: int, error: str) -> None:
        self.status, self.error = status, error


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._put)

    def do_PUT(self) -> None:
        self._answer(self._put)

    def do_DELETE(self) -> None:
        self._answer(self._delete)

    # -- the routes -----------------------------------------------------------------

    def _get(self, user: str, path: list[str], query: dict[str, str]) -> dict[str, Any] | None:
        if len(path) != 2 or path[1] != "json":
            raise _Refused(404, "page not found")
        topic = self._topic(path[0])
        self._may(user, topic, read=True)
        ntfy = self.server.ntfy
        if query.get("poll") in ("1", "true", "yes"):
            body = "".join(json.dumps(m) + "\n" for m in ntfy.cached(topic, query.get("since"))).encode()
            self._send(200, body, "application/x-ndjson")
            return None
        ntfy.cached(topic, query.get("since"))  # a since= it cannot read is refused before the stream starts
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        ntfy._record(Seen("GET", self.path, 200, user))
        for event in ntfy._stream(topic, query.get("since")):
            self.wfile.write((json.dumps(event) + "\n").encode())
            self.wfile.flush()
        return None

    def _put(self, user: str, path: list[str], query: dict[str, str]) -> dict[str, Any] | None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ntfy = self.server.ntfy
        if path == [""]:
            try:
                fields = json.loads(body)
            except ValueError:
                raise _Refused(400, "invalid request: request body must be message JSON") from None
            if not isinstance(fields, dict) or not isinstance(fields.get("topic"), str):
                raise _Refused(400, "invalid request: topic is required")
            topic = self._topic(fields["topic"])
            self._may(user, topic, write=True)
            _check_actions(fields.get("actions") or [])
            return ntfy.publish(topic, fields)
        topic = self._topic(path[0])
        self._may(user, topic, write=True)
        if len(path) == 3 and path[2] == "clear" and self.command == "PUT":
            if not ntfy.clearing:
                raise _Refused(404, "page not found")
            return ntfy.publish(topic, {"sequence_id": path[1]}, event="message_clear")
        if len(path) > 2:
            raise _Refused(404, "page not found")
        fields = self._header_fields(query)
        fields["message"] = body.decode("utf-8", errors="replace")
        if len(path) == 2:
            fields["sequence_id"] = path[1]
        return ntfy.publish(topic, fields)

    def _delete(self, user: str, path: list[str], query: dict[str, str]) -> dict[str, Any] | None:
        ntfy = self.server.ntfy
        if len(path) != 2 or not ntfy.clearing:
            raise _Refused(404, "page not found")
        topic = self._topic(path[0])
        self._may(user, topic, write=True)
        return ntfy.publish(topic, {"sequence_id": path[1]}, event="message_delete")

    # -- what they share --------------------------------------------------------------

    def _answer(self, route: Callable[[str, list[str], dict[str, str]], dict[str, Any] | None]) -> None:
        split = urlsplit(self.path)
        path = [unquote(p) for p in split.path.strip("/").split("/")] if split.path.strip("/") else [""]
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        user = "*"
        try:
            user = self._user()
            answer = route(user, path, query)
        except _Refused as refused:
            self.server.ntfy._record(Seen(self.command, self.path, refused.status, user))
            error = {"code": refused.status * 100 + 1, "http": refused.status, "error": refused.error}
            self._send(refused.status, json.dumps(error).encode() + b"\n", "application/json")
            return
        except (BrokenPipeError, ConnectionResetError):
            return
        if answer is not None:
            self.server.ntfy._record(Seen(self.command, self.path, 200, user))
            self._send(200, json.dumps(answer).encode() + b"\n", "application/json")
        elif self.command != "GET" or "poll" in query:
            self.server.ntfy._record(Seen(self.command, self.path, 200, user))

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _user(self) -> str:
        given = self.headers.get("Authorization")
        if not given:
            return "*"
        access = self.server.ntfy.access
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and value in access.tokens:
            return access.tokens[value]
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                raise _Refused(401, "unauthorized") from None
            if access.users.get(user) == password and password:
                return user
            if not user and password in access.tokens:  # a token as the password, with an empty user
                return access.tokens[password]
        raise _Refused(401, "unauthorized")

    def _may(self, user: str, topic: str, *, read: bool = False, write: bool = False) -> None:
        can_read, can_write = self.server.ntfy.access.allowed(user, topic)
        if (read and not can_read) or (write and not can_write):
            raise _Refused(403, "forbidden")

    @staticmethod
    def _topic(name: str) -> str:
        if not TOPIC.fullmatch(name):
            raise _Refused(400, "invalid request: invalid topic")
        return name

    def _header_fields(self, query: dict[str, str]) -> dict[str, Any]:
        def given(*names: str) -> str | None:
            for name in names:
                if self.headers.get(name) is not None:
                    return str(self.headers[name])
                if name.lower() in query:
                    return query[name.lower()]
            return None

        fields: dict[str, Any] = {
            "title": given("X-Title", "Title", "t"),
            "click": given("X-Click", "Click"),
            "sequence_id": given("X-Sequence-ID", "Sequence-ID", "sid"),
        }
        tags = given("X-Tags", "Tags", "ta")
        fields["tags"] = [t.strip() for t in tags.split(",")] if tags else None
        priority = given("X-Priority", "Priority", "p")
        if priority:
            named = {"min": 1, "low": 2, "default": 3, "high": 4, "max": 5, "urgent": 5}
            fields["priority"] = named.get(priority) or int(priority)
        actions = given("X-Actions", "Actions", "Action")
        if actions:
            fields["actions"] = parse_actions(actions)
            _check_actions(fields["actions"])
        return fields


def _check_actions(actions: list[dict[str, Any]]) -> None:
    if len(actions) > 3:
        raise _Refused(400, "invalid request: too many actions, only 3 allowed")
    for action in actions:
        if action.get("action") not in ("view", "http", "broadcast", "copy") or not action.get("label"):
            raise _Refused(400, "invalid request: action invalid")


def _older(message: dict[str, Any], than: float) -> bool:
    """Is the message older than `than`? (A test may give it a time that is not a number: never.)"""
    at = message["time"]
    return isinstance(at, int | float) and at < than


def _new_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(12))


def parse_actions(text: str) -> list[dict[str, Any]]:
    """The short form of X-Actions: `ACTION, LABEL, URL, key=value, ...`, actions split by `;`."""
    actions = []
    for part in _split(text, ";", unquote=False):
        values = _split(part, ",")
        if len(values) < 2:
            raise _Refused(400, "invalid request: action invalid")
        action: dict[str, Any] = {"action": values[0], "label": values[1]}
        rest = values[2:]
        if rest and "=" not in rest[0]:
            action["url"] = rest.pop(0)
        for item in rest:
            key, _, value = item.partition("=")
            if key.startswith("headers."):
                action.setdefault("headers", {})[key[len("headers.") :]] = value
            elif key == "clear":
                action["clear"] = value.lower() == "true"
            else:
                action[key] = value
        if action["action"] == "http":
            action.setdefault("method", "POST")
        actions.append(action)
    return actions


def _split(text: str, separator: str, *, unquote: bool = True) -> list[str]:
    """Split on `separator` outside single or double quotes; values trimmed (and unquoted)."""
    found, current, quote = [], "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
            current += "" if unquote and not quote else char
        elif char in "'\"":
            quote = char
            current += "" if unquote else char
        elif char == separator:
            found.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        found.append(current.strip())
    return found


def press(action: dict[str, Any]) -> int:
    """What the ntfy app does when an http button is pressed: its method, url, headers and body,
    exactly as the message gave them. Returns the status the server answered."""
    assert action["action"] == "http", action
    request = urllib.request.Request(
        action["url"],
        data=str(action.get("body", "")).encode(),
        headers=dict(action.get("headers") or {}),
        method=str(action.get("method") or "POST"),
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    """The action of `message` labelled `label`."""
    found = [a for a in message.get("actions", []) if a.get("label") == label]
    assert len(found) == 1, f"no single {label!r} button in {message.get('actions')}"
    return found[0]
