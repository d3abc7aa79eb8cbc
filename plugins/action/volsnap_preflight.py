# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_preflight: what the remediation will need on this host, found without changing anything: the probe, and
for a host that needs the update one read-only line (plugin_utils/_preflight.py decides every check)."""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._action import DEFAULT_ROOT, PackageSourceAction
from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Assessment
from ansible_collections.winfix.volsnap.plugins.plugin_utils._checksums import (
    ChecksumError,
    expected_sha256,
    parse_sha256sums,
    parse_sums,
    sums_path,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import Algorithm
from ansible_collections.winfix.volsnap.plugins.plugin_utils._local_files import file_digest
from ansible_collections.winfix.volsnap.plugins.plugin_utils._preflight import (
    ControllerPackage,
    Plan,
    Readings,
    Settings,
    evaluate,
    needs_install,
    not_read,
    parse_preflight,
    plan,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import SOURCE_ARGUMENT_SPEC

ARGUMENT_SPEC = SOURCE_ARGUMENT_SPEC  # volsnap_update's package arguments: the preflight is given what it will be


class ActionModule(PackageSourceAction):
    _supports_check_mode = True  # it reads only: the same in check mode
    argument_spec = ARGUMENT_SPEC
    takes_lock = True  # it takes no lock, but judges a held one by volsnap_lock_max_age_s

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result, args, facts, assessment = self.start(tmp, task_vars)
        settings = Settings(args["source"], self.lock_max_age_s)
        package, readings, line_plan = None, None, None
        if needs_install(assessment):
            package = self._controller_package(args, assessment)
            try:
                line_plan = plan(assessment.family or "", facts.system_root or DEFAULT_ROOT)
            except (UnsafeArgumentError, ValueError) as error:
                readings = not_read(f"the preflight line was not sent: {error}")
            else:
                readings = self._read(line_plan)
        verdict = evaluate(facts, assessment, settings, readings, package, line_plan)
        failed = verdict.failed()
        result.update(
            changed=False,
            status=assessment.status.value,
            msg="ready" if verdict.ready else f"not ready: {', '.join(failed)}",
            **verdict.to_dict(),
        )
        return result

    def _read(self, line_plan: Plan) -> Readings:
        return parse_preflight(self.cmd(line_plan.line).stdout, line_plan)

    def _controller_package(self, args: dict[str, Any], assessment: Assessment) -> ControllerPackage:
        """What the controller has of the host's package: its listed SHA-256, its copy in package_dir (size and
        SHA-256), a SHA1SUMS entry. Read the way volsnap_update reads them; nothing is refused here: each gap becomes
        a failed check."""
        name = assessment.package or ""
        sha256, list_error = None, None
        try:
            if args["checksums"]:
                sha256 = expected_sha256(name, {str(k): str(v) for k, v in args["checksums"].items()})
            else:
                path = sums_path(args["checksum_file"], args["package_dir"], "SHA256SUMS")
                if path is None:
                    raise ChecksumError("give checksums, checksum_file, or a package_dir holding SHA256SUMS")
                with open(path, encoding="utf-8") as handle:
                    sha256 = expected_sha256(name, parse_sha256sums(handle.read(), path))
        except OSError as error:
            list_error = f"cannot read the checksum list: {error.strerror or error}"
        except ChecksumError as error:
            list_error = str(error)
        copy = os.path.join(args["package_dir"], name) if args["package_dir"] and name else None
        present = copy is not None and os.path.isfile(copy)
        return ControllerPackage(
            name=name,
            sha256=sha256,
            list_error=list_error,
            package_dir=args["package_dir"],
            copy_size=os.path.getsize(copy) if present and copy else None,
            copy_sha256=file_digest(copy, "sha256") if present and copy else None,
            sha1=self._sha1_listed(args, name),
        )

    @staticmethod
    def _sha1_listed(args: dict[str, Any], name: str) -> str:
        """`listed`, or why SHA1SUMS does not give the package's SHA-1 (volsnap_update reads it the same way)."""
        path = sums_path(args["checksum_file"], args["package_dir"], "SHA1SUMS")
        if path is None or not os.path.isfile(path):
            return "there is no SHA1SUMS beside SHA256SUMS"
        try:
            with open(path, encoding="utf-8") as handle:
                listed = name in parse_sums(handle.read(), path, Algorithm.SHA1)
        except OSError as error:
            return f"cannot read {path}: {error.strerror or error}"
        except ChecksumError as error:
            return str(error)
        return "listed" if listed else f"{path} does not list {name}"
