"""The config is the user's first contact with us: every problem, with its line, and what to write."""

from __future__ import annotations

import textwrap
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconnectd.config.load import load_config, parse_config
from reconnectd.daemon.runtime import read_config
from reconnectd.errors import ConfigError
from reconnectd.logs import Redactor
from reconnectd.policy.cadence import Cadence

EXAMPLE = Path(__file__).parent.parent / "config.example.yaml"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), "config.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_issue_example_works_exactly_as_written(tmp_path: Path) -> None:
    secret = tmp_path / "caldav-password"
    secret.write_text("s3cret\n")
    text = f"""\
        timezone: Europe/London
        calendar:
          url: https://dav.example.com/remote.php/dav/   # leave out to use the embedded calendar
          username: sam
          password_file: {secret}   # or password: (discouraged)
          name: Reconnect            # calendar display name; created when missing and the server allows it
        notify:
          urls:                      # Apprise URLs
            - ntfy://ntfy.example.com/my-topic
        people:
          - name: Priya
            every: 2 weeks           # the cadence
            prefers: voice note      # how this person likes to be reached
            notes: started a new job in November
            last_contact: 2026-11-02
        """
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text))
    config = read_config(path, Redactor())
    assert config.timezone.key == "Europe/London"
    assert config.calendar.url == "https://dav.example.com/remote.php/dav/"
    assert config.calendar.password is not None
    assert config.calendar.password.reveal() == "s3cret"
    assert [u.reveal() for u in config.notify.urls] == ["ntfy://ntfy.example.com/my-topic"]
    (priya,) = config.people
    assert priya.every == Cadence(days=14)
    assert priya.prefers == "voice note"
    assert priya.last_contact == date(2026, 11, 2)


def test_the_shipped_example_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert config.calendar.embedded
    assert len(config.people) >= 3


def test_defaults_apply_when_sections_are_left_out() -> None:
    config = parse_config("timezone: UTC\npeople: []\n", "c.yaml")
    assert config.schedule.time == time(18, 0)
    assert config.schedule.max_per_day == 2
    assert config.calendar.poll == timedelta(minutes=5)
    assert config.calendar.name == "Reconnect"
    assert config.notify.urls == ()


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    found = problems(
        """\
        timezone: Europe/Londn
        calendar:
          nmae: Reconnect
        people:
          - name: Priya
            every: fortnightlyish
          - name: Sam
            every: monthly
            last_contact: 2026-02-30
          - name: priya
            every: weekly
            prefers: carrier pigeon
        """
    )
    assert found == [
        'config.yaml:1: timezone: "Europe/Londn" is not a known time zone (did you mean "Europe/London"?)',
        'config.yaml:3: calendar.nmae: unknown key (did you mean "name"?)',
        'config.yaml:6: people[0].every: "fortnightlyish" is not a cadence (try "2 weeks" or "fortnightly")',
        'config.yaml:9: people[1].last_contact: "2026-02-30" is not a real date (check the month and day)',
        'config.yaml:10: people[2].name: "priya" appears twice (also at line 5); give each person a distinct name',
        'config.yaml:12: people[2].prefers: "carrier pigeon" is not a way to reach someone '
        "(write one of: text, voice note, call, video, in person, social media, email, letter)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "config.yaml:1: the file is empty (start from config.example.yaml)"),
        ("timezone: UTC\npeople:\n\t- name: x\n", "config.yaml:3: a tab is used for indentation; YAML needs spaces"),
        (
            "timezone: UTC\npeople: [\n",
            "config.yaml:2: the [ opened on this line is never closed",
        ),
        ("- just\n- a list\n", "config.yaml:1: expected a mapping of keys, got a list"),
        (
            "timezone: UTC\npeople: Priya\n",
            "config.yaml:2: people: expected a list (lines starting with '- '), got \"Priya\"",
        ),
        (
            "timezone: UTC\npeople:\n  - every: weekly\n",
            'config.yaml:3: people[0].name: is missing (write, for example, name: "Priya")',
        ),
        ("timezone: UTC\npeple: []\n", 'config.yaml:2: peple: unknown key (did you mean "people"?)'),
        (
            "timezone: UTC\nschedule:\n  max_per_day: 0\n",
            "config.yaml:3: schedule.max_per_day: 0 is out of range (write a whole number from 1 to 50)",
        ),
        (
            "timezone: UTC\nschedule:\n  time: 25:00\n",
            'config.yaml:3: schedule.time: "25:00" is not a time of day (write 24-hour HH:MM, for example "18:00")',
        ),
        (
            'timezone: UTC\nschedule:\n  time: "20:00-23:59"\n  duration: 10h\n',
            "config.yaml:4: schedule.duration: an event of 600 minutes does not fit in the window 20:00-23:59"
            " (make the window longer or schedule.duration shorter)",
        ),
        (
            'timezone: UTC\nschedule:\n  time: "20:00-20:10"\n',
            "config.yaml:3: schedule.time: an event of 15 minutes does not fit in the window 20:00-20:10"
            " (make the window longer or schedule.duration shorter)",
        ),
        (
            "timezone: UTC\ncalendar:\n  url: dav.example.com\n",
            'config.yaml:3: calendar.url: "dav.example.com" is not an http(s) URL (write it like "https://dav.example.com/")',
        ),
        (
            "timezone: UTC\nnotify:\n  urls: [hello]\n",
            'config.yaml:3: notify.urls[0]: is not an Apprise URL (write it like "ntfy://ntfy.sh/my-topic")',
        ),
        (
            "timezone: UTC\ncalendar:\n  verify_tls: maybe\n",
            'config.yaml:3: calendar.verify_tls: expected true or false, got "maybe"',
        ),
        ("timezone: UTC\ntimezone: UTC\n", "config.yaml:2: timezone: appears twice (first at line 1); keep one"),
        (
            "timezone: UTC\ncalendar:\n  name: a: b\n",
            "config.yaml:3: invalid YAML: a colon here is unexpected (put quotes around a value that contains ': ')",
        ),
    ],
)
def test_bad_input_is_explained(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_unquoted_time_of_day_is_read_as_a_time_not_a_number() -> None:
    config = parse_config("timezone: UTC\nschedule:\n  time: 18:30\n", "c.yaml")
    assert config.schedule.time == time(18, 30)


def test_a_missing_password_file_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"timezone: UTC\ncalendar:\n  url: https://dav.example.com/\n  password_file: {tmp_path}/nope\n")
    with pytest.raises(ConfigError) as caught:
        read_config(path, Redactor())
    (problem,) = caught.value.problems
    assert problem.line == 4
    assert problem.path == "calendar.password_file"
    assert "No such file" in problem.message


def test_binary_junk_and_wrong_encoding_are_refused_with_a_line(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("timezone: UTC\npeople:\n  - name: Zoë\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin.yaml:3: is not UTF-8 text"):
        load_config(latin)
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(ConfigError, match=r"junk.yaml:1: contains binary data"):
        load_config(junk)


def test_a_secret_never_shows_in_a_repr() -> None:
    config = parse_config("timezone: UTC\ncalendar:\n  url: https://x.example/\n  password: hunter2\n", "c.yaml")
    assert "hunter2" not in repr(config)


@given(st.text(max_size=300))
def test_no_text_makes_the_parser_raise_anything_but_config_errors(text: str) -> None:
    try:
        parse_config(text, "fuzz.yaml")
    except ConfigError as error:
        assert error.problems


def test_watched_calendars_and_the_matching_fields_are_read() -> None:
    config = parse_config(
        textwrap.dedent("""\
        timezone: UTC
        calendar:
          watch: [Work, Family]
        people:
          - name: Margaret Rose
            every: weekly
            aliases: [Mum, Mom]
            emails: mum@example.com
          - name: Sam
            every: monthly
            watch: false
        """),
        "c.yaml",
    )
    assert config.calendar.watch == ("Work", "Family") and not config.calendar.watch_all
    mum, sam = config.people
    assert mum.aliases == ("Mum", "Mom") and mum.emails == ("mum@example.com",) and mum.watch
    assert not sam.watch
    assert parse_config("timezone: UTC\ncalendar:\n  watch: all\n", "c.yaml").calendar.watch_all


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "timezone: UTC\ncalendar:\n  watch: Work\n",
            'config.yaml:3: calendar.watch: "Work" is neither all nor a list (write watch: all, or watch: [Work])',
        ),
        (
            "timezone: UTC\ncalendar:\n  watch: [Work, '']\n",
            "config.yaml:3: calendar.watch[1]: is empty; write a value or remove the key",
        ),
        (
            "timezone: UTC\npeople:\n  - name: Ana\n    every: weekly\n    emails: [ana]\n",
            'config.yaml:5: people[0].emails[0]: "ana" is not an email address (write it like "sam@example.com")',
        ),
        (
            "timezone: UTC\npeople:\n  - name: Ana\n    every: weekly\n    watch: nope\n",
            'config.yaml:5: people[0].watch: expected true or false, got "nope"',
        ),
    ],
)
def test_bad_watch_settings_are_explained(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_a_reply_token_file_that_cannot_be_read_is_refused_with_its_line(tmp_path: Path) -> None:
    missing = tmp_path / "ntfy-token"
    text = f"""\
        timezone: UTC
        notify:
          urls:
            - url: ntfy://ntfy.example.com/nudges
              reply_topic: replies
              token_file: {missing}
        """
    assert problems(text) == [
        f"config.yaml:6: notify.urls[0].token_file: cannot read {missing} (No such file or directory):"
        " put the ntfy access token in it, on one line (chmod 600)"
    ]
    missing.write_text("\n")
    assert problems(text) == [
        f"config.yaml:6: notify.urls[0].token_file: {missing} is empty: put the ntfy access token in it, on one line"
        " (chmod 600)"
    ]
    missing.write_text("tk_reply\n")
    reply = parse_config(textwrap.dedent(text), "config.yaml").notify.url_replies[0]
    assert reply is not None and reply.token_file == missing


def test_the_buttons_token_is_its_own_file_and_a_catch_ups_page_a_web_address(tmp_path: Path) -> None:
    button = tmp_path / "button-token"
    text = f"""\
        timezone: UTC
        notify:
          view_url: calendar.example.com
          urls:
            - url: ntfy://ntfy.example.com/nudges
              reply_token_file: {button}
        """
    assert problems(text) == [
        'config.yaml:3: notify.view_url: "calendar.example.com" is not a web address'
        ' (write it like "https://calendar.example.com/")',
        "config.yaml:6: notify.urls[0].reply_token_file: needs reply_topic: beside it"
        " (the ntfy topic the buttons post to)",
    ]
    button.write_text("tk_buttons\n")
    fixed = text.replace("calendar.example.com\n", "https://calendar.example.com/\n").replace(
        "      reply_token_file", "      reply_topic: replies\n              reply_token_file"
    )
    notify = parse_config(textwrap.dedent(fixed), "config.yaml").notify
    assert notify.view_url == "https://calendar.example.com/"
    assert notify.url_replies[0] is not None and notify.url_replies[0].reply_token_file == button
    assert notify.url_replies[0].token_file is None


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            'timezone: UTC\ncalendar:\n  watch: ["Wo\\x01rk"]\n',
            "config.yaml:3: calendar.watch[0]: contains a control character (U+0001); remove it",
        ),
        (
            'timezone: UTC\npeople:\n  - name: Sam\n    every: weekly\n    aliases: ["M\\u0007m"]\n',
            "config.yaml:5: people[0].aliases[0]: contains a control character (U+0007); remove it",
        ),
        (
            'timezone: UTC\nnotify:\n  urls:\n    - url: ntfy://h/t\n      reply_topic: "r\\x00"\n',
            'config.yaml:5: notify.urls[0].reply_topic: "r\\x00" is not an ntfy topic'
            ' (write 1 to 64 letters, digits, - or _, like "my-replies")',
        ),
    ],
)
def test_new_names_and_topics_refuse_control_characters(yaml_text: str, expected: str) -> None:
    assert problems(yaml_text) == [expected]
