# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the action plugins meet the host: run a cmd.exe line, probe, lock.

Unlike the rest of plugin_utils this module does I/O (through the task's connection); it is kept thin so that every
decision stays in the pure modules it calls.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.plugins.action import ActionBase

from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Assessment, assess
from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import CatalogOverrides
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import quote_path
from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import (
    CommandStillRunning,
    LeftOnHost,
    left_on_host,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._overrides import (
    CATALOG_OVERRIDES_VAR,
    CatalogOverrideError,
    parse_catalog_overrides,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import parse_probe, probe_command

LOCK_NAME = "winfix-volsnap.lock"
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

    def start(
        self, tmp: Any, task_vars: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any], HostFacts, Assessment]:
        """The opening every action shares: Ansible's bookkeeping, the validated arguments, one probe."""
        result: dict[str, Any] = super().run(tmp, task_vars)
        self._package_names_from_vars(task_vars or {})
        args: dict[str, Any] = self.validate_argument_spec(argument_spec=dict(self.argument_spec))[1]
        self.check_arguments(args)
        self.catalog_overrides = self._catalog_overrides_from_vars(task_vars or {})
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
            host = task_vars.get("inventory_hostname", "this host")
            raise AnsibleActionFail(f"{host}: {error}; nothing was sent") from None

    def check_arguments(self, args: dict[str, Any]) -> None:
        """Refuse values that cannot reach cmd.exe safely, before anything is sent to the host (per action)."""

    def cmd(self, command: str, in_data: bytes | None = None) -> CmdResult:
        rc, stdout, stderr = self._connection.exec_command(command, in_data=in_data, sudoable=False)
        return CmdResult(rc, _text(stdout), _text(stderr))

    def probe(self, package_names: Mapping[str, str] | None = None) -> tuple[HostFacts, Assessment]:
        """ONE command, one round trip: everything the assessment needs."""
        result = self.cmd(probe_command())
        facts = parse_probe(result.stdout)
        return facts, assess(facts, package_names, self.catalog_overrides)

    def temp_root(self, facts: HostFacts) -> str:
        return (facts.system_root or DEFAULT_ROOT) + "\\Temp"

    @contextmanager
    def removed_afterwards(self, command: str, what: str) -> Iterator[None]:
        """Run the body, then `command` (which removes `what`) on every path, over a new connection when the body's
        was cut. If the host stays out of reach, the error says what was left on it. Not when a command of the body
        ran past command_timeout: it may still be running and using `what`, so `what` stays, and the error says so."""
        try:
            yield
        except (CommandStillRunning, LeftOnHost) as error:
            raise left_on_host(error, what) from error
        except BaseException as error:
            if not self._run_cleanup(command):
                raise AnsibleConnectionFailure(f"{error}; the host is out of reach, so {what} is left on it") from error
            raise
        if not self._run_cleanup(command):
            raise AnsibleConnectionFailure(f"the host went out of reach before {what} could be removed")

    def _run_cleanup(self, command: str) -> bool:
        for _attempt in range(2):
            try:
                self.cmd(command)
                return True
            except AnsibleConnectionFailure:
                self._connection.close()  # the next command connects and authenticates afresh
        return False

    @contextmanager
    def host_lock(self, facts: HostFacts) -> Iterator[str]:
        """Hold the host's lock for the body; it is released on every path (see removed_afterwards)."""
        lock = self.acquire_lock(facts)
        with self.removed_afterwards(f"rmdir /s /q {quote_path(lock)}", f"the lock {lock}"):
            yield lock

    def acquire_lock(self, facts: HostFacts) -> str:
        """mkdir is atomic on Windows: the second of two concurrent runs fails here and changes nothing."""
        lock = f"{self.temp_root(facts)}\\{LOCK_NAME}"
        owner = f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%SZ} {socket.gethostname()}"
        owner_file = quote_path(lock + "\\owner.txt")
        made = self.cmd(f"mkdir {quote_path(lock)} 2>nul && echo {_plain(owner)}> {owner_file}")
        if made.rc != 0:
            holder = self.cmd(f"type {owner_file} 2>nul").stdout.strip() or "unknown"
            raise AnsibleActionFail(
                f"another winfix.volsnap run holds the lock on this host ({lock}, taken {holder}); "
                f"wait for it to finish, or remove that folder if that run is dead"
            )
        return lock


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _plain(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in " :-._")


def facts_result(facts: HostFacts, assessment: Assessment) -> dict[str, Any]:
    return {"facts": facts.to_dict(), "assessment": assessment.to_dict()}
