"""HTTP authentication as WinRM does it: Basic, and NTLM (pyspnego as the acceptor) with WinRM message encryption
over HTTP ([MS-WSMV] 2.2.9.1.1: multipart/encrypted, a length-prefixed signature, then the sealed SOAP message)."""

from __future__ import annotations

import base64
import binascii
import os
import struct
import tempfile
from pathlib import Path

import spnego
from spnego.exceptions import SpnegoError

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{PROTOCOL}";boundary="Encrypted Boundary"'
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
NEGOTIATE_SCHEMES = ("negotiate", "ntlm")


class AuthFailed(Exception):
    """The client could not be authenticated, or its sealed message did not check out. Never says which part."""


def check_basic(authorization: str, username: str, password: str) -> bool:
    """Basic credentials as Windows compares them: user name case-insensitive, password exact."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given_user, separator, given_password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return bool(separator) and given_user.lower() == username.lower() and given_password == password


def negotiate_token(authorization: str) -> tuple[str, bytes] | None:
    """(scheme as the client wrote it, token) for `Negotiate <b64>` and `NTLM <b64>`; None for anything else."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() not in NEGOTIATE_SCHEMES or not value.strip():
        return None
    try:
        return scheme, base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


class UserFile:
    """A private file with one host's user in pyspnego's `DOMAIN:USER:PASSWORD` format (empty domain).

    pyspnego's acceptor reads the file named by NTLM_USER_FILE when it checks an AUTHENTICATE message. Hosts may
    share a user name with different passwords, so each host has its own file and the variable is pointed at it
    right before every step; the lab runs one event loop in one thread, so nothing else runs in between."""

    def __init__(self, directory: Path, username: str, password: str) -> None:
        fd, name = tempfile.mkstemp(prefix="ntlm-", suffix=".users", dir=directory)  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f":{username}:{password}\n")
        self.path = Path(name)

    def activate(self) -> None:
        os.environ["NTLM_USER_FILE"] = str(self.path)


class NtlmSession:
    """The NTLM acceptor of one TCP connection, and after the handshake its message sealing."""

    def __init__(self, users: UserFile) -> None:
        self._users = users
        users.activate()
        self._context = spnego.server(protocol="ntlm")

    @property
    def complete(self) -> bool:
        return bool(self._context.complete)

    def step(self, token: bytes) -> bytes | None:
        self._users.activate()
        try:
            return self._context.step(token)
        except SpnegoError as error:
            raise AuthFailed("the credentials were rejected") from error

    def seal(self, message: bytes) -> bytes:
        wrapped = self._context.wrap(message, encrypt=True).data
        signature, sealed = wrapped[:16], wrapped[16:]  # NTLM's signature is 16 bytes, ahead of the sealed data
        return (
            BOUNDARY
            + b"\r\n\tContent-Type: "
            + PROTOCOL.encode()
            + b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
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
        header, sealed = _split_encrypted(body)
        try:
            expected = int(header.split(b"Length=", 1)[1].split(b"\r\n", 1)[0])
            (signature_length,) = struct.unpack("<i", sealed[:4])
        except (IndexError, ValueError, struct.error) as error:
            raise AuthFailed("not an encrypted WinRM message") from error
        signature = sealed[4 : 4 + signature_length]
        try:
            message = self._context.unwrap(signature + sealed[4 + signature_length :]).data
        except SpnegoError as error:
            raise AuthFailed("the sealed message does not check out") from error
        if len(message) != expected:
            raise AuthFailed("the sealed message has the wrong length")
        return message


def _split_encrypted(body: bytes) -> tuple[bytes, bytes]:
    """(the part header with OriginalContent, the sealed payload) of a one-part multipart/encrypted body."""
    parts = [part for part in body.split(BOUNDARY + b"\r\n") if part]
    if len(parts) != 2 or PROTOCOL.encode() not in parts[0]:
        raise AuthFailed("not an encrypted WinRM message")
    payload = parts[1]
    if payload.endswith(BOUNDARY + b"--\r\n"):
        payload = payload[: -len(BOUNDARY + b"--\r\n")]
    prefix = b"\tContent-Type: application/octet-stream\r\n"
    if not payload.startswith(prefix):
        raise AuthFailed("not an encrypted WinRM message")
    return parts[0], payload[len(prefix) :]
