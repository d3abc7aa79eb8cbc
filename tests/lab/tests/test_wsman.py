"""WS-Management as pywinrm speaks it: authentication, encryption, the shell life cycle, faults, code pages."""

from __future__ import annotations

import base64
import socket
import time

import pytest
import requests
import winrm
from conftest import VISTA, W2003, RunningLab
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

from winlab.stats import read_stats

PROFILES = {
    "w2003-x86": W2003,
    "vista-sp2": VISTA,
    "w2008-ia64": {
        "product_name": "Windows Server (R) 2008 Enterprise",
        "current_version": "6.0",
        "build": 6002,
        "csd_version": "Service Pack 2",
        "product_type": "ServerNT",
        "arch": "IA64",
        "volsnap_version": "6.0.6002.18005",
        "powershell": None,
    },
    "w7-rtm": {},
    "r2-core": {
        "product_name": "Windows Server 2008 R2 Standard",
        "product_type": "ServerNT",
        "installation_type": "Server Core",
        "powershell": None,
    },
    "w7-sp1": {"build": 7601, "csd_version": "Service Pack 1", "volsnap_version": "6.1.7601.17514"},
    "w10": {
        "product_name": "Windows 10 Pro",
        "current_version": "6.3",
        "current_major_version": 10,
        "build": 19045,
        "volsnap_version": "10.0.19041.1",
        "wmic": False,
        "powershell": "5.1",
    },
    "basic": {"auth": "basic"},
}
BANNERS = {
    "w2003-x86": "5.2.3790",
    "vista-sp2": "6.0.6002",
    "w2008-ia64": "6.0.6002",
    "w7-rtm": "6.1.7600",
    "r2-core": "6.1.7600",
    "w7-sp1": "6.1.7601",
    "w10": "10.0.19045",
    "basic": "6.1.7600",
}


def test_ver_on_mixed_profiles_over_ntlm_and_basic(lab) -> None:  # type: ignore[no-untyped-def]
    running: RunningLab = lab(PROFILES)
    for name, version in BANNERS.items():
        result = running.session(name).run_cmd("ver")
        assert result.status_code == 0
        assert result.std_out == f"\r\nMicrosoft Windows [Version {version}]\r\n".encode()


def test_bad_password_is_refused_without_hints(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"ntlm": {}, "basic": {"auth": "basic"}})
    for name in ("ntlm", "basic"):
        with pytest.raises(InvalidCredentialsError):
            running.session(name, password="wrong").run_cmd("ver")


def test_ntlm_messages_are_encrypted_on_the_wire(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {}})
    session = running.session("w7")
    session.run_cmd("ver")
    sent = []
    original = session.protocol.transport._send_message_request

    def spy(s, prepared):  # type: ignore[no-untyped-def]
        sent.append(prepared.body)
        return original(s, prepared)

    session.protocol.transport._send_message_request = spy
    session.run_cmd("echo", ["TOPSECRET-MARKER"])
    bodies = [body for body in sent if body]  # the authentication legs have no body
    assert bodies and all(b"TOPSECRET-MARKER" not in body for body in bodies)
    assert all(b"HTTP-SPNEGO-session-encrypted" in body for body in bodies)


def test_stdin_send_then_receive(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {}})
    protocol = running.session("w7").protocol
    shell = protocol.open_shell()
    command = protocol.run_command(shell, 'findstr "^"')
    protocol.send_command_input(shell, command, b"line one\r\n", end=False)
    protocol.send_command_input(shell, command, b"line two\r\n", end=True)
    stdout, _, rc = protocol.get_command_output(shell, command)
    assert (stdout, rc) == (b"line one\r\nline two\r\n", 0)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)


def test_unknown_shell_is_a_windows_fault(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {}})
    protocol = running.session("w7").protocol
    with pytest.raises(WSManFaultError) as caught:
        protocol.run_command("00000000-0000-0000-0000-000000000000", "ver")
    assert caught.value.wsman_fault_code == 2150858843


def test_code_page_reaches_the_shell(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"de": {"locale": "de-DE"}})
    protocol = running.session("de").protocol
    for codepage, codec in ((850, "cp850"), (65001, "utf-8")):
        shell = protocol.open_shell(codepage=codepage)
        command = protocol.run_command(shell, "nosuchtool")
        _, stderr, rc = protocol.get_command_output(shell, command)
        assert rc == 9009
        assert 'Der Befehl "nosuchtool" ist entweder falsch geschrieben' in stderr.decode(codec)
        protocol.close_shell(shell)


def test_faults_auth_refused_unreachable_slow(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab(
        {
            "refused": {"faults": {"auth_refused": True}},
            "gone": {"faults": {"unreachable": True}},
            "slow": {"faults": {"slow_ms": 400}},
            "slower": {"faults": {"slow_ms": 2500}},
        }
    )
    with pytest.raises(InvalidCredentialsError):
        running.session("refused").run_cmd("ver")
    with pytest.raises(requests.exceptions.ConnectionError):
        running.session("gone").run_cmd("ver")
    # The port stays taken while the lab runs: no other listener can be given it and answer for the host that is down.
    with pytest.raises(OSError), socket.socket() as rival:
        rival.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        rival.bind(("127.0.0.1", running.ports["gone"]))
    started = time.monotonic()
    assert running.session("slow").run_cmd("ver").status_code == 0
    assert time.monotonic() - started >= 0.4 * 3  # every response of the exchange is delayed
    with pytest.raises(requests.exceptions.ReadTimeout):
        running.session("slower", read_timeout_sec=2, operation_timeout_sec=1).run_cmd("ver")


def test_drop_after_bytes_cuts_one_connection_then_recovers(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"flaky": {"faults": {"drop_after_bytes": 20000}}})
    protocol = running.session("flaky").protocol
    shell = protocol.open_shell()
    command = protocol.run_command(shell, 'findstr "^"')
    with pytest.raises(requests.exceptions.ConnectionError):
        protocol.send_command_input(shell, command, base64.b64encode(b"x" * 30000) + b"\r\n", end=True)
    assert running.session("flaky").run_cmd("ver").status_code == 0


def _run_without_cleanup(running: RunningLab, name: str, command: str) -> int:
    """A restart begins right after the command answers, so the cleanup calls would meet a closed port."""
    protocol = running.session(name).protocol
    shell = protocol.open_shell()
    _, _, rc = protocol.get_command_output(shell, protocol.run_command(shell, command))
    return int(rc)


def test_restart_takes_the_endpoint_away_and_applies_staged_files(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {"faults": {"restart_takes_s": 1}}})
    machine = running.host("w7").machine
    machine.staged_files[r"C:\Windows\System32\drivers\volsnap.sys"] = (b"MZ", "6.1.7600.17122")
    before = machine.boot_time
    assert _run_without_cleanup(running, "w7", "shutdown /r /t 0 /d p:2:17") == 0
    with pytest.raises(requests.exceptions.ConnectionError):
        running.session("w7").run_cmd("ver")
    time.sleep(1.2)
    answer = running.session("w7").run_cmd("wmic", ["os", "get", "LastBootUpTime", "/value", "<", "nul"])
    assert answer.status_code == 0 and before.strftime("%Y%m%d%H%M%S").encode() not in answer.std_out
    assert machine.volsnap_version() == "6.1.7600.17122"


def test_restart_never_returns(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {"faults": {"restart_never_returns": True}}})
    _run_without_cleanup(running, "w7", "shutdown /r /t 0")
    time.sleep(0.2)
    with pytest.raises(requests.exceptions.ConnectionError):
        running.session("w7").run_cmd("ver")


def test_stats_count_requests_and_commands(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {}})
    running.session("w7").run_cmd("ver")
    running.server.flush_stats()
    stats = read_stats(running.server.state_dir)["w7"]
    assert stats["commands"] == 1 and stats["shells"] == 1
    assert stats["requests"] >= 5 and stats["bytes_in"] > 1000 and stats["bytes_out"] > 1000


def test_stats_split_each_command_s_bytes_by_its_program(lab) -> None:  # type: ignore[no-untyped-def]
    running = lab({"w7": {}})
    protocol = running.session("w7").protocol
    shell = protocol.open_shell()
    payload = b"x" * 60_000 + b"\r\n"
    command = protocol.run_command(shell, 'findstr "^" > C:\\Windows\\Temp\\upload.b64')
    protocol.send_command_input(shell, command, payload, end=True)
    protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    command = protocol.run_command(shell, '"C:\\Windows\\System32\\CertUtil.EXE" -?')
    protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    running.server.flush_stats()
    stats = read_stats(running.server.state_dir)["w7"]
    by_tool = stats["wire_bytes_by_tool"]
    assert set(by_tool) == {"findstr", "certutil"}
    # base64 of the payload, plus four requests and their answers (Command, Send, Receive, Signal)
    assert len(payload) * 4 // 3 < by_tool["findstr"] < len(payload) * 4 // 3 + 8 * 2_500
    assert 0 < by_tool["certutil"] < 6 * 2_500  # Command, Receive, Signal and their answers
    assert sum(by_tool.values()) < stats["bytes_in"] + stats["bytes_out"]  # the shell's own requests are not a tool


def test_three_hundred_hosts_start_and_answer(lab) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    running = lab({f"h{i:03d}": {"auth": "basic"} for i in range(300)})

    def probe(name: str) -> bytes:
        return bytes(
            winrm.Session(
                f"http://127.0.0.1:{running.ports[name]}/wsman",
                auth=("Administrator", "Lab-Passw0rd!"),
                transport="basic",
            )
            .run_cmd("ver")
            .std_out
        )

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(probe, running.ports))
    assert len(answers) == 300 and all(b"[Version 6.1.7600]" in a for a in answers)
    assert time.monotonic() - started < 120
