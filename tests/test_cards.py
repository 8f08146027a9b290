"""Reading vCards: a corpus of the shapes real address books write, every date form, broken cards, and fuzzing.

The corpus in tests/cards/ was written for this project after the exports of Apple iCloud, Google Contacts,
Android (DAVx⁵, ez-vcard), Nextcloud (sabre), Fastmail (Cyrus) and Thunderbird; expected.json says what each
card must give. broken.vcf holds the cards that must cost only themselves.
"""

from __future__ import annotations

import calendar
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconnectd.contacts.card import CARD_LIMIT, read_cards
from reconnectd.policy.cards import Card, CardDate
from reconnectd.policy.model import ANNIVERSARY, BIRTHDAY

CORPUS = Path(__file__).parent / "cards"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def _shown(date: CardDate) -> str:
    year = f"{date.year:04d}" if date.year else "-"
    return f"{date.kind} {year}-{date.month:02d}-{date.day:02d}"


def _card(body: str, version: str = "3.0") -> str:
    return f"BEGIN:VCARD\r\nVERSION:{version}\r\nUID:u1\r\nFN:Jane Doe\r\n{body}\r\nEND:VCARD\r\n"


def _one(body: str, version: str = "3.0") -> tuple[Card, list[str]]:
    reading = read_cards(_card(body, version), where="jane.vcf")
    (card,) = reading.cards
    return card, reading.warnings


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_in_the_corpus_gives_its_cards_and_dates(name: str) -> None:
    text = (CORPUS / name).read_bytes().decode("utf-8", "replace")
    reading = read_cards(text, where=name)
    expected = EXPECTED[name]
    found = {card.name: card for card in reading.cards}
    assert sorted(found) == sorted(expected["cards"])
    for card_name, wanted in expected["cards"].items():
        card = found[card_name]
        assert card.uid == wanted["uid"], card_name
        assert [_shown(d) for d in card.dates] == wanted["dates"], card_name
        for key in ("names", "nicknames", "emails", "groups", "members"):
            assert list(getattr(card, key)) == wanted.get(key, []), (card_name, key)
        assert card.group == wanted.get("group", False)
    assert len(reading.warnings) == expected["warnings"], reading.warnings
    assert all(warning.startswith(f"{name}: ") for warning in reading.warnings)


def test_the_corpus_covers_every_file_in_it() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.vcf")) == sorted(EXPECTED)


def test_broken_cards_cost_only_themselves_and_each_is_named_in_a_warning() -> None:
    reading = read_cards((CORPUS / "broken.vcf").read_bytes().decode("utf-8", "replace"), where="broken.vcf")
    text = "\n".join(reading.warnings)
    assert 'card 1 ("Hana Novak") has 1 line that could not be read' in text  # its EMAIL, badly folded
    assert "card 2 has no END:VCARD" in text  # "Never Closed" is not read
    assert "Luca Bianchi" not in text.replace("Luca Bianchi again", "")  # a binary photo is none of our business
    assert "card 5 has no name" in text
    assert 'card 6 ("Luca Bianchi again") has the UID of an earlier card' in text
    assert '"sometime in spring"' in text and '"1991-04-31"' in text
    assert "Never Closed" not in {card.name for card in reading.cards}
    assert {card.name: [_shown(d) for d in card.dates] for card in reading.cards}["Luca Bianchi"] == [
        "birthday 1983-08-15"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("BDAY:19900415", CardDate(BIRTHDAY, 4, 15, 1990)),
        ("BDAY:1990-04-15", CardDate(BIRTHDAY, 4, 15, 1990)),
        ("BDAY;VALUE=date:1990-04-15", CardDate(BIRTHDAY, 4, 15, 1990)),
        ("BDAY:--0415", CardDate(BIRTHDAY, 4, 15)),
        ("BDAY:--04-15", CardDate(BIRTHDAY, 4, 15)),
        ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15", CardDate(BIRTHDAY, 4, 15)),
        ("BDAY:1604-04-15", CardDate(BIRTHDAY, 4, 15)),  # Fastmail
        ("BDAY:0000-04-15", CardDate(BIRTHDAY, 4, 15)),
        ("BDAY;X-APPLE-OMIT-YEAR=1972:1972-04-15", CardDate(BIRTHDAY, 4, 15)),
        ("BDAY:19900415T000000Z", CardDate(BIRTHDAY, 4, 15, 1990)),
        ("BDAY:1990-04-15T10:00:00", CardDate(BIRTHDAY, 4, 15, 1990)),
        ("BDAY:1990-04-15T23:30:00+05:30", CardDate(BIRTHDAY, 4, 15, 1990)),
        ("BDAY:--0229", CardDate(BIRTHDAY, 2, 29)),
        ("BDAY:1988-02-29", CardDate(BIRTHDAY, 2, 29, 1988)),
        ("BDAY:1604-02-29", CardDate(BIRTHDAY, 2, 29)),
        ("ANNIVERSARY:20100612", CardDate(ANNIVERSARY, 6, 12, 2010)),
        ("ANNIVERSARY;VALUE=DATE:--0612", CardDate(ANNIVERSARY, 6, 12)),
        ("X-ANNIVERSARY:2010-06-12", CardDate(ANNIVERSARY, 6, 12, 2010)),
        ("X-EVOLUTION-ANNIVERSARY:2010-06-12", CardDate(ANNIVERSARY, 6, 12, 2010)),
        ("X-KADDRESSBOOK-X-Anniversary:2010-06-12", CardDate(ANNIVERSARY, 6, 12, 2010)),
        ("BDAY:1990-4-5", CardDate(BIRTHDAY, 4, 5, 1990)),
        ("BDAY:--4-5", CardDate(BIRTHDAY, 4, 5)),
        ("item2.X-ABDATE:2010-06-12\r\nitem2.X-ABLABEL:Anniversary", CardDate(ANNIVERSARY, 6, 12, 2010)),
        ("item1.X-ABDATE:2010-06-12\r\nitem1.X-ABLABEL:_$!<Anniversary>!$_", CardDate(ANNIVERSARY, 6, 12, 2010)),
        ("ITEM7.X-ABDATE;type=pref:--06-12\r\nitem7.X-ABLabel:_$!<anniversary>!$_", CardDate(ANNIVERSARY, 6, 12)),
    ],
)
def test_every_date_form_real_address_books_write(line: str, expected: CardDate) -> None:
    card, warnings = _one(line)
    assert card.dates == (expected,)
    assert warnings == []


@pytest.mark.parametrize(
    "line",
    [
        "BDAY;VALUE=text:circa 1980",
        "BDAY:1991-04-31",
        "BDAY:1990-02-29",  # no 29 February in 1990
        "BDAY:--1301",
        "BDAY:--0000",
        "BDAY:1990",
        "BDAY:1990-04",
        "BDAY:199045",  # not 1990-04-05
        "BDAY:1990-0415",
        "BDAY:--415",
        "BDAY:T100000",
        "ANNIVERSARY:2020-13-01",
        "X-ANNIVERSARY:soon",
    ],
)
def test_what_is_no_day_of_the_year_is_warned_about_and_skipped(line: str) -> None:
    card, warnings = _one(line, "4.0")
    assert card.dates == ()
    (warning,) = warnings
    assert warning.startswith('jane.vcf: card 1 ("Jane Doe") has ')
    assert "it is skipped" in warning
    assert "1990-04-15, or --04-15" in warning


def test_a_labelled_date_other_than_the_anniversary_is_left_out_without_a_warning() -> None:
    card, warnings = _one(
        "item1.X-ABDATE:2019-06-01\r\nitem1.X-ABLABEL:First day in Berlin\r\n"
        "item2.X-ABDATE:2001-01-01\r\nitem2.X-ABLABEL:_$!<Other>!$_\r\nX-ABDATE:2002-02-02"
    )
    assert card.dates == ()
    assert warnings == []


def test_one_birthday_per_card_and_each_anniversary_once() -> None:
    card, _ = _one(
        "BDAY:1990-04-15\r\nBDAY:1991-05-16\r\nANNIVERSARY:20100612\r\nX-ANNIVERSARY:2010-06-12\r\n"
        "item1.X-ABDATE:2012-01-02\r\nitem1.X-ABLABEL:_$!<Anniversary>!$_"
    )
    assert card.dates == (
        CardDate(BIRTHDAY, 4, 15, 1990),
        CardDate(ANNIVERSARY, 6, 12, 2010),
        CardDate(ANNIVERSARY, 1, 2, 2012),
    )


def test_names_nicknames_emails_and_categories() -> None:
    card, warnings = _one(
        "N:Doe;Jane;Quinn;Dr.;\r\nNICKNAME:Janie,JD\\, the great\r\nNICKNAME:jane doe\r\n"
        "EMAIL;TYPE=INTERNET:Jane@Example.com\r\nEMAIL:jane@example.com\r\nEMAIL:mailto:jd@example.org\r\n"
        "EMAIL:not an address\r\nCATEGORIES:Family,Book club\\, Tuesdays\r\nCATEGORIES:family"
    )
    assert card.name == "Jane Doe"
    assert card.names == ("Doe Jane",)
    assert card.nicknames == ("Janie", "JD, the great")  # the name itself is no nickname
    assert card.emails == ("Jane@Example.com", "jd@example.org")  # as written, each once
    assert card.groups == ("Family", "Book club, Tuesdays")
    assert warnings == []


def test_without_fn_the_name_is_given_and_family_and_both_orders_match() -> None:
    reading = read_cards("BEGIN:VCARD\nVERSION:3.0\nUID:x\nN:Müller;Jörg;;;\nEND:VCARD\n", where="w")
    (card,) = reading.cards
    assert (card.name, card.names) == ("Jörg Müller", ("Müller Jörg",))
    formatted, _ = _one("N:Laurent;Ines;;Dr.;")  # FN "Jane Doe" is the name; N still matches
    assert (formatted.name, formatted.names) == ("Jane Doe", ("Ines Laurent", "Laurent Ines"))


def test_names_are_one_printable_line_as_the_config_asks_of_its_names() -> None:
    card, _ = _one("NICKNAME:Ja\\nnie\u202e,\x07Bell")
    assert card.nicknames == ("Ja nie", "Bell")
    reading = read_cards("BEGIN:VCARD\nUID:x\nFN:" + "A" * 500 + "\nEND:VCARD\n", where="w")
    assert len(reading.cards[0].name) == 100


def test_group_cards_apple_and_vcard_4_list_their_members_by_uid() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nUID:g1\nFN:Family\nX-ADDRESSBOOKSERVER-KIND:group\n"
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:A\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:B\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nUID:urn:uuid:g2\nKIND:group\nFN:Climbing\nMEMBER:urn:uuid:A\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nUID:urn:uuid:A\nKIND:individual\nFN:Ann\nBDAY:--0101\nEND:VCARD\n"
    )
    family, climbing, ann = read_cards(text, where="w").cards
    assert (family.group, family.members) == (True, ("A", "B"))
    assert (climbing.uid, climbing.group, climbing.members) == ("g2", True, ("A",))
    assert (ann.uid, ann.group, ann.members) == ("A", False, ())


def test_a_card_without_uid_keeps_the_same_uid_from_one_read_to_the_next() -> None:
    one = "BEGIN:VCARD\nFN:Priya\nBDAY:--0101\nEND:VCARD\n"
    two = "BEGIN:VCARD\nFN:Sam\nEND:VCARD\n"
    first = read_cards(one + two, where="w")
    again = read_cards(two + one.replace("--0101", "--0202"), where="w")
    assert {c.name: c.uid for c in first.cards} == {c.name: c.uid for c in again.cards}
    assert first.warnings == [
        "w: 2 cards have no UID, and go by their name: renaming one in the address book starts it afresh"
    ]


def test_two_cards_without_uid_of_the_same_name_are_both_kept_and_the_same_card_twice_once() -> None:
    sam, other = "BEGIN:VCARD\nFN:Sam\nEND:VCARD\n", "BEGIN:VCARD\nFN:Sam\nNOTE:other\nEND:VCARD\n"
    twins = read_cards(sam + other, where="w")
    assert len({card.uid for card in twins.cards}) == 2
    thrice = read_cards(sam + sam + sam, where="w")
    assert len(thrice.cards) == 2  # by name, then by text; the third is the second again
    assert 'card 3 ("Sam") has the UID of an earlier card (or is the same card again)' in thrice.warnings[0]


def test_a_huge_card_is_skipped_and_the_rest_is_read() -> None:
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:" + "\r\n ".join(["QUJD" * 18] * (CARD_LIMIT // 70 + 10))
    text = _card(photo) + _card("BDAY:--0505").replace("u1", "u2").replace("Jane Doe", "Ann")
    reading = read_cards(text, where="big.vcf")
    assert [card.name for card in reading.cards] == ["Ann"]
    (warning,) = reading.warnings
    assert warning.startswith("big.vcf: card 1 is ") and "KiB" in warning and "skipped" in warning


def test_a_photo_below_the_bound_is_no_trouble() -> None:
    card, warnings = _one("PHOTO;ENCODING=b;TYPE=JPEG:" + "\r\n ".join(["QUJD" * 18] * 2000) + "\r\nBDAY:--0303")
    assert card.dates == (CardDate(BIRTHDAY, 3, 3),)
    assert warnings == []


def test_text_without_cards_gives_nothing_and_no_warning() -> None:
    for text in ("", "hello\nworld", "END:VCARD\n", "\ufeff"):
        reading = read_cards(text, where="w")
        assert (reading.cards, reading.warnings) == ([], [])


def test_folded_lines_crlf_and_a_byte_order_mark() -> None:
    text = "\ufeffBEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:Jane\r\n  Doe\r\nBDAY:1990-\r\n 04-15\r\nEND:VCARD\r\n"
    (card,) = read_cards(text, where="w").cards
    assert (card.name, card.dates) == ("Jane Doe", (CardDate(BIRTHDAY, 4, 15, 1990),))


def test_vcard_2_1_quoted_printable() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nUID:x\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6=\r\n"
        "rg;;;\r\nBDAY:1970-01-01\r\nEND:VCARD\r\n"
    )
    (card,) = read_cards(text, where="w").cards
    assert card.name == "Jörg Müller"


# -- fuzzing ------------------------------------------------------------------

NAMES = st.sampled_from(
    [
        "FN",
        "N",
        "UID",
        "BDAY",
        "ANNIVERSARY",
        "X-ANNIVERSARY",
        "NICKNAME",
        "EMAIL",
        "CATEGORIES",
        "KIND",
        "MEMBER",
        "X-ADDRESSBOOKSERVER-KIND",
        "X-ADDRESSBOOKSERVER-MEMBER",
        "X-ABDATE",
        "X-ABLABEL",
        "PHOTO",
        "VERSION",
        "BEGIN",
        "END",
        "NOTE",
    ]
)
PARAMS = st.sampled_from(
    [
        "",
        ";VALUE=text",
        ";VALUE=date",
        ";X-APPLE-OMIT-YEAR=1604",
        ";X-APPLE-OMIT-YEAR=x",
        ";ENCODING=QUOTED-PRINTABLE",
        ";ENCODING=b",
        ";CHARSET=klingon;ENCODING=QUOTED-PRINTABLE",
        ';X="a:b;c"',
        ";TYPE=INTERNET,HOME",
        ';X="unclosed',
        ";",
    ]
)
DATEISH = st.from_regex(r"(\d{4}|--|0000|1604)-?\d{1,2}-?\d{1,2}(T\d{6}Z?)?", fullmatch=True)
VALUES = st.one_of(
    DATEISH,
    st.sampled_from(["group", "urn:uuid:a", "_$!<Anniversary>!$_", "VCARD", "a,b\\,c", "x;y;z", "=C3=", "\\"]),
    st.text(max_size=30),
)
LINES = st.builds(
    lambda group, name, params, value, fold: f"{group}{name}{params}:" + ("\r\n " if fold else "") + value,
    st.sampled_from(["", "item1.", "ITEM1.", "x."]),
    NAMES,
    PARAMS,
    VALUES,
    st.booleans(),
)
CARDS = st.builds(
    lambda lines, closed: "BEGIN:VCARD\r\n" + "\r\n".join(lines) + ("\r\nEND:VCARD\r\n" if closed else "\r\n"),
    st.lists(st.one_of(LINES, st.text(max_size=20)), max_size=12),
    st.booleans(),
)


def _real_days(reading_cards: list[Card]) -> None:
    for card in reading_cards:
        assert isinstance(card.uid, str) and card.uid and isinstance(card.name, str) and card.name
        for date in card.dates:
            assert date.kind in (BIRTHDAY, ANNIVERSARY)
            assert 1 <= date.month <= 12
            assert 1 <= date.day <= calendar.monthrange(date.year or 2000, date.month)[1]
            assert date.year is None or date.year >= 1800


@given(st.text())
def test_any_text_at_all_is_read_without_raising(text: str) -> None:
    reading = read_cards(text, where="fuzz")
    _real_days(reading.cards)
    assert all(isinstance(w, str) for w in reading.warnings)


@given(st.lists(CARDS, max_size=4), st.text(max_size=10))
def test_vcard_shaped_text_is_read_without_raising_and_every_date_is_a_real_day(cards: list[str], tail: str) -> None:
    reading = read_cards("".join(cards) + tail, where="fuzz")
    _real_days(reading.cards)
    assert len({card.uid for card in reading.cards}) == len(reading.cards)
    for warning in reading.warnings:
        assert warning.startswith("fuzz: ")
        assert "\n" not in warning and "\r" not in warning


@given(st.binary(max_size=400))
def test_bytes_decoded_as_the_caller_decodes_them_are_read_without_raising(data: bytes) -> None:
    _real_days(read_cards("BEGIN:VCARD\nFN:x\n" + data.decode("utf-8", "replace") + "\nEND:VCARD\n", where="f").cards)
