"""Small tools: vssadmin, certutil, findstr, hostname, whoami, wusa, powershell."""

from __future__ import annotations

import base64
import binascii
import hashlib
import urllib.error
import urllib.parse
import urllib.request

from winlab.host.filesystem import DiskFullError
from winlab.host.tools import ToolContext, register_tool

# vssadmin 1.1 banner and list format: Microsoft's vssadmin documentation (Windows Server 2003-2008 R2 output).
_VSS_BANNER = (
    "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool",
    "vssadmin 1.1 - Verwaltungsbefehlszeilenprogramm des Volumeschattenkopie-Dienstes",
)


@register_tool("vssadmin")
def vssadmin(ctx: ToolContext) -> int:
    ctx.print(ctx.text(*_VSS_BANNER))
    ctx.print("(C) Copyright 2001-2005 Microsoft Corp.")
    ctx.print()
    if [a.lower() for a in ctx.argv[:2]] != ["list", "shadows"]:
        ctx.error(ctx.text("Error: Invalid command.", "Fehler: Ungültiger Befehl."))
        return 1
    copies = ctx.machine.profile.shadow_copies
    if copies == 0:
        ctx.print(
            ctx.text("No items found that satisfy the query.", "Keine Elemente gefunden, die die Abfrage erfüllen.")
        )
        return 0
    for index in range(copies):
        ctx.print(
            ctx.text("Contents of shadow copy set ID: ", "Inhalt der Schattenkopiesatzkennung: ")
            + f"{{3f0c1a52-0000-4000-8000-{index:012x}}}"
        )
        ctx.print(
            "   "
            + ctx.text(
                "Contained 1 shadow copies at creation time: 11/20/2012 9:30:00 AM",
                "1 Schattenkopie war zur Erstellungszeit enthalten: 20.11.2012 09:30:00",
            )
        )
        ctx.print(
            "      "
            + ctx.text("Shadow Copy ID: ", "Schattenkopiekennung: ")
            + f"{{9a7d0c11-0000-4000-8000-{index:012x}}}"
        )
        ctx.print(
            "         "
            + ctx.text("Original Volume: ", "Originalvolume: ")
            + "(C:)\\\\?\\Volume{5b5c9a5a-0000-0000-0000-100000000000}\\"
        )
        ctx.print(
            "         "
            + ctx.text("Shadow Copy Volume: ", "Schattenkopievolume: ")
            + f"\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy{index + 1}"
        )
        ctx.print()
    return 0


# certutil: formats from Microsoft's certutil documentation and Windows 7 console output: -hashfile prints the
# hash as space-separated byte pairs up to Windows 8.1 (no spaces from Windows 10); every verb ends with
# "CertUtil: -<verb> command completed successfully." and fails with an HRESULT exit code.
_E_FILE_EXISTS = 0x80070050
_NTE_BAD_DATA = 0x80090005
_E_NOT_FOUND = 0x80070002
_E_DISK_FULL = 0x80070070


@register_tool("certutil")
def certutil(ctx: ToolContext) -> int:
    args = [a for a in ctx.argv if a.lower() != "-f"]
    force = len(args) != len(ctx.argv)
    if not args:
        ctx.error("CertUtil: Unknown arguments.")
        return 0x80070057
    verb = args[0].lower()
    if verb == "-hashfile" and len(args) >= 2:
        return _hashfile(ctx, args[1], args[2] if len(args) > 2 else "SHA1")
    if verb in ("-encode", "-decode") and len(args) == 3:
        return _code(ctx, verb, args[1], args[2], force)
    if verb == "-urlcache" and len(args) == 4 and args[1].lower() == "-split":
        return _urlcache(ctx, args[2], args[3])
    ctx.error(f"CertUtil: {args[0]} command FAILED: 0x80070057 (WIN32: 87 ERROR_INVALID_PARAMETER)")
    return 0x80070057


def _hashfile(ctx: ToolContext, path: str, algorithm: str) -> int:
    entry = ctx.machine.files.read(ctx.resolve(path))
    try:
        digest = hashlib.new(algorithm.lower(), entry.data if entry else b"").hexdigest()
    except ValueError:
        ctx.error("CertUtil: -hashfile command FAILED: 0x80090008 (-2146893816 NTE_BAD_ALGID)")
        return 0x80090008
    if entry is None:
        ctx.error("CertUtil: -hashfile command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)")
        ctx.error(
            "CertUtil: "
            + ctx.text(
                "The system cannot find the file specified.", "Das System kann die angegebene Datei nicht finden."
            )
        )
        return _E_NOT_FOUND
    spaced = ctx.machine.profile.current_major_version is None
    shown = " ".join(digest[i : i + 2] for i in range(0, len(digest), 2)) if spaced else digest
    ctx.print(f"{algorithm.upper()} hash of file {ctx.resolve(path)}:")
    ctx.print(shown)
    ctx.print("CertUtil: -hashfile command completed successfully.")
    return 0


def _code(ctx: ToolContext, verb: str, source: str, target: str, force: bool) -> int:
    files = ctx.machine.files
    entry = files.read(ctx.resolve(source))
    if entry is None:
        ctx.error(f"CertUtil: {verb} command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)")
        return _E_NOT_FOUND
    if files.exists(ctx.resolve(target)) and not force:
        ctx.error(f"CertUtil: {verb} command FAILED: 0x80070050 (WIN32: 80 ERROR_FILE_EXISTS)")
        ctx.error("CertUtil: The file exists.")
        return _E_FILE_EXISTS
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
            ctx.error("CertUtil: -decode command FAILED: 0x80090005 (-2146893819 NTE_BAD_DATA)")
            ctx.error(ctx.text("CertUtil: Bad Data.", "CertUtil: Ungültige Daten."))
            return _NTE_BAD_DATA
    try:
        files.write(ctx.resolve(target), output)
    except DiskFullError:
        ctx.error(f"CertUtil: {verb} command FAILED: 0x80070070 (WIN32: 112 ERROR_DISK_FULL)")
        ctx.error(
            ctx.text(
                "CertUtil: There is not enough space on the disk.",
                "CertUtil: Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.",
            )
        )
        return _E_DISK_FULL
    ctx.print(f"Input Length = {len(entry.data)}")
    ctx.print(f"Output Length = {len(output)}")
    ctx.print(f"CertUtil: {verb} command completed successfully.")
    return 0


_HTTP_NOT_FOUND = 0x80190194
_CANNOT_CONNECT = 0x80072EFD
_LOOPBACK = ("127.0.0.1", "localhost")


def _urlcache(ctx: ToolContext, url: str, target: str) -> int:
    """`certutil -urlcache -split -f URL file`: the host downloads the package itself. The lab fetches from
    loopback only (it must never send traffic elsewhere); anything else fails as an unreachable server would."""
    parsed = urllib.parse.urlsplit(url)
    try:
        if parsed.scheme not in ("http", "https") or parsed.hostname not in _LOOPBACK:
            raise urllib.error.URLError("not a loopback URL")
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except urllib.error.HTTPError as error:
        ctx.error(f"CertUtil: -URLCache command FAILED: 0x80190194 (HTTP_E_STATUS_{error.code})")
        return _HTTP_NOT_FOUND
    except (urllib.error.URLError, OSError):
        ctx.error("CertUtil: -URLCache command FAILED: 0x80072efd (WinHttp: 12029 ERROR_WINHTTP_CANNOT_CONNECT)")
        ctx.error("CertUtil: A connection with the server could not be established")
        return _CANNOT_CONNECT
    try:
        ctx.machine.files.write(ctx.resolve(target), data)
    except DiskFullError:
        ctx.error("CertUtil: -URLCache command FAILED: 0x80070070 (WIN32: 112 ERROR_DISK_FULL)")
        return _E_DISK_FULL
    ctx.print("****  Online  ****")
    ctx.print("  000000  ...")
    ctx.print(f"  {len(data):06x}")
    ctx.print("CertUtil: -URLCache command completed successfully.")
    return 0


@register_tool("findstr")
def findstr(ctx: ToolContext) -> int:
    """The subset the collection uses: `findstr "^"` (every line), /i, /v, /c:"literal", plain words."""
    options = [a.lower() for a in ctx.argv if a.startswith("/")]
    patterns = [a for a in ctx.argv if not a.startswith("/")]
    literal = [a[3:] for a in options if a.startswith("/c:")]
    ignore_case, invert = "/i" in options, "/v" in options
    data = ctx.stdin
    matched = False
    for line in data.splitlines(keepends=True):
        text = line.rstrip(b"\r\n").decode("latin-1")
        probe = text.lower() if ignore_case else text
        terms = literal or [w for p in patterns for w in p.split()]
        hit = any(t == "^" or (t.lower() if ignore_case else t) in probe for t in terms)
        if hit != invert:
            matched = True
            ctx.raw_out += line if line.endswith(b"\n") else line + b"\r\n"
    return 0 if matched else 1


@register_tool("hostname")
def hostname(ctx: ToolContext) -> int:
    ctx.print(ctx.machine.profile.name.upper()[:15])
    return 0


@register_tool("whoami")
def whoami(ctx: ToolContext) -> int:
    ctx.print(f"{ctx.machine.profile.name.upper()[:15].lower()}\\{ctx.machine.profile.username.lower()}")
    return 0


@register_tool("wusa")
def wusa(ctx: ToolContext) -> int:
    # legacy-windows.md §4: wusa refuses to run from a remote session (WinRM/WinRS) with 0x5, access denied.
    return 5


@register_tool("powershell")
def powershell(ctx: ToolContext) -> int:
    # Only reached when the profile has PowerShell; the lab runs no PowerShell code, and says so.
    ctx.error("winlab: this host has PowerShell, but the lab does not emulate it")
    return 1
