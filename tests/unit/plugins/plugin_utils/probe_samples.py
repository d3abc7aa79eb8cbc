"""Builders of probe output in the real shapes of each tool, for table-driven tests.

Shapes (Microsoft's reg.exe / wmic / vssadmin output as published; see the .source files beside the fixtures):
- reg.exe on Vista and later: "\\r\\n", the key, then "    Name    REG_TYPE    data" lines, a blank line at the end.
- reg.exe 3.0 on XP/2003: "\\r\\n! REG.EXE VERSION 3.0\\r\\n\\r\\n", the key, then tab-separated value lines.
- wmic /value: blank lines around "Key=Value" lines that end in "\\r\\r\\n"; values padded with spaces.
- cmd's `echo x& y` prints "x" and `echo x & y` prints "x " (the space before & is echoed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CBS_PACKAGE = "Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0"
NT_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


def reg_output(key: str, values: list[tuple[str, str, str]], xp_format: bool = False) -> str:
    sep = "\t" if xp_format else "    "
    header = "\r\n! REG.EXE VERSION 3.0\r\n\r\n" if xp_format else "\r\n"
    body = "".join(f"    {name}{sep}{kind}{sep}{data}\r\n" for name, kind, data in values)
    return f"{header}{key}\r\n{body}\r\n"


def wmic_output(records: list[dict[str, str]]) -> str:
    if not records:
        return "No Instance(s) Available.\r\r\n"
    chunks = ["\r\r\n\r\r\n"]
    for record in records:
        chunks.extend(f"{k}={v}\r\r\n" for k, v in record.items())
        chunks.append("\r\r\n\r\r\n")
    return "".join(chunks)


VSSADMIN_BANNER = (
    "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
    "(C) Copyright 2001-2005 Microsoft Corp.\r\n\r\n"
)


def vssadmin_output(copies: int) -> str:
    if copies == 0:
        return VSSADMIN_BANNER + "No items found that satisfy the query.\r\n"
    out = [VSSADMIN_BANNER]
    for index in range(copies):
        guid = f"{{{index:08x}-1111-2222-3333-444455556666}}"
        out.append(f"Contents of shadow copy set ID: {{aaaaaaaa-1111-2222-3333-{index:012x}}}\r\n")
        out.append("   Contained 1 shadow copies at creation time: 11/20/2012 9:30:00 AM\r\n")
        out.append(f"      Shadow Copy ID: {guid}\r\n")
        out.append("         Original Volume: (C:)\\\\?\\Volume{5b5c9a5a-0000-0000-0000-100000000000}\\\r\n")
        device = f"\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy{index + 1}"
        out.append(f"         Shadow Copy Volume: {device}\r\n\r\n")
    return "".join(out)


@dataclass
class Host:
    """A host as the probe would see it (None: the value is absent)."""

    product_name: str = "Windows 7 Professional"
    current_version: str = "6.1"
    build: int = 7600
    csd_version: str | None = None
    product_type: str | None = "WinNT"  # None: the ProductOptions value is missing (reg exits 1)
    edition_id: str | None = "Professional"
    installation_type: str | None = None
    arch: str = "AMD64"
    volsnap_version: str | None = "6.1.7600.16385"
    powershell: str | None = "2.0"
    wmic: bool = True
    kb_installed: bool = False
    pending_reboot: bool = False
    volumes: list[tuple[str, int]] = field(default_factory=lambda: [("C:", 25769803776)])
    shadow_copies: int = 0
    major_version: int | None = None
    update_exe_marker: str = "value"  # 2003's pending restart: "value" (Updates\UpdateExeVolatile=1) or "key" (…\Flags)
    last_boot: str = "20121120093000.500000+060"
    local_time: str = "20121123120000.000000+060"  # wmic LocalDateTime: the host's clock when probed

    @property
    def xp_reg(self) -> bool:
        return self.build <= 3790


def section(name: str, body: str, ok: bool) -> str:
    # The probe joins sections with " & ": cmd echoes the space before "&" on the marker line.
    return f"@@volsnap {name}\r\n{body}@@volsnap-rc {0 if ok else 1}\r\n"


def probe_output(host: Host) -> str:
    xp = host.xp_reg
    nt_values = [
        ("ProductName", "REG_SZ", host.product_name),
        ("CurrentVersion", "REG_SZ", host.current_version),
        ("CurrentBuildNumber", "REG_SZ", str(host.build)),
        ("SystemRoot", "REG_SZ", "C:\\Windows"),
    ]
    if host.csd_version:
        nt_values.append(("CSDVersion", "REG_SZ", host.csd_version))
    if host.edition_id:
        nt_values.append(("EditionID", "REG_SZ", host.edition_id))
    if host.installation_type:
        nt_values.append(("InstallationType", "REG_SZ", host.installation_type))
    if host.major_version:
        nt_values.append(("CurrentMajorVersionNumber", "REG_DWORD", hex(host.major_version)))
    missing = ""  # reg.exe writes its (localised) error to stderr, so stdout stays empty

    def reg(key: str, values: list[tuple[str, str, str]]) -> str:
        return reg_output(key, values, xp)

    cbs = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
    kb_cbs_ok = host.kb_installed and not xp
    volatile_value = host.pending_reboot and xp and host.update_exe_marker == "value"
    volatile_key = host.pending_reboot and xp and host.update_exe_marker == "key"
    kb_2003_ok = host.kb_installed and xp
    parts = [
        section("os", reg(NT_KEY, nt_values), True),
        section(
            "product_type",
            reg(
                r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions",
                [("ProductType", "REG_SZ", host.product_type)],
            )
            if host.product_type
            else missing,
            host.product_type is not None,
        ),
        section(
            "arch",
            reg(
                r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager\Environment",
                [("PROCESSOR_ARCHITECTURE", "REG_SZ", host.arch)],
            ),
            True,
        ),
        section(
            "volsnap",
            wmic_output([{"Version": host.volsnap_version}] if host.volsnap_version else []) if host.wmic else "",
            host.wmic and host.volsnap_version is not None,
        ),
        section(
            "cbs_reboot_pending",
            reg(cbs + r"\RebootPending", []) if host.pending_reboot and not xp else missing,
            host.pending_reboot and not xp,
        ),
        section("wu_reboot_required", missing, False),
        section("pending_file_renames", missing, False),
        section(
            "update_exe_volatile",
            reg(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Updates", [("UpdateExeVolatile", "REG_DWORD", "0x1")])
            if volatile_value
            else missing,
            volatile_value,
        ),
        section(
            "update_exe_volatile_flags",
            reg(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Updates\UpdateExeVolatile", [("Flags", "REG_DWORD", "0x2")])
            if volatile_key
            else missing,
            volatile_key,
        ),
        section(
            "kb_cbs",
            f"\r\n{cbs}\\Packages\\{CBS_PACKAGE}\r\n\r\nEnd of search: 1 match(es) found.\r\n"
            if kb_cbs_ok
            else ("\r\nEnd of search: 0 match(es) found.\r\n" if not xp else missing),
            kb_cbs_ok,
        ),
        section(
            "kb_2003_updates",
            reg(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Updates\Windows Server 2003\SP3\KB2748349", [])
            if kb_2003_ok
            else missing,
            kb_2003_ok,
        ),
        section("kb_2003_hotfix", missing, False),
        section(
            "powershell1",
            reg(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine",
                [("PowerShellVersion", "REG_SZ", host.powershell)],
            )
            if host.powershell
            else missing,
            host.powershell is not None,
        ),
        section("powershell3", missing, False),
        section(
            "volumes",
            wmic_output(
                [{"Capacity": str(size), "DriveLetter": drive, "FileSystem": "NTFS"} for drive, size in host.volumes]
            )
            if host.wmic
            else "",
            host.wmic,
        ),
        section("shadows", vssadmin_output(host.shadow_copies), True),
        section(
            "boot",
            wmic_output([{"LastBootUpTime": host.last_boot, "LocalDateTime": host.local_time}]) if host.wmic else "",
            host.wmic,
        ),
    ]
    return "".join(parts)
