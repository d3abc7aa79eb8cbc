"""HTTP authentication as WinRM does it: Basic, and NTLM (via pyspnego as the acceptor) with WinRM message
encryption over HTTP ([MS-WSMV] 2.2.9.1.1: multipart/encrypted, a length-prefixed signature, sealed SOAP)."""

from __future__ import annotations

import base64
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import spnego
from spnego.exceptions import SpnegoError

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = b"application/HTTP-SPNEGO-session-encrypted"
CONTENT_TYPE = 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'


class AuthFailed(Exception):
    pass


@dataclass
class NtlmUser:
    username: str
    password: str


class NtlmAcceptor:
    """One NTLM acceptor context per TCP connection (NTLM authenticates the connection, not the request)."""

    def __init__(self, user_file: Path) -> None:
        self._user_file = user_file
        os.environ["NTLM_USER_FILE"] = str(user_file)  # read when the context is made and again at AUTHENTICATE
        self._context = spnego.server(protocol="ntlm")

    @property
    def complete(self) -> bool:
        return bool(self._context.complete)

    def step(self, token: bytes) -> bytes | None:
        # pyspnego reads the user list when it checks the AUTHENTICATE message; each host has its own file and the
        # event loop is single-threaded, so pointing the variable at this host's file right here is race-free.
        os.environ["NTLM_USER_FILE"] = str(self._user_file)
        try:
            return self._context.step(token)
        except SpnegoError as error:
            raise AuthFailed(str(error)) from error

    def seal(self, message: bytes) -> bytes:
        wrapped = self._context.wrap(message, encrypt=True).data
        signature, sealed = wrapped[:16], wrapped[16:]
        return (
            BOUNDARY + b"\r\n\tContent-Type: " + PROTOCOL + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + str(len(message)).encode()
            + b"\r\n"
            + BOUNDARY
            + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(signature))
            + signature
            + sealed
            + BOUNDARY
            + b"--\r\n"
        )

    def unseal(self, body: bytes) -> bytes:
        parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
        if len(parts) < 2 or b"Length=" not in parts[0]:
            raise AuthFailed("not an encrypted WinRM message")
        expected = int(parts[0].split(b"Length=")[1].split(b"\r\n")[0])
        payload = parts[1]
        if payload.endswith(BOUNDARY + b"--\r\n"):
            payload = payload[: -len(BOUNDARY + b"--\r\n")]
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        signature_length = struct.unpack("<i", payload[:4])[0]
        signature = payload[4 : 4 + signature_length]
        try:
            message = self._context.unwrap(signature + payload[4 + signature_length :]).data
        except SpnegoError as error:
            raise AuthFailed(str(error)) from error
        if len(message) != expected:
            raise AuthFailed("encrypted length does not match")
        return message


def write_user_file(directory: Path, user: NtlmUser) -> Path:
    """A private file with this host's one user, in pyspnego's DOMAIN:USER:PASSWORD format (no domain)."""
    fd, name = tempfile.mkstemp(prefix="ntlm-", suffix=".users", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f":{user.username}:{user.password}\n")
    return Path(name)


def check_basic(header: str, username: str, password: str) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given_user, _, given_password = base64.b64decode(value).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return given_user.lower() == username.lower() and given_password == password
