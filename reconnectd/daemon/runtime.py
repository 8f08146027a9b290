"""Wiring: paths, the clock, and the edges a command needs, opened and closed together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.embedded import PASSWORD, USERNAME, EmbeddedCalendar
from reconnectd.daemon import heard
from reconnectd.daemon.cycle import calendar_url_key
from reconnectd.daemon.environment import read_settings
from reconnectd.daemon.rehearsal import rehearse
from reconnectd.errors import CalendarError, ConfigError, Problem
from reconnectd.logs import Redactor
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.settings import Config
from reconnectd.state import Store, hold_service

log = logging.getLogger(__name__)


def read_config(path: Path, redactor: Redactor) -> Config:
    """The config, resolved and checked in full: what `check`, `sync` and `run` (and its reloads) use, so
    that a config Apprise cannot read or that cannot be planned and rendered never replaces the last good one.
    Its secrets are taught to the run's `redactor`."""
    config = read_settings(path, redactor)
    notifier = Notifier.for_settings(config.notify)
    redactor.learn(notifier.secrets())
    if notifier.config_error:
        line = config.notify.source_lines.get("apprise_config")
        raise ConfigError([Problem(config.file, line, "notify.apprise_config", notifier.config_error)])
    invalid = notifier.invalid
    if invalid:
        problems = [
            Problem(
                config.file,
                config.notify.url_lines[i] if i < len(config.notify.url_lines) else None,
                f"notify.urls[{i}]",
                "is not a URL Apprise understands (see https://appriseit.com for the forms)",
            )
            for i in invalid
        ]
        raise ConfigError(problems)
    rehearse(config)
    return config


@dataclass
class Runtime:
    """A command's open resources. Use as a context manager."""

    config: Config
    store: Store
    notifier: Notifier
    calendar: CalendarClient | None
    calendar_error: str | None
    state_dir: Path
    _stack: ExitStack
    book: heard.KeptBook = field(default_factory=heard.KeptBook)  # the CardDAV address book, kept open

    def address_book(self) -> heard.Opener | None:
        """The address book of this config, opened once and kept (None without contacts.url)."""
        return self.book.opener(self.config, self.store)

    def connect(self) -> CalendarClient | None:
        """The calendar, opening it if an earlier attempt failed."""
        if self.calendar is None:
            try:
                self.calendar = _open_calendar(self.config, self.state_dir, self._stack, self.store)
                self.calendar_error = None
            except CalendarError as failure:
                self.calendar_error = str(failure)
        return self.calendar

    def use(self, config: Config) -> None:
        """Switch to a new, valid config; reconnect the calendar only if its settings changed."""
        if config.calendar != self.config.calendar and self.calendar is not None:
            self.calendar.close()
            self.calendar = None
        self.config = config
        self.notifier = Notifier.for_settings(config.notify)

    def close(self) -> None:
        self.book.close()
        self._stack.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_runtime(
    config: Config,
    state_dir: Path,
    *,
    with_calendar: bool = True,
    service: bool = False,
    held: Callable[[], None] = lambda: None,
) -> Runtime:
    """`service`: the long-running daemon, one per state directory (AlreadyRunning if another has it);
    `held` is called once it holds the directory, before anything else is opened."""
    stack = ExitStack()
    try:
        if service:  # first: before the store, the embedded calendar's port or the network
            stack.callback(hold_service(state_dir).close)
            held()
        store = stack.enter_context(Store.in_dir(state_dir))
        runtime = Runtime(config, store, Notifier.for_settings(config.notify), None, None, state_dir, stack)
        if with_calendar:
            runtime.connect()
    except BaseException:
        stack.close()  # what was opened so far, the locks with it
        raise
    return runtime


def calendar_client(config: Config, state_dir: Path, stack: ExitStack) -> CalendarClient:
    """A client for the configured server (starting the embedded one if needed), not yet opened."""
    settings = config.calendar
    if settings.url is None:
        host, port = settings.listen
        server = EmbeddedCalendar(state_dir / "calendar", host, port)
        try:
            server.start()
        except OSError as failure:
            raise CalendarError(str(failure)) from None
        stack.callback(server.stop)
        url: str = server.url
        username: str | None = USERNAME
        password: str | None = PASSWORD
    else:
        url, username = settings.url, settings.username
        password = settings.password.reveal() if settings.password else None
    client = CalendarClient(
        url, username, password, verify_tls=settings.verify_tls, timeout=settings.timeout.total_seconds()
    )
    stack.callback(client.close)
    return client


def address_book_opener(config: Config) -> heard.Opener | None:
    """How to open the CardDAV address book of `contacts.url` (None for a local path, or none)."""
    return heard.address_book(config)


def _open_calendar(config: Config, state_dir: Path, stack: ExitStack, store: Store) -> CalendarClient:
    """The client, with the calendar found (from the URL remembered last time, if any) or created."""
    client = calendar_client(config, state_dir, stack)
    client.open(config.calendar.name, store.get_meta(calendar_url_key(client.server_url, config.calendar)))
    return client
