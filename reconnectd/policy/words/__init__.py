"""The words reconnectd says, as data: one TOML file a language in this package (`en.toml`), read on first use.

`load()` reads the file through importlib.resources (so it is found in a wheel or a zip as well as in a checkout),
checks all of it, and gives frozen `Words`; a file with problems raises WordsError listing every one, each with
its key. Nothing is read at import time, and a language is read once. `suggest.py` does the choosing.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from reconnectd.policy.model import CHANNELS

LANGUAGE: Final = "en"
ANY: Final = "any"  # the actions, and the milestone phrases, for people with no (known) preferred channel
LIGHT: Final = "light"
DEEP: Final = "deep"
STYLES: Final = (LIGHT, DEEP)
BOTH: Final = "both"  # questions that suit either style
MILESTONE_KINDS: Final = ("birthday", "anniversary", "event")
CHANNEL_KEYS: Final = (*CHANNELS, ANY)

# Each template's key, and the {placeholders} it has: every one of them, and no other.
NONE: Final[Set[str]] = frozenset()
CHECK_IN_TEMPLATES: Final[Mapping[str, Set[str]]] = {
    "title": {"name"},
    "ask": {"questions"},
    "notes": {"notes"},
    "last_time": {"notes"},
    "interests": {"interests"},
    "prefers": {"prefers"},
    "rhythm": {"every"},
}
REFLECTION_TEMPLATES: Final[Mapping[str, Set[str]]] = {"title": NONE, "ask": NONE, "item": {"question"}, "end": NONE}
MILESTONE_TEMPLATES: Final[Mapping[str, Set[str]]] = {
    "title": {"subject", "when"},
    "named": {"name", "label"},
    "possessive": {"name", "label"},
    "the": {"label"},
    "ask": {"question"},
    "follow_up": NONE,
    "post_in_time": {"purpose"},
    "late": {"subject", "weekday", "late"},  # a date whose nudge could not go out on the day
    "turns": {"age"},  # a birthday whose year is known
    "years": {"age"},  # an anniversary whose year is known
}
PURPOSES: Final[Mapping[str, Set[str]]] = {
    **dict.fromkeys(("birthday", "sad", "anniversary", "happy", "health"), NONE),
    "luck": {"label"},  # an event with no mood: the label, with its article
}
MILESTONE_QUESTIONS: Final = (
    *("birthday_deep", "birthday_today", "birthday_ahead", "sad_today", "sad_ahead"),
    *("anniversary_today", "anniversary_ahead", "happy", "health", "event_today", "event_ahead"),
)
MILESTONE_ADVICE: Final = ("today", "before", "on_the_day")  # a phrase for each channel in each
MILESTONE_MOODS: Final = ("sad", "happy", "health")  # patterns on the label
MILESTONE_LISTS: Final = ("determiners", "possessive_marks", "linking_words")
MILESTONE_TABLES: Final = ("when", "unnamed", "purpose", "questions", "late_title", "late_advice")


Fill = Callable[[str], str]  # a template with one placeholder, as a function of its value


class WordsError(ValueError):
    """A words file is not sound: every problem, each with its key."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A keyword pattern, and the questions it brings. One marked `alone` silences the other topics."""

    pattern: re.Pattern[str]
    questions: tuple[str, ...]
    alone: bool = False


@dataclass(frozen=True, slots=True)
class Words:
    """One language's words. Templates are str.format strings, or a Fill; pools are tuples in the file's order."""

    language: str
    check_in: Mapping[str, Fill]  # the CHECK_IN_TEMPLATES, each filled in for every check-in
    list_separator: str
    openers: tuple[str, ...]
    actions: Mapping[str, tuple[str, ...]]  # CHANNEL_KEYS
    questions: Mapping[str, tuple[str, ...]]  # LIGHT, DEEP, BOTH
    note_topics: tuple[Topic, ...]
    # All note topics side by side: for lower-case ASCII, and for any text (compiled on first use: notes are
    # mostly ASCII, and it is the largest pattern of all).
    any_note_topic: tuple[re.Pattern[str], Callable[[], re.Pattern[str]]]
    interest_topics: tuple[Topic, ...]
    interest_fallback: tuple[str, ...]
    reflection: Mapping[str, str]  # the REFLECTION_TEMPLATES
    reflection_starts: tuple[str, ...]
    reflections: tuple[str, ...]
    milestone: Mapping[str, str]  # the MILESTONE_TEMPLATES
    milestone_lists: Mapping[str, tuple[str, ...]]  # MILESTONE_LISTS, the determiners in lower case
    moods: Mapping[str, re.Pattern[str]]  # MILESTONE_MOODS
    when: Mapping[int | None, str]  # days ahead: "today", "tomorrow"...; None: any other count ({days})
    unnamed: Mapping[str, str]  # MILESTONE_KINDS
    purposes: Mapping[str, str]
    advice: Mapping[str, Mapping[str, str]]  # MILESTONE_ADVICE, each by CHANNEL_KEYS
    milestone_questions: Mapping[str, str]
    late_titles: Mapping[str, str]  # MILESTONE_KINDS: how a late reminder's title ends
    late_advice: Mapping[str, str]  # MILESTONE_KINDS: its first line


def languages() -> tuple[str, ...]:
    """The languages with a words file here."""
    from importlib.resources import files  # noqa: PLC0415  (only when the words are read: never for `status`)

    return tuple(sorted(f.name.removesuffix(".toml") for f in files(__name__).iterdir() if f.name.endswith(".toml")))


@functools.cache
def load(language: str = LANGUAGE) -> Words:
    """The language's words, read and checked on first use; a WordsError when the file is missing or unsound."""
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language):
        raise WordsError(f"{language!r} is not a language code like 'en' or 'pt_BR'")
    import tomllib  # noqa: PLC0415  (only when the words are read: never for `status`)

    name = f"{language}.toml"
    beside = Path(__file__).with_name(name)  # installed as files (the rule): no need for importlib.resources
    if beside.is_file():
        text = beside.read_text(encoding="utf-8")
    else:  # in a zip, say
        from importlib.resources import files  # noqa: PLC0415

        resource = files(__name__).joinpath(name)
        if not resource.is_file():
            raise WordsError(f"there are no words for {language!r}: no {name} (found: {', '.join(languages())})")
        text = resource.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WordsError(f"{name}: {error}") from None
    return parse(data, language)


def parse(data: Mapping[str, Any], language: str = LANGUAGE) -> Words:
    """Words from a words file's parsed TOML; a WordsError naming every problem."""
    r = _Reader()
    top = r.table(data, "", ("check_in", "actions", "questions", "notes", "interests", "reflection", "milestone"))
    check_in = r.table(top.get("check_in"), "check_in", (*CHECK_IN_TEMPLATES, "list_separator", "openers"))
    actions = r.table(top.get("actions"), "actions", CHANNEL_KEYS)
    questions = r.table(top.get("questions"), "questions", (LIGHT, DEEP, BOTH))
    notes = r.table(top.get("notes"), "notes", ("topics",))
    interests = r.table(top.get("interests"), "interests", ("fallback", "topics"))
    reflection = r.table(top.get("reflection"), "reflection", (*REFLECTION_TEMPLATES, "starts", "questions"))
    milestone = r.table(
        top.get("milestone"),
        "milestone",
        (*MILESTONE_TEMPLATES, *MILESTONE_LISTS, *MILESTONE_MOODS, *MILESTONE_ADVICE, *MILESTONE_TABLES),
    )
    question_pools = {s: r.pool(questions, "questions", s) for s in (LIGHT, DEEP, BOTH)}
    r.unique([q for pool in question_pools.values() for q in pool], "questions")
    purpose = r.table(milestone.get("purpose"), "milestone.purpose", PURPOSES)
    unnamed = r.table(milestone.get("unnamed"), "milestone.unnamed", MILESTONE_KINDS)
    asks = r.table(milestone.get("questions"), "milestone.questions", MILESTONE_QUESTIONS)
    late_titles = r.table(milestone.get("late_title"), "milestone.late_title", MILESTONE_KINDS)
    late_advice = r.table(milestone.get("late_advice"), "milestone.late_advice", MILESTONE_KINDS)
    advice = {a: r.table(milestone.get(a), f"milestone.{a}", CHANNEL_KEYS) for a in MILESTONE_ADVICE}
    words = Words(
        language=language,
        check_in=MappingProxyType(
            {
                k: _fill(t, *CHECK_IN_TEMPLATES[k])
                for k, t in r.templates(check_in, "check_in", CHECK_IN_TEMPLATES).items()
            }
        ),
        list_separator=r.text(check_in, "check_in", "list_separator", normal=False),
        openers=r.pool(check_in, "check_in", "openers"),
        actions=MappingProxyType({c: r.pool(actions, "actions", c) for c in CHANNEL_KEYS}),
        questions=MappingProxyType(question_pools),
        note_topics=(note_topics := r.topics(notes, "notes", alone=True)),
        any_note_topic=r.side_by_side(note_topics, "notes.topics"),
        interest_topics=r.topics(interests, "interests", alone=False),
        interest_fallback=r.pool(interests, "interests", "fallback", {"thing"}),
        reflection=r.templates(reflection, "reflection", REFLECTION_TEMPLATES),
        reflection_starts=r.pool(reflection, "reflection", "starts"),
        reflections=r.pool(reflection, "reflection", "questions"),
        milestone=r.templates(milestone, "milestone", MILESTONE_TEMPLATES),
        milestone_lists=MappingProxyType(
            {
                k: tuple(w.lower() if k == "determiners" else w for w in r.pool(milestone, "milestone", k))
                for k in MILESTONE_LISTS
            }
        ),
        moods=MappingProxyType({m: r.pattern(milestone, "milestone", m) for m in MILESTONE_MOODS}),
        when=r.when(milestone.get("when"), "milestone.when"),
        unnamed=r.templates(unnamed, "milestone.unnamed", dict.fromkeys(MILESTONE_KINDS, NONE)),
        purposes=r.templates(purpose, "milestone.purpose", PURPOSES),
        advice=MappingProxyType(
            {
                a: r.templates(t, f"milestone.{a}", dict.fromkeys(CHANNEL_KEYS, frozenset({"purpose"})))
                for a, t in advice.items()
            }
        ),
        milestone_questions=r.templates(asks, "milestone.questions", dict.fromkeys(MILESTONE_QUESTIONS, NONE)),
        late_titles=r.templates(late_titles, "milestone.late_title", dict.fromkeys(MILESTONE_KINDS, NONE)),
        late_advice=r.templates(late_advice, "milestone.late_advice", dict.fromkeys(MILESTONE_KINDS, NONE)),
    )
    if r.problems:
        raise WordsError(f"the words for {language!r} have {len(r.problems)} problems:\n" + "\n".join(r.problems))
    return words


def _fill(template: str, field: str) -> Fill:
    """`template.format(field=value)` as a function of the value, several times faster: the text is split once."""
    try:
        parts = template.format_map({field: "\0"}).split("\0")  # a words file has no control characters
    except (ValueError, KeyError, IndexError):  # a template with problems, already reported
        parts = [template]
    return lambda value: value.join(parts)


# --- reading, with every problem collected -----------------------------------------------------------------------

_MISSING: Final = object()
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_GROUP: Final = re.compile(r"\(\?P<\w+>")  # a named group, made plain side by side, where two may be `thing`
_SYNTAX: Final = re.compile(r"\(\?P[<=]|\\[ABDSWZ]")  # upper-case letters in a pattern that match no letter


def _key(path: str, key: str) -> str:
    shown = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'
    return f"{path}.{shown}" if path else shown


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path or 'the file'}: {message}")

    def table(self, value: Any, path: str, keys: Iterable[str], optional: Iterable[str] = ()) -> dict[str, Any]:
        """The table, after reporting its missing and unknown keys. None: missing, reported with its parent."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(path, "expected a table")
            return {}
        keys = tuple(keys)
        known = (*keys, *optional)
        for key in value:
            if key not in known:
                self.problem(_key(path, key), f"unknown key (known here: {', '.join(known)})")
        for key in keys:
            if key not in value:
                self.problem(_key(path, key), "missing")
        return value

    def text(self, table: Mapping[str, Any], path: str, key: str, fields: Set[str] | None = None, **how: bool) -> str:
        value = table.get(key, _MISSING)
        return "" if value is _MISSING else self.line(value, _key(path, key), fields, **how)

    def line(self, value: Any, path: str, fields: Set[str] | None, *, normal: bool = True, every: bool = True) -> str:
        """One line of text. A template (`fields` given) has exactly those placeholders; `every=False`: no others."""
        if not isinstance(value, str):
            self.problem(path, f"expected a string, not {type(value).__name__}")
            return ""
        if len(value.splitlines()) > 1 or value.endswith(("\n", "\r")):
            self.problem(path, f"must be one line: {value!r}")
        elif _CONTROL.search(value):
            self.problem(path, f"has a control character: {value!r}")
        elif not value.strip():
            self.problem(path, "cannot be blank")
        elif normal and " ".join(value.split()) != value:
            self.problem(path, f"has spaces at an end or two in a row: {value!r}")
        if fields is None:
            return value
        try:
            found = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as error:
            self.problem(path, f"{error} (write {{{{ and }}}} for a brace itself): {value!r}")
            return value
        for name in sorted(found - fields):
            known = ", ".join(f"{{{f}}}" for f in sorted(fields)) or "none"
            self.problem(path, f"unknown placeholder {{{name}}} (known here: {known}): {value!r}")
        for name in sorted(fields - found) if every else ():
            self.problem(path, f"needs the placeholder {{{name}}}: {value!r}")
        return value

    def templates(self, table: Mapping[str, Any], path: str, spec: Mapping[str, Set[str]]) -> Mapping[str, str]:
        """The table's templates, each with the placeholders `spec` gives it."""
        return MappingProxyType({key: self.text(table, path, key, fields) for key, fields in spec.items()})

    def pool(self, table: Mapping[str, Any], path: str, key: str, fields: Set[str] | None = None) -> tuple[str, ...]:
        """A non-empty list of distinct lines; with `fields`, lines that are formatted and may use those."""
        value, path = table.get(key, _MISSING), _key(path, key)
        if value is _MISSING:
            return ()
        if not isinstance(value, list):
            self.problem(path, "expected a list of strings")
            return ()
        if not value:
            self.problem(path, "cannot be empty")
        pool = tuple(self.line(v, f"{path}[{i}]", fields, every=False) for i, v in enumerate(value))
        self.unique(pool, path)
        return pool

    def unique(self, pool: Iterable[str], path: str) -> None:
        seen: set[str] = set()
        for item in pool:
            folded = " ".join(item.lower().split())
            if folded in seen:
                self.problem(path, f"says this twice: {item!r}")
            seen.add(folded)

    def pattern(self, table: Mapping[str, Any], path: str, key: str, *, lower: bool = False) -> re.Pattern[str]:
        text, path = self.text(table, path, key, normal=False), _key(path, key)
        if lower and (letters := _SYNTAX.sub("", text)) != letters.lower():
            self.problem(path, "notes are matched in lower case: write the pattern's letters in lower case")
        try:
            return re.compile(text, re.IGNORECASE)
        except re.error as error:
            self.problem(path, f"not a regular expression: {error}")
            return re.compile("(?!)")

    def topics(self, table: Mapping[str, Any], path: str, *, alone: bool) -> tuple[Topic, ...]:
        value, path = table.get("topics", _MISSING), _key(path, "topics")
        if value is _MISSING:
            return ()
        if not isinstance(value, list) or not value:
            self.problem(path, "expected a list of topics ([[...topics]] tables), at least one")
            return ()
        found = []
        for i, given in enumerate(value):
            where = f"{path}[{i}]"
            topic = self.table(given, where, ("pattern", "questions"), ("alone",) if alone else ())
            pattern = self.pattern(topic, where, "pattern", lower=alone)
            questions = self.pool(topic, where, "questions", {"thing"})
            if "thing" not in pattern.groupindex and any("{thing}" in q for q in questions):
                self.problem(_key(where, "questions"), "uses {thing}, but the pattern has no group (?P<thing>...)")
            flag = topic.get("alone", False)
            if not isinstance(flag, bool):
                self.problem(_key(where, "alone"), "expected true or false")
            found.append(Topic(pattern, questions, flag is True))
        return tuple(found)

    def side_by_side(self, topics: Iterable[Topic], path: str) -> tuple[re.Pattern[str], Callable[[], re.Pattern[str]]]:
        """One pattern for whether any topic is mentioned at all, in two forms: without IGNORECASE, for lower-cased
        ASCII text (the same answer there, the patterns being lower case, and three times faster), and with it,
        compiled when first asked for (it compiles whenever the first does)."""
        joined = "|".join(f"(?:{_GROUP.sub('(?:', t.pattern.pattern)})" for t in topics)
        try:
            lower = re.compile(joined)
        except re.error as error:  # a back-reference to a group of another topic, say
            self.problem(path, f"the patterns do not work side by side: {error}")
            nothing = re.compile("(?!)")
            return nothing, lambda: nothing
        return lower, functools.cache(lambda: re.compile(joined, re.IGNORECASE))

    def when(self, value: Any, path: str) -> Mapping[int | None, str]:
        """Days ahead ("0", "1"...) to words, and "other" for any other count, with {days}."""
        if not isinstance(value, dict):  # None: missing, reported with its parent
            if value is not None:
                self.problem(path, "expected a table")
            return MappingProxyType({})
        when: dict[int | None, str] = {}
        for key in value:
            if key != "other" and not key.isdigit():
                self.problem(_key(path, key), 'unknown key (known here: a number of days, or "other")')
            else:
                when[None if key == "other" else int(key)] = self.text(
                    value, path, key, {"days"} if key == "other" else NONE
                )
        if "other" not in value:
            self.problem(_key(path, "other"), "missing")
        return MappingProxyType(when)
