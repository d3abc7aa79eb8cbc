"""shutdown.exe and schtasks.exe (tests/lab/FIDELITY.md, shutdown and schtasks rows and "Restart and scheduled tasks";
Microsoft's "shutdown" and "schtasks" references).

shutdown: /t is 0-600 s and the comment at most 127 characters on 2003/Vista/2008 (ss64.com/nt/shutdown.html, the
2003-era help), up to 315360000 s and 512 characters from Windows 7 (Windows 7's `shutdown /?`); a bad parameter exits
87; a second restart while one is scheduled exits 1190; /a with nothing scheduled exits 1116. schtasks: Task Scheduler
1.0 on 2003 (no /xml, /rl, /delay, /f; /sd in the locale's short date format), 2.0 from Vista (/xml with an ISO 8601
StartBoundary). Tasks fire on the lab clock. Every time is the host's local time (Machine.local_now): /st and /sd
"on the local computer" (learn.microsoft.com/windows-server/administration/windows-commands/schtasks-create), and a
StartBoundary without an offset "uses the time zone ... set on the local computer", one with an offset is that moment
(ITrigger::put_StartBoundary, learn.microsoft.com/windows/win32/api/taskschd/nf-taskschd-itrigger-put_startboundary).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from winlab.host.machine import ScheduledTask
from winlab.host.tools import ToolContext, register_tool

_ALREADY = (
    "A system shutdown has already been scheduled.(1190)",
    "Das Herunterfahren des Systems wurde bereits geplant.(1190)",
)
_NOTHING = (
    "Unable to abort the system shutdown because no shutdown was in progress.(1116)",
    "Das Herunterfahren des Systems konnte nicht abgebrochen werden, da kein Herunterfahren durchgeführt wurde.(1116)",
)


def _flags(argv: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    it = iter(argv)
    for arg in it:
        low = arg.lower()
        if low.startswith(("/", "-")):
            name = low[1:]
            found[name] = (
                next(it, None)
                if name in ("t", "c", "d", "m", "tn", "tr", "sc", "st", "sd", "ru", "rp", "xml", "fo", "mo")
                else None
            )
    return found


@register_tool("shutdown")
def shutdown(ctx: ToolContext) -> int:
    flags = {k: v for k, v in _flags(ctx.argv).items()}
    machine = ctx.machine
    if "a" in flags:
        if machine.pending_restart is None:
            ctx.error(ctx.text(*_NOTHING))
            return 1116
        machine.pending_restart = None
        return 0
    if "r" not in flags and "s" not in flags:
        ctx.error("The parameter is incorrect.(87)")
        return 87
    legacy = machine.profile.build < 7600
    limit_t, limit_c = (600, 127) if legacy else (315360000, 512)
    try:
        delay = int(flags.get("t") or (30 if legacy and "t" not in flags else 0))
    except ValueError:
        delay = -1
    comment = flags.get("c") or ""
    if not 0 <= delay <= limit_t or len(comment) > limit_c:
        ctx.error("The parameter is incorrect.(87)" if not machine.german else "Falscher Parameter.(87)")
        return 87
    if machine.pending_restart is not None:
        ctx.error(ctx.text(*_ALREADY))
        return 1190
    machine.schedule_restart(delay, comment)
    at = machine.to_local(machine.pending_restart.at) if machine.pending_restart else None
    machine.log_event(
        f"restart scheduled in {delay}s for {at:%Y-%m-%dT%H:%M:%S} host time ({flags.get('d')}): {comment}"
    )
    return 0


def _parse_start(ctx: ToolContext, flags: dict[str, str | None]) -> dt.datetime | None:
    """/st and /sd in host-local time (today on the host when /sd is left out) → lab time (UTC)."""
    date_text, time_text = flags.get("sd"), flags.get("st") or ""
    try:
        parts = [int(p) for p in time_text.split(":")]
        at_time = dt.time(parts[0], parts[1], parts[2] if len(parts) > 2 else 0)
        if date_text is None:
            day = ctx.machine.local_now().date()
        elif ctx.machine.german:
            day = dt.datetime.strptime(date_text, "%d.%m.%Y").date()
        else:
            day = dt.datetime.strptime(date_text, "%m/%d/%Y").date()
    except (ValueError, IndexError):
        return None
    return ctx.machine.to_utc(dt.datetime.combine(day, at_time))


def _from_xml(ctx: ToolContext, path: str) -> tuple[dt.datetime, str] | None:
    entry = ctx.machine.files.read(ctx.resolve(path))
    if entry is None:
        return None
    data = entry.data
    text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8", "replace")
    try:
        root = ET.fromstring(text.encode("utf-8").replace(b'encoding="UTF-16"', b'encoding="UTF-8"'))
    except ET.ParseError:
        return None
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    start = root.find(".//t:StartBoundary", ns)
    command = root.find(".//t:Exec/t:Command", ns)
    arguments = root.find(".//t:Exec/t:Arguments", ns)
    if start is None or command is None or not start.text or not command.text:
        return None
    text = start.text.strip()
    try:
        when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    line = command.text.strip() + (" " + arguments.text.strip() if arguments is not None and arguments.text else "")
    if when.tzinfo is not None:  # that moment, whatever the host's time zone
        return when.astimezone(dt.UTC).replace(tzinfo=None), line
    return ctx.machine.to_utc(when), line  # host-local


SCHTASKS_TR_LIMIT = 261  # the longest /tr value schtasks /create takes (FIDELITY.md, row `schtasks /create … /tr`)


@register_tool("schtasks")
def schtasks(ctx: ToolContext) -> int:
    flags = _flags(ctx.argv)
    machine = ctx.machine
    name = flags.get("tn") or ""
    if "create" in flags:
        if machine.is_2003 and ({"xml", "rl", "delay", "f"} & set(flags)):
            ctx.error('ERROR: Invalid syntax. Type "SCHTASKS /CREATE /?" for usage.')
            return 1
        if len(flags.get("tr") or "") > SCHTASKS_TR_LIMIT:
            # The message as schtasks prints it (quoted in a public release note, tfy-local-ai-setup v1.2.2-rc1); that
            # Server 2003's schtasks has the same limit is unconfirmed, so the lab applies it everywhere (strict).
            ctx.error(
                f"ERROR: Invalid syntax. Value for '/tr' option cannot be more than {SCHTASKS_TR_LIMIT} character(s)."
            )
            return 1
        if name.lower() in {k.lower() for k in machine.tasks} and "f" not in flags:
            ctx.error(
                ctx.text(
                    "ERROR: Cannot create a file when that file already exists.",
                    "FEHLER: Eine Datei kann nicht erstellt werden, wenn sie bereits vorhanden ist.",
                )
            )
            return 1
        if "xml" in flags:
            parsed = _from_xml(ctx, flags["xml"] or "")
            if parsed is None:
                ctx.error("ERROR: The task XML is malformed.")
                return 1
            when, command = parsed
        else:
            start = _parse_start(ctx, flags)
            if start is None or (flags.get("sc") or "").lower() != "once" or not flags.get("tr"):
                ctx.error(
                    ctx.text(
                        'ERROR: Invalid Start Date (Date should be in "mm/dd/yyyy" format).',
                        'FEHLER: Ungültiges Startdatum (Datum muss im Format "tt.mm.jjjj" vorliegen).',
                    )
                )
                return 1
            when, command = start, flags["tr"] or ""
        machine.tasks[name] = ScheduledTask(name, when, command)
        ctx.print(
            ctx.text(
                f'SUCCESS: The scheduled task "{name}" has successfully been created.',
                f'ERFOLGREICH: Die geplante Aufgabe "{name}" wurde erfolgreich erstellt.',
            )
        )
        return 0
    task = next((t for k, t in machine.tasks.items() if k.lower() == name.lower()), None)
    if task is None:
        ctx.error(
            ctx.text(
                "ERROR: The system cannot find the file specified.",
                "FEHLER: Das System kann die angegebene Datei nicht finden.",
            )
        )
        return 1
    if "delete" in flags:
        del machine.tasks[task.name]
        ctx.print(
            ctx.text(
                f'SUCCESS: The scheduled task "{task.name}" was successfully deleted.',
                f'ERFOLGREICH: Die geplante Aufgabe "{task.name}" wurde erfolgreich gelöscht.',
            )
        )
        return 0
    if "run" in flags:
        task.run_at = machine.clock.now()
        return 0
    if "query" in flags:
        status = "Ready" if not task.done else "Could not start"
        ctx.print()
        ctx.print("Folder: \\")
        ctx.print(f"HostName:                             {machine.profile.name.upper()}")
        ctx.print(f"TaskName:                             \\{task.name}")
        ctx.print(f"Next Run Time:                        {machine.to_local(task.run_at):%m/%d/%Y %I:%M:%S %p}")
        ctx.print(f"Status:                               {status}")
        ctx.print(f"Task To Run:                          {task.command}")
        return 0
    ctx.error("ERROR: Invalid syntax.")
    return 1
