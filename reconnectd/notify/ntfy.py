"""ntfy's own HTTP API, for nudges that carry Done / No reply / Snooze buttons (Apprise's ntfy
plugin takes one set of actions per URL, not per message).

- publish: POST a JSON message to the server's root URL (docs/publish.md, "Publish as JSON"),
  with `actions` of type `http`: the phone sends `method` `url` with `headers` and `body` when
  a button is pressed, and `clear: true` removes the notification afterwards.
- poll: GET /TOPIC/json?poll=1&since=ID (docs/subscribe/api.md) gives one JSON object a line;
  events other than "message" are skipped. ntfy keeps messages 12 hours by default.
- clear: a message published with a `sequence_id` is cleared on every device by
  PUT /TOPIC/SEQUENCE_ID/clear (docs/publish.md, "Clearing notifications", ntfy 2.16 and later;
  an older server answers 404, and the pressing phone still clears it itself).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 20


@dataclass(frozen=True)
class Server:
    base: str  # http(s)://host[:port]
    topic: str
    auth: str | None = None  # an Authorization header value


def server_of(url: str) -> Server | None:
    """The server and topic of an Apprise ntfy URL (ntfy:// is http, ntfys:// https)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("ntfy", "ntfys") or not parts.hostname:
        return None
    topic = parts.path.strip("/").split("/")[0]
    if not topic:
        return None
    scheme = "https" if parts.scheme == "ntfys" else "http"
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    auth = None
    if parts.username and parts.password:
        pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password)}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    elif parts.username:
        auth = f"Bearer {urllib.parse.unquote(parts.username)}"
    return Server(f"{scheme}://{host}", topic, auth)


def publish(server: Server, message: dict[str, Any]) -> str | None:
    """Publish one JSON message; None when the server took it, else why not."""
    headers = {"Content-Type": "application/json"}
    if server.auth:
        headers["Authorization"] = server.auth
    body = json.dumps({"topic": server.topic, **message}).encode()
    request = urllib.request.Request(server.base + "/", data=body, headers=headers, method="POST")  # noqa: S310 (http or https, built above)
    return _send(server, request)


def clear(server: Server, sequence_id: str) -> str | None:
    """Clear the notification of `sequence_id` on the nudge topic; None when done, else why not."""
    headers = {"Authorization": server.auth} if server.auth else {}
    url = f"{server.base}/{urllib.parse.quote(server.topic)}/{urllib.parse.quote(sequence_id)}/clear"
    return _send(server, urllib.request.Request(url, data=b"", headers=headers, method="PUT"))  # noqa: S310


def _send(server: Server, request: urllib.request.Request) -> str | None:
    """None when the server took the request, else why not (never its URL, which holds the topic)."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            response.read()
        return None
    except urllib.error.HTTPError as error:
        return f"the ntfy server answered {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"could not connect to {server.base} ({getattr(error, 'reason', error)})"


def why(error: OSError) -> str:
    """Why the reply topic could not be read, pointing at the fix when the server refused."""
    code = getattr(error, "code", None)
    if code in (401, 403):
        return f"the server answered {code}: token_file's token must be allowed to read the reply topic"
    return str(getattr(error, "reason", None) or error)


def poll(base: str, topic: str, auth: str | None, since: str) -> list[dict[str, Any]]:
    """The messages on `topic` after `since` (a message id, "all" for everything cached, or a Unix time)."""
    query = urllib.parse.urlencode({"poll": "1", "since": since})
    headers = {"Authorization": auth} if auth else {}
    request = urllib.request.Request(f"{base}/{urllib.parse.quote(topic)}/json?{query}", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        lines = response.read().decode().splitlines()
    found = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event", "message") == "message" and "id" in event:
            found.append(event)
    return found
