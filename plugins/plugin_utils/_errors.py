# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors the winrs connection and the action plugins share.

Unlike the pure modules of plugin_utils these subclass Ansible's errors, so that Ansible reports them as it should;
only the connection plugin and _action.py (the I/O side) import this module.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure


class WinrsFailure(AnsibleConnectionFailure):  # type: ignore[misc]
    """A connection failure whose message already says all (endpoint, transport, step, cause), secrets removed: Ansible
    must not append the underlying library's message (it keeps it as __cause__ for tracebacks and for the code)."""

    _include_cause_message = False
    # Whether the host got the command: False (the failure came before it was sent: connecting, opening the shell),
    # None (while it was being sent: it may have started), True (it had started: sending input or reading its output).
    # A restart whose answer is lost after it was sent has probably begun (volsnap_restart confirms by boot time).
    command_started: bool | None = False


class CommandStillRunning(WinrsFailure):
    """A command ran past command_timeout. The connection stopped waiting but did not stop the command (no Signal
    terminate, shell not deleted): it may still be changing the host."""

    def __init__(self, message: str, program: str, limit_s: int) -> None:
        super().__init__(message)
        self.program = program
        self.limit_s = limit_s


class LeftOnHost(AnsibleActionFail):  # type: ignore[misc]
    """A task failed because a command it started may still be running; what it left on the host stays there."""

    _include_cause_message = False  # the cause's message is part of this one

    def __init__(self, cause: str, left: tuple[str, ...]) -> None:
        self.cause = cause
        self.left = left
        super().__init__(
            f"{cause}; left in place because the command may still be running: {' and '.join(left)}. "
            "The installer may still be running on the host; a later run will find the lock and refuse while it is "
            "younger than volsnap_lock_max_age_s (6 hours unless set), then break it. Once the installer has ended "
            "(see its log on the host), you may remove the lock folder and run again (README: operations)"
        )

    def leaving(self, what: str) -> LeftOnHost:
        return LeftOnHost(self.cause, (*self.left, what))


def left_on_host(error: CommandStillRunning | LeftOnHost, what: str) -> LeftOnHost:
    """The error to raise after leaving `what` on the host because of `error`."""
    if isinstance(error, LeftOnHost):
        return error.leaving(what)
    return LeftOnHost(str(error.message), (what,))


class CleanupFailed(AnsibleActionFail):  # type: ignore[misc]
    """A folder the task made on the host (work folder, lock) is still there after its removal: named, with what it
    still holds. Never reported as success."""

    _include_cause_message = False  # the cause's message is part of this one

    def __init__(self, message: str, left: tuple[str, ...]) -> None:
        self.left = left
        super().__init__(message)
