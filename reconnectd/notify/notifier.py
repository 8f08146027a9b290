"""The Apprise edge: the only module that imports apprise.

Each configured URL is a *target*, delivered to and recorded on its own, so a failing
service is retried without repeating the nudge on the ones that worked. Targets are
named by service, host and place in the config: never by path, where tokens and ntfy topics
live.
"""

from __future__ import annotations

import hashlib
import logging
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconnectd.logs import url_secrets
from reconnectd.notify import ntfy
from reconnectd.notify.presses import buttons, sequence_of
from reconnectd.policy.settings import NotifySettings, Reply, Secret

if TYPE_CHECKING:
    import apprise

log = logging.getLogger(__name__)
nudge_log = logging.getLogger("reconnectd.nudge")
apprise_log = logging.getLogger("apprise")  # it logs tokens at DEBUG: kept at INFO or above

LOG_TARGET = "log"


@dataclass(frozen=True)
class Target:
    id: str
    label: str
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReplyRoute:
    """An ntfy target with a reply topic: where its nudges go, and how their presses come back."""

    server: ntfy.Server  # the nudge topic, with the URL's own login (publishing, clearing)
    reply: Reply
    read_auth: str | None  # reading the reply topic: token_file's token, else the URL's login
    button_token: str | None  # carried in the buttons: reply_token_file's, write-only on the reply topic
    label: str


class Notifier:
    def __init__(
        self,
        urls: tuple[Secret, ...],
        apprise_config: Path | None = None,
        tags: tuple[frozenset[str], ...] = (),
        replies: tuple[Reply | None, ...] = (),
        view_url: str | None = None,
    ) -> None:
        # Apprise logs tokens at DEBUG; never let it, whatever our own level is.
        if apprise_log.getEffectiveLevel() < logging.INFO:
            apprise_log.setLevel(logging.INFO)
        self._urls: dict[str, Secret] = {}
        self._shown: dict[str, str] = {}  # Apprise's privacy form of each URL: what it would show
        self.targets: list[Target] = []
        self.invalid: list[int] = []
        # ntfy targets with a reply topic: published through ntfy's API, with buttons
        self.replies: dict[str, ReplyRoute] = {}
        self.press_key: bytes | None = None  # set from the state directory before sending
        self.view_url = view_url
        for index, url in enumerate(urls):
            if not self._add(url, f"notify.urls[{index}]", tags[index] if index < len(tags) else frozenset()):
                self.invalid.append(index)
                continue
            reply = replies[index] if index < len(replies) else None
            server = ntfy.server_of(url.reveal())
            if reply is not None and server is not None:
                read = _token(reply.token_file) if reply.token_file else None
                button = _token(reply.reply_token_file) if reply.reply_token_file else None
                target = self.targets[-1]
                read_auth = f"Bearer {read}" if read else server.auth
                self.replies[target.id] = ReplyRoute(server, reply, read_auth, button, target.label)
        self.config_error: str | None = None
        if apprise_config is not None:
            loaded = _from_apprise_config(apprise_config)
            if not loaded:
                self.config_error = f"{apprise_config} holds no notification URL Apprise can use"
            for index, (url, url_tags) in enumerate(loaded):
                self._add(url, f"{apprise_config.name}[{index}]", url_tags)
        if not self.targets:
            self.targets.append(Target(LOG_TARGET, "the log"))

    @classmethod
    def for_settings(cls, settings: NotifySettings) -> Notifier:
        return cls(settings.urls, settings.apprise_config, settings.url_tags, settings.url_replies, settings.view_url)

    def _add(self, url: Secret, where: str, tags: frozenset[str]) -> bool:
        service = _service(url)
        if service is None:
            return False
        target_id = hashlib.sha256(url.reveal().encode()).hexdigest()[:16]
        plugin: Any = next(iter(service))
        self._urls[target_id] = url
        self._shown[target_id] = str(plugin.url(privacy=True))
        self.targets.append(Target(target_id, f"{_service_and_host(self._shown[target_id])} ({where})", tags))
        return True

    def secrets(self) -> list[str]:
        """Everything in the URLs that must never be logged."""
        found = []
        for target in self.targets:
            if target.id in self._urls:
                url = self._urls[target.id].reveal()
                found += [url, *url_secrets(url, self._shown[target.id])]
        for route in self.replies.values():
            found += [s for s in (route.button_token, route.read_auth, route.server.auth) if s]
            found += [s.split(" ", 1)[1] for s in (route.read_auth, route.server.auth) if s and " " in s]
        return found

    def send(
        self,
        target: Target,
        title: str,
        body: str,
        *,
        pressable: str | None = None,
        listing: bool = False,
        now: datetime | None = None,
    ) -> str | None:
        """Deliver one message to one target. Returns None on success, or why it failed.

        `pressable` is the key of the nudge the message is about (one person): an ntfy target with a
        reply topic then shows Done / No reply / Snooze buttons for it. A `listing` (a catch-up about
        several people) gets instead a button that opens `notify.view_url`, when there is one.
        """
        if target.id == LOG_TARGET:
            nudge_log.info("nudge: %s — %s", title, body.replace("\n", " / "))
            return None
        if target.id in self.replies:
            route = self.replies[target.id]
            message: dict[str, Any] = {"title": title, "message": body}
            if pressable is not None and self.press_key is not None:
                sent = now or datetime.now(UTC)
                message["actions"] = buttons(
                    self.press_key,
                    route.reply,
                    base=route.server.base,
                    token=route.button_token,
                    nudge=pressable,
                    sent=sent,
                )
                message["sequence_id"] = sequence_of(pressable)
            elif listing and self.view_url:
                message["actions"] = [{"action": "view", "label": "Check-ins", "url": self.view_url, "clear": True}]
            return ntfy.publish(route.server, message)
        # A fresh Apprise per send: plugins throttle repeated sends on one instance.
        service = _service(self._urls[target.id])
        assert service is not None
        result = service.notify(body=body, title=title)
        try:
            if result:
                return None
            said = " ".join(str(getattr(e, "message", e)) for attempt in result for e in attempt.logs())
            if "connection error" in said.lower():
                return _connection_failure(service[0])
            return "the service did not accept the notification"
        finally:
            result.close()


def _connection_failure(plugin: Any) -> str:
    """Why the service could not be reached, in a few words: 'connection refused' when it was."""
    host, port = getattr(plugin, "host", None), getattr(plugin, "port", None)
    if not isinstance(host, str):
        return "could not connect to the service"
    port = port if isinstance(port, int) else 443 if getattr(plugin, "secure", False) else 80
    try:
        with socket.create_connection((host, port), timeout=5):
            return f"could not connect to {host}:{port}"
    except ConnectionRefusedError:
        return f"connection refused by {host}:{port}"
    except socket.gaierror:
        return f"the host name {host} does not resolve"
    except OSError as failure:
        return f"could not connect to {host}:{port} ({failure.strerror or failure})"


def _service_and_host(private: str) -> str:
    """'ntfy://ntfy.sh' from 'ntfy://ntfy.sh/topic?priority=default', and just 'pover://' from a Pushover URL.

    The host is shown only when it is a host name or address: many services (Pushover, Discord, Telegram)
    put a token where the host goes, and Apprise's privacy form would still show its first and last characters.
    """
    scheme, _, rest = private.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    return f"{scheme}://{host}" if _is_host(host) else f"{scheme}://"


def _is_host(text: str) -> bool:
    name = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    if "..." in name or "*" in name:  # masked by Apprise: a secret
        return False
    if name.startswith("[") or name == "localhost":
        return True
    return "." in name and all(re.fullmatch(r"[A-Za-z0-9-]{1,63}", label) for label in name.split("."))


def _service(url: Secret) -> apprise.Apprise | None:
    import apprise  # noqa: PLC0415  (only with a URL to read: a config without notify.urls never loads Apprise)

    service = apprise.Apprise()
    level, apprise_log.level = apprise_log.level, logging.CRITICAL  # we report a bad URL ourselves, at its line
    try:
        return service if service.add(url.reveal()) else None
    finally:
        apprise_log.level = level


def _from_apprise_config(path: Path) -> list[tuple[Secret, frozenset[str]]]:
    """The services an Apprise config file (YAML or TEXT) defines, as full URLs with their tags."""
    import apprise  # noqa: PLC0415

    config = apprise.AppriseConfig()
    config.add(str(path))
    found = []
    for plugin in config.services():
        service: Any = plugin
        found.append((Secret(str(service.url(privacy=False))), frozenset(str(t) for t in service.tags)))
    return found


def _token(path: Path) -> str | None:
    """A reply topic's token, from token_file or reply_token_file (check read it; a file gone since is a
    warning, and what needed it goes without)."""
    try:
        return path.read_text().strip() or None
    except (OSError, UnicodeDecodeError) as error:
        log.warning("cannot read the ntfy token in %s (%s); going on without it", path, error)
        return None
