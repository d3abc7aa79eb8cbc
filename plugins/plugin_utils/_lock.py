# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host lock: a folder made with `mkdir` (atomic on Windows), whose owner file says who took it and when, by the
host's own clock.

Taking it, reading who holds it and breaking a stale one are each ONE cmd.exe line; the outcome is read from markers
the line prints, never from cmd's (localised) messages. A lock is stale when it is older than
`volsnap_lock_max_age_s` (default 6 hours; 0: never), measured between two readings of the host's clock (the owner's
`taken` and the probe's LocalDateTime), never against the controller's clock. A preflight can read an owner file with
`owner_command` (read-only) and age it with `held_lock_age_s` and the probe's facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import quote_path
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_time import (
    HostTime,
    host_now,
    parse_cim_datetime,
    seconds_between,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of

LOCK_NAME = "winfix-volsnap.lock"
OWNER_FILE = "owner.txt"
MAX_AGE_VAR = "volsnap_lock_max_age_s"
DEFAULT_MAX_AGE_S = 21600
MARK = "@@volsnap-lock"
_OWNER_RE = re.compile(r"taken (\S+) by (\S+) run ([0-9a-f]{8,32})\b")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class LockSettingError(ValueError):
    """volsnap_lock_max_age_s is not a whole number of seconds, 0 or more."""


def max_age_from(value: Any) -> int:
    """volsnap_lock_max_age_s as given (an int, or text from an INI inventory or -e) → seconds; 0 never breaks."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,10}", text):
        raise LockSettingError(
            f"{MAX_AGE_VAR} must be a whole number of seconds, 0 or more (0: never break), not {value!r}"
        )
    return int(text)


def lock_path(temp_root: str) -> str:
    return f"{temp_root}\\{LOCK_NAME}"


def owner_line(taken: HostTime | None, controller: str, run_id: str) -> str:
    """What the owner file holds: plain characters only (it is written with `echo`), the time by the host's clock."""
    name = _NAME_UNSAFE.sub("-", controller)[:63] or "controller"
    stamp = taken.to_cim() if taken is not None else "unknown"
    return f"winfix-volsnap lock taken {stamp} by {name} run {run_id}"


@dataclass(frozen=True)
class LockOwner:
    """Who holds a lock, as its owner file says. Fields are None when the file is missing or not in this format
    (written by another version, or damaged)."""

    text: str  # the owner file's first line, as read
    taken: HostTime | None = None
    controller: str | None = None
    run_id: str | None = None

    def describe(self) -> str:
        if self.controller is None:
            return f"an unknown run (its owner file reads {self.text!r})" if self.text else "an unknown run"
        when = f"{self.taken.describe()} host time" if self.taken else "at an unknown time"
        return f"run {self.run_id} of {self.controller}, taken {when}"


def parse_owner(text: str) -> LockOwner:
    lines = [line.strip() for line in lines_of(text) if line.strip()]
    first = lines[0][:200] if lines else ""
    match = _OWNER_RE.search(first)
    if match is None:
        return LockOwner(first)
    stamp, controller, run_id = match.groups()
    return LockOwner(first, parse_cim_datetime(stamp), controller, run_id)


def lock_age_s(owner: LockOwner, now: HostTime | None) -> float | None:
    """How long ago the lock was taken, by the host's clock; None when either time is unknown."""
    if owner.taken is None or now is None:
        return None
    return seconds_between(owner.taken, now)


def held_lock_age_s(owner_text: str, facts: HostFacts) -> float | None:
    """The age of a lock from its owner file's text (`owner_command`'s output) and a probe's facts, read in the same
    run: for a preflight's "existing lock and its age"."""
    return lock_age_s(parse_owner(owner_text), host_now(facts))


def is_stale(age_s: float | None, max_age_s: int) -> bool:
    """Older than the limit. An unknown age is never stale: breaking a lock needs proof that its run is dead."""
    return max_age_s > 0 and age_s is not None and age_s > max_age_s


def describe_age(seconds: float) -> str:
    """`7 h 02 min`, `3 d 4 h`, `45 s`: for messages."""
    whole = int(max(seconds, 0))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@dataclass(frozen=True)
class HeldLock:
    """The host lock a run holds, and the stale lock it broke to take it, if any."""

    path: str
    broken: LockOwner | None = None
    broken_age_s: float | None = None
    max_age_s: int = DEFAULT_MAX_AGE_S

    def broken_result(self) -> dict[str, Any] | None:
        """A task result's `lock_broken`: what a report records about the lock this run broke."""
        if self.broken is None:
            return None
        return {
            **_owner_fields(self.path, self.broken, self.broken_age_s),
            "max_age_s": self.max_age_s,
            "msg": self.broken_message(),
        }

    def broken_message(self) -> str:
        if self.broken is None:
            return ""
        return (
            f"broke the stale lock {self.path} of {self.broken.describe()}: "
            f"{describe_age(self.broken_age_s or 0)} old, above volsnap_lock_max_age_s ({self.max_age_s} s)"
        )


def refusal(
    lock: str, owner: LockOwner, age_s: float | None, max_age_s: int, now: HostTime | None
) -> tuple[str, dict[str, Any]]:
    """Why a run does not take a lock that is held: the message, and the result's `lock_holder`."""
    if age_s is None:
        why = (
            "its age cannot be told (no time in its owner file, or the host's clock could not be read), so it is not "
            "broken; remove that folder once you know that run is dead"
        )
    elif max_age_s == 0:
        why = (
            f"it is {describe_age(age_s)} old and volsnap_lock_max_age_s is 0, so it is never broken; wait for that "
            "run to finish, or remove that folder if that run is dead"
        )
    else:
        why = (
            f"it is {describe_age(age_s)} old and will be broken once it is older than volsnap_lock_max_age_s "
            f"({max_age_s} s); wait for that run to finish, or remove that folder if that run is dead"
        )
    holder = {**_owner_fields(lock, owner, age_s), "host_time": now.local.isoformat() if now else None}
    return f"another winfix.volsnap run holds the lock on this host ({lock}): {owner.describe()}; {why}", holder


def _owner_fields(lock: str, owner: LockOwner, age_s: float | None) -> dict[str, Any]:
    return {
        "path": lock,
        "owner": owner.text,
        "controller": owner.controller,
        "run": owner.run_id,
        "taken": owner.taken.local.isoformat() if owner.taken else None,
        "age_s": int(age_s) if age_s is not None else None,
    }


# -- the command lines -------------------------------------------------------------------------------------------
def folder_test(path: str) -> str:
    """`"C:\\x\\"`: with the trailing backslash, `if exist` is true for a folder only (not a file of that name)."""
    return quote_path(path)[:-1] + '\\"'


def owner_command(lock: str) -> str:
    """Read-only: print who holds the lock, if anyone (for a preflight)."""
    return f"if exist {folder_test(lock)} (echo {MARK} held& type {quote_path(lock + chr(92) + OWNER_FILE)})"


def acquire_command(lock: str, owner: str) -> str:
    """Make the lock folder and write its owner, or say why not, in one line:
    `taken`: ours. `unwritten`: made, but the owner file could not be written (removed again; stderr says why).
    `held`: the folder exists (another run, or a dead one): its owner file follows. `failed`: mkdir failed and there
    is no lock folder, so the cause is another (access denied, disk full, path missing): stderr says which."""
    folder, owner_file = quote_path(lock), quote_path(lock + "\\" + OWNER_FILE)
    return (
        f"mkdir {folder} && (echo {owner}> {owner_file} && echo {MARK} taken|| "
        f"(rmdir /s /q {folder} & echo {MARK} unwritten))"
        f"|| (if exist {folder_test(lock)} (echo {MARK} held& type {owner_file} 2>nul) else echo {MARK} failed)"
    )


def break_and_acquire_command(lock: str, stale: LockOwner, owner: str) -> str:
    """Remove a stale lock, only if its owner file still names the stale run (a run that broke it first and holds it
    now is not thrown out: the check and the removal are one line on the host), then take the lock as above."""
    if stale.run_id is None:
        raise ValueError("only a lock whose owner is known can be broken")
    owner_file = quote_path(lock + "\\" + OWNER_FILE)
    return (
        f'type {owner_file} | findstr /c:"run {stale.run_id}" >nul && rmdir /s /q {quote_path(lock)} & '
        + acquire_command(lock, owner)
    )


@dataclass(frozen=True)
class Acquired:
    outcome: str  # taken | unwritten | held | failed | unknown (no marker: the output was cut or garbled)
    owner: LockOwner | None = None  # for held


def parse_acquire(stdout: str) -> Acquired:
    lines = lines_of(stdout)
    for index, line in enumerate(lines):
        parts = line.strip().split()
        if len(parts) == 2 and parts[0] == MARK and parts[1] in ("taken", "unwritten", "held", "failed"):
            owner = parse_owner("\n".join(lines[index + 1 :])) if parts[1] == "held" else None
            return Acquired(parts[1], owner)
    return Acquired("unknown")
