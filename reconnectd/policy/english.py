"""Small pieces of English grammar shared by every place that speaks to the user."""

from collections.abc import Iterable

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # Monday = 0


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 person", "2 people": the count with its noun in the right number."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def one_of(words: Iterable[str], *, quoted: bool = False) -> str:
    """ "light or deep", "active, paused or let go": choices as a sentence lists them (quoted: "light" or "deep")."""
    shown = [f'"{word}"' if quoted else word for word in words]
    return " or ".join(filter(None, (", ".join(shown[:-1]), *shown[-1:])))
