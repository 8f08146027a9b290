"""Which calendar the owned objects live in, and in which time zone they were planned. Pure.

A changed identity is a move, never the user deleting things: the store forgets where the
upcoming objects were (so the read-back never sees the old calendar's hrefs) and the next
write puts them, as planned, into the new calendar. History stays as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from reconnectd.policy.model import Person, Standing, fold
from reconnectd.policy.settings import SELF, CalendarSettings

CALENDAR_IDENTITY = "calendar_identity"  # meta keys in the store
TIMEZONE = "timezone"
EMBEDDED = "embedded"


def calendar_identity(settings: CalendarSettings) -> str:
    """The server, the account and the collection: "embedded" and the calendar's name for the
    embedded one (whatever port it listens on), else the server URL, the username and the name."""
    if settings.url is None:
        return json.dumps([EMBEDDED, None, settings.name])
    return json.dumps([settings.url.rstrip("/"), settings.username, settings.name])


def describe(identity: str) -> str:
    """An identity as the user reads it in a log line."""
    try:
        server, user, name = json.loads(identity)
    except (ValueError, TypeError):
        return identity
    where = "the embedded calendar" if server == EMBEDDED else server + (f" (as {user})" if user else "")
    return f"'{name}' on {where}"


@dataclass(frozen=True)
class Move:
    """The configured calendar is another one than the objects were written to."""

    before: str
    after: str


@dataclass(frozen=True)
class Rezone:
    """The configured time zone changed: upcoming check-ins keep their wall-clock time."""

    before: str
    after: str


def compare(recorded: str | None, configured: str) -> Move | None:
    """A move when an identity was recorded and differs. A store that recorded none (new, or
    written before identities were kept) takes the configured one as its own."""
    return Move(recorded, configured) if recorded is not None and recorded != configured else None


def compare_zone(recorded: str | None, configured: str) -> Rezone | None:
    return Rezone(recorded, configured) if recorded is not None and recorded != configured else None


def move_message(move: Move, upcoming: int) -> str:
    noun = "upcoming check-in or date is" if upcoming == 1 else "upcoming check-ins and dates are"
    return (
        f"the calendar moved from {describe(move.before)} to {describe(move.after)}: {upcoming} {noun} written"
        f" there; nothing more is written to {describe(move.before)}, a calendar you may delete by hand"
        " (the history stays in the state store)"
    )


def rezone_message(rezone: Rezone, moved: int) -> str:
    noun = "upcoming check-in keeps" if moved == 1 else "upcoming check-ins keep"
    return (
        f"the time zone changed from {rezone.before} to {rezone.after}: {moved} {noun} their time of day"
        f" in {rezone.after}, and dates stay on their days"
    )


def unlinked_renames(recorded: Iterable[str], people: Iterable[Person]) -> tuple[list[str], list[str]]:
    """Names with history that no entry has (not even as `was`), and active entries with no history:
    when both are there, perhaps someone was renamed without `was:`."""
    people = list(people)
    known = {fold(n) for p in people for n in (p.name, *p.was)}
    recorded_folded = {fold(n) for n in recorded}
    gone = sorted({n for n in recorded if fold(n) not in known and fold(n) != SELF}, key=fold)
    new = [
        p.name
        for p in people
        if p.status is Standing.ACTIVE and not ({fold(n) for n in (p.name, *p.was)} & recorded_folded)
    ]
    return (gone, new) if gone and new else ([], [])


def rename_hint(gone: list[str], new: list[str]) -> str:
    return (
        f"hint: {_and(gone)} {'has' if len(gone) == 1 else 'have'} history in the state store but"
        f" {'is' if len(gone) == 1 else 'are'} no longer in the config, and {_and(new)}"
        f" {'is' if len(new) == 1 else 'are'} new; if {new[0]} is {gone[0]} renamed, write `was: {gone[0]}`"
        f" under {new[0]} to keep their history and rhythm"
    )


def _and(names: list[str]) -> str:
    return " and ".join(filter(None, (", ".join(names[:-1]), *names[-1:])))
