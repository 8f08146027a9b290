"""A corpus of bad configs: each one is explained with its file and line, exit code 2, and no traceback.

Each case is a file in tests/bad_configs/ (the binary and encoding cases hold raw bytes); the huge one
is generated here instead of committed. EXPECTED pins the exact problem lines of every case, with
{file} standing for the config path as given on the command line and {dir} for its folder.

A case that shows a loader bug (a crash, a missing or wrong line, a garbled message) is listed in
KNOWN_BUGS and marked xfail(strict=True): EXPECTED then holds what the message *should* be, so the
case turns into a failure (XPASS) the day the bug is fixed, and the mark is removed then.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import available_timezones

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from life import PEOPLE, Life, Unreachable, london
from servers import HttpReceiver
from waiting import HANG_GUARD

from reconnectd.cli import main
from reconnectd.config.load import load_config, parse_config
from reconnectd.config.schema import (
    CALENDAR_KEYS,
    CONTACTS_KEYS,
    GROUP_KEYS,
    NOTIFY_KEYS,
    PERSON_KEYS,
    SCHEDULE_KEYS,
    TOP_KEYS,
)
from reconnectd.daemon.runtime import read_config
from reconnectd.errors import ConfigError
from reconnectd.logs import Redactor

CORPUS = Path(__file__).parent / "bad_configs"

CHANNELS = "text, voice note, call, video, in person, social media, email, letter"
TOP = ", ".join(TOP_KEYS)
LONG_ZONE = "Europe/" + "x" * 300
LONG_PATH = "/tmp/" + "x" * 300
OUTSIDE = "is outside the years reconnectd plans in (write a date from 1900 to 2999)"
NUL_IN_PATH = "contains a NUL character (\\0); a file name cannot hold one (remove it)"


def huge_file() -> bytes:
    """About 250 KB: 2,000 people, one misspelt cadence in the middle and a duplicate at the very end."""
    lines = ["# 2,000 people; a misspelt cadence on line 4505, a duplicate on line 6004.", "timezone: Europe/London"]
    lines.append("people:")
    for i in range(2000):
        every = "2 weaks" if i == 1500 else "2 weeks"
        lines += [f"  - name: Person {i:04d}", f"    every: {every}", "    notes: " + "met at the climbing wall, " * 3]
    lines += ["  - name: person 0007", "    every: monthly"]
    return ("\n".join(lines) + "\n").encode()


# Cases written by the test rather than committed (name -> contents).
GENERATED = {"51-huge-file.yaml": huge_file}

EXPECTED: dict[str, list[str]] = {
    # --- YAML syntax ---------------------------------------------------------------------------
    "01-tab-indent.yaml": ["{file}:4: a tab is used for indentation; YAML needs spaces"],
    "02-tab-after-colon.yaml": [
        "{file}:2: a tab character here; use spaces",
    ],
    "03-unclosed-bracket.yaml": [
        "{file}:4: the [ opened on this line is never closed",
    ],
    "04-unclosed-quote.yaml": [
        "{file}:6: the quote opened on this line is never closed",
    ],
    "05-bad-indent.yaml": [
        "{file}:5: invalid YAML: the indentation of this line does not match the lines around it (keys at the same level need the same number of spaces)",
    ],
    "06-colon-in-value.yaml": [
        "{file}:6: invalid YAML: a colon here is unexpected (put quotes around a value that contains ': ')",
    ],
    "07-two-documents.yaml": [
        '{file}:3: a second YAML document starts here; a config is one document (remove this "---" line)',
    ],
    "08-markdown-emphasis.yaml": [
        "{file}:6: invalid YAML: found undefined alias 'new' (check the indentation and quotes)",
    ],
    "09-duplicate-anchor.yaml": [
        "{file}:7: invalid YAML: the anchor &often appears twice (first at line 5); give each anchor its own name",
    ],
    "10-windows-path-escape.yaml": [
        "{file}:5: inside double quotes a backslash starts an escape (use single quotes, or write \\\\)",
    ],
    "11-toml-not-yaml.yaml": ['{file}:1: expected a mapping of keys, got "timezone = "Europe/London" [calendar]..."'],
    # --- wrong types ---------------------------------------------------------------------------
    "12-root-is-a-list.yaml": ["{file}:2: expected a mapping of keys, got a list"],
    "13-people-as-mapping.yaml": ["{file}:4: people: expected a list (lines starting with '- '), got a mapping"],
    "14-person-is-a-string.yaml": ['{file}:4: people[0]: expected a mapping of keys, got "Priya"'],
    "15-calendar-is-a-string.yaml": ['{file}:3: calendar: expected a mapping of keys, got "nextcloud"'],
    "16-wrong-scalar-types.yaml": [
        '{file}:4: calendar.verify_tls: expected true or false, got "sometimes"',
        '{file}:6: schedule.max_per_day: expected a whole number, got "two"',
        "{file}:8: people[0].name: expected text, got a list",
        "{file}:10: people[0].every: expected text, got a mapping",
    ],
    "17-notify-urls-string.yaml": [
        "{file}:4: notify.urls: expected a list (lines starting with '- '), got \"ntfy://ntfy.sh/my-topic\"",
    ],
    "18-max-per-day-sexagesimal.yaml": ['{file}:4: schedule.max_per_day: expected a whole number, got "1:30"'],
    "19-key-is-a-list.yaml": [f"{{file}}:3: a key must be plain text, got a list (expected one of: {TOP})"],
    "20-time-of-day.yaml": [
        '{file}:4: schedule.time: "6pm" is not a time of day (write 24-hour HH:MM, for example "18:00")',
    ],
    "21-empty-person.yaml": [
        '{file}:6: people[1].every: is missing (write, for example, every: "2 weeks")',
        '{file}:6: people[1].name: is missing (write, for example, name: "Priya")',
    ],
    "22-missing-required.yaml": [
        '{file}:4: people[0].name: is missing (write, for example, name: "Priya")',
        '{file}:5: people[1].every: is missing (write, for example, every: "2 weeks")',
    ],
    # --- unknown keys and typos ----------------------------------------------------------------
    "23-top-level-typo.yaml": ['{file}:3: peeple: unknown key (did you mean "people"?)'],
    "24-nested-typos.yaml": [
        '{file}:4: calendar.pasword_file: unknown key (did you mean "password_file"?)',
        '{file}:6: schedule.max_per_days: unknown key (did you mean "max_per_day"?)',
    ],
    "25-person-key-typo.yaml": [
        '{file}:5: people[0].evry: unknown key (did you mean "every"?)',
    ],
    "26-unknown-section.yaml": [f"{{file}}:3: reminders: unknown key (expected one of: {TOP})"],
    "27-duplicate-key.yaml": ["{file}:5: schedule.time: appears twice (first at line 4); keep one"],
    # --- cadences ------------------------------------------------------------------------------
    "28-cadence-not-understood.yaml": [
        '{file}:5: people[0].every: "fortnightlyish" is not a cadence (try "2 weeks" or "fortnightly")',
        '{file}:7: people[1].every: "biweekly" is not a cadence: it is ambiguous (try "2 weeks" or "fortnightly")',
        '{file}:9: people[2].every: "1.5 weeks" is not a cadence: use whole numbers '
        '(try "2 weeks", "monthly", "10d" or "P2W")',
        '{file}:11: people[3].every: "7" is not a cadence (try "2 weeks", "monthly", "10d" or "P2W")',
    ],
    "29-cadence-zero.yaml": [
        '{file}:5: people[0].every: "0 days" is not a cadence: it must be at least 1 day (try "1 day" or "daily")',
    ],
    "30-cadence-negative.yaml": [
        '{file}:5: people[0].every: "-2 weeks" is not a cadence: it cannot be negative (try "2 weeks")',
    ],
    "31-cadence-absurd.yaml": [
        '{file}:5: people[0].every: "every 1000 years" is not a cadence: the longest cadence is 10 years '
        '(try "every 10 years")',
        '{file}:7: people[1].every: "99999999999999999999999 days" is not a cadence: the longest cadence is 10 years '
        '(try "every 10 years")',
        '{file}:9: people[2].every: "every 3 hours" is not a cadence: cadences are whole days or longer '
        '(try "1d" or "daily")',
    ],
    # --- intervals -----------------------------------------------------------------------------
    "32-interval-zero.yaml": [
        '{file}:4: calendar.poll: "0m" must be longer than zero (try "5m")',
        '{file}:5: calendar.timeout: "0s" must be longer than zero (try "5m")',
        '{file}:7: schedule.duration: "0" must be longer than zero (try "5m")',
    ],
    "33-interval-negative.yaml": [
        '{file}:4: calendar.full_poll: "-1h" is not a duration: it cannot be negative (try "1h")',
        '{file}:6: schedule.alarm: "-15m" is not a duration: it cannot be negative (try "15m")',
    ],
    "34-interval-unitless.yaml": [
        '{file}:4: calendar.poll: "5" is not a duration: it needs a unit (try "5m" or "5s")',
        '{file}:5: calendar.full_poll: "1 month" is not a duration: months and years have no fixed length '
        '(try "30d" or "4w")',
    ],
    "35-interval-absurd.yaml": [
        '{file}:4: calendar.timeout: "99999999999 weeks" is not a duration: it is too long (try "15m", "2h" or "PT15M")',
    ],
    "36-poll-absurd.yaml": [
        '{file}:4: calendar.poll: "999999w" is not a duration: it is too long (try "15m", "2h" or "PT15M")',
    ],
    "37-duration-absurd.yaml": [
        '{file}:4: schedule.duration: "999999w" is not a duration: it is too long (try "15m", "2h" or "PT15M")',
    ],
    # --- time zones ----------------------------------------------------------------------------
    "38-timezone-typo.yaml": [
        '{file}:2: timezone: "Europe/Londn" is not a known time zone (did you mean "Europe/London"?)'
    ],
    "39-timezone-unknown.yaml": [
        '{file}:2: timezone: "Middle-earth/Shire" is not a known time zone (write an IANA name such as "Europe/London")',
    ],
    "40-timezone-offset.yaml": [
        '{file}:2: timezone: "+01:00" is not a known time zone (write an IANA name such as "Europe/London")',
    ],
    "41-timezone-region-only.yaml": [
        '{file}:2: timezone: "Europe" is not a known time zone (write an IANA name such as "Europe/London")',
    ],
    "42-timezone-long-name.yaml": [
        f'{{file}}:2: timezone: "{LONG_ZONE}" is not a known time zone (write an IANA name such as "Europe/London")',
    ],
    "43-timezone-list.yaml": ["{file}:2: timezone: expected text, got a list"],
    # --- dates ---------------------------------------------------------------------------------
    "44-impossible-dates.yaml": [
        '{file}:6: people[0].last_contact: "2026-02-30" is not a real date (check the month and day)',
        '{file}:9: people[1].last_contact: "2025-02-29" is not a real date (check the month and day)',
        '{file}:12: people[2].last_contact: "2026-13-01" is not a real date (check the month and day)',
    ],
    "45-date-format.yaml": [
        '{file}:6: people[0].last_contact: "02/11/2026" is not a date (write YYYY-MM-DD, for example "2026-11-02")',
        '{file}:9: people[1].last_contact: "last week" is not a date (write YYYY-MM-DD, for example "2026-11-02")',
    ],
    "46-date-end-of-time.yaml": [
        f'{{file}}:6: people[0].last_contact: "9999-12-31" {OUTSIDE}',
    ],
    # --- duplicate people ----------------------------------------------------------------------
    "47-duplicate-people.yaml": [
        '{file}:6: people[1].name: "priya" appears twice (also at line 4); give each person a distinct name',
        '{file}:10: people[3].name: "Sam" appears twice (also at line 8); give each person a distinct name',
        '{file}:12: people[4].name: "Sam" appears twice (also at line 8); give each person a distinct name',
    ],
    "48-duplicate-people-unicode.yaml": [
        '{file}:6: people[1].name: "Zoe\u0308" appears twice (also at line 4); give each person a distinct name',
    ],
    # --- empty and huge ------------------------------------------------------------------------
    "49-empty.yaml": ["{file}:1: the file is empty (start from config.example.yaml)"],
    "50-only-comments.yaml": ["{file}:1: the file is empty (start from config.example.yaml)"],
    "51-huge-file.yaml": [
        '{file}:4505: people[1500].every: "2 weaks" is not a cadence (try "2 weeks")',
        '{file}:6004: people[2000].name: "person 0007" appears twice (also at line 25); give each person a distinct name',
    ],
    # --- binary junk, wrong encodings, line endings --------------------------------------------
    "52-binary-nul.yaml": ["{file}:3: contains binary data, not YAML text"],
    "53-binary-gzip.yaml": ["{file}:1: is not UTF-8 text (save the file as UTF-8)"],
    "54-binary-control-chars.yaml": ["{file}:2: contains binary data, not YAML text"],
    "55-latin-1.yaml": ["{file}:4: is not UTF-8 text (save the file as UTF-8)"],
    "56-utf-16.yaml": ["{file}:1: is not UTF-8 text (save the file as UTF-8)"],
    "57-windows-1252.yaml": ["{file}:6: is not UTF-8 text (save the file as UTF-8)"],
    "58-crlf-line-numbers.yaml": [
        f'{{file}}:6: people[0].prefers: "carrier pigeon" is not a way to reach someone (write one of: {CHANNELS})',
    ],
    "59-line-separator.yaml": [
        '{file}:6: people[0].every: "fortnightlyish" is not a cadence (try "2 weeks" or "fortnightly")',
    ],
    # --- secrets -------------------------------------------------------------------------------
    "60-password-file-missing.yaml": [
        "{file}:6: calendar.password_file: cannot read /nonexistent/reconnectd/caldav-password: "
        "No such file or directory (put the CalDAV password on one line in that file)",
    ],
    "61-password-file-is-a-directory.yaml": [
        "{file}:6: calendar.password_file: cannot read {dir}: Is a directory "
        "(put the CalDAV password on one line in that file)",
    ],
    "62-password-file-unknown-user.yaml": [
        '{file}:6: calendar.password_file: "~nosuchuser-reconnectd/caldav-password" names a user that does not '
        "exist (write the full path)",
    ],
    "63-password-command-fails.yaml": [
        '{file}:6: calendar.password_command: "false" failed with exit code 1 (check the command, or use password_file)',
    ],
    # --- other values --------------------------------------------------------------------------
    "64-urls-and-addresses.yaml": [
        '{file}:4: calendar.url: "dav.example.com/remote.php/dav/" is not an http(s) URL '
        '(write it like "https://dav.example.com/")',
        '{file}:5: calendar.listen: "localhost" is not an address (write host:port, for example "127.0.0.1:5239")',
        '{file}:6: calendar.component: "journal" is not a kind of calendar object (write "event" or "todo")',
        '{file}:9: notify.urls[0]: is not an Apprise URL (write it like "ntfy://ntfy.sh/my-topic")',
    ],
    "65-apprise-unknown-scheme.yaml": [
        "{file}:5: notify.urls[0]: is not a URL Apprise understands (see https://appriseit.com for the forms)",
    ],
    "66-prefers-unknown.yaml": [
        '{file}:6: people[0].prefers: "voicenote" is not a way to reach someone (did you mean "voice note"?)',
        f'{{file}}:9: people[1].prefers: "carrier pigeon" is not a way to reach someone (write one of: {CHANNELS})',
    ],
    "67-deep-nesting.yaml": ["{file}:3: invalid YAML: nested too deeply (a config needs only a few levels)"],
    # --- paths and commands no system call accepts ---------------------------------------------
    "68-nul-in-paths.yaml": [
        f"{{file}}:6: calendar.password_file: {NUL_IN_PATH}",
        f"{{file}}:8: notify.urls_file: {NUL_IN_PATH}",
        f"{{file}}:9: notify.apprise_config: {NUL_IN_PATH}",
    ],
    "69-nul-in-password-command.yaml": [
        "{file}:6: calendar.password_command[1]: contains a NUL character (\\0); a command cannot hold one (remove it)",
    ],
    "70-password-command-not-utf8.yaml": [
        '{file}:6: calendar.password_command: "printf \\377\\376" printed something that is not UTF-8 text '
        "(it should print the password on its first line)",
    ],
    "71-names-too-long.yaml": [
        f"{{file}}:6: calendar.password_file: cannot read {LONG_PATH}: File name too long "
        "(put the CalDAV password on one line in that file)",
        f"{{file}}:8: notify.urls_file: cannot read {LONG_PATH}: File name too long (one Apprise URL a line)",
        f"{{file}}:9: notify.apprise_config: cannot read {LONG_PATH}: File name too long",
    ],
    # --- what `check` accepts must plan and sync (issue #15) -----------------------------------
    "72-dates-outside-the-span.yaml": [
        f'{{file}}:6: people[0].last_contact: "1899-12-31" {OUTSIDE}',
        f'{{file}}:10: people[1].until: "3000-01-01" {OUTSIDE}',
        f'{{file}}:12: people[1].dates[0].big presentation: "3001-06-01" {OUTSIDE}',
    ],
    "73-text-that-cannot-go-everywhere.yaml": [
        "{file}:4: people[0].name: contains a line break (U+000A); a name must fit on one line",
        "{file}:6: people[1].name: contains a control character (U+0007); remove it",
        "{file}:8: people[2].name: contains a broken character (U+D83D, half of a surrogate pair); retype it",
        "{file}:10: people[3].name: contains a bidi override (U+202E), which can disguise text; remove it",
        "{file}:12: people[4].name: is 101 characters long; keep a name to 100 at most",
        "{file}:14: people[4].notes: contains a control character (U+001B); remove it",
        "{file}:15: people[4].interests[0]: contains a line break (U+000A); it must fit on one line",
        "{file}:17: people[4].dates[0]: the label contains a line break (U+000A); it must fit on one line",
        "{file}:20: library.questions[0]: contains a line break (U+000D); it must fit on one line",
    ],
    "74-credentials-in-the-calendar-url.yaml": [
        "{file}:4: calendar.url: holds a user name (and maybe a password) before the @; write the URL without it, "
        'like "https://dav.example.com/", and put them in username: and password_file:',
    ],
    "75-contacts-url-and-path.yaml": [
        "{file}:5: contacts.path: is given together with url; keep one address book (url or path)",
    ],
    "76-contacts-groups.yaml": [
        "{file}:5: contacts.username: only goes with url: (a local path needs no login)",
        "{file}:7: contacts.groups.Family.every: is missing (write, for example, every: 2 weeks)",
        '{file}:8: contacts.groups.Friends: "every few weeks" is not a cadence (try "2 weeks", "monthly", "10d" or "P2W")',
        "{file}:9: contacts.groups.Work.colour: unknown key (expected one of: every, prefers, style, notify)",
        "{file}:10: contacts.groups.family: appears twice (first at line 7); keep one",
        "{file}:11: contacts.groups.Climbing: expected a rhythm (like 2 weeks) or a mapping with every: and a person's fields",
    ],
    "77-contacts-card-and-url.yaml": [
        '{file}:4: contacts.url: is missing: name the address book (url: "https://dav.example.com/remote.php/dav/addressbooks/users/sam/contacts/", or path: ~/contacts)',
        '{file}:10: people[1].card: "6a1f-mum" is already the card of Mum (line 7); give a card to one person',
    ],
    "78-card-without-contacts.yaml": [
        "{file}:4: people[0].card: names a card, but there is no contacts: section; add one with the address book's url: or path:",
    ],
    "79-credentials-in-the-contacts-url.yaml": [
        '{file}:4: contacts.url: holds a user name (and maybe a password) before the @; write the URL without it, like "https://carddav.example.com/", and put them in username: and password_file:',
    ],
    "80-contacts-password-file-missing.yaml": [
        "{file}:6: contacts.password_file: cannot read /nonexistent/reconnectd/carddav-password: "
        "No such file or directory (put the address book's password on one line in that file)",
    ],
}

# Problems found only once secrets are resolved and Apprise has read the URLs: load_config leaves those to
# runtime.read_config (what `check` calls), so in-process these cases go through read_config.
RESOLVED = {
    "60-password-file-missing.yaml",
    "80-contacts-password-file-missing.yaml",
    "61-password-file-is-a-directory.yaml",
    "62-password-file-unknown-user.yaml",
    "63-password-command-fails.yaml",
    "65-apprise-unknown-scheme.yaml",
    "70-password-command-not-utf8.yaml",
    "71-names-too-long.yaml",
}

# Loader bugs, each with what happens today; EXPECTED holds what should be said instead.
KNOWN_BUGS: dict[str, str] = {}
# Bugs seen only through the `check` command.
CHECK_BUGS: dict[str, str] = {}
NOT_YET: dict[str, str] = {}


def cases(extra_bugs: dict[str, str] | None = None) -> list[object]:
    bugs = {**KNOWN_BUGS, **(extra_bugs or {})}
    params: list[object] = []
    for name in EXPECTED:
        marks = []
        if name in bugs:
            marks.append(pytest.mark.xfail(strict=True, reason=bugs[name]))
        elif name in NOT_YET:
            marks.append(pytest.mark.xfail(strict=False, reason=NOT_YET[name]))
        params.append(pytest.param(name, marks=marks, id=name.removesuffix(".yaml")))
    return params


def expected(name: str, path: Path) -> list[str]:
    return [line.replace("{file}", str(path)).replace("{dir}", str(path.parent)) for line in EXPECTED[name]]


@pytest.fixture
def case_path(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    name = str(request.node.callspec.params["name"])
    if name in GENERATED:
        path = tmp_path / name
        path.write_bytes(GENERATED[name]())
        return path
    return CORPUS / name


@pytest.fixture
def root_logger() -> Iterator[None]:
    """cli.main sets up logging on the root logger; put pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_the_corpus_and_the_table_agree() -> None:
    committed = {p.name for p in CORPUS.glob("*.yaml")}
    assert committed == set(EXPECTED) - set(GENERATED)
    assert len(EXPECTED) >= 40
    assert set(KNOWN_BUGS) | set(CHECK_BUGS) | set(NOT_YET) | RESOLVED <= set(EXPECTED)
    for name, lines in EXPECTED.items():
        assert lines, name
        for line in lines:  # every pinned message names the file and a line
            head, _, rest = line.partition(": ")
            assert head.startswith("{file}:") and head.removeprefix("{file}:").isdigit() and rest, line


def test_the_huge_case_is_big_enough_to_be_generated() -> None:
    assert len(huge_file()) > 200_000


@pytest.mark.parametrize("name", cases())
def test_the_loader_explains(name: str, case_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(case_path, Redactor()) if name in RESOLVED else load_config(case_path)
    assert [str(p) for p in caught.value.problems] == expected(name, case_path)


@pytest.mark.parametrize("name", cases(CHECK_BUGS))
@pytest.mark.usefixtures("root_logger")
def test_check_explains_with_exit_code_two(name: str, case_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--config", str(case_path), "check"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert caught.value.code == 2
    assert err == "".join(f"{line}\n" for line in expected(name, case_path))
    assert out == ""


@pytest.mark.parametrize("name", ["01-tab-indent.yaml", "47-duplicate-people.yaml", "55-latin-1.yaml"])
def test_check_in_a_real_process(name: str) -> None:
    """Run from the corpus folder with a relative path: messages show the path as it was given."""
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    done = subprocess.run(
        [sys.executable, "-m", "reconnectd", "--config", name, "check"],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 2
    assert done.stderr == "".join(f"{line}\n" for line in expected(name, Path(name)))
    assert done.stdout == ""


# --- a running daemon reloaded with each case --------------------------------------------------------


def case_bytes(name: str) -> bytes:
    return GENERATED[name]() if name in GENERATED else (CORPUS / name).read_bytes()


@pytest.fixture
def running(tmp_path: Path, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[Life]:
    """A daemon on a good config (Priya and Sam), its calendar down: nudges still go out from its own state."""
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    world = Life(tmp_path, Unreachable(), http_receiver)
    world.clock.now = london(2026, 11, 12, 17, 0)  # an hour before Priya's check-in
    yield world
    world.runtime.close()


def reload(life: Life) -> None:
    """As SIGHUP does: ask for a reload, and the next step performs it."""
    life.daemon.reload_requested.set()
    life.daemon.step()


@pytest.mark.parametrize("name", cases())
def test_a_running_daemon_reloaded_with_it_keeps_its_last_good_config(
    name: str, running: Life, caplog: pytest.LogCaptureFixture
) -> None:
    life = running
    life.daemon.step()
    good = life.runtime.config
    assert {c.person for c in life.daemon.upcoming(life.clock.now)} == {"Priya", "Sam"}

    life.path.write_bytes(case_bytes(name))
    reload(life)  # refused, not raised

    assert life.runtime.config is good
    problems = expected(name, life.path)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    assert life.daemon.status_line(life.clock.now).endswith(f"; config not reloaded: {problems[0]}{more}")
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("config not reloaded: ")]
    assert logged == [f"config not reloaded: {problem}" for problem in problems]

    life.clock.now = london(2026, 11, 12, 18, 0)
    life.daemon.step()  # it keeps planning and nudging on the last good config
    assert life.titles() == ["Check in with Priya"]
    assert {c.person for c in life.daemon.upcoming(life.clock.now)} == {"Priya", "Sam"}
    assert "config not reloaded: " in life.daemon.status_line(life.clock.now)  # until a good one comes

    life.write(people=PEOPLE + "- name: Ada\n  every: monthly\n")
    reload(life)
    assert [p.name for p in life.runtime.config.people] == ["Priya", "Sam", "Ada"]
    assert {c.person for c in life.daemon.upcoming(life.clock.now)} == {"Priya", "Sam", "Ada"}
    assert "config not reloaded" not in life.daemon.status_line(life.clock.now)


def test_a_daemon_process_refuses_bad_configs_on_sighup_and_still_stops_cleanly(
    embedded_config: Path, tmp_path: Path
) -> None:
    """`reconnectd run` on the embedded calendar: SIGHUP with a bad config is logged and refused, SIGTERM exits 0."""
    good = embedded_config.read_text().replace("poll: 5m", "poll: 1s")
    embedded_config.write_text(good)
    env = {k: v for k, v in os.environ.items() if k not in ("CREDENTIALS_DIRECTORY", "NOTIFY_SOCKET", "WATCHDOG_USEC")}
    command = [sys.executable, "-m", "reconnectd", "--config", str(embedded_config), "--state-dir", str(tmp_path / "s")]
    daemon = subprocess.Popen([*command, "run"], stderr=subprocess.PIPE, text=True, env=env)
    assert daemon.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in daemon.stderr or ()], daemon=True).start()
    log: list[str] = []

    def wait_for(fragment: str) -> None:
        deadline = time.monotonic() + HANG_GUARD  # only a hang takes this long: each line ends the wait
        while not any(fragment in line for line in log):
            try:
                log.append(lines.get(timeout=max(deadline - time.monotonic(), 0.01)))
            except queue.Empty:
                raise AssertionError(f"no {fragment!r} in the log:\n{''.join(log)}") from None

    try:
        wait_for("ready: next check-in: ")
        for name in ("53-binary-gzip.yaml", "63-password-command-fails.yaml", "70-password-command-not-utf8.yaml"):
            embedded_config.write_bytes(case_bytes(name))
            daemon.send_signal(signal.SIGHUP)
            wait_for(f"config not reloaded: {expected(name, embedded_config)[0]}")
            assert daemon.poll() is None
        embedded_config.write_text(good)
        daemon.send_signal(signal.SIGHUP)
        wait_for("config reloaded: 4 people")
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=HANG_GUARD) == 0
        wait_for("stopped")
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        daemon.stderr.close()
    assert not any("Traceback" in line or "a cycle failed" in line for line in log), "".join(log)


# --- fuzzing ---------------------------------------------------------------------------------------

KEY_NAMES = sorted({*TOP_KEYS, *CALENDAR_KEYS, *NOTIFY_KEYS, *SCHEDULE_KEYS, *PERSON_KEYS, *CONTACTS_KEYS, *GROUP_KEYS})
# Words that once crashed the loader (a "~user" path, a tzdata folder name such as "Europe") are fed on purpose.
TZ_FOLDERS = sorted({zone.split("/")[0] for zone in available_timezones() if "/" in zone})


WORDS = st.sampled_from(
    [
        *["weekly", "2 weeks", "fortnightlyish", "0d", "-1w", "P2W", "every 1000 years", "15m", "0", "-5m", "PT1H"],
        *["18:00", "25:00", "UTC", "Europe/London", "Europe/Londn", "2026-11-02", "2026-02-30", "yes", "call"],
        *["https://dav.example.com/", "ntfy://ntfy.sh/topic", "127.0.0.1:5232", "todo", "Priya", "priya", ""],
        *KEY_NAMES,
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.dates(min_value=date(1, 1, 1))
    | WORDS
    | st.text(max_size=20)
    | st.sampled_from([*TZ_FOLDERS, "~nosuchuser/x", "~", "1:30", "010"])
)
KEYS = st.sampled_from(KEY_NAMES) | st.text(max_size=12) | st.integers(-5, 5) | st.booleans()
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=12
)


def section(keys: dict[str, str]) -> st.SearchStrategy[object]:
    """A mapping of the section's real keys (and now and then a stranger) to random values, or any value."""
    real = st.fixed_dictionaries({}, optional=dict.fromkeys(keys, VALUES))
    extra = st.dictionaries(KEYS, VALUES, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, real, extra) | VALUES


DOCUMENTS = (
    st.fixed_dictionaries(
        {},
        optional={
            "timezone": WORDS | VALUES,
            "calendar": section(CALENDAR_KEYS),
            "notify": section(NOTIFY_KEYS),
            "schedule": section(SCHEDULE_KEYS),
            "people": st.lists(section(PERSON_KEYS), max_size=4) | VALUES,
            "contacts": st.builds(
                lambda keys, groups: (
                    {**keys, "groups": groups} if isinstance(keys, dict) and groups is not None else keys
                ),
                section(CONTACTS_KEYS),
                st.none() | st.dictionaries(WORDS, section(GROUP_KEYS) | WORDS, max_size=3) | VALUES,
            ),
        },
    )
    | VALUES
)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(DOCUMENTS, st.booleans())
def test_random_documents_succeed_or_are_explained_with_lines(document: object, allow_unicode: bool) -> None:
    text = yaml.safe_dump(document, allow_unicode=allow_unicode, sort_keys=False)
    try:
        parse_config(text, "fuzz.yaml", "UTC")
    except ConfigError as error:
        assert error.problems
        assert all(p.line is not None for p in error.problems), [str(p) for p in error.problems]


BASE = b"""\
timezone: UTC
calendar:
  name: Reconnect
  poll: 5m
notify:
  urls: [ntfy://ntfy.sh/topic]
schedule:
  time: "18:00"
  duration: 15m
people:
  - name: Priya
    every: 2 weeks
    prefers: voice note
    last_contact: 2026-11-02
"""


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """The base config with some bytes inserted, cut or overwritten."""
    start = draw(st.integers(0, len(BASE)))
    end = draw(st.integers(start, min(len(BASE), start + 8)))
    return BASE[:start] + draw(st.binary(max_size=8)) + BASE[end:]


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "config.yaml"


@FUZZ
@given(data=st.binary(max_size=300) | mutated())
def test_random_bytes_never_crash_the_loader(fuzz_file: Path, data: bytes) -> None:
    fuzz_file.write_bytes(data)
    try:
        load_config(fuzz_file, "UTC")
    except ConfigError as error:
        assert error.problems
