"""The matcher of meetings (policy/meetings.py): which events name which people. Pure, so no server here."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import assume, given
from hypothesis import strategies as st

from reconnectd.policy.cadence import Cadence
from reconnectd.policy.meetings import Matcher, Occurrence, words
from reconnectd.policy.model import Person

AT = datetime(2026, 11, 30, 10, tzinfo=UTC)
MONTHLY = Cadence(months=1)


def person(name: str, **fields: object) -> Person:
    return Person(name=name, every=MONTHLY, **fields)  # type: ignore[arg-type]


def met(people: list[Person], title: str, **fields: object) -> tuple[str, ...]:
    return Matcher.of(people).people_in(Occurrence("Work", "/w/1.ics", AT, title, **fields))  # type: ignore[arg-type]


NAME = st.text(st.characters(categories=("Lu", "Ll")), min_size=2, max_size=10)
GLUE = st.sampled_from([" ", ", ", " & ", " w/ ", " (", ") ", " - ", "'s ", ": ", "\n"])


def test_a_title_names_everyone_it_names_by_whole_words() -> None:
    people = [person("Sam"), person("Ana Lima")]
    assert met(people, "Dinner w/ Sam & Ana") == ("Sam", "Ana Lima")
    assert met(people, "Samsung repair") == ()
    assert met(people, "ANA's birthday drinks") == ("Ana Lima",)


def test_accents_and_case_do_not_matter() -> None:
    assert met([person("Zoë")], "coffee with zoe") == ("Zoë",)
    assert met([person("Zoe")], "Coffee with ZOË") == ("Zoe",)


def test_a_shared_first_name_alone_names_nobody_but_the_full_name_does() -> None:
    people = [person("Sam Jones"), person("Sam Patel")]
    assert met(people, "Lunch with Sam") == ()
    assert met(people, "Lunch with Sam Patel") == ("Sam Patel",)


def test_aliases_emails_and_watch_false() -> None:
    mum = person("Margaret Rose", aliases=("Mum", "Mom"))
    ana = person("Ana", emails=("ana@example.com",))
    quiet = person("Sam", watch=False)
    assert met([mum], "Call Mom") == ("Margaret Rose",)
    assert met([ana], "Sync", attendees=(("mailto:ANA@Example.com", "ACCEPTED"),)) == ("Ana",)
    assert met([ana], "Sync", attendees=(("mailto:ana@example.com", "DECLINED"),)) == ()
    assert met([quiet], "Coffee with Sam") == ()


def test_cancelled_declined_and_our_own_never_count() -> None:
    sam = [person("Sam")]
    assert met(sam, "Coffee with Sam", cancelled=True) == ()
    assert met(sam, "Coffee with Sam", ours=True) == ()
    assert met(sam, "Coffee with Sam", attendees=(("mailto:me@example.com", "DECLINED"),)) == ()
    mine = Matcher.of(sam, me=["me@example.com"])
    declined_by_other = Occurrence("Work", "/w/1.ics", AT, "Coffee with Sam", (("mailto:x@example.com", "DECLINED"),))
    assert mine.people_in(declined_by_other) == ("Sam",)


@given(NAME, st.lists(NAME, max_size=3), st.lists(NAME, max_size=3), GLUE, GLUE)
def test_a_name_is_found_in_any_title_holding_it_as_whole_words(
    name: str, before: list[str], after: list[str], left: str, right: str
) -> None:
    assume(words(name))
    title = left.join([*before, name]) + right + " ".join(after)
    assert met([person(name)], title) == (name,)


@given(NAME, NAME, st.booleans())
def test_a_name_is_never_found_inside_another_word(name: str, extra: str, in_front: bool) -> None:
    word = extra + name if in_front else name + extra
    assume(len(words(word)) == 1 and words(word) != words(name))
    assume(words(name) and words(name)[0] not in (*words(extra), "lunch", "at", "place"))
    assert met([person(name)], f"Lunch at {word} place") == ()
