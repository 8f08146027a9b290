"""The command line. The only place that reads the clock and maps errors to exit codes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import click

from reconnectd import __version__
from reconnectd.config.nodes import suggest
from reconnectd.config.starter import Answers, starter_config
from reconnectd.daemon.cycle import CALENDAR_DOWN_SINCE, CALENDAR_ERROR, run_cycle
from reconnectd.daemon.loop import Daemon, poke
from reconnectd.daemon.runtime import (
    calendar_client,
    default_config_path,
    default_state_dir,
    open_runtime,
    read_config,
    system_timezone,
    wall_clock,
)
from reconnectd.daemon.sdnotify import SystemdNotifier
from reconnectd.errors import (
    EXIT_OK,
    EXIT_RUNTIME,
    EXIT_USAGE,
    CalendarError,
    ConfigError,
    ReconnectdError,
    UsageError,
)
from reconnectd.logs import Redactor, run_logging, setup_logging
from reconnectd.notify.notifier import Notifier
from reconnectd.policy.cadence import DurationError, parse_duration
from reconnectd.policy.model import Contact, Outcome, Standing, fold
from reconnectd.policy.plan import preview
from reconnectd.policy.settings import Config
from reconnectd.policy.status import PersonStatus, summarize
from reconnectd.report import render_report
from reconnectd.state import Store

log = logging.getLogger("reconnectd")


@dataclass
class Options:
    config_path: Path
    state_dir: Path
    clock: Callable[[], datetime]
    redactor: Redactor  # this run's: it masks the secrets of every config read

    def config(self) -> Config:
        return read_config(self.config_path, self.redactor)

    def now(self, config: Config, now_text: str | None) -> datetime:
        """The moment given with --now, else the clock."""
        return parse_moment(now_text, config) if now_text else self.clock()

    def store(self) -> Store:
        return Store(self.state_dir / "state.db")


pass_options = click.make_pass_decorator(Options)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    ctx.obj = Options(config_path or default_config_path(), state_dir or default_state_dir(), wall_clock, redactor)


@cli.command()
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
    config = options.config()
    click.echo(f"{config.file}: OK ({len(config.people)} people, calendar: {describe_calendar(config)})")
    failed = False
    if connect:
        with ExitStack() as stack:
            client = calendar_client(config, options.state_dir, stack)
            try:
                found = client.find(config.calendar.name)
                names = [display for display, _ in client.calendars()]
            except CalendarError as error:
                click.echo(f"calendar: {error}", err=True)
                failed = True
            else:
                if found:
                    click.echo(f'calendar: logged in; will write to "{config.calendar.name}" at {found}')
                else:
                    others = ", ".join(f'"{n}"' for n in names) or "none"
                    click.echo(
                        f'calendar: logged in; no calendar named "{config.calendar.name}" yet (it is created on the '
                        f"first sync if the server allows; existing: {others})"
                    )
    if send_test:
        notifier = Notifier.for_settings(config.notify)
        for target in notifier.targets:
            body = "This is a test from reconnectd. Nudges will arrive here."
            outcome = notifier.send(target, "reconnectd test", body)
            click.echo(f"notify: {target.label}: " + ("delivered" if outcome is None else f"FAILED ({outcome})"))
            failed = failed or outcome is not None
    if failed:
        sys.exit(EXIT_RUNTIME)


@cli.command()
@click.option("--url", help="Your CalDAV server (leave out for the embedded calendar).")
@click.option("--username", help="Your CalDAV login.")
@click.option("--notify", "notify_url", metavar="APPRISE-URL", help="Where nudges go, e.g. ntfy://ntfy.sh/topic.")
@click.option("--timezone", help="Your IANA time zone (default: this machine's).")
@pass_options
def init(options: Options, url: str | None, username: str | None, notify_url: str | None, timezone: str | None) -> None:
    """Write a commented starter config (it never overwrites one).

    On a terminal it asks for what it needs; otherwise it takes the flags.

    \b
    Example:
      reconnectd init --url https://dav.example.com/ --username sam --notify ntfy://ntfy.sh/my-topic
    """
    path = options.config_path
    if path.exists():
        raise UsageError(f"{path} already exists; edit it, or pass --config to write a new one elsewhere")
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    timezone = timezone or system_timezone() or "UTC"
    password_file = None
    if interactive:
        url = (
            url or click.prompt("CalDAV URL (empty: use the embedded calendar)", default="", show_default=False) or None
        )
        if url:
            username = username or click.prompt("CalDAV username")
            password = click.prompt(
                "CalDAV password (stored in a private file)", hide_input=True, default="", show_default=False
            )
            if password:
                secret = path.parent / "caldav-password"
                path.parent.mkdir(parents=True, exist_ok=True)
                secret.touch(mode=0o600, exist_ok=True)
                secret.write_text(password + "\n", encoding="utf-8")
                password_file = str(secret)
        notify_url = (
            notify_url
            or click.prompt("Apprise URL for nudges (empty: the log)", default="", show_default=False)
            or None
        )
    text = starter_config(Answers(timezone, url, username, password_file, notify_url))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
        out.write(text)
    path.chmod(0o600)
    click.echo(f"Wrote {path}. Next: add your people, then run: reconnectd check --connect --send-test")


@cli.command()
@pass_options
def calendars(options: Options) -> None:
    """List the calendars on the server, to pick one for calendar.name.

    \b
    Example:
      reconnectd calendars
    """
    config = options.config()
    with ExitStack() as stack:
        client = calendar_client(config, options.state_dir, stack)
        found = client.calendars()
    if not found:
        click.echo(f'No calendars yet; "{config.calendar.name}" is created on the first sync.')
    for display, url in found:
        marker = "*" if display == config.calendar.name else " "
        click.echo(f"{marker} {display:<24} {url}")


@cli.command()
@click.option("--now", "now_text", metavar="ISO-8601", help="Act as if it were this moment (preview a date).")
@pass_options
def sync(options: Options, now_text: str | None) -> None:
    """Run one full cycle: update the calendar, send the nudges due now, exit.

    \b
    Example:
      reconnectd sync --now 2026-12-01T18:00
    """
    config = options.config()
    now = options.now(config, now_text)
    with open_runtime(config, options.state_dir) as runtime:
        report = run_cycle(config, runtime.store, runtime.calendar, runtime.notifier, now, progress=terminal_progress())
        log.info(report.summary())
        error = report.calendar_error or runtime.calendar_error
    if error:
        click.echo(f"reconnectd: calendar unavailable: {error}", err=True)
        sys.exit(EXIT_RUNTIME)


@cli.command()
@pass_options
def run(options: Options) -> None:
    """Run in the foreground: sync, sleep until the next check-in or poll, repeat.

    Stop it with Ctrl-C or SIGTERM.

    \b
    Example:
      reconnectd --config config.example.yaml run
    """
    config = options.config()
    log.info("reconnectd %s: %d people, calendar: %s", __version__, len(config.people), describe_calendar(config))
    with open_runtime(config, options.state_dir) as runtime:
        daemon = Daemon(
            runtime,
            options.clock,
            SystemdNotifier.from_environment(),
            reload_config=options.config,
            progress=terminal_progress(),
        )
        daemon.run()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--now", "now_text", metavar="ISO-8601", help="Report as of this moment.")
@pass_options
def status(options: Options, as_json: bool, now_text: str | None) -> None:
    """Show each person's last contact, next check-in, and whether they are overdue.

    \b
    Example:
      reconnectd status --json
    """
    config = options.config()
    now = options.now(config, now_text)
    with options.store() as store:
        rows = summarize(config, store.ledger(), now)
        down_since, error = store.get_meta(CALENDAR_DOWN_SINCE), store.get_meta(CALENDAR_ERROR)
    if as_json:
        calendar = {"reachable": error is None, "down_since": down_since, "error": error}
        click.echo(json.dumps({"people": [r.as_json() for r in rows], "calendar": calendar}, indent=2))
        return
    tz = config.timezone
    if down_since and error:
        since = datetime.fromisoformat(down_since).astimezone(tz)
        click.echo(f"The calendar has been unreachable since {since:%a %d %b %H:%M}: {error}\n")
    for line in status_table(rows, tz, color=sys.stdout.isatty()):
        click.echo(line)


def status_table(rows: list[PersonStatus], tz: ZoneInfo, *, color: bool) -> list[str]:
    """One line a person: rhythm, last contact, next check-in, and what needs attention."""
    width = max((len(r.name) for r in rows), default=4)
    lines = [f"{'NAME':<{width}}  {'RHYTHM':<22}  {'LAST CONTACT':<23}  NEXT CHECK-IN"]
    for r in rows:
        rhythm = r.every if not r.slowed else f"{r.every}, now ~{r.interval_days}d"
        last = r.last_contact.strftime("%d %b %Y") if r.last_contact else "never"
        if r.last_outcome is Outcome.NO_REPLY:
            last += " (no reply)"
        if r.standing is Standing.PAUSED:
            upcoming = "paused" + (f" until {r.paused_until:%d %b}" if r.paused_until else "")
        elif r.standing is Standing.LET_GO:
            upcoming = "let go"
        else:
            upcoming = r.next_checkin.astimezone(tz).strftime("%a %d %b %H:%M") if r.next_checkin else "not planned yet"
        note = f"  {r.overdue_days} day{'s' * (r.overdue_days != 1)} overdue" if r.overdue_days else ""
        line = f"{r.name:<{width}}  {rhythm:<22}  {last:<23}  {upcoming}"
        if color:
            line = click.style(line, dim=r.standing is not Standing.ACTIVE) + click.style(note, fg="yellow", bold=True)
        else:
            line += note
        lines.append(line.rstrip())
    return lines


@cli.command("plan")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 730), help="How far ahead.")
@click.option("--now", "now_text", metavar="ISO-8601", help="Start from this moment.")
@pass_options
def plan_command(options: Options, days: int, now_text: str | None) -> None:
    """Preview the check-ins and nudges of the coming days, day by day. Writes nothing.

    \b
    Example:
      reconnectd plan --days 14
    """
    config = options.config()
    now = options.now(config, now_text)
    with options.store() as store:
        ledger = store.ledger()
    items = preview(config, ledger, now, now + timedelta(days=days))
    if not items:
        click.echo(f"Nothing planned in the next {days} days.")
    day = None
    for item in items:
        local = item.start.astimezone(config.timezone)
        if local.date() != day:
            day = local.date()
            click.echo(
                click.style(f"{local:%a %d %b %Y}", bold=True) if sys.stdout.isatty() else f"{local:%a %d %b %Y}"
            )
        when = "all day" if item.checkin.is_milestone else f"{local:%H:%M}"
        click.echo(f"  {when:<7}  {item.wording.summary}: {item.wording.description.splitlines()[0]}")


@cli.command()
@click.argument("name")
@pass_options
def history(options: Options, name: str) -> None:
    """List the contacts you recorded with someone, oldest first.

    \b
    Example:
      reconnectd history Priya
    """
    config = options.config()
    person = match_person(config, name)
    with options.store() as store:
        contacts = store.contacts(person)
    if not contacts:
        click.echo(f"No contact with {person} recorded yet.")
        return
    for contact in contacts:
        when = contact.at.astimezone(config.timezone).strftime("%a %d %b %Y")
        outcome = " (no reply)" if contact.outcome is Outcome.NO_REPLY else ""
        note = f" — {contact.note}" if contact.note else ""
        click.echo(f"{when}  {contact.source:<8}{outcome}{note}")


@cli.command()
@click.argument("name")
@click.option("--until", "until_text", metavar="DATE", help="Resume by itself on this day.")
@click.option("--now", "now_text", metavar="ISO-8601", help="Act as if it were this moment.")
@pass_options
def pause(options: Options, name: str, until_text: str | None, now_text: str | None) -> None:
    """Take a break from someone: their upcoming check-in is removed; history stays.

    \b
    Example:
      reconnectd pause Sam --until 2027-01-10
    """
    config = options.config()
    person = match_person(config, name)
    until = parse_moment(until_text, config).date() if until_text else None
    now = options.now(config, now_text)
    if until is not None and until <= now.astimezone(config.timezone).date():
        raise UsageError(f"--until {until} is not in the future")
    with options.store() as store:
        store.record_standing(person, Standing.PAUSED, until, now)
    poke(options.state_dir)
    click.echo(
        f"Paused {person}" + (f" until {until:%a %d %b %Y}" if until else "") + ". Resume with: reconnectd resume"
    )


@cli.command()
@click.argument("name")
@pass_options
def resume(options: Options, name: str) -> None:
    """End a pause started with `reconnectd pause`.

    \b
    Example:
      reconnectd resume Sam
    """
    config = options.config()
    person = match_person(config, name)
    with options.store() as store:
        store.record_standing(person, None, None, options.clock())
    configured = config.person(person)
    if configured is not None and configured.status is not Standing.ACTIVE:
        raise UsageError(f"{person} is {configured.status.value} in {config.file}; change their status there")
    poke(options.state_dir)
    click.echo(f"Resumed {person}. The next check-in appears on the next sync.")


@cli.command()
@click.argument("name")
@click.argument("duration")
@click.option("--now", "now_text", metavar="ISO-8601", help="Act as if it were this moment.")
@pass_options
def snooze(options: Options, name: str, duration: str, now_text: str | None) -> None:
    """Move only the next check-in with someone later, by DURATION (2d, 1w, 3 days).

    \b
    Example:
      reconnectd snooze Priya 3d
    """
    config = options.config()
    person = match_person(config, name)
    try:
        by = parse_duration(duration)
    except DurationError as error:
        raise UsageError(str(error)) from None
    now = options.now(config, now_text)
    with options.store() as store:
        upcoming = [c for c in store.ledger().upcoming(now) if fold(c.person) == fold(person)]
        if not upcoming:
            raise UsageError(f"{person} has no upcoming check-in to snooze")
        checkin = upcoming[0]
        if checkin.pinned:
            raise UsageError(f"you moved {person}'s check-in in your calendar; move it there instead")
        store.snooze(checkin.uid, by)
    poke(options.state_dir)
    later = (checkin.start + by).astimezone(config.timezone)
    click.echo(f"Snoozed: the next check-in with {person} is now {later:%a %d %b %H:%M}.")


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("reconnectd-report.html"),
    show_default=True,
    help="Where to write the page.",
)
@click.option("--now", "now_text", metavar="ISO-8601", help="Draw the year up to this moment.")
@pass_options
def report(options: Options, out: Path, now_text: str | None) -> None:
    """Write a one-page picture of the past year: who you reached, who replied, who is due.

    The page is self-contained and fetches nothing; open it in any browser.

    \b
    Example:
      reconnectd report --out ~/reconnect.html
    """
    config = options.config()
    now = options.now(config, now_text)
    with options.store() as store:
        page = render_report(config, store.ledger(), now)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror} (pick another --out)") from None
    click.echo(f"Wrote {out} ({len(config.people)} people). Open it in a browser.")


@cli.command()
@click.argument("name")
@click.option("--at", "at_text", metavar="DATE", help="When you were in touch (default: now).")
@click.option("--note", help="A few words to remember.")
@click.option("--no-reply", is_flag=True, help="You reached out but have not heard back.")
@pass_options
def done(options: Options, name: str, at_text: str | None, note: str | None, no_reply: bool) -> None:
    """Record that you were in touch with someone. Their next check-in moves to one cadence later.

    \b
    Example:
      reconnectd done Priya --note "voice note about the new job"
    """
    config = options.config()
    person = match_person(config, name)
    now = options.clock()
    at = parse_moment(at_text, config) if at_text else now
    outcome = Outcome.NO_REPLY if no_reply else Outcome.REPLIED
    with options.store() as store:
        store.record_contact(Contact(person, at, outcome, note), recorded_at=now)
    poke(options.state_dir)
    click.echo(
        f"Recorded: in touch with {person} on {at.astimezone(config.timezone):%a %d %b %Y}"
        + (" (no reply yet)" if no_reply else "")
        + ". The calendar follows on the next sync."
    )


def terminal_progress() -> Callable[[int, int], None] | None:
    """A count of calendar writes on a terminal, for a long first sync; nothing when not a TTY."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total >= PROGRESS_FROM:
            click.echo(f"\rwriting to the calendar: {done}/{total}", nl=done == total, err=True)

    return show


PROGRESS_FROM = 20  # writes; fewer are over before a count would help


def match_person(config: Config, name: str) -> str:
    """A configured person by exact name or unique prefix, case-insensitively."""
    exact = config.person(name)
    if exact:
        return exact.name
    matches = [p.name for p in config.people if fold(p.name).startswith(fold(name))]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(f'"{name}" matches {", ".join(matches)}; type a little more of the name')
    close = config.person(suggest(name, [p.name.lower() for p in config.people]) or "")
    hint = f' (did you mean "{close.name}"?)' if close else ""
    raise UsageError(f'nobody called "{name}" in {config.file}{hint}')


def parse_moment(text: str, config: Config) -> datetime:
    """An ISO date or date-time; without an offset it is read in the configured time zone."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(12, 0))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f'"{text}" is not a date or time (write it like 2026-12-01 or 2026-12-01T18:00)') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=config.timezone)


def describe_calendar(config: Config) -> str:
    if config.calendar.url is None:
        host, port = config.calendar.listen
        return f'embedded, at http://{host}:{port}/ ("{config.calendar.name}")'
    return f'"{config.calendar.name}" on {config.calendar.url}'


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
