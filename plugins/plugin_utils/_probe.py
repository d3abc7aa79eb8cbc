# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe: ONE cmd.exe line (one WinRM round trip) that reads everything the assessment needs, and its parser.

The line is a chain of sections. Each prints `@@volsnap <name>`, runs one read-only command, and prints
`@@volsnap-rc 0` or `@@volsnap-rc 1` from `&&`/`||` — cmd expands %ERRORLEVEL% once for the whole line before it
runs, so the exit status can only be captured this way. A section whose command is missing (no wmic on the newest
Windows) fails alone; the others stay usable. Error text (localised) goes to stderr and is never parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import KB
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts, Volume
from ansible_collections.winfix.volsnap.plugins.plugin_utils._reg import (
    RegKey,
    first_key,
    parse_reg_query,
    query_command,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of
from ansible_collections.winfix.volsnap.plugins.plugin_utils._vssadmin import LIST_SHADOWS_COMMAND, count_shadow_copies
from ansible_collections.winfix.volsnap.plugins.plugin_utils._wmic import datafile_version_command, parse_wmic_values

MARK = "@@volsnap"
_NT_CURRENT = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
_CBS = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
_WINDOWS_UPDATE = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate"
_SESSION_MANAGER = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager"
_UPDATES = r"HKLM\SOFTWARE\Microsoft\Updates"

# Pending-restart evidence (docs/installers.md, "Pending restart"): the CBS RebootPending key (Vista and later); a
# non-empty PendingFileRenameOperations (every version); Server 2003's update.exe marker in both published forms, the
# key Updates\UpdateExeVolatile with a value Flags, or a value UpdateExeVolatile under Updates; and the Windows
# Update agent's RebootRequired key, which a manual install never sets: it shows a restart pending for an update the
# agent installed (KB2748349 from WSUS, say), never this collection's own.
REBOOT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("cbs_reboot_pending", query_command(_CBS + r"\RebootPending")),
    ("wu_reboot_required", query_command(_WINDOWS_UPDATE + r"\Auto Update\RebootRequired")),
    ("pending_file_renames", query_command(_SESSION_MANAGER, "PendingFileRenameOperations")),
    ("update_exe_volatile", query_command(_UPDATES, "UpdateExeVolatile")),
    ("update_exe_volatile_flags", query_command(_UPDATES + r"\UpdateExeVolatile", "Flags")),
)
# Evidence of the update itself (supporting only): CBS package keys named Package_for_KB2748349~… (Vista and later),
# the 2003 Updates and Hotfix keys.
KB_SECTIONS: tuple[tuple[str, str], ...] = (
    ("kb_cbs", query_command(_CBS + r"\Packages") + f" /f {KB} /k"),
    ("kb_2003_updates", query_command(rf"{_UPDATES}\Windows Server 2003\SP3\{KB}")),
    ("kb_2003_hotfix", query_command(rf"{_NT_CURRENT}\Hotfix\{KB}")),
)
# (section name, command). Every command is a constant: nothing from users reaches this line.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("os", query_command(_NT_CURRENT)),
    ("product_type", query_command(r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions", "ProductType")),
    ("arch", query_command(_SESSION_MANAGER + r"\Environment", "PROCESSOR_ARCHITECTURE")),
    ("volsnap", datafile_version_command(r"%SystemRoot:\=\\%\\System32\\drivers\\volsnap.sys")),
    *REBOOT_SECTIONS,
    *KB_SECTIONS,
    ("powershell1", query_command(r"HKLM\SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine", "PowerShellVersion")),
    ("powershell3", query_command(r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine", "PowerShellVersion")),
    ("volumes", "wmic volume get Capacity,DriveLetter,FileSystem /value < nul"),
    ("shadows", LIST_SHADOWS_COMMAND),
    ("boot", "wmic os get LastBootUpTime,LocalDateTime /value < nul"),  # the host's clock, for every time sent to it
)
_WMIC_SECTIONS = ("volsnap", "volumes", "boot")


def probe_command() -> str:
    """The whole probe as one cmd.exe line."""
    return sections_line(SECTIONS)


def sections_line(sections: tuple[tuple[str, str], ...]) -> str:
    """Sections as one cmd.exe line, each between its markers (the probe's, and _servicing's state line)."""
    return " & ".join(
        f"echo {MARK} {name}& ({command} && echo {MARK}-rc 0|| echo {MARK}-rc 1)" for name, command in sections
    )


@dataclass(frozen=True)
class Section:
    name: str
    ok: bool | None  # None: the exit marker never came (output cut short)
    text: str


_MARK_RE = re.compile(rf"^{re.escape(MARK)} (\w+)\s*$")
_RC_RE = re.compile(rf"^{re.escape(MARK)}-rc ([01])\s*$")


def split_sections(stdout: str) -> dict[str, Section]:
    """Cut the probe's stdout at its markers; later duplicates of a name are ignored."""
    sections: dict[str, Section] = {}
    name: str | None = None
    body: list[str] = []

    def close(ok: bool | None) -> None:
        if name is not None and name not in sections:
            sections[name] = Section(name, ok, "\n".join(body))

    for line in lines_of(stdout):
        start = _MARK_RE.match(line)
        end = _RC_RE.match(line)
        if start:
            close(None)
            name, body = start.group(1), []
        elif end and name is not None:
            close(end.group(1) == "0")
            name, body = None, []
        elif name is not None:
            body.append(line)
    close(None)
    return sections


def parse_probe(stdout: str) -> HostFacts:
    """The probe's stdout → HostFacts. What cannot be read becomes a `problems` entry. No exception is caught here:
    the parsers themselves never raise on any text (property-tested), so a parser bug fails the tests instead of
    hiding as an unreadable host."""
    return _Reader(split_sections(stdout)).facts()


class _Reader:
    def __init__(self, sections: dict[str, Section]) -> None:
        self.sections = sections
        self.problems: list[str] = []

    def facts(self) -> HostFacts:
        if not self.sections:
            return HostFacts(problems=("probe output has no section markers: not the probe's output, or garbled",))
        missing = [name for name, _command in SECTIONS if name not in self.sections]
        if missing:
            self.problems.append(f"probe output cut short: no section {', '.join(missing)}")
        unfinished = [s.name for s in self.sections.values() if s.ok is None]
        if unfinished:
            self.problems.append(f"probe output cut short inside section {', '.join(unfinished)}")

        os_key = self._key("os", "Windows version (CurrentVersion key)")
        os_text = os_key.text if os_key else _none
        build = _int(os_text("CurrentBuildNumber")) or _int(os_text("CurrentBuild"))
        csd_version = os_text("CSDVersion") or None
        reboot_reasons = self._reboot_reasons()
        wmic_ok = any(self._ok(name) for name in _WMIC_SECTIONS)
        wmic_tried = all(name in self.sections for name in _WMIC_SECTIONS)
        return HostFacts(
            product_name=os_text("ProductName"),
            current_version=os_text("CurrentVersion"),
            current_major_version=_int(os_text("CurrentMajorVersionNumber")),
            build=build,
            csd_version=csd_version,
            service_pack=_service_pack(csd_version) if os_key else None,
            product_type=self._value("product_type", "ProductType"),
            edition_id=os_text("EditionID"),
            installation_type=os_text("InstallationType"),
            arch=_normalise_arch(self._value("arch", "PROCESSOR_ARCHITECTURE")),
            volsnap_version=self._volsnap_version(),
            powershell_version=self._value("powershell3", "PowerShellVersion")
            or self._value("powershell1", "PowerShellVersion"),
            wmic_available=wmic_ok or not wmic_tried,
            kb_installed=self._kb_installed(),
            pending_reboot=bool(reboot_reasons),
            pending_reboot_reasons=tuple(reboot_reasons),
            volumes=self._volumes(),
            shadow_copies=self._shadow_copies(),
            system_root=os_text("SystemRoot"),
            last_boot=self._wmic_field("boot", "LastBootUpTime"),
            local_time=self._wmic_field("boot", "LocalDateTime"),
            problems=tuple(self.problems),
        )

    def _ok(self, name: str) -> bool:
        section = self.sections.get(name)
        return bool(section and section.ok)

    def _key(self, name: str, what: str) -> RegKey | None:
        if not self._ok(name):
            if name in self.sections:
                self.problems.append(f"could not read {what}")
            return None
        key = first_key(self.sections[name].text)
        if key is None:
            self.problems.append(f"{what}: reg query printed nothing readable")
        return key

    def _value(self, name: str, value: str) -> str | None:
        if not self._ok(name):
            return None
        key = first_key(self.sections[name].text)
        return key.text(value) if key else None

    def _wmic_field(self, name: str, field: str) -> str | None:
        if not self._ok(name):
            return None
        for record in parse_wmic_values(self.sections[name].text):
            if record.get(field):
                return record[field]
        return None

    def _volsnap_version(self) -> str | None:
        version = self._wmic_field("volsnap", "Version")
        if version is None and self._ok("volsnap"):
            self.problems.append("wmic answered but printed no volsnap.sys version")
        return version

    def _reboot_reasons(self) -> list[str]:
        return reboot_reasons(self.sections)

    def _kb_installed(self) -> bool:
        return kb_recorded(self.sections)

    def _volumes(self) -> tuple[Volume, ...]:
        if not self._ok("volumes"):
            return ()
        return tuple(
            Volume(
                drive=record.get("DriveLetter") or None,
                capacity_bytes=_int(record.get("Capacity")),
                filesystem=record.get("FileSystem") or None,
            )
            for record in parse_wmic_values(self.sections["volumes"].text)
        )

    def _shadow_copies(self) -> int | None:
        section = self.sections.get("shadows")
        if section is None:
            return None
        return count_shadow_copies(section.text)


def reboot_reasons(sections: dict[str, Section]) -> list[str]:
    """Every pending-restart marker found, each as a reason (REBOOT_SECTIONS)."""
    reasons = [label for name, label in _REBOOT_KEYS if _ok(sections, name)]
    if (_value(sections, "pending_file_renames", "PendingFileRenameOperations") or "").replace("\\0", "").strip():
        reasons.append("PendingFileRenameOperations")
    volatile = _int(_value(sections, "update_exe_volatile", "UpdateExeVolatile"))
    if volatile:
        reasons.append(f"UpdateExeVolatile={volatile} (update.exe)")
    flags = _int(_value(sections, "update_exe_volatile_flags", "Flags"))
    if flags:
        reasons.append(f"UpdateExeVolatile\\Flags={flags} (update.exe)")
    return reasons


def kb_recorded(sections: dict[str, Section]) -> bool:
    """Registry evidence of KB2748349 (KB_SECTIONS): a 2003 key, or a CBS package key named for it."""
    if _ok(sections, "kb_2003_updates") or _ok(sections, "kb_2003_hotfix"):
        return True
    if not _ok(sections, "kb_cbs"):
        return False
    return any(KB.lower() in key.path.lower() for key in parse_reg_query(sections["kb_cbs"].text))


def _ok(sections: dict[str, Section], name: str) -> bool:
    section = sections.get(name)
    return bool(section and section.ok)


def _value(sections: dict[str, Section], name: str, value: str) -> str | None:
    if not _ok(sections, name):
        return None
    key = first_key(sections[name].text)
    return key.text(value) if key else None


_REBOOT_KEYS = (
    ("cbs_reboot_pending", "Component Based Servicing RebootPending"),
    (
        "wu_reboot_required",
        "Windows Update RebootRequired (set by the Windows Update agent for an update it installed, never by a "
        "manual install)",
    ),
)
_SP_RE = re.compile(r"(\d+)")


def _none(_name: str) -> str | None:
    return None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip(), 0)
    except ValueError:
        return None


def _service_pack(csd_version: str | None) -> int | None:
    """CSDVersion "Service Pack 2" (localised: "Service Pack 2" stays so on German hosts) → 2; absent → 0 (RTM)."""
    if not csd_version:
        return 0
    match = _SP_RE.search(csd_version)
    return int(match.group(1)) if match else None


def _normalise_arch(raw: str | None) -> str | None:
    return _ARCHES.get(raw.strip().upper()) if raw else None


_ARCHES: dict[str, str] = {"X86": "x86", "AMD64": "AMD64", "IA64": "IA64"}
