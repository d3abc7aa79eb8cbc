# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The article's table (KB2748349) as data: products, kernel lines, prerequisites, thresholds, packages.

Source: Microsoft KB2748349 (revision 4.0, 2013-03-18), "File information" and "Prerequisites"; the branch revision
ranges and package naming pattern are from ../shared/reference/legacy-windows.md §1-2 (consistent with the article,
not a Microsoft table, hence kept as data that can change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import (
    Branch,
    FileVersion,
    RevisionRange,
)

KB = "KB2748349"
ARCHES = ("x86", "AMD64", "IA64")
# How Microsoft spells the architecture in package file names.
_PACKAGE_ARCH = {"x86": "x86", "AMD64": "x64", "IA64": "ia64"}


@dataclass(frozen=True)
class Family:
    """Products serviced by one package per architecture."""

    key: str  # "2003" | "vista_2008" | "7_2008r2"
    kernel_line: tuple[int, int, int]
    required_service_pack: int  # the article's prerequisite
    thresholds: Mapping[Branch, FileVersion]  # first fixed version per branch
    ranges: tuple[RevisionRange, ...]  # how a revision maps to a branch
    installer: str  # "update_exe" | "pkgmgr" | "dism"
    fix_included_in_sp1: bool
    restart_required: bool = True  # "You must restart the computer after you apply this update."


@dataclass(frozen=True)
class Product:
    name: str  # canonical name used in reports
    family: str
    arches: tuple[str, ...]  # architectures that exist for this product
    server: bool


def _v(text: str) -> FileVersion:
    return FileVersion(*(int(part) for part in text.split(".")))


FAMILIES: Mapping[str, Family] = {
    "2003": Family(
        key="2003",
        kernel_line=(5, 2, 3790),
        required_service_pack=2,
        thresholds={Branch.SINGLE: _v("5.2.3790.5059")},
        ranges=(RevisionRange((5, 2, 3790), 0, 99999, Branch.SINGLE),),
        installer="update_exe",
        fix_included_in_sp1=False,
    ),
    "vista_2008": Family(
        key="vista_2008",
        kernel_line=(6, 0, 6002),
        required_service_pack=2,
        thresholds={Branch.GDR: _v("6.0.6002.18679"), Branch.LDR: _v("6.0.6002.22913")},
        ranges=(
            RevisionRange((6, 0, 6002), 18000, 19999, Branch.GDR),
            RevisionRange((6, 0, 6002), 22000, 23999, Branch.LDR),
        ),
        installer="pkgmgr",
        fix_included_in_sp1=False,
    ),
    "7_2008r2": Family(
        key="7_2008r2",
        kernel_line=(6, 1, 7600),
        required_service_pack=0,
        thresholds={Branch.GDR: _v("6.1.7600.17122"), Branch.LDR: _v("6.1.7600.21320")},
        ranges=(
            RevisionRange((6, 1, 7600), 16000, 17999, Branch.GDR),
            RevisionRange((6, 1, 7600), 20000, 21999, Branch.LDR),
            RevisionRange((6, 1, 7601), 0, 99999, Branch.SP1),
        ),
        installer="dism",
        fix_included_in_sp1=True,
    ),
}

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


@dataclass(frozen=True)
class Identification:
    """What product a host runs, or why it is outside the article."""

    product: str | None  # a PRODUCTS key when in scope
    label: str  # human name, also for products outside the article
    in_scope: bool
    reason: str = ""


def _outside(label: str) -> Identification:
    return Identification(None, label, in_scope=False, reason=f"{label} is not affected (not listed in {KB})")


def identify_product(
    current_version: str | None,
    build: int | None,
    product_type: str | None,
    product_name: str | None,
) -> Identification | None:
    """Tell the product from CurrentVersion, CurrentBuildNumber and ProductType; None when the data cannot tell.

    Build numbers decide, because CurrentVersion stops at 6.3 on Windows 10 and later. ProductName is only used to
    tell Windows XP x64 (5.2.3790, a client) from Server 2003 when ProductType is missing.
    """
    if build is None:
        return None
    server = _is_server(product_type, product_name)
    if build < 2600 or current_version == "5.0":
        return _outside("Windows 2000 or earlier")
    if build < 3790:
        return _outside("Windows XP")
    if build == 3790:
        if server is False:
            return _outside("Windows XP Professional x64 Edition")
        return Identification("Windows Server 2003", "Windows Server 2003", in_scope=True)
    if 6000 <= build <= 6003:
        if server is None:
            return None
        name = "Windows Server 2008" if server else "Windows Vista"
        return Identification(name, name, in_scope=True)
    if build in (7600, 7601):
        if server is None:
            return None
        name = "Windows Server 2008 R2" if server else "Windows 7"
        return Identification(name, name, in_scope=True)
    if build == 9200:
        return _outside("Windows Server 2012" if server else "Windows 8")
    if build == 9600:
        return _outside("Windows Server 2012 R2" if server else "Windows 8.1")
    if build >= 10240:
        return _outside("Windows Server 2016 or later" if server else "Windows 10 or later")
    return None


def _is_server(product_type: str | None, product_name: str | None) -> bool | None:
    if product_type:
        kind = product_type.strip().lower()
        if kind == "winnt":
            return False
        if kind in ("servernt", "lanmannt"):
            return True
    if product_name:
        return "server" in product_name.lower()
    return None
