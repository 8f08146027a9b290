"""The commented starter config that `reconnectd init` writes. Pure: text in, text out."""

from __future__ import annotations

from dataclasses import dataclass

from reconnectd.config.credentials import CREDENTIAL_FILE
from reconnectd.config.values import DEFAULT_LISTEN
from reconnectd.policy.english import one_of
from reconnectd.policy.model import CHANNELS
from reconnectd.policy.settings import CalendarSettings, Schedule

PASSWORD_EXAMPLE = f"~/.config/reconnectd/{CREDENTIAL_FILE}"


@dataclass(frozen=True)
class Answers:
    timezone: str
    url: str | None = None
    username: str | None = None
    password_file: str | None = None
    notify_url: str | None = None


def starter_config(answers: Answers) -> str:
    calendar = (
        f"  url: {answers.url}\n"
        + (f"  username: {answers.username}\n" if answers.username else "  # username: you\n")
        + (
            f"  password_file: {answers.password_file}\n"
            if answers.password_file
            else "  # The password, in a private file (chmod 600), or see password_command / password_env.\n"
            f"  # password_file: {PASSWORD_EXAMPLE}\n"
        )
        if answers.url
        else f"  # Your CalDAV server. Left out, reconnectd serves its own calendar on {DEFAULT_LISTEN}.\n"
        "  # url: https://dav.example.com/remote.php/dav/\n"
        "  # username: you\n"
        f"  # password_file: {PASSWORD_EXAMPLE}\n"
    )
    notify = (
        f"  urls:\n    - {answers.notify_url}\n"
        if answers.notify_url
        else "  # Where nudges go (Apprise URLs). Without any, they are written to the log.\n"
        "  urls: []\n  #  - ntfy://ntfy.sh/pick-a-long-random-topic-name\n"
    )
    return f"""\
# reconnectd: small, regular check-ins with the people you care about.
# Every option is explained in config.example.yaml; check this file with: reconnectd check

# Your time zone (IANA name).
timezone: {answers.timezone}

calendar:
{calendar}  # The calendar to write into; created on the first sync if it does not exist.
  name: {CalendarSettings.name}

notify:
{notify}
schedule:
  # When check-ins sit in your day, and how many at most on one day.
  time: "{Schedule.time:%H:%M}"
  max_per_day: {Schedule.max_per_day}

# Start small: two or three people is plenty. Replace [] with your people, like the example.
people: []
#  - name: Someone you miss
#    # daily, weekly, fortnightly, monthly, "every 10 days", 3w, P2W ...
#    every: fortnightly
#    # {one_of(CHANNELS)}
#    prefers: text
#    # notes: what's going on in their life
#    # last_contact: 2026-11-01
"""
