"""The CalDAV edge: one calendar collection, on the DAV collection in `dav.py`.

What is CalDAV's own is here: finding the calendar by its display name (discovery, shared with
the address book, is in `discovery.py`: two or three PROPFINDs, none once its URL is
remembered), creating it when missing, the words and media type of iCalendar objects, and
the calendar-multiget.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any
from urllib.parse import urljoin
from xml.sax.saxutils import escape

from reconnectd.calendar.discovery import Discovered, last_segment
from reconnectd.calendar.session import XML, Precondition, Words
from reconnectd.errors import CalendarError, CalendarUnreachable

log = logging.getLogger(__name__)

_MKCALENDAR = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:set><d:prop><d:displayname>{name}</d:displayname></d:prop></d:set></c:mkcalendar>"
)


class CalendarClient(Discovered):
    """One calendar collection on one CalDAV server."""

    words = Words(
        server="the calendar server",
        service="CalDAV",
        setting="calendar",
        collection="the calendar",
        an_object="an event",
        objects="events",
    )
    media_type = "text/calendar; charset=utf-8"
    suffix = ".ics"
    multiget = ("calendar-multiget", "calendar-data")
    thread_prefix = "caldav"
    namespace = "urn:ietf:params:xml:ns:caldav"
    home_set = "calendar-home-set"
    collection_type = "calendar"
    plural = "calendars"

    def open(self, name: str, known_url: str | None = None) -> str:
        """Find the calendar whose display name is `name`, creating it when missing.

        With `known_url` (remembered from an earlier run) no request is made: the first
        read proves it, and rediscovers the calendar if it has gone.
        """
        self.name = name
        if known_url:
            self.url = known_url
            return known_url
        return self._discover(name)

    def calendars(self) -> list[tuple[str, str]]:
        """Every calendar of this login: (display name, URL)."""
        return self._home()[1]

    def find(self, name: str) -> str | None:
        """The URL of the calendar called `name`, without creating it."""
        return next((url for display, url in self.calendars() if name in (display, last_segment(url))), None)

    def _discover(self, name: str) -> str:
        home, calendars = self._home()
        for display, url in calendars:
            if name in (display, last_segment(url)):
                self.url = url
                return self.url
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or uuid.uuid4().hex
        try:
            self.url = self._make(home, name, slug)
        except CalendarUnreachable:
            raise
        except CalendarError as failure:
            raise CalendarError(
                f'no calendar named "{name}" on {self.session.where()}, and creating it failed ({failure}); '
                "create it in your calendar app, or set calendar.name to an existing one"
            ) from None
        log.info('created the calendar "%s" at %s', name, self.url)
        return self.url

    def _make(self, home: str, name: str, slug: str) -> str:
        """MKCALENDAR in the home, named `slug`, or when that is refused, a random name."""
        body = _MKCALENDAR.format(name=escape(name))
        base = home if home.endswith("/") else home + "/"
        segments = [slug, uuid.uuid4().hex]
        while True:
            url = urljoin(base, segments.pop(0) + "/")
            try:
                response = self.session.request(url, "MKCALENDAR", body, {"Content-Type": XML})
                self.session.expect(response, (201,), "create the calendar")
                return str(getattr(response, "final_url", url))
            except (CalendarUnreachable, Precondition):
                raise  # a precondition is about the place, not the name
            except CalendarError:
                if not segments:
                    raise

    def _multiget_data(self, response: Any) -> dict[str, tuple[str | None, str]]:
        return {r.href: (r.etag, r.calendar_data) for r in response.parse_calendar_query() if r.calendar_data}
