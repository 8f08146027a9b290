"""Buttons on ntfy nudges, and the presses that come back on the reply topic.

Each button's body names the nudge, the action and when it was sent, with an HMAC-SHA256 over
them made with a key that lives only in the state directory (press.key, mode 0600). A press with
a wrong MAC, for an unknown nudge, for a nudge already answered, or older than FRESH is ignored
and logged once (the topic's position moves past it). A nudge with buttons has a sequence id, and a
good press (or a second one) clears its notification on every device where the server can.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconnectd.notify.ntfy import Server, clear, poll
from reconnectd.policy.model import Contact, Outcome
from reconnectd.policy.settings import Reply
from reconnectd.state import Store

log = logging.getLogger(__name__)

FROM_PHONE = "phone"
FRESH = timedelta(days=7)  # a press on a nudge sent longer ago than this is stale
ACTIONS = {"done": "Done", "noreply": "No reply", "snooze": "Snooze"}
TEST = "test-"  # the key of check --send-test's nudge starts so


def press_key(state_dir: Path) -> bytes:
    """The MAC key, made once (0600) in the state directory."""
    path = state_dir / "press.key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())


def _mac(key: bytes, nudge: str, action: str, sent: int) -> str:
    return hmac.new(key, f"{nudge}\n{action}\n{sent}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def press_body(key: bytes, nudge: str, action: str, sent: datetime) -> str:
    at = int(sent.timestamp())
    return json.dumps({"nudge": nudge, "action": action, "sent": at, "mac": _mac(key, nudge, action, at)})


def buttons(
    key: bytes, reply: Reply, *, base: str, token: str | None, nudge: str, sent: datetime
) -> list[dict[str, Any]]:
    """The three http actions of a nudge: each POSTs its signed body to the reply topic."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return [
        {
            "action": "http",
            "label": label,
            "url": f"{base}/{reply.topic}",
            "method": "POST",
            "headers": headers,
            "body": press_body(key, nudge, action, sent),
            "clear": True,
        }
        for action, label in ACTIONS.items()
    ]


def sequence_of(nudge: str) -> str:
    """The ntfy sequence id of a nudge's notification: the same each time, so that a press can clear it."""
    return "rc-" + hashlib.sha256(nudge.encode()).hexdigest()[:24]


def test_nudge(now: datetime) -> str:
    """A key for `check --send-test`'s nudge: its presses are read back by check, and recorded nowhere."""
    return f"{TEST}{int(now.timestamp())}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Press:
    nudge: str
    action: str
    sent: datetime


def read_presses(store: Store, key: bytes, *, server: Server, reply: Reply, auth: str | None, now: datetime) -> int:
    """Read the reply topic after the last id seen, apply each good press; returns how many applied.

    `server` is the nudge topic: a press clears its notification there, on every device."""
    base = server.base
    position = f"ntfy.since.{base}/{reply.topic}"
    events = poll(base, reply.topic, auth, store.get_meta(position) or "all")
    applied = 0
    for event in events:
        done, answered = _apply(store, key, reply, event, now)
        applied += done
        if answered is not None:
            failure = clear(server, sequence_of(answered))
            if failure is not None:
                log.debug("the nudge's notification was not cleared on the server (%s)", failure)
        store.set_meta(position, str(event["id"]))
    store.set_meta(read_key(base, reply.topic), now.isoformat())
    return applied


def read_key(base: str, topic: str) -> str:
    """The meta key holding when the reply topic `topic` on `base` was last read."""
    return f"ntfy.read.{base}/{topic}"


def test_press(key: bytes, *, base: str, reply: Reply, auth: str | None, nudge: str, since: int) -> str | None:
    """The label of a good press on `check --send-test`'s nudge, among the reply topic's messages since `since`."""
    for event in poll(base, reply.topic, auth, str(since)):
        press = _verified(key, reply, event, quiet=True)
        if isinstance(press, Press) and press.nudge == nudge:
            return ACTIONS.get(press.action, press.action)
    return None


def _verified(key: bytes, reply: Reply, event: dict[str, Any], *, quiet: bool = False) -> Press | None:
    """The press a message on the reply topic carries, if its MAC is ours; else None, logged."""
    try:
        press = json.loads(event.get("message", ""))
        nudge, action, sent, mac = press["nudge"], press["action"], int(press["sent"]), press["mac"]
        sent_at = datetime.fromtimestamp(sent, UTC)
    except (ValueError, KeyError, TypeError, OverflowError, OSError):
        if not quiet:
            log.warning("ignored a message on the reply topic %s: it is not a press", reply.topic)
        return None
    ours = _mac(key, str(nudge), str(action), sent).encode()
    if not isinstance(mac, str) or not hmac.compare_digest(mac.encode("utf-8", "surrogatepass"), ours):  # any text
        if not quiet:
            log.warning(
                "ignored a press on the reply topic %s: its MAC is wrong (forged or from another key)", reply.topic
            )
        return None
    return Press(str(nudge), str(action), sent_at)


def _apply(store: Store, key: bytes, reply: Reply, event: dict[str, Any], now: datetime) -> tuple[bool, str | None]:
    """Whether the press was applied, and the nudge whose notification may now be cleared."""
    press = _verified(key, reply, event)
    if press is None:
        return False, None
    nudge, action = press.nudge, press.action
    if nudge.startswith(TEST):
        log.info("a press on the test nudge of check --send-test (%s): nothing to record", ACTIONS.get(action, action))
        return False, None
    at = _pressed_at(event, now)
    if at - press.sent > FRESH:
        log.warning("ignored a stale press for nudge %s (sent %s)", nudge, press.sent)
        return False, None
    person = store.nudge_person(nudge)
    if person is None:
        log.warning("ignored a press for an unknown nudge %s", nudge)
        return False, None
    if not store.claim_press(nudge, action, str(event["id"]), now):
        log.info("ignored a second press for nudge %s", nudge)
        return False, nudge
    if action == "done":
        store.record_contact(Contact(person, at, Outcome.REPLIED, source=FROM_PHONE), recorded_at=now)
    elif action == "noreply":
        store.record_contact(Contact(person, at, Outcome.NO_REPLY, source=FROM_PHONE), recorded_at=now)
    elif action == "snooze":
        upcoming = [c for c in store.ledger().upcoming(now) if c.person == person and not c.pinned]
        if upcoming:
            store.snooze(upcoming[0].uid, reply.snooze)
    log.info("from the phone: %s for %s", ACTIONS.get(action, action), person)
    return True, nudge


def _pressed_at(event: dict[str, Any], now: datetime) -> datetime:
    """When the server says the button was pressed: never after `now`, and `now` when it says nothing usable."""
    try:
        return min(datetime.fromtimestamp(int(event["time"]), UTC), now)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return now
