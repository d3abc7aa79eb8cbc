#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the code runs on the controller, in plugins/action/volsnap_verify.py.

DOCUMENTATION = r"""
module: volsnap_verify
short_description: Prove that a Windows host is fixed for KB2748349
version_added: 0.1.0
description:
  - Probes the host again (one cmd.exe command) and fails, with the reason, unless the host is C(compliant).
  - Use it after the restart that completes the update; before the restart the host is C(reboot_pending).
options:
  package_names:
    description:
      - Package file name overrides, as in M(winfix.volsnap.volsnap_facts).
      - When the task leaves it out, the host variable C(volsnap_package_names) is used if it is set.
    type: dict
    default: {}
  allow:
    description:
      - Statuses accepted besides C(compliant), for example C(not_applicable) when verifying a mixed fleet.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Nothing changes.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached through a cmd.exe shell.
notes:
  - The host variable C(volsnap_catalog_overrides) (version rules added or replaced, see
    M(winfix.volsnap.volsnap_facts)) is read from the host's variables and validated before anything is sent; a bad
    entry fails the task naming the host and the entry.
seealso:
  - module: winfix.volsnap.volsnap_facts
author:
  - winfix.volsnap maintainers (@winfix)
"""

EXAMPLES = r"""
- name: The fix must be in place
  winfix.volsnap.volsnap_verify:
    allow: [not_applicable]
"""

RETURN = r"""
status:
  description: The host's status after the probe.
  returned: always
  type: str
  choices: [compliant, vulnerable, reboot_pending, prerequisite_missing, not_applicable, unknown]
  sample: compliant
reason:
  description: Why, in one line.
  returned: always
  type: str
  sample: volsnap.sys 6.1.7600.17122 (GDR) is at or above 6.1.7600.17122
msg:
  description: The status and the reason; the task fails unless the status is C(compliant) or in O(allow).
  returned: always
  type: str
ansible_facts:
  description: Facts under the key C(volsnap), from the probe that opened the task (M(winfix.volsnap.volsnap_facts)).
  returned: always
  type: complex
  contains:
    volsnap:
      description: C(facts) (what the probe read) and C(assessment) (the decision), as M(winfix.volsnap.volsnap_facts)
        returns them.
      returned: always
      type: dict
"""
