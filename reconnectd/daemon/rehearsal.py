"""A config is accepted only when it also plans and renders: one plan for a fixed moment, every object
rendered to iCalendar and every nudge composed, in memory. Whatever fails there is a config problem."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from reconnectd.calendar import ical
from reconnectd.errors import ConfigError, Problem
from reconnectd.notify.outbox import compose
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.plan import plan
from reconnectd.policy.settings import Config

MOMENT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # fixed: the rehearsal is the same on every run


def rehearse(config: Config) -> None:
    """Raise ConfigError, naming the person's line where one person is the cause, when planning fails."""
    try:
        _run(config)
    except Exception as error:  # any failure at all: the point is that a running daemon never meets it
        problems = []
        for index, person in enumerate(config.people):
            try:
                _run(replace(config, people=(person,)))
            except Exception as alone:
                why = f"this person cannot be planned ({type(alone).__name__}: {alone}); please report it"
                problems.append(Problem(str(config.file), person.line, f"people[{index}]", why))
        if not problems:
            why = f"this config cannot be planned ({type(error).__name__}: {error}); please report it"
            problems.append(Problem(str(config.file), None, "", why))
        raise ConfigError(problems) from None


def _run(config: Config) -> None:
    the_plan = plan(config, Ledger(), MOMENT)
    alarm, component = config.schedule.alarm, config.calendar.component
    for planned in the_plan.upcoming:
        ical.render(planned, MOMENT, alarm, component)
        ical.fingerprint(planned, alarm, component)
    for nudge in the_plan.nudges:
        compose([nudge], config.timezone)
    if the_plan.nudges:
        compose(list(the_plan.nudges), config.timezone)
