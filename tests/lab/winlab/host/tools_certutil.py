"""certutil.exe as each Windows release has it: -hashfile, -encode, -decode, -urlcache (tests/lab/FIDELITY.md).

Sources:
- Microsoft, "certutil" (Windows Commands): `certutil [options] -hashfile infile [hashalgorithm]`, `-encode`,
  `-decode`, `-URLCache`, option `-f` (force overwrite). https://learn.microsoft.com/windows-server/administration/
  windows-commands/certutil
- Microsoft KB938397 and KB968730: Windows Server 2003's CryptoAPI has no SHA-2 until one of them is installed;
  CryptoAPI answers an algorithm it lacks with NTE_BAD_ALGID 0x80090008 "Invalid algorithm specified".
- system76/docs#1108 and clearlinux/clear-linux-documentation#956: Windows 7's certutil needs the algorithm in upper
  case; Windows 10's takes either.
- sagishahar-zz/lpeworkshop#5: up to Windows 8.1 the hash is printed as byte pairs separated by spaces, from
  Windows 10 without. urbit/urbit-wallet-generator#3: Windows 10 output verbatim ("SHA512 hash of <file>:", the hex
  line, "CertUtil: -hashfile command completed successfully."; an unknown algorithm "… command FAILED: …").
- German output: "SHA256-Hash von <Datei>:" and "CertUtil: -hashfile-Befehl wurde erfolgreich ausgeführt." as German
  Windows 10 prints them (quoted in German how-tos); Windows 7's "… hash of file …" header becomes "… von Datei …".
- ReactOS's certutil (reactos/reactos, base/applications/cmdutils/certutil) writes its failure lines to stdout, as
  Windows' does; so does the lab.

Strict where unsure (each an unconfirmed ledger row): 2003's certutil refuses `-f` with -encode/-decode and has no
`-urlcache`; lower-case algorithm names are refused below Windows 10 (confirmed only for Windows 7); -hashfile without
an algorithm computes SHA-1 everywhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import urllib.error
import urllib.parse
import urllib.request

from winlab.host.filesystem import DiskFullError
from winlab.host.machine import Machine
from winlab.host.tools import ToolContext, register_tool

E_INVALIDARG = 0x80070057
E_FILE_EXISTS = 0x80070050
E_NOT_FOUND = 0x80070002
E_DISK_FULL = 0x80070070
NTE_BAD_DATA = 0x80090005
NTE_BAD_ALGID = 0x80090008
HTTP_NOT_FOUND = 0x80190194
CANNOT_CONNECT = 0x80072EFD
SHA2_KBS = frozenset({"KB938397", "KB968730"})  # what gives Windows Server 2003 SHA-2
_SHA2 = frozenset({"SHA256", "SHA384", "SHA512"})
_ALGORITHMS = frozenset({"MD2", "MD4", "MD5", "SHA1"}) | _SHA2
_OPTIONS = frozenset({"-f", "-split"})
_LOOPBACK = ("127.0.0.1", "localhost")


def has_sha2(machine: Machine) -> bool:
    return not machine.is_2003 or bool(SHA2_KBS & set(machine.profile.installed_kbs))


def _windows_10(machine: Machine) -> bool:
    return machine.profile.current_major_version is not None


@register_tool("certutil")
def certutil(ctx: ToolContext) -> int:
    options = {a.lower() for a in ctx.argv if a.lower() in _OPTIONS}
    args = [a for a in ctx.argv if a.lower() not in _OPTIONS]
    verb = args[0].lower() if args else ""
    if verb == "-hashfile" and len(args) in (2, 3):
        return _hashfile(ctx, args[1], args[2] if len(args) == 3 else None)
    if verb in ("-encode", "-decode") and len(args) == 3:
        if "-f" in options and ctx.machine.is_2003:  # unconfirmed that 2003's certutil has -f: strict
            return _failed(ctx, verb, E_INVALIDARG, "(WIN32: 87 ERROR_INVALID_PARAMETER)")
        return _code(ctx, verb, args[1], args[2], "-f" in options)
    if verb == "-urlcache" and not ctx.machine.is_2003 and len(args) == 3 and {"-f", "-split"} <= options:
        return _urlcache(ctx, args[1], args[2])
    ctx.print(ctx.text("CertUtil: Unknown arguments.", "CertUtil: Unbekannte Argumente."))
    return E_INVALIDARG


def _failed(ctx: ToolContext, verb: str, code: int, detail: str, reason: str | None = None) -> int:
    signed = code - (1 << 32) if code & 0x80000000 else code
    shown = detail or f"({signed})"
    ctx.print(
        ctx.text(
            f"CertUtil: {verb} command FAILED: 0x{code:08x} {shown}",
            f"CertUtil: {verb}-Befehl ist fehlgeschlagen: 0x{code:08x} {shown}",
        )
    )
    if reason:
        ctx.print(f"CertUtil: {reason}")
    return code


def _completed(ctx: ToolContext, verb: str) -> None:
    ctx.print(
        ctx.text(
            f"CertUtil: {verb} command completed successfully.",
            f"CertUtil: {verb}-Befehl wurde erfolgreich ausgeführt.",
        )
    )


def _hashfile(ctx: ToolContext, path: str, algorithm: str | None) -> int:
    machine = ctx.machine
    name = algorithm or "SHA1"  # no algorithm: SHA-1
    case_ok = _windows_10(machine) or name == name.upper()
    if name.upper() not in _ALGORITHMS or not case_ok or (name.upper() in _SHA2 and not has_sha2(machine)):
        reason = ctx.text("Invalid algorithm specified.", "Ungültiger Algorithmus angegeben.")
        return _failed(ctx, "-hashfile", NTE_BAD_ALGID, "", reason)
    entry = machine.files.read(ctx.resolve(path))
    if entry is None:
        reason = ctx.text(
            "The system cannot find the file specified.", "Das System kann die angegebene Datei nicht finden."
        )
        return _failed(ctx, "-hashfile", E_NOT_FOUND, "(WIN32: 2 ERROR_FILE_NOT_FOUND)", reason)
    digest = hashlib.new(name.lower(), entry.data).hexdigest()
    shown = digest if _windows_10(machine) else " ".join(digest[i : i + 2] for i in range(0, len(digest), 2))
    label, target = name.upper(), ctx.resolve(path)
    if _windows_10(machine):
        ctx.print(ctx.text(f"{label} hash of {target}:", f"{label}-Hash von {target}:"))
    else:
        ctx.print(ctx.text(f"{label} hash of file {target}:", f"{label}-Hash von Datei {target}:"))
    ctx.print(shown)
    _completed(ctx, "-hashfile")
    return 0


def _code(ctx: ToolContext, verb: str, source: str, target: str, force: bool) -> int:
    files = ctx.machine.files
    entry = files.read(ctx.resolve(source))
    if entry is None:
        return _failed(ctx, verb, E_NOT_FOUND, "(WIN32: 2 ERROR_FILE_NOT_FOUND)")
    if files.exists(ctx.resolve(target)) and not force:
        reason = ctx.text("The file exists.", "Die Datei ist vorhanden.")
        return _failed(ctx, verb, E_FILE_EXISTS, "(WIN32: 80 ERROR_FILE_EXISTS)", reason)
    if verb == "-encode":
        body = base64.b64encode(entry.data).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        output = (
            "-----BEGIN CERTIFICATE-----\r\n"
            + "".join(line + "\r\n" for line in lines)
            + "-----END CERTIFICATE-----\r\n"
        ).encode()
    else:
        text = entry.data.decode("latin-1")
        payload = "".join(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("-----"))
        try:
            output = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return _failed(
                ctx, verb, NTE_BAD_DATA, "(-2146893819 NTE_BAD_DATA)", ctx.text("Bad Data.", "Ungültige Daten.")
            )
    try:
        files.write(ctx.resolve(target), output)
    except DiskFullError:
        reason = ctx.text(
            "There is not enough space on the disk.", "Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden."
        )
        return _failed(ctx, verb, E_DISK_FULL, "(WIN32: 112 ERROR_DISK_FULL)", reason)
    ctx.print(ctx.text(f"Input Length = {len(entry.data)}", f"Eingabelänge = {len(entry.data)}"))
    ctx.print(ctx.text(f"Output Length = {len(output)}", f"Ausgabelänge = {len(output)}"))
    _completed(ctx, verb)
    return 0


def _urlcache(ctx: ToolContext, url: str, target: str) -> int:
    """`certutil -urlcache -split -f URL file` (Vista and later): the host downloads the package itself. The lab
    fetches from loopback only (it must never send traffic elsewhere); anything else fails as an unreachable server
    would."""
    parsed = urllib.parse.urlsplit(url)
    try:
        if parsed.scheme not in ("http", "https") or parsed.hostname not in _LOOPBACK:
            raise urllib.error.URLError("not a loopback URL")
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except urllib.error.HTTPError as error:
        return _failed(ctx, "-URLCache", HTTP_NOT_FOUND, f"(HTTP_E_STATUS_{error.code})")
    except (urllib.error.URLError, OSError):
        reason = "A connection with the server could not be established"
        return _failed(ctx, "-URLCache", CANNOT_CONNECT, "(WinHttp: 12029 ERROR_WINHTTP_CANNOT_CONNECT)", reason)
    try:
        ctx.machine.files.write(ctx.resolve(target), data)
    except DiskFullError:
        return _failed(ctx, "-URLCache", E_DISK_FULL, "(WIN32: 112 ERROR_DISK_FULL)")
    ctx.print("****  Online  ****")
    ctx.print("  000000  ...")
    ctx.print(f"  {len(data):06x}")
    _completed(ctx, "-URLCache")
    return 0
