"""Small tools: vssadmin, findstr, hostname, whoami, wusa, powershell (certutil: tools_certutil.py)."""

from __future__ import annotations

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


# findstr's longest line from a pipe or a file, in bytes (the public list of its limits: FIDELITY.md, row `findstr`).
FINDSTR_LINE_LIMIT = 8191


@register_tool("findstr")
def findstr(ctx: ToolContext) -> int:
    """The subset the collection uses: `findstr "^"` (every line), /i, /v, /c:"literal", plain words."""
    options = [a.lower() for a in ctx.argv if a.startswith("/")]
    patterns = [a for a in ctx.argv if not a.startswith("/")]
    literal = [a[3:] for a in options if a.startswith("/c:")]
    ignore_case, invert = "/i" in options, "/v" in options
    data = ctx.stdin
    matched = False
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        if len(line.rstrip(b"\r\n")) > FINDSTR_LINE_LIMIT:
            # What findstr does after a line too long (skip it, stop, its errorlevel) is not documented: the lab takes
            # the strict reading, the line is not copied and the command fails (tests/lab/FIDELITY.md).
            ctx.error(f"FINDSTR: Line {number} is too long.")
            return 2
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
    # wusa refuses to run from a remote session (WinRM/WinRS) with 0x5, access denied: Microsoft KB2773898 ("Windows
    # Update Standalone Installer (WUSA) returns 0x5 ERROR_ACCESS_DENIED when deploying .msu files through WinRM").
    # The collection never runs it.
    return 5


@register_tool("powershell")
def powershell(ctx: ToolContext) -> int:
    # Only reached when the profile has PowerShell; the lab runs no PowerShell code, and says so.
    ctx.error("winlab: this host has PowerShell, but the lab does not emulate it")
    return 1
