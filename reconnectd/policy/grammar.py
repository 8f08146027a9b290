"""Cadences ("every 2 weeks") and short durations ("15m"), parsed from what people write.

Two small grammars with one deliberate asymmetry: in a cadence ``m`` means *months*
("2m" is every 2 months), in a duration ``m`` means *minutes* ("15m").
Pure code: no clock, no I/O. The Cadence value itself, and its arithmetic, are in cadence.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from difflib import get_close_matches
from typing import ClassVar, Final, NamedTuple

from reconnectd.policy.cadence import LONGEST_CADENCE, MONTH_HUNDREDTHS, NAMED, Cadence

# What to suggest for a word that is close to a name.
_SPELLED_OUT: Final[Mapping[str, str]] = {
    "daily": "every day",
    "weekly": "every week",
    "fortnightly": "2 weeks",
    "monthly": "every month",
    "quarterly": "3 months",
    "yearly": "every year",
    "annually": "every year",
}
# Words people use that we refuse rather than guess: (why, hint).
_REFUSED_WORDS: Final[Mapping[str, tuple[str, str]]] = {
    "biweekly": ("it is ambiguous", '"2 weeks" or "fortnightly"'),
    "bimonthly": ("it is ambiguous", '"2 months"'),
    "biannually": ("it is ambiguous", '"6 months" or "2 years"'),
    "biannual": ("it is ambiguous", '"6 months" or "2 years"'),
    "semiweekly": ("twice a week is not supported", '"every 3 days"'),
    "semimonthly": ("twice a month is not supported", '"2 weeks"'),
    "semiannually": ("twice a year is not supported", '"6 months"'),
    "hourly": ("cadences are whole days or longer", '"1d" or "daily"'),
}


class _Unit(NamedTuple):
    key: str  # two spellings of one unit cannot both appear ("2 weeks 3 wk")
    months: int
    days: int


def _spellings(unit: _Unit, *words: str) -> dict[str, _Unit]:
    return dict.fromkeys(words, unit)


_CADENCE_UNITS: Final[Mapping[str, _Unit]] = {
    **_spellings(_Unit("day", 0, 1), "d", "day", "days"),
    **_spellings(_Unit("week", 0, 7), "w", "wk", "wks", "week", "weeks"),
    **_spellings(_Unit("fortnight", 0, 14), "fortnight", "fortnights"),
    **_spellings(_Unit("month", 1, 0), "m", "mo", "mos", "mth", "mths", "month", "months"),
    **_spellings(_Unit("year", 12, 0), "y", "yr", "yrs", "year", "years"),
}
_DURATION_SECONDS: Final[Mapping[str, tuple[str, int]]] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), ("second", 1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), ("minute", 60)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), ("hour", 3600)),
    **dict.fromkeys(("d", "day", "days"), ("day", 86400)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), ("week", 604800)),
}
# Unit words that belong to the other grammar, for explaining refusals ("m" is in both).
_TIME_WORDS: Final = frozenset(
    word for word, (key, _) in _DURATION_SECONDS.items() if key in {"second", "minute", "hour"} and word != "m"
) | {"hourly"}
_CALENDAR_WORDS: Final = frozenset(word for word, unit in _CADENCE_UNITS.items() if unit.months and word != "m") | {
    "monthly",
    "quarterly",
    "yearly",
    "annually",
}
_FILLER_WORDS: Final = frozenset({"every", "and", "other"})

_CADENCE_EXAMPLES: Final = '"2 weeks", "monthly", "10d" or "P2W"'
_DURATION_EXAMPLES: Final = '"15m", "2h" or "PT15M"'

_FIRST_PART: Final = re.compile(r"(?P<count>[0-9]+)?\s*(?P<unit>[a-z]+)")
_NEXT_PART: Final = re.compile(r"(?:\s*,\s*|\s+and\s+|\s*)(?P<count>[0-9]+)?\s*(?P<unit>[a-z]+)")
_ISO_LIKE: Final = re.compile(r"p(?=[0-9t.,-])")
_ISO_CADENCE: Final = re.compile(
    r"p(?:(?P<years>[0-9]+)y)?(?:(?P<months>[0-9]+)m)?(?:(?P<weeks>[0-9]+)w)?(?:(?P<days>[0-9]+)d)?"
)
_ISO_WITH_TIME: Final = re.compile(r"p[0-9ymwd]*t[0-9hms.,]+")
_ISO_DURATION: Final = re.compile(
    r"p(?:(?P<weeks>[0-9]+)w)?(?:(?P<days>[0-9]+)d)?"
    r"(?:t(?:(?P<hours>[0-9]+)h)?(?:(?P<minutes>[0-9]+)m)?(?:(?P<seconds>[0-9]+)s)?)?"
)
_NEGATIVE: Final = re.compile(r"-\s*[0-9]")
_DECIMAL: Final = re.compile(r"[0-9][.,][0-9]")
_WORD: Final = re.compile(r"[a-z]+")
_LONGEST_DURATION_SECONDS: Final = 366 * 86400  # durations are short spans: a year at most


class _NotUnderstood(ValueError):
    """Text we could not read, with a suggestion of what to write instead."""

    kind: ClassVar[str]

    def __init__(self, text: str, hint: str, why: str = "") -> None:
        self.text = text
        self.hint = hint
        self.why = why
        reason = f": {why}" if why else ""
        super().__init__(f'"{text.strip()}" is not a {self.kind}{reason} (try {hint})')


class CadenceError(_NotUnderstood):
    """Not a cadence. ``text`` is what was written, ``hint`` what to write instead."""

    kind = "cadence"


class DurationError(_NotUnderstood):
    """Not a duration. ``text`` is what was written, ``hint`` what to write instead."""

    kind = "duration"


class _Part(NamedTuple):
    amount: int | None
    unit: str


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _number(digits: str) -> int:
    # Absurdly long numbers are capped (and then rejected as too long), keeping int() cheap.
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= 18 else 10**18


def _parts(body: str) -> list[_Part] | None:
    """Split "1 year, 2 months and 3d" into counted units; None if it is not that shape."""
    parts: list[_Part] = []
    position = 0
    while position < len(body):
        pattern = _NEXT_PART if parts else _FIRST_PART
        match = pattern.match(body, position)
        if match is None:
            return None
        count = match["count"]
        parts.append(_Part(None if count is None else _number(count), match["unit"]))
        position = match.end()
    return parts or None


@functools.lru_cache(maxsize=1024)  # a config writes the same few cadences for thousands of people
def parse_cadence(text: str) -> Cadence:
    """Read a cadence: "weekly", "every 2 weeks", "3 months", "10d", "2m" (months), "P2W".

    Case and extra whitespace are ignored. Cadences are at least 1 day and at most
    10 years (months counting 30.44 days). Raises CadenceError with a hint otherwise.
    """
    normal = _normalised(text)
    named = NAMED.get(normal)
    if named is not None:
        return named
    refused = _REFUSED_WORDS.get(normal.replace("-", "").replace(" ", ""))
    if refused is not None:
        why, hint = refused
        raise CadenceError(text, hint, why)
    length = _iso_cadence(normal) if _ISO_LIKE.match(normal) else _friendly_cadence(normal)
    if length is None:
        raise _cadence_problem(text, normal)
    months, days = length
    if months == 0 and days == 0:
        raise CadenceError(text, '"1 day" or "daily"', "it must be at least 1 day")
    if months * MONTH_HUNDREDTHS + days * 100 > LONGEST_CADENCE.months * MONTH_HUNDREDTHS:
        raise CadenceError(text, f'"{LONGEST_CADENCE}"', "the longest cadence is 10 years")
    return Cadence(months=months, days=days)


def _iso_cadence(normal: str) -> tuple[int, int] | None:
    match = _ISO_CADENCE.fullmatch(normal)
    if match is None or normal == "p":
        return None
    years, months, weeks, days = (_number(g or "0") for g in match.groups())
    return years * 12 + months, weeks * 7 + days


def _friendly_cadence(normal: str) -> tuple[int, int] | None:
    every = normal.startswith("every ")
    body = normal.removeprefix("every ")
    if body.startswith("other "):
        body = "2 " + body.removeprefix("other ")
    parts = _parts(body)
    if parts is None:
        return None
    months = days = 0
    seen: set[str] = set()
    for index, part in enumerate(parts):
        unit = _CADENCE_UNITS.get(part.unit)
        if unit is None or unit.key in seen:
            return None
        # A bare unit means one of it, but only straight after "every" ("every week").
        if part.amount is None and not (every and index == 0):
            return None
        count = 1 if part.amount is None else part.amount
        seen.add(unit.key)
        months += count * unit.months
        days += count * unit.days
    return months, days


def _cadence_problem(text: str, normal: str) -> CadenceError:
    words = set(_WORD.findall(normal))
    if _NEGATIVE.search(normal):
        hint = _suggestion(parse_cadence, _unsigned(text), _CADENCE_EXAMPLES)
        return CadenceError(text, hint, "it cannot be negative")
    if _DECIMAL.search(normal):
        return CadenceError(text, _CADENCE_EXAMPLES, "use whole numbers")
    if _ISO_WITH_TIME.fullmatch(normal) or words & _TIME_WORDS:
        return CadenceError(text, '"1d" or "daily"', "cadences are whole days or longer")
    if _WORD.fullmatch(normal):
        close = get_close_matches(normal, list(NAMED), n=1, cutoff=0.75)
        if close:
            return CadenceError(text, f'"{_SPELLED_OUT[close[0]]}" or "{close[0]}"')
    fixed = _respelled(normal, _CADENCE_UNITS.keys())
    return CadenceError(text, _suggestion(parse_cadence, fixed, _CADENCE_EXAMPLES))


def parse_duration(text: str) -> timedelta:
    """Read a short span such as an event length, poll interval or alarm lead time.

    Accepts "15m", "15 min", "2h", "1 hour", "30s", "1d", "1w", "90 seconds", "1h30m",
    "1 hour and 30 minutes" and ISO 8601 "PT15M", "P1D", "PT1H30M". Beware: here
    ``m`` means MINUTES, unlike parse_cadence where it means months; ISO "PT15M" is
    minutes and "P1M" (a month) is refused, as are months and years generally.
    Zero ("0", "0s") is fine; negative spans are not. Raises DurationError with a hint.
    """
    normal = _normalised(text)
    if normal == "0":
        return timedelta(0)
    seconds = _iso_duration(normal) if _ISO_LIKE.match(normal) else _friendly_duration(normal)
    if seconds is None:
        raise _duration_problem(text, normal)
    if seconds > _LONGEST_DURATION_SECONDS:
        raise DurationError(text, _DURATION_EXAMPLES, "it is too long")
    return timedelta(seconds=seconds)


def _iso_duration(normal: str) -> int | None:
    match = _ISO_DURATION.fullmatch(normal)
    if match is None or normal.endswith(("p", "t")):
        return None
    weeks, days, hours, minutes, seconds = (_number(g or "0") for g in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def _friendly_duration(normal: str) -> int | None:
    parts = _parts(normal)
    if parts is None:
        return None
    total = 0
    seen: set[str] = set()
    for part in parts:
        unit = _DURATION_SECONDS.get(part.unit)
        if unit is None or part.amount is None or unit[0] in seen:
            return None
        seen.add(unit[0])
        total += part.amount * unit[1]
    return total


def _duration_problem(text: str, normal: str) -> DurationError:
    words = set(_WORD.findall(normal))
    if _NEGATIVE.search(normal):
        hint = _suggestion(parse_duration, _unsigned(text), _DURATION_EXAMPLES)
        return DurationError(text, hint, "it cannot be negative")
    if _DECIMAL.search(normal):
        return DurationError(text, _DURATION_EXAMPLES, "use whole numbers")
    iso_calendar = _ISO_LIKE.match(normal) and re.search("[ym]", normal.partition("t")[0])
    if iso_calendar or words & _CALENDAR_WORDS:
        return DurationError(text, '"30d" or "4w"', "months and years have no fixed length")
    if normal.isdigit():
        hint = _suggestions(parse_duration, [f"{normal}m", f"{normal}s"], _DURATION_EXAMPLES)
        return DurationError(text, hint, "it needs a unit")
    if normal.startswith("every "):
        hint = _suggestion(parse_duration, normal.removeprefix("every "), _DURATION_EXAMPLES)
        return DurationError(text, hint)
    fixed = _respelled(normal, _DURATION_SECONDS.keys())
    return DurationError(text, _suggestion(parse_duration, fixed, _DURATION_EXAMPLES))


def _unsigned(text: str) -> str:
    return " ".join(re.sub(r"-(?=\s*[0-9])", "", text).split())


def _respelled(normal: str, units: Iterable[str]) -> str | None:
    """The text with misspelt unit words corrected ("2 weaks" -> "2 weeks"), if any were."""
    known = list(units)
    changed = False

    def correct(match: re.Match[str]) -> str:
        nonlocal changed
        word = match[0]
        if word in known or word in _FILLER_WORDS:
            return word
        close = get_close_matches(word, known, n=1, cutoff=0.75)
        if not close:
            return word
        changed = True
        return close[0]

    fixed = _WORD.sub(correct, normal)
    return fixed if changed else None


def _suggestion(parse: Callable[[str], object], candidate: str | None, fallback: str) -> str:
    """The candidate, quoted, if it parses; otherwise the fallback examples."""
    return _suggestions(parse, [] if candidate is None else [candidate], fallback)


def _suggestions(parse: Callable[[str], object], candidates: list[str], fallback: str) -> str:
    """The candidates that parse, quoted ("a" or "b"); the fallback examples if none do."""
    working = []
    for candidate in candidates:
        try:
            parse(candidate)
        except ValueError:
            continue
        working.append(f'"{candidate}"')
    return " or ".join(working) if working else fallback
