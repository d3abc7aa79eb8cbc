#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the code runs on the controller, in plugins/action/volsnap_restart.py.

DOCUMENTATION = r"""
module: volsnap_restart
short_description: Restart a Windows host to finish KB2748349, now, later or at a window
version_added: 0.1.0
description:
  - Restarts only hosts that need it (a pending restart, or O(restart_required)), unless O(force).
  - C(now) runs C(shutdown /r /t 0 /d p:2:17) (Operating System, Hot fix, Planned) and waits, bounded by
    O(timeout), until the host answers with a new boot time.
  - C(window) creates a scheduled task that runs as SYSTEM at O(at) (host time). Windows Server 2003 gets a Task
    Scheduler 1.0 task with the date in the host's own short date format; later Windows get a Task Scheduler 2.0
    XML definition with an ISO 8601 start, which no locale can misread.
  - C(delay) restarts after O(delay) seconds (within the host's C(shutdown /t) limit, else as a task);
    C(none) only reports that a restart is needed.
  - A shutdown already scheduled on the host (exit 1190) is reported, not doubled.
options:
  mode:
    description: How to restart.
    type: str
    choices: [now, window, delay, none]
    default: none
  at:
    description: For O(mode=window), the host-local time, C(HH:MM) (next occurrence) or C(YYYY-MM-DDTHH:MM).
    type: str
  delay:
    description: For O(mode=delay), seconds from now.
    type: int
    default: 0
  timeout:
    description: For O(mode=now), seconds to wait for the host to come back.
    type: int
    default: 900
  poll_interval:
    description: Seconds between checks while waiting.
    type: float
    default: 2.0
  force:
    description: Restart even when no restart is pending.
    type: bool
    default: false
  restart_required:
    description: Whether a restart is needed, as reported by M(winfix.volsnap.volsnap_update); probed when omitted.
    type: bool
  comment:
    description: The shutdown comment (plain characters; 127 at most before Windows 7).
    type: str
    default: winfix.volsnap KB2748349
  task_name:
    description: Name of the scheduled task (letters, digits, spaces, C(.), C(_), C(-)).
    type: str
    default: winfix-volsnap-restart
attributes:
  check_mode:
    support: full
    description: Says what it would do.
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached through a cmd.exe shell.
notes:
  - The host variable C(volsnap_catalog_overrides) (version rules added or replaced, see
    M(winfix.volsnap.volsnap_facts)) is read from the host's variables and validated before anything is sent; a bad
    entry fails the task naming the host and the entry.
seealso:
  - module: winfix.volsnap.volsnap_update
author:
  - winfix.volsnap maintainers (@winfix)
"""

EXAMPLES = r"""
- name: Restart now where the update asked for it
  winfix.volsnap.volsnap_restart:
    mode: now
    restart_required: "{{ update.restart_required }}"

- name: Restart at tonight's maintenance window
  winfix.volsnap.volsnap_restart:
    mode: window
    at: "23:30"
"""

RETURN = r"""
restarted:
  description: Whether the host restarted during the task (mode now).
  returned: when a restart was considered
  type: bool
restart_pending:
  description: Whether a restart is still to come (scheduled or reported).
  returned: when a restart is needed
  type: bool
scheduled_for:
  description: The host-local time of the scheduled restart.
  returned: mode window or a long delay
  type: str
"""
