#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the code runs on the controller, in plugins/action/volsnap_preflight.py.

DOCUMENTATION = r"""
module: volsnap_preflight
short_description: Check, without changing anything, what the KB2748349 remediation will need on a Windows host
version_added: 0.1.0
description:
  - Changes nothing on the host (no file, folder, task or restart) and sends only reading commands. Runs the probe of
    M(winfix.volsnap.volsnap_facts) and, on a host that needs the update, B(one) more cmd.exe line of reading
    sections; the checks are decided on the controller.
  - C(reachable) - the host was reached over WinRM and the account authenticated (the probe ran).
  - C(assessment) - the status and reason. C(compliant), C(not_applicable) and C(reboot_pending) (the update is
    installed and waits only for its restart) pass, since nothing needs installing; C(prerequisite_missing) and
    C(unknown) fail.
  - C(pending_restart) - from the probe's pending-restart markers. It fails on a host that needs the update while a
    restart is pending for another change; a pending restart of the update itself passes.
  - C(host_time) - the host's local time and UTC offset (C(wmic os get LocalDateTime)), which lock ages and restart
    times are computed from; it fails when the clock cannot be read.
  - 'The following checks are made only on a host that needs the update (C(vulnerable)):'
  - C(package) - on the controller, what M(winfix.volsnap.volsnap_update) would refuse before sending anything - no
    SHA-256 listed for the package (O(checksums), O(checksum_file), C(SHA256SUMS) in O(package_dir)), the package
    missing from O(package_dir) for O(source=controller), or a copy there whose SHA-256 differs.
  - C(installer) - C(if exist) on the family's installer files, C(expand.exe) and C(pkgmgr.exe) (Vista, Server 2008)
    or C(expand.exe) and C(dism.exe) (Windows 7, Server 2008 R2) in C(%SystemRoot%\System32), and on
    C(%SystemRoot%\Temp), where the work folder and the lock go. Server 2003's package runs itself; it needs that
    folder and certutil (see C(host_hash)). Whether the folder is writable is not tested, since that needs a write.
  - C(host_hash) - the transfer's own hash command (C(certutil -hashfile <file> SHA256), falling back to the plain
    SHA-1 form) on C(volsnap.sys), a file that is there already; C(sha256) passes. C(sha1) (a Server 2003 without
    SHA-2) passes only when the controller can prove the bytes with a SHA-1 of the same package - its copy in
    O(package_dir), or an entry in C(SHA1SUMS) beside C(SHA256SUMS).
  - C(urlcache) - only with O(source=url) - C(certutil -urlcache) exists from Vista on; it fails for Server 2003,
    for which M(winfix.volsnap.volsnap_update) refuses O(source=url). It is not run, since it would download.
  - C(disk_space) - C(wmic logicaldisk where DeviceID="C:" get FreeSpace /value) for the drive of C(%SystemRoot%),
    against 10 times the size of the controller's copy of the package (its transfer, its expansion and what the
    servicing stack unpacks from it, an estimate the README explains). Without a copy in O(package_dir) the size is
    unknown and the check fails as "cannot tell".
  - C(lock) - who holds the host lock (C(%SystemRoot%\Temp\winfix-volsnap.lock)) and how old it is by the host's
    clock. No lock, or one older than C(volsnap_lock_max_age_s) (it "would be broken"), passes; a younger one, or one
    whose age cannot be told, fails.
  - A check that cannot tell (an answer missing, cut short or unreadable) fails, saying so.
  - RV(ready) is true when every check passed. The task itself does not fail for a host that is not ready; the
    C(winfix.volsnap.preflight) playbook fails those hosts at the end.
options:
  source:
    description: Where the remediation will take the package from, as M(winfix.volsnap.volsnap_update)'s O(source).
    type: str
    choices: [controller, url, host]
    default: controller
  package_dir:
    description:
      - The controller's folder of packages with C(SHA256SUMS) (and an optional C(SHA1SUMS)), as for
        M(winfix.volsnap.volsnap_update). Its copy of a package gives the package's size for C(disk_space).
    type: path
  package_url:
    description: The URL the hosts will download from (O(source=url)); it is checked for cmd.exe safety, never fetched.
    type: str
  package_path:
    description: The folder the hosts will copy from (O(source=host)); it is checked for cmd.exe safety, never read.
    type: str
  package_names:
    description:
      - Package file name overrides, as in M(winfix.volsnap.volsnap_facts).
      - When the task leaves it out, the host variable C(volsnap_package_names) is used if it is set.
    type: dict
    default: {}
  checksums:
    description: Expected SHA-256 per package file name, instead of C(SHA256SUMS).
    type: dict
    default: {}
  checksum_file:
    description: A C(SHA256SUMS) file elsewhere than in O(package_dir).
    type: path
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached through a cmd.exe shell.
notes:
  - The host variables C(volsnap_lock_max_age_s) and C(volsnap_catalog_overrides) are read as the remediation reads
    them, and validated before anything is sent.
  - Nothing is downloaded or copied, so a URL or share the hosts cannot reach is not found here.
seealso:
  - module: winfix.volsnap.volsnap_preflight_report
  - module: winfix.volsnap.volsnap_update
author:
  - winfix.volsnap maintainers (@winfix)
"""

EXAMPLES = r"""
- name: What the remediation will need
  winfix.volsnap.volsnap_preflight:
    package_dir: /srv/kb2748349
  register: volsnap_preflight_result

- name: Hosts that are not ready
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }}: {{ volsnap_preflight_result.msg }}"
  when: not volsnap_preflight_result.ready
"""

RETURN = r"""
ready:
  description: Whether every check passed.
  returned: always
  type: bool
  sample: false
checks:
  description: Each check that applies to the host, with C(ok) (bool) and C(detail) (one line saying what was found).
  returned: always
  type: dict
  sample: {"lock": {"ok": false, "detail": "C:\\Windows\\Temp\\winfix-volsnap.lock is held by run 0badc0de of
           awx-ee-7f9c, taken 2026-12-01 15:04:09 (UTC+01:00) host time, 12 min 05 s old: a run now would refuse it"}}
  contains:
    reachable:
      description: The host was reached and the account authenticated.
      returned: always
      type: dict
    assessment:
      description: The status and reason; fails for C(prerequisite_missing) and C(unknown).
      returned: always
      type: dict
    package:
      description: What the controller has of the package (its listed SHA-256, its copy).
      returned: when the host needs the update
      type: dict
    installer:
      description: The family's installer files and C(%SystemRoot%\Temp).
      returned: when the host needs the update
      type: dict
    host_hash:
      description: C(sha256) or C(sha1), and for C(sha1) whether the controller can prove the bytes.
      returned: when the host needs the update
      type: dict
    urlcache:
      description: C(certutil -urlcache) for O(source=url).
      returned: when the host needs the update and O(source=url)
      type: dict
    disk_space:
      description: Free space on the drive of C(%SystemRoot%) against 10 times the package's size.
      returned: when the host needs the update
      type: dict
    lock:
      description: The host lock, its holder and age, and whether a remediation would break it.
      returned: when the host needs the update
      type: dict
    pending_restart:
      description: A restart pending on the host.
      returned: always
      type: dict
    host_time:
      description: The host's local time and UTC offset.
      returned: always
      type: dict
status:
  description: The host's status from the probe.
  returned: always
  type: str
  choices: [compliant, vulnerable, reboot_pending, prerequisite_missing, not_applicable, unknown]
  sample: vulnerable
msg:
  description: C(ready), or C(not ready) and the names of the checks that failed.
  returned: always
  type: str
  sample: "not ready: lock, disk_space"
"""
