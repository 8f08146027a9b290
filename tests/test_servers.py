"""Prove the test servers and receivers work, talking to them with the real clients."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import apprise
import pytest
from caldav.collection import Calendar, Principal
from caldav.davclient import DAVClient
from caldav.lib.error import AuthorizationError
from conftest import AuthRadicaleServer, CalDAVServerInfo
from servers import HttpReceiver, RadicaleServer, SmtpReceiver, XandikosServer

START = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)


def _client(info: CalDAVServerInfo) -> DAVClient:
    return DAVClient(url=info.url, username=info.username, password=info.password)


# caldav 3.x annotates most methods as "T | Coroutine[..., T]" (sync and async
# clients share the classes); these helpers narrow the types for the sync client.
def _make_calendar(principal: Principal, name: str) -> Calendar:
    calendar = principal.make_calendar(name=name)
    assert isinstance(calendar, Calendar)
    return calendar


def _calendar_urls(principal: Principal) -> list[str]:
    calendars = principal.get_calendars()
    assert isinstance(calendars, list)
    return [str(c.url) for c in calendars]


def _add_event(calendar: Calendar, summary: str) -> str:
    uid = f"{uuid.uuid4()}@reconnectd.test"
    calendar.add_event(uid=uid, dtstart=START, dtend=START + timedelta(minutes=30), summary=summary)
    return uid


def _summaries(calendar: Calendar) -> dict[str, str]:
    """{uid: summary} of every event in the calendar, as listed by the server."""
    found = {}
    events = calendar.get_events()
    assert isinstance(events, list)  # sync client (the union type also covers async)
    for event in events:
        component = event.icalendar_component
        found[str(component["UID"])] = str(component["SUMMARY"])
    return found


def test_caldav_roundtrip(caldav_server: CalDAVServerInfo) -> None:
    with _client(caldav_server) as client:
        principal = client.get_principal()
        calendar = _make_calendar(principal, "Check-ins")
        uid = _add_event(calendar, "Call Alex")

        assert calendar.get_display_name() == "Check-ins"
        assert str(calendar.url).startswith(caldav_server.url)
        assert _summaries(calendar) == {uid: "Call Alex"}
        # the new calendar is discoverable from the principal
        assert str(calendar.url) in _calendar_urls(principal)


def test_radicale_without_auth_accepts_any_user(radicale: RadicaleServer) -> None:
    with DAVClient(url=radicale.url, username="alice", password="x") as client:
        principal = client.get_principal()
        assert str(principal.url) == f"{radicale.url}alice/"
        calendar = _make_calendar(principal, "Anything")
        uid = _add_event(calendar, "Hello")
        assert _summaries(calendar) == {uid: "Hello"}


def test_xandikos_has_default_calendar(xandikos: XandikosServer) -> None:
    with DAVClient(url=xandikos.url) as client:
        principal = client.get_principal()
        assert str(principal.url) == xandikos.principal_url
        assert xandikos.default_calendar_url in _calendar_urls(principal)


def test_radicale_auth_rejects_wrong_password(radicale_auth: AuthRadicaleServer) -> None:
    with (
        DAVClient(url=radicale_auth.url, username=radicale_auth.username, password="wrong horse") as client,
        pytest.raises(AuthorizationError),
    ):
        client.get_principal()

    with DAVClient(url=radicale_auth.url, username=radicale_auth.username, password=radicale_auth.password) as client:
        assert str(client.get_principal().url) == f"{radicale_auth.url}{radicale_auth.username}/"


def test_caldav_data_survives_restart(caldav_server: CalDAVServerInfo) -> None:
    server = caldav_server.server
    with _client(caldav_server) as client:
        calendar = _make_calendar(client.get_principal(), "Durable")
        calendar_url = str(calendar.url)
        uid = _add_event(calendar, "Before restart")

    server.stop()
    assert not server.running
    # really down: caldav lets the transport's ConnectionError (an OSError) through
    with _client(caldav_server) as client, pytest.raises(OSError):
        client.get_principal()

    server.start()
    assert server.url == caldav_server.url
    with _client(caldav_server) as client:
        assert _summaries(Calendar(client=client, url=calendar_url)) == {uid: "Before restart"}

    server.kill()  # crash: SIGKILL, then come back on the same port
    server.start()
    with _client(caldav_server) as client:
        calendar = Calendar(client=client, url=calendar_url)
        uid2 = _add_event(calendar, "After crash")
        assert _summaries(calendar) == {uid: "Before restart", uid2: "After crash"}


def _notify(url: str, body: str, title: str) -> bool:
    """Send one notification with a fresh Apprise object; True if it was delivered.

    Fresh object each time: Apprise throttles consecutive sends through the same
    plugin instance (ntfy, mailto: 5.5 s apart), which would make these tests slow.
    """
    notifier = apprise.Apprise()
    assert notifier.add(url), f"Apprise rejected {url}"
    with notifier.notify(body=body, title=title) as result:
        return bool(result)


@pytest.mark.parametrize(
    ("scheme", "expected_path"),
    [("json", "/notify"), ("ntfy", "/"), ("gotify", "/message")],
)
def test_apprise_http_delivery(http_receiver: HttpReceiver, scheme: str, expected_path: str) -> None:
    url = {
        "json": http_receiver.json_url(),
        "ntfy": http_receiver.ntfy_url("reconnect"),
        "gotify": http_receiver.gotify_url("AbCdEf0123456789"),
    }[scheme]

    assert _notify(url, body="Time to call Alex", title="Check-in due")
    (request,) = http_receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path == expected_path
    assert request.json["title"] == "Check-in due"
    assert request.json["message"] == "Time to call Alex"
    if scheme == "ntfy":
        assert request.json["topic"] == "reconnect"
    if scheme == "gotify":
        assert request.headers["X-Gotify-Key"] == "AbCdEf0123456789"

    http_receiver.clear()
    http_receiver.fail_with = 500
    assert not _notify(url, body="again", title="again")
    assert len(http_receiver.wait_for(1)) == 1  # attempted once, refused

    http_receiver.fail_with = None
    assert _notify(url, body="recovered", title="ok")
    assert http_receiver.wait_for(2)[-1].json["message"] == "recovered"


def test_apprise_mailto_delivery(smtp_receiver: SmtpReceiver) -> None:
    assert _notify(
        smtp_receiver.apprise_url(to="sam@example.com"),
        body="Time to call Alex",
        title="Check-in due",
    )
    (mail,) = smtp_receiver.wait_for(1)
    assert mail.rcpt_tos == ["sam@example.com"]
    assert mail.mail_from == "reconnectd@example.com"
    assert mail.subject == "Check-in due"
    assert mail.text.strip() == "Time to call Alex"


def test_apprise_mailto_reports_failure_when_smtp_down(smtp_receiver: SmtpReceiver) -> None:
    url = smtp_receiver.apprise_url()
    smtp_receiver.stop()
    assert not _notify(url, body="nobody home", title="down")
    assert smtp_receiver.messages == []
