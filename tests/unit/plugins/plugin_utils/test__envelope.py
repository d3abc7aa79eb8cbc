"""The stdin chunk fits one 150 KB request with every transport: measured on pywinrm's own Send message and its
message-encryption framing (winrm/encryption.py), with each transport's wrap replaced by one that adds that
transport's largest overhead."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
import requests.auth
from winrm.encryption import Encryption
from winrm.protocol import Protocol

from ansible_collections.winfix.volsnap.plugins.plugin_utils._envelope import (
    MAX_ENVELOPE_BYTES,
    SEND_ENVELOPE_BUDGET,
    ChunkSizeError,
    max_stdin_chunk,
    pieces,
    stdin_chunk,
)

ENDPOINT = "http://a-rather-long-host-name.example.internal:5985/wsman"
TLS12_CBC_SHA384_RECORD = 5 + 16 + 48 + 16  # record header, explicit IV, MAC, the most padding: TLS's worst case


class _NtlmSecurity:
    """NTLM sealing (RC4) keeps the length and adds a 16-byte signature (MS-NLMP 3.4.4)."""

    def wrap(self, message: bytes) -> tuple[bytes, bytes]:
        return message, b"s" * 16


class _Kerberos:
    """Kerberos wrap: a GSS token header as signature (up to 60 bytes for AES-CTS, RFC 4121) and padding."""

    def wrap_winrm(self, host: Any, message: bytes) -> tuple[bytes, bytes]:
        return message + b"p" * 16, b"s" * 60


class _TlsConnection:
    def get_cipher_name(self) -> str:
        return "ECDHE-RSA-AES256-SHA384"


class _CredSSPContext:
    tls_connection = _TlsConnection()

    def wrap(self, message: bytes) -> bytes:
        return message + b"t" * TLS12_CBC_SHA384_RECORD


class _PassThrough(requests.auth.AuthBase):
    """Stands for the transport's auth handler: the handshake is not part of what is measured."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def _send_message(chunk: bytes) -> bytes:
    protocol = Protocol(ENDPOINT, transport="basic", username="u", password="p")
    sent: list[str] = []
    protocol.send_message = lambda message: sent.append(message) or b""  # type: ignore[method-assign]
    protocol.send_command_input(str(uuid.uuid4()).upper(), str(uuid.uuid4()).upper(), chunk, end=False)
    return sent[0].encode("utf-8")


def _request_body(transport: str, message: bytes) -> bytes:
    if transport in ("basic", "certificate"):
        return message
    session = requests.Session()
    auth: Any = _PassThrough()
    if transport == "ntlm":
        auth.session_security = _NtlmSecurity()
    elif transport == "kerberos":
        auth.wrap_winrm = _Kerberos().wrap_winrm
    else:
        auth.contexts = {"a-rather-long-host-name.example.internal": _CredSSPContext()}
    session.auth = auth
    prepared = Encryption(session, transport).prepare_encrypted_request(session, ENDPOINT, message)
    return prepared.body  # type: ignore[return-value]


def test_the_send_envelope_fits_its_budget() -> None:
    assert len(_send_message(b"")) <= SEND_ENVELOPE_BUDGET


@pytest.mark.parametrize("transport", ["basic", "certificate", "ntlm", "kerberos", "credssp"])
def test_the_largest_chunk_fits_one_request_with_encryption(transport: str) -> None:
    chunk = max_stdin_chunk(transport)
    body = _request_body(transport, _send_message(b"x" * chunk))
    assert len(body) <= MAX_ENVELOPE_BYTES, (transport, len(body))
    assert len(body) > MAX_ENVELOPE_BYTES - 6 * 1024, "the budgets waste more than they need"


def test_the_limit_is_150_kib_as_pywinrm_announces() -> None:
    assert MAX_ENVELOPE_BYTES == Protocol.DEFAULT_MAX_ENV_SIZE == 153600


def test_a_chunk_above_the_limit_is_refused_and_a_smaller_one_kept() -> None:
    most = max_stdin_chunk("credssp")
    assert stdin_chunk("credssp", None) == most
    assert stdin_chunk("credssp", 98304) == 98304
    for wanted in (most + 1, 250000, 0):
        with pytest.raises(ChunkSizeError, match=rf"transfer_chunk_size {wanted} is outside 1\.\.{most}"):
            stdin_chunk("credssp", wanted)


def test_pieces_cover_the_data_within_the_size() -> None:
    data = bytes(range(256)) * 1000
    parts = pieces(data, 1000)
    assert b"".join(parts) == data and max(len(p) for p in parts) == 1000
    assert pieces(b"", 10) == [b""]
