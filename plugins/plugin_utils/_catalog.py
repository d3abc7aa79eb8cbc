# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The article's table (KB2748349) as data: families, their version rules, products, packages.

Sources: Microsoft KB2748349 (revision 4.0, 2013-03-18), "File information" and "Prerequisites", for the thresholds
and packages; the version lines the article never lists (the 6.0.6002 merged rollup line, build 6003, later 2003
and 7601 revisions) and the package naming pattern are explained with their public sources in docs/versions.md.
They are data that can change: users extend or replace rules with `volsnap_catalog_overrides` (_overrides.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import (
    Branch,
    FileVersion,
    KernelLine,
    Meaning,
    VersionRule,
)

KB = "KB2748349"
ARCHES = ("x86", "AMD64", "IA64")
# How Microsoft spells the architecture in package file names.
_PACKAGE_ARCH = {"x86": "x86", "AMD64": "x64", "IA64": "ia64"}

MAX_REVISION = 99999  # the largest revision a file version can carry here (five digits)
CatalogOverrides = Mapping[str, tuple[VersionRule, ...]]  # family key → the user's rules, checked first


@dataclass(frozen=True)
class Family:
    """Products serviced by one package per architecture."""

    key: str  # "2003" | "vista_2008" | "7_2008r2"
    kernel: tuple[int, int]  # major.minor of every file line of the family: (6, 0)
    os_builds: frozenset[int]  # CurrentBuildNumber of the family's hosts
    rules: tuple[VersionRule, ...]  # volsnap.sys version → branch and meaning
    required_service_pack: int  # the article's prerequisite (the rules tell pre-SP files apart by version)
    installer: str  # "update_exe" | "pkgmgr" | "dism"
    restart_required: bool = True  # "You must restart the computer after you apply this update."

    @property
    def thresholds(self) -> Mapping[str, FileVersion]:
        """First fixed version per branch (the article's table)."""
        return {rule.branch: rule.fixed for rule in self.rules if rule.fixed is not None}

    def holds(self, line: KernelLine) -> bool:
        """Whether a file line belongs to this family (an older or newer build of it does)."""
        return line[:2] == self.kernel


@dataclass(frozen=True)
class Product:
    name: str  # canonical name used in reports
    family: str
    arches: tuple[str, ...]  # architectures that exist for this product
    server: bool


def _v(text: str) -> FileVersion:
    return FileVersion(*(int(part) for part in text.split(".")))


def _threshold(line: KernelLine, low: int, high: int, branch: Branch, fixed: str) -> VersionRule:
    return VersionRule(line, low, high, branch, Meaning.THRESHOLD, fixed=_v(fixed))


def _included(line: KernelLine, branch: Branch) -> VersionRule:
    return VersionRule(line, 0, MAX_REVISION, branch, Meaning.INCLUDED)


def _needs(line: KernelLine, high: int, service_pack: str) -> VersionRule:
    return VersionRule(line, 0, high, Branch.PRE_SP, Meaning.PREREQUISITE, prerequisite=service_pack)


# docs/versions.md gives the sources of each rule.
FAMILIES: Mapping[str, Family] = {
    "2003": Family(
        key="2003",
        kernel=(5, 2),
        os_builds=frozenset({3790}),
        rules=(
            _needs((5, 2, 3790), 3958, "Service Pack 2"),  # SP2 shipped 5.2.3790.3959
            _threshold((5, 2, 3790), 3959, MAX_REVISION, Branch.SINGLE, "5.2.3790.5059"),
        ),
        required_service_pack=2,
        installer="update_exe",
    ),
    "vista_2008": Family(
        key="vista_2008",
        kernel=(6, 0),
        os_builds=frozenset({6000, 6001, 6002, 6003}),
        rules=(
            _needs((6, 0, 6000), MAX_REVISION, "Service Pack 2"),  # RTM files
            _needs((6, 0, 6001), MAX_REVISION, "Service Pack 2"),  # SP1 files
            _threshold((6, 0, 6002), 18000, 19999, Branch.GDR, "6.0.6002.18679"),
            # LDR (22xxx, 23xxx) and the merged monthly-rollup line that followed it (24xxx)
            _threshold((6, 0, 6002), 20000, MAX_REVISION, Branch.LDR, "6.0.6002.22913"),
            _included((6, 0, 6003), Branch.B6003),  # since April 2019: later than every 6002 line
        ),
        required_service_pack=2,
        installer="pkgmgr",
    ),
    "7_2008r2": Family(
        key="7_2008r2",
        kernel=(6, 1),
        os_builds=frozenset({7600, 7601}),
        rules=(
            _threshold((6, 1, 7600), 0, 19999, Branch.GDR, "6.1.7600.17122"),
            _threshold((6, 1, 7600), 20000, MAX_REVISION, Branch.LDR, "6.1.7600.21320"),  # 21000: the LDR trap
            _included((6, 1, 7601), Branch.SP1),  # "The fix is included in Windows 7 SP1 and 2008 R2 SP1"
        ),
        required_service_pack=0,
        installer="dism",
    ),
}


def rules_for(family: Family, overrides: CatalogOverrides | None = None) -> tuple[VersionRule, ...]:
    """The user's rules for the family first (they add or replace ranges), then the built-in ones."""
    return tuple((overrides or {}).get(family.key, ())) + family.rules


PRODUCTS: Mapping[str, Product] = {
    p.name: p
    for p in (
        Product("Windows Server 2003", "2003", ("x86", "AMD64", "IA64"), server=True),
        Product("Windows Vista", "vista_2008", ("x86", "AMD64"), server=False),
        Product("Windows Server 2008", "vista_2008", ("x86", "AMD64", "IA64"), server=True),
        Product("Windows 7", "7_2008r2", ("x86", "AMD64"), server=False),
        Product("Windows Server 2008 R2", "7_2008r2", ("AMD64", "IA64"), server=True),
    )
}

# Default package file names (an interface shared with the lab): Microsoft's pattern, unconfirmed for this KB, so
# every name can be overridden.
DEFAULT_PACKAGES: Mapping[tuple[str, str], str] = {
    ("2003", "x86"): f"WindowsServer2003-{KB}-x86-ENU.exe",
    ("2003", "AMD64"): f"WindowsServer2003.WindowsXP-{KB}-x64-ENU.exe",
    ("2003", "IA64"): f"WindowsServer2003-{KB}-ia64-ENU.exe",
    **{("vista_2008", a): f"Windows6.0-{KB}-{_PACKAGE_ARCH[a]}.msu" for a in ARCHES},
    **{("7_2008r2", a): f"Windows6.1-{KB}-{_PACKAGE_ARCH[a]}.msu" for a in ARCHES},
}


def package_key(family: str, arch: str) -> str:
    """The key users write in package name overrides: "7_2008r2/AMD64"."""
    return f"{family}/{arch}"


def package_name(family: str, arch: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The package file name for a family and architecture, a user override winning over the default."""
    if overrides and package_key(family, arch) in overrides:
        return overrides[package_key(family, arch)]
    return DEFAULT_PACKAGES.get((family, arch))
