"""Keys of the store's meta table that the daemon writes and the views read."""

from __future__ import annotations

CALENDAR_ERROR = "calendar_error"  # why the last cycle could not reach the calendar
CALENDAR_DOWN_SINCE = "calendar_down_since"  # when it first could not, while it still cannot
