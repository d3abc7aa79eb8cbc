# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_verify: probe again; fail with the reason unless the host is compliant."""

from __future__ import annotations

from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._action import VolsnapAction, facts_result
from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Status

ARGUMENT_SPEC = {
    "package_names": {"type": "dict", "default": {}},
    "allow": {"type": "list", "elements": "str", "default": []},
}


class ActionModule(VolsnapAction):
    _supports_check_mode = True
    argument_spec = ARGUMENT_SPEC

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result, args, facts, assessment = self.start(tmp, task_vars)
        accepted = {Status.COMPLIANT.value, *args["allow"]}
        result.update(
            changed=False,
            status=assessment.status.value,
            reason=assessment.reason,
            ansible_facts={"volsnap": facts_result(facts, assessment)},
        )
        if assessment.status.value not in accepted:
            result.update(failed=True, msg=f"not fixed: {assessment.status.value}: {assessment.reason}")
        else:
            result["msg"] = f"{assessment.status.value}: {assessment.reason}"
        return result
