# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows file versions: parse, order, and place them on a servicing branch.

A file version is four dot-separated numbers (major.minor.build.revision). The first three name the kernel line
(6.1.7600 is Windows 7 / Server 2008 R2 RTM); the revision tells the servicing branch (GDR or LDR) by range.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_VERSION_RE = re.compile(r"^\s*(\d{1,5})\.(\d{1,5})\.(\d{1,5})\.(\d{1,5})")


@dataclass(frozen=True, order=True)
class FileVersion:
    major: int
    minor: int
    build: int
    revision: int

    @property
    def kernel_line(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.build)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.build}.{self.revision}"


def parse_file_version(text: str | None) -> FileVersion | None:
    """ "6.1.7600.16385 (win7_rtm.090713-1255)" → FileVersion; anything else → None (never raises)."""
    if not text:
        return None
    match = _VERSION_RE.match(text)
    if match is None:
        return None
    major, minor, build, revision = (int(part) for part in match.groups())
    return FileVersion(major, minor, build, revision)


class Branch(enum.StrEnum):
    GDR = "GDR"  # general distribution: widely released fixes only
    LDR = "LDR"  # limited distribution: hotfixes on top of GDR
    SP1 = "SP1"  # Windows 7 / 2008 R2 SP1 kernel line: the fix is included
    SINGLE = "single"  # Windows Server 2003: one threshold, the version does not reveal a branch
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RevisionRange:
    """Revisions [low, high] on one kernel line that belong to one branch."""

    kernel_line: tuple[int, int, int]
    low: int
    high: int
    branch: Branch

    def contains(self, version: FileVersion) -> bool:
        return version.kernel_line == self.kernel_line and self.low <= version.revision <= self.high


def classify_branch(version: FileVersion, ranges: tuple[RevisionRange, ...]) -> Branch:
    """The branch whose range holds the version, or UNKNOWN when none does (never a guess)."""
    for candidate in ranges:
        if candidate.contains(version):
            return candidate.branch
    return Branch.UNKNOWN
