"""cmd.exe built-in commands (not echo/if, which the interpreter handles): ver, set, exit, type, del, move, copy,
mkdir, rmdir, cd, dir, start, date, time, rem, cls, hostname-free. Output texts follow cmd.exe on the host's locale."""

from __future__ import annotations

import fnmatch
import ntpath
from collections.abc import Callable
from typing import TYPE_CHECKING

from winlab.host.cmdparse import Simple
from winlab.host.filesystem import AccessDeniedError, DiskFullError, FileEntry
from winlab.host.machine import Machine
from winlab.host.tools import ExitRequest

if TYPE_CHECKING:
    from winlab.host.interpreter import Interpreter, Streams

Builtin = Callable[["Interpreter", list[str], Simple, "Streams"], int]
BUILTINS: dict[str, Builtin] = {}


def builtin(*names: str) -> Callable[[Builtin], Builtin]:
    def decorate(function: Builtin) -> Builtin:
        for name in names:
            BUILTINS[name] = function
        return function

    return decorate


def _say(sh: Interpreter, streams: Streams, text: str) -> None:
    streams.out += sh.encode(text + "\r\n")


def _fail(sh: Interpreter, streams: Streams, english: str, german: str) -> None:
    streams.err += sh.encode((german if sh.machine.german else english) + "\r\n")


def access_denied(sh: Interpreter, streams: Streams) -> None:
    """ERROR_ACCESS_DENIED's system message, as cmd prints it (learn.microsoft.com/windows/win32/debug/
    system-error-codes--0-499-: "ERROR_ACCESS_DENIED 5 (0x5) Access is denied.")."""
    _fail(sh, streams, "Access is denied.", "Zugriff verweigert")


def _file_not_found(sh: Interpreter, streams: Streams) -> None:
    _fail(
        sh, streams, "The system cannot find the file specified.", "Das System kann die angegebene Datei nicht finden."
    )


def _source_and_target(sh: Interpreter, argv: list[str], streams: Streams) -> tuple[FileEntry, str] | None:
    """move/copy: exactly two paths, and a source that exists (else cmd's message, and None)."""
    paths = [a for a in argv if not a.startswith("/")]
    if len(paths) != 2:
        _fail(sh, streams, "The syntax of the command is incorrect.", "Die Syntax für den Befehl ist falsch.")
        return None
    source, target = (sh.resolve_path(p) for p in paths)
    entry = sh.machine.files.read(source)
    if entry is None:
        _file_not_found(sh, streams)
        return None
    return entry, target


@builtin("ver")
def _ver(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    # Source: `ver` on each release prints a blank line and "Microsoft Windows [Version 6.1.7600]"; 2003 prints
    # "Microsoft Windows [Version 5.2.3790]"; German hosts print "Microsoft Windows [Version …]" too on 6.x
    # (the word is localised on some languages, e.g. "Versione"); the build line is major.minor.build.
    p = sh.machine.profile
    version = f"{p.current_version}.{p.build}" if p.current_major_version is None else f"10.0.{p.build}"
    _say(sh, streams, "")
    _say(sh, streams, f"Microsoft Windows [Version {version}]")
    return 0


@builtin("set")
def _set(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    text = node.raw_args.strip()
    if "=" in text:
        name, _, value = text.partition("=")
        if value:
            sh.env[name] = value
        else:
            sh.env.pop(name, None)
        return 0
    shown = [
        f"{k}={v}"
        for k, v in sorted(sh.env.items(), key=lambda kv: kv[0].lower())
        if k.lower().startswith(text.lower())
    ]
    if not shown:
        _fail(sh, streams, f"Environment variable {text} not defined", f"Umgebungsvariable {text} nicht definiert")
        return 1
    for line in shown:
        _say(sh, streams, line)
    return 0


@builtin("exit")
def _exit(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    args = [a for a in argv if a.lower() != "/b"]
    code = int(args[0]) if args and args[0].lstrip("-").isdigit() else 0
    if argv and argv[0].lower() == "/b":
        sh.errorlevel = code
        return code
    raise ExitRequest(code)


@builtin("type")
def _type(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    if argv and argv[0].lower() == "nul":  # the NUL device reads as empty
        return 0
    path = sh.resolve_path(argv[0]) if argv else ""
    if any(c in ntpath.basename(path) for c in "*?"):
        return _type_matches(sh, path, streams)
    entry = sh.machine.files.read(path) if path else None
    if entry is None:
        _file_not_found(sh, streams)
        return 1
    streams.out += entry.data
    return 0


def _type_matches(sh: Interpreter, pattern: str, streams: Streams) -> int:
    """`type <folder>\\*.xml`: every matching file. Whether type prints each file's name to stdout or stderr is not
    documented (unconfirmed): the lab prints it on stdout before the content, the least convenient for a reader of
    stdout; the collection reads only the XML document out of what it gets."""
    folder, wanted = ntpath.split(pattern)
    names = [n for n in sh.machine.files.listdir(folder) if fnmatch.fnmatch(n.lower(), wanted.lower())]
    entries = [e for e in (sh.machine.files.read(ntpath.join(folder, n)) for n in names) if e is not None]
    if not entries:
        _file_not_found(sh, streams)
        return 1
    for entry in entries:
        streams.out += sh.encode(f"\r\n{entry.path}\r\n\r\n\r\n")
        streams.out += entry.data
    return 0


@builtin("del", "erase")
def _del(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    for target in (a for a in argv if not a.startswith("/")):
        path = sh.resolve_path(target)
        try:
            deleted = sh.machine.files.delete(path)
        except AccessDeniedError:
            access_denied(sh, streams)
            continue
        if not deleted:
            _fail(sh, streams, f"Could Not Find {path}", f"{path} konnte nicht gefunden werden.")
    return 0  # del keeps errorlevel 0 when a file is missing, as cmd does


@builtin("move")
def _move(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    found = _source_and_target(sh, argv, streams)
    if found is None:
        return 1
    try:
        sh.machine.files.move(found[0].path, found[1])
    except AccessDeniedError:
        access_denied(sh, streams)
        return 1
    _say(sh, streams, "        1 file(s) moved." if not sh.machine.german else "        1 Datei(en) verschoben.")
    return 0


@builtin("copy")
def _copy(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    found = _source_and_target(sh, argv, streams)
    if found is None:
        return 1
    entry, target = found
    if sh.machine.files.is_dir(target):
        target = ntpath.join(target, ntpath.basename(entry.path))
    try:
        sh.machine.files.write(target, entry.data, entry.version)
    except AccessDeniedError:
        access_denied(sh, streams)
        return 1
    except DiskFullError:
        _fail(
            sh,
            streams,
            "There is not enough space on the disk.",
            "Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.",
        )
        return 1
    _say(sh, streams, "        1 file(s) copied.")
    return 0


@builtin("mkdir", "md")
def _mkdir(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    path = sh.resolve_path(argv[0]) if argv else ""
    if not path or sh.machine.files.exists(path):
        _fail(
            sh,
            streams,
            f"A subdirectory or file {argv[0] if argv else ''} already exists.",
            f'Ein Unterverzeichnis oder eine Datei mit dem Namen "{argv[0] if argv else ""}" existiert bereits.',
        )
        return 1
    try:
        sh.machine.files.mkdir(path)
    except AccessDeniedError:
        access_denied(sh, streams)
        return 1
    return 0


@builtin("rmdir", "rd")
def _rmdir(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    paths = [a for a in argv if not a.startswith("/")]
    try:
        removed = bool(paths) and sh.machine.files.rmtree(sh.resolve_path(paths[0]))
    except AccessDeniedError:
        access_denied(sh, streams)
        return 5
    if not removed:
        _file_not_found(sh, streams)
        return 2
    return 0


@builtin("cd", "chdir")
def _cd(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    if not argv:
        _say(sh, streams, sh.cwd)
        return 0
    path = sh.resolve_path(" ".join(a for a in argv if a.lower() != "/d"))
    if not sh.machine.files.is_dir(path):
        _fail(
            sh,
            streams,
            "The system cannot find the path specified.",
            "Das System kann den angegebenen Pfad nicht finden.",
        )
        return 1
    sh.cwd = path
    return 0


@builtin("dir")
def _dir(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    paths = [a for a in argv if not a.startswith("/")]
    path = sh.resolve_path(paths[0]) if paths else sh.cwd
    if sh.machine.files.is_dir(path):
        names = sh.machine.files.listdir(path)
    elif sh.machine.files.exists(path):
        names = [ntpath.basename(path)]
    else:
        _fail(sh, streams, "File Not Found", "Datei nicht gefunden")
        return 1
    for name in names:  # only the bare format (/b) is emulated
        _say(sh, streams, name)
    return 0


@builtin("start")
def _start(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    # `start /w X args`: run X and wait; the lab runs everything synchronously, so start == run (with /w semantics).
    words = node.words[1:]
    while words and words[0].startswith("/"):
        words = words[1:]
    if not words:
        return 0
    inner = Simple(words, node.raw_args.split(words[0], 1)[1] if words[0] in node.raw_args else "", [])
    return sh.run(inner, streams)


# `date /t`, `time /t`, %DATE% and %TIME% show the host's local time (Machine.local_now) in the locale's formats.
# `set /?`: "%DATE% - expands to current date using same format as DATE command. %TIME% - expands to current time using
# same format as TIME command", and a variable the user set takes precedence. The formats are those published output
# shows (ss64.com/nt/date.html, ss64.com/nt/time.html; cosmiclearn.com/os/cmd_date.php "Thu 03/26/2026"): en-US
# "Sat 03/07/2026", "11:30 PM" and " 9:05:03.12" (a space before a one-digit hour); de-DE "07.03.2026", "23:30" and
# "23:30:05,12". The collection never reads them (it reads wmic's LocalDateTime): tests/lab/FIDELITY.md.
def date_text(machine: Machine) -> str:
    now = machine.local_now()
    return f"{now:%d.%m.%Y}" if machine.german else f"{now:%a %m/%d/%Y}"


def time_text(machine: Machine, short: bool = False) -> str:
    now = machine.local_now()
    if short:
        return f"{now:%H:%M}" if machine.german else f"{now:%I:%M %p}"
    return f"{now.hour:2d}:{now:%M:%S}{',' if machine.german else '.'}{now.microsecond // 10000:02d}"


@builtin("date")
def _date(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    return _show_clock(sh, argv, streams, date_text(sh.machine), "date", "(mm-dd-yy)", "(TT-MM-JJ)")


@builtin("time")
def _time(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    short = [a for a in argv if a.lower() == "/t"]
    return _show_clock(sh, argv, streams, time_text(sh.machine, bool(short)), "time", "", "")


def _show_clock(sh: Interpreter, argv: list[str], streams: Streams, shown: str, what: str, us: str, de: str) -> int:
    if any(a.lower() == "/t" for a in argv):
        _say(sh, streams, shown)
        return 0
    # Without /t cmd shows the value and asks for a new one; an empty answer (stdin at its end) keeps it. The lab
    # never changes the clock.
    german = {
        "date": ("Aktuelles Datum", "Geben Sie das neue Datum ein:"),
        "time": ("Aktuelle Zeit", "Geben Sie die neue Zeit ein:"),
    }
    english = {
        "date": ("The current date is", "Enter the new date:"),
        "time": ("The current time is", "Enter the new time:"),
    }
    current, prompt = (german if sh.machine.german else english)[what]
    _say(sh, streams, f"{current}: {shown}")
    streams.out += sh.encode(f"{prompt} {de if sh.machine.german else us}".rstrip() + " ")
    return 0


@builtin("rem", "cls", "title")
def _noop(sh: Interpreter, argv: list[str], node: Simple, streams: Streams) -> int:
    return 0
