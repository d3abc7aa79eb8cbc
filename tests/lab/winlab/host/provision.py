"""Build a Machine's initial state from its HOSTS.yml profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from winlab.clock import LabClock
from winlab.host.machine import CBS, NT_CURRENT, SESSION_MANAGER, VOLSNAP, Machine
from winlab.profile import HostProfile


def provision(profile: HostProfile, clock: LabClock, state_dir: Path | None) -> Machine:
    machine = Machine(profile=profile, clock=clock, state_dir=state_dir)
    machine.boot_time = clock.now() - dt.timedelta(days=3, hours=2)
    machine.install_time = clock.now() - dt.timedelta(days=400, hours=5)
    _registry(machine)
    _files(machine)
    machine.files.set_free_space({v.drive: v.free_at_start for v in profile.volumes if v.drive})
    machine.files.disk_full = bool(profile.faults.get("disk_full"))
    machine.files.denied = tuple(profile.faults.get("access_denied") or ())
    _staged_update(machine)
    return machine


def _staged_update(machine: Machine) -> None:
    """A profile with KB2748349 installed and a restart pending has the fixed file staged, as Windows would."""
    from winlab.host.tools_servicing import host_branch, host_family
    from winlab.packages import FIXED, KB

    profile = machine.profile
    family = host_family(machine)
    if KB not in profile.installed_kbs or not profile.pending_reboot or family is None:
        return
    version = FIXED[family].get(host_branch(machine) or "")
    if version is not None:
        machine.staged_files[VOLSNAP] = (b"MZ", version)


def _registry(machine: Machine) -> None:
    p, reg = machine.profile, machine.registry
    values = [
        ("CurrentVersion", p.current_version),
        ("CurrentBuild", str(p.build)),
        ("CurrentBuildNumber", str(p.build)),
        ("SystemRoot", machine.windows_root),
        ("ProductName", p.product_name),
    ]
    if p.csd_version:
        values.append(("CSDVersion", p.csd_version))
    if p.edition_id:
        values.append(("EditionID", p.edition_id))
    if p.installation_type:
        values.append(("InstallationType", p.installation_type))
    for name, data in values:
        reg.set_value(NT_CURRENT, name, "REG_SZ", data)
    if p.current_major_version is not None:
        reg.set_value(NT_CURRENT, "CurrentMajorVersionNumber", "REG_DWORD", hex(p.current_major_version))
    reg.ensure_key(NT_CURRENT + r"\Winlogon")
    reg.set_value(r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions", "ProductType", "REG_SZ", p.product_type)
    reg.set_value(SESSION_MANAGER + r"\Environment", "PROCESSOR_ARCHITECTURE", "REG_SZ", p.arch)
    reg.set_value(SESSION_MANAGER, "BootExecute", "REG_MULTI_SZ", "autocheck autochk *")
    reg.ensure_key(r"HKLM\SOFTWARE\Microsoft\Updates")
    if not machine.is_2003:
        reg.ensure_key(CBS + r"\Packages\Package_for_RollupFix~31bf3856ad364e35~amd64~~7600.16385.1.0")
    if p.powershell:
        engine = "3" if p.powershell.split(".")[0] not in ("1", "2") else "1"
        reg.set_value(
            rf"HKLM\SOFTWARE\Microsoft\PowerShell\{engine}\PowerShellEngine",
            "PowerShellVersion",
            "REG_SZ",
            p.powershell,
        )
    # Short date format of the locale (what schtasks /sd on Task Scheduler 1.0 wants).
    reg.set_value(
        r"HKCU\Control Panel\International", "sShortDate", "REG_SZ", "dd.MM.yyyy" if p.locale == "de-DE" else "M/d/yyyy"
    )
    for kb in p.installed_kbs:
        machine.record_kb(kb, pending=p.pending_reboot)
    if p.pending_reboot:
        machine.set_reboot_pending(update_exe_form="value")


def _files(machine: Machine) -> None:
    root = machine.windows_root
    for folder in (
        r"C:\Documents and Settings" if machine.is_2003 else r"C:\Users",
        root + r"\Temp",
        root + r"\System32\drivers",
        r"C:\Program Files",
    ):
        machine.files.mkdir(folder)
    if machine.profile.volsnap_version is not None:
        # Payload size as in the article's file table (x64 RTM build); the content is filler.
        machine.files.write(VOLSNAP.replace(r"C:\Windows", root), b"MZ" + b"\0" * 1022, machine.profile.volsnap_version)
    for name in ("cmd.exe", "reg.exe", "expand.exe", "certutil.exe", "shutdown.exe", "schtasks.exe"):
        machine.files.write(rf"{root}\System32\{name}", b"MZ")
    # The servicing tools of the release (Machine.has_tool finds them by these files): pkgmgr from Vista on (TechNet
    # cc749465, "Package Manager Command-Line Options", Windows Vista), DISM from Windows 7 / Server 2008 R2 on
    # (Microsoft, "DISM Operating System Package Servicing Command-Line Options"; the ledger's pkgmgr and dism rows).
    for name, since_build in (("pkgmgr.exe", 6000), ("dism.exe", 7600)):
        if machine.profile.build >= since_build:
            machine.files.write(rf"{root}\System32\{name}", b"MZ")
