"""Files and directories with case-insensitive paths, and a version resource per file (what wmic datafile reads)."""

from __future__ import annotations

import ntpath
from collections.abc import Mapping
from dataclasses import dataclass


class DiskFullError(OSError):
    """ "There is not enough space on the disk." (fault disk_full)."""


class AccessDeniedError(OSError):
    """ "Access is denied." (ERROR_ACCESS_DENIED, 5; fault access_denied): the account may not create, write or
    delete at that path (an ACL that denies it)."""


@dataclass
class FileEntry:
    path: str  # as created
    data: bytes
    version: str | None = None  # the file's version resource, if it has one


def normalise(path: str) -> str:
    return ntpath.normpath(path.strip().strip('"')).rstrip("\\") if path.strip() else ""


class FileSystem:
    # Writes above this size fail when the disk is "full": small command output files still work.
    DISK_FULL_LIMIT = 4096

    def __init__(self) -> None:
        self._files: dict[str, FileEntry] = {}
        self._dirs: dict[str, str] = {}
        self.disk_full = False
        self.denied: tuple[str, ...] = ()  # fault access_denied: these paths and everything below them
        self._free_at_start: dict[str, int] = {}  # drive ("c:") → free bytes when the free space was set
        self._used_at_start: dict[str, int] = {}  # drive → bytes its files held then

    def set_free_space(self, free: Mapping[str, int]) -> None:
        """The volumes' free bytes from now on (profile volumes' free_bytes): what later writes add to a drive counts
        against it, what deletes remove gives it back, and a write that needs more fails as on a full disk. A drive
        not named here is not limited (only the fault disk_full applies)."""
        self._free_at_start = {drive.lower(): bytes_free for drive, bytes_free in free.items()}
        self._used_at_start = {drive: self._used(drive) for drive in self._free_at_start}

    def free_space(self, drive: str) -> int | None:
        """Free bytes on `drive` ("C:") as wmic logicaldisk shows them; None for a drive the host has no volume for.
        Under the fault disk_full, at most what one write may still add (DISK_FULL_LIMIT)."""
        key = drive.lower()
        if key not in self._free_at_start:
            return None
        left = max(self._free_at_start[key] - (self._used(key) - self._used_at_start[key]), 0)
        return min(left, self.DISK_FULL_LIMIT) if self.disk_full else left

    def _used(self, drive: str) -> int:
        return sum(len(entry.data) for key, entry in self._files.items() if key.startswith(drive + "\\"))

    def check_allowed(self, path: str) -> None:
        """Raise AccessDeniedError when `path` is, or lies below, a path of the fault access_denied."""
        low = normalise(path).lower()
        for prefix in self.denied:
            base = normalise(prefix).lower()
            if low == base or low.startswith(base + "\\"):
                raise AccessDeniedError(path)

    def is_dir(self, path: str) -> bool:
        p = normalise(path).lower()
        return p in self._dirs or (len(p) == 2 and p.endswith(":"))

    def exists(self, path: str) -> bool:
        return self.is_dir(path) or normalise(path).lower() in self._files

    def read(self, path: str) -> FileEntry | None:
        return self._files.get(normalise(path).lower())

    def mkdir(self, path: str) -> None:
        self.check_allowed(path)
        full = normalise(path)
        parts = full.split("\\")
        for depth in range(2, len(parts) + 1):
            sub = "\\".join(parts[:depth])
            self._dirs.setdefault(sub.lower(), sub)

    def write(self, path: str, data: bytes, version: str | None = None, append: bool = False) -> None:
        self.check_allowed(path)
        full = normalise(path)
        parent = ntpath.dirname(full)
        if not self.is_dir(parent):
            raise FileNotFoundError(parent)
        existing = self._files.get(full.lower())
        new_data = (existing.data if (append and existing) else b"") + data
        if self.disk_full and len(new_data) > self.DISK_FULL_LIMIT:
            raise DiskFullError(full)
        drive = full[:2].lower()
        if drive in self._free_at_start:
            grows_by = len(new_data) - (len(existing.data) if existing else 0)
            left = self._free_at_start[drive] - (self._used(drive) - self._used_at_start[drive])
            if grows_by > left:
                raise DiskFullError(full)
        self._files[full.lower()] = FileEntry(existing.path if existing else full, new_data, version)

    def delete(self, path: str) -> bool:
        self.check_allowed(path)
        return self._files.pop(normalise(path).lower(), None) is not None

    def move(self, source: str, target: str) -> None:
        self.check_allowed(source)
        self.check_allowed(target)
        entry = self._files.pop(normalise(source).lower())
        full = normalise(target)
        if self.is_dir(full):
            full = ntpath.join(full, ntpath.basename(entry.path))
        self._files[full.lower()] = FileEntry(full, entry.data, entry.version)

    def rmtree(self, path: str) -> bool:
        self.check_allowed(path)
        prefix = normalise(path).lower()
        found = prefix in self._dirs
        for store in (self._files, self._dirs):
            for key in [k for k in store if k == prefix or k.startswith(prefix + "\\")]:
                del store[key]
        return found

    def listdir(self, path: str) -> list[str]:
        prefix = normalise(path).lower() + "\\"
        names = [e.path for k, e in self._files.items() if k.startswith(prefix) and "\\" not in k[len(prefix) :]]
        names += [d for k, d in self._dirs.items() if k.startswith(prefix) and "\\" not in k[len(prefix) :]]
        return sorted(ntpath.basename(n) for n in names)
