#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the code runs on the controller, in plugins/action/volsnap_report.py.

DOCUMENTATION = r"""
module: volsnap_report
short_description: Record, write and publish the KB2748349 fleet report
version_added: 0.1.0
description:
  - Runs on the controller only; it opens no connection to any host.
  - In a play on the hosts, after the work (as the playbooks do), with C(run_once), C(delegate_to=localhost) and
    C(delegate_facts=true), it makes one row per host of the play from what the tasks left (the registered
    C(volsnap_assess_result), C(ansible_facts.volsnap), and the remediate role's C(volsnap_failure),
    C(volsnap_last_seen) and C(volsnap_actions)). Under C(serial) it runs once per batch and keeps the play's rows
    on localhost (fact C(volsnap_run)), so each batch adds its hosts; the play's hosts no batch has reached yet are
    listed as not attempted, which is what stays if the run stops early.
  - With O(merge_parts) instead, the rows come from the parts that other runs published (job slices, separate
    C(ansible-playbook) runs), every variable named C(volsnap_part_*), merged with the newest row per host winning.
  - Publishes with C(set_stats) (not aggregated, so each batch replaces the previous batch's values with the run's
    totals) C(volsnap_summary), the counts by status, and, for a play's own hosts, C(volsnap_part_<id>) =
    C({"generated", "rows"}), where C(<id>) is C(awx_job_id) when AWX sets it and a new id per run otherwise.
  - With O(dir), writes C(report.json), C(report.csv) and C(report.html) there, merged with an earlier
    C(report.json) in the folder (the newest row per host wins; a row with no observation never replaces one that
    has one). Files are replaced atomically.
  - It fails nothing by itself; RV(left_behind) names the hosts that did not get where O(require) or O(accept)
    wanted, for the play to fail them.
options:
  dir:
    description: Folder for C(report.json), C(report.csv) and C(report.html); made when missing.
    type: path
  save_part:
    description:
      - 'Also write this run''s part to this file as JSON extra variables (C({"volsnap_part_<id>": part})), so that
        runs outside AWX can be merged with C(ansible-playbook winfix.volsnap.report_merge -e @FILE ...).'
      - Only for a play's own hosts, not with O(merge_parts).
    type: path
  merge_parts:
    description:
      - Make the report from every variable named C(volsnap_part_*) (as AWX passes a sliced job's artifacts to the
        next workflow node, or C(-e @FILE) files saved with O(save_part)) instead of this play's hosts.
      - 'Each must be C({"generated": str, "rows": {host: row}}) with a known status in every row; anything else fails
        naming the part and the host, before anything is written.'
      - The parts are read as data and never templated. Ansible trusts extra variables as templates, and a part
        carries what hosts reported, so rendering it could run what a host put in its values.
    type: bool
    default: false
  require:
    description:
      - What counts as done for RV(left_behind) (a host with an error, such as unreachable, failed or not attempted,
        never does).
      - C(reached) accepts any status; C(remediated) accepts C(compliant), C(reboot_pending), C(not_applicable) and
        C(prerequisite_missing); C(compliant) accepts C(compliant) and C(not_applicable).
      - Defaults to C(reached). Mutually exclusive with O(accept).
    type: str
    choices: [reached, remediated, compliant]
  accept:
    description: The statuses that count as done, instead of O(require).
    type: list
    elements: str
    choices: [compliant, vulnerable, reboot_pending, prerequisite_missing, not_applicable, unknown]
attributes:
  check_mode:
    support: full
    description: Publishes the same; writes no file.
  diff_mode:
    support: none
    description: Only the report files change.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller.
notes:
  - The rows carry no secret; an error is the message the failed step gave, which never holds a password.
  - C(changed) is always false, since the hosts do not change.
seealso:
  - module: winfix.volsnap.volsnap_facts
author:
  - winfix.volsnap maintainers (@winfix)
"""

EXAMPLES = r"""
# At the end of a play on the hosts (after the work): once per batch, on the controller.
- name: Report
  winfix.volsnap.volsnap_report:
    dir: "{{ volsnap_report_dir | default(omit) }}"
    require: remediated
  run_once: true
  delegate_to: localhost
  delegate_facts: true

- name: Fail the hosts the report left behind
  ansible.builtin.fail:
    msg: "not remediated: {{ hostvars.localhost.ansible_facts.volsnap_run.left_behind[inventory_hostname] }}"
  when: inventory_hostname in hostvars.localhost.ansible_facts.volsnap_run.left_behind

# In a play on localhost: merge the parts the slices of a job published (given as extra variables).
- name: Merge the parts
  winfix.volsnap.volsnap_report:
    merge_parts: true
    dir: /srv/reports/kb2748349
    require: compliant
"""

RETURN = r"""
summary:
  description: Hosts by status, for this play's hosts (so far) or the merged parts.
  returned: always
  type: dict
  sample: {"compliant": 28, "vulnerable": 0, "reboot_pending": 1, "prerequisite_missing": 0, "not_applicable": 0,
           "unknown": 1}
left_behind:
  description: The hosts with an error or a status that O(require) or O(accept) does not accept, each with why.
  returned: always
  type: dict
  sample: {"w2003-07": "unknown: cannot reach the WinRM endpoint http://10.0.0.7:5985/wsman (ntlm)"}
files:
  description: The files written (none in check mode).
  returned: always
  type: list
  elements: str
  sample: ["/srv/reports/kb2748349/report.json", "/srv/reports/kb2748349/report.csv"]
part:
  description: The name this run's part is published under.
  returned: for a play's own hosts (not with O(merge_parts))
  type: str
  sample: volsnap_part_4711
msg:
  description: The counts, the hosts left behind and the files written, in one line.
  returned: always
  type: str
ansible_facts:
  description: The play's record, kept on localhost between serial batches.
  returned: for a play's own hosts (not with O(merge_parts))
  type: complex
  contains:
    volsnap_run:
      description: C(key) (the task that made it), C(part) (the part name), C(rows), C(left_behind).
      type: dict
"""
