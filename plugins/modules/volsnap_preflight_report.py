#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the code runs on the controller, in plugins/action/volsnap_preflight_report.py.

DOCUMENTATION = r"""
module: volsnap_preflight_report
short_description: Record, write and publish the preflight of a fleet for KB2748349
version_added: 0.1.0
description:
  - Runs on the controller only; it opens no connection to any host.
  - 'In a play on the hosts, after M(winfix.volsnap.volsnap_preflight) (as the C(winfix.volsnap.preflight) playbook
    does), with C(run_once), C(delegate_to=localhost) and C(delegate_facts=true), it makes one row per host of the play
    from the result registered under O(result_var): C({"ready": bool, "checks": {check: {"ok": bool, "detail":
    str}}}). An unreachable host''s row has the check C(reachable) failed with the connection''s error; a failed task''s
    the check C(preflight) with its message.'
  - Under C(serial) it runs once per batch and keeps the play's rows on localhost (fact C(volsnap_preflight_run)), so
    each batch adds its hosts; hosts no batch has reached yet are listed as not attempted.
  - 'With O(dir), writes C(preflight.json) there (replaced atomically, this run''s hosts only):
    C({"generated": time, "summary": {"ready": n, "not_ready": n}, "hosts": {name: row}}).'
  - Publishes with C(set_stats) (not aggregated) C(volsnap_preflight) - C(generated), C(summary) and, per host that is
    not ready, the names of its failed checks.
  - It fails nothing by itself; RV(not_ready) names the hosts for the play to fail.
options:
  dir:
    description: Folder for C(preflight.json); made when missing.
    type: path
  result_var:
    description: The variable each host registered the M(winfix.volsnap.volsnap_preflight) result under.
    type: str
    default: volsnap_preflight_result
attributes:
  check_mode:
    support: full
    description: Publishes the same; writes no file.
  diff_mode:
    support: none
    description: Only the file changes.
  platform:
    support: full
    platforms: posix
    description: Runs on the controller.
notes:
  - The rows carry no secret; a detail is what a check found, and an error the message the failed step gave, which
    never holds a password.
seealso:
  - module: winfix.volsnap.volsnap_preflight
author:
  - winfix.volsnap maintainers (@winfix)
"""

EXAMPLES = r"""
- name: Preflight
  winfix.volsnap.volsnap_preflight:
    package_dir: /srv/kb2748349
  register: volsnap_preflight_result
  ignore_unreachable: true

- name: Record and write the preflight
  winfix.volsnap.volsnap_preflight_report:
    dir: /srv/reports/kb2748349
  register: volsnap_preflight_report_result
  run_once: true
  delegate_to: localhost
  delegate_facts: true
"""

RETURN = r"""
summary:
  description: How many hosts of the play (so far) are ready and not ready.
  returned: always
  type: dict
  sample: {"ready": 41, "not_ready": 2}
not_ready:
  description: The hosts that are not ready, each with its failed checks and their details.
  returned: always
  type: dict
  sample: {"w2003-07": "urlcache: Windows Server 2003 has no certutil -urlcache, so source url is refused for this
           host: use source controller or host for it"}
table:
  description: One line per host (name, ready, the failed checks), after a header line.
  returned: always
  type: list
  elements: str
  sample: ["host      ready  failed checks", "w7-01     yes", "w2003-07  no     urlcache"]
files:
  description: The files written (none in check mode, or without O(dir)).
  returned: always
  type: list
  elements: str
  sample: ["/srv/reports/kb2748349/preflight.json"]
msg:
  description: The counts and the files written, in one line.
  returned: always
  type: str
ansible_facts:
  description: The play's record, kept on localhost between serial batches.
  returned: always
  type: complex
  contains:
    volsnap_preflight_run:
      description: C(key) (the task that made it), C(rows), C(not_ready).
      returned: always
      type: dict
"""
