"""The winrs connection against the lab: transports, raw, transfers, failures an operator can act on, secrets."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest
from ansible.errors import AnsibleConnectionFailure, AnsibleError
from conftest import DEFAULTS, W7, W2003, Lab, init_collection_loader, note_test_line, run_ansible

PASSWORD = DEFAULTS["password"]


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {
            "defaults": DEFAULTS,
            "hosts": {
                "w7": W7,
                "w7basic": {**W7, "auth": "basic"},
                "w2003": W2003,
                "flaky": {**W7, "faults": {"drop_after_bytes": 400000}},
                "gone": {**W7, "faults": {"unreachable": True}},
                "slow": {**W7, "faults": {"slow_ms": 2500}},
                "full": {**W7, "faults": {"disk_full": True}},
            },
        }
    )


def connection(lab: Lab, name: str, **options: Any) -> Any:
    from ansible.playbook.play_context import PlayContext
    from ansible.plugins.loader import connection_loader

    init_collection_loader()
    host = lab.hosts[name]
    conn = connection_loader.get("winfix.volsnap.winrs", PlayContext(), None)
    send = conn.exec_command
    conn.exec_command = lambda cmd, *a, **k: send(note_test_line(cmd), *a, **k)  # the test's own lines
    conn.set_options(
        direct={
            "remote_addr": "127.0.0.1",
            "port": host.port,
            "remote_user": host.user,
            "remote_password": options.pop("password", host.password),
            "transport": host.transport,
            "scheme": "http",
            **options,
        }
    )
    return conn


def test_raw_ver_through_ansible_on_hosts_with_and_without_powershell(lab: Lab) -> None:
    done = run_ansible("ansible", "-i", str(lab.inventory), "w7:w7basic:w2003", "-m", "raw", "-a", "ver")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "w2003 | CHANGED | rc=0" in done.stdout and "Microsoft Windows [Version 5.2.3790]" in done.stdout
    assert done.stdout.count("Microsoft Windows [Version 6.1.7600]") == 2


@pytest.mark.parametrize("size", [0, 1, 1000, 5 * 1024 * 1024])
@pytest.mark.parametrize("name", ["w7", "w7basic", "w2003"])
def test_put_and_fetch_round_trip(lab: Lab, tmp_path: Path, name: str, size: int) -> None:
    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    source = tmp_path / "in.bin"
    source.write_bytes(data)
    conn = connection(lab, name)
    temp = r"C:\WINDOWS\Temp" if name == "w2003" else r"C:\Windows\Temp"
    target = rf"{temp}\round trip & {size}.bin"
    conn.put_file(str(source), target)
    # A stock Server 2003 has no SHA-2: the bytes are proven with SHA-1, read from the host's answer.
    host_hash = "sha1" if name == "w2003" else "sha256"
    assert conn.last_transfer_hash == (host_hash if size else None)  # an empty file is created, not checked
    conn.fetch_file(target, str(tmp_path / "back.bin"))
    assert conn.last_transfer_hash == host_hash
    assert hashlib.sha256((tmp_path / "back.bin").read_bytes()).digest() == hashlib.sha256(data).digest()
    listing = conn.exec_command(rf"dir /b {temp}")[1].decode()
    assert f"round trip & {size}.bin" in listing and ".b64" not in listing and ".part" not in listing
    conn.close()


@pytest.mark.fault("request-size")
def test_uploads_use_console_mode_off_and_every_request_fits_150_kb(lab: Lab, tmp_path: Path) -> None:
    from winlab.stats import read_stats

    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(600 * 1024))
    for name in ("w7", "w7basic"):
        before = len(lab.command_lines(name))
        conn = connection(lab, name)
        conn.put_file(str(source), r"C:\Windows\Temp\big.bin")
        conn.close()
        lines = lab.command_lines(name)[before:]
        uploads = [line for line in lines if line["line"].startswith('findstr "^"')]
        assert len(uploads) == 1 and uploads[0]["console_mode_stdin"] is False, lines
        assert all(line["console_mode_stdin"] is True for line in lines if line not in uploads)
    time.sleep(1)  # the lab writes its counters twice a second
    stats = read_stats(lab.state_dir)
    for name in ("w7", "w7basic"):
        assert stats[name]["oversized_requests"] == 0
        # The largest request is a full stdin chunk: close to the limit, never above it.
        assert 140 * 1024 < stats[name]["largest_request"] <= 150 * 1024, stats[name]["largest_request"]


@pytest.mark.fault("request-size")
def test_a_chunk_size_that_cannot_fit_is_refused_before_anything_is_sent(lab: Lab, tmp_path: Path) -> None:
    source = tmp_path / "x.bin"
    source.write_bytes(b"x" * 1000)
    before = len(lab.command_lines("w7"))
    with pytest.raises(AnsibleError, match=r"transfer_chunk_size 250000 is outside 1\.\.\d+.*nothing was sent"):
        connection(lab, "w7", transfer_chunk_size=250000).put_file(str(source), r"C:\Windows\Temp\x.bin")
    assert len(lab.command_lines("w7")) == before


@pytest.mark.fault("cmd-quotes")
def test_raw_runs_a_line_that_starts_with_a_quote_as_written(lab: Lab) -> None:
    line = r'"reg" query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v CurrentVersion'
    done = run_ansible("ansible", "-i", str(lab.inventory), "w2003", "-m", "raw", "-a", line)
    assert done.returncode == 0 and "CurrentVersion" in done.stdout and "5.2" in done.stdout, done.stdout
    sent = lab.command_lines("w2003")[-1]
    assert sent["line"] == f'"{line}"' and sent["runs"] == line


@pytest.mark.fault("cut-mid-transfer")
def test_cut_connection_mid_transfer_leaves_nothing_at_the_target(lab: Lab, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(1024 * 1024))
    conn = connection(lab, "flaky")
    with pytest.raises(AnsibleError):
        conn.put_file(str(source), r"C:\Windows\Temp\package.msu")
    conn.close()
    again = connection(lab, "flaky")
    assert "package.msu" not in again.exec_command(r"dir /b C:\Windows\Temp")[1].decode()
    again.put_file(str(source), r"C:\Windows\Temp\package.msu")  # a rerun completes the job
    assert "package.msu" in again.exec_command(r"dir /b C:\Windows\Temp")[1].decode()


@pytest.mark.fault("disk-full")
def test_disk_full_fails_cleanly(lab: Lab, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(b"\x01" * 100000)
    conn = connection(lab, "full")
    with pytest.raises(AnsibleError, match="not enough space"):
        conn.put_file(str(source), r"C:\Windows\Temp\package.msu")
    assert "package" not in conn.exec_command(r"dir /b C:\Windows\Temp")[1].decode()


@pytest.mark.fault("injection-paths")
def test_unsafe_target_is_refused_before_anything_is_sent(lab: Lab, tmp_path: Path) -> None:
    source = tmp_path / "x.bin"
    source.write_bytes(b"x")
    conn = connection(lab, "w7")
    before = len(lab.commands("w7"))
    for target in (r"C:\Temp\%PATH%.msu", r'C:\Temp\a".msu', "relative.msu", r"C:\Temp\*.msu"):
        with pytest.raises(AnsibleError, match="refusing"):
            conn.put_file(str(source), target)
    assert len(lab.commands("w7")) == before


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("w7", {"password": "wrong"}, "authentication failed"),
        ("gone", {}, "cannot reach the WinRM endpoint"),
        ("slow", {"read_timeout": 2, "operation_timeout": 1}, "timed out"),
    ],
)
@pytest.mark.fault("unreachable")
@pytest.mark.fault("auth-refused")
@pytest.mark.fault("timeout")
def test_failures_name_host_endpoint_and_transport(lab: Lab, name: str, options: dict[str, Any], expected: str) -> None:
    conn = connection(lab, name, **options)
    with pytest.raises(AnsibleConnectionFailure) as caught:
        conn.exec_command("ver")
    message = str(caught.value)
    assert expected in message
    assert f"http://127.0.0.1:{lab.hosts[name].port}/wsman" in message and "transport ntlm" in message
    assert PASSWORD not in message and "wrong" not in message.replace("went wrong", "")


@pytest.mark.fault("timeout")
def test_slow_host_within_the_timeout_works(lab: Lab) -> None:
    assert connection(lab, "slow", operation_timeout=5, read_timeout=10).exec_command("ver")[0] == 0
    assert connection(lab, "slow").exec_command("ver")[0] == 0  # read timeout: the operation timeout (20) + 10


def test_a_read_timeout_not_above_the_operation_timeout_is_refused_before_connecting(lab: Lab) -> None:
    before = len(lab.commands("w7"))
    with pytest.raises(AnsibleError, match=r"read_timeout_sec \(10\) must be above .*operation_timeout_sec \(20\)"):
        connection(lab, "w7", read_timeout=10).exec_command("ver")
    assert len(lab.commands("w7")) == before


@pytest.mark.fault("secrets")
def test_no_secret_at_vvvvv(lab: Lab) -> None:
    done = run_ansible("ansible", "-i", str(lab.inventory), "w7:w2003:gone", "-m", "raw", "-a", "ver", "-vvvvv")
    output = done.stdout + done.stderr
    assert "Microsoft Windows [Version 6.1.7600]" in output  # the run really happened
    assert PASSWORD not in output
    assert "Authorization" not in output and "TlRMTVNT" not in output  # no header, no NTLM token (base64 "NTLMSSP")
