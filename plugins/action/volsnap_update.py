# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_update: install the package the assessment names, checked by its hash on the controller and on the host
before anything runs; whether it took is decided from the host's state afterwards (_servicing.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure

from ansible_collections.winfix.volsnap.plugins.plugin_utils._action import (
    DEFAULT_ROOT,
    CmdResult,
    PackageSourceAction,
    facts_result,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Assessment, Status
from ansible_collections.winfix.volsnap.plugins.plugin_utils._checksums import (
    ChecksumError,
    Expected,
    check_host_digest,
    expected_sha256,
    parse_sha256sums,
    parse_sums,
    sums_path,
    verify,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
    quote_path,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import CleanupFailed, CommandStillRunning
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import Algorithm, parse_host_digest
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._install import (
    Workspace,
    install_command,
    installer_log,
    needs_expand,
    removal_command,
    workspace,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._local_files import file_digest as _file_digest
from ansible_collections.winfix.volsnap.plugins.plugin_utils._msu import MsuError, MsuPackage, parse_msu_xml
from ansible_collections.winfix.volsnap.plugins.plugin_utils._servicing import (
    Outcome,
    Result,
    decide,
    meaning,
    parse_state,
    state_command,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import (
    SAFE_URL,
    SOURCE_ARGUMENT_SPEC,
    has_urlcache,
    host_copy_command,
    url_fetch_command,
)

ARGUMENT_SPEC = {
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    **SOURCE_ARGUMENT_SPEC,
}
_URL = SAFE_URL
_LEAVE_ALONE = {
    Status.COMPLIANT: "already compliant",
    Status.REBOOT_PENDING: "installed; waiting for its restart",
    Status.NOT_APPLICABLE: "not affected",
    Status.PREREQUISITE_MISSING: "a service pack is missing; install it first",
}


_Done = tuple[Outcome, "str | None"]  # an install's or removal's outcome, and the hash that proved the package


class ActionModule(PackageSourceAction):
    _supports_check_mode = True
    argument_spec = ARGUMENT_SPEC
    takes_lock = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result, args, facts, assessment = self.start(tmp, task_vars)
        host = (task_vars or {}).get("inventory_hostname", "this host")
        result.update(
            ansible_facts={"volsnap": facts_result(facts, assessment)},
            changed=False,
            restart_required=False,
            package=assessment.package,
            status=assessment.status.value,
        )
        if args["state"] == "absent":
            return self._remove(args, facts, assessment, result, host)
        if assessment.status in _LEAVE_ALONE:
            result.update(outcome="skipped", msg=f"{assessment.status.value}: {_LEAVE_ALONE[assessment.status]}")
            return result
        if assessment.status is not Status.VULNERABLE or not assessment.package or not assessment.installer:
            # Failed, with the facts kept, so that a report can say what the host looked like.
            result.update(
                failed=True,
                outcome="failed",
                msg=f"cannot decide what to install: {assessment.status.value}: {assessment.reason}",
            )
            return result
        _refuse_url_without_urlcache(args, facts, host)
        expected, local = self._expected(args, assessment.package)
        result["sha256"] = expected.sha256
        if self._play_context.check_mode:
            result.update(
                changed=True,
                restart_required=assessment.restart_required_after_install,
                outcome="would_install",
                msg=f"would install {assessment.package} with {assessment.installer}",
            )
            return result
        space = self._workspace(assessment.package, facts)

        def deliver_and_install() -> tuple[Outcome, str | None]:
            host_hash = self._deliver(args, space, local, expected)
            return self._servicing(assessment, facts, space, removing=False), host_hash

        (outcome, host_hash), left = self._in_work_folder(facts, space, result, deliver_and_install)
        return self._report(result, outcome, assessment.package, host_hash, left)

    def _remove(
        self, args: dict[str, Any], facts: HostFacts, assessment: Assessment, result: dict[str, Any], host: str
    ) -> dict[str, Any]:
        """Rollback: only where the update is recorded. Vista and later need the package again: its .xml names the
        package identity pkgmgr /up: takes, and the cabinet dism removes."""
        if not facts.kb_installed:
            result.update(outcome="skipped", msg="KB2748349 is not installed")
            return result
        if not assessment.package or not assessment.installer:
            raise AnsibleActionFail(f"cannot tell how to remove the update: {assessment.reason}")
        needs_package = needs_expand(assessment.installer)
        if needs_package:
            _refuse_url_without_urlcache(args, facts, host)
            expected, local = self._expected(args, assessment.package)
            result["sha256"] = expected.sha256
        if self._play_context.check_mode:
            result.update(changed=True, outcome="would_remove", msg=f"would remove KB2748349 ({assessment.installer})")
            return result
        space = self._workspace(assessment.package, facts)

        def deliver_and_remove() -> tuple[Outcome, str | None]:
            host_hash = self._deliver(args, space, local, expected) if needs_package else None
            return self._servicing(assessment, facts, space, removing=True), host_hash

        (outcome, host_hash), left = self._in_work_folder(facts, space, result, deliver_and_remove)
        return self._report(result, outcome, "removing KB2748349", host_hash, left)

    def _workspace(self, package: str, facts: HostFacts) -> Workspace:
        try:
            return workspace(package, f"{self.temp_root(facts)}\\winfix-volsnap-{secrets.token_hex(4)}")
        except UnsafeArgumentError as error:
            raise AnsibleActionFail(f"{error}; nothing was sent") from None

    def _in_work_folder(
        self, facts: HostFacts, space: Workspace, result: dict[str, Any], work: Callable[[], _Done]
    ) -> tuple[_Done, CleanupFailed | None]:
        """Take the host lock, make the work folder, run `work`, then remove both (see _action.removed_afterwards). A
        stale lock broken on the way is recorded in the result (`lock_broken`). When the work ended but a folder could
        not be removed, its outcome comes back with that failure, for the task to report both."""
        done: _Done | None = None
        try:
            folder = f"the work folder {space.workdir}"
            with self.host_lock(facts) as held, self.removed_afterwards(space.workdir, folder):
                if held.broken is not None:
                    result["lock_broken"] = held.broken_result()
                self._must(f"mkdir {quote_path(space.workdir)}", "creating the work folder")
                done = work()
        except CleanupFailed as error:
            if done is None:
                raise
            return done, error
        if done is None:  # the body either sets it or raises
            raise AnsibleActionFail("the work in the work folder ended without an outcome")
        return done, None

    def _report(
        self,
        result: dict[str, Any],
        outcome: Outcome,
        what: str,
        host_hash: str | None,
        left: CleanupFailed | None,
    ) -> dict[str, Any]:
        result.update(
            changed=outcome.changed,
            outcome=outcome.result.value,
            exit_code=outcome.exit_code,
            restart_required=outcome.restart_required,
            host_hash=host_hash,
            msg=outcome.message,
        )
        if outcome.result in (Result.FAILED, Result.NOT_APPLICABLE):
            result.update(failed=True, msg=f"{what}: {outcome.message}")
        if left is not None:  # the work is done, but what it made is still on the host: the task fails, saying both
            result.update(failed=True, left_on_host=list(left.left), msg=f"{result['msg']}; but {left}")
        return result

    def _expected(self, args: dict[str, Any], package: str) -> tuple[Expected, str | None]:
        """The package's SHA-256 from the user's list; its SHA-1 (for hosts without SHA-2) from the controller's copy
        once that copy's SHA-256 is checked, else from SHA1SUMS beside SHA256SUMS. The controller's copy is the
        one pushed (source controller); for url and host it only lends its SHA-1."""
        sha256 = self._expected_sha256(args, package)
        local = self._local_package(args, package, sha256, required=args["source"] == "controller")
        sha1 = _file_digest(local, "sha1") if local else self._listed_sha1(args, package)
        return Expected(package, sha256, sha1), local

    def _expected_sha256(self, args: dict[str, Any], package: str) -> str:
        try:
            if args["checksums"]:
                return expected_sha256(package, {str(k): str(v) for k, v in args["checksums"].items()})
            path = self._sums_path(args, "SHA256SUMS")
            if path is None:
                raise ChecksumError("give checksums, checksum_file, or a package_dir holding SHA256SUMS")
            with open(path, encoding="utf-8") as handle:
                return expected_sha256(package, parse_sha256sums(handle.read(), path))
        except OSError as error:
            raise AnsibleActionFail(f"cannot read the checksum list: {error}") from None
        except ChecksumError as error:
            raise AnsibleActionFail(str(error)) from None

    def _listed_sha1(self, args: dict[str, Any], package: str) -> str | None:
        path = self._sums_path(args, "SHA1SUMS")
        if path is None or not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                return parse_sums(handle.read(), path, Algorithm.SHA1).get(package)
        except OSError as error:
            raise AnsibleActionFail(f"cannot read {path}: {error}") from None
        except ChecksumError as error:
            raise AnsibleActionFail(str(error)) from None

    @staticmethod
    def _sums_path(args: dict[str, Any], name: str) -> str | None:
        """SHA256SUMS: checksum_file, else in package_dir. SHA1SUMS: beside whichever SHA256SUMS is used."""
        return sums_path(args["checksum_file"], args["package_dir"], name)

    def _local_package(self, args: dict[str, Any], package: str, sha256: str, required: bool) -> str | None:
        if not args["package_dir"]:
            if required:
                raise AnsibleActionFail("source=controller needs package_dir (the folder holding the packages)")
            return None
        path = os.path.join(args["package_dir"], package)
        if not os.path.isfile(path):
            if required:
                raise AnsibleActionFail(f"package {package} is not in {args['package_dir']}")
            return None
        try:
            verify(path, _file_digest(path, "sha256"), sha256)
        except ChecksumError as error:
            raise AnsibleActionFail(f"{error}; nothing was sent or installed") from None
        return path

    def _deliver(self, args: dict[str, Any], space: Workspace, local: str | None, expected: Expected) -> str | None:
        """Put the package in the work folder and prove its bytes on the host; returns the hash that proved them."""
        if args["source"] == "controller" and local is not None:
            try:  # checked on the host, then renamed: a cut leaves nothing under the final name
                self._connection.put_file(local, space.package_path)
            except CommandStillRunning:
                raise  # not a cut: the command may still be running (see _action.removed_afterwards)
            except AnsibleConnectionFailure as error:
                raise AnsibleActionFail(
                    f"the connection was cut while sending {space.package_path}; nothing was installed or "
                    f"restarted. Run again ({error})"
                ) from error
            return getattr(self._connection, "last_transfer_hash", None)
        name = space.package_path.rsplit("\\", 1)[1]
        if args["source"] == "url":
            base = args["package_url"] or ""
            url = base.rstrip("/") + "/" + name
            if not _URL.match(url):
                raise AnsibleActionFail(
                    f"package_url {base!r} cannot be passed to cmd.exe safely (no %, quotes or spaces)"
                )
            command, doing = url_fetch_command(url, space.package_path), f"downloading {url}"
        else:
            source = (args["package_path"] or "").rstrip("\\") + "\\" + name
            try:
                command, doing = host_copy_command(source, space.package_path), f'copying the package from "{source}"'
            except UnsafeArgumentError as error:
                raise AnsibleActionFail(str(error)) from None
        found = self.cmd(command)
        if found.rc != 0:
            raise AnsibleActionFail(f"{doing} failed (exit {found.rc}): {(found.stderr or found.stdout).strip()}")
        try:
            return check_host_digest(expected, parse_host_digest(found.stdout), space.package_path).value
        except ChecksumError as error:
            raise AnsibleActionFail(f"{error}; nothing was installed") from None

    def _servicing(self, assessment: Assessment, facts: HostFacts, space: Workspace, removing: bool) -> Outcome:
        """Expand (Vista and later), run the installer, read the host's state again, and decide."""
        installer = assessment.installer or ""
        windows_root = facts.system_root or DEFAULT_ROOT
        msu = self._expand(space, installer) if needs_expand(installer) else None
        try:
            command = (
                removal_command(installer, space, windows_root, msu)
                if removing
                else install_command(installer, space, msu)
            )
        except UnsafeArgumentError as error:
            raise AnsibleActionFail(f"{error}; nothing was installed") from None
        done = self._installer(command, installer)
        try:
            after = parse_state(self.cmd(state_command(msu.identity if msu else None)).stdout)
        except AnsibleConnectionFailure as error:
            raise AnsibleActionFail(
                f"{installer} ended with {meaning(done.rc)}, and the connection was cut before the host's state could "
                f"be read, so whether it took is not known; nothing was restarted. Run again: the next run assesses "
                f"the host anew ({error})"
            ) from error
        return decide(
            installer,
            facts.kb_installed,
            after,
            done.rc,
            installer_log(installer, space, windows_root),
            removing=removing,
            restart_by_catalog=assessment.restart_required_after_install,
        )

    def _expand(self, space: Workspace, installer: str) -> MsuPackage:
        done = self.cmd(space.expand_command(installer))
        if done.rc != 0:
            raise AnsibleActionFail(
                f"expanding {space.package_path} failed (exit {done.rc}): {(done.stderr or done.stdout).strip()}; "
                "nothing was installed"
            )
        try:
            return parse_msu_xml(done.stdout)
        except MsuError as error:
            raise AnsibleActionFail(f"{space.package_path}: {error}; nothing was installed") from None

    def _installer(self, command: str, installer: str) -> CmdResult:
        try:
            return self.cmd(command)
        except CommandStillRunning:
            raise  # not a cut: the installer may still be running (see _action.removed_afterwards)
        except AnsibleConnectionFailure as error:
            raise AnsibleActionFail(
                f"the connection was cut while {installer} ran, so it may have finished on the host without us "
                f"learning its exit code; nothing was restarted. Run again: the next run assesses the host anew "
                f"({error})"
            ) from error

    def _must(self, command: str, doing: str) -> None:
        done = self.cmd(command)
        if done.rc != 0:
            raise AnsibleActionFail(f"{doing} failed (exit {done.rc}): {(done.stderr or done.stdout).strip()}")


def _refuse_url_without_urlcache(args: dict[str, Any], facts: HostFacts, host: str) -> None:
    """`certutil -urlcache` is attested on Vista and later only: a Server 2003 host (5.2) is refused before anything
    is changed, with the sources it can use. No fallback to a push: the user chose not to send from the controller."""
    if args["source"] == "url" and not has_urlcache(facts):
        raise AnsibleActionFail(
            f"{host}: source=url needs certutil -urlcache, which Windows Server 2003 does not have (it exists from "
            "Vista on); use source=controller (pushed from package_dir) or source=host (copied from package_path, a "
            "folder the host can read) for this host; nothing was changed"
        )
