"""The command line. The only place that reads the clock and maps errors to exit codes.

Here: the group and `main`. Each command lives in the module of its group and only parses, then calls
the core: `setup` (check, init, calendars), `service` (sync, run), `people` (done, history, pause, resume,
snooze), `undo`, `views` (status, plan), `page` (report), `contacts`. What they share is in `common`: the global
options, reading a moment typed on the command line; the commands that reach the calendar or Apprise also share
`connected`.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from reconnectd import __version__
from reconnectd.cli.common import Options
from reconnectd.daemon.environment import default_config_path, default_state_dir, wall_clock
from reconnectd.errors import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, ConfigError, ReconnectdError
from reconnectd.logs import run_logging, setup_logging

log = logging.getLogger("reconnectd")

# Each command lives in the module of its group, imported only when that command runs (or for --help),
# so `status` never loads the calendar or Apprise. Listed here, in one place, in the order of --help;
# no command module imports the group (no import cycle).
COMMANDS = {
    "check": "setup:check",
    "init": "setup:init",
    "calendars": "setup:calendars",
    "sync": "service:sync",
    "run": "service:run",
    "status": "views:status",
    "plan": "views:plan_command",
    "history": "people:history",
    "pause": "people:pause",
    "resume": "people:resume",
    "snooze": "people:snooze",
    "contacts": "contacts:contacts",
    "report": "page:report",
    "done": "people:done",
    "undo": "undo:undo",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(f"reconnectd.cli.{module}"), name)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file. Default: $XDG_CONFIG_HOME/reconnectd/config.yaml",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where state lives. Default: $STATE_DIRECTORY, else $XDG_STATE_HOME/reconnectd",
)
@click.option("--verbose", "-v", is_flag=True, help="Log more (debug).")
@click.option("--quiet", "-q", is_flag=True, help="Log only warnings and errors.")
@click.version_option(__version__, prog_name="reconnectd")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, state_dir: Path | None, verbose: bool, quiet: bool) -> None:
    """Keep in touch with the people who matter.

    reconnectd writes gentle check-ins into your calendar and nudges your phone when
    one comes due.

    \b
    Example:
      reconnectd --config config.example.yaml run
    """
    redactor = setup_logging(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    ctx.obj = Options(
        config_path or default_config_path(),
        state_dir or default_state_dir(),
        wall_clock,
        redactor,
        config_path is not None,
    )


def main(argv: list[str] | None = None) -> NoReturn:
    with run_logging():  # a second main() in the same process starts with nothing of this one's
        _main(argv)


def _main(argv: list[str] | None) -> NoReturn:
    try:
        cli.main(args=argv, prog_name="reconnectd", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_RUNTIME)
    except click.ClickException as failure:
        failure.show()
        sys.exit(EXIT_USAGE)
    except ConfigError as failure:
        click.echo(str(failure), err=True)
        sys.exit(failure.exit_code)
    except ReconnectdError as failure:
        click.echo(f"reconnectd: {failure}", err=True)
        sys.exit(failure.exit_code)
    except Exception as failure:  # a bug of ours: one line for the user, the details at --verbose
        log.debug("internal error", exc_info=True)
        click.echo(
            f"reconnectd: internal error: {type(failure).__name__}: {failure} (run with --verbose for details)",
            err=True,
        )
        sys.exit(EXIT_RUNTIME)
    sys.exit(EXIT_OK)
