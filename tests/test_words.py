"""The words are data: the same wording as before they moved out of Python, and a data file that is sound.

`data/golden_words.json` was taken from the code before the move (ba4a0a5): 200 (person, seq, gap) cases with
their check-in wording and one milestone wording each, and 20 reflections.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconnectd.policy.cadence import parse_cadence
from reconnectd.policy.model import Person
from reconnectd.policy.suggest import Gap, milestone_wording, reflection_wording, wording

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
