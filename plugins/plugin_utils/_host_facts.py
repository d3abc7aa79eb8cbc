# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the probe read from a host, typed. Produced by _probe.parse_probe, consumed by _assessment.assess."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Volume:
    drive: str | None  # "C:"; None for a volume without a drive letter
    capacity_bytes: int | None
    filesystem: str | None


@dataclass(frozen=True)
class HostFacts:
    product_name: str | None = None
    current_version: str | None = None  # registry CurrentVersion: "5.2", "6.0", "6.1", "6.3"
    current_major_version: int | None = None  # Windows 10+: 10
    build: int | None = None  # CurrentBuildNumber
    csd_version: str | None = None  # "Service Pack 2"; None on RTM
    service_pack: int | None = None  # 0 on RTM; None when it could not be read
    product_type: str | None = None  # WinNT | ServerNT | LanmanNT
    edition_id: str | None = None
    installation_type: str | None = None  # Client | Server | Server Core (2008 R2+)
    arch: str | None = None  # x86 | AMD64 | IA64
    volsnap_version: str | None = None
    powershell_version: str | None = None
    wmic_available: bool = True
    kb_installed: bool = False  # registry evidence of KB2748349 (supporting evidence only)
    pending_reboot: bool = False
    pending_reboot_reasons: tuple[str, ...] = ()
    volumes: tuple[Volume, ...] = ()
    shadow_copies: int | None = None
    system_root: str | None = None  # C:\Windows (C:\WINDOWS on 2003)
    last_boot: str | None = None  # raw wmic LastBootUpTime, e.g. 20121120093000.500000+060
    local_time: str | None = None  # raw wmic LocalDateTime when probed: the host's clock and UTC offset (_host_time)
    problems: tuple[str, ...] = ()  # what could not be read, and why

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ansible_facts."""
        return dataclasses.asdict(self)
