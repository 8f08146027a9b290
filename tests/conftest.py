"""Shared fixtures: real CalDAV servers, an HTTP receiver and an SMTP receiver.

All servers listen on 127.0.0.1 free ports and are torn down even if the test fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cyrus
import pytest
from hypothesis import HealthCheck, settings
from servers import (
    CalDAVServerProcess,
    HttpReceiver,
    RadicaleServer,
    SmtpReceiver,
    XandikosServer,
    free_port,
    preload_apprise_plugins,
)

# Apprise imports its plugins lazily; one of them triggers a DeprecationWarning
# (imghdr) that would turn the first notifying test into an error. Do it up front.
preload_apprise_plugins()

# Time decides no test: on a loaded machine an example may take seconds, and that is slowness, not a
# failure. Hypothesis' deadline and its too-slow health check are fixed bounds on elapsed time.
settings.register_profile("reconnectd", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reconnectd")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests go first, so that with workers (`scripts/test` runs `-n`) they overlap all the others."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


EXAMPLE = Path(__file__).parent.parent / "config.example.yaml"
RADICALE_USER = "sam"
RADICALE_PASSWORD = "correct horse"


class AuthRadicaleServer(RadicaleServer):
    """A RadicaleServer with a single htpasswd user, exposing its credentials."""

    def __init__(self, root: Path, username: str, password: str) -> None:
        super().__init__(root, users={username: password})
        self.username = username
        self.password = password


@dataclass
class CalDAVServerInfo:
    """What a CalDAV client needs to talk to one of the test servers.

    ``server`` is the underlying RadicaleServer/XandikosServer, for stop()/start()/kill()
    (a CyrusServer is shared by a session's tests: they leave it running).
    """

    kind: str
    url: str
    username: str | None
    password: str | None
    server: CalDAVServerProcess


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[RadicaleServer]:
    """Radicale with ``--auth-type none``: pass any username to get a principal."""
    server = RadicaleServer(tmp_path / "radicale")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def radicale_auth(tmp_path: Path) -> Iterator[AuthRadicaleServer]:
    """Radicale requiring HTTP Basic auth as ``sam`` / ``correct horse``."""
    server = AuthRadicaleServer(tmp_path / "radicale-auth", RADICALE_USER, RADICALE_PASSWORD)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def xandikos(tmp_path: Path) -> Iterator[XandikosServer]:
    """Xandikos, no auth: principal ``/user/``, calendar ``/user/calendars/calendar/``."""
    server = XandikosServer(tmp_path / "xandikos")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["radicale", "xandikos"])
def caldav_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CalDAVServerInfo]:
    """Each CalDAV server in turn: Radicale (with auth) and Xandikos (no auth)."""
    with _own_server(request.param, tmp_path) as info:
        yield info


@pytest.fixture(params=["radicale", "xandikos", "cyrus"])
def every_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CalDAVServerInfo]:
    """Radicale, Xandikos and Cyrus in turn (Cyrus: a user of its own on the session's server). The packages
    for Cyrus are not everywhere, so only the tests about servers (discovery, their quirks) take all three."""
    if request.param == "cyrus":
        yield request.getfixturevalue("cyrus_server")
        return
    with _own_server(request.param, tmp_path) as info:
        yield info


CYRUS_USERS = 16  # more than one worker ever takes: each test on Cyrus gets a user of its own


class CyrusPool:
    """One Cyrus for the session, and its users not yet given to a test."""

    def __init__(self, server: cyrus.CyrusServer) -> None:
        self.server = server
        self.free = list(server.users)

    def take(self) -> CalDAVServerInfo:
        if not self.free:
            raise RuntimeError(f"the session's Cyrus has no unused user left: raise CYRUS_USERS ({CYRUS_USERS})")
        name = self.free.pop(0)
        return CalDAVServerInfo("cyrus", self.server.principal_url(name), name, self.server.users[name], self.server)


@pytest.fixture(scope="session")
def cyrus_pool() -> Iterator[CyrusPool]:
    """Cyrus IMAP's httpd (Debian's packages), started once for the session; skipped when it is not installed."""
    reason = cyrus.missing()
    if reason:
        pytest.skip(reason)
    server = cyrus.CyrusServer({f"user{n:02}": f"pass word {n}" for n in range(CYRUS_USERS)})
    try:
        server.start()
        yield CyrusPool(server)
    finally:
        server.remove()


@pytest.fixture
def cyrus_server(cyrus_pool: CyrusPool) -> CalDAVServerInfo:
    """A user of its own on the session's Cyrus, its `url` the principal (a URL Cyrus users are given)."""
    return cyrus_pool.take()


@contextmanager
def _own_server(kind: str, tmp_path: Path) -> Iterator[CalDAVServerInfo]:
    server: RadicaleServer | XandikosServer
    if kind == "radicale":
        server = AuthRadicaleServer(tmp_path / "radicale", RADICALE_USER, RADICALE_PASSWORD)
        username: str | None = RADICALE_USER
        password: str | None = RADICALE_PASSWORD
    else:
        server = XandikosServer(tmp_path / "xandikos")
        username = password = None
    try:
        server.start()
        yield CalDAVServerInfo(kind=kind, url=server.url, username=username, password=password, server=server)
    finally:
        server.stop()


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    try:
        receiver.start()
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def embedded_config(tmp_path: Path) -> Path:
    """The example config as tmp_path/config.yaml, its embedded calendar on a free port."""
    text = EXAMPLE.read_text().replace("listen: 127.0.0.1:5239", f"listen: 127.0.0.1:{free_port()}")
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path
