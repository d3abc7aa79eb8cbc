# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_update: install the package the assessment names, checked by SHA-256 before anything runs."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure

from ansible_collections.winfix.volsnap.plugins.plugin_utils._action import VolsnapAction, facts_result
from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Assessment, Status
from ansible_collections.winfix.volsnap.plugins.plugin_utils._checksums import (
    ChecksumError,
    expected_sha256,
    parse_sha256sums,
    verify,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
    check_file_name,
    quote_path,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import CleanupFailed, CommandStillRunning
from ansible_collections.winfix.volsnap.plugins.plugin_utils._install import (
    Outcome,
    Plan,
    Result,
    install_plan,
    interpret_exit_code,
    removal_plan,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import parse_hashfile

ARGUMENT_SPEC = {
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "source": {"type": "str", "choices": ["controller", "url", "host"], "default": "controller"},
    "package_dir": {"type": "path"},
    "package_url": {"type": "str"},
    "package_path": {"type": "str"},
    "package_names": {"type": "dict", "default": {}},
    "checksums": {"type": "dict", "default": {}},
    "checksum_file": {"type": "path"},
}
_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@$&'()*+,;=\[\]-]+$")
_LEAVE_ALONE = {
    Status.COMPLIANT: "already compliant",
    Status.REBOOT_PENDING: "installed; waiting for its restart",
    Status.NOT_APPLICABLE: "not affected",
    Status.PREREQUISITE_MISSING: "a service pack is missing; install it first",
}


class ActionModule(VolsnapAction):
    _supports_check_mode = True
    argument_spec = ARGUMENT_SPEC
    takes_lock = True

    def check_arguments(self, args: dict[str, Any]) -> None:
        needed = {"host": "package_path", "url": "package_url"}.get(args["source"])
        if needed and not args[needed]:
            raise AnsibleActionFail(f"source={args['source']} needs {needed}; nothing was sent")
        try:
            for key, name in args["package_names"].items():
                check_file_name(str(name), f"package_names[{key}]")
            if args["source"] == "host":
                quote_path(args["package_path"])  # the package names joined to it are checked above
        except UnsafeArgumentError as error:
            raise AnsibleActionFail(f"{error}; nothing was sent") from None
        if args["source"] == "url" and not _URL.match((args["package_url"] or "").rstrip("/") + "/x"):
            raise AnsibleActionFail(
                f"package_url {args['package_url']!r} cannot be passed to cmd.exe safely (an http(s) URL without %, "
                "quotes or spaces); nothing was sent"
            )

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result, args, facts, assessment = self.start(tmp, task_vars)
        result.update(
            ansible_facts={"volsnap": facts_result(facts, assessment)},
            changed=False,
            restart_required=False,
            package=assessment.package,
            status=assessment.status.value,
        )
        if args["state"] == "absent":
            return self._remove(args, facts, assessment, result)
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
        expected = self._expected_hash(args, assessment.package)
        local = self._local_package(args, assessment.package, expected) if args["source"] == "controller" else None
        result["sha256"] = expected
        if self._play_context.check_mode:
            result.update(
                changed=True,
                restart_required=assessment.restart_required_after_install,
                outcome="would_install",
                msg=f"would install {assessment.package} with {assessment.installer}",
            )
            return result
        workdir = f"{self.temp_root(facts)}\\winfix-volsnap-{secrets.token_hex(4)}"
        plan = install_plan(assessment.installer, assessment.package, workdir)
        outcome, left = self._in_work_folder(
            facts, plan, result, lambda: self._deliver_and_install(args, plan, local, expected, assessment)
        )
        restart = outcome.restart_required or (
            outcome.result is Result.INSTALLED and assessment.restart_required_after_install
        )
        result.update(
            changed=outcome.changed,
            outcome=outcome.result.value,
            exit_code=outcome.exit_code,
            restart_required=restart,
            msg=outcome.message,
        )
        if outcome.result in (Result.FAILED, Result.NOT_APPLICABLE):
            result.update(failed=True, msg=f"{assessment.package}: {outcome.message}")
        self._left_behind(result, left)
        return result

    def _remove(
        self, args: dict[str, Any], facts: Any, assessment: Assessment, result: dict[str, Any]
    ) -> dict[str, Any]:
        """Rollback: only where the update is recorded; the package is needed again for its inner cabinet."""
        if not facts.kb_installed:
            result.update(outcome="skipped", msg="KB2748349 is not installed")
            return result
        if not assessment.package or not assessment.installer:
            raise AnsibleActionFail(f"cannot tell how to remove the update: {assessment.reason}")
        needs_package = assessment.installer != "update_exe"
        expected = self._expected_hash(args, assessment.package) if needs_package else ""
        if needs_package:
            result["sha256"] = expected
        local = (
            self._local_package(args, assessment.package, expected)
            if needs_package and args["source"] == "controller"
            else None
        )
        if self._play_context.check_mode:
            result.update(changed=True, outcome="would_remove", msg=f"would remove KB2748349 ({assessment.installer})")
            return result
        workdir = f"{self.temp_root(facts)}\\winfix-volsnap-{secrets.token_hex(4)}"
        plan = removal_plan(assessment.installer, assessment.package, workdir, facts.system_root or "C:\\Windows")

        def deliver_and_remove() -> Outcome:
            if needs_package:
                self._deliver(args, plan, local, expected)
            return self._install(plan, assessment, removing=True)

        outcome, left = self._in_work_folder(facts, plan, result, deliver_and_remove)
        result.update(
            changed=outcome.changed,
            outcome=outcome.result.value,
            exit_code=outcome.exit_code,
            restart_required=outcome.restart_required or outcome.changed,
            msg=outcome.message,
        )
        if outcome.result is Result.FAILED:
            result.update(failed=True, msg=f"removing KB2748349: {outcome.message}")
        self._left_behind(result, left)
        return result

    def _in_work_folder(
        self, facts: Any, plan: Plan, result: dict[str, Any], work: Callable[[], Outcome]
    ) -> tuple[Outcome, CleanupFailed | None]:
        """Take the host lock, make the work folder, run `work`, then remove both (see _action.removed_afterwards). A
        stale lock broken on the way is recorded in the result (`lock_broken`). When the work ended but a folder could
        not be removed, its outcome comes back with that failure, for the task to report both."""
        outcome: Outcome | None = None
        try:
            with (
                self.host_lock(facts) as held,
                self.removed_afterwards(plan.workdir, f"the work folder {plan.workdir}"),
            ):
                if held.broken is not None:
                    result["lock_broken"] = held.broken_result()
                self._must(f"mkdir {quote_path(plan.workdir)}", "creating the work folder")
                outcome = work()
        except CleanupFailed as error:
            if outcome is None:
                raise
            return outcome, error
        if outcome is None:  # the body either sets it or raises
            raise AnsibleActionFail("the work in the work folder ended without an outcome")
        return outcome, None

    @staticmethod
    def _left_behind(result: dict[str, Any], error: CleanupFailed | None) -> None:
        """The work is done, but what it made is still on the host: the task fails and says both."""
        if error is not None:
            result.update(failed=True, left_on_host=list(error.left), msg=f"{result['msg']}; but {error}")

    def _deliver_and_install(
        self, args: dict[str, Any], plan: Plan, local: str | None, expected: str, assessment: Assessment
    ) -> Outcome:
        self._deliver(args, plan, local, expected)
        return self._install(plan, assessment)

    def _expected_hash(self, args: dict[str, Any], package: str) -> str:
        try:
            if args["checksums"]:
                return expected_sha256(package, {str(k): str(v) for k, v in args["checksums"].items()})
            path = args["checksum_file"] or (
                os.path.join(args["package_dir"], "SHA256SUMS") if args["package_dir"] else None
            )
            if path is None:
                raise ChecksumError("give checksums, checksum_file, or a package_dir holding SHA256SUMS")
            with open(path, encoding="utf-8") as handle:
                return expected_sha256(package, parse_sha256sums(handle.read(), path))
        except OSError as error:
            raise AnsibleActionFail(f"cannot read the checksum list: {error}") from None
        except ChecksumError as error:
            raise AnsibleActionFail(str(error)) from None

    def _local_package(self, args: dict[str, Any], package: str, expected: str) -> str:
        if not args["package_dir"]:
            raise AnsibleActionFail("source=controller needs package_dir (the folder holding the packages)")
        path = os.path.join(args["package_dir"], package)
        if not os.path.isfile(path):
            raise AnsibleActionFail(f"package {package} is not in {args['package_dir']}")
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        try:
            verify(path, digest.hexdigest(), expected)
        except ChecksumError as error:
            raise AnsibleActionFail(f"{error}; nothing was sent or installed") from None
        return path

    def _deliver(self, args: dict[str, Any], plan: Plan, local: str | None, expected: str) -> None:
        target = quote_path(plan.package_path)
        if local is not None:
            try:  # checked with SHA-256 on the host, then renamed: a cut leaves nothing under the final name
                self._connection.put_file(local, plan.package_path)
            except CommandStillRunning:
                raise  # not a cut: the command may still be running (see _action.removed_afterwards)
            except AnsibleConnectionFailure as error:
                raise AnsibleActionFail(
                    f"the connection was cut while sending {plan.package_path}; nothing was installed or "
                    f"restarted. Run again ({error})"
                ) from error
            return
        if args["source"] == "url":
            base = args["package_url"] or ""
            url = base.rstrip("/") + "/" + plan.package_path.rsplit("\\", 1)[1]
            if not _URL.match(url):
                raise AnsibleActionFail(
                    f"package_url {base!r} cannot be passed to cmd.exe safely (no %, quotes or spaces)"
                )
            fetch, doing = f'certutil -urlcache -split -f "{url}" {target}', f"downloading {url}"
        else:
            try:
                source = quote_path(
                    (args["package_path"] or "").rstrip("\\") + "\\" + plan.package_path.rsplit("\\", 1)[1]
                )
            except UnsafeArgumentError as error:
                raise AnsibleActionFail(str(error)) from None
            fetch, doing = f"copy /y {source} {target}", f"copying the package from {source}"
        # One round trip: the line that fetches the file also hashes it (the fetch prints no 64-digit hex line).
        found = self.cmd(f"{fetch} && certutil -hashfile {target} SHA256")
        if found.rc != 0:
            raise AnsibleActionFail(f"{doing} failed (exit {found.rc}): {(found.stderr or found.stdout).strip()}")
        arrived = parse_hashfile(found.stdout)
        if arrived != expected:
            raise AnsibleActionFail(
                f"{plan.package_path}: SHA-256 mismatch on the host: the file has {arrived or '(unreadable)'}, "
                f"expected {expected}; nothing was installed"
            )

    def _install(self, plan: Plan, assessment: Assessment, removing: bool = False) -> Outcome:
        outcome = None
        for step in plan.steps:
            try:
                done = self.cmd(step.command)
            except CommandStillRunning:
                raise  # not a cut: the installer may still be running (see _action.removed_afterwards)
            except AnsibleConnectionFailure as error:
                if not step.is_installer:
                    raise
                raise AnsibleActionFail(
                    f"the connection was cut while {step.description} ran, so it may have finished on the host "
                    f"without us learning its exit code; nothing was restarted. Run again: the next run assesses "
                    f"the host anew ({error})"
                ) from error
            if not step.is_installer:
                if done.rc != 0:
                    raise AnsibleActionFail(
                        f"{step.description} failed (exit {done.rc}): {done.stderr.strip() or done.stdout.strip()}"
                    )
                continue
            outcome = interpret_exit_code(done.rc, step.description, plan.log_path, removing)
        if outcome is None:
            raise AnsibleActionFail(f"the plan for {assessment.installer} has no installer step")
        return outcome

    def _must(self, command: str, doing: str) -> None:
        done = self.cmd(command)
        if done.rc != 0:
            raise AnsibleActionFail(f"{doing} failed (exit {done.rc}): {(done.stderr or done.stdout).strip()}")
