"""Logging setup, and the filter that keeps secrets out of every line, whoever logs it."""

from __future__ import annotations

import base64
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

MASK = "****"
QUIET_LIBRARIES = ("radicale", "caldav", "urllib3", "niquests", "apprise", "mail.log")


class Redactor(logging.Filter):
    """Replaces known secrets in log records with ****, at every level.

    Each run has its own (`setup_logging` makes it), so the secrets of one run are never
    masked in, or taught to, another run in the same process.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def learn(self, secrets: Iterable[str]) -> None:
        known = {*self.secrets, *(s for s in secrets if len(s) >= 4)}
        self.secrets = sorted(known, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
        return True


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time, so a replaced stream is never stale."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


SYSLOG_PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class JournalFormatter(logging.Formatter):
    """journald reads a <N> syslog priority at the start of each line, and stamps the time itself."""

    def format(self, record: logging.LogRecord) -> str:
        priority = SYSLOG_PRIORITIES.get(record.levelno, 6)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


def stderr_is_journal(environ: Mapping[str, str]) -> bool:
    try:
        stat = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return environ.get("JOURNAL_STREAM") == f"{stat.st_dev}:{stat.st_ino}"


class LibraryFilter(logging.Filter):
    """Keeps libraries quiet below `floor`, even when they log through the root logger (caldav does)."""

    def __init__(self, floor: int) -> None:
        super().__init__()
        self.floor = floor
        self.marks = tuple(f"{os.sep}{name.split('.')[0]}{os.sep}" for name in QUIET_LIBRARIES)

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.floor or not any(mark in record.pathname for mark in self.marks)


def setup_logging(level: int) -> Redactor:
    """Log to stderr at `level`, through a new redactor: the caller teaches it the run's secrets."""
    redactor = Redactor()
    handler = StderrHandler()
    handler.addFilter(LibraryFilter(logging.INFO if level <= logging.DEBUG else logging.WARNING))
    if stderr_is_journal(os.environ):
        handler.setFormatter(JournalFormatter("%(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries speak at --verbose only, and never at DEBUG: Apprise logs tokens there.
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO if level <= logging.DEBUG else logging.WARNING)
    return redactor


@contextmanager
def run_logging() -> Iterator[None]:
    """Logging as it was before, once a run ends: its handler and its redactor go with it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was in libraries.items():
            logging.getLogger(name).setLevel(was)


def password_forms(username: str | None, password: str) -> list[str]:
    """A password as it may show up: plain, and inside an HTTP Basic header."""
    forms = [password]
    if username is not None:
        forms.append(base64.b64encode(f"{username}:{password}".encode()).decode())
    return forms


def url_secrets(url: str, private_form: str) -> list[str]:
    """The parts of an Apprise URL that its privacy form hides: tokens, keys, passwords, and a
    user:password login as the HTTP Basic header that carries it."""
    parts = re.split(r"[/:@?&=#]+", url)
    found = [p for p in parts if len(p) >= 4 and p not in private_form]
    try:
        login = urlsplit(url)
        username, password = login.username, login.password
    except ValueError:
        return found
    if username is not None and password:
        found += password_forms(unquote(username), unquote(password))[1:]
    return found
