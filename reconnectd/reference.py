"""The configuration reference, generated from the schema so it cannot drift from the code.

python -m reconnectd.reference > docs/configuration.md
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any

from reconnectd.config import schema
from reconnectd.policy import settings
from reconnectd.policy.cadence import Cadence
from reconnectd.policy.model import Person

# (section, its keys, the dataclass holding its defaults, renamed fields)
SECTIONS: tuple[tuple[str, Mapping[str, str], Any, Mapping[str, str]], ...] = (
    ("", schema.TOP_KEYS, settings.Config, {"self": "self_every"}),
    ("calendar", schema.CALENDAR_KEYS, settings.CalendarSettings, {}),
    ("notify", schema.NOTIFY_KEYS, settings.NotifySettings, {}),
    ("schedule", schema.SCHEDULE_KEYS, settings.Schedule, {}),
    ("patience", schema.PATIENCE_KEYS, settings.Patience, {}),
    ("milestones", schema.MILESTONE_KEYS, settings.MilestoneSettings, {}),
    ("contacts", schema.CONTACTS_KEYS, settings.ContactsSettings, {}),
    ("contacts.groups.NAME", schema.GROUP_KEYS, settings.GroupRule, {"notify": "route"}),
    ("self", schema.SELF_KEYS, None, {}),
    ("library", schema.LIBRARY_KEYS, None, {}),
    ("people[]", schema.PERSON_KEYS, Person, {"notify": "route", "status": "status"}),
    ("people[].dates[]", {"LABEL": "the date (MM-DD or YYYY-MM-DD)", **schema.DATE_OPTION_KEYS}, None, {}),
)
REQUIRED = {*(f"people[].{key}" for key in schema.PERSON_REQUIRED), "self.every", "contacts.groups.NAME.every"}


def paths() -> list[str]:
    """Every key the config accepts, as a dotted path."""
    return [f"{section}.{key}" if section else key for section, keys, _, _ in SECTIONS for key in keys]


def reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from the schema by `python -m reconnectd.reference`; a test keeps it in step with the code.",
        "Every option also appears, with a comment, in [config.example.yaml](../config.example.yaml).",
    ]
    for section, keys, holder, renamed in SECTIONS:
        lines += ["", f"## `{section or 'top level'}`", "", "| key | what it is | default |", "|---|---|---|"]
        for key, meaning in keys.items():
            path = f"{section}.{key}" if section else key
            if path in REQUIRED:
                default = "required"
            elif not section and key in {s for s, _, _, _ in SECTIONS}:
                default = "see below"
            else:
                default = _default(holder, renamed.get(key, key))
            lines.append(f"| `{key}` | {meaning} | {default} |")
    return "\n".join(lines) + "\n"


def _default(holder: Any, name: str) -> str:
    if holder is None:
        return "none"
    for item in dataclasses.fields(holder):
        if item.name == name:
            if item.default is not dataclasses.MISSING:
                return _shown(item.default)
            return "see below" if item.default_factory is not dataclasses.MISSING else "required"
    return "none"


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds and seconds % size == 0:
                return f"`{seconds // size}{unit}`"
        return f"`{seconds}s`"
    if isinstance(value, Cadence) and value.days == 0 and value.months % 12 == 0:
        return f"`{value.months // 12}y`"
    if isinstance(value, time):
        return f'`"{value:%H:%M}"`'
    if isinstance(value, tuple | frozenset) and len(value) == 2 and all(isinstance(v, str | int) for v in value):
        return f"`{value[0]}:{value[1]}`" if isinstance(value, tuple) else f"`{sorted(value)}`"
    if isinstance(value, tuple | frozenset):
        return "all days" if value == settings.EVERY_DAY else "`[]`" if not value else f"`{sorted(value)}`"
    return f"`{value}`"


if __name__ == "__main__":
    print(reference(), end="")
