"""Setting up: write a starter config, check it (and the calendar and the phone), list the server's calendars."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from reconnectd.cli.common import Options, pass_options
from reconnectd.cli.connected import describe_calendar, full_config
from reconnectd.config.credentials import CREDENTIAL_FILE
from reconnectd.config.starter import Answers, starter_config
from reconnectd.contacts import book
from reconnectd.daemon.environment import system_timezone
from reconnectd.daemon.runtime import address_book_opener, calendar_client
from reconnectd.errors import EXIT_RUNTIME, CalendarError, ReconnectdError, UsageError
from reconnectd.notify.notifier import Notifier
from reconnectd.policy import identity
from reconnectd.policy.english import plural
from reconnectd.policy.settings import Config
from reconnectd.sources import watched


@click.command()
@click.option("--connect", is_flag=True, help="Also log in to the calendar server and find the calendar.")
@click.option("--send-test", is_flag=True, help="Also send a test nudge to every notification service.")
@pass_options
def check(options: Options, connect: bool, send_test: bool) -> None:
    """Validate the config file; exit 0 if it is valid, 2 if not.

    With --connect, log in and report the calendar it will use (or what to fix); with
    --send-test, send a test nudge to each service and report each result (exit 1 on a failure).

    \b
    Example:
      reconnectd check --connect --send-test
    """
    config = full_config(options)
    click.echo(
        f"{config.file}: OK ({plural(len(config.people), 'person', 'people')}, calendar: {describe_calendar(config)})"
    )
    if config.contacts is not None:
        groups = ", ".join(rule.group for rule in config.contacts.groups) or "none mapped"
        click.echo(f"contacts: {config.contacts.where} (groups: {groups}; `reconnectd contacts` shows who is planned)")
    if (options.state_dir / "state.db").exists():
        with options.store() as store:
            gone, new = identity.unlinked_renames(store.names(), config.people)
        if gone:
            click.echo(identity.rename_hint(gone, new))
    failed = False
    if connect:
        with ExitStack() as stack:
            client = calendar_client(config, options.state_dir, stack)
            try:
                found = client.find(config.calendar.name)
                every = client.calendars()
                names = [display for display, _ in every]
            except CalendarError as error:
                click.echo(f"calendar: {error}", err=True)
                failed = True
            else:
                # "logged in" only on proof: the server named our principal.
                where = "logged in" if client.principal else "connected, but the server named no principal for us"
                if found:
                    click.echo(f'calendar: {where}; will write to "{config.calendar.name}" at {found}')
                else:
                    others = ", ".join(f'"{n}"' for n in names) or "none"
                    click.echo(
                        f'calendar: {where}; no calendar named "{config.calendar.name}" yet (it is created on the '
                        f"first sync if the server allows; existing: {others})"
                    )
                if watched.watching(config.calendar):
                    _say_watched(watched.choose(config.calendar, every, found or ""))
        if config.contacts is not None:
            failed = not _say_contacts(config) or failed
    if send_test:
        notifier = Notifier.for_settings(config.notify)
        for target in notifier.targets:
            body = "This is a test from reconnectd. Nudges will arrive here."
            outcome = notifier.send(target, "reconnectd test", body)
            click.echo(f"notify: {target.label}: " + ("delivered" if outcome is None else f"FAILED ({outcome})"))
            failed = failed or outcome is not None
    if failed:
        sys.exit(EXIT_RUNTIME)


def _say_contacts(config: Config) -> bool:
    """The address book `check --connect` reads, and how many cards it holds. False if it cannot be read."""
    assert config.contacts is not None
    where = config.contacts.where
    opener = address_book_opener(config)
    try:
        if opener is None:
            objects, cards = book.probe(config.contacts, None)
        else:
            with opener() as remote:
                objects, cards = book.probe(config.contacts, remote)
    except ReconnectdError as error:
        click.echo(f"contacts: {error}", err=True)
        return False
    kind = "CardDAV address book" if config.contacts.url else "vCard folder" if objects != 1 else "vCard file"
    click.echo(f"contacts: will read the {kind} {where} ({plural(cards, 'card')}, read only)")
    return True


def _say_watched(chosen: watched.Watched) -> None:
    """The watched calendars found, read only, and the ones the config names that the server lacks."""
    for name, url in chosen.found:
        click.echo(f'watch: "{name}" at {url} (read only)')
    if not chosen.found and not chosen.missing:
        click.echo("watch: no other calendar to watch on this login")
    for name in chosen.missing:
        click.echo(f'watch: no calendar named "{name}" on this login (check calendar.watch)', err=True)


@click.command()
@click.option("--url", help="Your CalDAV server (leave out for the embedded calendar).")
@click.option("--username", help="Your CalDAV login.")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the CalDAV password from this file (it is kept in a private file beside the config).",
)
@click.option("--password-stdin", is_flag=True, help="Read the CalDAV password from the first line of stdin.")
@click.option("--notify", "notify_url", metavar="APPRISE-URL", help="Where nudges go, e.g. ntfy://ntfy.sh/topic.")
@click.option("--timezone", help="Your IANA time zone (default: this machine's).")
@pass_options
def init(
    options: Options,
    *,
    url: str | None,
    username: str | None,
    password_file: Path | None,
    password_stdin: bool,
    notify_url: str | None,
    timezone: str | None,
) -> None:
    """Write a commented starter config (it never overwrites one).

    On a terminal it asks for what it needs; otherwise it takes the flags. The password is
    never an argument: give --password-file or --password-stdin.

    \b
    Example:
      reconnectd init --url https://dav.example.com/ --username sam --password-stdin < pw.txt
    """
    path = options.config_path
    if path.exists():
        raise UsageError(f"{path} already exists; edit it, or pass --config to write a new one elsewhere")
    if password_file and password_stdin:
        raise UsageError("give the password one way: --password-file or --password-stdin, not both")
    password = _given_password(password_file, password_stdin)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    machine = system_timezone() or "UTC"
    if interactive:
        timezone = timezone or click.prompt("Your time zone", default=machine)
        url = (
            url or click.prompt("CalDAV URL (empty: use the embedded calendar)", default="", show_default=False) or None
        )
        if url:
            username = username or click.prompt("CalDAV username")
            password = password or click.prompt(
                "CalDAV password (stored in a private file)", hide_input=True, default="", show_default=False
            )
        notify_url = (
            notify_url
            or click.prompt("Apprise URL for nudges (empty: the log)", default="", show_default=False)
            or None
        )
    timezone = timezone or machine
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f'"{timezone}" is not a time zone (write an IANA name, like Europe/London)') from None
    stored = None
    if password:
        secret = path.parent / CREDENTIAL_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        secret.touch(mode=0o600, exist_ok=True)
        secret.write_text(password + "\n", encoding="utf-8")
        stored = CREDENTIAL_FILE  # a relative name is read beside the config, wherever it is
    text = starter_config(Answers(timezone, url, username, stored, notify_url))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
        out.write(text)
    path.chmod(0o600)
    where = f"--config {path} " if options.config_given else ""
    click.echo(f"Wrote {path}. Next: add your people, then run: reconnectd {where}check --connect --send-test")


def _given_password(password_file: Path | None, password_stdin: bool) -> str | None:
    """The password from --password-file or --password-stdin: its first line, without the newline."""
    if password_file is not None:
        text = password_file.read_text(encoding="utf-8")
    elif password_stdin:
        text = sys.stdin.readline()
    else:
        return None
    lines = text.splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise UsageError("the password given is empty")
    return password


@click.command()
@pass_options
def calendars(options: Options) -> None:
    """List the calendars on the server, to pick one for calendar.name.

    \b
    Example:
      reconnectd calendars
    """
    config = full_config(options)
    with ExitStack() as stack:
        client = calendar_client(config, options.state_dir, stack)
        found = client.calendars()
    if not found:
        click.echo(f'No calendars yet; "{config.calendar.name}" is created on the first sync.')
    for display, url in found:
        marker = "*" if display == config.calendar.name else " "
        click.echo(f"{marker} {display:<24} {url}")
