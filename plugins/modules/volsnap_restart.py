#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the code runs on the controller, in plugins/action/volsnap_restart.py.

DOCUMENTATION = r"""
module: volsnap_restart
short_description: Restart a Windows host to finish KB2748349, now, later or at a window
version_added: 0.1.0
description:
  - Restarts only hosts that need it (a pending restart, or O(restart_required)), unless O(force).
  - Every time sent to the host is computed from the host's own clock, read with the task's probe
    (C(wmic os get LocalDateTime), which carries the UTC offset), never from the controller's clock. O(at) is the
    host's local time.
  - C(now) runs C(shutdown /r /f /t 2 /d p:2:17) (Operating System, Hot fix, Planned; 2 s so that the answer gets out
    before the restart cuts the connection, as ansible.windows' win_reboot does) and waits, bounded by O(timeout),
    until the host answers with a new boot time. An answer lost after the command was sent is taken as a restart
    that probably began, and the new boot time confirms it. A boot time that cannot be read means "cannot tell",
    and the wait goes on. A host whose boot time cannot be read before the restart is not restarted.
  - C(window) creates a scheduled task that runs as SYSTEM at O(at). Windows Server 2003 gets a Task Scheduler 1.0
    task with the date in the host's own short date format; later Windows get a Task Scheduler 2.0 XML definition
    with an ISO 8601 start, which no locale can misread. A time that is not in the future on the host is refused.
  - C(delay) restarts O(delay) seconds after the host's time at the probe; within the host's C(shutdown /t) limit
    (600 s before Windows 7) with C(shutdown), beyond it as a scheduled task. C(none) only reports that a restart is
    needed.
  - C(/f) is always passed, so applications are closed without asking (Microsoft documents it as implied by
    C(/t) above 0 from Windows 7 on).
  - A shutdown already scheduled (exit 1190) or in progress (1115) on the host is reported, not doubled.
options:
  mode:
    description: How to restart.
    type: str
    choices: [now, window, delay, none]
    default: none
  at:
    description:
      - For O(mode=window), the host's local time, C(HH:MM) (its next occurrence on the host's clock) or
        C(YYYY-MM-DDTHH:MM[:SS]).
      - With an offset (C(2026-03-07T23:30+01:00), C(...Z)) it names a moment, which is converted to the host's local
        time with the host's current UTC offset.
    type: str
  delay:
    description: For O(mode=delay), seconds after the host's time when the task probed it.
    type: int
    default: 0
  timeout:
    description: For O(mode=now), seconds to wait for the host to come back with a new boot time.
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
mode:
  description: The mode asked for.
  returned: always
  type: str
  choices: [now, window, delay, none]
restart_needed:
  description: Whether a restart was needed (O(restart_required), or a pending restart the probe found).
  returned: always
  type: bool
restarted:
  description: Whether the host restarted during the task and came back with a new boot time (mode now only; false
    for the other modes, whose restart comes later).
  returned: always
  type: bool
restart_pending:
  description: Whether a restart is still to come (scheduled, reported, or not seen within O(timeout)).
  returned: always
  type: bool
msg:
  description: One line saying what happened, with the host-local time of a scheduled restart.
  returned: always
  type: str
  sample: restart scheduled for 2026-03-07 23:30:00 host time (UTC+05:00) as task winfix-volsnap-restart
elapsed:
  description: Seconds from the shutdown command to the new boot time.
  returned: when the host restarted (mode now)
  type: float
reply_lost:
  description: Whether the answer of C(shutdown) was lost after the command was sent (mode now confirms the restart by
    the boot time, mode delay by sending it again).
  returned: when shutdown was sent (mode now, or mode delay within the shutdown /t limit)
  type: bool
scheduled_for:
  description: The host-local time of the restart (ISO 8601, no offset), computed from the host's clock.
  returned: when a restart time was computed (window, delay; in check mode too)
  type: str
  sample: "2026-03-07T23:30:00"
scheduled_for_utc:
  description: The same time in UTC, at the host's UTC offset when it was read.
  returned: when a restart time was computed (window, delay; in check mode too)
  type: str
  sample: "2026-03-07T18:30:00Z"
host_time:
  description: The host's local time when the task probed it (ISO 8601), which the restart time is computed from.
  returned: when a restart time was computed (window, delay; in check mode too)
  type: str
task_name:
  description: The scheduled task that will restart the host.
  returned: when a task was scheduled (window, or a delay beyond the shutdown /t limit)
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
