"""Who becomes a person from an address book: pure, on Card values and configs parsed from YAML."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconnectd.config.load import parse_config
from reconnectd.policy.cards import Card, CardDate
from reconnectd.policy.enlist import NAMED, enlist, groups_found, with_contacts
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import ANNIVERSARY, BIRTHDAY, fold
from reconnectd.policy.plan import plan
from reconnectd.policy.settings import Config

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def config(people: str = "[]", groups: str = "Family: {every: 2 weeks, prefers: call}\nFriends: monthly") -> Config:
    text = (
        "timezone: Europe/London\ncontacts:\n  path: /tmp/contacts\n  groups:\n"
        + textwrap.indent(textwrap.dedent(groups), "    ")
        + "\npeople:"
        + ("\n" + textwrap.indent(textwrap.dedent(people), "  ") if people != "[]" else " []")
        + "\n"
    )
    return parse_config(text, "test.yaml")


MUM = Card(
    "uid-mum",
    "Ana Silva",
    names=("Silva Ana",),
    nicknames=("Mum",),
    emails=("ana@example.com",),
    groups=("Family",),
    dates=(CardDate(BIRTHDAY, 4, 15, 1960), CardDate(ANNIVERSARY, 6, 1, 1985)),
)
SAM = Card("uid-sam", "Sam Lee", dates=(CardDate(BIRTHDAY, 2, 29),))
KIT = Card("uid-kit", "Kit", groups=("Friends",))
STRANGER = Card("uid-x", "Someone Else", groups=("Work",))


def test_group_members_become_people_with_the_groups_rhythm_and_others_never() -> None:
    roll = enlist(config(), [MUM, SAM, KIT, STRANGER], {})
    by_name = {e.person.name: e for e in roll.enlisted}
    assert set(by_name) == {"Ana Silva", "Kit"}
    mum = by_name["Ana Silva"].person
    assert (str(mum.every), mum.prefers, by_name["Ana Silva"].source) == (
        str(config().contacts.groups[0].every),  # type: ignore[union-attr]
        "call",
        "Family",
    )
    assert [(d.label, d.month, d.day, d.year) for d in mum.dates] == [
        ("birthday", 4, 15, 1960),
        ("anniversary", 6, 1, 1985),
    ]
    assert (mum.aliases, mum.emails, mum.card) == (("Mum",), ("ana@example.com",), "uid-mum")
    assert roll.unplanned == 2  # Sam (in no group) and the Work contact


def test_a_group_card_lists_its_members() -> None:
    apple = Card("uid-group", "Friends", group=True, members=("uid-sam",))
    names = [p.name for p in enlist(config(), [SAM, apple], {}).people]
    assert names == ["Sam Lee"]


def test_a_named_person_takes_the_cards_dates_and_the_yaml_wins_field_by_field() -> None:
    people = """
    - name: ana silva
      every: weekly
      prefers: text
      aliases: [Mother]
      dates:
        - birthday: 04-16
    """
    roll = enlist(config(people), [MUM], {})
    (only,) = roll.enlisted
    assert only.source == NAMED
    person = only.person
    assert (person.name, str(person.every), person.prefers) == ("ana silva", "weekly", "text")
    assert [(d.label, d.month, d.day) for d in person.dates] == [("birthday", 4, 16), ("anniversary", 6, 1)]
    assert person.aliases == ("Mother", "Mum")
    assert person.emails == ("ana@example.com",)


def test_a_card_is_named_by_uid_and_a_missing_one_is_warned_about() -> None:
    people = """
    - name: Mama
      every: weekly
      card: uid-mum
    - name: Pat
      every: weekly
      card: uid-gone
    """
    roll = enlist(config(people), [MUM], {})
    assert [p.name for p in roll.people] == ["Mama", "Pat"]
    assert roll.people[0].card == "uid-mum" and roll.people[0].dates
    assert roll.warnings == ("Pat's card uid-gone is not in the address book",)


def test_two_group_cards_of_one_name_are_both_planned_the_known_one_keeping_it() -> None:
    one, two = Card("b", "Jo", groups=("Friends",)), Card("a", "Jo", groups=("Friends",))
    assert [(p.name, p.card) for p in enlist(config(), [one, two], {}).people] == [("Jo", "a"), ("Jo (2)", "b")]
    roll = enlist(config(), [one, two], {"b": "Jo"})
    assert [(p.name, p.card) for p in roll.people] == [("Jo", "b"), ("Jo (2)", "a")]
    assert 'planned as "Jo (2)"' in roll.warnings[0]


def test_two_cards_matching_a_named_person_take_neither() -> None:
    people = "- name: Jo\n  every: weekly\n"
    roll = enlist(config(people), [Card("a", "Jo"), Card("b", "Jo")], {})
    assert roll.people[0].card is None
    assert "write card: with one UID" in roll.warnings[0]


def test_a_yaml_person_wins_over_a_group_card_of_the_same_name() -> None:
    people = "- name: Kit\n  every: weekly\n  card: uid-mum\n"
    roll = enlist(config(people), [MUM, KIT], {})
    assert [(p.name, p.card) for p in roll.people] == [("Kit", "uid-mum")]


def test_without_contacts_the_config_is_unchanged() -> None:
    plain = parse_config("timezone: Europe/London\npeople: []\n", "t.yaml")
    assert with_contacts(plain, [MUM]) is plain


NAMES = st.sampled_from(
    ["Ana", "ana", "Kit", "Jo", "yourself", "Zoë", "Zoe\u0308", "", " ", "a\nb", "x" * 120, "\u202e"]
)
DATES = st.builds(
    CardDate,
    st.sampled_from([BIRTHDAY, ANNIVERSARY, "other"]),
    st.integers(-1, 14),
    st.integers(-1, 32),
    st.none() | st.integers(0, 4000),
)
CARDS = st.builds(
    Card,
    st.sampled_from(["a", "b", "c", "d", ""]),
    NAMES,
    names=st.lists(NAMES, max_size=2).map(tuple),
    nicknames=st.lists(NAMES, max_size=2).map(tuple),
    emails=st.lists(st.sampled_from(["a@example.com", "A@example.com", "bad"]), max_size=2).map(tuple),
    groups=st.lists(st.sampled_from(["Family", "family", "Friends", "Work"]), max_size=2).map(tuple),
    dates=st.lists(DATES, max_size=3).map(tuple),
    group=st.booleans(),
    members=st.lists(st.sampled_from(["a", "b", "c"]), max_size=2).map(tuple),
)
YAML_PEOPLE = st.lists(
    st.tuples(st.sampled_from(["Ana", "Kit", "Jo", "Kit (2)"]), st.sampled_from([None, "a", "b", "z"])),
    max_size=3,
    unique_by=lambda p: fold(p[0]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CARDS, max_size=6), YAML_PEOPLE, st.dictionaries(st.sampled_from("abcd"), NAMES, max_size=2))
def test_whatever_cards_come_in_the_result_plans_names_are_unique_and_the_yaml_wins(
    cards: list[Card], yaml_people: list[tuple[str, str | None]], known: dict[str, str]
) -> None:
    uids = [u for _, u in yaml_people if u]
    if len(uids) != len(set(uids)):
        return  # the config refuses a card named twice
    people = "".join(
        f"- name: {name}\n  every: weekly\n  prefers: letter\n  dates: [{{birthday: 01-02}}]\n"
        + (f"  card: {uid}\n" if uid else "")
        for name, uid in yaml_people
    )
    base = config(people or "[]")
    planned = with_contacts(base, cards, known)
    names = [fold(p.name) for p in planned.everyone]
    assert len(names) == len(set(names))
    for mine, theirs in zip(base.people, planned.people, strict=False):
        assert (theirs.name, theirs.every, theirs.prefers) == (mine.name, mine.every, mine.prefers)
        assert [d for d in theirs.dates if d.label == BIRTHDAY] == list(mine.dates)
    plan(planned, Ledger(), NOW)


def test_a_year_gives_the_age_in_the_words_for_yaml_and_card_dates_alike() -> None:
    people = "- name: Priya\n  every: weekly\n  dates:\n    - birthday: 1986-03-14\n    - trip: 03-20\n"
    base = with_contacts(config(people), [MUM])
    summaries = {p.wording.summary for p in plan(base, Ledger(), NOW).upcoming if p.checkin.is_milestone}
    assert summaries == {
        "Priya: birthday (turns 41)",
        "Priya: trip",
        "Ana Silva: birthday (turns 67)",
        "Ana Silva: anniversary (42 years)",
    }


def test_the_groups_found_count_members_by_categories_and_group_cards() -> None:
    apple = Card("g", "Climbing", group=True, members=("uid-kit", "uid-gone"))
    assert groups_found([MUM, KIT, apple, STRANGER]) == {"Climbing": 1, "Family": 1, "Friends": 1, "Work": 1}
