"""WinRS commands as Windows runs them, seen through plain pywinrm: quiet commands and OperationTimeout, what ends a
running command, the cmd /c quote rule and WINRS_SKIP_CMD_SHELL, the command log's options, MaxEnvelopeSizekb."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import RunningLab
from winrm.exceptions import WinRMOperationTimeoutError, WinRMTransportError, WSManFaultError

from winlab.stats import read_stats

CURRENT_VERSION = r'query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v CurrentVersion'


def _protocol(running: RunningLab, name: str, operation_timeout: int = 1) -> Any:
    return running.session(
        name, operation_timeout_sec=operation_timeout, read_timeout_sec=operation_timeout + 5
    ).protocol


def _exists(running: RunningLab, name: str, path: str) -> bool:
    return running.session(name).run_cmd(f'if exist "{path}" echo yes').std_out.strip() == b"yes"


def _lines(running: RunningLab, name: str) -> list[dict[str, Any]]:
    log = Path(running.server.state_dir) / "hosts" / name / "command_lines.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_quiet_command_times_out_each_receive_after_the_client_s_operation_timeout(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {"faults": {"command_takes_s": {"mkdir": 3}}}})
    protocol = _protocol(running, "w7", operation_timeout=1)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, r"mkdir C:\Windows\Temp\made")
    protocol.send_command_input(shell, command, b"", end=True)
    started = time.monotonic()
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    assert 0.9 <= time.monotonic() - started < 2.5  # w:TimedOut after OperationTimeout (PT1S), not before (nor at 3 s)
    assert not _exists(running, "w7", r"C:\Windows\Temp\made")  # the effect comes at the end
    timeouts = 1
    while True:
        try:
            _out, _err, rc, done = protocol.get_command_output_raw(shell, command)
            break
        except WinRMOperationTimeoutError:
            timeouts += 1
    assert done and rc == 0 and timeouts in (2, 3)
    assert 2.9 <= time.monotonic() - started < 4.0  # the end is answered when it comes, not a timeout later
    assert _exists(running, "w7", r"C:\Windows\Temp\made")
    running.server.flush_stats()
    assert read_stats(running.server.state_dir)["w7"]["receive_timeouts"] == timeouts


def test_a_waiting_receive_does_not_hold_up_other_hosts(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"quiet": {"faults": {"command_takes_s": {"ver": 30}}}, "other": {}})
    protocol = _protocol(running, "quiet", operation_timeout=4)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "ver")

    def wait() -> None:
        with pytest.raises(WinRMOperationTimeoutError):
            protocol.get_command_output_raw(shell, command)

    waiting = threading.Thread(target=wait)
    waiting.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert running.session("other").run_cmd("ver").status_code == 0
    assert time.monotonic() - started < 3  # not after the 3.5 s the waiting receive has left
    waiting.join(10)


def test_deleting_the_shell_ends_its_running_command_without_its_effect(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {"faults": {"command_takes_s": {"mkdir": 2}}}})
    protocol = _protocol(running, "w7")
    shell = protocol.open_shell()
    command = protocol.run_command(shell, r"mkdir C:\Windows\Temp\never")
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    protocol.close_shell(shell)
    time.sleep(2.2)
    assert not _exists(running, "w7", r"C:\Windows\Temp\never")


@pytest.mark.parametrize(("takes_s", "effect"), [(3.0, False), (0.5, True)])
def test_an_abandoned_shell_expires_after_its_idle_timeout(lab, takes_s: float, effect: bool) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {"faults": {"command_takes_s": {"mkdir": takes_s}}}})
    for endpoint in running.server.endpoints.values():
        endpoint.shell_idle_timeout_s = 1.5
    protocol = _protocol(running, "w7")
    shell = protocol.open_shell()
    command = protocol.run_command(shell, r"mkdir C:\Windows\Temp\abandoned")
    protocol.send_command_input(shell, command, b"", end=True)  # it runs; the client walks away
    time.sleep(takes_s + 1)
    assert _exists(running, "w7", r"C:\Windows\Temp\abandoned") is effect
    with pytest.raises(WSManFaultError) as caught:
        protocol.run_command(shell, "ver")
    assert caught.value.wsman_fault_code == 2150858843  # the shell is gone


def test_signal_terminate_ends_a_running_command(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {"faults": {"command_takes_s": {"mkdir": 2}}}})
    protocol = _protocol(running, "w7")
    shell = protocol.open_shell()
    command = protocol.run_command(shell, r"mkdir C:\Windows\Temp\stopped")
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    protocol.cleanup_command(shell, command)
    time.sleep(2.2)
    assert not _exists(running, "w7", r"C:\Windows\Temp\stopped")


def test_cmd_c_strips_the_first_and_last_quote_of_a_line_that_starts_with_one(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {}})
    line = f'"reg" {CURRENT_VERSION}'  # four quotes: cmd /c takes its branch 2
    mangled = running.session("w7").run_cmd(line)
    assert mangled.status_code == 9009 and b"is not recognized" in mangled.std_err
    wrapped = running.session("w7").run_cmd(f'"{line}"')
    assert wrapped.status_code == 0 and b"CurrentVersion    REG_SZ    6.1" in wrapped.std_out
    records = _lines(running, "w7")
    assert records[0]["line"] == line
    assert records[0]["runs"] == line[1:].replace('CurrentVersion" /v', "CurrentVersion /v")
    assert records[1]["line"] == f'"{line}"' and records[1]["runs"] == line


def test_skip_cmd_shell_runs_the_program_without_cmd(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {}})
    protocol = running.session("w7").protocol
    shell = protocol.open_shell()

    def run(line: str, **options: Any) -> tuple[bytes, bytes, int]:
        command = protocol.run_command(shell, line, **options)
        return protocol.get_command_output(shell, command)  # type: ignore[no-any-return]

    assert run("ver", skip_cmd_shell=True)[2] == 2  # a cmd.exe built-in: there is no cmd to run it
    assert b"Version 6.1.7600" in run("cmd /c ver", skip_cmd_shell=True)[0]
    assert run(f"reg {CURRENT_VERSION}", skip_cmd_shell=True)[2] == 0
    assert run("ver", console_mode_stdin=False)[2] == 0
    records = _lines(running, "w7")
    assert [(r["skip_cmd_shell"], r["console_mode_stdin"]) for r in records] == [
        (True, True),
        (True, True),
        (True, True),
        (False, False),
    ]
    assert records[0]["runs"] is None and records[3]["runs"] == "ver"


def test_a_request_larger_than_max_envelope_kb_is_refused_with_413(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"ntlm": {}, "basic": {"auth": "basic"}, "small": {"max_envelope_kb": 64}})
    for name, fits, too_big in (("ntlm", 110_000, 116_000), ("basic", 113_000, 116_000), ("small", 40_000, 50_000)):
        protocol = running.session(name).protocol
        shell = protocol.open_shell()
        command = protocol.run_command(shell, r'findstr "^" > C:\Windows\Temp\x.b64')
        protocol.send_command_input(shell, command, b"x" * fits, end=False)
        with pytest.raises(WinRMTransportError) as caught:
            protocol.send_command_input(shell, command, b"x" * too_big, end=True)
        assert caught.value.code == 413, name
    running.server.flush_stats()
    stats = read_stats(running.server.state_dir)
    assert all(stats[name]["oversized_requests"] == 1 for name in ("ntlm", "basic", "small"))
    assert stats["basic"]["largest_request"] > 150 * 1024  # the refused one is counted as received
