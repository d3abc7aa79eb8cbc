# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows file versions: parse, order, and the rules that place a version on a servicing line.

A file version is four dot-separated numbers (major.minor.build.revision). The first three name the kernel line
(6.1.7600 is Windows 7 / Server 2008 R2 RTM); on one line, ranges of the revision tell the servicing branch (GDR,
LDR, ...). A rule says what a version in its range means: fixed from a threshold on, fixed whatever the revision,
or a service pack still missing. docs/versions.md gives each rule with its public sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._pycompat import StrEnum

_VERSION_RE = re.compile(r"^\s*(\d{1,5})\.(\d{1,5})\.(\d{1,5})\.(\d{1,5})")
_LINE_RE = re.compile(r"^(\d{1,5})\.(\d{1,5})\.(\d{1,5})$")

KernelLine = tuple[int, int, int]


@dataclass(frozen=True, order=True)
class FileVersion:
    major: int
    minor: int
    build: int
    revision: int

    @property
    def kernel_line(self) -> KernelLine:
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


def parse_kernel_line(text: str) -> KernelLine | None:
    """ "6.0.6002" → (6, 0, 6002); anything else → None."""
    match = _LINE_RE.match(text.strip())
    if match is None:
        return None
    major, minor, build = (int(part) for part in match.groups())
    return (major, minor, build)


def line_text(line: KernelLine) -> str:
    return ".".join(str(part) for part in line)


class Branch(StrEnum):
    """The branch labels of the built-in rules (user rules may bring their own label)."""

    GDR = "GDR"  # general distribution: widely released fixes only
    LDR = "LDR"  # limited distribution (hotfixes), and on 6.0.6002 the merged monthly-rollup line after it
    SP1 = "SP1"  # Windows 7 / 2008 R2 SP1 kernel line: the fix is included
    B6003 = "6003"  # Server 2008 SP2 files since the April 2019 rollup: later than every 6002 line
    SINGLE = "single"  # Windows Server 2003 SP2: one number series, one threshold
    PRE_SP = "pre-SP2"  # files older than the service pack the article requires
    UNKNOWN = "unknown"


class Meaning(StrEnum):
    """What a version inside a rule's range means."""

    THRESHOLD = "threshold"  # fixed at `fixed` and above, exposed below
    INCLUDED = "included"  # the fix is part of this line: fixed whatever the revision
    PREREQUISITE = "prerequisite"  # files from before the required service pack: install it first


@dataclass(frozen=True)
class VersionRule:
    """Revisions [low, high] of one kernel line, the branch they belong to, and what they mean."""

    line: KernelLine
    low: int
    high: int
    branch: str
    meaning: Meaning
    fixed: FileVersion | None = None  # Meaning.THRESHOLD: the first fixed version
    prerequisite: str = ""  # Meaning.PREREQUISITE: what is missing, e.g. "Service Pack 2"
    origin: str = "built-in"  # where the rule comes from: built-in, or the path of a user's override entry

    def contains(self, version: FileVersion) -> bool:
        return version.kernel_line == self.line and self.low <= version.revision <= self.high

    def describe(self) -> str:
        """ "6.0.6002.18000-19999 (GDR)" """
        return f"{line_text(self.line)}.{self.low}-{self.high} ({self.branch})"


def find_rule(version: FileVersion, rules: Iterable[VersionRule]) -> VersionRule | None:
    """The first rule whose range holds the version, or None when none does (never a guess)."""
    return next((rule for rule in rules if rule.contains(version)), None)
