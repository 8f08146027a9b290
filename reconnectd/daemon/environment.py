"""What a command takes from its surroundings: the default paths, the clock, the machine's zone, and the
config read and resolved. Light on purpose: the read-only and recording commands import only this, never
the calendar or Apprise (see runtime.read_config for the full check that `check`, `sync` and `run` make)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from reconnectd.config import credentials
from reconnectd.config.load import load_config
from reconnectd.logs import Redactor, password_forms
from reconnectd.policy.settings import Config, Secret

log = logging.getLogger("reconnectd.daemon.runtime")


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reconnectd" / "config.yaml"


def default_state_dir() -> Path:
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "reconnectd"


def system_timezone() -> str | None:
    """The machine's zone name, used when the config names none."""
    if os.environ.get("TZ", "").strip(":"):
        return os.environ["TZ"].strip(":")
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def wall_clock() -> datetime:
    return datetime.now(UTC)


def read_settings(path: Path, redactor: Redactor) -> Config:
    """The config, parsed, validated and with its credentials resolved, without asking Apprise about the
    notification URLs and without the rehearsal: enough for a command that only reads the store or records
    what the user typed (each value checked where it is parsed). Its secrets are taught to `redactor`."""
    config = credentials.resolve(load_config(path, system_timezone()), path, os.environ)
    if not config.calendar.verify_tls:
        log.warning("TLS certificates are not checked (calendar.verify_tls: false); use this only on your own network")
    redactor.learn([url.reveal() for url in config.notify.urls])  # whole: Apprise is not asked for its parts
    for username, password in [(config.calendar.username, config.calendar.password), _contacts_login(config)]:
        if password is not None:
            redactor.learn(password_forms(username, password.reveal()))
    return config


def _contacts_login(config: Config) -> tuple[str | None, Secret | None]:
    return (config.contacts.username, config.contacts.password) if config.contacts else (None, None)
