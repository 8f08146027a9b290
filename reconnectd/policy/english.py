"""Small pieces of English grammar shared by every place that speaks to the user."""


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 person", "2 people": the count with its noun in the right number."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
