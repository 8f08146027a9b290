"""Typed errors. Each carries the exit code the CLI turns it into."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


class ReconnectdError(Exception):
    """Base of every error we expect and explain; never shown with a traceback."""

    exit_code = EXIT_RUNTIME


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input, located as precisely as we can."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(ReconnectdError):
    """The configuration is invalid. Lists every problem found, not just the first."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(ReconnectdError):
    """A command was called with arguments that cannot work."""

    exit_code = EXIT_USAGE


class CalendarError(ReconnectdError):
    """The calendar server could not be used; the message says why and what to do."""


class CalendarUnreachable(CalendarError):
    """Network failure, timeout or 5xx: worth retrying later."""


class PortTaken(ReconnectdError):
    """Another server, not reconnectd's embedded calendar, listens on `calendar.listen`. Not retried."""

    exit_code = EXIT_USAGE

    def __init__(self, host: str, port: int, free: int | None) -> None:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        example = f"[{host}]:{free}" if ":" in host else f"{host}:{free}"
        hint = f", e.g. {example}" if free is not None else ""
        super().__init__(
            f"{where} is taken by another server, not reconnectd's embedded calendar: "
            f"set calendar.listen to a free port{hint}"
        )


class StateError(ReconnectdError):
    """The state store could not be opened or written."""


class AlreadyRunning(StateError):
    """Another `reconnectd run` uses the same state directory: one daemon per state directory."""

    exit_code = EXIT_USAGE

    def __init__(self, state_dir: object, pid: int | None) -> None:
        who = f"another `reconnectd run` (pid {pid})" if pid else "another `reconnectd run`"
        super().__init__(
            f"{who} is already running on the state directory {state_dir}; stop it first, or give this one"
            " its own --state-dir (`reconnectd sync` beside it is fine)"
        )
