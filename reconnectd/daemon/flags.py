"""Flags a signal handler may raise. A handler runs in the main thread between two bytecodes,
perhaps while that thread holds a lock: `threading.Event.set()` takes one (a plain, not re-entrant
lock), so a SIGTERM that came while the loop was inside `Event.wait()` could wait for itself
forever. These take no lock: a flag is one attribute, and a wake-up is one byte in a pipe."""

from __future__ import annotations

import contextlib
import os
import select
import weakref


class Flag:
    """Set from anywhere (a handler, another thread); read and cleared by the loop."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def clear(self) -> None:
        self._set = False


class Wake(Flag):
    """A flag the loop can sleep on: `wait` ends when it is set, or after `timeout` seconds."""

    def __init__(self) -> None:
        super().__init__()
        self._read, self._write = os.pipe()
        for end in (self._read, self._write):
            os.set_blocking(end, False)
        weakref.finalize(self, _close, self._read, self._write)

    def set(self) -> None:
        self._set = True
        with contextlib.suppress(BlockingIOError):  # the pipe is full: a wake-up is waiting already
            os.write(self._write, b"\0")

    def wait(self, timeout: float) -> bool:
        """True when woken (a wake-up that raced a `clear` may end it early: the loop looks again)."""
        if self._set:
            return True
        readable, _, _ = select.select([self._read], [], [], max(timeout, 0))
        return bool(readable) or self._set

    def clear(self) -> None:
        self._set = False
        with contextlib.suppress(BlockingIOError):  # empty
            while os.read(self._read, 4096):
                pass


def _close(*ends: int) -> None:
    for end in ends:
        os.close(end)
