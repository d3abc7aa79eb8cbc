# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How much stdin fits in one WinRM request.

A host refuses a request larger than its MaxEnvelopeSizekb (HTTP 413). The setting defaults to 150 on the WinRM of
these Windows versions ([MS-WSMV] 2.2.4.10 ConfigType: "MAY be 150"; it also "limit[s] the size of client request
packets"), so a request, SOAP envelope and message encryption included, must stay within 150 * 1024 bytes. pywinrm
announces the same number as w:MaxEnvelopeSize (Protocol.DEFAULT_MAX_ENV_SIZE = 153600).

A stdin Send is pywinrm's envelope (1745 bytes with pywinrm 0.5.0, whatever the host name) around the base64 of the
bytes sent. Message encryption (pywinrm winrm/encryption.py, [MS-WSMV] 2.2.9.1) wraps the envelope in a MIME part
with a length-prefixed signature (NTLM, Kerberos); CredSSP seals it in 16 KiB pieces, each with its own MIME part
and TLS record. The budgets below are upper bounds of those overheads; tests/unit check them against pywinrm's own
message building.
"""

from __future__ import annotations

MAX_ENVELOPE_BYTES = 150 * 1024
SEND_ENVELOPE_BUDGET = 2048  # pywinrm's Send envelope without the data: 1745 bytes, plus room for its growth
ENCRYPTED_PART_BUDGET = 512  # one MIME part: headers (~240 bytes), length, signature or TLS record overhead (<= 128)
TRAILER_BUDGET = 64  # the closing "--Encrypted Boundary--" line
CREDSSP_PIECE = 16 * 1024  # pywinrm encrypts CredSSP messages in pieces of this size
_ENCRYPTING = {"ntlm": 1, "kerberos": 1}  # transports that wrap the whole message in one encrypted part


class ChunkSizeError(ValueError):
    """A stdin chunk that cannot fit in one request."""


def encryption_budget(transport: str, limit: int = MAX_ENVELOPE_BYTES) -> int:
    """Bytes that message encryption may add to a request of at most `limit` bytes (0 where nothing is wrapped)."""
    if transport == "credssp":
        return -(-limit // CREDSSP_PIECE) * ENCRYPTED_PART_BUDGET + TRAILER_BUDGET
    if transport in _ENCRYPTING:
        return ENCRYPTED_PART_BUDGET + TRAILER_BUDGET
    return 0  # basic, certificate: the body is the envelope (TLS, if any, is outside the HTTP body)


def max_stdin_chunk(transport: str, limit: int = MAX_ENVELOPE_BYTES) -> int:
    """The most stdin bytes one Send may carry with this transport: base64 grows them by 4/3."""
    room = limit - encryption_budget(transport, limit) - SEND_ENVELOPE_BUDGET
    return room // 4 * 3


def stdin_chunk(transport: str, wanted: int | None, limit: int = MAX_ENVELOPE_BYTES) -> int:
    """The chunk to use: `wanted` if given and it fits, else the largest that fits; raises ChunkSizeError."""
    most = max_stdin_chunk(transport, limit)
    if wanted is None:
        return most
    if wanted < 1 or wanted > most:
        raise ChunkSizeError(
            f"transfer_chunk_size {wanted} is outside 1..{most}, the most stdin bytes that fit in one "
            f"{limit // 1024} KB WinRM request (MaxEnvelopeSizekb) with transport {transport}"
        )
    return wanted


def pieces(data: bytes, size: int) -> list[bytes]:
    """`data` cut into Send payloads of at most `size` bytes (one empty piece for no data)."""
    return [data[start : start + size] for start in range(0, len(data), size)] or [b""]
