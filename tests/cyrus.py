"""Cyrus IMAP's CalDAV server (Debian's `cyrus-imapd cyrus-caldav sasl2-bin`), run privately for tests.

Everything lives in one temporary folder of its own: imapd.conf, cyrus.conf, the databases, the
spool, a sasldb with the users' passwords, and the log. Nothing in /etc or /var is read or written.
- Cyrus's master does not pass `-C` to its children, so each service's command line carries it.
- The users' mailboxes are made by a one-time start with only IMAP on a loopback port: each user
  logs in once (`autocreate_quota: 0` creates the INBOX; Cyrus provisions the calendar home from
  it on the first CalDAV login). Then master starts again with only httpd listening.
- Cyrus logs through syslog(3), which goes nowhere without /dev/log. A tiny LD_PRELOAD shim (built
  with the C compiler when there is one) adds LOG_PERROR, so every line lands in the log file.
- As root, master drops to the `cyrus` user the package made, which then owns the folder; as
  anyone else, Cyrus runs as that user.
The folder is under the system's temporary directory rather than pytest's, whose 0700 parent
the `cyrus` user could not enter.
"""

from __future__ import annotations

import getpass
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from servers import LOCALHOST, CalDAVServerProcess, ServerStartError, free_port

BIN = Path("/usr/lib/cyrus/bin")
PACKAGES = "cyrus-imapd cyrus-caldav sasl2-bin"
REALM = "cyrus.reconnectd.test"  # its servername, in which it looks the users up (else the host's name)
_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <syslog.h>
void openlog(const char *ident, int option, int facility) {
    void (*real)(const char *, int, int) = (void (*)(const char *, int, int))dlsym(RTLD_NEXT, "openlog");
    real(ident, option | LOG_PERROR, facility);
}
"""
_IMAPD_CONF = """\
configdirectory: {root}/conf
servername: {realm}
defaultpartition: default
partition-default: {root}/spool
cyrus_user: {user}
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {root}/sasldb2
allowplaintext: yes
httpmodules: caldav carddav
httpallowcompress: no
autocreate_quota: 0
syslog_prefix: reconnectd-test-cyrus
"""
_CYRUS_CONF = """\
START {{
  recover cmd="ctl_cyrusdb -r -C {root}/imapd.conf"
}}
SERVICES {{
  {name} cmd="{name}d -C {root}/imapd.conf" listen="{host}:{port}" prefork=0
}}
"""


def missing() -> str | None:
    """Why Cyrus cannot run here (None when it can)."""
    for program in (BIN / "master", BIN / "httpd", BIN / "imapd", BIN / "ctl_cyrusdb"):
        if not program.exists():
            return f"Cyrus IMAP is not installed ({program} is missing): apt-get install {PACKAGES}"
    if shutil.which("saslpasswd2") is None:
        return f"saslpasswd2 is missing: apt-get install {PACKAGES}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("cyrus")
        except KeyError:
            return "there is no cyrus user (the cyrus-common package makes it)"
    return None


class CyrusServer(CalDAVServerProcess):
    """Cyrus's httpd with CalDAV and CardDAV on 127.0.0.1, one user (and one sasldb entry) per name in `users`.

    A user's principal is `/dav/principals/user/NAME/`, its calendar home `/dav/calendars/user/NAME/`
    (with the calendar `Default`, displayed as "personal", made on the first login).
    """

    kind = "cyrus"
    own_session = True  # two masters in one process group: one's shutdown signal would stop the other

    def __init__(self, users: dict[str, str], port: int | None = None) -> None:
        root = Path(tempfile.mkdtemp(prefix="reconnectd-cyrus-"))
        root.chmod(0o755)
        super().__init__(root, port)
        self.users = dict(users)
        self.user = "cyrus" if os.geteuid() == 0 else getpass.getuser()
        self._provisioned = False
        self._shim: Path | None = None

    def principal_url(self, name: str) -> str:
        return f"{self.url}dav/principals/user/{name}/"

    def home_url(self, name: str) -> str:
        return f"{self.url}dav/calendars/user/{name}/"

    def remove(self) -> None:
        """Stop, and delete the folder and all it holds."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def environment(self) -> dict[str, str]:
        return {"LD_PRELOAD": str(self._shim)} if self._shim else {}

    def command(self) -> list[str]:
        return [
            str(BIN / "master"),
            *("-C", str(self.root / "imapd.conf")),
            *("-M", str(self.root / "cyrus.conf")),
            *("-p", str(self.root / "master.pid")),
            "-D",  # in the foreground, with stderr (the log file) kept for its children
        ]

    def prepare(self) -> None:
        if self._provisioned:
            return
        for folder in ("conf/db", "conf/socket", "spool"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "imapd.conf").write_text(_IMAPD_CONF.format(root=self.root, user=self.user, realm=REALM))
        self._shim = self._build_shim()
        for name, password in self.users.items():
            subprocess.run(
                ["saslpasswd2", "-p", "-c", "-f", str(self.root / "sasldb2"), "-u", REALM, name],
                input=password.encode(),
                check=True,
                capture_output=True,
            )
        self._own()
        self._make_mailboxes()
        self._write_services("http", self.port)
        self._provisioned = True

    def _make_mailboxes(self) -> None:
        """The one-time start with only IMAP: each user logs in once, which creates their INBOX."""
        imap = free_port()
        self._write_services("imap", imap)
        with self.log_path.open("ab") as log:
            master = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
                start_new_session=True,
            )
        try:
            client = _connect(imap, master, self)
            client.logout()
            for name, password in self.users.items():
                client = _connect(imap, master, self)
                client.login(name, password)
                client.logout()
        finally:
            master.terminate()
            master.wait(timeout=30)

    def _env(self) -> dict[str, str]:
        return {**os.environ, **self.environment()}

    def _write_services(self, name: str, port: int) -> None:
        text = _CYRUS_CONF.format(root=self.root, name=name, host=LOCALHOST, port=port)
        (self.root / "cyrus.conf").write_text(text)
        self._own()

    def _own(self) -> None:
        if os.geteuid() != 0:
            return
        for folder, _, files in os.walk(self.root):
            for path in (folder, *(os.path.join(folder, f) for f in files)):
                shutil.chown(path, self.user, "mail")

    def _build_shim(self) -> Path | None:
        """The syslog shim as a shared object in the folder, or None without a C compiler (logs are lost)."""
        compiler = shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            return None
        source, shim = self.root / "syslog_shim.c", self.root / "syslog_shim.so"
        source.write_text(_SHIM)
        made = subprocess.run(
            [compiler, "-shared", "-fPIC", "-o", str(shim), str(source), "-ldl"], check=False, capture_output=True
        )
        return shim if made.returncode == 0 else None


def _connect(port: int, master: subprocess.Popen[bytes], server: CyrusServer) -> imaplib.IMAP4:
    """An IMAP connection to the one-time start, as soon as it listens."""
    deadline = time.monotonic() + server.start_timeout
    while True:
        if master.poll() is not None:
            raise ServerStartError(f"cyrus master exited with code {master.returncode}\n{server.log_tail()}")
        try:
            return imaplib.IMAP4(LOCALHOST, port, timeout=30)
        except OSError:
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"cyrus imapd never listened on {LOCALHOST}:{port}\n{server.log_tail()}"
                ) from None
            time.sleep(0.05)
