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

# (section name, command). Every command is a constant: nothing from users reaches this line.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("os", query_command(_NT_CURRENT)),
    ("product_type", query_command(r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions", "ProductType")),
    ("arch", query_command(_SESSION_MANAGER + r"\Environment", "PROCESSOR_ARCHITECTURE")),
    ("volsnap", datafile_version_command(r"%SystemRoot:\=\\%\\System32\\drivers\\volsnap.sys")),
    ("cbs_reboot_pending", query_command(_CBS + r"\RebootPending")),
    ("wu_reboot_required", query_command(_WINDOWS_UPDATE + r"\Auto Update\RebootRequired")),
    ("pending_file_renames", query_command(_SESSION_MANAGER, "PendingFileRenameOperations")),
    ("update_exe_volatile", query_command(r"HKLM\SOFTWARE\Microsoft\Updates", "UpdateExeVolatile")),
    ("kb_cbs", query_command(_CBS + r"\Packages") + f" /f {KB} /k"),
    ("kb_2003_updates", query_command(rf"HKLM\SOFTWARE\Microsoft\Updates\Windows Server 2003\SP3\{KB}")),
    ("kb_2003_hotfix", query_command(rf"{_NT_CURRENT}\Hotfix\{KB}")),
    ("powershell1", query_command(r"HKLM\SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine", "PowerShellVersion")),
    ("powershell3", query_command(r"HKLM\SOFTWARE\Microsoft\PowerShell\3\PowerShellEngine", "PowerShellVersion")),
    ("volumes", "wmic volume get Capacity,DriveLetter,FileSystem /value < nul"),
    ("shadows", LIST_SHADOWS_COMMAND),
    ("boot", "wmic os get LastBootUpTime,LocalDateTime /value < nul"),  # the host's clock, for every time sent to it
)
_WMIC_SECTIONS = ("volsnap", "volumes", "boot")


def probe_command() -> str:
    """The whole probe as one cmd.exe line."""
    return " & ".join(
        f"echo {MARK} {name}& ({command} && echo {MARK}-rc 0|| echo {MARK}-rc 1)" for name, command in SECTIONS
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
    """The probe's stdout → HostFacts. Never raises: what cannot be read becomes a `problems` entry."""
    try:
        return _Reader(split_sections(stdout)).facts()
    except Exception as error:  # a parser bug must not crash a fleet run: report it as unreadable
        return HostFacts(problems=(f"probe output could not be parsed ({type(error).__name__}: {error})",))


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
        reasons = [label for name, label in _REBOOT_KEYS if self._ok(name)]
        if (self._value("pending_file_renames", "PendingFileRenameOperations") or "").strip():
            reasons.append("PendingFileRenameOperations")
        volatile = self._value("update_exe_volatile", "UpdateExeVolatile")
        if volatile is not None and _int(volatile) not in (None, 0):
            reasons.append("UpdateExeVolatile")
        return reasons

    def _kb_installed(self) -> bool:
        if self._ok("kb_2003_updates") or self._ok("kb_2003_hotfix"):
            return True
        if not self._ok("kb_cbs"):
            return False
        return any(KB.lower() in key.path.lower() for key in parse_reg_query(self.sections["kb_cbs"].text))

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


_REBOOT_KEYS = (
    ("cbs_reboot_pending", "Component Based Servicing RebootPending"),
    ("wu_reboot_required", "Windows Update RebootRequired"),
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
