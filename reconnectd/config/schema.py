"""Every key the config accepts, section by section, with what it is (for hints and the reference).

The parsers in `load`, `sections` and `people` check each mapping against these tables, and
`reconnectd.reference` generates docs/configuration.md from them. The defaults are not here: they
live once, on the dataclasses in `reconnectd.policy.settings`.
"""

from __future__ import annotations

from reconnectd.policy.english import one_of
from reconnectd.policy.model import CHANNELS, STYLES, Standing
from reconnectd.policy.words import ANY

TOP_KEYS = {
    "timezone": "IANA time zone",
    "calendar": "CalDAV calendar",
    "notify": "where nudges go",
    "schedule": "when check-ins happen",
    "patience": "how the rhythm slows when nobody answers",
    "milestones": "birthdays and other dates",
    "self": "a check-in with yourself",
    "library": "your own suggestions and questions",
    "people": "the people to keep in touch with",
    "contacts": "an address book to take people and their dates from (read only)",
}
CALENDAR_KEYS = {
    "url": "CalDAV URL",
    "username": "login",
    "password": "password",
    "password_file": "file holding the password",
    "password_command": "command printing the password",
    "password_env": "environment variable holding the password",
    "name": "calendar display name",
    "verify_tls": "check certificates",
    "listen": "embedded server address",
    "poll": "how often to look for changes",
    "full_poll": "how often to compare every object",
    "component": "event or todo",
    "timeout": "network timeout",
    "concurrency": "writes in flight at once",
    "watch": "other calendars to read meetings from (display names, or all)",
    "keep_history": "how long our past check-ins stay in the calendar (a span, or forever)",
}
CONTACTS_KEYS = {
    "url": "CardDAV address book URL (or the server's, for discovery)",
    "path": "a .vcf file or a vdir folder of cards, instead of url",
    "username": "login (default: the calendar's, on the same host)",
    "password": "password",
    "password_file": "file holding the password",
    "password_command": "command printing the password",
    "password_env": "environment variable holding the password",
    "verify_tls": "check certificates",
    "groups": "group name (CATEGORIES or group card) to the rhythm of its members",
}
GROUP_KEYS = {
    "every": "cadence of the group's members",
    "prefers": "channel",
    "style": one_of(STYLES),
    "notify": "route tag",
}  # a value of contacts.groups
PASSWORD_KEYS = ("password", "password_file", "password_command", "password_env")  # at most one is given
NOTIFY_KEYS = {
    "urls": "Apprise URLs",
    "urls_file": "file of Apprise URLs",
    "apprise_config": "Apprise config file",
    "quiet_hours": "no nudges between",
    "expire": "stop retrying after",
    "digest": "time of a daily summary",
    "view_url": "page a catch-up's button opens",
}
URL_KEYS = {
    "url": "Apprise URL",
    "tag": "route tag",
    "tags": "route tags",
    "reply_topic": "ntfy topic the buttons answer on",
    "token_file": "file holding the token reconnectd reads the reply topic with",
    "reply_token_file": "file holding the token the buttons carry (write-only)",
    "snooze": "how far Snooze moves a check-in",
}  # an item of notify.urls
SCHEDULE_KEYS = {
    "time": "time of day, or a window",
    "days": "days of the week",
    "duration": "event length",
    "max_per_day": "check-ins per day",
    "alarm": "reminder lead time",
}
PATIENCE_KEYS = {"growth": "factor per unanswered check-in", "cap": "longest interval, in cadences"}
MILESTONE_KEYS = {"time": "time of day for their nudges", "keep_when_paused": "show paused people's dates"}
SELF_KEYS = {"every": "cadence"}
LIBRARY_KEYS = {
    "replace": "use only yours",
    "actions": "per channel",
    "questions": "to ask",
    "openers": "after a long gap",
    "reflections": "for yourself",
}
LIBRARY_ACTION_KEYS = {c: c for c in (*CHANNELS, ANY)}
PERSON_KEYS = {
    "name": "who",
    "every": "cadence",
    "prefers": "channel",
    "notes": "notes",
    "interests": "what they care about",
    "style": one_of(STYLES),
    "last_contact": "date",
    "status": one_of(Standing),
    "until": "end of a pause",
    "notify": "route tag",
    "dates": "birthdays, anniversaries, events",
    "was": "their old name, or a list of them: a rename keeps their history",
    "aliases": "other names calendar events call them by",
    "emails": "their addresses, as attendees of events",
    "watch": "false: meetings in watched calendars never count for them",
    "card": "the UID of their card in contacts: (else matched by name)",
}
PERSON_REQUIRED = {"name": '"Priya"', "every": '"2 weeks"'}  # each required key, with an example value
DATE_OPTION_KEYS = {"remind": "lead time", "yearly": "every year"}
