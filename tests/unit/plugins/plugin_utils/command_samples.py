"""Every command line the pure core writes, per OS family, with sample arguments: for the cmd /c checks and for the
ledger check (tests/ledger.py) that each program and verb the collection sends has a row in tests/lab/FIDELITY.md."""

from __future__ import annotations

import datetime as dt

from ansible_collections.winfix.volsnap.plugins.plugin_utils._install import (
    install_command,
    removal_command,
    workspace,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._lock import (
    LockOwner,
    acquire_command,
    break_and_acquire_command,
    lock_path,
    owner_command,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._msu import MsuPackage
from ansible_collections.winfix.volsnap.plugins.plugin_utils._preflight import plan as preflight_plan
from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import probe_command
from ansible_collections.winfix.volsnap.plugins.plugin_utils._removal import removal_command as folder_removal_command
from ansible_collections.winfix.volsnap.plugins.plugin_utils._restart import (
    shutdown_command,
    task_create_v1,
    task_create_v2,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._servicing import state_command
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import (
    download_plan,
    host_copy_command,
    upload_plan,
    url_fetch_command,
)

MSU = MsuPackage("Windows6.0-KB2748349-x64.cab", "Package_for_KB2748349~31bf3856ad364e35~amd64~~6.0.1.0")
PACKAGES = {
    "2003": ("update_exe", "WindowsServer2003-KB2748349-x86-ENU.exe", r"C:\WINDOWS", 3790),
    "vista_2008": ("pkgmgr", "Windows6.0-KB2748349-x64.msu", r"C:\Windows", 6002),
    "7_2008r2": ("dism", "Windows6.1-KB2748349-x64.msu", r"C:\Windows", 7600),
}


def installer_lines(family: str) -> list[str]:
    installer, package, root, _build = PACKAGES[family]
    space = workspace(package, rf"{root}\Temp\winfix-volsnap-0a1b2c3d")
    msu = MSU if installer != "update_exe" else None
    lines = [install_command(installer, space, msu), removal_command(installer, space, root, msu)]
    if msu is not None:
        lines.append(space.expand_command(installer))
    lines += [folder_removal_command(space.workdir), state_command(msu.identity if msu else None)]
    return lines


def lock_lines(family: str) -> list[str]:
    lock = lock_path(rf"{PACKAGES[family][2]}\Temp")
    owner = "winfix-volsnap lock taken 20261201150409.721000+060 by ctl run 0a1b2c3d"
    stale = LockOwner(owner, None, "ctl", "0badc0de")
    return [
        acquire_command(lock, owner),
        break_and_acquire_command(lock, stale, owner),
        owner_command(lock),
        folder_removal_command(lock),
    ]


def transfer_lines(family: str) -> list[str]:
    root = PACKAGES[family][2]
    upload = upload_plan(rf"{root}\Temp\w\p.msu", "abcd")
    download = download_plan(rf"{root}\Temp\w\p.msu", rf"{root}\Temp", "abcd")
    return [
        upload.receive_command(),
        upload.empty_file_command(),
        upload.decode_and_hash_command(),
        upload.commit_command(),
        upload.cleanup_command(),
        download.hash_command(),
        download.read_command(),
        url_fetch_command("http://packages.example/p.msu", rf"{root}\Temp\w\p.msu"),
        host_copy_command(r"D:\packages\p.msu", rf"{root}\Temp\w\p.msu"),
    ]


def restart_lines(family: str) -> list[str]:
    build = PACKAGES[family][3]
    when = dt.datetime(2026, 3, 7, 23, 30)
    if build <= 3790:
        return [shutdown_command(0, "winfix", build), task_create_v1("winfix-volsnap-restart", when, "M/d/yyyy")]
    return [shutdown_command(0, "winfix", build), task_create_v2("winfix-volsnap-restart", r'"C:\Windows\Temp\t.xml"')]


def preflight_lines(family: str) -> list[str]:
    return [preflight_plan(family, PACKAGES[family][2]).line]


def all_lines(family: str) -> list[str]:
    return [
        probe_command(),
        *preflight_lines(family),
        *lock_lines(family),
        *installer_lines(family),
        *transfer_lines(family),
        *restart_lines(family),
    ]
