"""Take back a contact recorded by mistake: `reconnectd undo NAME`. The log keeps it, marked withdrawn."""

from __future__ import annotations

import click

from reconnectd.cli.common import Options, pass_options
from reconnectd.cli.people import match_person
from reconnectd.daemon.wake import poke
from reconnectd.errors import UsageError
from reconnectd.policy.model import FROM_CALENDAR
from reconnectd.policy.status import summarize


@click.command()
@click.argument("name")
@click.option("--now", "now_text", metavar="ISO-8601", help="Act as if it were this moment.")
@pass_options
def undo(options: Options, name: str, now_text: str | None) -> None:
    """Withdraw the last contact recorded with someone (kept in their history, marked withdrawn).

    \b
    Example:
      reconnectd undo Sam
    """
    config = options.settings()
    person = match_person(config, name)
    now = options.now(config, now_text)
    with options.store() as store:
        withdrawn = store.withdraw_last_contact(person, now)
        if withdrawn is None:
            earlier = store.contacts(person, withdrawn=True)
            why = "every contact with them is withdrawn already" if earlier else "no contact with them is recorded"
            raise UsageError(
                f"nothing to undo for {person}: {why} (see `reconnectd history {person}`;"
                f" record one with `reconnectd done {person}`)"
            )
        ledger = store.ledger()
    poke(options.state_dir)
    zone = config.timezone
    how = "ticked in the calendar" if withdrawn.source == FROM_CALENDAR else "done"
    row = next(r for r in summarize(config, ledger, now) if r.name == person)
    if row.next_checkin is not None:
        then = f"their next check-in is back on {row.next_checkin.astimezone(zone):%a %d %b %Y %H:%M}"
    else:
        then = f"they have no check-in planned ({row.standing.value})"
    click.echo(
        f"Withdrew {person}'s contact of {withdrawn.at.astimezone(zone):%a %d %b %Y} ({how}); {then}."
        " The calendar follows on the next sync."
    )
