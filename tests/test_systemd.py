"""The shipped systemd units are valid, and the system unit is well hardened."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).parent.parent / "systemd"
ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not on this machine")
INSTALLED = str(Path(sys.executable).with_name("reconnectd"))


def installed_copy(tmp_path: Path, name: str, placeholder: str) -> Path:
    """The unit as installed: its ExecStart pointing at a reconnectd that exists here."""
    text = (UNITS / name).read_text()
    assert placeholder in text
    copy = tmp_path / name
    copy.write_text(text.replace(placeholder, INSTALLED))
    return copy


@needs_systemd
def test_the_system_unit_verifies_cleanly(tmp_path: Path) -> None:
    unit = installed_copy(tmp_path, "reconnectd.service", "/opt/reconnectd/bin/reconnectd")
    done = subprocess.run([ANALYZE, "verify", str(unit)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@needs_systemd
def test_the_user_unit_verifies_cleanly(tmp_path: Path) -> None:
    unit = installed_copy(tmp_path, "reconnectd-user.service", "%h/.local/bin/reconnectd")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {"XDG_RUNTIME_DIR": str(runtime), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [ANALYZE, "--user", "verify", str(unit)], capture_output=True, text=True, check=False, env=env
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@needs_systemd
def test_the_system_unit_is_rated_ok_for_exposure() -> None:
    unit = UNITS / "reconnectd.service"
    done = subprocess.run(
        [ANALYZE, "security", "--offline=true", "--threshold=20", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    exposure = float(re.search(r"Overall exposure level for reconnectd.service: ([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    assert exposure <= 2.0


@needs_systemd
def test_the_per_user_template_verifies_and_is_rated_ok(tmp_path: Path) -> None:
    template = installed_copy(tmp_path, "reconnectd@.service", "/opt/reconnectd/bin/reconnectd")
    instance = tmp_path / "reconnectd@alice.service"
    instance.write_text(template.read_text())
    done = subprocess.run([ANALYZE, "verify", str(instance)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
    rated = subprocess.run(
        [ANALYZE, "security", "--offline=true", "--threshold=20", str(UNITS / "reconnectd@.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rated.returncode == 0, rated.stdout + rated.stderr
