"""The lab's KB2748349 packages: structurally real cabinets, applied by the lab from their content.

Layouts follow Microsoft's: an .msu is a cabinet holding the update's inner cabinet (named after the .msu), an .xml
and a `-pkgProperties.txt` file, and a WSUSSCAN.cab; the inner cabinet holds `update.mum` (a CBS package manifest:
package identity, parent product, one `<update>` per service branch naming the fixed volsnap.sys) and the payload.
The 2003 update is an `MZ` self-extractor stub with the same inner cabinet appended. The file name never decides
anything: `read_package` reads the family, architecture and versions from the bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from cabarchive import CabArchive, CabFile
from cabarchive.errors import CorruptionError, NotSupportedError

KB = "KB2748349"
KB_NUMBER = KB.removeprefix("KB")
PUBLIC_KEY_TOKEN = "31bf3856ad364e35"
PACKAGE_VERSION = "6.1.1.0"
PAYLOAD_BYTES = 320 * 1024  # per package, split over the branches' payload files
FAMILIES = ("2003", "vista_2008", "7_2008r2")
ARCHES = ("x86", "AMD64", "IA64")

# The article's fixed volsnap.sys versions ("File information"), per product family and service branch.
FIXED: dict[str, dict[str, str]] = {
    "2003": {"single": "5.2.3790.5059"},
    "vista_2008": {"GDR": "6.0.6002.18679", "LDR": "6.0.6002.22913"},
    "7_2008r2": {"GDR": "6.1.7600.17122", "LDR": "6.1.7600.21320"},
}
# The product a package's <parent> names (the build the update applies to), per family.
_PARENT_VERSION = {"2003": "5.2.3790.3959", "vista_2008": "6.0.6002.18005", "7_2008r2": "6.1.7600.16385"}
_FAMILY_BY_PARENT = {version.rsplit(".", 1)[0]: family for family, version in _PARENT_VERSION.items()}
# CBS spells architectures in lower case (amd64), file names use x64, the registry/profile AMD64.
_CBS_ARCH = {"x86": "x86", "AMD64": "amd64", "IA64": "ia64"}
_ARCH_BY_CBS = {tag: arch for arch, tag in _CBS_ARCH.items()}
_FILE_TAG = {"x86": "x86", "AMD64": "x64", "IA64": "ia64"}
_BRANCH_TOKEN = {"GDR": "GDR", "LDR": "LDR", "single": "QFE"}  # the suffix of an <update> name
_BRANCH_BY_TOKEN = {token: branch for branch, token in _BRANCH_TOKEN.items()}
_MANIFEST = "update.mum"
_ASM = "urn:schemas-microsoft-com:asm.v3"
_CAB_SIGNATURE = b"MSCF"
_EXE_STUB = b"MZ" + b"\x90" * 58 + struct.pack("<I", 64) + b"winlab KB2748349 update.exe self-extractor\0"


# The build date of the article's files: every member carries it, so the same package is the same bytes on any day.
_BUILD_TIME = dt.datetime(2012, 9, 6, 20, 8, 0)


def _member(data: bytes) -> CabFile:
    return CabFile(data, mtime=_BUILD_TIME)


class PackageError(ValueError):
    """Bytes that are not a usable KB2748349 package; the subclass says why."""


class NotAPackageError(PackageError):
    """Neither a cabinet (.msu, .cab) nor an update .exe."""


class TruncatedPackageError(PackageError):
    """A cabinet whose header promises more bytes than there are (an interrupted copy)."""


class CorruptPackageError(PackageError):
    """A complete cabinet that does not read back: bad checksum, damaged structure, missing or broken manifest."""


@dataclass(frozen=True)
class Manifest:
    """What a package says about itself (read from its update.mum)."""

    kb: str
    family: str  # "2003" | "vista_2008" | "7_2008r2"
    arch: str  # "x86" | "AMD64" | "IA64" (as the host profile spells it)
    versions: dict[str, str]  # service branch → fixed volsnap.sys version
    payloads: dict[str, bytes]  # service branch → the volsnap.sys that branch installs

    @property
    def package_name(self) -> str:
        """The CBS package identity, as DISM lists it and the registry keys it."""
        return f"Package_for_{self.kb}~{PUBLIC_KEY_TOKEN}~{_CBS_ARCH[self.arch]}~~{PACKAGE_VERSION}"


# -- writing ---------------------------------------------------------------------------------------------------
def default_name(family: str, arch: str) -> str:
    """The collection's default file name for a package (an interface: playbooks look for these names)."""
    if family == "2003":
        return {
            "x86": f"WindowsServer2003-{KB}-x86-ENU.exe",
            "AMD64": f"WindowsServer2003.WindowsXP-{KB}-x64-ENU.exe",
            "IA64": f"WindowsServer2003-{KB}-ia64-ENU.exe",
        }[arch]
    prefix = {"vista_2008": "Windows6.0", "7_2008r2": "Windows6.1"}[family]
    return f"{prefix}-{KB}-{_FILE_TAG[arch]}.msu"


def _payload(seed: str, size: int) -> bytes:
    """Deterministic, incompressible filler (so transfer measurements mean something)."""
    blocks = (hashlib.sha256(f"{seed}:{counter}".encode()).digest() for counter in range(size // 32 + 1))
    return b"MZ" + b"".join(blocks)[: size - 2]


def _identity(parent: ET.Element, name: str, version: str, arch: str) -> ET.Element:
    return ET.SubElement(
        parent,
        f"{{{_ASM}}}assemblyIdentity",
        name=name,
        version=version,
        language="neutral",
        processorArchitecture=_CBS_ARCH[arch],
        publicKeyToken=PUBLIC_KEY_TOKEN,
    )


def _payload_path(family: str, arch: str, version: str) -> str:
    """Where a branch's volsnap.sys sits in the cabinet (a component folder, as in Microsoft's cabinets)."""
    return f"{_CBS_ARCH[arch]}_microsoft-windows-volsnap_{PUBLIC_KEY_TOKEN}_{version}_none\\volsnap.sys"


def _manifest_xml(family: str, arch: str) -> bytes:
    ET.register_namespace("", _ASM)
    root = ET.Element(
        f"{{{_ASM}}}assembly",
        manifestVersion="1.0",
        description=f"Fix for {KB}",
        company="Microsoft Corporation",
        supportInformation=f"http://support.microsoft.com/?kbid={KB_NUMBER}",
    )
    _identity(root, f"Package_for_{KB}", PACKAGE_VERSION, arch)
    package = ET.SubElement(root, f"{{{_ASM}}}package", identifier=KB, releaseType="Update", restart="required")
    parent = ET.SubElement(package, f"{{{_ASM}}}parent", disposition="detect", integrate="separate")
    _identity(parent, "Microsoft-Windows-Foundation-Package", _PARENT_VERSION[family], arch)
    for index, (branch, version) in enumerate(FIXED[family].items(), start=1):
        name = f"{KB_NUMBER}-{index}_neutral_{_BRANCH_TOKEN[branch]}"
        update = ET.SubElement(package, f"{{{_ASM}}}update", name=name)
        component = ET.SubElement(update, f"{{{_ASM}}}component", source=_payload_path(family, arch, version))
        _identity(component, "Microsoft-Windows-VolSnap", version, arch)
    return bytes(ET.tostring(root, xml_declaration=True, encoding="utf-8"))


def inner_cab(family: str, arch: str) -> bytes:
    """The update cabinet: what dism /add-package, pkgmgr /ip and the 2003 self-extractor apply."""
    archive = CabArchive()
    archive[_MANIFEST] = _member(_manifest_xml(family, arch))
    share = PAYLOAD_BYTES // len(FIXED[family])
    for version in FIXED[family].values():
        archive[_payload_path(family, arch, version)] = _member(_payload(f"{family}/{arch}/{version}", share))
    return archive.save()


def _msu(family: str, arch: str) -> bytes:
    stem = default_name(family, arch).removesuffix(".msu")
    wsusscan = CabArchive()
    wsusscan["package.xml"] = _member(f'<OfflineSyncPackage><Update KB="{KB_NUMBER}"/></OfflineSyncPackage>'.encode())
    outer = CabArchive()
    outer[f"{stem}.cab"] = _member(inner_cab(family, arch))
    outer[f"{stem}.xml"] = _member(
        '<?xml version="1.0" encoding="UTF-8"?>\r\n<unattend xmlns="urn:schemas-microsoft-com:unattend">'
        f'<servicing><package action="install"><assemblyIdentity name="Package_for_{KB}" version="{PACKAGE_VERSION}"'
        f' language="neutral" processorArchitecture="{_CBS_ARCH[arch]}" publicKeyToken="{PUBLIC_KEY_TOKEN}"/>'
        f'<source location="%configsetroot%\\{stem}.CAB"/></package></servicing></unattend>'.encode()
    )
    outer[f"{stem}-pkgProperties.txt"] = _member(
        f'ApplicabilityInfo="{family}"\r\nAppliesTo="{_CBS_ARCH[arch]}"\r\nBuild Date="2012/09/06"\r\n'
        f'Installation Type="Hotfix"\r\nKB Article Number="{KB_NUMBER}"\r\nPackage Type="Update"\r\n'.encode("utf-16")
    )
    outer["WSUSSCAN.cab"] = _member(wsusscan.save())
    return outer.save()


@functools.cache
def build_package(family: str, arch: str) -> bytes:
    """One package's bytes (deterministic: the same bytes on every call and every machine)."""
    if family == "2003":
        return _EXE_STUB + inner_cab(family, arch)
    return _msu(family, arch)


def all_packages() -> dict[str, bytes]:
    """Every package of the article, by default file name."""
    return {default_name(family, arch): build_package(family, arch) for family in FAMILIES for arch in ARCHES}


def sha256sums(packages: dict[str, bytes]) -> str:
    """`sha256sum` output for the packages: `<hex>  <name>` lines."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in packages.items())


def write_packages(out_dir: Path) -> list[Path]:
    """Write every package and SHA256SUMS into out_dir; returns the package paths (not SHA256SUMS)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    packages = all_packages()
    written = []
    for name, data in packages.items():
        (out_dir / name).write_bytes(data)
        written.append(out_dir / name)
    (out_dir / "SHA256SUMS").write_text(sha256sums(packages), encoding="ascii")
    return written


# -- reading ---------------------------------------------------------------------------------------------------
def read_cab(data: bytes) -> CabArchive:
    """A cabinet's members, or the precise reason it cannot be read."""
    if not data.startswith(_CAB_SIGNATURE):
        raise NotAPackageError("not a cabinet (no MSCF signature)")
    if len(data) < 36:
        raise TruncatedPackageError(f"truncated cabinet: {len(data)} bytes, shorter than its header")
    (declared,) = struct.unpack_from("<I", data, 8)  # CFHEADER.cbCabinet: the cabinet's total size
    if len(data) < declared:
        raise TruncatedPackageError(f"truncated cabinet: {len(data)} of {declared} bytes")
    try:
        return CabArchive(data[:declared])
    except (CorruptionError, NotSupportedError, ValueError, IndexError, struct.error) as error:
        raise CorruptPackageError(f"corrupt cabinet ({error or type(error).__name__})") from error


def _branch_of(update: ET.Element) -> str:
    token = update.get("name", "").rsplit("_", 1)[-1]
    if token not in _BRANCH_BY_TOKEN:
        raise CorruptPackageError(f"update {update.get('name')!r} names no known service branch")
    return _BRANCH_BY_TOKEN[token]


def read_inner(data: bytes) -> Manifest:
    """The manifest of an inner update cabinet, with each branch's payload."""
    archive = read_cab(data)
    if _MANIFEST not in archive:
        raise CorruptPackageError(f"the cabinet holds no {_MANIFEST}")
    try:
        root = ET.fromstring(archive[_MANIFEST].buf)
    except ET.ParseError as error:
        raise CorruptPackageError(f"corrupt {_MANIFEST} ({error})") from error
    ns = {"a": _ASM}
    identity = root.find("a:assemblyIdentity", ns)
    package = root.find("a:package", ns)
    parent = root.find("a:package/a:parent/a:assemblyIdentity", ns)
    if identity is None or package is None or parent is None:
        raise CorruptPackageError(f"{_MANIFEST} lacks the package identity, package or parent")
    family = _FAMILY_BY_PARENT.get(parent.get("version", "").rsplit(".", 1)[0])
    arch = _ARCH_BY_CBS.get(identity.get("processorArchitecture", ""))
    if family is None or arch is None:
        raise CorruptPackageError(f"{_MANIFEST} names an unknown product or architecture")
    versions: dict[str, str] = {}
    payloads: dict[str, bytes] = {}
    for update in package.findall("a:update", ns):
        component = update.find("a:component", ns)
        version = component.find("a:assemblyIdentity", ns) if component is not None else None
        if component is None or version is None or component.get("source") not in archive:
            raise CorruptPackageError(f"update {update.get('name')!r} has no payload in the cabinet")
        branch = _branch_of(update)
        versions[branch] = version.get("version", "")
        payloads[branch] = archive[component.get("source", "")].buf or b""
    if not versions:
        raise CorruptPackageError(f"{_MANIFEST} lists no update")
    return Manifest(package.get("identifier", ""), family, arch, versions, payloads)


def read_update_exe(data: bytes) -> Manifest:
    """The 2003 update .exe: an MZ stub with the update cabinet appended."""
    if not data.startswith(b"MZ"):
        raise NotAPackageError("not an executable (no MZ header)")
    offset = data.find(_CAB_SIGNATURE)
    if offset < 0:
        raise NotAPackageError("an executable without an update cabinet")
    return read_inner(data[offset:])


def outer_update_cab(archive: CabArchive) -> bytes:
    """The inner update cabinet of an .msu (the member that is neither WSUSSCAN.cab nor metadata)."""
    names = [name for name in archive if name.lower().endswith(".cab") and name.lower() != "wsusscan.cab"]
    if len(names) != 1:
        raise CorruptPackageError(f"an .msu holds exactly one update cabinet, this one {len(names)}")
    return archive[names[0]].buf or b""


def read_package(data: bytes) -> Manifest:
    """Any package as a user would hand it over (.msu, inner .cab or 2003 .exe), read from its bytes alone."""
    if data.startswith(b"MZ"):
        return read_update_exe(data)
    archive = read_cab(data)
    if _MANIFEST in archive:
        return read_inner(data)
    return read_inner(outer_update_cab(archive))
