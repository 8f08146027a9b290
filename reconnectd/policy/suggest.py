"""What a check-in says: one small, concrete step that fits how the person likes to be reached,
one or two open questions about *them*, and what you already know.

Pure and deterministic: no clock, no I/O. The words for a person's `seq`-th check-in depend only
on the person, `seq`, the library and the gap. Each pool (actions for a channel, questions for a
style, personal questions, openers) is put in a per-person order by a stable hash of the person's
name, and check-in `seq` takes item `(seq - 1) mod len(pool)`: nothing repeats until the pool is
used up, and the same state always gives the same words.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Final, TypeVar

from reconnectd.policy.cadence import Cadence
from reconnectd.policy.english import WEEKDAY_NAMES
from reconnectd.policy.model import CHANNELS, Person, fold

ANY: Final = "any"  # the pool used when `prefers` is not set
LIGHT: Final = "light"
DEEP: Final = "deep"
STYLES: Final = (LIGHT, DEEP)
LONG_GAP_CADENCES: Final = 3  # a gap this many cadences long (or no contact at all) gets an opener
QUESTIONS_PER_REFLECTION: Final = 3
MILESTONE_KINDS: Final = ("birthday", "anniversary", "event")

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Wording:
    summary: str
    description: str


def title_for(name: str) -> str:
    return f"Check in with {name}"


@dataclass(frozen=True, slots=True)
class Gap:
    """What the planner knows about the last contact."""

    days_since: int | None  # None: never in touch
    cadence_days: float  # the person's cadence in days (approximate)

    @property
    def long(self) -> bool:
        return self.days_since is None or self.days_since >= LONG_GAP_CADENCES * self.cadence_days


@dataclass(frozen=True)
class Question:
    """An open question, and the styles ("light", "deep") it suits."""

    text: str
    styles: frozenset[str] = frozenset(STYLES)

    @classmethod
    def parse(cls, text: str) -> Question:
        """A user's question: "deep: ..." or "light: ..." tags it; untagged suits both styles."""
        tag, sep, rest = text.partition(":")
        if sep and tag.strip().lower() in STYLES and rest.strip():
            return cls(_one_line(rest, "question"), frozenset({tag.strip().lower()}))
        return cls(_one_line(text, "question"))


@dataclass(frozen=True)
class Library:
    """Everything a check-in can say. `actions` is keyed by channel, plus ANY for no preference."""

    actions: Mapping[str, tuple[str, ...]] = field(hash=False)
    questions: tuple[Question, ...]
    openers: tuple[str, ...]
    reflections: tuple[str, ...]
    _by_style: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        actions = {_channel_key(k): _pool(v, f"actions for {k!r}") for k, v in self.actions.items()}
        if ANY not in actions:
            raise ValueError(f"a library needs {ANY!r} actions, for people with no preferred channel")
        object.__setattr__(self, "actions", MappingProxyType(actions))
        object.__setattr__(self, "questions", tuple(self.questions))
        object.__setattr__(self, "openers", _pool(self.openers, "openers"))
        object.__setattr__(self, "reflections", _pool(self.reflections, "reflections"))
        if not self.questions:
            raise ValueError("a library needs at least one question")
        if len(self.reflections) < QUESTIONS_PER_REFLECTION:
            raise ValueError(f"a library needs at least {QUESTIONS_PER_REFLECTION} reflection questions")
        object.__setattr__(self, "_by_style", MappingProxyType({s: _fitting(self.questions, s) for s in STYLES}))

    def actions_for(self, channel: str | None) -> tuple[str, ...]:
        """The channel's actions; the ANY pool for no (or an unknown) channel."""
        return self.actions.get(_norm(channel or ANY)) or self.actions[ANY]

    def questions_for(self, style: str) -> tuple[str, ...]:
        """Questions tagged with the style; all questions if none is."""
        return self._by_style.get(style) or _fitting(self.questions, style)

    def extended(
        self,
        actions: Mapping[str, Sequence[str]],
        questions: Sequence[str] = (),
        replace: bool = False,
        *,
        openers: Sequence[str] = (),
        reflections: Sequence[str] = (),
    ) -> Library:
        """A new library with the user's entries. This one is left as it is.

        Keys of `actions` are channels (lower case, as in CHANNELS) or "any". A question may start
        with "light:" or "deep:" to suit only that style; untagged ones suit both.

        - replace=False: the user's entries are added after the built-in ones (exact repeats,
          ignoring case and spacing, are skipped). Empty lists add nothing.
        - replace=True: each channel given with entries gets exactly those entries; channels not
          given keep theirs. Non-empty `questions` (or `openers`, `reflections`) replace that whole
          list; a style none of the new questions is tagged with uses all of them.

        An empty list never changes anything, except that an empty action list with replace=True
        is refused (a channel cannot be left with nothing to suggest). Also raises ValueError for
        an unknown channel, a blank entry, or fewer than 3 reflections.
        """
        merged = dict(self.actions)
        for key, given in actions.items():
            channel, entries = _channel_key(key), _entries(given, f"actions for {key!r}")
            if replace and not entries:
                raise ValueError(f"actions for {key!r} is empty: give at least one, or leave the channel out")
            merged[channel] = _combined(merged.get(channel, ()), entries, replace, _norm)
        new_questions = tuple(Question.parse(q) for q in _entries(questions, "questions"))
        return Library(
            actions=merged,
            questions=_combined(self.questions, new_questions, replace, lambda q: _norm(q.text)),
            openers=_combined(self.openers, _entries(openers, "openers"), replace, _norm),
            reflections=_combined(self.reflections, _entries(reflections, "reflections"), replace, _norm),
        )


# --- validation helpers --------------------------------------------------------------------------


def _fitting(questions: Sequence[Question], style: str) -> tuple[str, ...]:
    fitting = tuple(q.text for q in questions if style in q.styles)
    return fitting or tuple(q.text for q in questions)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _channel_key(key: str) -> str:
    channel = _norm(key)
    if channel not in (*CHANNELS, ANY):
        raise ValueError(f"{key!r} is not a channel (write one of: {', '.join((*CHANNELS, ANY))})")
    return channel


def _one_line(text: str, what: str) -> str:
    line = " ".join(str(text).split())
    if not line:
        raise ValueError(f"{what} cannot be blank")
    return line


def _pool(items: Iterable[str], what: str) -> tuple[str, ...]:
    if isinstance(items, str):
        raise TypeError(f"{what} must be a list of strings, not one string")
    pool = tuple(dict.fromkeys(_one_line(i, what) for i in items))
    if not pool:
        raise ValueError(f"{what} cannot be empty")
    return pool


def _entries(items: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(items, str):
        raise TypeError(f"{what} must be a list of strings, not one string")
    return tuple(_one_line(i, what) for i in items)


def _combined(base: Sequence[_T], extra: Sequence[_T], replace: bool, key: Callable[[_T], str]) -> tuple[_T, ...]:
    """`extra` instead of `base` (replace) or after it, skipping repeats by `key`; `base` if no extra."""
    if not extra:
        return tuple(base)
    merged: dict[str, _T] = {}
    for item in (*(() if replace else base), *extra):
        merged.setdefault(key(item), item)
    return tuple(merged.values())


# --- the built-in library ----------------------------------------------------------------------

_ACTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "text": (
        "Send a two-line text: one thing you noticed, one question about them.",
        "Text them a photo of something that made you think of them.",
        "Send a quick message about a song, show or book they'd like.",
        "Text a shared memory that starts with “Remember when...”.",
        "Send a short thinking-of-you text; it doesn't need a question.",
        "Text them one small good thing from your day, then ask about theirs.",
        "Send a link to something that has their exact sense of humour.",
        "Text them a recommendation: a recipe, a podcast, a place to eat.",
        "Reply to your last thread with them, however old; picking it up is fine.",
    ),
    "voice note": (
        "Send a 30-second voice note about something that reminded you of them.",
        "Record a short voice note on a walk: what you can see, and a question for them.",
        "Leave a voice note with one small thing from your week.",
        "Send a voice note with a quick story you know they'll laugh at.",
        "Record a one-minute hello and say there's no rush to reply.",
        "Send a voice note about a place or a memory you both know.",
        "Leave a voice note asking their opinion on something small.",
        "Send a voice note while the kettle boils: thirty seconds, done.",
        "Play them a few seconds of a song that made you think of them, and say why.",
    ),
    "call": (
        "Give them a ten-minute call; it's fine to say up front you only have a few minutes.",
        "Ring them on your walk home and ask what's new.",
        "Call to say hello; if they don't pick up, leave a short, friendly message.",
        "Text first to ask when suits for a quick call, then ring at that time.",
        "Call while you cook or make tea; it doesn't have to be a big sit-down.",
        "Phone them about one specific thing: a question, a recommendation, a memory.",
        "Ring for five minutes, just to hear how they sound.",
        "Call, and let them do most of the talking.",
    ),
    "video": (
        "Suggest a short video call this week; fifteen minutes is plenty.",
        "Ask if they're free for a quick video chat at the weekend.",
        "Offer a video call over a cup of tea, with no agenda.",
        "Propose watching the first episode of something together over video.",
        "Video-call them from somewhere nice: a park, a window seat, a favourite café.",
        "Send two or three times that suit you for a video catch-up and let them pick.",
        "Start a video call while you both cook, and just chat.",
        "Suggest a quick video call to show each other something: a plant, a pet, a project.",
    ),
    "in person": (
        "Suggest a short walk or a coffee this week.",
        "Ask if they'd like to grab lunch somewhere near them.",
        "Propose one easy plan, a market or a film, and keep it simple to say yes to.",
        "Invite them along to something you're already doing: a run, an errand, a dog walk.",
        "Offer to drop by with a coffee for twenty minutes.",
        "Suggest meeting halfway for a drink, at a time that suits you both.",
        "Ask if they'd like to cook something simple together.",
        "Offer two possible dates for a catch-up and let them choose.",
        "Bring back an old habit you had together: the same café, the same walk.",
    ),
    "social media": (
        "Leave a real comment on something they posted recently, not just a like.",
        "Send them a post or meme that matches your shared sense of humour.",
        "Reply to one of their stories with a question.",
        "Tell them in a message which of their recent posts you enjoyed, and why.",
        "Send a direct message about a photo of theirs you liked.",
        "Tag them in something that made you think of them.",
        "Send a short message with a link: saw this, thought of you.",
        "Congratulate them on something they shared lately, however small.",
    ),
    "email": (
        "Write a short email: one thing you remembered about them, one question.",
        "Email them a link you think they'd enjoy, with a line about why.",
        "Send a few lines that are all about them: how are they, really?",
        "Email a photo from a while back that you're both in.",
        "Write a five-line email with a subject line that will make them smile.",
        "Email a recommendation, a book, an article or a recipe, with a sentence on why.",
        "Reply to an old email thread with them and pick it up from there.",
        "Send a short email asking their advice on something they know about.",
    ),
    "letter": (
        "Write a postcard; three sentences is enough.",
        "Send a short handwritten note, just to say you thought of them.",
        "Post a card with a memory you share.",
        "Slip a photo into an envelope with a line on the back.",
        "Send a postcard from wherever you are, even if it's just your own town.",
        "Write a short letter and tell them there's no need to write back.",
        "Post them a clipping, a recipe or a pressed leaf, with a note.",
        "Send a card for no reason at all.",
    ),
    ANY: (
        "Reach out in whatever way is easiest today; a short message is enough.",
        "Send a quick hello and ask how they've been.",
        "Let them know they crossed your mind, and ask one question about them.",
        "Pass on something you came across that has their name on it, with a line about why.",
        "Send a memory you share: a photo, or a “remember when”.",
        "Suggest one small, easy plan: a call, a walk, a coffee.",
        "Send a short hello and make clear no reply is needed.",
        "Ask their take on something small they know about.",
    ),
}

_L, _D, _B = frozenset({LIGHT}), frozenset({DEEP}), frozenset(STYLES)
_QUESTIONS: Final = tuple(
    Question(text, styles)
    for styles, texts in (
        (
            _L,
            (
                "What's been the best part of your week?",
                "Watched, read or listened to anything good lately?",
                "What are you looking forward to this month?",
                "What's keeping you busy these days?",
                "Any small wins lately?",
                "Eaten anything great recently?",
                "What's the last thing that made you laugh?",
                "Been anywhere new lately, even just a new café?",
                "What's your song of the moment?",
                "Got anything nice planned for the weekend?",
                "What have you been getting into lately?",
                "Any recommendations for me?",
                "What's the most ordinary thing that cheered you up this week?",
                "Picked up any new habits or hobbies?",
                "What's the weather doing where you are, and is it behaving?",
            ),
        ),
        (
            _D,
            (
                "What's been on your mind lately?",
                "How are you really doing, under the usual answer?",
                "What's felt hard lately, and what's been helping?",
                "What's something you've changed your mind about recently?",
                "Who or what has been a good support for you lately?",
                "What are you hoping for in the next few months?",
                "What's something you're proud of that not many people know about?",
                "Is there anything you'd like more of in your life right now?",
                "What's been giving you energy lately, and what's been draining it?",
                "What would make this season feel a little easier?",
                "What's a memory of us that still makes you smile?",
                "What have you been learning about yourself lately?",
            ),
        ),
        (
            _B,
            (
                "How have you been, honestly?",
                "What's new with you these days?",
                "What's been the highlight of your month so far?",
                "Is there anything I can help with, big or small?",
                "How's work, or whatever is filling your days?",
                "What's one good thing that's happened lately?",
            ),
        ),
    )
    for text in texts
)

_OPENERS: Final = (
    "It's been a while, and that's okay. One line like “You've been on my mind” is all the opening it needs.",
    "No need to explain the gap: “I've been quiet, but I've been thinking of you”, then turn to them.",
    "A long silence is easier to break than it feels. Say hello as if it's been a week.",
    "If you want to name the gap, keep it to one line: “I know it's been ages — how are you?”",
    "Time got away; it happens. A short “I miss our chats” is plenty.",
    "Skip the long explanation. “Sorry I went quiet — what's new with you?” does the job.",
    "Been a while? Something small now beats something perfect later.",
)

_REFLECTIONS: Final = (
    "When did I last pull back from someone, and what was going on for me then?",
    "What do I need more of right now: rest, company, or something else?",
    "Who have I been meaning to reach, and what's the smallest step toward them?",
    "What helped the last time I got back in touch with someone?",
    "Which conversation lately left me feeling better than before?",
    "What makes replying feel heavy, and how could I make it lighter?",
    "Who reached out to me recently, and how did that feel?",
    "What would I like someone to know about how I'm doing?",
    "Is there someone I miss but feel awkward about? What's one low-pressure way in?",
    "What am I quietly proud of in how I've shown up for people lately?",
    "What drains me about making plans, and what could I ask for instead?",
    "How can I say what I need without going quiet?",
    "Who makes me feel most like myself?",
)

DEFAULT_LIBRARY: Final = Library(actions=_ACTIONS, questions=_QUESTIONS, openers=_OPENERS, reflections=_REFLECTIONS)


def wording(person: Person, seq: int, *, library: Library = DEFAULT_LIBRARY, gap: Gap | None = None) -> Wording:
    """The title and description of a person's `seq`-th check-in (seq counts from 1).

    Description: the action (always the first line); an opener after a long gap; "Ask: ..." with
    one or two questions; what you know; how they like to hear from you; the rhythm.
    """
    _check_seq(seq)
    who = fold(person.name)
    channel = _norm(person.prefers) if person.prefers else None
    style = _style(person)
    lines = [_pick(library.actions_for(channel), who, sys.intern(f"action:{channel or ANY}"), seq)]
    if gap is not None and gap.long:
        lines.append(_pick(library.openers, who, "opener", seq))
    asks = []
    personal = personal_questions(person.notes, _interests(person))
    if personal:
        asks.append(_pick(personal, who, "personal", seq))
    asks.append(_pick(library.questions_for(style), who, sys.intern(f"question:{style}"), seq))
    lines.append("Ask: " + " ".join(asks))
    lines.extend(_known(person))
    if person.prefers:
        lines.append(f"How they like to hear from you: {person.prefers}.")
    lines.append(f"Rhythm: {person.every}.")
    return Wording(summary=title_for(person.name), description="\n".join(lines))


def milestone_wording(person: Person, label: str, kind: str, days_until: int) -> Wording:
    """A reminder for a birthday, anniversary or one-off event, `days_until` days ahead (0: today)."""
    description = milestone_description(person, label, kind, days_until)
    label = " ".join(label.split()) or kind
    return Wording(summary=_milestone_title(person.name, label, days_until), description=description)


def late_milestone_wording(person: Person, label: str, kind: str, day: date) -> Wording:
    """A date that passed before its nudge could go out: said as late, without fuss."""
    label = " ".join(label.split()) or kind
    subject = _milestone_title(person.name, label, 0).removesuffix(" is today")
    action, advice = _LATE.get(kind, _LATE["event"])
    title = f"{subject} was on {WEEKDAY_NAMES[day.weekday()]}: {action}"
    lines = [advice]
    lines.extend(_known(person, fallback=False))
    if person.prefers:
        lines.append(f"How they like to hear from you: {person.prefers}.")
    return Wording(summary=title, description="\n".join(lines))


_LATE = {  # kind: (the title's end, the first line)
    "birthday": ("a late wish still counts", "A short message now is still a kind thought; no long apology needed."),
    "anniversary": ("it is not too late to mark it", "A word now still shows you remembered."),
    "event": ("ask how it went", "Ask how it went; a day late, the question is just as welcome."),
}


def milestone_description(person: Person, label: str, kind: str, days_until: int) -> str:
    """The body of `milestone_wording`, without its title."""
    if kind not in MILESTONE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(MILESTONE_KINDS)}, not {kind!r}")
    if days_until < 0:
        raise ValueError(f"days_until cannot be negative, got {days_until}")
    label = " ".join(label.split()) or kind
    channel = _norm(person.prefers) if person.prefers in CHANNELS else None
    lines = [*_milestone_advice(label, kind, channel, _style(person), days_until)]
    lines.extend(_known(person, fallback=False))
    if person.prefers:
        lines.append(f"How they like to hear from you: {person.prefers}.")
    return "\n".join(lines)


@functools.lru_cache(maxsize=1024)  # a few labels and channels: the same lines for many people
def _milestone_advice(label: str, kind: str, channel: str | None, style: str, days_until: int) -> tuple[str, ...]:
    """What to do and what to ask, which depend on the date and the channel, not on who it is."""
    mood = _event_mood(label) if kind == "event" else "sad" if kind == "anniversary" and _SAD.search(label) else ""
    lines = [_milestone_action(kind, mood, label, channel, days_until)]
    lines.append("Ask: " + _milestone_question(kind, mood, days_until, style))
    if kind == "event" and days_until == 0:
        lines.append("Later: ask how it went.")
    return tuple(lines)


def reflection_wording(seq: int, *, library: Library = DEFAULT_LIBRARY, every: Cadence | None = None) -> Wording:
    """A few minutes for yourself: three reflection questions, rotating through the whole list."""
    _check_seq(seq)
    order = _ordered(library.reflections, "", "reflection")
    first = (seq - 1) * QUESTIONS_PER_REFLECTION
    picked = [order[(first + i) % len(order)] for i in range(QUESTIONS_PER_REFLECTION)]
    lines = [_REFLECTION_STARTS[(seq - 1) % len(_REFLECTION_STARTS)], "Ask yourself:"]
    lines.extend(f"- {q}" for q in picked)
    lines.append("If someone comes to mind, that's your next small hello.")
    if every is not None:
        lines.append(f"Rhythm: {every}.")
    return Wording(summary="A few minutes for yourself", description="\n".join(lines))


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
    lines = []
    notes = " ".join((person.notes or "").split())
    if notes:
        if fallback and not _names_a_topic(notes):  # no topic the questions could come from
            lines.append(f"Last time: {notes.rstrip('.')} — ask how that's going.")
        else:
            lines.append(f"Notes: {notes}")
    interests = [i for i in (" ".join(x.split()) for x in _interests(person)) if i]
    if interests:
        lines.append(f"Interests: {', '.join(interests)}.")
    return lines


def _interests(person: Person) -> tuple[str, ...]:
    return tuple(person.interests or ())


def _style(person: Person) -> str:
    style = (person.style or LIGHT).strip().lower()
    return style if style in STYLES else LIGHT


def _note_questions(notes: str) -> list[str]:
    if not _names_a_topic(notes):  # most notes name no topic: one search instead of one a topic
        return []
    found: list[str] = []
    for pattern, questions, alone in _NOTE_TOPICS:
        match = pattern.search(notes)
        if match is None:
            continue
        thing = match.groupdict().get("thing") or ""
        asked = [q.format(thing=thing.lower()) for q in questions]
        if alone:
            return asked
        found.extend(asked)
    return found


def _interest_questions(interest: str, index: int) -> list[str]:
    for pattern, questions in _INTEREST_TOPICS:
        match = pattern.search(interest)
        if match is not None:
            thing = match.groupdict().get("thing") or interest
            return [q.format(thing=thing.lower()) for q in questions]
    n = len(_ANY_INTEREST)
    return [_ANY_INTEREST[index % n].format(thing=interest), _ANY_INTEREST[(index + 1) % n].format(thing=interest)]


def _topics(*rows: tuple[str, tuple[str, ...], bool]) -> tuple[tuple[re.Pattern[str], tuple[str, ...], bool], ...]:
    return tuple((re.compile(p, re.IGNORECASE), q, alone) for p, q, alone in rows)


# Keyword topics in notes. A topic marked alone (grief) silences all the others.
_NOTE_TOPICS: Final = _topics(
    (
        r"\b(passed away|died|death|funeral|bereave\w*|lost (his|her|their|my|a) (mum|mom|mother|dad|father|"
        r"husband|wife|partner|son|daughter|brother|sister|friend|gran\w*|grandad|grandpa|grandma|dog|cat|pet))\b",
        (
            "How are you doing these days? No need for a big answer.",
            "Would it help to talk about them, or would you rather just chat?",
        ),
        True,
    ),
    (
        r"\b(new (job|role|position)|started (a |the |her |his |their )?(job|work)|first day at)\b",
        (
            "How are the first weeks at the new job going?",
            "What are your new colleagues like?",
            "Is the new job turning out how you hoped?",
        ),
        False,
    ),
    (
        r"\b(lost (his|her|their|the|a|my) job|laid off|redundan\w*|job[- ]hunting|looking for (a )?(job|work)|"
        r"unemployed)\b",
        (
            "How's the job search going?",
            "Is there anything I could help with, like a contact or a second pair of eyes on an application?",
        ),
        False,
    ),
    (
        r"\bnew (home|house|flat|apartment|place)\b|\bbought a (house|flat|home|place)\b",
        ("Is the new place starting to feel like home?", "What's your favourite corner of the new place so far?"),
        False,
    ),
    (
        r"\b(moved|moving|relocat\w*)\b",
        ("How are you settling in after the move?", "Found a favourite spot near the new place yet?"),
        False,
    ),
    (
        r"\b(pregnant|expecting|baby on the way)\b",
        ("How are you feeling these days?", "How are the baby preparations going?"),
        False,
    ),
    (
        r"\b(baby|newborn|new-born|had a (boy|girl)|gave birth)\b(?!.*\bon the way\b)",
        ("How are you all doing with the baby?", "Are you getting any sleep at all?"),
        False,
    ),
    (
        r"\b(wedding|engaged|engagement|getting married)\b",
        ("How are the wedding plans coming along?", "What are you most looking forward to about the day?"),
        False,
    ),
    (r"\b(got married|just married|newlyweds?)\b", ("How's married life treating you?",), False),
    (
        r"\b(exams?|studying|revision|revising|thesis|dissertation|degree|course|university|uni|college)\b",
        (
            "How's the studying going?",
            "What are you enjoying most about what you're learning?",
            "When do you get a proper break?",
        ),
        False,
    ),
    (
        r"\b(ill|illness|sick|unwell|surgery|operation|hospital|recover\w*|diagnos\w*|treatment|chemo\w*|cancer|"
        r"injur\w*)\b",
        (
            "How are things on the health front?",
            "Is there anything that would make this week a little easier?",
            "How are you doing in yourself, with everything going on?",
        ),
        False,
    ),
    (
        r"\b(break[- ]?up|broke up|split up|separated|divorc\w*)\b",
        (
            "How are you holding up these days?",
            "What's been helping you through it?",
            "Want a distraction? What's been good this week, however small?",
        ),
        False,
    ),
    (
        r"\b(new (partner|boyfriend|girlfriend)|dating|seeing someone)\b",
        ("How are things with the new person in your life?",),
        False,
    ),
    (
        r"\b(travel\w*|trip|holiday|vacation|backpack\w*|gap year)\b",
        ("Is the trip still ahead, or already a good story?", "Any travel stories for me?"),
        False,
    ),
    (
        r"\bretir\w*\b",
        ("How are you feeling about retirement?", "What are you doing with all the extra time?"),
        False,
    ),
    (
        r"\b(?P<thing>dog|puppy|cat|kitten|rabbit|horse|pet)s?\b",
        ("How's the {thing} doing?", "Any new photos of the {thing}?"),
        False,
    ),
    (r"\bbirthday\b", ("Any birthday plans, or was it a quiet one?",), False),
)

# Whether any topic is mentioned at all: the topics side by side, without IGNORECASE for lower-cased
# ASCII text (the same answer there, since the patterns are lower case, and three times faster).
_ANY_TOPIC: Final = "|".join(f"(?:{pattern.pattern})" for pattern, _, _ in _NOTE_TOPICS)
_NOTE_ANY: Final = re.compile(_ANY_TOPIC, re.IGNORECASE)
_NOTE_ANY_LOWER: Final = re.compile(_ANY_TOPIC)


def _names_a_topic(notes: str) -> bool:
    if notes.isascii():
        return _NOTE_ANY_LOWER.search(notes.lower()) is not None
    return _NOTE_ANY.search(notes) is not None


_INTEREST_TOPICS: Final = tuple(
    (pattern, questions)
    for pattern, questions, _ in _topics(
        (r"\b(climb\w*|boulder\w*)\b", ("Been to the wall lately?", "Any climbs you've been working on?"), False),
        (r"\brun(ning)?\b", ("Been out running much lately?", "Any races coming up, or just miles for fun?"), False),
        (r"\b(cycl\w*|bikes?|biking)\b", ("Been out on the bike lately?", "Any good rides recently?"), False),
        (r"\b(hik\w*|walk\w*|rambl\w*)\b", ("Been on any good walks lately?", "Found any new routes?"), False),
        (r"\bswim\w*\b", ("Been swimming much lately?",), False),
        (r"\bbak\w*\b", ("Baked anything good lately?",), False),
        (r"\bcook\w*\b", ("Cooked anything you're proud of lately?",), False),
        (
            r"\b(read\w*|books?)\b",
            ("Read anything good lately?", "What's on your bedside table at the moment?"),
            False,
        ),
        (r"\bgarden\w*\b", ("How's the garden doing?", "What's growing well at the moment?"), False),
        (r"\bplants?\b", ("How are the plants getting on?",), False),
        (r"\b(films?|movies?|cinema)\b", ("Seen any good films lately?",), False),
        (r"\b(music|gigs?|concerts?)\b", ("Been to any gigs lately?", "What have you had on repeat?"), False),
        (
            r"\b(?P<thing>guitar|piano|violin|cello|drums|ukulele|bass|saxophone)\b",
            ("Been playing much {thing} lately?", "Learning anything new on the {thing}?"),
            False,
        ),
        (r"\b(gam(e|es|ing)|video ?games?)\b", ("Playing anything good at the moment?",), False),
        (r"\b(knit\w*|crochet\w*|sew\w*)\b", ("What are you making at the moment?",), False),
        (r"\bphoto\w*\b", ("Taken any photos you're pleased with lately?",), False),
        (r"\byoga\b", ("How's the yoga going?",), False),
        (
            r"\b(?P<thing>football|soccer|rugby|cricket|tennis|basketball|netball|hockey)\b",
            ("Any {thing} lately, playing or watching?",),
            False,
        ),
        (r"\btravel\w*\b", ("Any trips coming up?", "Where's next on the travel list?"), False),
        (r"\b(art|paint\w*|draw\w*|sketch\w*)\b", ("Made anything you're pleased with lately?",), False),
    )
)

# For interests with no topic of their own. Each interest gets two, chosen by its position.
_ANY_INTEREST: Final = (
    "Anything new on the {thing} front?",
    "What's the latest with {thing}?",
    "How's {thing} treating you these days?",
)


# --- milestones -------------------------------------------------------------------------------

_SAD: Final = re.compile(r"\b(death|died|passed|loss|lost|funeral|memorial|miscarriage)\b", re.IGNORECASE)
_HAPPY_EVENT: Final = re.compile(
    r"\b(wedding|party|graduation|launch|opening|housewarming|christening|naming|celebration|retirement|"
    r"engagement|leaving do)\b",
    re.IGNORECASE,
)
_HEALTH_EVENT: Final = re.compile(
    r"\b(surgery|operation|hospital|scan|appointment|treatment|chemo\w*|procedure|results?)\b", re.IGNORECASE
)
_DETERMINERS: Final = frozenset({"the", "a", "an", "her", "his", "their", "my", "our", "its", "your"})
# How to say something short on the day, and what to call it ahead of time.
_ON_THE_DAY: Final[Mapping[str | None, str]] = {
    "text": "Send a text",
    "voice note": "Send a voice note",
    "call": "Give them a quick call",
    "video": "Catch them on a short video call",
    "social media": "Send them a direct message",
    "email": "Send a short email",
    None: "Send a message",
}
_NOUN: Final[Mapping[str | None, str]] = {
    "text": "text",
    "voice note": "voice note",
    "call": "quick call",
    "video": "short video call",
    "in person": "message",
    "social media": "message",
    "email": "short email",
    "letter": "card",
    None: "message",
}
_POST_DAYS: Final = 3  # a card posted with fewer days than this to go may arrive late


def _event_mood(label: str) -> str:
    return "happy" if _HAPPY_EVENT.search(label) else "health" if _HEALTH_EVENT.search(label) else ""


def _purpose(kind: str, mood: str, label: str) -> str:
    if kind == "birthday":
        return "say happy birthday"
    if mood == "sad":
        return "let them know you're thinking of them"
    if kind == "anniversary":
        return "mark the anniversary"
    if mood == "happy":
        return "wish them a wonderful day"
    if mood == "health":
        return "let them know you're thinking of them"
    return f"wish them luck for {_the(label)}"


def _milestone_action(kind: str, mood: str, label: str, channel: str | None, days_until: int) -> str:
    purpose = _purpose(kind, mood, label)
    before = kind == "event" and mood != "happy"  # luck and support are best sent ahead
    if days_until == 0:
        if channel == "in person":
            return f"If you'll see them today, {purpose} in person; if not, a message is lovely."
        if channel == "letter":
            return f"Send a quick message to {purpose}; a card can always follow."
        return f"{_ON_THE_DAY[channel]} to {purpose}."
    if channel == "letter":
        if days_until >= _POST_DAYS:
            return f"Post a card now so it arrives in time to {purpose}."
        later = "send a quick message before the day" if before else "plan a quick message on the day"
        return f"A card may not arrive in time now; {later} to {purpose}."
    if channel == "in person":
        if before:
            return f"If you'll see them before the day, {purpose} in person; if not, send a message."
        return f"See if you can meet up around the day, even briefly, to {purpose}."
    if before:
        return f"Send a {_NOUN[channel]} before the day to {purpose}."
    return f"Plan a {_NOUN[channel]} on the day to {purpose}."


def _milestone_question(kind: str, mood: str, days_until: int, style: str) -> str:
    today = days_until == 0
    if kind == "birthday":
        if style == DEEP:
            return "What are you hoping the year ahead brings?"
        return "How are you celebrating?" if today else "Any plans for the big day?"
    if mood == "sad":
        return "How are you doing today?" if today else "How are you doing as the day gets closer?"
    if kind == "anniversary":
        return "How are you marking it?" if today else "Any plans to mark it?"
    if mood == "happy":
        return "What are you most looking forward to?"
    if mood == "health":
        return "Is there anything you need this week?"
    return "How are you feeling about it?" if today or style == DEEP else "How are the preparations going?"


def _milestone_title(name: str, label: str, days_until: int) -> str:
    when = "today" if days_until == 0 else "tomorrow" if days_until == 1 else _in_days(days_until)
    first = label.split(maxsplit=1)[0].lower()
    if name.casefold() in label.casefold():
        subject = label[:1].upper() + label[1:]
    elif first in _DETERMINERS or " of " in f" {label} " or "'s " in label or "’s " in label:
        subject = f"{name}: {label}"
    else:
        subject = f"{name}'s {label}"
    return f"{subject} is {when}"


def _in_days(days: int) -> str:
    return {7: "in a week", 14: "in two weeks"}.get(days, f"in {days} days")


def _the(label: str) -> str:
    """The label with an article where it needs one ("the big presentation", "her driving test")."""
    first = label.split(maxsplit=1)[0]
    if first.lower() in _DETERMINERS or first[:1].isupper() or "'s " in label or "’s " in label:
        return label
    return f"the {label}"


_REFLECTION_STARTS: Final = (
    "Take five quiet minutes with a pen, or just a cup of tea.",
    "Find a calm spot and give yourself a few minutes with these.",
    "Jot down a line or two for each; there are no wrong answers.",
)
