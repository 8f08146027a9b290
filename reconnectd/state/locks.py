"""Locks on the state directory, held by the kernel: a process that dies lets go of its locks at once.

Two are taken, each on a file of its own beside `state.db`:
- `delivery.lock`, while the outbox sends: of any number of processes on one state directory,
  one sends at a time and records what it sent before the next one reads what is left.
- `run.lock`, for the whole life of `reconnectd run`: a second daemon refuses to start.

A lock is `flock(2)`: nothing is left behind by a crash to be cleaned up or timed out, and a pid
that is reused by another program holds nothing. It reaches as far as the store itself does: SQLite's
WAL needs every process on one machine. The file holds the holder's pid, for the messages.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from reconnectd.errors import AlreadyRunning, StateError

POLL = 0.05  # seconds between attempts while another process holds a lock


class DirectoryLock:
    """An exclusive lock on `path`, taken and given back as often as wanted; `close` ends it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.held = False

    def _open(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                try:  # a read-only state directory: a lock needs no write, only the pid is left out
                    self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
                except OSError as error:
                    raise StateError(
                        f"cannot lock {self.path}: {error.strerror} (check --state-dir and its permissions)"
                    ) from None
        return self._fd

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it, and write our pid into it."""
        if self.held:
            return True
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise StateError(f"cannot lock {self.path}: {error.strerror}") from None
        self.held = True
        with contextlib.suppress(OSError):  # the pid is for messages only; a full disk must not stop us
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return True

    def acquire(self, *, patience: float, interrupted: Callable[[], bool] = lambda: False) -> bool:
        """Wait up to `patience` seconds for the lock; False if it stayed taken or we were interrupted."""
        deadline = time.monotonic() + patience
        while not self.try_acquire():
            if interrupted() or time.monotonic() >= deadline:
                return False
            time.sleep(POLL)
        return True

    def release(self) -> None:
        if self.held and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.held = False

    def holder(self) -> int | None:
        """The pid written by whoever holds the lock (None if it cannot be read)."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def close(self) -> None:
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


RUN_LOCK = "run.lock"


def hold_service(state_dir: Path) -> DirectoryLock:
    """The lock `reconnectd run` holds for its whole life; AlreadyRunning (naming the pid) if taken."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StateError(
            f"cannot create the state directory {state_dir}: {error.strerror} (check --state-dir and its permissions)"
        ) from None
    lock = DirectoryLock(state_dir / RUN_LOCK)
    if not lock.try_acquire():
        pid = lock.holder()
        lock.close()
        raise AlreadyRunning(state_dir, pid)
    return lock
