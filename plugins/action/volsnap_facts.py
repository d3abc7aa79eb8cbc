# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volsnap_facts: one probe, the assessment, nothing changed."""

from __future__ import annotations

from typing import Any

from ansible_collections.winfix.volsnap.plugins.plugin_utils._action import VolsnapAction, facts_result

ARGUMENT_SPEC = {"package_names": {"type": "dict", "default": {}}}


class ActionModule(VolsnapAction):
    _supports_check_mode = True
    argument_spec = ARGUMENT_SPEC

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result, _args, facts, assessment = self.start(tmp, task_vars)
        result.update(changed=False, ansible_facts={"volsnap": facts_result(facts, assessment)})
        return result
