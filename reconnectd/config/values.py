"""The small value parsers: one YAML scalar's text to a typed value.

Each `parse_*` takes the text and returns the value, or raises ValueError with the message the
user sees (what is wrong, and what to write instead); `Reader.parsed` adds the file, line and path.
`read_time_of_day` takes the node itself, since YAML may have read an unquoted 18:00 as a number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path

from reconnectd.config.nodes import INT_TAG, Node, Reader, suggest
from reconnectd.policy import grammar
from reconnectd.policy.bounds import EARLIEST_YEAR, LATEST_YEAR, OUTSIDE, within
from reconnectd.policy.cadence import Cadence
from reconnectd.policy.english import one_of
from reconnectd.policy.grammar import CadenceError, DurationError
from reconnectd.policy.model import CHANNEL_ALIASES, CHANNELS, STYLES, Standing
from reconnectd.policy.settings import CalendarSettings, Component

APPRISE_URL = re.compile(r"[a-zA-Z][\w+.-]*://")  # how every Apprise URL starts: a scheme
APPRISE_EXAMPLE = "ntfy://ntfy.sh/my-topic"
NOT_APPRISE = f'is not an Apprise URL (write it like "{APPRISE_EXAMPLE}")'
DEFAULT_LISTEN = "{}:{}".format(*CalendarSettings.listen)  # the embedded calendar's address, as written in YAML


def parse_cadence(text: str) -> Cadence:
    """`reconnectd.policy.grammar.parse_cadence`, its error as a ValueError."""
    try:
        return grammar.parse_cadence(text)
    except CadenceError as error:
        raise ValueError(str(error)) from None


FOREVER = "forever"  # calendar.keep_history: never remove past check-ins


def parse_keep_history(text: str) -> Cadence:
    """How long past check-ins stay in the calendar: a span as cadences are written ("1y", "6 months")."""
    try:
        return grammar.parse_cadence(text)
    except CadenceError as error:
        why = f": {error.why}" if error.why else ""
        raise ValueError(
            f'"{text}" is not a span of time{why} (write one like 1y, 6 months or 90 days,'
            f" or {FOREVER} to keep every past check-in in the calendar)"
        ) from None


def parse_duration(text: str) -> timedelta:
    """`reconnectd.policy.grammar.parse_duration`, its error as a ValueError."""
    try:
        return grammar.parse_duration(text)
    except DurationError as error:
        raise ValueError(str(error)) from None


def parse_positive_duration(text: str) -> timedelta:
    value = parse_duration(text)
    if value <= timedelta(0):
        raise ValueError(f'"{text}" must be longer than zero (try "5m")')
    return value


def parse_factor(low: float, high: float) -> Callable[[str], float]:
    """A parser for a number from `low` to `high`, written plain or with an x (1.5, 1.5x)."""

    def parse(text: str) -> float:
        try:
            value = float(text.rstrip("x×"))
        except ValueError:
            raise ValueError(f'"{text}" is not a number (write one like 1.5)') from None
        if not low <= value <= high:
            raise ValueError(f"{value:g} is out of range (write a number from {low:g} to {high:g})")
        return value

    return parse


def parse_path(text: str) -> Path:
    if "\0" in text:
        raise ValueError("contains a NUL character (\\0); a file name cannot hold one (remove it)")
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise ValueError(f'"{text}" names a user that does not exist (write the full path)') from None


def parse_argument(text: str) -> str:
    """One argument of a command."""
    if "\0" in text:
        raise ValueError("contains a NUL character (\\0); a command cannot hold one (remove it)")
    return text


def parse_component(text: str) -> Component:
    word = text.lower().removeprefix("v")
    if word == "event":
        return "event"
    if word in ("todo", "task"):
        return "todo"
    raise ValueError(f'"{text}" is not a kind of calendar object (write "event" or "todo")')


def parse_listen(text: str) -> tuple[str, int]:
    match = re.fullmatch(r"(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d{1,5})", text)
    if not match or not 0 < int(match.group(2)) < 65536:
        raise ValueError(f'"{text}" is not an address (write host:port, for example "{DEFAULT_LISTEN}")')
    return match.group(1).strip("[]"), int(match.group(2))


def parse_quiet_hours(text: str) -> tuple[time, time]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text)
    if match:
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) != (h2, m2):
            return time(h1, m1), time(h2, m2)
    raise ValueError(f'"{text}" is not a span of hours (write it like "22:00-08:00")')


def read_time_of_day(reader: Reader, node: Node, path: str) -> time | None:
    # YAML 1.1 reads an unquoted 18:00 as the sexagesimal number 1080.
    if getattr(node, "tag", "") == INT_TAG and ":" in str(node.value):
        text = str(node.value)
    else:
        raw = reader.text(node, path)
        if raw is None:
            return None
        text = raw
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    reader.problem(node, path, f'"{text}" is not a time of day (write 24-hour HH:MM, for example "18:00")')
    return None


def parse_channel(text: str) -> str:
    word = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    word = CHANNEL_ALIASES.get(word, word)
    if word in CHANNELS:
        return word
    close = suggest(word, [*CHANNELS, *CHANNEL_ALIASES])
    hint = f'did you mean "{CHANNEL_ALIASES.get(close, close)}"?' if close else "write one of: " + ", ".join(CHANNELS)
    raise ValueError(f'"{text}" is not a way to reach someone ({hint})')


def parse_style(text: str) -> str:
    word = text.strip().lower()
    if word in STYLES:
        return word
    raise ValueError(f'"{text}" is not a style (write {one_of(STYLES, quoted=True)})')


def parse_standing(text: str) -> Standing:
    word = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    for standing in Standing:
        if word == standing.value:
            return standing
    close = suggest(word, [s.value for s in Standing])
    hint = f'did you mean "{close}"?' if close else f"write {one_of(Standing, quoted=True)}"
    raise ValueError(f'"{text}" is not a status ({hint})')


def parse_date(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f'"{text}" is not a date (write YYYY-MM-DD, for example "2026-11-02")')
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f'"{text}" is not a real date (check the month and day)') from None
    if not within(day):
        raise ValueError(OUTSIDE.format(text=text))
    return day


def parse_month_day(text: str) -> tuple[int | None, int, int]:
    """YYYY-MM-DD, or MM-DD (or --MM-DD) for a date without a year."""
    match = re.fullmatch(r"(?:(\d{4})-|--)?(\d{2})-(\d{2})", text)
    if not match:
        raise ValueError(f'"{text}" is not a date (write YYYY-MM-DD, or MM-DD for every year, like "03-14")')
    year = int(match.group(1)) if match.group(1) else None
    month, day = int(match.group(2)), int(match.group(3))
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 02-29 is allowed without a year
    except ValueError:
        raise ValueError(f'"{text}" is not a real date (check the month and day)') from None
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(OUTSIDE.format(text=text))
    return year, month, day


# Text goes into iCalendar, titles, logs and Apprise bodies: it must be printable, and most of it on one line.
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # can disguise text
NAME_LIMIT, LINE_LIMIT, NOTES_LIMIT = 100, 300, 2000


def parse_text(what: str, limit: int, *, lines: bool = False) -> Callable[[str], str]:
    """A parser for `what` (a name, a label...): no control characters, lone surrogates or bidi overrides,
    at most `limit` characters, and one line unless `lines` (notes may hold line breaks and tabs)."""

    def parse(text: str) -> str:
        for char in text:
            if lines and char in "\n\t\u2028\u2029":
                continue
            code = f"U+{ord(char):04X}"
            if char in "\r\n\x85\u2028\u2029":
                raise ValueError(f"contains a line break ({code}); {what} must fit on one line")
            category = unicodedata.category(char)
            if category == "Cs":
                raise ValueError(f"contains a broken character ({code}, half of a surrogate pair); retype it")
            if category == "Cc":
                raise ValueError(f"contains a control character ({code}); remove it")
            if char in BIDI_OVERRIDES:
                raise ValueError(f"contains a bidi override ({code}), which can disguise text; remove it")
        if len(text) > limit:
            raise ValueError(f"is {len(text)} characters long; keep {what} to {limit} at most")
        return text

    return parse


parse_name = parse_text("a name", NAME_LIMIT)
parse_line = parse_text("it", LINE_LIMIT)
parse_notes = parse_text("notes", NOTES_LIMIT, lines=True)
