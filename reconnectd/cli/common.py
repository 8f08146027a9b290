"""What every command shares: the global options, reading a moment typed on the command line, naming the calendar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import click

from reconnectd.calendar.embedded import embedded_url
from reconnectd.daemon.runtime import read_config
from reconnectd.errors import UsageError
from reconnectd.policy.bounds import OUTSIDE, within
from reconnectd.policy.settings import Config
from reconnectd.state import Store


@dataclass
class Options:
    config_path: Path
    state_dir: Path
    clock: Callable[[], datetime]

    def config(self) -> Config:
        return read_config(self.config_path)

    def now(self, config: Config, now_text: str | None) -> datetime:
        """The moment given with --now, else the clock."""
        return parse_moment(now_text, config) if now_text else self.clock()

    def store(self) -> Store:
        return Store(self.state_dir / "state.db")


pass_options = click.make_pass_decorator(Options)


def parse_moment(text: str, config: Config) -> datetime:
    """An ISO date or date-time; without an offset it is read in the configured time zone."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(12, 0))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f'"{text}" is not a date or time (write it like 2026-12-01 or 2026-12-01T18:00)') from None
    if not within(moment):
        raise UsageError(OUTSIDE.format(text=text))
    return moment if moment.tzinfo else moment.replace(tzinfo=config.timezone)


def describe_calendar(config: Config) -> str:
    if config.calendar.url is None:
        host, port = config.calendar.listen
        return f'embedded, at {embedded_url(host, port)} ("{config.calendar.name}")'
    return f'"{config.calendar.name}" on {config.calendar.url}'
