"""Issue 17, as a new user tries it: a CardDAV address book on real Radicale and Xandikos, holding a family
group and friends with birthdays in every form, read by `reconnectd contacts` and by real syncs.

The address book is made and edited by the test's own HTTP client (the user's phone); reconnectd only
reads it, and the whole address book home is byte for byte the same after every sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import niquests
import pytest
from conftest import CalDAVServerInfo
from frontproxy import PREFIX, FrontServer
from test_addressbook import MKCOL, _home
from test_addressbook import Book as Phone
from test_sync import Setup

from reconnectd.daemon import heard
from reconnectd.daemon.environment import read_settings
from reconnectd.logs import Redactor
from reconnectd.state import Store

NOW = "2026-12-03T09:00"
CARD = "BEGIN:VCARD\r\nVERSION:{version}\r\nUID:{uid}\r\nFN:{name}\r\n{extra}END:VCARD\r\n"
CARDS = {  # every date form real address books write
    "mum": ("4.0", "Ana Silva", "N:Silva;Ana;;;\r\nNICKNAME:Mum\r\nCATEGORIES:Family\r\nBDAY:19600415\r\n"),
    "dad": ("4.0", "Rui Silva", "CATEGORIES:Family\r\nBDAY:--0612\r\nANNIVERSARY:19850601\r\n"),
    "gran": ("3.0", "Rosa Lima", "CATEGORIES:Family\r\nBDAY:--04-02\r\n"),
    "kit": ("3.0", "Kit Jones", "CATEGORIES:Friends\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29\r\n"),
    "jo": ("3.0", "Jo Park", "CATEGORIES:Friends\r\nBDAY:1990-09-10T00:00:00Z\r\n"),
    "lee": ("4.0", "Lee Chan", "CATEGORIES:Friends\r\nBDAY;VALUE=text:circa 1980\r\n"),
    "max": ("3.0", "Max Roy", "CATEGORIES:Friends\r\nBDAY:0000-07-04\r\n"),
    "eve": (
        "3.0",
        "Eve Moss",
        "CATEGORIES:Friends\r\nitem1.X-ABDATE:2015-05-20\r\nitem1.X-ABLABEL:_$!<Anniversary>!$_\r\n",
    ),
    "boss": ("3.0", "Pat Boss", "CATEGORIES:Work\r\nBDAY:19700101\r\n"),
}
GROUPS = "    Family: {every: 2 weeks, prefers: call}\n    Friends: monthly\n"


def card(uid: str, version: str, name: str, extra: str) -> str:
    return CARD.format(uid=uid, version=version, name=name, extra=extra)


class NewUser(Setup):
    def __init__(self, tmp_path: Path, server: CalDAVServerInfo, phone: Phone) -> None:
        super().__init__(tmp_path, server)
        self.phone = phone

    def put(self, uid: str, text: str) -> None:
        href = urlsplit(self.phone.url).path + f"{uid}.vcf"
        self.phone.put(href, text)
        self.phone.hrefs[uid] = href

    def write_contacts(self, url: str, *, login: bool = False) -> None:
        super().write("[]\n")
        contacts = f"contacts:\n  url: {url}\n"
        if login and self.server.username:
            contacts += f"  username: {self.server.username}\n  password_file: {self.tmp_path / 'password'}\n"
        contacts += f"  groups:\n{GROUPS}"
        # One write at a time: Xandikos's git store answers 500 to parallel writes racing for its index lock.
        self.config.write_text(
            self.config.read_text().replace("  name: Reconnect\n", "  name: Reconnect\n  concurrency: 1\n")
        )
        self.config.write_text(self.config.read_text().replace("people:\n", contacts + "people:\n", 1))

    def book_state(self) -> dict[str, object]:
        """The address book as the server answers for it: its listing and every card's bytes."""
        path = urlsplit(self.phone.url).path
        return {href: data for href, data in self.phone.state().items() if href.startswith(path)}

    def calendar(self) -> dict[str, str]:
        """Summary to start day, of every object of ours."""
        found = {}
        for stored in self.objects().values():
            event = stored.event  # type: ignore[attr-defined]
            if str(event["uid"]).startswith("reconnectd-"):
                found[str(event["summary"])] = f"{event['dtstart'].dt:%Y-%m-%d}"
        return found


@pytest.fixture
def user(tmp_path: Path, caldav_server: CalDAVServerInfo) -> Iterator[NewUser]:
    http = niquests.Session()
    if caldav_server.username:
        http.auth = (caldav_server.username, caldav_server.password or "")
    home = _home(caldav_server)
    # Xandikos comes with an address book, as a hosted account does; on Radicale the phone makes one.
    own = "addressbook/" if caldav_server.kind == "xandikos" else "contacts/"
    phone = Phone(caldav_server, http, home, urljoin(caldav_server.url, home + own), {})
    if caldav_server.kind == "radicale":
        phone.request("PROPFIND", "/sam/", "", Depth="0")
        phone.request("MKCOL", phone.url, MKCOL.format(name="Contacts"), **{"Content-Type": "application/xml"})
    made = NewUser(tmp_path, caldav_server, phone)
    for uid, (version, name, extra) in CARDS.items():
        made.put(uid, card(uid, version, name, extra))
    made.write_contacts(caldav_server.url)  # the server's URL: discovered, with the calendar's login
    try:
        yield made
    finally:
        made.peer.close()
        http.close()


def test_a_new_user_sees_who_will_be_planned_and_one_sync_fills_the_calendar(
    user: NewUser, capsys: pytest.CaptureFixture[str]
) -> None:
    before = user.book_state()
    assert user.run("contacts") == 0
    out = capsys.readouterr().out
    assert "9 cards (read now)" in out
    rows = {line.split("  ")[1].strip(): " ".join(line.split()) for line in out.splitlines() if line.startswith("  ")}
    assert sorted(rows) == sorted(
        ["Ana Silva", "Rui Silva", "Rosa Lima", "Kit Jones", "Jo Park", "Lee Chan", "Max Roy", "Eve Moss"]
    )
    assert rows["Rosa Lima"].endswith("fortnightly group Family; birthday 2 Apr")
    assert rows["Max Roy"].endswith("monthly group Friends; birthday 4 Jul")
    assert rows["Eve Moss"].endswith("monthly group Friends; anniversary 20 May 2015")
    assert "Not planned: 1 contact" in out
    assert user.run("check", "--connect") == 0
    out = capsys.readouterr().out
    assert "contacts: will read the CardDAV address book http://" in out
    assert out.rstrip().endswith("/ (9 cards, read only)")

    assert user.sync(NOW) == 0
    found = user.calendar()
    assert {s for s in found if s.startswith("Check in")} == {f"Check in with {n}" for n in rows}
    assert found["Ana Silva: birthday (turns 67)"] == "2027-04-15"
    assert found["Rui Silva: birthday"] == "2027-06-12"
    assert found["Rui Silva: anniversary (42 years)"] == "2027-06-01"
    assert found["Rosa Lima: birthday"] == "2027-04-02"
    assert found["Kit Jones: birthday"] == "2027-02-28"
    assert found["Jo Park: birthday (turns 37)"] == "2027-09-10"
    assert found["Max Roy: birthday"] == "2027-07-04"
    assert found["Eve Moss: anniversary (12 years)"] == "2027-05-20"
    assert not [s for s in found if "Pat Boss" in s or s.startswith("Lee Chan:")]
    assert user.book_state() == before


def test_edits_on_the_phone_follow_and_the_address_book_is_never_written(user: NewUser) -> None:
    assert user.sync(NOW) == 0
    # A birthday corrected on the phone moves.
    user.put("mum", card("mum", "4.0", "Ana Silva", "CATEGORIES:Family\r\nBDAY:19600420\r\n"))
    # Taken out of the family group: the check-in and the dates go.
    user.put("dad", card("dad", "4.0", "Rui Silva", "CATEGORIES:Work\r\nBDAY:--0612\r\n"))
    # Deleted.
    user.phone.request("DELETE", user.phone.hrefs.pop("jo"))
    # Renamed: the history stays theirs.
    assert user.run("done", "Kit Jones", "--at", "2026-12-01") == 0
    user.put("kit", card("kit", "3.0", "Kit Jones-Lee", "CATEGORIES:Friends\r\n"))
    before = user.book_state()
    assert user.sync("2026-12-03T10:00") == 0
    assert user.book_state() == before
    found = user.calendar()
    assert found["Ana Silva: birthday (turns 67)"] == "2027-04-20"
    assert not [s for s in found if s.endswith(("Rui Silva", "Jo Park")) or s.startswith(("Rui Silva:", "Jo Park:"))]
    assert found["Check in with Kit Jones-Lee"] == "2027-01-01"  # a month after the contact recorded before
    assert found["Check in with Ana Silva"]


def test_an_address_book_that_is_down_keeps_its_people(user: NewUser, capsys: pytest.CaptureFixture[str]) -> None:
    with FrontServer(user.server.server.port) as front:
        user.write_contacts(front.url.rstrip("/") + PREFIX + urlsplit(user.phone.url).path, login=True)
        assert user.sync(NOW) == 0
        first = {s.uid for s in user.objects().values()}  # type: ignore[attr-defined]
        assert len(first) > 8
    assert user.sync("2026-12-03T10:00") == 0  # the calendar is up; the address book is not
    assert {s.uid for s in user.objects().values()} == first  # type: ignore[attr-defined]
    said = capsys.readouterr().err
    assert "could not read the address book" in said and "keeping the people of the last read" in said


def test_a_quiet_read_is_one_sync_report_and_only_changed_cards_are_fetched(user: NewUser) -> None:
    """As the daemon reads it: the address book kept open from one cycle to the next."""
    config = read_settings(user.config, Redactor())
    assert config.contacts is not None
    kept = heard.KeptBook()
    with Store(user.tmp_path / "state.db") as store:
        opener = kept.opener(config, store)
        first = heard.read_book(config.contacts, store, opener)
        assert len([c for c in first.cards if not c.group]) == 9
        with opener() as remote:  # type: ignore[misc]
            before = remote.requests  # type: ignore[attr-defined]
            assert heard.read_book(config.contacts, store, opener).read
            assert remote.requests - before == 1  # type: ignore[attr-defined]
            user.put("mum", card("mum", "4.0", "Ana Silva", "CATEGORIES:Family\r\nBDAY:19600420\r\n"))
            before = remote.requests  # type: ignore[attr-defined]
            again = heard.read_book(config.contacts, store, opener)
            assert remote.requests - before == 2  # type: ignore[attr-defined]  # the changes, and one multiget
    kept.close()
    assert {d.day for c in again.cards if c.uid == "mum" for d in c.dates} == {20}
