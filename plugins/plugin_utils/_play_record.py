# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A play's rows kept on localhost between serial batches, for the actions that record a fleet (volsnap_report,
volsnap_preflight_report).

Such an action runs once per batch (run_once, delegated to localhost with delegate_facts), so what earlier batches
recorded lives in a fact of localhost, keyed by the task's id so that another play's or run's record (a fact cache)
is never taken for this one. Like _action.py, this module reads Ansible's objects; the rows themselves are built by
the pure modules (_report, _preflight_report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible.errors import AnsibleActionFail


@dataclass(frozen=True)
class Batch:
    earlier: Mapping[str, Any]  # what this task recorded on localhost for earlier batches; empty for the first
    targeted: list[str]  # every host of the play
    observed: list[str]  # the hosts to read now: the current batch, and hosts dropped from the play


def check_recording_task(task: Any, module: str) -> None:
    """Refuse a task that would not keep its record on localhost between batches."""
    if not (task.run_once and task.delegate_to == "localhost" and task.delegate_facts):
        raise AnsibleActionFail(
            f"{module} in a play on the hosts needs run_once: true, delegate_to: localhost and "
            "delegate_facts: true (it keeps the play's rows on localhost between serial batches)"
        )


def current_batch(task: Any, task_vars: Mapping[str, Any], record_fact: str) -> Batch:
    """This batch's hosts and what earlier batches recorded under localhost's fact `record_fact`."""
    # raw_get (the actions read the hosts with it too): the variables as the tasks set them, not templated again per
    # host, which halves the report's cost per host on a large fleet.
    earlier = (task_vars["hostvars"].raw_get("localhost").get("ansible_facts") or {}).get(record_fact) or {}
    if earlier.get("key") != task._uuid:  # another play's or another run's (a fact cache): start afresh
        earlier = {}
    every = list(task_vars["ansible_play_hosts_all"])
    still_in = set(task_vars["ansible_play_hosts"])
    observed = dict.fromkeys([*task_vars["ansible_play_batch"], *(h for h in every if h not in still_in)])
    return Batch(earlier, every, list(observed))
