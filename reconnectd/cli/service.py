"""Running: one cycle and exit (sync), or the long-running service (run)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import timedelta

import click

from reconnectd import __version__
from reconnectd.cli.common import Options, pass_options
from reconnectd.cli.connected import describe_calendar, full_config
from reconnectd.daemon.cycle import run_cycle
from reconnectd.daemon.loop import Daemon, Requests
from reconnectd.daemon.runtime import open_runtime
from reconnectd.daemon.sdnotify import SystemdNotifier
from reconnectd.errors import EXIT_RUNTIME
from reconnectd.policy.english import plural

log = logging.getLogger("reconnectd")

AHEAD_OF_CLOCK = timedelta(minutes=5)  # a --now further ahead than this is time travel, not clock skew


@click.command()
@click.option(
    "--now",
    "now_text",
    metavar="WHEN",
    help="Act as if it were this moment (recorded as if it had come): 2026-12-01T18:00, or +3d, +2h, +1w, -1d.",
)
@pass_options
def sync(options: Options, now_text: str | None) -> None:
    """Run one full cycle: update the calendar, send the nudges due now, exit.

    \b
    Example:
      reconnectd sync --now +2d
    """
    config = full_config(options)
    clock = options.clock()
    now = options.now(config, now_text)
    with open_runtime(config, options.state_dir) as runtime:
        report = run_cycle(
            config,
            runtime.store,
            runtime.calendar,
            runtime.notifier,
            now,
            progress=terminal_progress(),
            address_book=runtime.address_book(),
        )
        log.info(report.summary())
        error = report.calendar_error or runtime.calendar_error
    if now - clock > AHEAD_OF_CLOCK:
        log.warning(
            "--now %s (%s) is ahead of the clock: this sync is recorded as if that time had come (the check-ins "
            "and dates before it passed, their nudges sent); to look ahead without recording anything, use "
            "`reconnectd plan` or `reconnectd status --now %s`",
            now_text,
            f"{now.astimezone(config.timezone):%a %d %b %H:%M}",
            now_text,
        )
    if error:
        click.echo(f"reconnectd: calendar unavailable: {error}", err=True)
        sys.exit(EXIT_RUNTIME)


@click.command()
@pass_options
def run(options: Options) -> None:
    """Run in the foreground: sync, sleep until the next check-in or poll, repeat.

    Stop it with Ctrl-C or SIGTERM.

    \b
    Example:
      reconnectd --config config.example.yaml run
    """
    requests = Requests()
    requests.install()  # first: a SIGHUP while starting up is a reload once started, not the end
    config = full_config(options)
    people = plural(len(config.people), "person", "people")

    def started() -> None:  # only once this run holds the state directory: a second `run` says only why not
        log.info("reconnectd %s: %s, calendar: %s", __version__, people, describe_calendar(config))

    with open_runtime(config, options.state_dir, service=True, held=started) as runtime:
        daemon = Daemon(
            runtime,
            options.clock,
            SystemdNotifier.from_environment(),
            reload_config=lambda: full_config(options),
            progress=terminal_progress(),
            requests=requests,
        )
        daemon.run()


def terminal_progress() -> Callable[[int, int], None] | None:
    """A count of calendar writes on a terminal, for a long first sync; nothing when not a TTY."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total >= PROGRESS_FROM:
            click.echo(f"\rwriting to the calendar: {done}/{total}", nl=done == total, err=True)

    return show


PROGRESS_FROM = 20  # writes; fewer are over before a count would help
