"""The lab's update packages: real cabinets, the article's versions inside, SHA256SUMS, precise read errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from pathlib import Path

import pytest
from cabarchive import CabArchive, CabFile

from winlab.packages import (
    CorruptPackageError,
    NotAPackageError,
    TruncatedPackageError,
    all_packages,
    build_package,
    read_package,
    write_packages,
)

# The article's table, written out here on purpose (not read from the module under test).
EXPECTED = {
    "WindowsServer2003-KB2748349-x86-ENU.exe": ("2003", "x86", {"single": "5.2.3790.5059"}),
    "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe": ("2003", "AMD64", {"single": "5.2.3790.5059"}),
    "WindowsServer2003-KB2748349-ia64-ENU.exe": ("2003", "IA64", {"single": "5.2.3790.5059"}),
    "Windows6.0-KB2748349-x86.msu": ("vista_2008", "x86", {"GDR": "6.0.6002.18679", "LDR": "6.0.6002.22913"}),
    "Windows6.0-KB2748349-x64.msu": ("vista_2008", "AMD64", {"GDR": "6.0.6002.18679", "LDR": "6.0.6002.22913"}),
    "Windows6.0-KB2748349-ia64.msu": ("vista_2008", "IA64", {"GDR": "6.0.6002.18679", "LDR": "6.0.6002.22913"}),
    "Windows6.1-KB2748349-x86.msu": ("7_2008r2", "x86", {"GDR": "6.1.7600.17122", "LDR": "6.1.7600.21320"}),
    "Windows6.1-KB2748349-x64.msu": ("7_2008r2", "AMD64", {"GDR": "6.1.7600.17122", "LDR": "6.1.7600.21320"}),
    "Windows6.1-KB2748349-ia64.msu": ("7_2008r2", "IA64", {"GDR": "6.1.7600.17122", "LDR": "6.1.7600.21320"}),
}
MSU = "Windows6.1-KB2748349-x64.msu"


def test_write_packages_names_sizes_and_sha256sums(tmp_path: Path) -> None:
    written = write_packages(tmp_path)
    assert sorted(p.name for p in written) == sorted(EXPECTED)
    lines = (tmp_path / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    assert len(lines) == len(EXPECTED)
    for line in lines:
        match = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
        assert match is not None, line
        data = (tmp_path / match.group(2)).read_bytes()
        assert hashlib.sha256(data).hexdigest() == match.group(1)
        assert 256 * 1024 < len(data) < 1024 * 1024
        assert len(zlib.compress(data)) > 0.99 * len(data)  # incompressible: transfers cost what they say


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_package_reads_back_as_the_article_says(name: str) -> None:
    family, arch, versions = EXPECTED[name]
    data = all_packages()[name]
    manifest = read_package(data)
    assert (manifest.kb, manifest.family, manifest.arch, manifest.versions) == ("KB2748349", family, arch, versions)
    assert set(manifest.payloads) == set(versions)
    assert all(len(payload) > 100_000 and payload.startswith(b"MZ") for payload in manifest.payloads.values())
    assert data.startswith(b"MZ" if name.endswith(".exe") else b"MSCF")


def test_msu_layout_is_a_cabinet_of_cabinets() -> None:
    outer = CabArchive(all_packages()[MSU])
    stem = MSU.removesuffix(".msu")
    assert sorted(outer) == sorted([f"{stem}.cab", f"{stem}.xml", f"{stem}-pkgProperties.txt", "WSUSSCAN.cab"])
    inner = CabArchive(outer[f"{stem}.cab"].buf)
    mum = inner["update.mum"].buf
    assert b'identifier="KB2748349"' in mum and b'processorArchitecture="amd64"' in mum
    assert b'version="6.1.7600.21320"' in mum and b'version="6.1.7600.17122"' in mum
    assert "KB Article Number" in outer[f"{stem}-pkgProperties.txt"].buf.decode("utf-16")


def test_2003_exe_is_a_stub_with_an_appended_cabinet() -> None:
    data = all_packages()["WindowsServer2003-KB2748349-x86-ENU.exe"]
    offset = data.index(b"MSCF")
    assert data[:2] == b"MZ" and 64 <= offset < 512
    assert "update.mum" in CabArchive(data[offset:])


def test_packages_are_deterministic() -> None:
    rebuilt = build_package.__wrapped__("vista_2008", "IA64")  # bypass the cache: a fresh build
    assert rebuilt == all_packages()["Windows6.0-KB2748349-ia64.msu"]
    # Member dates are fixed, not "now": a package built tomorrow is the same bytes (and SHA256SUMS line).
    assert {member.date for member in CabArchive(rebuilt).values()} == {dt.date(2012, 9, 6)}


def test_package_name_is_the_cbs_identity() -> None:
    assert read_package(all_packages()[MSU]).package_name == "Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0"


def test_truncated_package() -> None:
    data = all_packages()[MSU]
    with pytest.raises(TruncatedPackageError, match=f"5000 of {len(data)} bytes"):
        read_package(data[:5000])
    with pytest.raises(TruncatedPackageError):
        read_package(data[:20])


def test_corrupt_package_fails_its_checksum() -> None:
    data = bytearray(all_packages()[MSU])
    data[len(data) // 2] ^= 0x01
    with pytest.raises(CorruptPackageError, match="checksum"):
        read_package(bytes(data))


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 a zip file", b"MZ" + b"\0" * 500])
def test_not_a_package(data: bytes) -> None:
    with pytest.raises(NotAPackageError):
        read_package(data)


def test_a_cabinet_without_a_manifest_is_corrupt() -> None:
    archive = CabArchive()
    archive["readme.txt"] = CabFile(b"hello")
    with pytest.raises(CorruptPackageError, match="update cabinet"):
        read_package(archive.save())
    archive = CabArchive()
    archive["update.mum"] = CabFile(b"<assembly><unclosed")
    with pytest.raises(CorruptPackageError, match=r"corrupt update\.mum"):
        read_package(archive.save())
