"""Installers on each product family, in-process through the host's cmd.exe: expand, dism, pkgmgr, the 2003
update .exe and spuninst, wusa. Success stages the branch's fixed volsnap.sys for the next restart."""

from __future__ import annotations

from typing import Any

import pytest

import winlab.host.installers  # noqa: F401  (registers the installer tools)
from winlab.host import create_host
from winlab.host.machine import CBS, SESSION_MANAGER, UPDATES, VOLSNAP
from winlab.host.shell import LabShell, SimulatedHost
from winlab.packages import all_packages, read_package
from winlab.profile import load_config
from winlab.samples import W7, W2003, W2008

TEMP = r"C:\Windows\Temp"
W7_MSU = "Windows6.1-KB2748349-x64.msu"
W2008_MSU = "Windows6.0-KB2748349-x64.msu"
W2003_EXE = "WindowsServer2003-KB2748349-x86-ENU.exe"
CBS_PACKAGE = CBS + r"\Packages\Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0"


class Host:
    """One simulated host and a shell on it."""

    def __init__(self, sample: dict[str, Any], **overrides: Any) -> None:
        fields = {**sample, "faults": {"restart_takes_s": 0, **overrides.pop("faults", {})}, **overrides}
        (profile,) = load_config({"hosts": {"h": fields}}).hosts
        self.host: SimulatedHost = create_host(profile, None)
        self.machine = self.host.machine
        self.shell: LabShell = self.host.open_shell(437, None, {})
        self.temp = self.machine.windows_root + r"\Temp"

    def run(self, line: str) -> tuple[str, str, int]:
        chunk = self.shell.start_command(line).receive()
        assert chunk is not None and chunk.exit_code is not None
        return chunk.stdout.decode("cp437"), chunk.stderr.decode("cp437"), chunk.exit_code

    def put(self, name: str, data: bytes | None = None) -> str:
        path = rf"{self.temp}\{name}"
        self.machine.files.write(path, all_packages()[name] if data is None else data)
        return path

    def expand(self, name: str) -> str:
        """Put the .msu on the host and expand it as the collection does; returns the folder."""
        folder = rf"{self.temp}\expanded"
        out, _, rc = self.run(rf'mkdir "{folder}" & expand -F:* "{self.put(name)}" "{folder}"')
        assert rc == 0, out
        return folder

    def restart(self) -> None:
        self.machine.schedule_restart(0, "test")
        self.machine.tick()  # goes down
        self.machine.tick()  # comes back with the staged files applied
        assert self.host.availability().value == "up"
        self.shell = self.host.open_shell(437, None, {})  # the old shell died with the restart

    def unchanged(self, version: str) -> bool:
        return (
            not self.machine.staged_files
            and not self.machine.kb_installed("KB2748349")
            and (self.machine.volsnap_version() == version)
        )


def dism_add(h: Host, name: str = W7_MSU, extra: str = "") -> tuple[str, str, int]:
    cab = rf"{h.expand(name)}\{name[:-4]}.cab"
    return h.run(rf'dism.exe /online /add-package /packagepath:"{cab}" /quiet /norestart{extra}')


def pkgmgr_ip(h: Host, name: str = W2008_MSU) -> int:
    return h.run(rf'start /w pkgmgr /ip /m:"{h.expand(name)}" /quiet /norestart')[2]


def update_exe(h: Host, name: str = W2003_EXE, switches: str = "/quiet /norestart") -> int:
    return h.run(rf'"{h.put(name)}" {switches}')[2]


# -- success, then the branch's version after the restart ----------------------------------------------------
@pytest.mark.parametrize(
    ("before", "after"), [("6.1.7600.16385", "6.1.7600.17122"), ("6.1.7600.21000", "6.1.7600.21320")]
)
def test_dism_on_7_stages_the_branch_version(before: str, after: str) -> None:
    h = Host(W7, volsnap_version=before)
    assert dism_add(h)[2] == 3010
    assert h.machine.volsnap_version() == before  # the file changes only at the restart
    assert h.machine.registry.key(CBS_PACKAGE) is not None
    assert h.machine.registry.key(CBS + r"\RebootPending") is not None
    assert h.run(rf'reg query "{SESSION_MANAGER}" /v PendingFileRenameOperations')[2] == 0
    h.restart()
    assert h.machine.volsnap_version() == after
    assert h.machine.registry.key(CBS + r"\RebootPending") is None
    branch = "GDR" if after.split(".")[3].startswith("1") else "LDR"
    assert h.machine.files.read(VOLSNAP).data == read_package(all_packages()[W7_MSU]).payloads[branch]


@pytest.mark.parametrize(
    ("sample", "before", "after"),
    [
        (W2008, "6.0.6002.18005", "6.0.6002.18679"),
        (
            {**W2008, "product_name": "Windows Vista (TM) Business", "product_type": "WinNT"},
            "6.0.6002.22000",
            "6.0.6002.22913",
        ),
    ],
)
def test_pkgmgr_on_vista_2008_stages_the_branch_version(sample: dict[str, Any], before: str, after: str) -> None:
    h = Host(sample, volsnap_version=before)
    assert pkgmgr_ip(h) == 3010
    assert h.machine.volsnap_version() == before
    h.restart()
    assert h.machine.volsnap_version() == after
    assert h.machine.kb_installed("KB2748349")


@pytest.mark.parametrize("switches", ["/quiet /norestart", "/q /z", r"/quiet /norestart /log:C:\WINDOWS\Temp\kb.log"])
def test_update_exe_on_2003(switches: str) -> None:
    h = Host(W2003)
    assert update_exe(h, switches=switches) == 3010
    registry = h.machine.registry
    assert registry.key(UPDATES + r"\Windows Server 2003\SP3\KB2748349") is not None
    assert registry.key(r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Hotfix\KB2748349") is not None
    out, _, rc = h.run(rf'reg query "{UPDATES}" /v UpdateExeVolatile')
    assert rc == 0 and "0x1" in out
    log = r"C:\WINDOWS\Temp\kb.log" if "/log:" in switches else r"C:\WINDOWS\KB2748349.log"
    assert b"Update.exe extended error code = 0xbc2" in h.machine.files.read(log).data
    h.restart()
    assert h.machine.volsnap_version() == "5.2.3790.5059"
    assert registry.key(UPDATES) is not None and registry.key(UPDATES).values.get("updateexevolatile") is None


# -- already installed, not applicable, corrupt, forced code ---------------------------------------------------
def test_installing_twice_is_already_installed_on_every_installer() -> None:
    w7, w2008, w2003 = Host(W7), Host(W2008), Host(W2003)
    assert (dism_add(w7)[2], pkgmgr_ip(w2008), update_exe(w2003)) == (3010, 3010, 3010)
    assert (dism_add(w7)[2], pkgmgr_ip(w2008), update_exe(w2003)) == (2359302,) * 3
    w7.restart()
    assert dism_add(w7)[2] == 2359302  # still installed after the restart


@pytest.mark.parametrize(
    "name",
    ["Windows6.0-KB2748349-x64.msu", "Windows6.1-KB2748349-x86.msu", "Windows6.1-KB2748349-ia64.msu"],
)
def test_dism_wrong_product_or_arch(name: str) -> None:
    h = Host(W7)
    out, _, rc = dism_add(h, name)
    assert rc == 0x800F081E
    assert out == (
        "Error: 0x800f081e\r\n\r\nThe specified package is not applicable to this image.\r\n\r\n"
        "The DISM log file can be found at C:\\Windows\\Logs\\DISM\\dism.log\r\n"
    )
    assert h.unchanged("6.1.7600.16385")


@pytest.mark.parametrize("name", ["Windows6.1-KB2748349-x64.msu", "Windows6.0-KB2748349-x86.msu"])
def test_pkgmgr_wrong_product_or_arch(name: str) -> None:
    h = Host(W2008)
    assert pkgmgr_ip(h, name) == 0x80240017
    assert h.unchanged("6.0.6002.18005")


def test_update_exe_wrong_arch_and_missing_sp2() -> None:
    h = Host(W2003)
    assert update_exe(h, "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe") == 0x80240017
    assert h.unchanged("5.2.3790.4000")
    sp1 = Host(W2003, csd_version="Service Pack 1")
    assert update_exe(sp1) == 0x80240017


def test_sp1_and_superseded_hosts_are_not_applicable() -> None:
    sp1 = Host(W7, build=7601, csd_version="Service Pack 1", volsnap_version="6.1.7601.17514")
    assert dism_add(sp1)[2] == 0x800F081E
    newer = Host(W7, volsnap_version="6.1.7600.17200")  # a later GDR rollup already carries the fix
    assert dism_add(newer)[2] == 0x800F081E


def test_corrupt_packages_fail_with_each_installers_code() -> None:
    w7 = Host(W7)
    inner = rf"{w7.expand(W7_MSU)}\{W7_MSU[:-4]}.cab"
    damaged = bytearray(w7.machine.files.read(inner).data)
    damaged[len(damaged) // 2] ^= 0xFF
    w7.machine.files.write(inner, bytes(damaged))
    assert w7.run(rf'dism /online /add-package /packagepath:"{inner}" /quiet /norestart')[2] == 0x80070570
    assert w7.unchanged("6.1.7600.16385")

    w2008 = Host(W2008)
    folder = w2008.expand(W2008_MSU)
    w2008.machine.files.write(rf"{folder}\{W2008_MSU[:-4]}.cab", b"MSCF" + b"\0" * 100)
    assert w2008.run(rf"start /w pkgmgr /ip /m:{folder} /quiet /norestart")[2] == 0x80070570
    assert w2008.unchanged("6.0.6002.18005")

    w2003 = Host(W2003)
    truncated = all_packages()[W2003_EXE][:100_000]
    assert w2003.run(rf'"{w2003.put(W2003_EXE, truncated)}" /quiet /norestart')[2] == 1392
    assert w2003.unchanged("5.2.3790.4000")


def test_corrupt_msu_fails_in_expand() -> None:
    h = Host(W7)
    path = h.put(W7_MSU, all_packages()[W7_MSU][:50_000])
    h.run(rf"mkdir {TEMP}\x")
    _, err, rc = h.run(rf"expand -F:* {path} {TEMP}\x")
    assert rc == 1 and f"Can't read from input file: {path}." in err
    assert h.machine.files.listdir(rf"{TEMP}\x") == []


@pytest.mark.parametrize("sample", [W7, W2008, W2003])
def test_installer_exit_code_fault_changes_nothing(sample: dict[str, Any]) -> None:
    h = Host(sample, faults={"installer_exit_code": 1603})
    before = h.machine.volsnap_version() or ""
    if sample is W7:
        code = dism_add(h)[2]
    elif sample is W2008:
        code = pkgmgr_ip(h)
    else:
        code = update_exe(h)
    assert code == 1603
    assert h.unchanged(before)


# -- removal --------------------------------------------------------------------------------------------------
def test_dism_remove_by_name_and_by_path() -> None:
    h = Host(W7)
    dism_add(h)
    h.restart()
    name = "Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0"
    assert h.run(f"dism /online /remove-package /packagename:{name} /quiet /norestart")[2] == 3010
    assert h.run(f"dism /online /remove-package /packagename:{name} /quiet /norestart")[2] == 0x800F0805
    h.restart()
    assert h.machine.volsnap_version() == "6.1.7600.16385" and not h.machine.kb_installed("KB2748349")
    dism_add(h)
    cab = rf"{h.temp}\expanded\{W7_MSU[:-4]}.cab"
    assert h.run(rf"dism /online /remove-package /packagepath:{cab} /quiet /norestart")[2] == 3010


def test_pkgmgr_up_and_spuninst() -> None:
    w2008 = Host(W2008)
    pkgmgr_ip(w2008)
    w2008.restart()
    folder = rf"{w2008.temp}\expanded"
    assert w2008.run(rf"start /w pkgmgr /up /m:{folder} /quiet /norestart")[2] == 3010
    w2008.restart()
    assert w2008.machine.volsnap_version() == "6.0.6002.18005"

    w2003 = Host(W2003)
    update_exe(w2003)
    uninstaller = r"C:\WINDOWS\$NtUninstallKB2748349$\spuninst\spuninst.exe"
    assert w2003.machine.files.exists(uninstaller)
    assert w2003.run(rf'"{uninstaller}" /quiet /norestart')[2] == 3010
    w2003.restart()
    assert w2003.machine.volsnap_version() == "5.2.3790.4000" and not w2003.machine.kb_installed("KB2748349")
    assert w2003.run(rf'"{uninstaller}" /quiet /norestart')[2] != 3010  # it removed itself


def test_dism_get_packages_shows_the_pending_install() -> None:
    h = Host(W7)
    dism_add(h)
    out, _, rc = h.run("dism /online /get-packages")
    assert rc == 0
    assert "Package Identity : Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0\r\nState : Install Pending" in out
    h.restart()
    assert "State : Installed" in h.run("dism /online /get-packages")[0]


def test_dism_output_without_quiet_and_its_log() -> None:
    h = Host(W7)
    cab = rf"{h.expand(W7_MSU)}\{W7_MSU[:-4]}.cab"
    out, _, rc = h.run(rf"dism /online /add-package /packagepath:{cab} /norestart /logpath:C:\Windows\Temp\d.log")
    assert rc == 3010
    assert out.startswith("\r\nDeployment Image Servicing and Management tool\r\nVersion: 6.1.7600.16385\r\n")
    assert "Processing 1 of 1 - Adding package Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0" in out
    assert out.endswith("The operation completed successfully.\r\nRestart Windows to complete this operation.\r\n")
    assert b"Adding Package_for_KB2748349" in h.machine.files.read(r"C:\Windows\Temp\d.log").data


# -- tool presence, wusa, expand forms -------------------------------------------------------------------------
def test_dism_exists_only_from_7_and_pkgmgr_only_from_vista() -> None:
    assert Host(W2008).run("dism /online /get-packages")[2] == 9009
    assert Host(W2003).run("dism /online /get-packages")[2] == 9009
    assert Host(W2003).run(r"pkgmgr /ip /m:C:\x /quiet")[2] == 9009


@pytest.mark.parametrize("sample", [W7, W2008, W2003])
def test_wusa_always_refuses_over_winrm(sample: dict[str, Any]) -> None:
    h = Host(sample)
    assert h.run(rf"wusa.exe {h.put(W7_MSU)} /quiet /norestart")[2] == 5
    assert not h.machine.kb_installed("KB2748349")


def test_expand_output_and_single_file_form() -> None:
    h = Host(W7)
    folder = h.expand(W7_MSU)
    assert sorted(h.machine.files.listdir(folder)) == sorted(
        [f"{W7_MSU[:-4]}.cab", f"{W7_MSU[:-4]}.xml", f"{W7_MSU[:-4]}-pkgProperties.txt", "WSUSSCAN.cab"]
    )
    h.run(rf"mkdir {TEMP}\one")
    out, _, rc = h.run(rf"expand {folder}\{W7_MSU[:-4]}.cab -F:update.mum {TEMP}\one")
    assert rc == 0
    assert out == (
        "Microsoft (R) File Expansion Utility  Version 6.1.7600.16385\r\n"
        "Copyright (c) Microsoft Corporation. All rights reserved.\r\n\r\n"
        f"Adding {TEMP}\\one\\update.mum to Extraction Queue\r\n\r\nExpanding Files ....\r\n\r\n"
        "Expanding Files Complete ...\r\n1 files total.\r\n"
    )
    assert h.machine.files.read(rf"{TEMP}\one\update.mum").data.startswith(b"<?xml")


def test_expand_on_a_full_disk() -> None:
    h = Host(W7)
    path = h.put(W7_MSU)
    h.machine.files.disk_full = True
    h.run(rf"mkdir {TEMP}\x")
    _, err, rc = h.run(rf"expand -F:* {path} {TEMP}\x")
    assert rc == 1 and "There is not enough space on the disk." in err
    german = Host(W7, locale="de-DE")
    path = german.put(W7_MSU)
    german.machine.files.disk_full = True
    german.run(rf"mkdir {TEMP}\x")
    assert "nicht genügend Speicherplatz" in german.run(rf"expand -F:* {path} {TEMP}\x")[1]
