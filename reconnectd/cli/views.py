"""Views that change nothing: each person's status, and the days ahead (the report is in `page`)."""

from __future__ import annotations

import json
import shlex
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click

from reconnectd.cli.common import Options, pass_options
from reconnectd.notify import ntfy
from reconnectd.notify.presses import read_key
from reconnectd.policy.english import plural
from reconnectd.policy.model import Outcome, Standing
from reconnectd.policy.preview import preview
from reconnectd.policy.settings import Config
from reconnectd.policy.status import PersonStatus, summarize
from reconnectd.state.meta import CALENDAR_DOWN_SINCE, CALENDAR_ERROR


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--now", "now_text", metavar="WHEN", help="Report as of this moment.")
@pass_options
def status(options: Options, as_json: bool, now_text: str | None) -> None:
    """Show each person's last contact, next check-in, and whether they are overdue.

    \b
    Example:
      reconnectd status --json
    """
    config = options.settings()
    now = options.now(config, now_text)
    with options.store() as store:
        rows = summarize(config, store.ledger(), now)
        down_since, error = store.get_meta(CALENDAR_DOWN_SINCE), store.get_meta(CALENDAR_ERROR)
        waiting = [p.nudge for p in store.pending_nudges() if p.nudge.due <= now]
        replies = [(where, store.get_meta(read_key(base, topic))) for where, base, topic in reply_topics(config)]
    if as_json:
        calendar = {"reachable": error is None, "down_since": down_since, "error": error}
        buttons = [{"target": where, "last_read": read} for where, read in replies]
        click.echo(
            json.dumps({"people": [r.as_json() for r in rows], "calendar": calendar, "reply_topics": buttons}, indent=2)
        )
        return
    tz = config.timezone
    if down_since and error:
        since = datetime.fromisoformat(down_since).astimezone(tz)
        click.echo(f"The calendar has been unreachable since {since:%a %d %b %H:%M}: {error}\n")
    for line in status_table(rows, tz, color=sys.stdout.isatty()):
        click.echo(line)
    if waiting:
        oldest = min(n.due for n in waiting).astimezone(tz)
        click.echo(
            f"{plural(len(waiting), 'nudge')} not delivered yet (the oldest due {oldest:%a %d %b %H:%M}); kept,"
            " and sent with the next message that gets through."
        )
    for where, read in replies:
        when = f"last read {datetime.fromisoformat(read).astimezone(tz):%a %d %b %H:%M}" if read else "not read yet"
        click.echo(
            f"Buttons: the reply topic of {where} was {when}. ntfy keeps messages 12 hours by default, so"
            " presses made while reconnectd was stopped for longer are lost."
        )


def reply_topics(config: Config) -> list[tuple[str, str, str]]:
    """Each ntfy target with a reply topic: where it is (server and place in the config), its server and topic."""
    found = []
    for index, (url, reply) in enumerate(zip(config.notify.urls, config.notify.url_replies, strict=False)):
        server = ntfy.server_of(url.reveal())
        if reply is not None and server is not None:
            found.append((f"{server.base} (notify.urls[{index}])", server.base, reply.topic))
    return found


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
    for r in rows:
        if r.last_seen:
            lines.append(f"{r.name}: last seen in {r.last_seen}")
        if r.meeting_ahead:
            title, start = r.meeting_ahead
            lines.append(f"{r.name}: {title} on {start.astimezone(tz):%a %d %b}; no check-in before it")
    for r in rows:
        for label, day in r.missed:
            done = f"reconnectd done {shlex.quote(r.name)}"
            lines.append(
                f"Missed: {label} on {day:%a %d %b}; no nudge could go out in time"
                f" (in touch anyway? `{done}` records it)."
            )
    return lines


@click.command("plan")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 730), help="How far ahead.")
@click.option("--now", "now_text", metavar="WHEN", help="Start from this moment.")
@pass_options
def plan_command(options: Options, days: int, now_text: str | None) -> None:
    """Preview the check-ins and nudges of the coming days, day by day. Writes nothing.

    \b
    Example:
      reconnectd plan --days 14
    """
    config = options.settings()
    now = options.now(config, now_text)
    with options.store() as store:
        ledger = store.ledger()
    end = now + timedelta(days=days)
    lines: list[tuple[datetime, str]] = []
    for item in preview(config, ledger, now, end):
        local = item.start.astimezone(config.timezone)
        when = "all day" if item.checkin.is_milestone else f"{local:%H:%M}"
        lines.append((item.start, f"  {when:<7}  {item.wording.summary}: {item.wording.description.splitlines()[0]}"))
    for meeting in ledger.ahead:  # a meeting in a watched calendar: a planned contact, read only
        if now < meeting.start <= end:
            local = meeting.start.astimezone(config.timezone)
            lines.append(
                (meeting.start, f"  {local:%H:%M}    {meeting.title} ({meeting.calendar}): with {meeting.person}")
            )
    if not lines:
        click.echo(f"Nothing planned in the next {days} days.")
    day = None
    for start, line in sorted(lines, key=lambda pair: pair[0]):
        local = start.astimezone(config.timezone)
        if local.date() != day:
            day = local.date()
            click.echo(
                click.style(f"{local:%a %d %b %Y}", bold=True) if sys.stdout.isatty() else f"{local:%a %d %b %Y}"
            )
        click.echo(line)
