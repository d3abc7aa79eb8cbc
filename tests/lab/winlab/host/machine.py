"""The state of one simulated host: registry, files, environment, boot, restarts, staged changes, tasks.

No timers: `tick()` brings the host up to "now" (fires due tasks, starts and finishes restarts); it is called on
every request and by the server twice a second, so tasks fire on time and hundreds of idle hosts cost next to nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from winlab.api import Availability
from winlab.clock import LabClock
from winlab.host.filesystem import FileSystem
from winlab.host.registry import Registry
from winlab.profile import HostProfile

NT_CURRENT = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
CBS = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
SESSION_MANAGER = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager"
UPDATES = r"HKLM\SOFTWARE\Microsoft\Updates"
# CBS package CurrentState (Microsoft, "Tip of the Day: CBS Servicing States Chart - Refresher", 2015-10-12,
# https://learn.microsoft.com/archive/blogs/tip_of_the_day/tip-of-the-day-cbs-servicing-states-chart-refresher):
# the registry shows them in hex.
CBS_ABSENT = 0x0
CBS_UNINSTALL_PENDING = 0x5
CBS_STAGED = 0x40
CBS_INSTALL_PENDING = 0x60
CBS_INSTALLED = 0x70
VOLSNAP = r"C:\Windows\System32\drivers\volsnap.sys"
ARCH_TAG = {"x86": "x86", "AMD64": "amd64", "IA64": "ia64"}
SYSTEM32_TOOLS = ("expand", "pkgmgr", "dism")  # found by their file in System32 (provision.py puts them there)


@dataclass
class ScheduledTask:
    name: str
    run_at: dt.datetime  # lab time (UTC)
    command: str  # run through cmd as SYSTEM
    done: bool = False


@dataclass
class PendingRestart:
    at: dt.datetime  # lab time (UTC)
    comment: str = ""


class Background(Protocol):
    """A command that runs for a while (fault command_takes_s): it takes effect at its end (real time)."""

    ends_at: float | None

    def finish(self) -> None: ...

    def end_without_effect(self) -> None: ...


@dataclass
class Machine:
    profile: HostProfile
    clock: LabClock
    state_dir: Path | None = None
    registry: Registry = field(default_factory=Registry)
    files: FileSystem = field(default_factory=FileSystem)
    boot_time: dt.datetime = field(default_factory=dt.datetime.now)  # lab time (UTC)
    install_time: dt.datetime = field(default_factory=dt.datetime.now)  # when Windows was installed, lab time (UTC)
    boot_generation: int = 0  # shells of an older generation died with the restart
    staged_files: dict[str, tuple[bytes, str | None]] = field(default_factory=dict)
    pending_restart: PendingRestart | None = None
    tasks: dict[str, ScheduledTask] = field(default_factory=dict)
    audit: list[list[str]] = field(default_factory=list)
    down_until: float | None = None  # real time when a restart finishes
    gone: bool = False
    run_as_system: Callable[[str], None] | None = None  # set by the shell layer: runs a task's command
    running: list[Background] = field(default_factory=list)  # commands still running (fault command_takes_s)

    @property
    def faults(self) -> dict[str, Any]:
        return self.profile.faults

    @property
    def windows_root(self) -> str:
        return r"C:\WINDOWS" if self.profile.build <= 3790 else r"C:\Windows"

    @property
    def is_2003(self) -> bool:
        return self.profile.build <= 3790

    @property
    def german(self) -> bool:
        return self.profile.locale == "de-DE"

    def has_tool(self, name: str) -> bool:
        """Tools that exist only on some hosts (the profile, or the Windows release, says so)."""
        base = name.replace('"', "").rsplit("\\", 1)[-1].removesuffix(".exe")
        if base in SYSTEM32_TOOLS:  # the program file decides: a host whose file is gone cannot run it
            return self.files.exists(rf"{self.windows_root}\System32\{base}.exe")
        present = {
            "wmic": self.profile.wmic,
            "powershell": self.profile.powershell is not None,
        }
        return present.get(base, True)

    # -- time and availability -------------------------------------------------------------------------------
    # The lab clock runs in UTC; the host shows it in its time zone (profile utc_offset_minutes): wmic, schtasks,
    # shutdown, date/time. No daylight saving: the offset is fixed, as a host reads it between two changes.
    @property
    def utc_offset(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.profile.utc_offset_minutes)

    def local_now(self) -> dt.datetime:
        return self.clock.now() + self.utc_offset

    def to_local(self, utc: dt.datetime) -> dt.datetime:
        return utc + self.utc_offset

    def to_utc(self, local: dt.datetime) -> dt.datetime:
        return local - self.utc_offset

    def cim_datetime(self, utc: dt.datetime, fraction: str | None = None) -> str:
        """A moment as wmic prints a CIM_DATETIME: host-local, then the offset in minutes, `yyyymmddHHMMSS.mmmmmm+UUU`
        (learn.microsoft.com/en-us/windows/win32/wmisdk/cim-datetime)."""
        local = self.to_local(utc)
        offset = self.profile.utc_offset_minutes
        micro = fraction if fraction is not None else f"{local.microsecond // 1000:03d}000"  # milliseconds
        return f"{local:%Y%m%d%H%M%S}.{micro}{'-' if offset < 0 else '+'}{abs(offset):03d}"

    def tick(self) -> None:
        if self.gone:
            return
        if self.down_until is not None and LabClock.real() >= self.down_until:
            self._finish_restart()
        if self.down_until is not None:
            return
        for command in list(self.running):
            if command.ends_at is not None and command.ends_at <= LabClock.real():
                command.finish()
        now = self.clock.now()
        for task in list(self.tasks.values()):
            if not task.done and task.run_at <= now and self.run_as_system is not None:
                task.done = True
                self.log_event(f"task {task.name} ran")
                self.run_as_system(task.command)
        if self.pending_restart is not None and self.pending_restart.at <= self.clock.now():
            self._begin_restart()

    def availability(self) -> Availability:
        self.tick()
        if self.gone:
            return Availability.GONE
        return Availability.RESTARTING if self.down_until is not None else Availability.UP

    def schedule_restart(self, delay_s: int, comment: str) -> None:
        self.pending_restart = PendingRestart(self.clock.now() + dt.timedelta(seconds=delay_s), comment)

    def _begin_restart(self) -> None:
        self.pending_restart = None
        self.log_event("restart")
        for command in list(self.running):  # its processes die with the system
            command.end_without_effect()
        self.boot_generation += 1
        if self.faults.get("restart_never_returns"):
            self.gone = True
            return
        self.down_until = LabClock.real() + float(self.faults.get("restart_takes_s", 2))

    def _finish_restart(self) -> None:
        self.down_until = None
        for path, (data, version) in self.staged_files.items():
            self.files.write(path, data, version)
        self.staged_files.clear()
        for key in (
            CBS + r"\RebootPending",
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired",
        ):
            self.registry.delete_key(key)
        self.registry.delete_value(SESSION_MANAGER, "PendingFileRenameOperations")
        self.registry.delete_value(UPDATES, "UpdateExeVolatile")
        self.registry.delete_key(UPDATES + r"\UpdateExeVolatile")
        for key in list(self.registry.subkeys(CBS + r"\Packages")):  # CBS finishes what waited for the restart
            state = self.cbs_state(key.path)
            if state == CBS_INSTALL_PENDING:
                self.registry.set_value(key.path, "CurrentState", "REG_DWORD", hex(CBS_INSTALLED))
            elif state == CBS_UNINSTALL_PENDING:
                self.registry.delete_key(key.path)
        self.boot_time = self.clock.now()
        self.log_event("boot")

    # -- servicing ------------------------------------------------------------------------------------------
    def set_reboot_pending(self, update_exe_form: str = "key") -> None:
        r"""The restart marker each installer leaves. Server 2003's update.exe: sources give two forms, a key
        `Updates\UpdateExeVolatile` with value Flags (1-3), or a non-zero value `UpdateExeVolatile` under `Updates`;
        the lab's update.exe writes the key form and a profile's pending_reboot the value form, so both are met.
        Vista and later: the CBS RebootPending key."""
        if not self.is_2003:
            self.registry.ensure_key(CBS + r"\RebootPending")
        elif update_exe_form == "key":
            self.registry.set_value(UPDATES + r"\UpdateExeVolatile", "Flags", "REG_DWORD", "0x1")
        else:
            self.registry.set_value(UPDATES, "UpdateExeVolatile", "REG_DWORD", "0x1")

    def record_kb(self, kb: str, identity: str | None = None, pending: bool = True) -> None:
        """Server 2003 (update.exe): the Updates and Hotfix keys. Vista and later: the CBS package key, named by the
        package identity, with CurrentState Install Pending until the restart (Installed when nothing waits)."""
        if self.is_2003:
            self.registry.ensure_key(rf"{UPDATES}\Windows Server 2003\SP3\{kb}")
            self.registry.ensure_key(rf"{NT_CURRENT}\Hotfix\{kb}")
            return
        version = "6.0.1.0" if self.profile.build < 7600 else "6.1.1.0"
        identity = identity or f"Package_for_{kb}~31bf3856ad364e35~{ARCH_TAG[self.profile.arch]}~~{version}"
        state = CBS_INSTALL_PENDING if pending else CBS_INSTALLED
        self.registry.set_value(rf"{CBS}\Packages\{identity}", "CurrentState", "REG_DWORD", hex(state))

    def forget_kb(self, kb: str) -> None:
        """Server 2003 (spuninst): the keys go at once. CBS: Uninstall Pending until the restart removes it."""
        self.registry.delete_key(rf"{UPDATES}\Windows Server 2003\SP3\{kb}")
        self.registry.delete_key(rf"{NT_CURRENT}\Hotfix\{kb}")
        for key in self.cbs_packages(kb):
            self.registry.set_value(key, "CurrentState", "REG_DWORD", hex(CBS_UNINSTALL_PENDING))

    def cbs_packages(self, kb: str) -> list[str]:
        return [k.path for k in self.registry.subkeys(CBS + r"\Packages") if kb.lower() in k.path.lower()]

    def cbs_state(self, key: str) -> int | None:
        found = self.registry.key(key)
        value = found.values.get("currentstate") if found else None
        return int(value.data, 0) if value else None

    def kb_installed(self, kb: str) -> bool:
        if self.registry.key(rf"{UPDATES}\Windows Server 2003\SP3\{kb}") is not None:
            return True
        return any(self.cbs_state(key) in (CBS_INSTALL_PENDING, CBS_INSTALLED) for key in self.cbs_packages(kb))

    def volsnap_version(self) -> str | None:
        entry = self.files.read(VOLSNAP)
        return entry.version if entry else None

    # -- audit ----------------------------------------------------------------------------------------------
    def log_command(self, argv: list[str]) -> None:
        self.audit.append(argv)
        self._append_state("commands.jsonl", {"argv": argv, "lab_time": self.clock.now().isoformat()})

    def log_command_line(self, line: str, runs: str | None, console_mode_stdin: bool, skip_cmd_shell: bool) -> None:
        """One WinRS Command: the line as received, what cmd.exe runs after its /c quote rule (None: no cmd.exe),
        and the command's WINRS options (command_lines.jsonl; commands.jsonl has each simple command as it runs)."""
        record = {
            "line": line,
            "runs": runs,
            "console_mode_stdin": console_mode_stdin,
            "skip_cmd_shell": skip_cmd_shell,
            "lab_time": self.clock.now().isoformat(),
        }
        self._append_state("command_lines.jsonl", record)

    def log_event(self, event: str) -> None:
        """events.jsonl: the event, the lab time (UTC) and the host's local time then."""
        now = self.clock.now()
        record = {"event": event, "lab_time": now.isoformat(), "host_time": self.to_local(now).isoformat()}
        self._append_state("events.jsonl", record)

    def _append_state(self, name: str, record: dict[str, Any]) -> None:
        if self.state_dir is None:
            return
        folder = self.state_dir / "hosts" / self.profile.name
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / name, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
