r"""The lab's KB2748349 packages: structurally real cabinets, applied by the lab from their content.

An .msu is a cabinet holding the inner update cabinet, `WSUSSCAN.cab`, an .xml and a properties file, as Microsoft's
.msu files do (KB934307). The inner cabinet holds an `update.mum` manifest: the package identity (assemblyIdentity:
name, version, processorArchitecture, language, publicKeyToken, as CBS names its package `name~token~arch~~version`),
and, for the lab, the product family, the architecture and the fixed volsnap.sys per branch, plus a payload. The .xml
is an unattend file like Microsoft's (urn:schemas-microsoft-com:unattend; servicing/package with the assemblyIdentity
and `<source location="%configsetroot%\<inner>.cab"/>`), the form quoted from Windows6.0-KB929761-x86.msu in
FuzzySecurity/PowerShell-Suite (Bypass-UAC/Bypass-UAC.ps1) and described in KB940410. The 2003 .exe is an `MZ` stub
followed by the same inner cabinet. The file name never decides anything.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from cabarchive import CabArchive, CabFile
from cabarchive.errors import CorruptionError, NotSupportedError

KB = "KB2748349"
PAYLOAD_BYTES = 300 * 1024
# The article's fixed versions (KB2748349 "File information").
FIXED = {
    "2003": {"single": "5.2.3790.5059"},
    "vista_2008": {"GDR": "6.0.6002.18679", "LDR": "6.0.6002.22913"},
    "7_2008r2": {"GDR": "6.1.7600.17122", "LDR": "6.1.7600.21320"},
}
_TAG = {"x86": "x86", "AMD64": "x64", "IA64": "ia64"}
_CBS_ARCH = {"x86": "x86", "AMD64": "amd64", "IA64": "ia64"}  # processorArchitecture in package identities
_PREFIX = {"vista_2008": "Windows6.0", "7_2008r2": "Windows6.1"}
_PACKAGE_VERSION = {"2003": "5.2.1.0", "vista_2008": "6.0.1.0", "7_2008r2": "6.1.1.0"}
PUBLIC_KEY_TOKEN = "31bf3856ad364e35"
UNATTEND_NS = "urn:schemas-microsoft-com:unattend"


class PackageError(ValueError):
    """Not a readable KB2748349 package: corrupt, truncated, or something else."""


@dataclass(frozen=True)
class Manifest:
    kb: str
    family: str
    arch: str
    versions: dict[str, str]  # branch → fixed volsnap.sys version
    identity: str = ""  # the CBS package identity: name~publicKeyToken~arch~language~version ("" language: neutral)


def package_identity(family: str, arch: str) -> str:
    return f"Package_for_{KB}~{PUBLIC_KEY_TOKEN}~{_CBS_ARCH[arch]}~~{_PACKAGE_VERSION[family]}"


def _identity_attributes(family: str, arch: str) -> dict[str, str]:
    return {
        "name": f"Package_for_{KB}",
        "version": _PACKAGE_VERSION[family],
        "language": "neutral",
        "processorArchitecture": _CBS_ARCH[arch],
        "publicKeyToken": PUBLIC_KEY_TOKEN,
    }


def default_name(family: str, arch: str) -> str:
    if family == "2003":
        return {
            "x86": f"WindowsServer2003-{KB}-x86-ENU.exe",
            "AMD64": f"WindowsServer2003.WindowsXP-{KB}-x64-ENU.exe",
            "IA64": f"WindowsServer2003-{KB}-ia64-ENU.exe",
        }[arch]
    return f"{_PREFIX[family]}-{KB}-{_TAG[arch]}.msu"


def _payload(seed: str) -> bytes:
    """Deterministic, incompressible filler (so transfer measurements mean something)."""
    out = bytearray()
    counter = 0
    while len(out) < PAYLOAD_BYTES:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:PAYLOAD_BYTES])


def _manifest_xml(family: str, arch: str) -> bytes:
    root = ET.Element("assembly", manifestVersion="1.0")
    ET.SubElement(root, "assemblyIdentity", _identity_attributes(family, arch))
    package = ET.SubElement(
        root,
        "package",
        identifier=KB,
        family=family,
        processorArchitecture=arch,
        releaseType="Update",
        restart="required",
    )
    for branch, version in FIXED[family].items():
        ET.SubElement(package, "file", name="volsnap.sys", branch=branch, version=version)
    return ET.tostring(root, xml_declaration=True, encoding="utf-8")


def inner_cab(family: str, arch: str) -> bytes:
    archive = CabArchive()
    archive["update.mum"] = CabFile(_manifest_xml(family, arch))
    archive["volsnap.sys"] = CabFile(_payload(f"{family}/{arch}"))
    return archive.save()


def build_package(family: str, arch: str) -> bytes:
    inner = inner_cab(family, arch)
    if family == "2003":
        return b"MZ" + b"\x90" * 62 + b"winlab update.exe stub\0" + inner
    stem = default_name(family, arch).removesuffix(".msu")
    outer = CabArchive()
    outer[f"{stem}.cab"] = CabFile(inner)
    outer[f"{stem}.xml"] = CabFile(msu_xml(family, arch, f"{stem}.cab").encode())
    outer[f"{stem}-pkgProperties.txt"] = CabFile(
        f'ApplicabilityInfo="{family}"\r\nKB Article Number="2748349"\r\n'.encode()
    )
    scan = CabArchive()  # Windows Update's applicability data: a cabinet, but no update package (no update.mum)
    scan["package.xml"] = CabFile(f'<OfflineSyncPackage><Update KB="{KB[2:]}"/></OfflineSyncPackage>'.encode())
    outer["WSUSSCAN.cab"] = CabFile(scan.save())
    return outer.save()


def msu_xml(family: str, arch: str, inner_cab: str, action: str = "install") -> str:
    """The .msu's unattend file, laid out as Microsoft's are."""
    identity = " ".join(f'{k}="{v}"' for k, v in _identity_attributes(family, arch).items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\r\n'
        f'<unattend xmlns="{UNATTEND_NS}">\r\n'
        "    <servicing>\r\n"
        f'        <package action="{action}">\r\n'
        f"            <assemblyIdentity {identity}/>\r\n"
        f'            <source location="%configsetroot%\\{inner_cab}" />\r\n'
        "        </package>\r\n"
        "    </servicing>\r\n"
        "</unattend>\r\n"
    )


def all_packages() -> dict[str, bytes]:
    families = {
        "2003": ("x86", "AMD64", "IA64"),
        "vista_2008": ("x86", "AMD64", "IA64"),
        "7_2008r2": ("x86", "AMD64", "IA64"),
    }
    return {default_name(f, a): build_package(f, a) for f, arches in families.items() for a in arches}


def write_packages(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    sums = []
    for name, data in all_packages().items():
        (out_dir / name).write_bytes(data)
        written.append(out_dir / name)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
    (out_dir / "SHA256SUMS").write_text("".join(sums))
    return written


def read_cab(data: bytes) -> CabArchive:
    try:
        return CabArchive(data)
    except (CorruptionError, NotSupportedError, ValueError, IndexError) as error:
        raise PackageError(f"not a valid cabinet ({error})") from error


def read_inner(data: bytes) -> Manifest:
    """The manifest of an inner update cabinet (what dism/pkgmgr/update.exe apply)."""
    archive = read_cab(data)
    if "update.mum" not in archive:
        raise PackageError("the cabinet has no update manifest")
    return read_manifest(archive["update.mum"].buf)


def read_manifest(mum: bytes) -> Manifest:
    """An update.mum (inside a cabinet, or in a folder holding an unpacked package)."""
    try:
        root = ET.fromstring(mum)
    except ET.ParseError as error:
        raise PackageError(f"corrupt manifest ({error})") from error
    package = root.find("package")
    if package is None:
        raise PackageError("the manifest names no package")
    versions = {f.get("branch", ""): f.get("version", "") for f in package.findall("file")}
    ident = root.find("assemblyIdentity")
    identity = ""
    if ident is not None:
        language = ident.get("language", "neutral")
        identity = "~".join(
            (
                ident.get("name", ""),
                ident.get("publicKeyToken", ""),
                ident.get("processorArchitecture", ""),
                "" if language == "neutral" else language,
                ident.get("version", ""),
            )
        )
    return Manifest(
        package.get("identifier", ""),
        package.get("family", ""),
        package.get("processorArchitecture", ""),
        versions,
        identity,
    )


def read_update_exe(data: bytes) -> Manifest:
    """The 2003 update .exe: MZ stub + inner cabinet."""
    offset = data.find(b"MSCF")
    if not data.startswith(b"MZ") or offset < 0:
        raise PackageError("not an update package")
    return read_inner(data[offset:])
