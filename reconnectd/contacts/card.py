"""vCard text into `Card` values: every card a text holds, whatever state it is in. Never raises.

vobject unfolds the lines and splits each into name, parameters and value (decoding
quoted-printable); what a property means is read here, because vobject's own reading of
NICKNAME and CATEGORIES keeps only the first of many values. The text is cut into cards
first, so that a broken card (no END, no name, too large) costs only itself: it is skipped
with a warning, and the rest is read. Only the properties read here are parsed at all; a line
of those that does not parse is warned about, a broken photo or note is no concern of ours.

What is chosen here:
- A card with neither FN nor N goes by its ORG, else its first nickname.
- A card without UID goes by a stable one made from its name (`name:` and a hash), so a
  Google export, which has none, keeps its people from one read to the next; renaming such
  a contact makes it someone new, and one warning per text says so.
- `urn:uuid:` is dropped from UIDs and from group members alike, so that Apple's groups
  (`X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:X` for the card `UID:X`) find their members.
- A card larger than `CARD_LIMIT` (a photo of many megabytes, or garbage) is skipped.
- A year before 1800 means "no year": Apple and Fastmail write 1604, others 0000 or 0001.
- A second card without UID under the same name goes by a hash of its text instead.
- Of Apple's and Google's labelled dates (`itemN.X-ABDATE`), only the anniversary is read:
  a date under any other label has no kind the planner knows.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from vobject.base import ContentLine, getLogicalLines, textLineToContentLine

from reconnectd.config.values import BIDI_OVERRIDES, LINE_LIMIT, NAME_LIMIT
from reconnectd.policy.cards import Card, CardDate
from reconnectd.policy.model import ANNIVERSARY, BIRTHDAY

CARD_LIMIT = 1024 * 1024  # characters in one card, photo included
UID_LIMIT = 200
SHOWN = 40  # characters of a bad value quoted back in a warning
FIRST_YEAR = 1800  # an earlier year stands for none

_ANNIVERSARY_LABELS = ("_$!<anniversary>!$_", "anniversary")  # Apple's and Google's, or typed by hand
_URN = "urn:uuid:"
_BEGIN = re.compile(r"begin\s*:\s*vcard\s*$", re.IGNORECASE)
_END = re.compile(r"end\s*:\s*vcard\s*$", re.IGNORECASE)
# A date as written, any time and zone after it ignored: YYYYMMDD, YYYY-MM-DD (Android may leave out a
# zero: 1990-4-5), --MMDD, --MM-DD. Groups: year (or none), month, day.
_DATES = tuple(
    re.compile(pattern + r"(?:T.*)?", re.IGNORECASE | re.DOTALL)
    for pattern in (
        r"(\d{4})(\d{2})(\d{2})",
        r"(\d{4})-(\d{1,2})-(\d{1,2})",
        r"--()(\d{2})(\d{2})",
        r"--()(\d{1,2})-(\d{1,2})",
    )
)
_NAME_END = re.compile(r"[;:]")  # a property's group and name end at its first ; or : (never quoted)
_ANNIVERSARIES = ("ANNIVERSARY", "X-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY", "X-KADDRESSBOOK-X-ANNIVERSARY")
_TEXT_ESCAPES = {"n": "\n", "N": "\n"}

_READ = frozenset(
    {"FN", "N", "ORG", "UID", "NICKNAME", "EMAIL", "CATEGORIES", "KIND", "X-ADDRESSBOOKSERVER-KIND", "MEMBER"}
    | {"X-ADDRESSBOOKSERVER-MEMBER", "BDAY", "X-ABDATE", "X-ABLABEL", *_ANNIVERSARIES}
)


@dataclass
class Reading:
    """What one text gave: its cards, and a plain sentence for each thing that was skipped."""

    cards: list[Card] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_cards(text: str, *, where: str) -> Reading:
    """Every card in `text` (one card, or a whole .vcf export). `where` names the text in warnings."""
    reading = Reading()
    seen: set[str] = set()
    nameless_uid = 0
    for number, (lines, closed) in enumerate(_chunks(text), start=1):
        label = f"card {number}"
        try:
            if not closed:
                reading.warnings.append(f"{where}: {label} has no END:VCARD (cut short?); it is skipped")
                continue
            size = sum(len(line) + 1 for line in lines)
            if size > CARD_LIMIT:
                reading.warnings.append(
                    f"{where}: {label} is {size // 1024} KiB, more than the {CARD_LIMIT // 1024} KiB read "
                    "from one card (a large photo?); it is skipped"
                )
                continue
            card, derived = _card(lines, where, label, reading.warnings)
        except Exception as failure:  # a card we cannot read must not stop the others
            reading.warnings.append(f"{where}: {label} could not be read ({type(failure).__name__}); it is skipped")
            continue
        if card is None:
            continue
        if card.uid in seen and derived:
            card = replace(
                card, uid="text:" + hashlib.sha256("\n".join(lines).encode("utf-8", "replace")).hexdigest()[:16]
            )
        if card.uid in seen:
            reading.warnings.append(
                f'{where}: {label} ("{card.name}") has the UID of an earlier card (or is the same card again); '
                "it is skipped"
            )
            continue
        seen.add(card.uid)
        nameless_uid += derived
        reading.cards.append(card)
    if nameless_uid:
        some = (
            "1 card has no UID, and goes by its name"
            if nameless_uid == 1
            else (f"{nameless_uid} cards have no UID, and go by their name")
        )
        reading.warnings.append(f"{where}: {some}: renaming one in the address book starts it afresh")
    return reading


# -- cutting the text into cards ----------------------------------------------


def _chunks(text: str) -> Iterator[tuple[list[str], bool]]:
    """The physical lines of each card, BEGIN and END left out, and whether its END came.

    A BEGIN inside a card ends that card unclosed (an END went missing); lines outside any card
    are ignored. vCard 2.1's nested AGENT cards are not read (their lines go to the outer card).
    """
    lines: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")  # a byte order mark before the first BEGIN
        if _BEGIN.match(line):
            if lines is not None:
                yield lines, False
            lines = []
        elif _END.match(line) and lines is not None:
            yield lines, True
            lines = None
        elif lines is not None:
            lines.append(raw)
    if lines is not None:
        yield lines, False


def _properties(lines: list[str]) -> tuple[list[ContentLine], int]:
    """The card's content lines that are read here (unfolded, quoted-printable decoded), and how many
    of those did not parse. The others (a photo, an address, a broken fold's stray text) are not
    parsed at all: they cost nothing, and whatever is wrong with them is no concern of ours."""
    found: list[ContentLine] = []
    broken = 0
    for line, number in getLogicalLines(io.StringIO("\n".join(lines)), True):
        name = _NAME_END.split(line, maxsplit=1)[0].rsplit(".", 1)[-1].strip().upper()
        if name not in _READ:
            continue
        try:
            found.append(textLineToContentLine(line, number))
        except Exception:  # vobject raises more than VObjectError on odd bytes and charsets
            broken += 1
    return found, broken


# -- reading one card ---------------------------------------------------------


def _card(lines: list[str], where: str, label: str, warnings: list[str]) -> tuple[Card | None, bool]:
    """The card, or None when it has no name; and whether its UID was made up."""
    properties, broken = _properties(lines)
    by_name: dict[str, list[ContentLine]] = {}
    for line in properties:
        by_name.setdefault(line.name, []).append(line)

    def first(name: str) -> str:
        return next((value for line in by_name.get(name, ()) if (value := _text(line))), "")

    formatted = _clean(first("FN"), NAME_LIMIT)
    structured = [_clean(part, NAME_LIMIT) for part in _split(_raw(by_name["N"][0]), ";")] if "N" in by_name else []
    family, given = [*structured, "", ""][:2]
    given_family = " ".join(part for part in (given, family) if part)
    family_given = " ".join(part for part in (family, given) if part)
    nicknames = _unique(_clean(n, NAME_LIMIT) for line in by_name.get("NICKNAME", ()) for n in _list(line))
    emails = _unique(_email(_text(line)) for line in by_name.get("EMAIL", ()))
    name = formatted or given_family or _clean(first("ORG"), NAME_LIMIT) or next(iter(nicknames), "")
    if name:
        label = f'{label} ("{name}")'
    if broken:
        some = "1 line" if broken == 1 else f"{broken} lines"
        warnings.append(f"{where}: {label} has {some} that could not be read; the rest of it is read")
    if not name:
        warnings.append(f"{where}: {label} has no name (FN or N); it is skipped")
        return None, False

    uid = _uid(first("UID"))
    derived = not uid
    if derived:
        uid = "name:" + hashlib.sha256(name.casefold().encode()).hexdigest()[:16]
    kind = (first("KIND") or first("X-ADDRESSBOOKSERVER-KIND")).strip().lower()
    group = kind == "group"
    members = _unique(
        _uid(_text(line)) for prop in ("MEMBER", "X-ADDRESSBOOKSERVER-MEMBER") for line in by_name.get(prop, ())
    )
    card = Card(
        uid=uid,
        name=name,
        names=_unique(form for form in (given_family, family_given, formatted) if form and form != name),
        nicknames=tuple(n for n in nicknames if n.casefold() != name.casefold()),
        emails=emails,
        groups=_unique(_clean(g, NAME_LIMIT) for line in by_name.get("CATEGORIES", ()) for g in _list(line)),
        dates=() if group else _dates(by_name, where, label, warnings),
        group=group,
        members=members if group else (),
    )
    return card, derived


# -- dates --------------------------------------------------------------------


def _dates(by_name: dict[str, list[ContentLine]], where: str, label: str, warnings: list[str]) -> tuple[CardDate, ...]:
    labels = {line.group.lower(): _text(line).strip().lower() for line in by_name.get("X-ABLABEL", ()) if line.group}
    written: list[tuple[str, ContentLine]] = [(BIRTHDAY, line) for line in by_name.get("BDAY", ())]
    written += [(ANNIVERSARY, line) for name in _ANNIVERSARIES for line in by_name.get(name, ())]
    written += [
        (ANNIVERSARY, line)
        for line in by_name.get("X-ABDATE", ())
        if line.group and labels.get(line.group.lower()) in _ANNIVERSARY_LABELS
    ]
    found: list[CardDate] = []
    for kind, line in written:
        value = _text(line).strip()
        date = _date(kind, value, _omitted_year(line))
        if date is None:
            what = "a birthday" if kind == BIRTHDAY else "an anniversary"
            warnings.append(
                f'{where}: {label} has {what} that is no day of the year ("{_shown(value)}"); it is skipped. '
                "Write it as a date in your address book (1990-04-15, or --04-15 without the year)"
            )
        elif date not in found and not (kind == BIRTHDAY and any(d.kind == BIRTHDAY for d in found)):
            found.append(date)
    return tuple(found)


def _date(kind: str, value: str, omitted: int | None) -> CardDate | None:
    """The day `value` names, or None when it names none (a text, a month, a 31 April)."""
    match = next((found for pattern in _DATES if (found := pattern.fullmatch(value))), None)
    if not match:
        return None
    year = int(match[1]) if match[1] else None
    if year is not None and (year < FIRST_YEAR or year == omitted):
        year = None
    month, day = int(match[2]), int(match[3])
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:  # 2000 has 29 Feb
        return None
    return CardDate(kind, month, day, year)


def _omitted_year(line: ContentLine) -> int | None:
    """Apple's X-APPLE-OMIT-YEAR: the year it wrote where it knows none."""
    values = line.params.get("X-APPLE-OMIT-YEAR") or ()
    return next((int(v) for v in values if isinstance(v, str) and v.strip().isdigit()), None)


# -- values -------------------------------------------------------------------


def _raw(line: ContentLine) -> str:
    value = line.value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""


def _split(value: str, separator: str) -> list[str]:
    """`value` cut at each unescaped `separator`, each part unescaped (RFC 6350 3.4)."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            current.append(_TEXT_ESCAPES.get(following, following))
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _text(line: ContentLine) -> str:
    return "".join(_split(_raw(line), "\0"))  # no real separator: only the escapes go


def _list(line: ContentLine) -> list[str]:
    return _split(_raw(line), ",")


def _clean(text: str, limit: int) -> str:
    """One printable line, as the config's names must be: control characters, broken surrogates and
    bidi overrides out, line breaks and runs of spaces one space."""
    if text.isprintable() and not BIDI_OVERRIDES.intersection(text):  # most names: nothing to take out
        return " ".join(text.split())[:limit].strip()
    kept = (
        " " if char.isspace() else char
        for char in text
        if char.isspace() or (unicodedata.category(char) not in ("Cc", "Cs") and char not in BIDI_OVERRIDES)
    )
    return " ".join("".join(kept).split())[:limit].strip()


def _email(text: str) -> str:
    address = _clean(text, LINE_LIMIT)
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :].strip()
    return address if "@" in address and " " not in address else ""


def _uid(text: str) -> str:
    uid = _clean(text, 10 * UID_LIMIT)
    if uid.lower().startswith(_URN):
        uid = uid[len(_URN) :].strip()
    if len(uid) > UID_LIMIT:
        uid = "long:" + hashlib.sha256(uid.encode()).hexdigest()[:32]
    return uid


def _unique(values: Iterator[str] | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The non-empty values, in order, each once (case-insensitively)."""
    seen: set[str] = set()
    kept = []
    for value in values:
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return tuple(kept)


def _shown(value: str) -> str:
    shown = _clean(value, SHOWN + 1)
    return shown[:SHOWN] + "…" if len(shown) > SHOWN else shown
