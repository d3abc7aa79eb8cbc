"""Sample host profiles (HOSTS.yml fields) shared by the lab's tests, the integration tests and the benchmark."""

from __future__ import annotations

from typing import Any

PASSWORD = "Lab-Passw0rd!"
DEFAULTS: dict[str, Any] = {"username": "Administrator", "password": PASSWORD, "auth": "ntlm"}
W7: dict[str, Any] = {
    "product_name": "Windows 7 Professional",
    "current_version": "6.1",
    "build": 7600,
    "product_type": "WinNT",
    "edition_id": "Professional",
    "arch": "AMD64",
    "volsnap_version": "6.1.7600.16385",
    "powershell": "2.0",
}
VISTA: dict[str, Any] = {
    **W7,
    "product_name": "Windows Vista (TM) Business",
    "current_version": "6.0",
    "build": 6002,
    "csd_version": "Service Pack 2",
    "volsnap_version": "6.0.6002.18005",
    "powershell": None,
}
W2003: dict[str, Any] = {
    "product_name": "Microsoft Windows Server 2003",
    "current_version": "5.2",
    "build": 3790,
    "csd_version": "Service Pack 2",
    "product_type": "ServerNT",
    "edition_id": None,
    "arch": "x86",
    "volsnap_version": "5.2.3790.4000",
    "powershell": None,
}
W2008: dict[str, Any] = {
    "product_name": "Windows Server (R) 2008 Standard",
    "current_version": "6.0",
    "build": 6002,
    "csd_version": "Service Pack 2",
    "product_type": "ServerNT",
    "volsnap_version": "6.0.6002.18005",
    "powershell": None,
}

# Hosts patched after 2012 and the editions that share the listed builds (docs/versions.md gives the version lines).
W2008_MERGED: dict[str, Any] = {  # Server 2008 SP2 on the merged monthly-rollup line (6.0.6002.24xxx, 2017-2019)
    **W2008,
    "edition_id": "ServerStandard",
    "arch": "AMD64",
    "volsnap_version": "6.0.6002.24202",
}
W2008_6003: dict[str, Any] = {  # Server 2008 SP2 after the April 2019 rollup: build 6003, CSDVersion unchanged
    **W2008,
    "build": 6003,
    "edition_id": "ServerStandard",
    "arch": "AMD64",
    "volsnap_version": "6.0.6003.21138",
}
W2008_6003_OLD_FILE: dict[str, Any] = {**W2008_6003, "volsnap_version": "6.0.6002.18005"}  # rollups left volsnap.sys
W7_SP1_ESU: dict[str, Any] = {
    **W7,
    "product_name": "Windows 7 Enterprise",
    "build": 7601,
    "csd_version": "Service Pack 1",
    "edition_id": "Enterprise",
    "installation_type": "Client",
    "volsnap_version": "6.1.7601.24545",
}
W2003_LATER: dict[str, Any] = {**W2003, "volsnap_version": "5.2.3790.5190"}
W2003_R2: dict[str, Any] = {**W2003, "product_name": "Microsoft Windows Server 2003 R2", "arch": "AMD64"}
HYPERV_R2: dict[str, Any] = {  # Hyper-V Server 2008 R2 (RTM): a Server Core without PowerShell
    **W7,
    "product_name": "Hyper-V Server 2008 R2",
    "product_type": "ServerNT",
    "edition_id": "ServerHyperCore",
    "installation_type": "Server Core",
    "powershell": None,
}
WES7: dict[str, Any] = {**W7, "product_name": "Windows Embedded Standard", "edition_id": "Embedded", "arch": "x86"}
SBS2008: dict[str, Any] = {  # x64 only, always a domain controller
    **W2008,
    "product_name": "Windows Small Business Server 2008 Standard",
    "product_type": "LanmanNT",
    "edition_id": "ServerSBSStandard",
    "arch": "AMD64",
}
XP_X64: dict[str, Any] = {
    "product_name": "Microsoft Windows XP",
    "current_version": "5.2",
    "build": 3790,
    "csd_version": "Service Pack 2",
    "product_type": "WinNT",
    "edition_id": None,
    "arch": "AMD64",
    "volsnap_version": "5.2.3790.4000",
    "powershell": None,
}
