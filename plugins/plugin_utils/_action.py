# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the action plugins meet the host: run a cmd.exe line, probe, lock.

Unlike the rest of plugin_utils this module does I/O (through the task's connection); it is kept thin so that every
decision stays in the pure modules it calls.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Assessment, assess
from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import CatalogOverrides
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError
from ansible_collections.winfix.volsnap.plugins.plugin_utils._compat import supply_connection_extras
from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import (
    CleanupFailed,
    CommandStillRunning,
    LeftOnHost,
    left_on_host,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_time import HostTime, host_now
from ansible_collections.winfix.volsnap.plugins.plugin_utils._lock import (
    DEFAULT_MAX_AGE_S,
    MAX_AGE_VAR,
    Acquired,
    HeldLock,
    LockOwner,
    LockSettingError,
    acquire_command,
    break_and_acquire_command,
    is_stale,
    lock_age_s,
    lock_path,
    max_age_from,
    owner_line,
    parse_acquire,
    parse_owner,
    refusal,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._overrides import (
    CATALOG_OVERRIDES_VAR,
    CatalogOverrideError,
    parse_catalog_overrides,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import parse_probe, probe_command
from ansible_collections.winfix.volsnap.plugins.plugin_utils._removal import Removal, parse_removal, removal_command
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import check_source_arguments

display = Display()

PACKAGE_NAMES_VAR = "volsnap_package_names"  # the default of every action's package_names
DEFAULT_ROOT = "C:\\Windows"


@dataclass(frozen=True)
class CmdResult:
    rc: int
    stdout: str
    stderr: str


class VolsnapAction(ActionBase):  # type: ignore[misc]
    """Base of the collection's action plugins (they run on the controller and speak cmd.exe to the host)."""

    TRANSFERS_FILES = False
    argument_spec: ClassVar[Mapping[str, Any]] = MappingProxyType({})  # each action sets its own
    catalog_overrides: CatalogOverrides = MappingProxyType({})
    takes_lock: ClassVar[bool] = False  # actions that change the host read volsnap_lock_max_age_s
    lock_max_age_s: int = DEFAULT_MAX_AGE_S
    host_name: str = "this host"

    def start(
        self, tmp: Any, task_vars: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any], HostFacts, Assessment]:
        """The opening every action shares: Ansible's bookkeeping, the validated arguments, one probe."""
        result: dict[str, Any] = super().run(tmp, task_vars)
        variables = task_vars or {}
        self.host_name = str(variables.get("inventory_hostname", "this host"))
        supply_connection_extras(self._connection, variables, self._templar.template)  # ansible-core 2.15 only
        self._package_names_from_vars(variables)
        args: dict[str, Any] = self.validate_argument_spec(argument_spec=dict(self.argument_spec))[1]
        self.check_arguments(args)
        self.catalog_overrides = self._catalog_overrides_from_vars(variables)
        if self.takes_lock:
            self.lock_max_age_s = self._lock_max_age_from_vars(variables)
        facts, assessment = self.probe(args.get("package_names"))
        return result, args, facts, assessment

    def _package_names_from_vars(self, task_vars: Mapping[str, Any]) -> None:
        """A task that leaves package_names out gets the host variable volsnap_package_names. Templated here, and only
        when set, because a `{{ volsnap_package_names }}` argument costs a template per host on every task, which is
        measurable over a fleet (see benchmarks/)."""
        wanted = "package_names" in self.argument_spec and "package_names" not in self._task.args
        if wanted and task_vars.get(PACKAGE_NAMES_VAR) is not None:
            self._task.args["package_names"] = self._templar.template(task_vars[PACKAGE_NAMES_VAR])

    def _catalog_overrides_from_vars(self, task_vars: Mapping[str, Any]) -> CatalogOverrides:
        """The host variable volsnap_catalog_overrides, validated before anything is sent to the host. Read here,
        and templated only when set, for the same reason as volsnap_package_names (no template per host)."""
        raw = task_vars.get(CATALOG_OVERRIDES_VAR)
        if raw is None:
            return MappingProxyType({})
        try:
            return parse_catalog_overrides(self._templar.template(raw))
        except CatalogOverrideError as error:
            raise AnsibleActionFail(f"{self.host_name}: {error}; nothing was sent") from None

    def _lock_max_age_from_vars(self, task_vars: Mapping[str, Any]) -> int:
        """The host variable volsnap_lock_max_age_s (templated only when set, as above), checked before anything is
        sent."""
        raw = task_vars.get(MAX_AGE_VAR)
        if raw is None:
            return DEFAULT_MAX_AGE_S
        try:
            return max_age_from(self._templar.template(raw))
        except LockSettingError as error:
            raise AnsibleActionFail(f"{self.host_name}: {error}; nothing was sent") from None

    def check_arguments(self, args: dict[str, Any]) -> None:
        """Refuse values that cannot reach cmd.exe safely, before anything is sent to the host (per action)."""

    def cmd(self, command: str, in_data: bytes | None = None) -> CmdResult:
        rc, stdout, stderr = self._connection.exec_command(command, in_data=in_data, sudoable=False)
        return CmdResult(rc, _text(stdout), _text(stderr))

    def probe(self, package_names: Mapping[str, str] | None = None) -> tuple[HostFacts, Assessment]:
        """ONE command, one round trip: everything the assessment needs, and the host's clock."""
        result = self.cmd(probe_command())
        facts = parse_probe(result.stdout)
        return facts, assess(facts, package_names, self.catalog_overrides)

    def temp_root(self, facts: HostFacts) -> str:
        return (facts.system_root or DEFAULT_ROOT) + "\\Temp"

    @contextmanager
    def removed_afterwards(self, path: str, what: str) -> Iterator[None]:
        """Run the body, then remove the folder `path` (`what` names it) on every path, over a new connection when the
        body's was cut, and check that it is gone: what is left is named, never reported as removed. If the host stays
        out of reach, the error says what was left on it. Not when a command of the body ran past command_timeout: it
        may still be running and using `path`, so `path` stays, and the error says so."""
        try:
            yield
        except (CommandStillRunning, LeftOnHost) as error:
            raise left_on_host(error, what) from error
        except BaseException as error:
            removal, stderr = self._remove_folder(path)
            if removal is None:
                raise AnsibleConnectionFailure(f"{error}; the host is out of reach, so {what} is left on it") from error
            if removal.gone is not True:
                left = (*getattr(error, "left", ()), what)
                raise CleanupFailed(f"{error}; and {_not_removed(what, removal, stderr)}", left) from error
            raise
        removal, stderr = self._remove_folder(path)
        if removal is None:
            raise AnsibleConnectionFailure(f"the host went out of reach before {what} could be removed")
        if removal.gone is not True:
            raise CleanupFailed(_not_removed(what, removal, stderr), (what,))

    def _remove_folder(self, path: str) -> tuple[Removal | None, str]:
        """The removal and its stderr; (None, "") when the host cannot be reached, after one new connection."""
        for _attempt in range(2):
            try:
                done = self.cmd(removal_command(path))
                return parse_removal(done.stdout), done.stderr.strip()
            except AnsibleConnectionFailure:
                self._connection.close()  # the next command connects and authenticates afresh
        return None, ""

    @contextmanager
    def host_lock(self, facts: HostFacts) -> Iterator[HeldLock]:
        """Hold the host's lock for the body; it is released on every path (see removed_afterwards)."""
        held = self.acquire_lock(facts)
        with self.removed_afterwards(held.path, f"the lock {held.path}"):
            yield held

    def acquire_lock(self, facts: HostFacts) -> HeldLock:
        """mkdir is atomic on Windows: the second of two concurrent runs fails here and changes nothing. A lock older
        than volsnap_lock_max_age_s by the host's clock (its run was killed, or its controller died) is broken."""
        lock = lock_path(self.temp_root(facts))
        now = host_now(facts)  # read by this task's probe, a moment ago
        owner = owner_line(now, socket.gethostname(), secrets.token_hex(4))
        got = self._try_lock(acquire_command(lock, owner), lock)
        if got.outcome == "taken":
            return HeldLock(lock, max_age_s=self.lock_max_age_s)
        held_by = got.owner or parse_owner("")
        age = lock_age_s(held_by, now)
        if not is_stale(age, self.lock_max_age_s):
            raise _refusal(lock, held_by, age, self.lock_max_age_s, now)
        held = HeldLock(lock, held_by, age, self.lock_max_age_s)
        display.v(f"{self.host_name}: {held.broken_message()}", host=self.host_name)
        again = self._try_lock(break_and_acquire_command(lock, held_by, owner), lock)
        if again.outcome != "taken":  # another run broke it first and holds it now
            newer = again.owner or parse_owner("")
            raise _refusal(lock, newer, lock_age_s(newer, now), self.lock_max_age_s, now)
        display.warning(f"{self.host_name}: {held.broken_message()}")
        return held

    def _try_lock(self, command: str, lock: str) -> Acquired:
        """Run a lock line; `taken` and `held` come back, every other outcome fails the task with its reason."""
        done = self.cmd(command)
        got = parse_acquire(done.stdout)
        reason = done.stderr.strip() or f"exit code {done.rc}"
        if got.outcome == "failed":
            raise AnsibleActionFail(f"cannot create the lock {lock}: {reason}; nothing was changed")
        if got.outcome == "unwritten":
            raise AnsibleActionFail(
                f"made the lock {lock} but could not write its owner file: {reason}; the lock was removed again and "
                "nothing was changed"
            )
        if got.outcome == "unknown":
            raise AnsibleActionFail(
                f"the lock command printed no outcome (exit code {done.rc}, output {done.stdout.strip()[:200]!r}, "
                f"{reason}), so whether {lock} was created cannot be told; check the host before running again"
            )
        return got


class PackageSourceAction(VolsnapAction):
    """An action given a package source (volsnap_update, volsnap_preflight): the same arguments, checked alike."""

    def check_arguments(self, args: dict[str, Any]) -> None:
        try:
            check_source_arguments(args)
        except UnsafeArgumentError as error:
            raise AnsibleActionFail(f"{error}; nothing was sent") from None


def _refusal(lock: str, owner: LockOwner, age: float | None, max_age_s: int, now: HostTime | None) -> AnsibleActionFail:
    message, holder = refusal(lock, owner, age, max_age_s, now)
    return AnsibleActionFail(message, result={"lock_holder": holder})


def _not_removed(what: str, removal: Removal, stderr: str) -> str:
    if removal.gone is None:
        detail = f": {stderr}" if stderr else ""
        return f"whether {what} was removed cannot be told (its removal printed no outcome{detail})"
    still = ", ".join(removal.left) if removal.left else "the empty folder"
    return f"{what} could not be removed ({stderr or 'rmdir said nothing'}); left on the host: {still}"


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def facts_result(facts: HostFacts, assessment: Assessment) -> dict[str, Any]:
    return {"facts": facts.to_dict(), "assessment": assessment.to_dict()}
