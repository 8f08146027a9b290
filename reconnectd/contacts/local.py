"""A local address book: one .vcf file, or a vdir folder of them (vdirsyncer, khard, DAVx⁵ exports). Read only.

`snapshot` says what is there now: each file's name, a version (its mtime in nanoseconds and its
size, which change whenever it is written), and its text. A caller keeps the versions, and reads
again only the files whose version moved. Nothing here ever writes, renames or locks a file.

- A folder is read with its subfolders (vdirsyncer keeps one per address book); a file's name is
  its path below the folder, which for a flat vdir is just the file's name. Hidden files and
  folders (vdirsyncer's and editors' temporary files) are left out, and symlinked folders are
  not followed.
- A file that cannot be read now (no permission, too large, changed while it was read) is in
  `unreadable` with a warning, so that the caller keeps what it had rather than read the
  contacts in it as removed. The path itself missing, or a folder that cannot be listed, raises
  `LocalUnreadable`: nothing can be said then, which is not the same as an empty address book.
- Text is UTF-8; a file that is not (an old phone's vCard 2.1) is read as Latin-1.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from reconnectd.errors import ReconnectdError

FILE_LIMIT = 64 * 1024 * 1024  # bytes: a whole export of thousands of cards with photos is well below
SUFFIXES = (".vcf", ".vcard")


class LocalUnreadable(ReconnectdError):
    """The configured file or folder is not there, or cannot be listed: worth trying again later."""


@dataclass
class Snapshot:
    """What a local address book holds now."""

    objects: dict[str, tuple[str, str]] = field(default_factory=dict)  # name to (version, text)
    warnings: list[str] = field(default_factory=list)  # plain sentences, each to be logged once
    unreadable: set[str] = field(default_factory=set)  # names there now, not read this time


def snapshot(path: Path) -> Snapshot:
    """Every vCard file at `path` (a .vcf file, or a folder of them), with its version and text."""
    try:
        mode = path.stat().st_mode
    except OSError as failure:
        raise LocalUnreadable(f"cannot read the address book at {path}: {_reason(failure)}") from None
    found = Snapshot()
    if not stat.S_ISDIR(mode):
        _read(path, path.name, found)
        return found
    try:
        names = sorted(_files(path))
    except OSError as failure:
        raise LocalUnreadable(f"cannot list the address book folder {path}: {_reason(failure)}") from None
    for name in names:
        _read(path / name, name, found)
    return found


def version(info: os.stat_result) -> str:
    return f"{info.st_mtime_ns}-{info.st_size}"


def _files(folder: Path) -> list[str]:
    """The vCard files below `folder`, as paths relative to it, hidden ones and symlinked folders left out."""

    def fail(failure: OSError) -> None:
        raise failure  # a folder we cannot list could hold anyone: better no answer than a wrong one

    found = []
    for top, folders, files in os.walk(folder, onerror=fail):
        folders[:] = [name for name in folders if not name.startswith(".")]
        base = Path(top).relative_to(folder)
        found += [
            (base / name).as_posix() for name in files if not name.startswith(".") and name.lower().endswith(SUFFIXES)
        ]
    return found


def _read(path: Path, name: str, found: Snapshot) -> None:
    try:
        before = path.stat()
        if not stat.S_ISREG(before.st_mode):
            found.warnings.append(f"{path} is not a regular file (a pipe or a device?); it is left out")
            return  # a pipe would block the read forever
        if before.st_size > FILE_LIMIT:
            raise _TooLarge(before.st_size)
        with path.open("rb") as stream:
            data = stream.read(FILE_LIMIT + 1)
        after = path.stat()
    except _TooLarge as large:
        found.unreadable.add(name)
        found.warnings.append(
            f"{path} is {large.size // (1024 * 1024)} MiB, more than the {FILE_LIMIT // (1024 * 1024)} MiB read "
            "from one file; it is skipped"
        )
        return
    except OSError as failure:
        found.unreadable.add(name)
        found.warnings.append(f"cannot read {path}: {_reason(failure)}; it is skipped this time")
        return
    if version(after) != version(before) or len(data) != after.st_size:
        found.unreadable.add(name)  # being written right now: the next read will see it whole
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    found.objects[name] = (version(after), text)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _reason(failure: OSError) -> str:
    return failure.strerror.lower() if failure.strerror else type(failure).__name__
