"""CredSSP hosts as pywinrm (requests-credssp) reaches them: TLS inside HTTP, the delegated password, and WinRM
message encryption with 16 KiB parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, RunningLab
from requests_credssp.exceptions import NTStatusException

from winlab.stats import read_stats

SEC_E_LOGON_DENIED = 0x8009030C


@pytest.fixture
def running(lab: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunningLab:
    # requests-credssp tries Kerberos before NTLM: a krb5.conf without realms keeps that attempt on this machine.
    conf = tmp_path / "krb5.conf"
    conf.write_text("[libdefaults]\n  dns_lookup_kdc = false\n  dns_lookup_realm = false\n")
    monkeypatch.setenv("KRB5_CONFIG", str(conf))
    return lab({"c1": {"auth": "credssp"}, "refusing": {"auth": "credssp", "faults": {"auth_refused": True}}})


def test_credssp_logon_and_sealed_messages_in_16k_parts(running: RunningLab) -> None:
    session = running.session("c1")
    transport = session.protocol.transport
    original = transport._send_message_request
    exchanges: list[tuple[bytes, str, bytes]] = []

    def spy(s, prepared):  # type: ignore[no-untyped-def]
        response = original(s, prepared)
        exchanges.append((prepared.body or b"", response.headers.get("Content-Type", ""), response.content))
        return response

    transport._send_message_request = spy
    protocol = session.protocol
    shell = protocol.open_shell()
    command = protocol.run_command(shell, 'findstr "^"')
    data = b"TOPSECRET-MARKER\r\n" * 4000  # 72 KB in short lines (as findstr reads them): beyond one 16 KiB part
    protocol.send_command_input(shell, command, data, end=True)
    stdout, _, rc = protocol.get_command_output(shell, command)
    assert (stdout, rc) == (data, 0)
    bodies = [body for body, _, _ in exchanges if body]
    replies = [content for _, _, content in exchanges if content]
    assert bodies and all(b"TOPSECRET" not in b and b"Envelope" not in b for b in bodies + replies)
    assert all(b"Content-Type: application/HTTP-CredSSP-session-encrypted" in b for b in bodies)
    # A message beyond 16 KiB goes in 16 KiB parts ([MS-WSMV] 2.2.9.1.3.2, one TLS record each): the lab answers so.
    big = [(kind, content) for _, kind, content in exchanges if len(content) > 20000]
    assert big and all(kind.startswith("multipart/x-multi-encrypted") for kind, _ in big)
    assert all(content.count(b"OriginalContent") >= 2 for _, content in big)
    running.server.flush_stats()
    assert read_stats(running.server.state_dir)["c1"]["logons"] == {"credssp": 1}


def test_wrong_password_and_refusing_host(running: RunningLab) -> None:
    for name, password in (("c1", "wrong"), ("refusing", PASSWORD)):
        with pytest.raises(NTStatusException) as caught:
            running.session(name, password=password).run_cmd("ver")
        assert caught.value.status == SEC_E_LOGON_DENIED
