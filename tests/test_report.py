"""The report page: one row per person, contacts as marks, and nothing fetched from anywhere.

The pure tests read the HTML back with the standard library's parser; the last test renders the
page in real headless Chromium, looks at the DOM it built, and checks the screenshot is a picture.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reconnectd.config.load import parse_config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.model import CheckIn, CheckInStatus, Contact, Outcome, Standing
from reconnectd.policy.settings import Config
from reconnectd.policy.status import summarize
from reconnectd.report import render_report

LONDON = ZoneInfo("Europe/London")
ZOE = '<Zoë & "Bo">'
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=LONDON)  # a Saturday

# Patience is off here (growth 1), so that Sam's unanswered contacts leave him plainly overdue.
PEOPLE = f"""\
timezone: Europe/London
patience:
  growth: 1
people:
  - name: Priya
    every: 2 weeks
    prefers: voice note
    notes: started a new job in November
    last_contact: 2026-11-02
  - name: Sam
    every: monthly
    prefers: in person
  - name: Grandma Rose
    every: weekly
    prefers: call
    last_contact: 2026-11-20
  - name: Jonah
    every: 3w
    prefers: text
    notes: moved to Leeds
  - name: '{ZOE}'
    every: quarterly
    prefers: letter
    last_contact: 2026-09-15
"""


def evening(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 18, 0, tzinfo=LONDON)


def contact(person: str, when: datetime, outcome: Outcome = Outcome.REPLIED, note: str | None = None) -> Contact:
    return Contact(person, when, outcome, note)


def checkin(person: str, seq: int, when: datetime, status: CheckInStatus) -> CheckIn:
    return CheckIn(person, seq, when, when + timedelta(minutes=15), "basis", status)


def a_year_with_friends() -> tuple[Config, Ledger]:
    config = parse_config(PEOPLE, "t.yaml")
    contacts = (
        contact("Priya", evening(2025, 10, 1)),  # more than a year ago: not drawn
        contact("Priya", evening(2026, 9, 21)),
        contact("Priya", evening(2026, 10, 5), Outcome.NO_REPLY),
        contact("Priya", evening(2026, 10, 19)),
        contact("Priya", evening(2026, 11, 2)),  # the same day as her last_contact in the YAML
        contact("Priya", evening(2026, 11, 20), note="new job going well"),
        contact("Sam", evening(2026, 8, 22)),
        contact("Sam", evening(2026, 9, 12), Outcome.NO_REPLY),
        contact("Sam", evening(2026, 10, 10), Outcome.NO_REPLY),
        contact("Grandma Rose", evening(2026, 11, 13)),
        contact("Grandma Rose", evening(2026, 11, 25)),
        Contact("Jonah", evening(2026, 11, 21), Outcome.REPLIED, "<script>alert(1)</script> pub quiz", "calendar"),
        contact("Alex", evening(2026, 11, 1)),  # no longer in the config
    )
    checkins = (
        checkin("Sam", 1, evening(2026, 11, 10), CheckInStatus.PASSED),
        checkin("Sam", 2, evening(2026, 11, 29), CheckInStatus.SCHEDULED),
        checkin("Grandma Rose", 1, evening(2026, 8, 10), CheckInStatus.SKIPPED),
        checkin("Grandma Rose", 2, evening(2026, 8, 17), CheckInStatus.PASSED),
        checkin("Grandma Rose", 3, evening(2026, 9, 1), CheckInStatus.DONE),
        checkin("Grandma Rose", 4, evening(2026, 12, 2), CheckInStatus.SCHEDULED),
        checkin("Jonah", 1, evening(2026, 10, 31), CheckInStatus.WITHDRAWN),
        checkin("Jonah", 2, evening(2026, 11, 27), CheckInStatus.SCHEDULED),  # its time came; no sync since
        checkin("Jonah", 3, evening(2026, 12, 12), CheckInStatus.SCHEDULED),
        checkin(ZOE, 1, evening(2026, 12, 15), CheckInStatus.SCHEDULED),
    )
    return config, Ledger(contacts, checkins)


# --- reading the page back ----------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    person: str | None  # data-name of the row it sits in
    text: str = ""  # its own text, or the text of its <title> for SVG marks

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)

    @property
    def rows(self) -> list[str]:
        return [e.attrs["data-name"] for e in self.elements if e.tag == "section" and "person" in e.classes]

    def row(self, name: str) -> Element:
        (found,) = (e for e in self.elements if e.tag == "section" and e.attrs.get("data-name") == name)
        return found

    def find(self, *classes: str, person: str | None = None) -> list[Element]:
        """Elements inside the rows (of `person`, or of anyone) that have all these classes."""
        return [
            e
            for e in self.anywhere(*classes)
            if e.person is not None and (person is None or e.person == person) and e.tag != "section"
        ]

    def anywhere(self, *classes: str) -> list[Element]:
        return [e for e in self.elements if set(classes) <= e.classes]

    def dates(self, *classes: str, person: str) -> list[str]:
        return [e.attrs["data-date"] for e in self.find(*classes, person=person) if "data-date" in e.attrs]

    def text(self, *classes: str, person: str) -> str:
        (found,) = self.find(*classes, person=person)
        return found.text


class Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self.person: str | None = None
        self.open: list[Element] = []  # elements whose text we are collecting
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "section" and "data-name" in values:
            self.person = values["data-name"]
        if tag == "title" and self.open:
            self.in_title = True
            return
        element = Element(tag, values, self.person)
        self.page.elements.append(element)
        if tag not in ("meta", "br"):
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append(Element(tag, {k: v or "" for k, v in attrs}, self.person))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.in_title:
            self.in_title = False
            return
        if tag == "section":
            self.person = None
        while self.open:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.open[-1].text += data
        elif self.open:
            for element in self.open:
                element.text += data


def read(html: str) -> Page:
    reader = Reader()
    reader.feed(html)
    reader.close()
    return reader.page


@pytest.fixture(scope="module")
def html() -> str:
    config, ledger = a_year_with_friends()
    return render_report(config, ledger, NOW)


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return read(html)


# --- what the page says -------------------------------------------------------------------


def test_there_is_one_row_per_configured_person_in_config_order(page: Page) -> None:
    assert page.rows == ["Priya", "Sam", "Grandma Rose", "Jonah", ZOE]


def test_the_header_sums_up_who_is_due_this_week_and_who_is_overdue(page: Page) -> None:
    (summary,) = page.anywhere("summary")
    assert summary.text == "5 people · 2 due this week · 1 overdue"


def test_contacts_of_the_last_year_are_marks_filled_for_replied_and_hollow_for_no_reply(page: Page) -> None:
    assert page.dates("contact", person="Priya") == [
        "2026-09-21",
        "2026-10-05",
        "2026-10-19",
        "2026-11-02",
        "2026-11-20",
    ]
    assert page.dates("contact", "replied", person="Priya") == ["2026-09-21", "2026-10-19", "2026-11-02", "2026-11-20"]
    assert page.dates("contact", "no-reply", person="Priya") == ["2026-10-05"]
    assert page.dates("contact", "no-reply", person="Sam") == ["2026-09-12", "2026-10-10"]
    assert all(e.tag == "circle" for e in page.find("contact"))
    assert len(page.find("contact")) == 13


def test_the_yaml_last_contact_is_a_mark_of_unknown_outcome_unless_a_recorded_contact_has_that_day(page: Page) -> None:
    assert page.dates("contact", "unknown", person="Grandma Rose") == ["2026-11-20"]
    assert page.dates("contact", "unknown", person=ZOE) == ["2026-09-15"]
    assert page.dates("contact", "unknown", person="Priya") == []


def test_each_mark_has_a_tooltip_with_its_date_outcome_and_note(page: Page) -> None:
    (latest,) = [e for e in page.find("contact", person="Priya") if e.attrs["data-date"] == "2026-11-20"]
    assert latest.text == "Fri 20 Nov 2026 · replied · “new job going well”"
    (ticked,) = page.find("contact", person="Jonah")
    assert (
        ticked.text == "Sat 21 Nov 2026 · replied · ticked off in the calendar · “<script>alert(1)</script> pub quiz”"
    )
    (from_yaml,) = page.find("contact", "unknown", person=ZOE)
    assert "Tue 15 Sep 2026" in from_yaml.text
    marks = page.find("contact") + page.find("checkin") + page.find("next")
    assert len(marks) == 22
    assert all(e.text for e in marks)


def test_passed_and_skipped_checkins_are_faint_marks_and_finished_ones_are_not_drawn(page: Page) -> None:
    assert page.dates("checkin", "passed", person="Sam") == ["2026-11-10"]
    assert page.dates("checkin", "passed", person="Grandma Rose") == ["2026-08-17"]
    assert page.dates("checkin", "skipped", person="Grandma Rose") == ["2026-08-10"]
    assert page.dates("checkin", "passed", person="Jonah") == ["2026-11-27"]  # scheduled, but its time came
    assert page.dates("checkin", person="Jonah") == ["2026-11-27"]  # the withdrawn one is not shown
    assert len(page.find("checkin")) == 4


def test_the_next_planned_checkin_has_a_marker(page: Page) -> None:
    # What the next sync will plan (the planner, not this hand-made ledger, decides): Sam's next
    # check-in is one cadence after the one he let pass, never a pile of catch-ups.
    assert {name: page.dates("next", person=name) for name in page.rows} == {
        "Priya": ["2026-12-04"],
        "Sam": ["2026-12-10"],
        "Grandma Rose": ["2026-12-02"],
        "Jonah": ["2026-12-18"],
        ZOE: ["2026-12-15"],
    }
    assert page.text("upcoming", person="Sam") == "next check-in Thu 10 Dec"
    assert page.text("upcoming", person="Priya") == "next check-in Friday"


def test_the_status_chip_says_on_track_due_or_how_many_days_overdue(page: Page) -> None:
    config, ledger = a_year_with_friends()
    overdue = {s.name: s.overdue_days for s in summarize(config, ledger, NOW)}
    assert overdue["Sam"] == 18
    chips = {name: page.text("chip", person=name) for name in page.rows}
    assert chips == {
        "Priya": "due Friday",
        "Sam": "18 days overdue",
        "Grandma Rose": "due Wednesday",
        "Jonah": "on track",
        ZOE: "on track",
    }
    assert page.row("Sam").attrs["data-standing"] == "overdue"
    assert page.row("Sam").attrs["data-overdue-days"] == "18"
    (span,) = page.find("overdue-span", person="Sam")
    assert span.attrs["data-from"] == "2026-11-10"
    assert page.find("overdue-span", person="Priya") == []


def test_the_streak_counts_equal_outcomes_back_from_the_latest_recorded_contact(page: Page) -> None:
    assert page.text("streak", person="Priya") == "3 replied in a row"
    assert page.text("streak", person="Sam") == "2 unanswered in a row"
    assert page.text("streak", person="Grandma Rose") == "2 replied in a row"  # the YAML date has no outcome
    assert page.text("streak", person="Jonah") == "replied last time"
    assert page.find("streak", person=ZOE) == []


def test_user_text_is_escaped(html: str, page: Page) -> None:
    assert ZOE in page.rows
    assert page.find("name", person=ZOE)[0].text == ZOE
    assert "<Zoë" not in html
    assert "&lt;Zoë &amp; &quot;Bo&quot;&gt;" in html
    assert "<script" not in html


def test_the_page_is_self_contained_and_fetches_nothing(html: str) -> None:
    lowered = html.lower()
    for needle in ("http://", "https://", "//", "src=", "href=", "url(", "@import", "<link", "<script", "<img"):
        assert needle not in lowered, needle
    assert "<style>" in html
    assert "prefers-color-scheme: dark" in html


def test_days_are_read_in_the_configured_time_zone() -> None:
    config = parse_config("timezone: Europe/London\npeople:\n  - name: Priya\n    every: weekly\n", "t.yaml")
    late = Contact("Priya", datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 July in London
    page = read(render_report(config, Ledger(contacts=(late,)), NOW))
    assert page.dates("contact", person="Priya") == ["2026-07-01"]


def test_someone_new_is_due_for_a_first_check_in_and_not_overdue() -> None:
    config = parse_config("timezone: Europe/London\npeople:\n  - name: Sam\n    every: monthly\n", "t.yaml")
    page = read(render_report(config, Ledger(), NOW))
    assert page.rows == ["Sam"]
    assert page.find("contact") == []
    assert page.text("chip", person="Sam") == "due today"  # the next sync plans a first check-in today
    assert page.text("upcoming", person="Sam") == "next check-in today"
    (summary,) = page.anywhere("summary")
    assert summary.text == "1 person · 1 due this week"


def test_a_next_checkin_beyond_the_timeline_is_pinned_to_its_end() -> None:
    config = parse_config(
        "timezone: Europe/London\npeople:\n  - name: Ana\n    every: yearly\n    last_contact: 2026-09-01\n", "t.yaml"
    )
    planned = checkin("Ana", 1, evening(2027, 9, 1), CheckInStatus.SCHEDULED)
    page = read(render_report(config, Ledger(checkins=(planned,)), NOW))
    (marker,) = page.find("next", person="Ana")
    assert marker.classes == {"next", "beyond"}
    assert marker.attrs["data-date"] == "2027-09-01"
    assert marker.text == "Wed 1 Sep 2027, 18:00 · next check-in"
    assert page.text("upcoming", person="Ana") == "next check-in Wed 1 Sep 2027"


def test_an_empty_list_of_people_gets_a_friendly_page() -> None:
    page = read(render_report(parse_config("timezone: Europe/London\n", "my.yaml"), Ledger(), NOW))
    assert page.rows == []
    (empty,) = page.anywhere("empty")
    assert "No one is listed yet" in empty.text
    assert "my.yaml" in empty.text


def test_the_scale_shows_the_months_that_have_data_not_a_whole_empty_year(page: Page) -> None:
    # The earliest mark of the last year is Grandma Rose's skipped check-in on 10 August; Priya's
    # contact of October 2025 is older than a year. The last next check-in is Jonah's, 18 December.
    assert [e.text for e in page.anywhere("month")] == ["Aug", "Sep", "Oct", "Nov", "Dec"]
    assert page.anywhere("week") == []


def test_a_new_users_scale_is_a_few_weeks_each_named_by_its_monday() -> None:
    config = parse_config("timezone: Europe/London\npeople:\n  - name: Sam\n    every: monthly\n", "t.yaml")
    ledger = Ledger(contacts=(contact("Sam", evening(2026, 11, 20)),))
    page = read(render_report(config, ledger, NOW))
    weeks = page.anywhere("week")
    assert [e.text for e in weeks if e.tag == "text"] == [
        "26 Oct",
        "2 Nov",
        "9 Nov",
        "16 Nov",
        "23 Nov",
        "30 Nov",
        "7 Dec",
        "14 Dec",
    ]  # to the week of 20 Dec, his next
    assert page.anywhere("month") == []
    assert page.dates("contact", person="Sam") == ["2026-11-20"]
    assert page.text("count", person="Sam") == "1 contact"


def test_each_row_counts_the_persons_contacts_and_a_pause_names_its_end() -> None:
    config, ledger = a_year_with_friends()
    paused = Ledger(ledger.contacts, ledger.checkins, {"sam": (Standing.PAUSED, date(2027, 1, 10))})
    page = read(render_report(config, paused, NOW))
    counts = {name: page.text("count", person=name) for name in page.rows}
    # Priya's contact of October 2025 is older than the timeline but still hers; Rose's and
    # Zoë's YAML dates count as one each.
    assert counts == {
        "Priya": "6 contacts",
        "Sam": "3 contacts",
        "Grandma Rose": "3 contacts",
        "Jonah": "1 contact",
        ZOE: "1 contact",
    }
    assert page.text("chip", person="Sam") == "paused until 10 Jan"


def test_a_contact_dated_ahead_is_not_drawn_and_counted_nowhere_but_named_with_its_undo() -> None:
    # `done` refuses a date in the future; a store from an older version may hold one (a typo for 2026).
    config = parse_config(
        "timezone: Europe/London\npeople:\n  - name: Sam\n    every: monthly\n"
        "  - name: Ana\n    every: weekly\n    last_contact: 2026-12-24\n",
        "t.yaml",
    )
    ahead = Ledger(
        contacts=(contact("Sam", evening(2026, 11, 1)), contact("Sam", evening(2027, 5, 1), Outcome.NO_REPLY))
    )
    page = read(render_report(config, ahead, NOW))
    assert page.dates("contact", person="Sam") == ["2026-11-01"]
    assert page.dates("contact", person="Ana") == []
    assert page.text("count", person="Sam") == "1 contact"
    assert page.text("count", person="Ana") == "0 contacts"
    assert page.text("streak", person="Sam") == "replied last time"
    assert next(e.text for e in page.anywhere("figure")) == "1contact this year"
    assert page.text("ahead", person="Sam") == (
        "a contact dated Sat 1 May 2027 is after today: not shown (`reconnectd undo Sam` takes it back)"
    )
    assert page.text("ahead", person="Ana") == (
        "last_contact 2026-12-24 in t.yaml is after today: not shown; correct it there"
    )
    assert page.find("ahead", person="Priya") == []


def test_now_must_be_timezone_aware() -> None:
    config, ledger = a_year_with_friends()
    with pytest.raises(ValueError, match="timezone-aware"):
        render_report(config, ledger, datetime(2026, 11, 28, 10, 0))  # noqa: DTZ001


# --- in a real browser --------------------------------------------------------------------

INSTALL = "apt-get update && apt-get install -y chromium"
WIDTH, HEIGHT = 1200, 900
BACKGROUND = bytes.fromhex("f6efe4")  # --bg in light mode
REPLIED = {  # the colour of each person's filled marks (.hue-N in light mode)
    "Priya": bytes.fromhex("c8643b"),
    "Sam": bytes.fromhex("5f8a55"),
    "Grandma Rose": bytes.fromhex("3f7aa6"),
    "Jonah": bytes.fromhex("94598f"),
}


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail(f"the report's browser test needs Chromium, which is not installed: run `{INSTALL}` (as root)")
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{HEIGHT}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Png:
    width: int
    height: int
    rows: list[bytes]  # RGB, 3 bytes a pixel

    def pixels(self, left: int = 0, right: int | None = None) -> Counter[bytes]:
        """How often each colour occurs, in the columns from `left` up to `right`."""
        stop = self.width if right is None else right
        return Counter(row[x : x + 3] for row in self.rows for x in range(3 * left, 3 * stop, 3))


def decode_png(data: bytes) -> Png:
    """Just enough PNG for a browser screenshot: 8-bit RGB or RGBA, not interlaced."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, header, compressed = 8, b"", []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and colour in (2, 6), (depth, colour, interlace)
    channels = 3 if colour == 2 else 4
    rows = unfilter(zlib.decompress(b"".join(compressed)), width, height, channels)
    if channels == 4:
        rows = [bytes(b for i, b in enumerate(row) if i % 4 != 3) for row in rows]
    return Png(width, height, rows)


def unfilter(raw: bytes, width: int, height: int, bpp: int) -> list[bytes]:
    """Undo PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    stride = width * bpp
    assert len(raw) == height * (stride + 1)
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else:
            assert kind == 0, f"unknown PNG filter {kind}"
        rows.append(bytes(line))
        prev = line
    return rows


def test_chromium_renders_one_row_per_person_with_the_contacts_as_marks(tmp_path: Path, html: str, page: Page) -> None:
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    shot = tmp_path / "report.png"

    done = chromium(tmp_path / "profile-shot", f"--screenshot={shot}", report.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dumped = chromium(tmp_path / "profile-dom", "--dump-dom", report.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]

    # The DOM Chromium built holds the same rows and marks as the page we wrote.
    dom = read(dumped.stdout)
    assert dom.rows == ["Priya", "Sam", "Grandma Rose", "Jonah", ZOE]
    marks = [(e.person, e.attrs["class"], e.attrs["data-date"]) for e in dom.find("contact")]
    assert marks == [(e.person, e.attrs["class"], e.attrs["data-date"]) for e in page.find("contact")]
    assert len(marks) == 13
    assert all(e.tag == "circle" for e in dom.find("contact"))

    # The screenshot is a real picture of that page, not an empty or error page.
    assert shot.is_file()
    png = decode_png(shot.read_bytes())
    assert (png.width, png.height) == (WIDTH, HEIGHT)
    assert len(set(png.rows)) > HEIGHT // 4, "most pixel rows are identical: the page looks blank"
    colours = png.pixels()
    assert len(colours) > 200, "too few colours for a rendered page"
    assert colours[BACKGROUND] > WIDTH * HEIGHT // 10, "the page's own background is missing"
    # At this width the timelines fill the middle of the page, clear of the avatars and streaks
    # that share each person's colour: a filled mark there is ~70 pixels of it.
    timelines = png.pixels(int(WIDTH * 0.28), int(WIDTH * 0.77))
    for name, colour in REPLIED.items():
        assert timelines[colour] > 40, f"{name}'s replied marks are not painted"


def test_patience_shows_in_the_report_too() -> None:
    _, ledger = a_year_with_friends()
    patient = parse_config(PEOPLE.replace("patience:\n  growth: 1\n", ""), "t.yaml")
    page = read(render_report(patient, ledger, NOW))
    assert page.row("Sam").attrs["data-overdue-days"] == "0"  # two unanswered: his interval has stretched
