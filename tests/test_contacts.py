"""The address book in the product (issue 17): a vdir folder of cards, as vdirsyncer or DAVx⁵ keep it,
read by real syncs against Radicale and Xandikos. The folder is never written: byte for byte the same."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CalDAVServerInfo
from test_sync import Setup
from test_watch import event

from reconnectd.cli import main

NOW = "2026-12-03T09:00"
CARD = """BEGIN:VCARD\r
VERSION:3.0\r
UID:{uid}\r
FN:{name}\r
{extra}END:VCARD\r
"""
CARDS = {
    "mum.vcf": (
        "uid-mum",
        "Ana Silva",
        "NICKNAME:Mum\r\nEMAIL:ana@example.com\r\nCATEGORIES:Family\r\nBDAY:19600415\r\n",
    ),
    "dad.vcf": ("uid-dad", "Rui Silva", "CATEGORIES:Family\r\nBDAY:--0612\r\nANNIVERSARY:19850601\r\n"),
    "kit.vcf": ("uid-kit", "Kit Jones", "CATEGORIES:Friends,Climbing\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29\r\n"),
    "jo.vcf": ("uid-jo", "Jo Park", "CATEGORIES:Friends\r\nBDAY:1990-09-10T00:00:00Z\r\n"),
    "lee.vcf": ("uid-lee", "Lee Chan", "CATEGORIES:Friends\r\nBDAY;VALUE=text:circa 1980\r\n"),
    "boss.vcf": ("uid-boss", "Pat Boss", "CATEGORIES:Work\r\nBDAY:19700101\r\n"),
    "priya.vcf": ("uid-priya", "Priya Natarajan", "N:Natarajan;Priya;;;\r\nBDAY:--0314\r\n"),
}
GROUPS = "    Family: {every: 2 weeks, prefers: call}\n    Friends: monthly\n"
PEOPLE = "- name: Priya Natarajan\n  every: weekly\n  dates:\n    - birthday: 03-15\n"


def card(uid: str, name: str, extra: str) -> bytes:
    return CARD.format(uid=uid, name=name, extra=extra).encode()


class Book(Setup):
    def __init__(self, tmp_path: Path, server: CalDAVServerInfo) -> None:
        super().__init__(tmp_path, server)
        self.book = tmp_path / "contacts"
        self.book.mkdir()
        self.tick = 0
        for name, (uid, full, extra) in CARDS.items():
            self.put(name, card(uid, full, extra))

    def put(self, name: str, data: bytes) -> None:
        path = self.book / name
        path.write_bytes(data)
        self.tick += 10
        os.utime(path, ns=(1_800_000_000_000_000_000 + self.tick, 1_800_000_000_000_000_000 + self.tick))

    def write(self, people: str = PEOPLE, urls: tuple[str, ...] = (), groups: str = GROUPS) -> None:
        super().write(people, urls)
        contacts = f"contacts:\n  path: {self.book}\n  groups:\n{groups}"
        # One write at a time: Xandikos's git store answers 500 to parallel writes racing for its index lock.
        self.config.write_text(
            self.config.read_text().replace("  name: Reconnect\n", "  name: Reconnect\n  concurrency: 1\n")
        )
        self.config.write_text(self.config.read_text().replace("people:\n", contacts + "people:\n", 1))

    def snapshot(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.book.iterdir())}

    def calendar(self) -> set[tuple[str, str]]:
        """(summary, start day) of every upcoming object of ours."""
        found = set()
        for stored in self.objects().values():
            event = stored.event  # type: ignore[attr-defined]
            if str(event["uid"]).startswith("reconnectd-"):
                found.add((str(event["summary"]), f"{event['dtstart'].dt:%Y-%m-%d}"))
        return found


@pytest.fixture
def book(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[Book]:
    b = Book(tmp_path, caldav_server)
    b.write()
    yield b
    b.peer.close()


def summaries(book: Book) -> set[str]:
    return {s for s, _ in book.calendar()}


def test_the_contacts_command_shows_who_will_be_planned(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    assert book.run("contacts") == 0
    out = capsys.readouterr().out
    assert f"Address book: {book.book}, 7 cards (read now)" in out
    rows = {line.split("  ")[1].strip(): " ".join(line.split()) for line in out.splitlines() if line.startswith("  ")}
    assert rows["Ana Silva"].endswith("fortnightly group Family; birthday 15 Apr 1960")
    assert rows["Rui Silva"].endswith("group Family; birthday 12 Jun; anniversary 1 Jun 1985")
    assert rows["Kit Jones"].endswith("monthly group Friends; birthday 29 Feb")
    assert rows["Jo Park"].endswith("group Friends; birthday 10 Sep 1990")
    assert rows["Lee Chan"].endswith("monthly group Friends")  # "circa 1980" is no date
    assert rows["Priya Natarajan"].endswith("weekly named in people:; birthday 15 Mar")  # the YAML's birthday wins
    assert "Pat Boss" not in out
    assert "Not planned: 1 contact in no group of contacts.groups and not named in people:" in out
    assert "Groups in the address book: Climbing (1), Family (2, mapped), Friends (3, mapped), Work (1)" in out


def test_one_sync_fills_the_calendar_and_follows_each_change_to_the_cards(book: Book) -> None:
    before = book.snapshot()
    assert book.sync(NOW) == 0
    assert book.snapshot() == before
    found = book.calendar()
    checkins = {s for s, _ in found if s.startswith("Check in with")}
    assert checkins == {
        f"Check in with {n}" for n in ("Ana Silva", "Rui Silva", "Kit Jones", "Jo Park", "Lee Chan", "Priya Natarajan")
    }
    days = {s: d for s, d in found if not s.startswith("Check in")}
    assert days["Ana Silva: birthday (turns 67)"] == "2027-04-15"  # the year gives the age
    assert days["Rui Silva: anniversary (42 years)"] == "2027-06-01"
    assert days["Kit Jones: birthday"] == "2027-02-28"  # 29 February, on the 28th in other years
    assert days["Priya Natarajan: birthday"] == "2027-03-15"
    assert not any("Pat Boss" in s for s in days)

    # An edited card: the birthday moves.
    book.put("mum.vcf", card("uid-mum", "Ana Silva", "CATEGORIES:Family\r\nBDAY:19600420\r\n"))
    assert book.sync("2026-12-03T10:00") == 0
    assert ("Ana Silva: birthday (turns 67)", "2027-04-20") in book.calendar()
    assert ("Ana Silva: birthday (turns 67)", "2027-04-15") not in book.calendar()

    # Out of its group: the check-in and the dates go.
    book.put("dad.vcf", card("uid-dad", "Rui Silva", "CATEGORIES:Work\r\nBDAY:--0612\r\n"))
    # A deleted card: the same.
    (book.book / "jo.vcf").unlink()
    assert book.sync("2026-12-03T11:00") == 0
    left = summaries(book)
    assert not any(s.startswith(("Rui Silva", "Jo Park")) or s.endswith(("Rui Silva", "Jo Park")) for s in left)
    assert "Check in with Kit Jones" in left
    after = book.snapshot()  # read only: no file added, the ones we did not edit the same
    assert set(after) == set(before) - {"jo.vcf"}
    assert {k: after[k] for k in ("kit.vcf", "lee.vcf", "boss.vcf")} == {
        k: before[k] for k in ("kit.vcf", "lee.vcf", "boss.vcf")
    }


def test_a_renamed_contact_keeps_their_history(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    assert book.sync(NOW) == 0
    assert book.run("done", "Kit Jones", "--at", "2026-12-01") == 0
    book.put("kit.vcf", card("uid-kit", "Kit Jones-Lee", "CATEGORIES:Friends\r\n"))
    assert book.sync("2026-12-03T10:00") == 0
    capsys.readouterr()
    assert book.run("history", "Kit Jones-Lee") == 0
    assert "01 Dec 2026" in capsys.readouterr().out
    # The next check-in goes by the new name; the one met by that contact stays, as history (as with was:).
    assert ("Check in with Kit Jones-Lee", "2027-01-01") in book.calendar()


def test_an_unreadable_address_book_keeps_its_people(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    assert book.sync(NOW) == 0
    first = summaries(book)
    hidden = book.tmp_path / "away"
    book.book.rename(hidden)
    assert book.sync("2026-12-03T10:00") == 0
    assert summaries(book) == first
    capsys.readouterr()
    assert book.run("status", "--now", "2026-12-03T10:00") == 0
    assert "Ana Silva" in capsys.readouterr().out  # the views plan from the last read too
    hidden.rename(book.book)


def test_status_shows_the_contacts_people_from_the_last_read(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    assert book.sync(NOW) == 0
    capsys.readouterr()
    assert book.run("status", "--now", NOW) == 0
    names = {line.split("  ")[0] for line in capsys.readouterr().out.splitlines()[1:]}
    assert names == {"Ana Silva", "Rui Silva", "Kit Jones", "Jo Park", "Lee Chan", "Priya Natarajan"}


def test_a_vcf_file_works_as_well_as_a_folder(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    export = book.tmp_path / "export.vcf"
    export.write_bytes(b"".join(p.read_bytes() for p in sorted(book.book.iterdir())))
    book.write()
    book.config.write_text(book.config.read_text().replace(f"path: {book.book}", f"path: {export}"))
    assert book.run("contacts") == 0
    assert "7 cards" in capsys.readouterr().out


def test_check_connect_names_the_address_book(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    assert book.run("check", "--connect") == 0
    out = capsys.readouterr().out
    assert f"contacts: {book.book} (groups: Family, Friends; `reconnectd contacts` shows who is planned)" in out
    assert f"contacts: will read the vCard folder {book.book} (7 cards, read only)" in out
    book.book.rename(book.tmp_path / "away")
    assert book.run("check", "--connect") == 1
    err = capsys.readouterr().err
    assert f"contacts: cannot read the address book at {book.book}: no such file or directory" in err


def test_the_address_books_password_is_never_shown(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Not at --verbose, not when the server cannot be reached, not in the contacts command."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "timezone: Europe/London\ncontacts:\n  url: http://127.0.0.1:9/dav/\n  username: sam\n"
        "  password: hunter2-contacts\n  groups:\n    Family: weekly\npeople: []\n"
    )
    config.chmod(0o600)
    for command in (["contacts"], ["check", "--connect"]):
        with pytest.raises(SystemExit):
            main(["-v", "--config", str(config), "--state-dir", str(tmp_path / "state"), *command])
    out, err = capfd.readouterr()
    assert "could not be read" in out or "cannot" in err
    assert "hunter2" not in out + err
    assert "c2FtOmh1bnRlcjItY29udGFjdHM" not in out + err  # nor as a Basic header


def test_a_cards_nickname_and_email_find_meetings_in_watched_calendars(
    book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    """NICKNAME is an alias and EMAIL an address, for the watched calendars' matching."""
    book.peer.client.principal().make_calendar(name="Work")
    work = book.peer.calendar_url("Work")
    book.write()
    book.config.write_text(
        book.config.read_text().replace("  name: Reconnect\n", "  name: Reconnect\n  watch: [Work]\n")
    )
    lunch = event("lunch-1", "Lunch with Mum", "20261201T120000Z")
    call = event("call-1", "Planning", "20261202T090000Z", "ATTENDEE;CN=Someone:mailto:ana@example.com\r\n")
    assert book.peer.put(work, "lunch.ics", lunch) in (201, 204)
    assert book.peer.put(work, "call.ics", call) in (201, 204)
    assert book.sync(NOW) == 0
    capsys.readouterr()
    assert book.run("history", "Ana Silva") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Tue 01 Dec 2026  meeting: Work: Lunch with Mum",
        "Wed 02 Dec 2026  meeting: Work: Planning",
    ]
