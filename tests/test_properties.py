"""Issue #15 as properties: whatever `check` accepts plans and renders, and whatever commands record, syncs.

Configs are generated as YAML documents with hostile text (control characters, astral and combining
characters, right-to-left scripts, very long strings), any zone, cadence, time and date; those the loader
refuses are simply refused (test_bad_configs.py checks how). Those it accepts must plan for a fixed
moment, render every object to iCalendar that icalendar reads back with DTEND after DTSTART, and compose
every nudge; and a modest one must sync against a real Radicale.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import icalendar
import pytest
import yaml
from conftest import RadicaleServer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconnectd.calendar import ical
from reconnectd.cli import main
from reconnectd.config.load import parse_config
from reconnectd.errors import ConfigError
from reconnectd.notify.outbox import compose
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.plan import plan
from reconnectd.policy.settings import Config

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))

# Text as a user (or a paste from anywhere) may write it.
HOSTILE = st.one_of(
    st.text(min_size=1, max_size=40),  # any code point, control characters and lone surrogates included
    st.text(alphabet=st.characters(categories=["L", "M", "N", "Zs"]), min_size=1, max_size=40),
    st.sampled_from(
        ["Zoë", "Zoe\u0308", "أحمد", "דוד", "👩‍👩‍👧", "𝔄𝔫𝔞", "a\u202eb", "Ana\nBob", "Tab\there", "x" * 500]
    ),
)
# Text that is mostly accepted: letters and marks of every script, punctuation, symbols (emoji), spaces.
GENTLE = st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=60)


def mostly(good: st.SearchStrategy[str], other: st.SearchStrategy[str], odds: int = 3) -> st.SearchStrategy[str]:
    """`good` `odds` times in `odds + 1`, else `other` (one_of dedups repeated branches)."""
    return st.integers(0, odds).flatmap(lambda i: other if i == 0 else good)


# Mostly valid values, sometimes anything.
GOOD_CADENCES = st.sampled_from(["weekly", "2 weeks", "monthly", "fortnightly", "P10D", "every 3 days", "yearly"])
CADENCES = mostly(GOOD_CADENCES, st.text(max_size=12), 6)
GOOD_TIMES = st.sampled_from(["18:00", "00:00", "23:59", "07:30", "18:00-20:00"])
TIMES = mostly(GOOD_TIMES, st.text(max_size=6))
DAYS = st.dates(min_value=date(1890, 1, 1), max_value=date(3010, 12, 31)).map(date.isoformat)
MONTH_DAYS = st.one_of(DAYS, st.dates().map(lambda d: d.strftime("%m-%d")), st.just("02-29"))


@st.composite
def people(draw: st.DrawFn, text: st.SearchStrategy[str] = HOSTILE) -> dict[str, Any]:
    person: dict[str, Any] = {"name": draw(text), "every": draw(CADENCES)}
    if draw(st.booleans()):
        person["notes"] = draw(text)
    if draw(st.booleans()):
        person["interests"] = draw(st.lists(text, min_size=1, max_size=3))
    if draw(st.booleans()):
        person["last_contact"] = draw(DAYS)
    if draw(st.booleans()):
        person["status"], person["until"] = "paused", draw(DAYS)
    if draw(st.booleans()):
        label = draw(st.one_of(text, st.sampled_from(["birthday", "anniversary", "big presentation"])))
        person["dates"] = [{label: draw(MONTH_DAYS)}]
    if draw(st.booleans()):
        person["prefers"] = draw(st.sampled_from(["text", "call", "voice note", "in person"]))
    return person


@st.composite
def documents(draw: st.DrawFn, max_people: int = 5, text: st.SearchStrategy[str] = HOSTILE) -> dict[str, Any]:
    document: dict[str, Any] = {
        "timezone": draw(st.sampled_from(ZONES)),
        "people": draw(st.lists(people(text), min_size=1, max_size=max_people)),
    }
    if draw(st.booleans()):
        document["schedule"] = {"time": draw(TIMES), "max_per_day": draw(st.integers(1, 3))}
    if draw(st.booleans()):
        document["library"] = {"questions": draw(st.lists(text, min_size=1, max_size=3))}
    if draw(st.booleans()):
        document["self"] = {"every": draw(CADENCES)}
    return document


def accepted(document: dict[str, Any], file: str = "generated.yaml") -> Config | None:
    """The config `check` accepts from this document, or None when it is refused (with its lines)."""
    try:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return None  # not even writable as YAML (a lone surrogate, say)
    try:
        return parse_config(text, file)
    except ConfigError as refused:
        assert refused.problems, "a refusal names at least one problem"
        assert all(p.line is not None for p in refused.problems), refused
        return None


def moment_of(component: icalendar.Component, name: str) -> datetime:
    value = component.decoded(name)
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day, tzinfo=UTC)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(text=mostly(GENTLE, HOSTILE)))
def test_whatever_check_accepts_plans_and_renders_valid_icalendar(document: dict[str, Any]) -> None:
    config = accepted(document)
    event("accepted" if config is not None else "refused")
    if config is None:
        return
    the_plan = plan(config, Ledger(), NOW)
    for planned in the_plan.upcoming:
        data = ical.render(planned, NOW, config.schedule.alarm, config.calendar.component)
        parsed = icalendar.Calendar.from_ical(data)
        assert parsed.to_ical() == data, "the bytes are icalendar's own, the VTIMEZONE spliced in as it writes it"
        (vevent,) = [c for c in parsed.walk() if c.name == "VEVENT"]
        assert moment_of(vevent, "DTEND") > moment_of(vevent, "DTSTART"), data
        assert ical.read(data, config.timezone) is not None, data
    if the_plan.nudges:
        message = compose(list(the_plan.nudges), config.timezone)
        assert message.title
    for nudge in the_plan.nudges:
        compose([nudge], config.timezone)


@pytest.fixture
def quiet_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def run(config: Path, state: Path, *args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(["--quiet", "--config", str(config), "--state-dir", str(state), *args])
    return int(exited.value.code or 0)


def server_config(folder: Path, server: RadicaleServer, document: dict[str, Any]) -> Path:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    text += f"calendar:\n  url: {server.url}\n  username: me\n  password_env: RECONNECTD_TEST_PASSWORD\n"
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents(max_people=3, text=mostly(GENTLE, HOSTILE, 5)))
def test_whatever_check_accepts_syncs_against_radicale(
    radicale: RadicaleServer, quiet_root: None, monkeypatch: pytest.MonkeyPatch, document: dict[str, Any]
) -> None:
    monkeypatch.setenv("RECONNECTD_TEST_PASSWORD", "x")
    if accepted(document) is None:
        event("refused")
        return
    event("accepted")
    with tempfile.TemporaryDirectory() as folder:
        config = server_config(Path(folder), radicale, document)
        assert run(config, Path(folder) / "state", "check") == 0
        assert run(config, Path(folder) / "state", "sync", "--now", "2026-11-28T09:00") == 0


NAMES = ["Priya", "Élodie", "José"]
MOMENTS = st.one_of(
    DAYS,
    st.sampled_from(["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00", "2026-11-01T18:00", "2026-11-30"]),
    st.text(max_size=12),
)
STEPS = st.one_of(
    st.tuples(st.just("done"), st.sampled_from([*NAMES, "élodie", "Jose\u0301"]), st.just("--at"), MOMENTS),
    st.tuples(st.just("pause"), st.sampled_from(NAMES), st.just("--until"), MOMENTS, st.just("--now"), MOMENTS),
    st.tuples(st.just("resume"), st.sampled_from(NAMES)),
    st.tuples(
        st.just("snooze"),
        st.sampled_from(NAMES),
        st.sampled_from(["1d", "2 weeks", "P3D", "forever"]),
        st.just("--now"),
        MOMENTS,
    ),
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(STEPS, max_size=6))
def test_after_any_commands_the_views_and_sync_still_succeed(
    radicale: RadicaleServer, quiet_root: None, monkeypatch: pytest.MonkeyPatch, steps: list[tuple[str, ...]]
) -> None:
    monkeypatch.setenv("RECONNECTD_TEST_PASSWORD", "x")
    document = {"timezone": "Europe/London", "people": [{"name": n, "every": "2 weeks"} for n in NAMES]}
    with tempfile.TemporaryDirectory() as folder:
        config, state = server_config(Path(folder), radicale, document), Path(folder) / "state"
        for step in steps:
            assert run(config, state, *step) in (0, 2), step  # done, or explained with exit code 2
        for view in (["status"], ["plan"], ["report", "--out", str(Path(folder) / "r.html")], ["sync"]):
            assert run(config, state, *view, "--now", "2026-11-28T09:00") == 0, (steps, view)
