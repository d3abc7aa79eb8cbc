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
