#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the code runs on the controller, in plugins/action/volsnap_update.py.

DOCUMENTATION = r"""
module: volsnap_update
short_description: Install KB2748349 on a Windows host that needs it, without PowerShell
version_added: 0.1.0
description:
  - Probes the host, and only when it is C(vulnerable) installs the package its assessment names, with the installer
    of its OS family, never C(wusa) (which refuses to run from a remote session).
  - Windows Server 2003 runs the update C(.exe /quiet /norestart /log:<file>); Vista and Server 2008 C(expand) the
    C(.msu) and run C(start /w pkgmgr /ip /m:<inner .cab> /s:<empty sandbox>); Windows 7 and Server 2008 R2 C(expand)
    it and run C(dism /online /add-package /packagepath:<inner .cab>). The inner C(.cab) is the one the C(.msu)'s
    C(.xml) names, whatever the C(.msu) is called.
  - The package's SHA-256 is checked against a C(SHA256SUMS) file or O(checksums) before anything is sent, and its
    bytes again on the host before anything runs - with SHA-256, or, on a host that has no SHA-2 (Windows Server 2003
    without KB968730 or KB938397, told from its answer), with SHA-1 of the same bytes. A mismatch names the file and
    both hashes and changes nothing.
  - Whether the update took is decided from the host's state afterwards (the CBS package's CurrentState, the 2003
    Updates key, pending-restart markers), never from the installer's exit code alone; the exit code is returned
    verbatim and the message gives its documented meaning, if it has one.
  - Compliant, C(reboot_pending), C(not_applicable) and C(prerequisite_missing) hosts are left alone (not changed);
    an C(unknown) host fails with the reason, and nothing is sent to it after the probe.
  - Takes a lock on the host (the folder C(%SystemRoot%\Temp\winfix-volsnap.lock), made with C(mkdir), which is
    atomic) so two runs cannot install at once. Its owner file records the run and the host's own time when it was
    taken. A lock older than C(volsnap_lock_max_age_s) by the host's clock is broken (the run that took it is dead),
    with a warning and O(ignore:lock_broken) in the result; a younger one makes the task fail, naming its run and age.
  - The lock and the work folder are removed when the task ends, whatever the outcome, and the removal is checked;
    what is still there is named and fails the task. The one exception is an installer still running at
    C(ansible_winrs_command_timeout), for which both are left in place, and named.
options:
  state:
    description:
      - C(present) installs where needed. C(absent) removes the update where the registry records it, for a rollback,
        with C(dism /remove-package), C(pkgmgr /up) or the 2003 C(spuninst.exe). Either way a restart finishes it.
    type: str
    choices: [present, absent]
    default: present
  source:
    description:
      - Where the package comes from. C(controller) sends it from O(package_dir) through the connection; C(url) has
        the host download it from O(package_url) with C(certutil -urlcache); C(host) copies it from O(package_path),
        a folder the host can read.
      - C(certutil -urlcache) exists from Vista on, so C(url) is refused for a Windows Server 2003 host after the
        probe and before anything is changed, naming the host and the two other sources.
      - For C(url) and C(host), a host that can only compute SHA-1 is checked against the SHA-1 of the package in
        O(package_dir) (checked there with SHA-256 first) or a C(SHA1SUMS) file beside C(SHA256SUMS).
    type: str
    choices: [controller, url, host]
    default: controller
  package_dir:
    description: Controller folder holding the packages and, unless O(checksums) is given, a C(SHA256SUMS) file.
    type: path
  package_url:
    description: Base URL the host downloads from; the package file name is appended. No C(%), quotes or spaces.
    type: str
  package_path:
    description: Folder on the host (or a share it can reach with its own credentials) holding the packages.
    type: str
  package_names:
    description:
      - Package file names instead of the defaults, keyed C(<family>/<arch>), for example C(7_2008r2/AMD64).
      - When the task leaves it out, the host variable C(volsnap_package_names) is used if it is set.
    type: dict
    default: {}
  checksums:
    description: Expected SHA-256 per package file name; takes precedence over the checksum file.
    type: dict
    default: {}
  checksum_file:
    description: A C(SHA256SUMS) file on the controller; defaults to C(SHA256SUMS) in O(package_dir).
    type: path
attributes:
  check_mode:
    support: full
    description: Says what it would install; sends and changes nothing.
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached through a cmd.exe shell.
notes:
  - A restart is required after the update; this module only reports it (O(ignore:restart_required)). Use
    M(winfix.volsnap.volsnap_restart).
  - The host variable C(volsnap_lock_max_age_s) (seconds; default 21600, six hours; C(0) never breaks a lock) sets
    how old a lock must be to be broken. Set it above the longest run you expect (transfer plus installer); it is read
    from the host's variables, templated only when set, and a value that is not a whole number of seconds fails the
    task before anything is sent.
  - The host variable C(volsnap_catalog_overrides) (version rules added or replaced, see
    M(winfix.volsnap.volsnap_facts)) is read from the host's variables and validated before anything is sent; a bad
    entry fails the task naming the host and the entry.
seealso:
  - module: winfix.volsnap.volsnap_restart
author:
  - winfix.volsnap maintainers (@winfix)
"""

EXAMPLES = r"""
- name: Install from the controller's package folder
  winfix.volsnap.volsnap_update:
    package_dir: /srv/packages/kb2748349
  register: update

- name: Install from an internal web server, with pinned hashes
  winfix.volsnap.volsnap_update:
    source: url
    package_url: http://packages.example.internal/kb2748349
    checksums:
      Windows6.1-KB2748349-x64.msu: "0f1e...64 hex digits..."
"""

RETURN = r"""
status:
  description: The host's status when the task probed it (before any change).
  returned: always
  type: str
  choices: [compliant, vulnerable, reboot_pending, prerequisite_missing, not_applicable, unknown]
  sample: vulnerable
outcome:
  description: What the task did. C(failed) is an installer that failed, or a host the task could not decide for
    (status C(unknown)); C(skipped) a host left alone; C(would_install) and C(would_remove) are check mode.
  returned: always
  type: str
  choices: [installed, removed, already_installed, not_applicable, failed, skipped, would_install, would_remove]
  sample: installed
msg:
  description: One line saying what happened, or why it failed.
  returned: always
  type: str
  sample: installed; a restart is required (dism exit 3010)
restart_required:
  description: Whether the host must restart to finish.
  returned: always
  type: bool
package:
  description: The package file name the assessment names; null when it names none (for example a compliant or
    unknown host).
  returned: always
  type: str
  sample: Windows6.1-KB2748349-x64.msu
sha256:
  description: The SHA-256 the package was checked against.
  returned: when a package's hash was checked (installing, or removing with dism or pkgmgr)
  type: str
exit_code:
  description: The installer's exit code, verbatim (the message gives its documented meaning, if it has one).
  returned: when an installer ran
  type: int
  sample: 3010
host_hash:
  description:
    - Which hash proved the package's bytes on the host - C(sha256), or C(sha1) on a host without SHA-2 (a stock
      Windows Server 2003); null when no package was sent (the 2003 uninstaller needs none).
  returned: when an installer ran
  type: str
  sample: sha1
lock_broken:
  description: The stale lock this task broke to take its own.
  returned: when a stale lock was broken
  type: dict
  contains:
    path:
      description: The lock folder.
      type: str
      returned: always
    owner:
      description: Its owner file's first line, as read.
      type: str
      returned: always
    controller:
      description: The controller that took it.
      type: str
      returned: always
    run:
      description: The run that took it.
      type: str
      returned: always
    taken:
      description: When it was taken, host-local (ISO 8601).
      type: str
      returned: always
    age_s:
      description: Its age in seconds, by the host's clock.
      type: int
      returned: always
    max_age_s:
      description: The C(volsnap_lock_max_age_s) it was older than.
      type: int
      returned: always
    msg:
      description: One line for a report.
      type: str
      returned: always
      sample: "broke the stale lock C:\\Windows\\Temp\\winfix-volsnap.lock of run 0badc0de of awx-ee-7f9c, taken
        2026-03-07 02:00:00 (UTC+01:00) host time: 7 h 02 min old, above volsnap_lock_max_age_s (21600 s)"
lock_holder:
  description: The run that holds the lock, when the task refused to take it (the task failed).
  returned: when another run holds the lock
  type: dict
  contains:
    path:
      description: The lock folder.
      type: str
      returned: always
    owner:
      description: Its owner file's first line, as read (empty when it has none).
      type: str
      returned: always
    controller:
      description: The controller that took it; null when the owner file does not say.
      type: str
      returned: always
    run:
      description: The run that took it; null when the owner file does not say.
      type: str
      returned: always
    taken:
      description: When it was taken, host-local (ISO 8601); null when unknown.
      type: str
      returned: always
    age_s:
      description: Its age in seconds by the host's clock; null when unknown.
      type: int
      returned: always
    host_time:
      description: The host's local time when this task looked (ISO 8601); null when unknown.
      type: str
      returned: always
left_on_host:
  description: What the task could not remove from the host after its work (the task failed).
  returned: when the work folder or the lock could not be removed
  type: list
  elements: str
  sample: ["the work folder C:\\Windows\\Temp\\winfix-volsnap-0a1b2c3d"]
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
