"""HOSTS.yml: the profiles of the simulated hosts (the file format is an interface; keep the field names)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

AUTH_METHODS = ("ntlm", "basic", "kerberos", "credssp")  # kerberos: the lab runs a KDC for LAB.TEST (winlab.kerberos)
ARCHES = ("x86", "AMD64", "IA64")
PRODUCT_TYPES = ("WinNT", "ServerNT", "LanmanNT")
LOCALES = ("en-US", "de-DE")
FAULT_NAMES = (
    "auth_refused",
    "unreachable",
    "drop_after_bytes",
    "drop_during_command",
    "slow_ms",
    "disk_full",
    "installer_exit_code",
    "restart_never_returns",
    "restart_takes_s",
    "garbled_output",
    "command_takes_s",
    "access_denied",
)


class ProfileError(ValueError):
    """A HOSTS.yml that cannot describe a host; the message names the host and the field."""


@dataclass(frozen=True)
class Volume:
    drive: str
    capacity_bytes: int
    filesystem: str = "NTFS"
    # Free bytes when the host starts (wmic logicaldisk's FreeSpace); None: half the capacity. Writes beyond it fail
    # with "There is not enough space on the disk." as the fault disk_full's do.
    free_bytes: int | None = None

    @property
    def free_at_start(self) -> int:
        return self.capacity_bytes // 2 if self.free_bytes is None else self.free_bytes


@dataclass(frozen=True)
class HostProfile:
    name: str
    product_name: str = "Windows 7 Professional"
    current_version: str = "6.1"
    current_major_version: int | None = None
    build: int = 7600
    csd_version: str | None = None
    product_type: str = "WinNT"
    edition_id: str | None = "Professional"
    installation_type: str | None = None
    arch: str = "AMD64"
    volsnap_version: str | None = "6.1.7600.16385"
    powershell: str | None = "2.0"
    wmic: bool = True
    installed_kbs: tuple[str, ...] = ()
    pending_reboot: bool = False
    locale: str = "en-US"
    volumes: tuple[Volume, ...] = (Volume("C:", 25769803776, "NTFS"),)
    shadow_copies: int = 0
    faults: dict[str, Any] = field(default_factory=dict)
    username: str = "Administrator"
    password: str = "Lab-Passw0rd!"
    auth: str = "ntlm"
    tls: bool = False  # HTTPS with a certificate from the lab's own CA (<state>/ca.pem)
    port: int | None = None  # None: a free port is chosen when the lab starts
    max_envelope_kb: int = 150  # WinRM MaxEnvelopeSizekb: larger requests are refused with HTTP 413
    utc_offset_minutes: int = 0  # the host's time zone: its local time is the lab clock (UTC) plus this


@dataclass(frozen=True)
class LabConfig:
    hosts: tuple[HostProfile, ...]


_FIELDS = {f.name for f in dataclasses.fields(HostProfile)}


def _host_from_mapping(name: str, raw: dict[str, Any]) -> HostProfile:
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ProfileError(f"host {name}: unknown field(s) {', '.join(unknown)}")
    values = dict(raw)
    values["name"] = name
    if "volumes" in values:
        values["volumes"] = tuple(Volume(**v) for v in values["volumes"] or ())
    if "installed_kbs" in values:
        values["installed_kbs"] = tuple(str(kb).upper() for kb in values["installed_kbs"] or ())
    for key in ("current_version", "volsnap_version", "powershell", "csd_version"):
        if values.get(key) is not None:
            values[key] = str(values[key])
    values["faults"] = dict(values.get("faults") or {})
    profile = HostProfile(**values)
    _validate(profile)
    return profile


def _validate(p: HostProfile) -> None:
    checks = [
        (p.auth in AUTH_METHODS, f"auth must be one of {AUTH_METHODS}"),
        (p.arch in ARCHES, f"arch must be one of {ARCHES}"),
        (p.product_type in PRODUCT_TYPES, f"product_type must be one of {PRODUCT_TYPES}"),
        (p.locale in LOCALES, f"locale must be one of {LOCALES}"),
        (isinstance(p.max_envelope_kb, int) and p.max_envelope_kb >= 32, "max_envelope_kb must be 32 or more"),
        (_is_takes_s(p.faults.get("command_takes_s")), "command_takes_s must map command-line parts to seconds"),
        (
            isinstance(p.utc_offset_minutes, int) and -720 <= p.utc_offset_minutes <= 840,
            "utc_offset_minutes must be whole minutes from -720 (UTC-12:00) to 840 (UTC+14:00)",
        ),
        (_is_paths(p.faults.get("access_denied")), "access_denied must be a list of absolute Windows paths"),
        (
            all(v.free_bytes is None or 0 <= v.free_bytes <= v.capacity_bytes for v in p.volumes),
            "a volume's free_bytes must be from 0 to its capacity_bytes",
        ),
    ]
    for ok, message in checks:
        if not ok:
            raise ProfileError(f"host {p.name}: {message}")
    if p.auth == "kerberos" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", p.name):
        raise ProfileError(f"host {p.name}: a kerberos host's name must be a DNS label (it becomes <name>.lab.test)")
    unknown_faults = sorted(set(p.faults) - set(FAULT_NAMES))
    if unknown_faults:
        raise ProfileError(f"host {p.name}: unknown fault(s) {', '.join(unknown_faults)}")


def _is_takes_s(value: Any) -> bool:
    """Fault command_takes_s: {"<substring of the command line>": <seconds>}."""
    if value is None:
        return True
    return isinstance(value, dict) and all(
        isinstance(k, str) and k and isinstance(v, int | float) and v >= 0 for k, v in value.items()
    )


def _is_paths(value: Any) -> bool:
    """Fault access_denied: ["C:\\Windows\\Temp\\winfix-volsnap.lock", ...] (each path and what lies below it)."""
    if value is None:
        return True
    return isinstance(value, list) and all(isinstance(v, str) and len(v) > 2 and v[1] == ":" for v in value)


def load_config(data: dict[str, Any]) -> LabConfig:
    defaults = dict(data.get("defaults") or {})
    hosts_raw = data.get("hosts") or {}
    if not isinstance(hosts_raw, dict) or not hosts_raw:
        raise ProfileError("HOSTS.yml: 'hosts' must be a non-empty mapping of inventory name to profile")
    hosts = []
    for name, raw in hosts_raw.items():
        merged = {**defaults, **(raw or {})}
        merged["faults"] = {**(defaults.get("faults") or {}), **((raw or {}).get("faults") or {})}
        hosts.append(_host_from_mapping(str(name), merged))
    _check_realm_users(hosts)
    return LabConfig(hosts=tuple(hosts))


def _check_realm_users(hosts: list[HostProfile]) -> None:
    """Kerberos hosts share one realm, so a user has one password across them."""
    passwords: dict[str, tuple[str, str]] = {}
    for p in hosts:
        if p.auth != "kerberos":
            continue
        seen = passwords.setdefault(p.username.casefold(), (p.name, p.password))
        if seen[1] != p.password:
            raise ProfileError(
                f"host {p.name}: user {p.username} has another password on {seen[0]}; kerberos hosts share the "
                "realm LAB.TEST, where a user has one password"
            )


def load_hosts_file(path: Path) -> LabConfig:
    with open(path, encoding="utf-8") as handle:
        return load_config(yaml.safe_load(handle) or {})
