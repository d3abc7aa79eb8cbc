#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the code runs on the controller, in plugins/action/volsnap_facts.py.

DOCUMENTATION = r"""
module: volsnap_facts
short_description: Assess a Windows host for the KB2748349 shadow-copy corruption (volsnap.sys)
version_added: 0.1.0
description:
  - Runs B(one) cmd.exe command on the host (one WinRM round trip) that reads the OS, service pack, architecture,
    the C(volsnap.sys) file version, pending restarts, evidence of an installed KB2748349, PowerShell presence,
    volumes, shadow copies, and the host's boot time and local time with its UTC offset (C(wmic os get
    LastBootUpTime,LocalDateTime)).
  - Decides, on the controller, whether the host is C(compliant), C(vulnerable), C(reboot_pending),
    C(prerequisite_missing), C(not_applicable) or C(unknown), with a one-line reason, and which package it needs.
  - Never changes anything on the host. Needs no PowerShell; meant for the P(winfix.volsnap.winrs#connection)
    connection, and works through any connection whose shell is cmd.exe.
  - The file version of C(volsnap.sys) is the evidence; the hotfix list is supporting evidence only (it is truncated
    by C(systeminfo), empty in C(wmic qfe) on some patched hosts, and gone once a later update supersedes the KB).
options:
  package_names:
    description:
      - Package file names to use instead of the defaults, keyed by C(<family>/<arch>), where family is C(2003),
        C(vista_2008) or C(7_2008r2) and arch is C(x86), C(AMD64) or C(IA64).
      - 'The defaults follow Microsoft''s pattern, for example C(Windows6.1-KB2748349-x64.msu).'
      - When the task leaves it out, the host variable C(volsnap_package_names) is used if it is set.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached through a cmd.exe shell.
notes:
  - The assessment is made from version ordering and servicing-branch ranges (GDR/LDR), not from an exact list,
    so versions the article never lists are judged correctly; a host whose data fits no rule is C(unknown), with
    the reason.
  - 'The version rules (docs/versions.md in the collection) can be extended without editing code: the host variable
    C(volsnap_catalog_overrides), set at any inventory level or with C(-e), adds or replaces ranges of a family
    (C(2003), C(vista_2008), C(7_2008r2)). Each entry of C(<family>.branches) has C(line) (the first three numbers of
    the C(volsnap.sys) version), C(from) and C(to) (revisions, both included; defaults 0 and 99999), C(branch) (a
    label) and exactly one of C(fixed) (the first fixed version), C(included: true) (fixed whatever the revision) or
    C(prerequisite) (what must be installed first). Entries are checked in order before the built-in rules.'
  - Every module of the collection reads C(volsnap_catalog_overrides) from the host's variables (it is templated only
    when set) and validates it before anything is sent to the host; a bad entry fails the task naming the host, the
    entry's path (for example C(volsnap_catalog_overrides.vista_2008.branches[0].fixed)) and what is wrong.
seealso:
  - module: winfix.volsnap.volsnap_update
  - module: winfix.volsnap.volsnap_verify
author:
  - winfix.volsnap maintainers (@winfix)
"""

EXAMPLES = r"""
- name: Assess every host
  winfix.volsnap.volsnap_facts:

- name: Show the hosts that need the update
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ ansible_facts.volsnap.assessment.reason }}"
  when: ansible_facts.volsnap.assessment.status == 'vulnerable'

# A site rule for versions the collection does not know: a host variable every module reads (group_vars, host_vars,
# play vars or -e). Here the merged rollup line of Server 2008 SP2 must be at 6.0.6002.24300 or later.
- name: Assess with a site rule
  winfix.volsnap.volsnap_facts:
  vars:
    volsnap_catalog_overrides:
      vista_2008:
        branches:
          - {line: "6.0.6002", from: 24000, to: 99999, branch: rollup, fixed: "6.0.6002.24300"}
"""

RETURN = r"""
ansible_facts:
  description: Facts under the key C(volsnap).
  returned: always
  type: complex
  contains:
    volsnap:
      description: The raw facts read from the host and the assessment made from them.
      returned: always
      type: complex
      contains:
        facts:
          description:
            - What the probe read; a value that could not be read is null, and C(problems) says why.
            - C(product_name), C(current_version), C(current_major_version), C(build), C(csd_version),
              C(service_pack), C(product_type), C(edition_id), C(installation_type), C(arch), C(volsnap_version),
              C(powershell_version), C(wmic_available), C(kb_installed), C(pending_reboot),
              C(pending_reboot_reasons), C(volumes), C(shadow_copies), C(system_root), C(problems).
            - C(last_boot) and C(local_time) are wmic's CIM_DATETIME values, host-local with the UTC offset in minutes
              (C(20121120093000.500000+060)); C(local_time) is the host's clock when the probe ran.
          type: dict
          returned: always
        assessment:
          description: The decision.
          type: dict
          returned: always
          contains:
            status:
              description: The host's status.
              type: str
              returned: always
              choices: [compliant, vulnerable, reboot_pending, prerequisite_missing, not_applicable, unknown]
              sample: vulnerable
            reason:
              description: One line saying why.
              type: str
              returned: always
              sample: volsnap.sys 6.1.7600.16385 (GDR) is below 6.1.7600.17122
            product:
              description: The canonical product (C(Windows Server 2008), C(Windows 7), ...), told by build and
                ProductType; a name outside the article for other hosts; null when it cannot be told.
              type: str
              returned: always
              sample: Windows Server 2008 R2
            family:
              description: The package family (C(2003), C(vista_2008), C(7_2008r2)); null outside the article.
              type: str
              returned: always
            edition:
              description: The host's own naming, ProductName (EditionID, InstallationType); shown, never decisive.
              type: str
              returned: always
              sample: Hyper-V Server 2008 R2 (ServerHyperCore, Server Core)
            service_pack:
              description: The service pack number (0 on RTM); null when it could not be read.
              type: int
              returned: always
            arch:
              description: C(x86), C(AMD64) or C(IA64); null when it could not be read.
              type: str
              returned: always
            installed_version:
              description: The C(volsnap.sys) file version; null when it could not be read.
              type: str
              returned: always
              sample: 6.1.7600.16385
            branch:
              description: The servicing line of the installed C(volsnap.sys) (C(GDR), C(LDR), C(SP1), C(6003),
                C(single), C(pre-SP2), or a label from C(volsnap_catalog_overrides)); null when no rule applies.
              type: str
              returned: always
              sample: GDR
            required_version:
              description: The first fixed version on that line; null when the line has no threshold.
              type: str
              returned: always
              sample: 6.1.7600.17122
            package:
              description: The update package file name the host needs; null when it needs none or none is known.
              type: str
              returned: always
              sample: Windows6.1-KB2748349-x64.msu
            installer:
              description: C(update_exe), C(pkgmgr) or C(dism); null when there is no package.
              type: str
              returned: always
            restart_required_after_install:
              description: Whether installing the package needs a restart to finish.
              type: bool
              returned: always
            reboot_pending:
              description: Whether the host reports a pending restart.
              type: bool
              returned: always
            exposure:
              description: Volumes whose size is a multiple of 8 GiB, shadow copies present, and a risk note.
              type: dict
              returned: always
"""
