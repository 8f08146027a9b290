"""The address book kept in the store between reads: only what changed is parsed again, a bad card is
warned about once, and an address book that cannot be read keeps the people of the last read."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from reconnectd.contacts import book, cache
from reconnectd.contacts.book import parse
from reconnectd.policy.cards import Card
from reconnectd.policy.settings import ContactsSettings
from reconnectd.state import Store

CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nBDAY:{bday}\r\nCATEGORIES:Family\r\nEND:VCARD\r\n"


class Counting:
    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, text: str, where: str) -> tuple[list[Card], list[str]]:
        self.read.append(Path(where).name)
        return parse(text, where)


def write(folder: Path, name: str, uid: str, full: str, bday: str = "19900415", *, at: int = 0) -> None:
    path = folder / name
    path.write_text(CARD.format(uid=uid, name=full, bday=bday))
    stamp = 1_800_000_000_000_000_000 + at
    os.utime(path, ns=(stamp, stamp))


def test_a_quiet_read_parses_nothing_and_a_changed_file_is_parsed_alone(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    write(folder, "a.vcf", "a", "Ana")
    write(folder, "b.vcf", "b", "Bo")
    settings = ContactsSettings(path=folder)
    counting = Counting()
    with Store(tmp_path / "state.db") as store:
        first = book.read_local(settings, store, parse=counting)
        assert sorted(c.name for c in first.cards) == ["Ana", "Bo"]
        assert sorted(counting.read) == ["a.vcf", "b.vcf"]
        counting.read.clear()
        assert sorted(c.name for c in book.read_local(settings, store, parse=counting).cards) == ["Ana", "Bo"]
        assert counting.read == []
        write(folder, "b.vcf", "b", "Bo Lee", at=10)
        assert sorted(c.name for c in book.read_local(settings, store, parse=counting).cards) == ["Ana", "Bo Lee"]
        assert counting.read == ["b.vcf"]
        # the views read the same cards, without parsing
        assert sorted(c.name for c in cache.cached(settings, store).cards) == ["Ana", "Bo Lee"]


def test_a_bad_card_is_warned_about_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    write(folder, "a.vcf", "a", "Ana", bday="circa 1980")
    (folder / "broken.vcf").write_text("BEGIN:VCARD\r\nFN:Cut short\r\n")
    settings = ContactsSettings(path=folder)
    with Store(tmp_path / "state.db") as store, caplog.at_level(logging.WARNING):
        book.read_local(settings, store)
        first = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("broken.vcf" in m for m in first) and any("circa 1980" in m for m in first)
        caplog.clear()
        again = book.read_local(settings, store)
        assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
        assert [c.name for c in again.cards] == ["Ana"]


def test_an_address_book_that_cannot_be_read_keeps_the_last_cards_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    write(folder, "a.vcf", "a", "Ana")
    settings = ContactsSettings(path=folder)
    with Store(tmp_path / "state.db") as store, caplog.at_level(logging.INFO):
        book.read_local(settings, store)
        folder.rename(tmp_path / "away")
        caplog.clear()
        down = book.read_local(settings, store)
        assert (down.read, [c.name for c in down.cards]) == (False, ["Ana"])
        assert [r.levelno for r in caplog.records] == [logging.WARNING]
        caplog.clear()
        assert [c.name for c in book.read_local(settings, store).cards] == ["Ana"]
        assert [r.levelno for r in caplog.records] == [logging.INFO]  # said once; quieter after
        (tmp_path / "away").rename(folder)
        assert book.read_local(settings, store).read


def test_another_source_starts_afresh(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    write(one, "a.vcf", "a", "Ana")
    write(two, "b.vcf", "b", "Bo")
    with Store(tmp_path / "state.db") as store:
        book.read_local(ContactsSettings(path=one), store)
        assert [c.name for c in book.read_local(ContactsSettings(path=two), store).cards] == ["Bo"]
