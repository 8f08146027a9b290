"""What the commands that reach the calendar or Apprise share (`check`, `calendars`, `sync`, `run`): the
config checked in full, and naming the calendar. Kept apart from `common` so the everyday commands never
import the calendar or Apprise."""

from __future__ import annotations

from reconnectd.calendar.embedded import embedded_url
from reconnectd.cli.common import Options
from reconnectd.daemon.runtime import read_config
from reconnectd.policy.settings import Config


def full_config(options: Options) -> Config:
    """The config checked in full: Apprise reads the URLs and every object is rehearsed."""
    return read_config(options.config_path, options.redactor)


def describe_calendar(config: Config) -> str:
    if config.calendar.url is None:
        host, port = config.calendar.listen
        return f'embedded, at {embedded_url(host, port)} ("{config.calendar.name}")'
    return f'"{config.calendar.name}" on {config.calendar.url}'
