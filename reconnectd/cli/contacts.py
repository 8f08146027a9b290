"""`reconnectd contacts`: what the address book gives, read now: who would be planned, with which rhythm
and from which group, the dates read, and how many contacts are left out. Writes nothing to it."""

from __future__ import annotations

import sys

import click

from reconnectd.cli.common import Options, pass_options
from reconnectd.contacts.cache import known_names
from reconnectd.daemon import heard
from reconnectd.daemon.environment import read_settings
from reconnectd.errors import EXIT_RUNTIME, UsageError
from reconnectd.policy.english import plural
from reconnectd.policy.enlist import NAMED, Enlisted, Roll, enlist, groups_found
from reconnectd.policy.model import Milestone, fold


@click.command("contacts")
@pass_options
def contacts(options: Options) -> None:
    """List the people the address book gives: their rhythm, their group, and their dates.

    Reads the address book of `contacts:` (never writing to it) and shows who the next sync plans.

    \b
    Example:
      reconnectd contacts
    """
    config = read_settings(options.config_path, options.redactor)
    settings = config.contacts
    if settings is None:
        raise UsageError(
            f"{config.file} has no contacts: section (add one with the address book's url: or path:; see the README)"
        )
    with options.store() as store:
        book = heard.read_book(settings, store, heard.address_book(config, store))
        roll = enlist(config, book.cards, known_names(store))
    cards = plural(sum(not c.group for c in book.cards), "card")
    if book.read:
        click.echo(f"Address book: {settings.where}, {cards} (read now)")
    else:
        click.echo(f"Address book: {settings.where} cannot be read now: {book.error}")
        click.echo(f"As of the last read: {cards}")
    for line in roll_lines(roll):
        click.echo(line)
    found = groups_found(book.cards)
    mapped = {fold(rule.group) for rule in settings.groups}
    if found:
        shown = ", ".join(f"{g} ({n}{', mapped' if fold(g) in mapped else ''})" for g, n in found.items())
        click.echo(f"Groups in the address book: {shown}")
    if not settings.groups:
        click.echo(
            "No group is mapped yet: add one under contacts.groups (like Family: 2 weeks), or name people in people:"
        )
    if not book.read:
        sys.exit(EXIT_RUNTIME)


def roll_lines(roll: Roll) -> list[str]:
    planned = [e for e in roll.enlisted if e.card is not None or e.source != NAMED]
    width = max((len(e.person.name) for e in planned), default=4)
    lines = [f"{plural(len(planned), 'person', 'people')} from it:"] if planned else ["Nobody from it is planned."]
    for entry in planned:
        lines.append(f"  {entry.person.name:<{width}}  {entry.person.every!s:<14}  {_source(entry)}{_dates(entry)}")
    unmatched = [e.person.name for e in roll.enlisted if e.card is None and e.source == NAMED]
    if unmatched:
        lines.append(f"In people: without a card: {', '.join(unmatched)}")
    if roll.unplanned:
        lines.append(
            f"Not planned: {plural(roll.unplanned, 'contact')} in no group of contacts.groups and not named in people:"
        )
    lines += [f"Warning: {w}" for w in roll.warnings]
    return lines


def _source(entry: Enlisted) -> str:
    return NAMED if entry.source == NAMED else f"group {entry.source}"


def _dates(entry: Enlisted) -> str:
    return "".join(f"; {_date(d)}" for d in entry.person.dates)


def _date(milestone: Milestone) -> str:
    year = f" {milestone.year}" if milestone.year is not None else ""
    return f"{milestone.label} {milestone.day} {_MONTHS[milestone.month - 1]}{year}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
