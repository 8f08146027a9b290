"""The words are data: the same wording as before they moved out of Python, and a data file that is sound.

`data/golden_words.json` was taken from the code before the move (ba4a0a5): 200 (person, seq, gap) cases with
their check-in wording and one milestone wording each, and 20 reflections.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from reconnectd.policy.grammar import parse_cadence
from reconnectd.policy.library import default_library
from reconnectd.policy.model import CHANNELS, Person
from reconnectd.policy.suggest import Gap, milestone_wording, reflection_wording, wording
from reconnectd.policy.words import (
    ANY,
    BOTH,
    DEEP,
    LIGHT,
    MILESTONE_KINDS,
    STYLES,
    Words,
    WordsError,
    languages,
    load,
    parse,
)

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = json.loads((DATA / "golden_words.json").read_text(encoding="utf-8"))


def _person(given: dict[str, Any]) -> Person:
    return Person(
        name=given["name"],
        every=parse_cadence(given["every"]),
        prefers=given["prefers"],
        notes=given["notes"],
        interests=tuple(given["interests"]),
        style=given["style"],
    )


def _gap(given: list[Any] | None) -> Gap | None:
    return None if given is None else Gap(days_since=given[0], cadence_days=given[1])


def test_the_golden_sample_is_big_enough_to_mean_something() -> None:
    assert len(GOLDEN["cases"]) == 200
    assert len(GOLDEN["reflections"]) == 20


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"{c['person']['name']}-{c['seq']}")
def test_a_check_in_says_what_it_said_before_the_move(case: dict[str, Any]) -> None:
    p = _person(case["person"])
    got = wording(p, case["seq"], gap=_gap(case["gap"]))
    assert (got.summary, got.description) == (case["summary"], case["description"])
    m = case["milestone"]
    got = milestone_wording(p, m["label"], m["kind"], m["days_until"])
    assert (got.summary, got.description) == (m["summary"], m["description"])


@pytest.mark.parametrize("case", GOLDEN["reflections"], ids=lambda c: str(c["seq"]))
def test_a_reflection_says_what_it_said_before_the_move(case: dict[str, Any]) -> None:
    got = reflection_wording(case["seq"])
    assert (got.summary, got.description) == (case["summary"], case["description"])


# --- the order of every list, as it was before the move ------------------------------------------------------


def pools(words: Words) -> dict[str, tuple[str, ...]]:
    """Every list of the words whose order is kept, by its key in the words file."""
    found = {f"actions.{c}": p for c, p in words.actions.items()}
    found |= {f"questions.{s}": p for s, p in words.questions.items()}
    found |= {"check_in.openers": words.openers}
    found |= {"reflection.questions": words.reflections, "reflection.starts": words.reflection_starts}
    for name, topics in (("notes", words.note_topics), ("interests", words.interest_topics)):
        found[f"{name}.topics"] = tuple(t.pattern.pattern for t in topics)
        found |= {f"{name}.topics[{i}].questions": t.questions for i, t in enumerate(topics)}
    found["notes.topics.alone"] = tuple(str(i) for i, t in enumerate(words.note_topics) if t.alone)
    found["interests.fallback"] = words.interest_fallback
    found["milestone.determiners"] = words.milestone_lists["determiners"]
    return found


def fingerprint(pool: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(pool).encode()).hexdigest()[:16]


def test_every_english_list_keeps_the_order_it_had_before_the_move() -> None:
    """The rotation sorts a pool by a hash of each phrase, so reordering a pool changes no wording the golden sample
    could see; this pins the lists themselves. `data/golden_pools.json` was taken from the Python lists at 727786a."""
    pinned = json.loads((DATA / "golden_pools.json").read_text(encoding="utf-8"))["pools"]
    got = pools(load("en"))
    assert got.keys() == pinned.keys()
    moved = [key for key, pool in got.items() if fingerprint(pool) != pinned[key]["ordered"]]
    other = [key for key in moved if fingerprint(sorted(got[key])) != pinned[key]["sorted"]]
    assert not moved, f"reordered: {[k for k in moved if k not in other]}; other phrases: {other}"


# --- every words file is sound -------------------------------------------------------------------------------

LANGUAGES = languages()


def test_english_is_there() -> None:
    assert "en" in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_words_file_is_sound(language: str) -> None:
    words = load(language)  # the loader checks it all, and raises WordsError naming each problem
    every = {**pools(words), "reflection.starts": words.reflection_starts}
    for key, pool in every.items():
        assert pool, f"{key} is empty"
        folded = [" ".join(item.lower().split()) for item in pool]
        assert len(set(folded)) == len(folded), f"{key} says something twice"
        for item in pool:
            assert item.strip() and "\n" not in item and "\r" not in item, f"{key}: {item!r}"
    assert set(words.actions) == {*CHANNELS, ANY}
    for advice in words.advice.values():
        assert set(advice) == {*CHANNELS, ANY}
    assert set(words.questions) == {LIGHT, DEEP, BOTH}
    for q in default_library().questions if language == "en" else ():
        assert q.styles <= set(STYLES), q
    assert set(words.unnamed) == set(MILESTONE_KINDS)
    lines = [*words.check_in.values(), *words.reflection.values(), *words.milestone.values(), *words.purposes.values()]
    lines += [*words.when.values(), *words.milestone_questions.values()]
    for line in lines:
        text = line("x") if callable(line) else line
        assert text.strip() and "\n" not in text, repr(text)


def test_the_words_are_read_once_and_not_at_import() -> None:
    code = (
        "import reconnectd.config.load, reconnectd.policy.plan, reconnectd.cli; "
        "from reconnectd.policy.words import load; print(load.cache_info().currsize)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"
    assert load("en") is load("en")


def test_an_unknown_language_is_named() -> None:
    with pytest.raises(WordsError, match="no words for 'xx'"):
        load("xx")
    with pytest.raises(WordsError, match="not a language code"):
        load("../en")


# --- and the checks can fail ----------------------------------------------------------------------------------


def english() -> dict[str, Any]:
    return tomllib.loads(files("reconnectd.policy.words").joinpath("en.toml").read_text(encoding="utf-8"))


def _set(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]  # type: ignore[index]
    if value is DELETE:
        del data[path[-1]]  # type: ignore[arg-type]
    else:
        data[path[-1]] = value  # type: ignore[index]


DELETE = object()
BROKEN = [
    (("actions", "letter"), [], "actions.letter: cannot be empty"),
    (("actions", "letter"), DELETE, "actions.letter: missing"),
    (("actions", "pigeon"), ["Send a pigeon."], "actions.pigeon: unknown key"),
    (("questions", "medium"), ["How are you?"], "questions.medium: unknown key"),
    (("check_in", "openers"), ["Hello.", "hello."], "check_in.openers: says this twice"),
    (("check_in", "openers"), ["Hello.\nAgain."], "check_in.openers[0]: must be one line"),
    (("check_in", "openers"), ["Hello,  again."], "two in a row"),
    (("check_in", "openers"), "Hello.", "expected a list"),
    (("check_in", "title"), "Check in with {nom}", "unknown placeholder {nom}"),
    (("check_in", "title"), "Check in", "needs the placeholder {name}"),
    (("check_in", "title"), "Check in with {name", "write {{ and }}"),
    (("notes", "topics", 0, "pattern"), r"\b(died", "notes.topics[0].pattern: not a regular expression"),
    (("notes", "topics", 0, "pattern"), r"\bDied\b", "write the pattern's letters in lower case"),
    (("notes", "topics", 0, "alone"), "yes", "notes.topics[0].alone: expected true or false"),
    (("notes", "topics", 1, "questions"), ["How is the {thing}?"], "the pattern has no group"),
    (("interests", "topics", 0, "alone"), True, "interests.topics[0].alone: unknown key"),
    (("milestone", "happy"), "(", "milestone.happy: not a regular expression"),
    (("milestone", "today", "video"), DELETE, "milestone.today.video: missing"),
    (("milestone", "before", "any"), "Send a message before the day.", "needs the placeholder {purpose}"),
    (("milestone", "when", "soon"), "soon", "milestone.when.soon: unknown key"),
    (("milestone", "when", "other"), "in some days", "needs the placeholder {days}"),
    (("milestone", "colour"), "blue", "milestone.colour: unknown key"),
    (("reflection",), DELETE, "reflection: missing"),
]


@pytest.mark.parametrize(("path", "value", "message"), BROKEN, ids=[m for _, _, m in BROKEN])
def test_a_broken_words_file_is_refused_with_its_key(path: tuple[str | int, ...], value: Any, message: str) -> None:
    data = english()
    parse(data, "en")  # sound as it is
    _set(data, path, value)
    with pytest.raises(WordsError) as raised:
        parse(data, "en")
    assert message in str(raised.value)


def test_every_problem_is_named_at_once() -> None:
    data = english()
    data["actions"]["text"] = []
    data["milestone"]["sad"] = "(("
    with pytest.raises(WordsError, match="2 problems") as raised:
        parse(data, "en")
    assert "actions.text" in str(raised.value) and "milestone.sad" in str(raised.value)
