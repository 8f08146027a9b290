"""One person at a time: record a contact, look back at them, pause, resume or snooze their check-ins."""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from pathlib import Path

import click
import yaml

from reconnectd.cli.common import Options, parse_moment, pass_options
from reconnectd.config.nodes import compose
from reconnectd.daemon.wake import poke
from reconnectd.errors import ReconnectdError, UsageError
from reconnectd.policy.english import one_of
from reconnectd.policy.grammar import DurationError, parse_duration
from reconnectd.policy.model import Contact, Outcome, Standing, fold
from reconnectd.policy.settings import Config


@click.command()
@click.argument("name")
@pass_options
def history(options: Options, name: str) -> None:
    """List the contacts you recorded with someone, oldest first.

    \b
    Example:
      reconnectd history Priya
    """
    config = options.settings()
    person = match_person(config, name)
    configured = config.person(person)
    with options.store() as store:
        olds = configured.was if configured else ()
        contacts = sorted(
            (c for name in (person, *olds) for c in store.contacts(name, withdrawn=True)), key=lambda c: c.at
        )
    if not contacts:
        click.echo(f"No contact with {person} recorded yet.")
        return
    zone = config.timezone
    for contact in contacts:
        when = contact.at.astimezone(zone).strftime("%a %d %b %Y")
        outcome = " (no reply)" if contact.outcome is Outcome.NO_REPLY else ""
        note = f" — {contact.note}" if contact.note else ""
        taken_back = contact.withdrawn_at and f"  (withdrawn on {contact.withdrawn_at.astimezone(zone):%a %d %b %Y})"
        source = "from the phone" if contact.source == "phone" else contact.source  # a button on a nudge
        click.echo(f"{when}  {source:<8}{outcome}{note}{taken_back or ''}")


@click.command()
@click.argument("name")
@click.option("--until", "until_text", metavar="DATE", help="Resume by itself on this day.")
@click.option("--now", "now_text", metavar="WHEN", help="Act as if it were this moment.")
@pass_options
def pause(options: Options, name: str, until_text: str | None, now_text: str | None) -> None:
    """Take a break from someone: their upcoming check-in is removed; history stays.

    \b
    Example:
      reconnectd pause Sam --until 2027-01-10
    """
    config = options.settings()
    person = match_person(config, name)
    until = parse_moment(until_text, config).date() if until_text else None
    now = options.now(config, now_text)
    if until is not None and until <= now.astimezone(config.timezone).date():
        raise UsageError(f"--until {until} is not in the future")
    configured = config.person(person)
    in_yaml = configured.standing_on(now.astimezone(config.timezone).date()) if configured else Standing.ACTIVE
    if in_yaml is not Standing.ACTIVE:
        where = yaml_place(config, person)
        click.echo(
            f"{person} is already {in_yaml.value} in {where} (status: {in_yaml.value}); nothing changed."
            f" `reconnectd resume {person}` would not end that: change their status there."
        )
        return
    with options.store() as store:
        store.record_standing(person, Standing.PAUSED, until, now)
    poke(options.state_dir)
    click.echo(
        f"Paused {person}"
        + (f" until {until:%a %d %b %Y}" if until else "")
        + f". Resume with: reconnectd resume {person}"
    )


@click.command()
@click.argument("name")
@pass_options
def resume(options: Options, name: str) -> None:
    """End a pause started with `reconnectd pause`.

    \b
    Example:
      reconnectd resume Sam
    """
    config = options.settings()
    person = match_person(config, name)
    now = options.clock()
    configured = config.person(person)
    in_yaml = configured.standing_on(now.astimezone(config.timezone).date()) if configured else Standing.ACTIVE
    with options.store() as store:
        paused_here = fold(person) in store.ledger().standings
        if in_yaml is not Standing.ACTIVE:
            where = yaml_place(config, person)
            also = " (the pause from `reconnectd pause` is ended too)" if paused_here else ""
            if paused_here:
                store.record_standing(person, None, None, now)
                poke(options.state_dir)
            raise UsageError(
                f"{person} is {in_yaml.value} in {where} (status: {in_yaml.value}){also}; `reconnectd resume`"
                f" only ends a pause made with `reconnectd pause {person}`: to resume {person}, change that line"
                " to `status: active` (or remove it)"
            )
        if not paused_here:
            click.echo(f"{person} is not paused; nothing to resume. (Pause with: reconnectd pause {person})")
            return
        store.record_standing(person, None, None, now)
    poke(options.state_dir)
    click.echo(f"Resumed {person}. The next check-in appears on the next sync.")


def yaml_place(config: Config, person: str) -> str:
    """Where a person's status is written: "config.yaml, line 12", or the file alone if it cannot be found."""
    try:
        text = Path(config.file).read_text(encoding="utf-8")
        root = compose(text, config.file)
    except (OSError, ReconnectdError):
        return config.file
    line = _status_line(root, person)
    return f"{config.file}, line {line}" if line else config.file


def _status_line(root: yaml.Node | None, person: str) -> int | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    people = next((v for k, v in root.value if k.value == "people"), None)
    for item in people.value if isinstance(people, yaml.SequenceNode) else ():
        if not isinstance(item, yaml.MappingNode):
            continue
        keys = {k.value: (k, v) for k, v in item.value if isinstance(k, yaml.ScalarNode)}
        named = keys.get("name")
        if named is not None and isinstance(named[1], yaml.ScalarNode) and fold(named[1].value) == fold(person):
            at = keys.get("status", named)[0]
            return int(at.start_mark.line) + 1
    return None


@click.command()
@click.argument("name")
@click.argument("duration")
@click.option("--now", "now_text", metavar="WHEN", help="Act as if it were this moment.")
@pass_options
def snooze(options: Options, name: str, duration: str, now_text: str | None) -> None:
    """Move only the next check-in with someone later, by DURATION (2d, 1w, 3 days).

    \b
    Example:
      reconnectd snooze Priya 3d
    """
    config = options.settings()
    person = match_person(config, name)
    try:
        by = parse_duration(duration)
    except DurationError as error:
        generic = error.hint.startswith('"15m"')  # the grammar's own examples are for quiet times, not snoozes
        hint = SNOOZE_EXAMPLES if generic else error.hint
        reason = f": {error.why}" if error.why else ""
        raise UsageError(f'"{duration.strip()}" is not a duration{reason} (try {hint})') from None
    if not by:
        raise UsageError(f'"{duration.strip()}" would not move the check-in (try {SNOOZE_EXAMPLES})')
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


@click.command()
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
    config = options.settings()
    person = match_person(config, name)
    now = options.clock()
    at = contact_moment(at_text, config, now) if at_text else now
    outcome = Outcome.NO_REPLY if no_reply else Outcome.REPLIED
    with options.store() as store:
        store.record_contact(Contact(person, at, outcome, note), recorded_at=now)
    poke(options.state_dir)
    click.echo(
        f"Recorded: in touch with {person} on {at.astimezone(config.timezone):%a %d %b %Y}"
        + (" (no reply yet)" if no_reply else "")
        + ". The calendar follows on the next sync."
    )


CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of the clock a contact may be dated (another device's clock)


def contact_moment(text: str, config: Config, now: datetime) -> datetime:
    """When a contact happened, from --at: a day or a moment, never in the future. A day alone is read
    as noon, or as now when it is today and noon is still ahead."""
    at = parse_moment(text, config)
    today = now.astimezone(config.timezone).date()
    if len(text) == 10 and at.date() == today:
        return min(at, now)
    if at > now + CLOCK_SKEW:
        raise UsageError(
            f"--at {text} is in the future (it is now {now.astimezone(config.timezone):%a %d %b %Y %H:%M}); "
            f"write the day you were in touch, like --at {today.isoformat()}, or leave --at out for now"
        )
    return at


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
    by_fold = {fold(p.name): p.name for p in config.people}
    close = [by_fold[c] for c in difflib.get_close_matches(fold(name), list(by_fold), n=3, cutoff=0.5)]
    if close:
        hint = f" (did you mean {one_of(close, quoted=True)}?)"
    elif config.people:
        hint = f" (the people there: {', '.join(p.name for p in config.people[:10])})"
    else:
        hint = " (it lists nobody yet)"
    raise UsageError(f'nobody called "{name}" in {config.file}{hint}')


SNOOZE_EXAMPLES = '"2d", "1w" or "3 days"'  # what snooze is for: days or weeks
