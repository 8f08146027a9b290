"""Setting up: write a starter config, check it (and the calendar and the phone), list the server's calendars."""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
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
from reconnectd.notify import ntfy
from reconnectd.notify.notifier import Notifier
from reconnectd.notify.presses import press_key, test_nudge, test_press
from reconnectd.policy import identity
from reconnectd.policy.english import plural
from reconnectd.policy.settings import Config
from reconnectd.sources import watched
from reconnectd.state import Store

PRESS_WAIT = 60  # seconds check --send-test waits for a press on a test nudge, by default
PRESS_POLL = 2.0  # seconds between two reads of the reply topic meanwhile
CLOCK_SKEW = 600  # seconds: presses are looked for from this long before the test nudge was sent


@click.command()
@click.option("--connect", is_flag=True, help="Also log in to the calendar server and find the calendar.")
@click.option("--send-test", is_flag=True, help="Also send a test nudge to every notification service.")
@click.option(
    "--press-wait",
    type=click.IntRange(0, 600),
    default=PRESS_WAIT,
    show_default=True,
    metavar="SECONDS",
    help="With --send-test: how long to wait for a press on a test nudge's buttons (0: not at all).",
)
@pass_options
def check(options: Options, connect: bool, send_test: bool, press_wait: int) -> None:
    """Validate the config file; exit 0 if it is valid, 2 if not.

    With --connect, log in and report the calendar it will use (or what to fix); with
    --send-test, send a test nudge to each service and report each result (exit 1 on a failure).
    An ntfy URL with a reply topic gets its buttons, and check waits for a press to come back
    (it records nothing).

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
    if (options.state_dir / Store.FILE_NAME).exists():
        with options.store() as store:
            gone, new = identity.unlinked_renames(store.names(), config.people)
        if gone:
            click.echo(identity.rename_hint(gone, new))
    for index, reply in enumerate(config.notify.url_replies):
        if reply is not None and reply.token_file and not reply.reply_token_file:
            click.echo(
                f"notify.urls[{index}]: the buttons carry no token (token_file is for reading the reply topic); on a"
                " server with access control, put a token that may only write to the reply topic in"
                " reply_token_file (ntfy access USER REPLY_TOPIC write-only)"
            )
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
        failed = _send_test(config, options.state_dir, press_wait) or failed
    if failed:
        sys.exit(EXIT_RUNTIME)


def _send_test(config: Config, state_dir: Path, press_wait: int) -> bool:
    """A test nudge to each service (with buttons where there is a reply topic); True if one failed."""
    notifier = Notifier.for_settings(config.notify)
    key = press_key(state_dir) if notifier.replies else None
    notifier.press_key = key
    started = datetime.now(UTC)
    failed = False
    pressable: dict[str, str] = {}  # target id -> its test nudge's key
    for target in notifier.targets:
        nudge = test_nudge(started) if target.id in notifier.replies else None
        body = "This is a test from reconnectd. Nudges will arrive here."
        if nudge is not None:
            body += " Press a button to check that presses come back (it records nothing)."
        outcome = notifier.send(target, "reconnectd test", body, pressable=nudge, now=started)
        delivered = "delivered with Done / No reply / Snooze buttons" if nudge else "delivered"
        click.echo(f"notify: {target.label}: " + (delivered if outcome is None else f"FAILED ({outcome})"))
        failed = failed or outcome is not None
        if outcome is None and nudge is not None:
            pressable[target.id] = nudge
    if key is None or not pressable or press_wait == 0:
        return failed
    since = int(started.timestamp()) - CLOCK_SKEW  # the server's clock may be behind ours
    return _await_presses(notifier, key, pressable, since, press_wait) or failed


def _await_presses(notifier: Notifier, key: bytes, pressable: dict[str, str], since: int, press_wait: int) -> bool:
    """Read each reply topic until a press on its test nudge comes back, or `press_wait` seconds pass.
    True if a reply topic could not be read."""
    click.echo(f"Press any button on the test nudge within {press_wait} s to check the way back (Ctrl-C to skip).")
    deadline = time.monotonic() + press_wait
    failed = False
    try:
        while pressable:
            for target_id, nudge in list(pressable.items()):
                route = notifier.replies[target_id]
                base, reply, auth = route.server.base, route.reply, route.read_auth
                try:
                    label = test_press(key, base=base, reply=reply, auth=auth, nudge=nudge, since=since)
                except OSError as error:
                    click.echo(f"buttons: {route.label}: cannot read the reply topic ({ntfy.why(error)})", err=True)
                    failed = True
                    del pressable[target_id]
                    continue
                if label is not None:
                    click.echo(f"buttons: {route.label}: the press came back ({label}); nothing was recorded")
                    del pressable[target_id]
            if not pressable or time.monotonic() >= deadline:
                break
            time.sleep(PRESS_POLL)
    except KeyboardInterrupt:
        click.echo("(skipped waiting for a press)")
        return failed
    for target_id in pressable:
        click.echo(
            f"buttons: {notifier.replies[target_id].label}: no press came back within {press_wait} s. If you pressed"
            " one, the phone could not post it: reply_token_file's token needs write access to the reply topic"
            " (ntfy access USER REPLY_TOPIC write-only)."
        )
    return failed


def _say_contacts(config: Config) -> bool:
    """The address book `check --connect` reads, and how many cards it holds. False if it cannot be read."""
    assert config.contacts is not None
    where = config.contacts.where
    opener = address_book_opener(config)
    try:
        if opener is None:
            objects, cards, groups = book.probe(config.contacts, None)
        else:
            with opener() as remote:
                objects, cards, groups = book.probe(config.contacts, remote)
    except ReconnectdError as error:
        click.echo(f"contacts: {error}", err=True)
        return False
    kind = "CardDAV address book" if config.contacts.url else "vCard folder" if objects != 1 else "vCard file"
    also = f" and {plural(groups, 'group card')}" if groups else ""
    click.echo(f"contacts: will read the {kind} {where} ({plural(cards, 'card')}{also}, read only)")
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
