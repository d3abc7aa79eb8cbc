# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight: what a remediation will need on one host, found without changing anything there.

Two round trips per host: the probe (the assessment, the pending restart, the host's clock), and, for a host that
needs the update, ONE more line of read-only sections in the probe's marker form (_probe.sections_line):

- `temp`: `if exist "<SystemRoot>\\Temp\\"`: the folder the work folder and the lock go into. Whether it is writable
  is not tested: that would need a write.
- `file_expand`, `file_pkgmgr`, `file_dism`: `if exist "<SystemRoot>\\System32\\<tool>.exe"` for the family's
  installer (Vista / 2008: expand and pkgmgr; 7 / 2008 R2: expand and dism). Server 2003's package is an update.exe
  that runs itself: besides the Temp folder it needs certutil, which the hash section runs.
- `hash`: the transfer's own hash line (_hashes.hash_command: SHA-256, else the plain SHA-1 form) on a file that is
  there already, volsnap.sys: which hash will prove the package's bytes on this host.
- `free`: `wmic logicaldisk where DeviceID="<drive>" get FreeSpace /value` for the drive of SystemRoot.
- `lock`: _lock.owner_command: who holds the host lock, if anyone (its age comes from the owner's time and the
  probe's host time).

Every section's command is in parentheses, so that one of the two exit markers follows it whatever it did. The
meaning is read from the text between the markers (`yes` / `no`, a digest, `FreeSpace=`, the lock's marker): a
section that is missing, cut short or unreadable is "cannot tell", and a check that cannot tell is not ok.

Disk space: the package and what is made from it on the system drive, EXPANSION_FACTOR times its size, reasoned from
the collection's own steps: a push holds the base64 text (4/3 of the package, plus line ends) and the decoded copy at
once (about 2.4x); expand copies the .msu's contents (about 1x more: the inner .cab is most of the .msu); the
servicing stack unpacks the compressed cabinet into its temporary folder and then into the component store (each the
uncompressed payload: allowing 3x for CAB compression of executables, twice). 2.4 + 1 + 3 + 3 is about 9.4, rounded
up to 10. It is an estimate, not a Microsoft figure: a host with more free space may still fail for other reasons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Assessment, Status
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import quote_path
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import (
    Algorithm,
    HostDigest,
    hash_command,
    parse_host_digest,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_time import host_now
from ansible_collections.winfix.volsnap.plugins.plugin_utils._lock import (
    MARK as LOCK_MARK,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._lock import (
    LockOwner,
    describe_age,
    folder_test,
    is_stale,
    lock_age_s,
    lock_path,
    owner_command,
    parse_owner,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import sections_line, split_sections
from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import has_urlcache
from ansible_collections.winfix.volsnap.plugins.plugin_utils._wmic import parse_wmic_values

# Every check a row can hold, in the order a row lists them. `reachable`, `assessment`, `pending_restart` and
# `host_time` are in every row of a host that was reached; the others only where the host needs the update
# (`urlcache` only with source url); an unreachable host has `reachable` alone, a task that failed `preflight`.
CHECKS = (
    "reachable",
    "preflight",
    "assessment",
    "package",
    "installer",
    "host_hash",
    "urlcache",
    "disk_space",
    "lock",
    "pending_restart",
    "host_time",
)
EXPANSION_FACTOR = 10  # see the module docstring
INSTALLER_FILES: Mapping[str, tuple[str, ...]] = {
    "2003": (),  # update.exe runs itself
    "vista_2008": ("expand.exe", "pkgmgr.exe"),
    "7_2008r2": ("expand.exe", "dism.exe"),
}
_DRIVE = re.compile(r"^[A-Za-z]:$")
SYSTEM32 = "\\System32\\"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Settings:
    """What the remediation is asked to do, as far as the preflight needs it."""

    source: str  # controller | url | host
    lock_max_age_s: int


@dataclass(frozen=True)
class ControllerPackage:
    """What the controller holds of the package a host needs (read by the action: files on the controller)."""

    name: str
    sha256: str | None  # the SHA-256 the remediation checks against (checksums, SHA256SUMS); None: see list_error
    list_error: str | None  # why no SHA-256 can be had: no list given, unreadable, malformed, not listed
    package_dir: str | None
    copy_size: int | None  # the controller's copy in package_dir; None when there is none
    copy_sha256: str | None  # that copy's SHA-256
    sha1: str  # SHA1SUMS beside SHA256SUMS: `listed`, or why it gives no SHA-1 of the package


# -- the host line ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """The preflight's one line for a host, and what it looks at."""

    family: str
    windows_root: str
    drive: str  # the drive of SystemRoot: where the work folder, the lock and the component store are
    line: str

    @property
    def temp_root(self) -> str:
        return f"{self.windows_root}\\Temp"

    @property
    def lock(self) -> str:
        return lock_path(self.temp_root)


def plan(family: str, windows_root: str) -> Plan:
    """The line for a host of `family` whose SystemRoot is `windows_root`. Read-only sections only; raises
    UnsafeArgumentError (nothing sent) for a SystemRoot cmd.exe could misread, ValueError for an unknown family."""
    if family not in INSTALLER_FILES:
        raise ValueError(f"no installer is known for family {family!r}")
    quote_path(windows_root)
    drive = windows_root[:2].upper()
    if not _DRIVE.match(drive):
        raise ValueError(f"SystemRoot {windows_root!r} is not on a drive letter")
    temp = f"{windows_root}\\Temp"
    sections: list[tuple[str, str]] = [("temp", f"({_exists(folder_test(temp))})")]
    for name in INSTALLER_FILES[family]:
        sections.append((_file_section(name), f"({_exists(quote_path(f'{windows_root}{SYSTEM32}{name}'))})"))
    volsnap = quote_path(f"{windows_root}{SYSTEM32}drivers\\volsnap.sys")
    sections += [
        ("hash", f"({hash_command(volsnap)})"),
        ("free", f'wmic logicaldisk where DeviceID="{drive}" get FreeSpace /value < nul'),
        ("lock", f"({owner_command(lock_path(temp))})"),
    ]
    return Plan(family, windows_root, drive, sections_line(tuple(sections)))


def _exists(quoted: str) -> str:
    return f"if exist {quoted} (echo yes) else echo no"


def _file_section(name: str) -> str:
    return "file_" + name.split(".", 1)[0]


# -- what the line printed -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Readings:
    """What the preflight line found; None wherever the output does not tell."""

    temp_folder: bool | None
    files: Mapping[str, bool | None]  # "dism.exe": present?
    digest: HostDigest | None
    free_bytes: int | None
    lock_held: bool | None
    lock_owner: LockOwner | None
    unreadable: str | None = None  # why the line was not sent or its output not read at all


def not_read(why: str) -> Readings:
    return Readings(None, {}, None, None, None, None, why)


def parse_preflight(stdout: str, line_plan: Plan) -> Readings:
    """The line's stdout → Readings. Never raises: text that is not the line's output reads as "cannot tell"."""
    sections = split_sections(stdout)
    if not sections:
        return not_read("its output has no section markers: not the preflight's output, or garbled")

    def text(name: str) -> list[str] | None:
        section = sections.get(name)
        if section is None or section.ok is None:  # missing, or cut short before its exit marker
            return None
        return [line.strip() for line in lines_of(section.text) if line.strip()]

    def yes_no(name: str) -> bool | None:
        lines = text(name)
        return {"yes": True, "no": False}.get(lines[0].lower()) if lines and len(lines) == 1 else None

    files = {name: yes_no(_file_section(name)) for name in INSTALLER_FILES[line_plan.family]}
    hash_lines = text("hash")
    digest = parse_host_digest("\n".join(hash_lines)) if hash_lines is not None else None
    held, owner = _lock(text("lock"))
    return Readings(yes_no("temp"), files, digest, _free(text("free")), held, owner)


def _free(lines: list[str] | None) -> int | None:
    if lines is None:
        return None
    for record in parse_wmic_values("\n".join(lines)):
        value = record.get("FreeSpace", "")
        if value.isdigit():
            return int(value)
    return None


def _lock(lines: list[str] | None) -> tuple[bool | None, LockOwner | None]:
    """The lock section: empty when there is no lock folder; `@@volsnap-lock held` and the owner file otherwise."""
    if lines is None:
        return None, None
    if not lines:
        return False, None
    if lines[0] == f"{LOCK_MARK} held":
        return True, parse_owner("\n".join(lines[1:]))
    return None, None


# -- the checks ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preflight:
    ready: bool
    checks: Mapping[str, Check]

    def failed(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check.ok]

    def to_dict(self) -> dict[str, Any]:
        return {"ready": self.ready, "checks": {name: check.to_dict() for name, check in self.checks.items()}}


def needs_install(assessment: Assessment) -> bool:
    """The hosts the remediation installs on; every other host needs at most a restart."""
    return assessment.status is Status.VULNERABLE


def evaluate(
    facts: HostFacts,
    assessment: Assessment,
    settings: Settings,
    readings: Readings | None = None,
    package: ControllerPackage | None = None,
    line_plan: Plan | None = None,
) -> Preflight:
    """Every check that applies to the host. `ready` is true when none failed: for a host that needs nothing
    (compliant, not_applicable, or reboot_pending, whose update waits only for its restart) that means nothing stands
    in the remediation's way. `readings`, `package` and `line_plan` are for a host that needs the update."""
    checks: dict[str, Check] = {
        "reachable": Check(True, "reached over WinRM and authenticated: the probe ran"),
        "assessment": assessment_check(assessment),
    }
    if needs_install(assessment):
        found = readings or not_read("the preflight line was not sent")
        checks["package"] = package_check(package, settings.source)
        checks["installer"] = installer_check(assessment, found, line_plan)
        checks["host_hash"] = host_hash_check(found, package, settings.source)
        if settings.source == "url":
            checks["urlcache"] = urlcache_check(facts)
        checks["disk_space"] = disk_check(found, package, line_plan)
        checks["lock"] = lock_check(found, facts, settings.lock_max_age_s, line_plan)
    checks["pending_restart"] = pending_restart_check(facts, assessment)
    checks["host_time"] = host_time_check(facts)
    return Preflight(all(check.ok for check in checks.values()), checks)


def assessment_check(assessment: Assessment) -> Check:
    status, reason = assessment.status, assessment.reason
    if status is Status.VULNERABLE:
        return Check(True, f"vulnerable: {reason}; needs {assessment.package} ({assessment.installer})")
    if status in (Status.COMPLIANT, Status.NOT_APPLICABLE):
        return Check(True, f"{status.value}: {reason}; nothing to install")
    if status is Status.REBOOT_PENDING:
        return Check(True, f"reboot_pending: {reason}; the update waits only for its restart (volsnap_restart)")
    if status is Status.PREREQUISITE_MISSING:
        return Check(False, f"prerequisite_missing: {reason}; the remediation cannot install the update before that")
    return Check(False, f"{status.value}: {reason}; the remediation would not know what to install")


def package_check(package: ControllerPackage | None, source: str) -> Check:
    """What the controller must have before the remediation sends anything: the package's SHA-256, and for source
    controller the package itself, matching it (volsnap_update checks the same, and refuses otherwise)."""
    if package is None:
        return Check(False, "cannot tell: the assessment named no package")
    name = package.name
    if package.sha256 is None:
        return Check(False, f"{package.list_error or f'no SHA-256 is listed for {name}'}")
    if package.copy_sha256 is not None and package.copy_sha256.lower() != package.sha256.lower():
        return Check(
            False,
            f"{name} in {package.package_dir}: SHA-256 mismatch: the file has {package.copy_sha256.lower()}, "
            f"expected {package.sha256.lower()}",
        )
    if package.copy_size is not None:
        return Check(True, f"{name} ({size_text(package.copy_size)}) in {package.package_dir}, its SHA-256 as listed")
    if source == "controller":
        where = f"in {package.package_dir}" if package.package_dir else "anywhere: package_dir is not given"
        return Check(False, f"source controller pushes {name}, which is not {where}")
    how = "downloads it from package_url" if source == "url" else "copies it from package_path"
    return Check(True, f"{name}: its SHA-256 is listed; the host {how} (not tried by the preflight)")


def installer_check(assessment: Assessment, readings: Readings, line_plan: Plan | None) -> Check:
    if line_plan is None or readings.unreadable:
        return Check(False, f"cannot tell: {readings.unreadable or 'the preflight line was not sent'}")
    temp = line_plan.temp_root
    if readings.temp_folder is None:
        return Check(False, f"cannot tell whether {temp} exists (its section printed no answer)")
    if not readings.temp_folder:
        return Check(False, f"{temp} does not exist: the work folder and the lock go there")
    unknown = [name for name, there in readings.files.items() if there is None]
    missing = [name for name, there in readings.files.items() if there is False]
    system32 = f"{line_plan.windows_root}\\System32"
    if missing:
        return Check(False, f"{', '.join(missing)} not in {system32}: {assessment.installer} cannot run")
    if unknown:
        return Check(False, f"cannot tell whether {', '.join(unknown)} is in {system32}")
    if not readings.files:
        return Check(
            True,
            f"update.exe runs itself; {temp} exists (whether it is writable is not tested: that needs a write); "
            "certutil: see host_hash",
        )
    return Check(True, f"{' and '.join(readings.files)} in {system32}; {temp} exists (writability not tested)")


def host_hash_check(readings: Readings, package: ControllerPackage | None, source: str) -> Check:
    digest = readings.digest
    if digest is None:
        why = readings.unreadable or "certutil -hashfile printed no SHA-256 or SHA-1 of volsnap.sys"
        return Check(False, f"cannot tell: {why}; the transfer proves the package's bytes with that hash")
    if digest.algorithm is Algorithm.SHA256:
        return Check(True, "sha256: certutil -hashfile computes SHA-256 here (tried on volsnap.sys)")
    head = "sha1: this host computes only SHA-1 (no SHA-2: Windows Server 2003 without KB968730 or KB938397)"
    if package is not None and package.copy_size is not None:
        return Check(True, f"{head}; the SHA-1 of the controller's copy in {package.package_dir} proves the bytes")
    if package is not None and package.sha1 == "listed":
        return Check(True, f"{head}; SHA1SUMS lists the package's SHA-1, which proves the bytes")
    name = package.name if package else "the package"
    sha1sums = package.sha1 if package else "no package was named"
    return Check(
        False,
        f"{head}, and the controller has no SHA-1 of {name} ({name} is not in package_dir; {sha1sums}), so the bytes "
        f"the host gets (source {source}) cannot be proven: put the package in package_dir or list its SHA-1 in "
        "SHA1SUMS",
    )


def urlcache_check(facts: HostFacts) -> Check:
    if not has_urlcache(facts):
        return Check(
            False,
            "Windows Server 2003 has no certutil -urlcache, so source url is refused for this host: use source "
            "controller or host for it",
        )
    return Check(
        True,
        "certutil -urlcache is there from Vista on (not run: it would download); the host fetches package_url when "
        "the remediation runs",
    )


def disk_check(readings: Readings, package: ControllerPackage | None, line_plan: Plan | None) -> Check:
    drive = line_plan.drive if line_plan else "the system drive"
    free = readings.free_bytes
    if free is None:
        why = readings.unreadable or f"wmic logicaldisk printed no FreeSpace for {drive}"
        return Check(False, f"cannot tell: {why}")
    size = package.copy_size if package else None
    if size is None:
        return Check(
            False,
            f"cannot tell: {drive} has {size_text(free)} free, and the package's size is unknown (it is not in "
            "package_dir on the controller)",
        )
    need = size * EXPANSION_FACTOR
    verdict = "has" if free >= need else "has only"
    return Check(
        free >= need,
        f"{drive} {verdict} {size_text(free)} free; the package ({size_text(size)}) and what is unpacked from it "
        f"need about {size_text(need)} ({EXPANSION_FACTOR} times its size)",
    )


def lock_check(readings: Readings, facts: HostFacts, max_age_s: int, line_plan: Plan | None) -> Check:
    lock = line_plan.lock if line_plan else "the host lock"
    if readings.lock_held is None:
        why = readings.unreadable or "its section printed no answer"
        return Check(False, f"cannot tell whether {lock} is held: {why}")
    if not readings.lock_held:
        return Check(True, f"no lock at {lock}")
    owner = readings.lock_owner or parse_owner("")
    age = lock_age_s(owner, host_now(facts))
    held = f"{lock} is held by {owner.describe()}"
    if is_stale(age, max_age_s):
        return Check(
            True,
            f"{held}, {describe_age(age or 0)} old: would be broken (older than volsnap_lock_max_age_s, {max_age_s} s)",
        )
    if age is None:
        return Check(
            False, f"{held}; its age cannot be told, so it would not be broken: remove it once that run is dead"
        )
    if max_age_s == 0:
        return Check(False, f"{held}, {describe_age(age)} old; volsnap_lock_max_age_s is 0, so it is never broken")
    return Check(
        False,
        f"{held}, {describe_age(age)} old: a run now would refuse it; it would be broken once older than "
        f"volsnap_lock_max_age_s ({max_age_s} s), in {describe_age(max_age_s - age)}",
    )


def pending_restart_check(facts: HostFacts, assessment: Assessment) -> Check:
    if not facts.pending_reboot:
        return Check(True, "no restart pending")
    reasons = ", ".join(facts.pending_reboot_reasons) or "a pending-restart marker"
    if assessment.status is Status.REBOOT_PENDING:
        return Check(
            True, f"pending ({reasons}): KB2748349's own restart, which the remediation does (volsnap_restart)"
        )
    if needs_install(assessment):
        return Check(
            False,
            f"pending for another change ({reasons}): restart the host before the remediation, so that the update "
            "is not installed on top of unfinished changes and its restart completes only its own",
        )
    return Check(True, f"pending ({reasons}); nothing is installed on this host")


def host_time_check(facts: HostFacts) -> Check:
    now = host_now(facts)
    if now is None:
        return Check(
            False,
            "cannot read the host's clock (wmic os LocalDateTime): a lock it takes carries no time and is never "
            "broken by age, and no restart window or long delay can be scheduled on it",
        )
    return Check(True, f"{now.describe()} host time")


def size_text(size: int) -> str:
    """`1.2 MB`, `35.0 GB`, `900 bytes`, in decimal units."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
