"""The words of a check-in: the library, rotation, notes and interests, long gaps, milestones, reflection."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconnectd.policy.grammar import parse_cadence
from reconnectd.policy.model import Person
from reconnectd.policy.suggest import (
    ANY,
    CHANNELS,
    DEEP,
    DEFAULT_LIBRARY,
    LIGHT,
    Gap,
    Library,
    Question,
    Wording,
    milestone_wording,
    reflection_wording,
    title_for,
    wording,
)


def person(
    name: str = "Priya",
    *,
    every: str = "fortnightly",
    prefers: str | None = None,
    notes: str | None = None,
    interests: tuple[str, ...] = (),
    style: str = LIGHT,
) -> Person:
    base = Person(name=name, every=parse_cadence(every), prefers=prefers, notes=notes)
    return replace(base, interests=interests, style=style)


def lines(w: Wording) -> list[str]:
    return w.description.splitlines()


def ask(w: Wording) -> str:
    return next(line for line in lines(w) if line.startswith("Ask: ")).removeprefix("Ask: ")


names = st.text(min_size=1, max_size=30).filter(str.strip)
channels = st.sampled_from([*CHANNELS, None])


# --- the library ---------------------------------------------------------------------------


def test_channels_match_what_the_config_accepts() -> None:
    from reconnectd.policy.model import CHANNELS as CONFIG_CHANNELS

    assert set(CHANNELS) == set(CONFIG_CHANNELS)


def test_every_channel_and_the_fallback_have_at_least_eight_distinct_actions() -> None:
    for channel in [*CHANNELS, ANY]:
        pool = DEFAULT_LIBRARY.actions[channel]
        assert len(pool) >= 8, channel
        assert len(set(pool)) == len(pool), channel
    assert DEFAULT_LIBRARY.actions_for(None) == DEFAULT_LIBRARY.actions[ANY]
    assert DEFAULT_LIBRARY.actions_for("carrier pigeon") == DEFAULT_LIBRARY.actions[ANY]


def test_there_are_thirty_questions_and_each_style_has_its_own() -> None:
    texts = [q.text for q in DEFAULT_LIBRARY.questions]
    assert len(texts) >= 30
    assert len(set(texts)) == len(texts)
    light, deep = set(DEFAULT_LIBRARY.questions_for(LIGHT)), set(DEFAULT_LIBRARY.questions_for(DEEP))
    assert len(light) >= 15 and len(deep) >= 15
    assert light - deep and deep - light and light & deep


def test_openers_and_reflections_have_enough_variety() -> None:
    assert len(DEFAULT_LIBRARY.openers) >= 5
    assert len(DEFAULT_LIBRARY.reflections) >= 10


def test_the_library_reads_like_a_friend_not_an_alarm() -> None:
    everything = [
        *(a for pool in DEFAULT_LIBRARY.actions.values() for a in pool),
        *(q.text for q in DEFAULT_LIBRARY.questions),
        *DEFAULT_LIBRARY.openers,
        *DEFAULT_LIBRARY.reflections,
    ]
    for text in everything:
        assert "!" not in text, text
        assert "\n" not in text, text
        assert len(text) <= 120, text
        assert not any(word in text.lower() for word in ("urgent", "overdue", "neglect", "failed", "guilt")), text
        assert text.rstrip("”")[-1] in ".?", text


def test_title_is_unchanged() -> None:
    assert title_for("Priya") == "Check in with Priya"
    assert wording(person(), 1).summary == "Check in with Priya"


# --- layout --------------------------------------------------------------------------------


def test_the_description_is_action_then_questions_then_what_you_know() -> None:
    p = person(prefers="voice note", notes="started a new job in November")
    got = lines(wording(p, 1))
    assert got[0] in DEFAULT_LIBRARY.actions["voice note"]
    assert got[1].startswith("Ask: ")
    assert got[2] == "Notes: started a new job in November"
    assert got[3:] == ["How they like to hear from you: voice note.", "Rhythm: fortnightly."]


def test_without_preference_or_notes_it_stays_short() -> None:
    got = lines(wording(person(every="monthly"), 3))
    assert got[0] in DEFAULT_LIBRARY.actions[ANY]
    assert got[1].startswith("Ask: ")
    assert got[2:] == ["Rhythm: monthly."]


@given(name=names, prefers=channels, seq=st.integers(1, 500))
def test_first_line_is_always_the_channels_action(name: str, prefers: str | None, seq: int) -> None:
    w = wording(person(name, prefers=prefers, notes="moved to Leeds"), seq, gap=Gap(None, 14))
    assert lines(w)[0] in DEFAULT_LIBRARY.actions_for(prefers)
    assert "!" not in w.description


def test_seq_counts_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        wording(person(), 0)


# --- rotation ------------------------------------------------------------------------------


@given(name=names, prefers=channels, start=st.integers(1, 1000))
def test_actions_never_repeat_until_the_pool_is_used_up(name: str, prefers: str | None, start: int) -> None:
    p = person(name, prefers=prefers)
    pool = DEFAULT_LIBRARY.actions_for(prefers)
    firsts = [lines(wording(p, seq))[0] for seq in range(start, start + len(pool))]
    assert sorted(firsts) == sorted(pool)  # each exactly once in any window of len(pool)
    assert lines(wording(p, start + len(pool)))[0] == firsts[0]  # then the same order again


@given(name=names, style=st.sampled_from([LIGHT, DEEP]), start=st.integers(1, 1000))
def test_questions_never_repeat_until_the_pool_is_used_up(name: str, style: str, start: int) -> None:
    p = person(name, style=style)
    pool = DEFAULT_LIBRARY.questions_for(style)
    asked = [ask(wording(p, seq)) for seq in range(start, start + len(pool))]
    assert sorted(asked) == sorted(pool)


@given(name=names, start=st.integers(1, 1000))
def test_openers_never_repeat_until_the_pool_is_used_up(name: str, start: int) -> None:
    p = person(name)
    openers = [lines(wording(p, seq, gap=Gap(None, 14)))[1] for seq in range(start, start + 7)]
    assert sorted(openers) == sorted(DEFAULT_LIBRARY.openers)


def test_people_get_different_orders() -> None:
    orders = {tuple(lines(wording(person(n, prefers="text"), s))[0] for s in range(1, 4)) for n in ("A", "B", "C", "D")}
    assert len(orders) > 1


SAME_WORDS = """
from reconnectd.policy.grammar import parse_cadence
from reconnectd.policy.model import CHANNELS, Person
from reconnectd.policy.suggest import reflection_wording, wording
for name in ("Priya", "Sam", "Grandma Rose", "Zoë"):
    for prefers in (*CHANNELS, None):
        p = Person(name=name, every=parse_cadence("fortnightly"), prefers=prefers)
        for seq in (1, 2, 3, 17, 400):
            print(repr(wording(p, seq)))
for seq in (1, 4, 9):
    print(repr(reflection_wording(seq)))
"""


def test_the_words_are_pinned_and_do_not_depend_on_pythons_hash_seed() -> None:
    """A restarted daemon is another process, with another hash seed: the same state gives the same words."""
    outputs = [
        subprocess.run(
            [sys.executable, "-c", SAME_WORDS],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert outputs[0].count("\n") == 4 * (len(CHANNELS) + 1) * 5 + 3
    assert outputs[1:] == outputs[:1] * 2
    assert lines(wording(person(prefers="voice note"), 1))[0] == (
        "Leave a voice note asking their opinion on something small."
    )


# --- style, notes, interests ---------------------------------------------------------------------


def test_style_changes_the_questions() -> None:
    light = {ask(wording(person(style=LIGHT), s)) for s in range(1, 40)}
    deep = {ask(wording(person(style=DEEP), s)) for s in range(1, 40)}
    assert light == set(DEFAULT_LIBRARY.questions_for(LIGHT))
    assert deep == set(DEFAULT_LIBRARY.questions_for(DEEP))
    assert "How are you really doing, under the usual answer?" in deep - light
    assert "Eaten anything great recently?" in light - deep


def test_an_unknown_style_reads_as_light() -> None:
    assert wording(person(style="spicy"), 5) == wording(person(), 5)


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        ("started a new job in November", "How are the first weeks at the new job going?"),
        ("Moved to Leeds in the summer", "How are you settling in after the move?"),
        ("bought a house!", "Is the new place starting to feel like home?"),
        ("had a baby girl in March", "How are you all doing with the baby?"),
        ("pregnant, due in May", "How are the baby preparations going?"),
        ("engaged; wedding next June", "How are the wedding plans coming along?"),
        ("exams in June, studying hard", "How's the studying going?"),
        ("knee surgery last month", "Is there anything that would make this week a little easier?"),
        ("dad in hospital", "How are things on the health front?"),
        ("recent breakup", "How are you holding up these days?"),
        ("back from a trip to Japan", "Any travel stories for me?"),
        ("retired in April", "How are you feeling about retirement?"),
        ("got a puppy", "How's the puppy doing?"),
        ("birthday was last week", "Any birthday plans, or was it a quiet one?"),
        ("laid off in January", "How's the job search going?"),
    ],
)
def test_notes_keywords_become_questions(notes: str, expected: str) -> None:
    p = person(notes=notes)
    asked = [ask(wording(p, s)) for s in range(1, 7)]
    assert any(a.startswith(expected) for a in asked), asked
    assert all(len(a.split("?")) - 1 in (2, 3) for a in asked)  # one personal question, one from the library
    assert f"Notes: {notes}" in lines(wording(p, 1))


@pytest.mark.parametrize(
    "notes",
    ["NEW JOB in March", "Started A Job at the bakery", "got Married!", "Moved to Zürich", "café owner, LAID OFF"],
)
def test_notes_are_read_whatever_their_letter_case_and_alphabet(notes: str) -> None:
    quiet, shouted = person(notes=notes.lower()), person(notes=notes)
    assert [ask(wording(shouted, s)) for s in range(1, 7)] == [ask(wording(quiet, s)) for s in range(1, 7)]
    assert f"Notes: {notes}" in lines(wording(shouted, 1))  # a topic was found: quoted, not "Last time"


def test_grief_silences_the_cheerful_topics() -> None:
    p = person(notes="lost her dog in May, new job too")
    asked = {ask(wording(p, s)).split("?")[0] for s in range(1, 10)}
    assert "How's the dog doing" not in asked
    assert not any("new job" in a for a in asked)
    assert "How are you doing these days" in asked


def test_notes_with_no_keyword_are_quoted_as_last_time() -> None:
    got = lines(wording(person(notes="lent me the blue tent."), 1))
    assert "Last time: lent me the blue tent — ask how that's going." in got
    assert not any(line.startswith("Notes:") for line in got)
    assert len(ask(wording(person(notes="lent me the blue tent."), 1)).split("?")) == 2  # one library question


def test_interests_are_woven_into_the_questions() -> None:
    p = person(interests=("climbing", "Arsenal"))
    asked = " ".join(ask(wording(p, s)) for s in range(1, 6))
    assert "Been to the wall lately?" in asked
    assert "Arsenal" in asked
    assert "Interests: climbing, Arsenal." in lines(wording(p, 1))


def test_personal_questions_rotate_without_repeats_then_cycle() -> None:
    p = person(notes="new job", interests=("climbing",))
    personal = [ask(wording(p, s)).split("? ")[0] for s in range(1, 6)]
    assert len(set(personal)) == 5  # 3 about the job, 2 about climbing
    assert ask(wording(p, 6)).split("? ")[0] == personal[0]


# --- long gaps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "shown"),
    [
        (None, False),
        (Gap(days_since=None, cadence_days=14), True),
        (Gap(days_since=42, cadence_days=14), True),
        (Gap(days_since=400, cadence_days=14), True),
        (Gap(days_since=41, cadence_days=14), False),
        (Gap(days_since=0, cadence_days=14), False),
        (Gap(days_since=91, cadence_days=30.44), False),
        (Gap(days_since=92, cadence_days=30.44), True),
    ],
)
def test_a_long_gap_gets_one_low_key_opener(gap: Gap | None, shown: bool) -> None:
    got = lines(wording(person(prefers="text"), 1, gap=gap))
    assert got[0] in DEFAULT_LIBRARY.actions["text"]
    openers = [line for line in got if line in DEFAULT_LIBRARY.openers]
    assert openers == ([got[1]] if shown else [])


# --- Library.extended ----------------------------------------------------------------------------


@given(name=names, prefers=st.sampled_from(CHANNELS))
def test_adding_an_action_never_reorders_the_others(name: str, prefers: str) -> None:
    added = "Send them a sketch of your view."
    p = person(name, prefers=prefers)
    before = [lines(wording(p, s))[0] for s in range(1, len(DEFAULT_LIBRARY.actions[prefers]) + 1)]
    bigger = DEFAULT_LIBRARY.extended({prefers: [added]})
    after = [lines(wording(p, s, library=bigger))[0] for s in range(1, len(bigger.actions[prefers]) + 1)]
    assert sorted(after) == sorted([*before, added])
    assert [a for a in after if a != added] == before  # the new one slots in; the rest keep their order


def test_extending_adds_after_the_built_in_entries() -> None:
    lib = DEFAULT_LIBRARY.extended(
        {"text": ["Send them a haiku.", "send them a  HAIKU."]}, ["deep: What keeps you going?"]
    )
    assert lib.actions["text"] == (*DEFAULT_LIBRARY.actions["text"], "Send them a haiku.")
    assert lib.actions["call"] == DEFAULT_LIBRARY.actions["call"]
    assert "What keeps you going?" in lib.questions_for(DEEP)
    assert "What keeps you going?" not in lib.questions_for(LIGHT)
    assert len(lib.questions) == len(DEFAULT_LIBRARY.questions) + 1
    assert DEFAULT_LIBRARY.actions["text"][-1] != "Send them a haiku."  # the default is untouched


def test_replacing_swaps_only_the_channels_given() -> None:
    lib = DEFAULT_LIBRARY.extended({"letter": ["Send a postcard of a cat."]}, ["How's the garden?"], replace=True)
    assert lib.actions["letter"] == ("Send a postcard of a cat.",)
    assert all(lib.actions[c] == DEFAULT_LIBRARY.actions[c] for c in [*CHANNELS, ANY] if c != "letter")
    assert lib.questions == (Question("How's the garden?"),)
    assert lib.questions_for(LIGHT) == lib.questions_for(DEEP) == ("How's the garden?",)
    w = wording(person(prefers="letter"), 7, library=lib)
    assert lines(w)[:2] == ["Send a postcard of a cat.", "Ask: How's the garden?"]


def test_replacing_with_questions_of_one_style_serves_the_other_too() -> None:
    lib = DEFAULT_LIBRARY.extended({}, ["deep: What's been hard?"], replace=True)
    assert lib.questions_for(LIGHT) == lib.questions_for(DEEP) == ("What's been hard?",)


def test_replacing_with_no_questions_keeps_the_built_in_ones() -> None:
    lib = DEFAULT_LIBRARY.extended({"text": ["Text them."]}, [], replace=True)
    assert lib.questions == DEFAULT_LIBRARY.questions
    assert lib.openers == DEFAULT_LIBRARY.openers


def test_openers_and_reflections_can_be_extended_too() -> None:
    lib = DEFAULT_LIBRARY.extended({}, openers=["Long time, no matter."], reflections=["a", "b", "c"], replace=True)
    assert lib.openers == ("Long time, no matter.",)
    assert lib.reflections == ("a", "b", "c")


@pytest.mark.parametrize(
    ("actions", "questions", "replace_", "error"),
    [
        ({"carrier pigeon": ["Coo."]}, [], False, "not a channel"),
        ({"text": ["   "]}, [], False, "blank"),
        ({"text": []}, [], True, "empty"),
        ({}, ["\n"], False, "blank"),
    ],
)
def test_bad_entries_are_refused(
    actions: dict[str, list[str]], questions: list[str], replace_: bool, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        DEFAULT_LIBRARY.extended(actions, questions, replace_)


def test_an_empty_list_without_replace_adds_nothing() -> None:
    assert DEFAULT_LIBRARY.extended({"text": []}, []) == DEFAULT_LIBRARY


def test_a_library_needs_a_fallback_pool() -> None:
    with pytest.raises(ValueError, match="any"):
        Library(actions={"text": ("Hi.",)}, questions=(Question("Hm?"),), openers=("x",), reflections=("a", "b", "c"))


# --- milestones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind", "doing"),
    [
        ("birthday", "birthday", "say happy birthday"),
        ("wedding anniversary", "anniversary", "mark the anniversary"),
        ("big presentation", "event", "wish them luck for the big presentation"),
        ("knee surgery", "event", "let them know you're thinking of them"),
        ("anniversary of her mum's death", "anniversary", "let them know you're thinking of them"),
    ],
)
def test_milestones_say_the_fitting_thing_today_and_ahead(label: str, kind: str, doing: str) -> None:
    today = milestone_wording(person(prefers="voice note"), label, kind, 0)
    ahead = milestone_wording(person(prefers="voice note"), label, kind, 5)
    assert today.summary.endswith(" is today")
    assert ahead.summary.endswith(" is in 5 days")
    for w in (today, ahead):
        assert doing in lines(w)[0]
        assert "voice note" in lines(w)[0]
        assert lines(w)[1].startswith("Ask: ")
        assert lines(w)[-1] == "How they like to hear from you: voice note."
        assert "!" not in w.description


def test_milestone_titles_name_the_person() -> None:
    p = person()
    assert milestone_wording(p, "birthday", "birthday", 1).summary == "Priya's birthday is tomorrow"
    assert milestone_wording(p, "big presentation", "event", 7).summary == "Priya's big presentation is in a week"
    assert milestone_wording(p, "her driving test", "event", 0).summary == "Priya: her driving test is today"
    assert milestone_wording(p, "Priya and Sam's anniversary", "anniversary", 0).summary == (
        "Priya and Sam's anniversary is today"
    )


def test_milestones_consider_the_channel() -> None:
    card_in_time = milestone_wording(person(prefers="letter"), "birthday", "birthday", 10)
    too_late_for_post = milestone_wording(person(prefers="letter"), "birthday", "birthday", 1)
    in_person = milestone_wording(person(prefers="in person"), "birthday", "birthday", 0)
    assert lines(card_in_time)[0].startswith("Post a card now")
    assert "may not arrive in time" in lines(too_late_for_post)[0]
    assert "in person" in lines(in_person)[0]


def test_an_event_today_reminds_you_to_follow_up() -> None:
    assert "Later: ask how it went." in lines(milestone_wording(person(), "exam", "event", 0))
    assert "Later: ask how it went." not in lines(milestone_wording(person(), "exam", "event", 3))
    assert "Later: ask how it went." not in lines(milestone_wording(person(), "birthday", "birthday", 0))


def test_a_deep_style_asks_a_deeper_birthday_question() -> None:
    light = milestone_wording(person(), "birthday", "birthday", 0)
    deep = milestone_wording(person(style=DEEP), "birthday", "birthday", 0)
    assert lines(light)[1] != lines(deep)[1]


def test_bad_milestones_are_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        milestone_wording(person(), "birthday", "party", 0)
    with pytest.raises(ValueError, match="negative"):
        milestone_wording(person(), "birthday", "birthday", -1)


# --- reflection ----------------------------------------------------------------------------------


def reflection_questions(seq: int) -> list[str]:
    return [line.removeprefix("- ") for line in lines(reflection_wording(seq)) if line.startswith("- ")]


def test_a_reflection_asks_three_distinct_questions() -> None:
    w = reflection_wording(1)
    assert w.summary == "A few minutes for yourself"
    assert "Ask yourself:" in lines(w)
    got = reflection_questions(1)
    assert len(got) == len(set(got)) == 3
    assert set(got) <= set(DEFAULT_LIBRARY.reflections)


@given(start=st.integers(1, 500))
def test_reflection_questions_never_repeat_until_all_were_asked(start: int) -> None:
    pool = DEFAULT_LIBRARY.reflections
    asked = [q for seq in range(start, start + len(pool)) for q in reflection_questions(seq)]
    # Three a reflection, one list read in a fixed cycle: any len(pool) in a row are all different.
    for offset in range(0, len(asked) - len(pool) + 1, 3):
        window = asked[offset : offset + len(pool)]
        assert len(set(window)) == len(pool)


def test_reflections_rotate_and_show_the_rhythm() -> None:
    assert reflection_questions(1) != reflection_questions(2)
    assert lines(reflection_wording(2, every=parse_cadence("weekly")))[-1] == "Rhythm: weekly."


def test_a_name_spelled_with_other_code_points_gets_the_same_words() -> None:
    composed, decomposed = "Zo\u00eb", "Zoe\u0308"
    assert [wording(person(composed), s).description for s in (1, 2)] == [
        wording(person(decomposed), s).description for s in (1, 2)
    ]
