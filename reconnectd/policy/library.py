"""What a check-in can say: the built-in words, and the user's own `library:` added to them or put in their place.

Pure: the built-in library is made from the words file (`reconnectd.policy.words`) on first use, then kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, TypeVar

from reconnectd.policy.model import CHANNELS
from reconnectd.policy.words import ANY, BOTH, DEEP, LIGHT, STYLES, load

QUESTIONS_PER_REFLECTION: Final = 3

_T = TypeVar("_T")


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
        return self.actions.get(norm(channel or ANY)) or self.actions[ANY]

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
            merged[channel] = _combined(merged.get(channel, ()), entries, replace, norm)
        new_questions = tuple(Question.parse(q) for q in _entries(questions, "questions"))
        return Library(
            actions=merged,
            questions=_combined(self.questions, new_questions, replace, lambda q: norm(q.text)),
            openers=_combined(self.openers, _entries(openers, "openers"), replace, norm),
            reflections=_combined(self.reflections, _entries(reflections, "reflections"), replace, norm),
        )


# --- validation helpers --------------------------------------------------------------------------


def _fitting(questions: Sequence[Question], style: str) -> tuple[str, ...]:
    fitting = tuple(q.text for q in questions if style in q.styles)
    return fitting or tuple(q.text for q in questions)


def norm(text: str) -> str:
    """Lower case, with single spaces: how entries are compared."""
    return " ".join(text.lower().split())


def _channel_key(key: str) -> str:
    channel = norm(key)
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


@functools.cache
def default_library() -> Library:
    """The built-in library, from the words file: read on first use, then kept."""
    words = load()
    styles = {LIGHT: frozenset({LIGHT}), DEEP: frozenset({DEEP}), BOTH: frozenset(STYLES)}
    questions = tuple(Question(text, styles[key]) for key, pool in words.questions.items() for text in pool)
    return Library(actions=words.actions, questions=questions, openers=words.openers, reflections=words.reflections)
