"""shutdown.exe on the simulated hosts: limits per release, 1190, abort, and the restart on the lab clock."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

import winlab.host.shutdown  # noqa: F401  (registers the tool)
from winlab.host import create_host
from winlab.host.shell import LabShell, SimulatedHost
from winlab.host.shutdown import UsageError, limits_for, parse
from winlab.profile import load_config
from winlab.samples import W7, W2003, W2008


def make(sample: dict[str, Any], clock_rate: float = 1.0, **overrides: Any) -> SimulatedHost:
    (profile,) = load_config({"hosts": {"h": {**sample, **overrides}}}).hosts
    return create_host(profile, None, clock_rate)


def run(shell: LabShell, line: str) -> tuple[str, str, int]:
    chunk = shell.start_command(line).receive()
    assert chunk is not None and chunk.exit_code is not None
    return chunk.stdout.decode("cp437"), chunk.stderr.decode("cp437"), chunk.exit_code


@pytest.mark.parametrize(
    ("sample", "max_delay", "max_comment"), [(W2003, 600, 127), (W2008, 600, 127), (W7, 315360000, 512)]
)
def test_limits_per_release(sample: dict[str, Any], max_delay: int, max_comment: int) -> None:
    shell = make(sample).open_shell(437, None, {})
    for delay, comment_length, expected in [
        (max_delay, max_comment, 0),
        (max_delay + 1, 10, 87),
        (5, max_comment + 1, 87),
        (-1, 10, 87),
    ]:
        line = f'shutdown /r /t {delay} /d p:2:17 /c "{"c" * comment_length}"'
        assert run(shell, line)[2] == expected, line
        if expected == 0:
            assert run(shell, "shutdown /a")[2] == 0


def test_usage_error_prints_the_usage() -> None:
    out, _, rc = run(make(W7).open_shell(437, None, {}), "shutdown /r /t 30 /d bogus")
    assert rc == 87 and out.startswith("Usage: shutdown [/i | /l | /s | /r | /g | /a | /p | /h | /e] [/f]\r\n")
    out, _, rc = run(make(W2003).open_shell(437, None, {}), "shutdown /x")
    assert rc == 87 and out.startswith("Usage: shutdown [-i | -l | -s | -r | -a]")


def test_second_restart_is_1190_and_abort_clears_it() -> None:
    host = make(W2008)
    shell = host.open_shell(437, None, {})
    assert run(shell, 'shutdown /r /t 300 /d p:2:17 /c "KB2748349"') == ("", "", 0)
    _, err, rc = run(shell, "shutdown /r /t 0")
    assert (err, rc) == ("A system shutdown has already been scheduled.(1190)\r\n", 1190)
    assert run(shell, "shutdown /a")[2] == 0
    assert host.machine.pending_restart is None
    _, err, rc = run(shell, "shutdown /a")
    assert rc == 1116 and err.startswith("Unable to abort the system shutdown")
    german = make(W7, locale="de-DE").open_shell(850, None, {})
    assert run(german, "shutdown /a")[1].startswith("Das Herunterfahren des Systems konnte nicht")


def test_default_delay_is_30_seconds_and_2003_takes_dashes() -> None:
    host = make(W2003)
    shell = host.open_shell(437, None, {})
    assert run(shell, 'shutdown -r -t 5 -d p:2:17 -c "x"')[2] == 0
    assert run(shell, "shutdown -a")[2] == 0
    assert run(shell, "shutdown /r")[2] == 0
    pending = host.machine.pending_restart
    assert pending is not None
    assert dt.timedelta(seconds=29) <= pending.at - host.machine.clock.now() <= dt.timedelta(seconds=30)


def test_restart_happens_on_the_lab_clock() -> None:
    host = make(W7, clock_rate=1200.0, faults={"restart_takes_s": 0.05})
    booted = host.machine.boot_time
    shell = host.open_shell(437, None, {})
    assert run(shell, "shutdown /r /t 120 /d p:2:17")[2] == 0
    assert host.availability().value == "up"  # 120 lab seconds are 0.1 s here
    deadline = time.monotonic() + 5
    states = set()
    while time.monotonic() < deadline and host.machine.boot_time == booted:
        states.add(host.availability().value)
        time.sleep(0.01)
    assert "restarting" in states
    assert host.machine.boot_time > booted and host.availability().value == "up"


def test_parse_is_pure_and_precise() -> None:
    request = parse(["/r", "/t", "45", "/d", "p:2:17", "/c", "patch night"], 7600)
    assert (request.action, request.delay_s, request.comment, request.reason) == ("r", 45, "patch night", "p:2:17")
    assert limits_for(6002).max_delay_s == 600 and limits_for(7601).max_comment == 512
    with pytest.raises(UsageError, match="outside 0-600"):
        parse(["/r", "/t", "601"], 6002)
    with pytest.raises(UsageError, match="needs a value"):
        parse(["/r", "/t"], 7600)
    with pytest.raises(UsageError, match="no /r or /a"):
        parse(["/g"], 3790)  # /g (restart and reopen apps) arrived with Vista
