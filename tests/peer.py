"""The user's other calendar app: a second, independent CalDAV client for tests.

It talks raw WebDAV through caldav's DAVClient so that what it reads is exactly what the
server stores, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin
from xml.etree import ElementTree

import icalendar
from caldav.davclient import DAVClient

CALDAV = "urn:ietf:params:xml:ns:caldav"
MULTIGET = (
    '<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><d:getetag/><c:calendar-data/></d:prop>%s</c:calendar-multiget>"
)
PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:displayname/><d:resourcetype/></d:prop></d:propfind>'
)


@dataclass(frozen=True)
class Stored:
    href: str
    etag: str
    data: bytes

    @property
    def event(self) -> icalendar.Component:
        calendar = icalendar.Calendar.from_ical(self.data)
        return next(c for c in calendar.walk() if c.name in ("VEVENT", "VTODO"))

    @property
    def uid(self) -> str:
        return str(self.event["uid"])


class Peer:
    def __init__(self, url: str, username: str | None, password: str | None) -> None:
        # Basic: Cyrus offers Digest too, but never completes it
        auth = "basic" if username else None
        self.client = DAVClient(url=url, username=username, password=password, enable_rfc6764=False, auth_type=auth)

    def close(self) -> None:
        self.client.close()

    def calendar_url(self, name: str) -> str:
        principal = self.client.get_principal()
        for calendar in principal.get_calendars():
            if calendar.get_display_name() == name:
                return str(calendar.url)
        raise LookupError(f"no calendar named {name!r}")

    def objects(self, calendar_url: str) -> dict[str, Stored]:
        """Every object in the calendar, by href, with its exact bytes."""
        response = self.client.request(
            calendar_url, "PROPFIND", PROPFIND, {"Depth": "1", "Content-Type": "application/xml"}
        )
        found = {}
        for result in response.parse_propfind():
            etag = result.properties.get("{DAV:}getetag")
            if not etag or "{DAV:}collection" in (result.properties.get("{DAV:}resourcetype") or ()):
                continue
            got = self.client.session.get(urljoin(calendar_url, result.href), auth=self.client.auth, timeout=10)
            found[result.href] = Stored(result.href, str(etag), got.content)
        return found

    def report(self, calendar_url: str, body: str) -> dict[str, Stored]:
        """Objects with their data in one REPORT."""
        response = self.client.request(calendar_url, "REPORT", body, {"Depth": "1", "Content-Type": "application/xml"})
        found = {}
        raw = response.raw
        for element in ElementTree.fromstring(raw.encode() if isinstance(raw, str) else raw).iter("{DAV:}response"):
            href = element.findtext("{DAV:}href")
            etag = element.findtext(".//{DAV:}getetag")
            data = element.findtext(f".//{{{CALDAV}}}calendar-data")
            if href and etag and data is not None:
                found[unquote(href)] = Stored(unquote(href), etag, data.encode())
        return found

    def changes(self, calendar_url: str, token: str) -> tuple[dict[str, str], list[str], str]:
        """What changed since `token` ("" for everything): (href to ETag, deleted hrefs, new token)."""
        body = (
            '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
            f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>"
        )
        response = self.client.request(calendar_url, "REPORT", body, {"Content-Type": "application/xml"})
        raw = response.raw
        tree = ElementTree.fromstring(raw.encode() if isinstance(raw, str) else raw)
        changed, deleted = {}, []
        for element in tree.iter("{DAV:}response"):
            href = unquote(element.findtext("{DAV:}href") or "")
            etag = element.findtext(".//{DAV:}getetag")
            if etag:
                changed[href] = etag
            elif "404" in (element.findtext("{DAV:}status") or ""):
                deleted.append(href)
        return changed, deleted, tree.findtext("{DAV:}sync-token") or ""

    def multiget(self, calendar_url: str, hrefs: list[str]) -> dict[str, Stored]:
        if not hrefs:
            return {}
        listed = "".join(f"<d:href>{quote(h)}</d:href>" for h in hrefs)
        return self.report(calendar_url, MULTIGET % listed)

    def put(self, calendar_url: str, name: str, data: bytes, etag: str | None = None) -> int:
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        response = self.client.request(urljoin(calendar_url, name), "PUT", data.decode(), headers)
        return int(response.status)

    def delete(self, calendar_url: str, href: str) -> int:
        return int(self.client.request(urljoin(calendar_url, href), "DELETE", "", {}).status)


FOREIGN = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Someone else//Their app//EN\r
BEGIN:VEVENT\r
UID:%(uid)s\r
DTSTAMP:20261101T090000Z\r
DTSTART:20261203T100000Z\r
DTEND:20261203T110000Z\r
SUMMARY:%(summary)s\r
%(extra)sEND:VEVENT\r
END:VCALENDAR\r
"""


def foreign_event(uid: str, summary: str, extra: bytes = b"") -> bytes:
    return FOREIGN % {b"uid": uid.encode(), b"summary": summary.encode(), b"extra": extra}


def edited(data: bytes, **changes: object) -> bytes:
    """The object with some properties of its event replaced, as a calendar app would save it."""
    calendar = icalendar.Calendar.from_ical(data)
    item = next(c for c in calendar.walk() if c.name in ("VEVENT", "VTODO"))
    for name, value in changes.items():
        item.pop(name, None)
        item.add(name, value)
    return bytes(calendar.to_ical())
