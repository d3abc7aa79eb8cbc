"""What a task says when a command outlived command_timeout: the cause, then everything left on the host."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure

from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import (
    CommandStillRunning,
    LeftOnHost,
    left_on_host,
)


def test_each_context_left_behind_is_named_in_order() -> None:
    cause = CommandStillRunning("winrs: h: dism.exe was still running after 3 s", "dism.exe", 3)
    assert isinstance(cause, AnsibleConnectionFailure)
    inner = left_on_host(cause, r"the work folder C:\T\w")
    outer = left_on_host(inner, r"the lock C:\T\l.lock")
    assert isinstance(outer, LeftOnHost) and isinstance(outer, AnsibleActionFail)
    assert outer.left == (r"the work folder C:\T\w", r"the lock C:\T\l.lock")
    message = str(outer)
    assert message.startswith("winrs: h: dism.exe was still running after 3 s; left in place because the command")
    assert r"the work folder C:\T\w and the lock C:\T\l.lock." in message
    assert "a later run will find the lock and refuse while it is younger than volsnap_lock_max_age_s" in message


def test_the_cause_is_not_repeated_by_ansible() -> None:
    cause = CommandStillRunning("the cause", "x", 1)
    try:
        raise left_on_host(cause, "a") from cause
    except LeftOnHost as error:
        assert str(error).count("the cause") == 1
