"""wmic.exe: os, datafile, volume, logicaldisk, qfe with `get … /value`.

Format (tests/lab/FIDELITY.md, wmic rows; Microsoft's WMIC reference and the CIM classes): through a pipe wmic ends
lines with "\\r\\r\\n", puts blank lines around each instance, lists properties alphabetically; "No Instance(s)
Available." when nothing matches (stderr, exit 0); backslashes in `where name="…"` must be doubled, a single one is
an invalid query. Times are CIM_DATETIME values in the host's time zone (Machine.cim_datetime).

logicaldisk is Win32_LogicalDisk (Microsoft, https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/
win32-logicaldisk): DeviceID "C:", FreeSpace and Size in bytes (uint64), DriveType 3 for a local disk. The lab takes
`where DeviceID="C:"` (or 'C:'), the form of the probe's datafile query, and no other where clause (strict).
"""

from __future__ import annotations

import re

from winlab.host.machine import Machine
from winlab.host.tools import ToolContext, register_tool

_GET_RE = re.compile(r"\bget\s+([\w,]+)", re.IGNORECASE)
_WHERE_NAME_RE = re.compile(r'where\s+\(?\s*name\s*=\s*"?([^"\)]*)"?', re.IGNORECASE)
_WHERE_HOTFIX_RE = re.compile(r'where\s+\(?\s*hotfixid\s*=\s*"?([^"\)]*)"?', re.IGNORECASE)
_WHERE_DEVICE_RE = re.compile(r"""^\s*where\s+DeviceID\s*=\s*(?:"([A-Za-z]:)"|'([A-Za-z]:)')\s""", re.IGNORECASE)
_LINE = "\r\r\n"


def _boot_time(machine: Machine) -> str:
    return machine.cim_datetime(machine.boot_time, fraction="500000")


def _instances(ctx: ToolContext, alias: str) -> list[dict[str, str]] | None:
    machine = ctx.machine
    if alias == "os":
        return [
            {
                "Caption": machine.profile.product_name + " ",
                "InstallDate": machine.cim_datetime(machine.install_time, fraction="000000"),
                "LastBootUpTime": _boot_time(machine),
                "LocalDateTime": machine.cim_datetime(machine.clock.now()),
                "Version": f"{machine.profile.current_version}.{machine.profile.build}",
                "CSDVersion": machine.profile.csd_version or "",
                "OSArchitecture": "",
            }
        ]
    if alias == "volume":
        return [
            {"Capacity": str(v.capacity_bytes), "DriveLetter": v.drive, "FileSystem": v.filesystem, "Label": ""}
            for v in machine.profile.volumes
        ]
    if alias == "logicaldisk":
        return _logical_disks(ctx)
    if alias == "qfe":
        kbs = [k for k in machine.profile.installed_kbs]
        found = _WHERE_HOTFIX_RE.search(ctx.raw_args)
        if found:
            kbs = [k for k in kbs if k.lower() == found.group(1).lower()]
        return [{"HotFixID": kb, "Description": "Hotfix"} for kb in kbs]
    if alias == "datafile":
        found = _WHERE_NAME_RE.search(ctx.raw_args)
        if not found:
            return None
        raw = found.group(1)
        if re.search(r"(?<!\\)\\(?!\\)", raw):  # a single backslash: WQL needs them doubled
            return None
        entry = machine.files.read(raw.replace("\\\\", "\\"))
        if entry is None:
            return []
        return [{"Name": entry.path.lower(), "Version": entry.version or "", "FileSize": str(len(entry.data))}]
    return None


def _logical_disks(ctx: ToolContext) -> list[dict[str, str]] | None:
    machine = ctx.machine
    disks = [
        {
            "DeviceID": v.drive,
            "DriveType": "3",
            "FileSystem": v.filesystem,
            "FreeSpace": str(machine.files.free_space(v.drive)),
            "Size": str(v.capacity_bytes),
        }
        for v in machine.profile.volumes
        if v.drive
    ]
    rest = ctx.raw_args.split(None, 1)[1] if len(ctx.raw_args.split(None, 1)) > 1 else ""
    if not re.match(r"\s*where\b", rest, re.IGNORECASE):
        return disks
    found = _WHERE_DEVICE_RE.match(rest)
    if found is None:
        return None  # a where clause the lab does not take: an invalid query (strict)
    wanted = (found.group(1) or found.group(2)).upper()
    return [disk for disk in disks if disk["DeviceID"].upper() == wanted]


@register_tool("wmic")
def wmic(ctx: ToolContext) -> int:
    words = ctx.raw_args.split()
    alias = words[0].lower() if words else ""
    instances = _instances(ctx, alias)
    if instances is None:
        ctx.error(
            ctx.text("Node - " + ctx.machine.profile.name.upper(), "Knoten - " + ctx.machine.profile.name.upper())
        )
        ctx.error("ERROR:")
        ctx.error("Description = Invalid query" if not ctx.machine.german else "Beschreibung = Ungültige Abfrage")
        return 0x80041017  # WBEM_E_INVALID_QUERY, as wmic exits with the HRESULT
    if not instances:
        ctx.error("No Instance(s) Available." if not ctx.machine.german else "Keine Instanz(en) verfügbar.")
        return 0
    wanted = _GET_RE.search(ctx.raw_args)
    names = sorted(n for n in (wanted.group(1).split(",") if wanted else instances[0].keys()) if n)
    chunks = [_LINE, _LINE]
    for instance in instances:
        lowered = {k.lower(): v for k, v in instance.items()}
        for name in names:
            chunks.append(f"{name}={lowered.get(name.lower(), '')}{_LINE}")
        chunks.extend([_LINE, _LINE])
    ctx.out.append("".join(chunks))
    return 0
