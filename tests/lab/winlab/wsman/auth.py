"""HTTP authentication as WinRM does it: Basic; NTLM and Kerberos through HTTP Negotiate (RFC 4559) and CredSSP
([MS-CSSP]), with pyspnego as the acceptor; and WinRM message encryption over HTTP ([MS-WSMV] 2.2.9.1:
multipart/encrypted, a length-prefixed encryption header, the sealed SOAP).

- NTLM: the encryption header is the NTLM message signature ([MS-NLMP] 3.4.4).
- Kerberos: the encryption header is the RFC 4121 per-message (Wrap) token header; pyspnego's wrap_winrm /
  unwrap_winrm lay it out as Windows does (gss_wrap_iov with header, data and padding buffers). When the client
  authenticated with the `Negotiate` scheme, as pywinrm does, the protocol is `application/HTTP-SPNEGO-session-
  encrypted` for Kerberos too ([MS-WSMV] 2.2.9.1.1); `application/HTTP-Kerberos-session-encrypted` belongs to the
  `Kerberos` scheme ([MS-WSMV] 2.2.9.1.2.1), which the lab does not offer (strict: such a client gets 401).
- CredSSP: `application/HTTP-CredSSP-session-encrypted` ([MS-WSMV] 2.2.9.1.3); the length field is the TLS trailer's,
  and the sealed data is the TLS record(s).
"""

from __future__ import annotations

import base64
import os
import ssl
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spnego
import spnego.tls
from spnego.exceptions import SpnegoError

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = b"application/HTTP-SPNEGO-session-encrypted"
CREDSSP_PROTOCOL = b"application/HTTP-CredSSP-session-encrypted"
CREDSSP_PART = 16384


class AuthFailed(Exception):
    pass


@dataclass
class NtlmUser:
    username: str
    password: str


class _SessionAcceptor:
    """An authenticated HTTP connection (Negotiate and CredSSP authenticate the connection, not the request) and
    the WinRM message encryption of its security context."""

    mechanism = ""
    scheme = "Negotiate"  # the HTTP authentication scheme, in Authorization and WWW-Authenticate
    protocol = PROTOCOL
    # CredSSP seals with TLS records, at most 2^14 bytes of plaintext each (RFC 5246 section 6.2.1), so a longer
    # message goes in 16 KiB parts under multipart/x-multi-encrypted ([MS-WSMV] 2.2.9.1.3.2); pywinrm sends it so.
    # The lab answers the same way (unconfirmed for Windows' answers; pywinrm reads one part or several alike).
    part_size: int | None = None

    def __init__(self, context: Any) -> None:
        self._context = context

    @property
    def complete(self) -> bool:
        return bool(self._context.complete)

    def _step(self, token: bytes) -> bytes | None:
        try:
            answer: bytes | None = self._context.step(token)
        except SpnegoError as error:
            raise AuthFailed(str(error)) from error
        except (AttributeError, ValueError) as error:
            # python-gssapi leaves a context that failed on its first token (a ticket this host has no key for)
            # unstarted, and pyspnego's flag read then fails: for the client it is a refused logon all the same.
            raise AuthFailed(f"the token was not accepted ({error})") from error
        return answer

    def seal(self, message: bytes) -> tuple[str, bytes]:
        """The Content-Type and the body of a sealed message: one part, or for CredSSP beyond 16 KiB one part per
        16 KiB under multipart/x-multi-encrypted."""
        size = self.part_size or max(len(message), 1)
        pieces = [message[i : i + size] for i in range(0, len(message), size)] or [b""]
        body = b"".join(self._sealed_part(piece) for piece in pieces) + BOUNDARY + b"--\r\n"
        kind = "multipart/x-multi-encrypted" if len(pieces) > 1 else "multipart/encrypted"
        return f'{kind};protocol="{self.protocol.decode()}";boundary="Encrypted Boundary"', body

    def _sealed_part(self, piece: bytes) -> bytes:
        wrapped = self._context.wrap_winrm(piece)
        return (
            BOUNDARY + b"\r\n\tContent-Type: " + self.protocol + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + str(len(piece)).encode()
            + b"\r\n"
            + BOUNDARY
            + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(wrapped.header))
            + wrapped.header
            + wrapped.data
        )

    def unseal(self, body: bytes) -> bytes:
        parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
        if len(parts) < 2 or len(parts) % 2:
            raise AuthFailed("not an encrypted WinRM message")
        return b"".join(self._unsealed_part(parts[i], parts[i + 1]) for i in range(0, len(parts), 2))

    def _unsealed_part(self, head: bytes, payload: bytes) -> bytes:
        if b"Length=" not in head or b"Content-Type: " + self.protocol + b"\r\n" not in head:
            raise AuthFailed("not a message encrypted with this session's protocol")
        expected = int(head.split(b"Length=")[1].split(b"\r\n")[0])
        if payload.endswith(BOUNDARY + b"--\r\n"):
            payload = payload[: -len(BOUNDARY + b"--\r\n")]
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        header_length = struct.unpack("<i", payload[:4])[0]
        header = payload[4 : 4 + header_length]
        try:
            message: bytes = self._context.unwrap_winrm(header, payload[4 + header_length :])
        except SpnegoError as error:
            raise AuthFailed(str(error)) from error
        if len(message) != expected:
            raise AuthFailed("encrypted length does not match")
        return message


class NtlmAcceptor(_SessionAcceptor):
    """NTLM, one acceptor context per TCP connection."""

    mechanism = "ntlm"

    def __init__(self, user_file: Path) -> None:
        self._user_file = user_file
        os.environ["NTLM_USER_FILE"] = str(user_file)  # read when the context is made and again at AUTHENTICATE
        super().__init__(spnego.server(protocol="ntlm"))

    def step(self, token: bytes) -> bytes | None:
        # pyspnego reads the user list when it checks the AUTHENTICATE message; each host has its own file and the
        # event loop is single-threaded, so pointing the variable at this host's file right here is race-free.
        os.environ["NTLM_USER_FILE"] = str(self._user_file)
        return self._step(token)


class KerberosAcceptor(_SessionAcceptor):
    """Kerberos through Negotiate for a host of the lab's realm (winlab.kerberos): raw Kerberos tokens (as pywinrm
    sends them) and SPNEGO-wrapped ones, as the Windows Negotiate package takes both (RFC 4559 section 4, RFC 4178).
    The host reads only its own keytab, so a ticket for another host's service principal fails as on Windows.
    NTLM is refused: these hosts stand for a domain that restricts NTLM by policy."""

    mechanism = "kerberos"

    def __init__(self, keytab: Path, user_principal: str, refuse_all: bool = False) -> None:
        self._keytab = keytab
        self._user_principal = user_principal
        self._refuse_all = refuse_all  # fault auth_refused: the host accepts no logon at all
        self._use_keytab()
        super().__init__(spnego.server(protocol="negotiate"))

    def _use_keytab(self) -> None:
        # MIT Kerberos resolves the acceptor's keytab from KRB5_KTNAME when the context acquires its credential,
        # which pyspnego's Negotiate does at the first step; the event loop is single-threaded, so this is race-free.
        os.environ["KRB5_KTNAME"] = f"FILE:{self._keytab}"

    def step(self, token: bytes) -> bytes | None:
        if token.startswith(b"NTLMSSP\x00"):
            raise AuthFailed("NTLM is not accepted on this host")
        self._use_keytab()
        answer = self._step(token)
        if self.complete:
            client = self._context.client_principal or ""
            if self._context.negotiated_protocol != "kerberos":
                raise AuthFailed("only Kerberos is accepted on this host")
            if self._refuse_all or client.casefold() != self._user_principal.casefold():
                raise AuthFailed(f"{client} may not log on to this host")
        return answer

    @property
    def delegated(self) -> bool:
        """The client forwarded its ticket-granting ticket (kerberos_delegation): a second hop would work."""
        return bool(self.complete and self._context.context_attr & spnego.ContextReq.delegate)


class CredSspAcceptor(_SessionAcceptor):
    """CredSSP ([MS-CSSP]) as WinRM takes it with `Authorization: CredSSP` ([MS-WSMV] 2.2.9.1.3.1.1): TLS, NTLM
    inside it (this host's user file), then the client delegates the user's password (TSPasswordCreds), which must
    be the account's. TLS stops at 1.2, the newest SChannel on these Windows versions speaks. pyspnego's acceptor is
    the one its own tests use ("a proof of concept and for use with testing"); good enough for a lab."""

    mechanism = "credssp"
    scheme = "CredSSP"
    protocol = CREDSSP_PROTOCOL
    part_size = CREDSSP_PART

    def __init__(self, user_file: Path, user: NtlmUser) -> None:
        self._user_file = user_file
        self._user = user
        os.environ["NTLM_USER_FILE"] = str(user_file)
        super().__init__(spnego.server(protocol="credssp", credssp_tls_context=_credssp_tls_context()))

    def step(self, token: bytes) -> bytes | None:
        os.environ["NTLM_USER_FILE"] = str(self._user_file)
        answer = self._step(token)
        if self.complete:
            delegated = self._context.get_extra_info("client_credential")
            given = (getattr(delegated, "username", "") or "").rpartition("\\")[2]
            if given.casefold() != self._user.username.casefold() or delegated.password != self._user.password:
                raise AuthFailed("the delegated credentials are not the account's")
        return answer


_TLS_CERTIFICATE: tuple[bytes, bytes, bytes] | None = None


def _credssp_tls_context() -> Any:
    """The acceptor's TLS: a self-signed certificate like WinRM's CredSSP one (made once per lab), TLS 1.2 at most."""
    global _TLS_CERTIFICATE
    if _TLS_CERTIFICATE is None:
        _TLS_CERTIFICATE = spnego.tls.generate_tls_certificate()
    certificate, key, public_key = _TLS_CERTIFICATE
    tls = spnego.tls.default_tls_context(usage="accept")
    with tempfile.TemporaryDirectory() as folder:  # load_cert_chain reads files only
        chain = Path(folder) / "credssp.pem"
        chain.write_bytes(certificate + key)
        tls.context.load_cert_chain(str(chain))
    tls.context.maximum_version = ssl.TLSVersion.TLSv1_2
    tls.public_key = public_key
    return tls


SessionAcceptor = NtlmAcceptor | KerberosAcceptor | CredSspAcceptor


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
