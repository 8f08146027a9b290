"""What every command shares: the global options, reading a moment typed on the command line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click

from reconnectd.contacts.cache import with_cached
from reconnectd.daemon.environment import read_settings
from reconnectd.errors import UsageError
from reconnectd.logs import Redactor
from reconnectd.policy.bounds import OUTSIDE, within
from reconnectd.policy.settings import Config
from reconnectd.state import Store


@dataclass
class Options:
    config_path: Path
    state_dir: Path
    clock: Callable[[], datetime]
    redactor: Redactor  # this run's: it masks the secrets of every config read
    config_given: bool = False  # --config was on the command line (so hints repeat it)

    def settings(self) -> Config:
        """The config without Apprise and the rehearsal: for commands that only read the store or record
        what the user typed. With contacts:, its people include those of the address book's last read."""
        config = read_settings(self.config_path, self.redactor)
        if config.contacts is None or not (self.state_dir / Store.FILE_NAME).exists():
            return config
        with self.store() as store:
            return with_cached(config, store)

    def now(self, config: Config, now_text: str | None) -> datetime:
        """The moment given with --now, else the clock."""
        return parse_moment(now_text, config, self.clock()) if now_text else self.clock()

    def store(self) -> Store:
        return Store.in_dir(self.state_dir)


pass_options = click.make_pass_decorator(Options)


_OFFSET = re.compile(r"([+-])(\d{1,5})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, config: Config, now: datetime | None = None) -> datetime:
    """An ISO date or date-time (without an offset, read in the configured time zone), or, given
    `now`, an offset from it: +3d, +2h, +1w, -1d, +30m."""
    offset = _OFFSET.fullmatch(text.strip())
    if offset and now is not None:
        sign, count, unit = offset.groups()
        try:
            step = timedelta(**{_UNITS[unit]: int(count)})
            moment = now + step if sign == "+" else now - step
        except OverflowError:
            raise UsageError(OUTSIDE.format(text=text)) from None
        if not within(moment):
            raise UsageError(OUTSIDE.format(text=text))
        return moment
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(12, 0))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        relative = ", or from now like +3d, +2h, +1w, -1d" if now is not None else ""
        raise UsageError(
            f'"{text}" is not a date or time (write it like 2026-12-01 or 2026-12-01T18:00{relative})'
        ) from None
    if not within(moment):
        raise UsageError(OUTSIDE.format(text=text))
    return moment if moment.tzinfo else moment.replace(tzinfo=config.timezone)
