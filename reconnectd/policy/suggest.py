"""What a check-in says: one small, concrete step that fits how the person likes to be reached,
one or two open questions about *them*, and what you already know.

Pure and deterministic: no clock, no I/O. The words for a person's `seq`-th check-in depend only
on the person, `seq`, the library and the gap. Each pool (actions for a channel, questions for a
style, personal questions, openers) is put in a per-person order by a stable hash of the person's
name, and check-in `seq` takes item `(seq - 1) mod len(pool)`: nothing repeats until the pool is
used up, and the same state always gives the same words.

The words themselves are data, in `reconnectd/policy/words/en.toml` (read by `reconnectd.policy.words` on first
use); this module only chooses among them.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from reconnectd.policy.cadence import Cadence
from reconnectd.policy.english import WEEKDAY_NAMES
from reconnectd.policy.library import QUESTIONS_PER_REFLECTION, Library, Question, default_library, norm
from reconnectd.policy.model import CHANNELS, Person, fold
from reconnectd.policy.words import ANY, DEEP, LIGHT, MILESTONE_KINDS, STYLES, load

__all__ = [  # what the rest of reconnectd and the tests use, some of it from the modules it comes from
    "ANY",
    "CHANNELS",
    "DEEP",
    "LIGHT",
    "STYLES",
    "Gap",
    "Library",
    "Question",
    "Wording",
    "default_library",
    "milestone_description",
    "milestone_wording",
    "personal_questions",
    "reflection_wording",
    "title_for",
    "wording",
]

LONG_GAP_CADENCES: Final = 3  # a gap this many cadences long (or no contact at all) gets an opener
POST_DAYS: Final = 3  # a card posted with fewer days than this to go may arrive late


@dataclass(frozen=True, slots=True)
class Wording:
    summary: str
    description: str


def title_for(name: str) -> str:
    return load().check_in["title"](name)


@dataclass(frozen=True, slots=True)
class Gap:
    """What the planner knows about the last contact."""

    days_since: int | None  # None: never in touch
    cadence_days: float  # the person's cadence in days (approximate)

    @property
    def long(self) -> bool:
        return self.days_since is None or self.days_since >= LONG_GAP_CADENCES * self.cadence_days


def __getattr__(name: str) -> Library:
    """`DEFAULT_LIBRARY`, the built-in library, built when first asked for (importing reads no file)."""
    if name == "DEFAULT_LIBRARY":
        return default_library()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def wording(person: Person, seq: int, *, library: Library | None = None, gap: Gap | None = None) -> Wording:
    """The title and description of a person's `seq`-th check-in (seq counts from 1).

    Description: the action (always the first line); an opener after a long gap; "Ask: ..." with
    one or two questions; what you know; how they like to hear from you; the rhythm.
    """
    _check_seq(seq)
    library = default_library() if library is None else library
    say = load().check_in
    who = fold(person.name)
    channel = norm(person.prefers) if person.prefers else None
    style = _style(person)
    lines = [_pick(library.actions_for(channel), who, sys.intern(f"action:{channel or ANY}"), seq)]
    if gap is not None and gap.long:
        lines.append(_pick(library.openers, who, "opener", seq))
    asks = []
    personal = personal_questions(person.notes, _interests(person))
    if personal:
        asks.append(_pick(personal, who, "personal", seq))
    asks.append(_pick(library.questions_for(style), who, sys.intern(f"question:{style}"), seq))
    lines.append(say["ask"](" ".join(asks)))
    lines.extend(_known(person))
    if person.prefers:
        lines.append(say["prefers"](person.prefers))
    lines.append(say["rhythm"](str(person.every)))
    return Wording(summary=title_for(person.name), description="\n".join(lines))


def milestone_wording(person: Person, label: str, kind: str, days_until: int) -> Wording:
    """A reminder for a birthday, anniversary or one-off event, `days_until` days ahead (0: today)."""
    description = milestone_description(person, label, kind, days_until)
    label = " ".join(label.split()) or load().unnamed[kind]
    return Wording(summary=_milestone_title(person.name, label, days_until), description=description)


def late_milestone_wording(person: Person, label: str, kind: str, day: date) -> Wording:
    """A date that passed before its nudge could go out: said as late, without fuss."""
    words = load()
    label = " ".join(label.split()) or words.unnamed[kind]
    title = words.milestone["late"].format(
        subject=_subject(person.name, label), weekday=WEEKDAY_NAMES[day.weekday()], late=words.late_titles[kind]
    )
    lines = [words.late_advice[kind], *_known(person, fallback=False)]
    if person.prefers:
        lines.append(words.check_in["prefers"](person.prefers))
    return Wording(summary=title, description="\n".join(lines))


def milestone_description(person: Person, label: str, kind: str, days_until: int) -> str:
    """The body of `milestone_wording`, without its title."""
    if kind not in MILESTONE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(MILESTONE_KINDS)}, not {kind!r}")
    if days_until < 0:
        raise ValueError(f"days_until cannot be negative, got {days_until}")
    label = " ".join(label.split()) or load().unnamed[kind]
    channel = norm(person.prefers) if person.prefers in CHANNELS else None
    lines = [*_milestone_advice(label, kind, channel, _style(person), days_until)]
    lines.extend(_known(person, fallback=False))
    if person.prefers:
        lines.append(load().check_in["prefers"](person.prefers))
    return "\n".join(lines)


@functools.lru_cache(maxsize=1024)  # a few labels and channels: the same lines for many people
def _milestone_advice(label: str, kind: str, channel: str | None, style: str, days_until: int) -> tuple[str, ...]:
    """What to do and what to ask, which depend on the date and the channel, not on who it is."""
    words = load()
    mood = _event_mood(label) if kind == "event" else ""
    if kind == "anniversary" and words.moods["sad"].search(label):
        mood = "sad"
    lines = [_milestone_action(kind, mood, label, channel, days_until)]
    lines.append(words.milestone["ask"].format(question=_milestone_question(kind, mood, days_until, style)))
    if kind == "event" and days_until == 0:
        lines.append(words.milestone["follow_up"])
    return tuple(lines)


def reflection_wording(seq: int, *, library: Library | None = None, every: Cadence | None = None) -> Wording:
    """A few minutes for yourself: three reflection questions, rotating through the whole list."""
    _check_seq(seq)
    library = default_library() if library is None else library
    words = load()
    say = words.reflection
    order = _ordered(library.reflections, "", "reflection")
    first = (seq - 1) * QUESTIONS_PER_REFLECTION
    picked = [order[(first + i) % len(order)] for i in range(QUESTIONS_PER_REFLECTION)]
    starts = words.reflection_starts
    lines = [starts[(seq - 1) % len(starts)], say["ask"]]
    lines.extend(say["item"].format(question=q) for q in picked)
    lines.append(say["end"])
    if every is not None:
        lines.append(words.check_in["rhythm"](str(every)))
    return Wording(summary=say["title"], description="\n".join(lines))


def personal_questions(notes: str | None, interests: Iterable[str] = ()) -> tuple[str, ...]:
    """Questions drawn from the notes (by keyword) and interests, in a fixed order, without repeats."""
    found = [*_note_questions(notes or "")]
    for index, interest in enumerate(i for i in (" ".join(x.split()) for x in interests) if i):
        found.extend(_interest_questions(interest, index))
    return tuple(dict.fromkeys(found))


# --- rotation -------------------------------------------------------------------------------


# Every person's orders are kept, so that planning again (each cycle) hashes nothing: three or
# four pools a person, about 0.27 kB each (the labels are interned). 65,536 of them cover 16,000
# people; past that the oldest go first. A plain dict of tuples of strings, unlike lru_cache,
# leaves nothing for the garbage collector to walk through.
_ORDERS_KEPT: Final = 65536
_orders: dict[tuple[tuple[str, ...], str, str], tuple[str, ...]] = {}


def _ordered(pool: tuple[str, ...], who: str, label: str) -> tuple[str, ...]:
    """A per-person permutation of the pool: sorted by a SHA-256 of (folded name, pool label, item).

    Stable across runs and Python versions (unlike hash()); adding an item never reorders the others.
    """
    key = (pool, who, label)
    order = _orders.get(key)
    if order is None:
        if len(_orders) >= _ORDERS_KEPT:
            _orders.pop(next(iter(_orders)), None)  # the oldest
        order = _orders[key] = _permutation(pool, who, label)
    return order


def _permutation(pool: tuple[str, ...], who: str, label: str) -> tuple[str, ...]:
    prefix = f"{who}\x1f{label}\x1f".encode()
    keys = [hashlib.sha256(prefix + item).digest() for item in _encoded(pool)]
    return tuple(item for _, item in sorted(zip(keys, pool, strict=True)))  # equal keys: equal items


@functools.lru_cache(maxsize=256)
def _encoded(pool: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(item.encode() for item in pool)


def _pick(pool: tuple[str, ...], who: str, label: str, seq: int) -> str:
    """Check-in `seq`'s item of the pool, for the person whose folded name is `who`."""
    order = _ordered(pool, who, label)
    return order[(seq - 1) % len(order)]


def _check_seq(seq: int) -> None:
    if seq < 1:
        raise ValueError(f"seq counts from 1, got {seq}")


# --- what you know ----------------------------------------------------------------------------


def _known(person: Person, *, fallback: bool = True) -> list[str]:
    words = load()
    say = words.check_in
    lines = []
    notes = " ".join((person.notes or "").split())
    if notes:
        if fallback and not _names_a_topic(notes):  # no topic the questions could come from
            lines.append(say["last_time"](notes.rstrip(".")))
        else:
            lines.append(say["notes"](notes))
    interests = [i for i in (" ".join(x.split()) for x in _interests(person)) if i]
    if interests:
        lines.append(say["interests"](words.list_separator.join(interests)))
    return lines


def _interests(person: Person) -> tuple[str, ...]:
    return tuple(person.interests or ())


def _style(person: Person) -> str:
    style = (person.style or LIGHT).strip().lower()
    return style if style in STYLES else LIGHT


def _note_questions(notes: str) -> list[str]:
    """The questions of each topic the notes name, in the topics' order; a topic marked alone silences the others."""
    if not _names_a_topic(notes):  # most notes name no topic: one search instead of one a topic
        return []
    found: list[str] = []
    for topic in load().note_topics:
        match = topic.pattern.search(notes)
        if match is None:
            continue
        thing = match.groupdict().get("thing") or ""
        asked = [q.format(thing=thing.lower()) for q in topic.questions]
        if topic.alone:
            return asked
        found.extend(asked)
    return found


def _interest_questions(interest: str, index: int) -> list[str]:
    """The first matching topic's questions; or two general ones, chosen by the interest's position."""
    words = load()
    for topic in words.interest_topics:
        match = topic.pattern.search(interest)
        if match is not None:
            thing = match.groupdict().get("thing") or interest
            return [q.format(thing=thing.lower()) for q in topic.questions]
    pool, n = words.interest_fallback, len(words.interest_fallback)
    return [pool[index % n].format(thing=interest), pool[(index + 1) % n].format(thing=interest)]


def _names_a_topic(notes: str) -> bool:
    lower_ascii, any_text = load().any_note_topic
    if notes.isascii():
        return lower_ascii.search(notes.lower()) is not None
    return any_text().search(notes) is not None


# --- milestones -------------------------------------------------------------------------------


def _event_mood(label: str) -> str:
    moods = load().moods
    return "happy" if moods["happy"].search(label) else "health" if moods["health"].search(label) else ""


def _purpose(kind: str, mood: str, label: str) -> str:
    words = load()
    if kind == "birthday" or (kind == "anniversary" and not mood):
        return words.purposes[kind]
    if mood:  # sad, happy, health
        return words.purposes[mood]
    return words.purposes["luck"].format(label=_the(label))


def _milestone_action(kind: str, mood: str, label: str, channel: str | None, days_until: int) -> str:
    words, purpose = load(), _purpose(kind, mood, label)
    if days_until == 0:
        return words.advice["today"][channel or ANY].format(purpose=purpose)
    if channel == "letter" and days_until >= POST_DAYS:
        return words.milestone["post_in_time"].format(purpose=purpose)
    before = kind == "event" and mood != "happy"  # luck and support are best sent ahead
    return words.advice["before" if before else "on_the_day"][channel or ANY].format(purpose=purpose)


def _milestone_question(kind: str, mood: str, days_until: int, style: str) -> str:
    asks, when = load().milestone_questions, "today" if days_until == 0 else "ahead"
    if kind == "birthday":
        return asks["birthday_deep" if style == DEEP else f"birthday_{when}"]
    if mood == "sad" or kind == "anniversary":
        return asks[f"{mood or kind}_{when}"]
    if mood:  # happy, health
        return asks[mood]
    return asks["event_today" if when == "today" or style == DEEP else "event_ahead"]


def _milestone_title(name: str, label: str, days_until: int) -> str:
    title, _, when = _title_form(label, days_until)
    return title.format(subject=_subject(name, label), when=when)


def _subject(name: str, label: str) -> str:
    """Whose date it is: "Priya's birthday", "Priya: her exam", or a label with the name in it as it is."""
    if name.casefold() in label.casefold():
        return label[:1].upper() + label[1:]
    return _title_form(label, 0)[1].format(name=name, label=label)


@functools.lru_cache(maxsize=1024)  # a few labels and days ahead: the same for many people
def _title_form(label: str, days_until: int) -> tuple[str, str, str]:
    """The title's template; how it names the person ("Priya: her exam", "Priya's exam"); when it is."""
    words = load()
    say, lists = words.milestone, words.milestone_lists
    when = words.when.get(days_until) or words.when[None].format(days=days_until)
    first = label.split(maxsplit=1)[0].lower()
    linked = any(f" {w} " in f" {label} " for w in lists["linking_words"])
    named = first in lists["determiners"] or linked or _possessive(label)
    return say["title"], say["named" if named else "possessive"], when


def _the(label: str) -> str:
    """The label with an article where it needs one ("the big presentation", "her driving test")."""
    first, words = label.split(maxsplit=1)[0], load()
    if first.lower() in words.milestone_lists["determiners"] or first[:1].isupper() or _possessive(label):
        return label
    return words.milestone["the"].format(label=label)


def _possessive(label: str) -> bool:
    marks = load().milestone_lists["possessive_marks"]
    return any(f"{mark} " in label for mark in marks)
