"""schtasks.exe: /create, /query, /delete, /run of one-time tasks that fire on the lab clock as SYSTEM.

2003 has Task Scheduler 1.0: `/create /tn /tr /sc once /st HH:MM[:SS] /sd <short date> /ru SYSTEM`, no /xml, /rl,
/delay or /f on /create, and /query lists every task (it takes no /tn). Vista and later have 2.0: the same plus
`/xml <file>` (ISO 8601 StartBoundary), /f to replace, /query /tn. Syntax: Microsoft "Schtasks.exe" documentation
(Windows XP/2003 and Vista editions); output lines ("SUCCESS: …", "ERROR: Invalid argument/option - '…'.", the
/query table, list and CSV layouts) as published in captures on ss64.com/nt/schtasks.html and Microsoft Q&A threads.
A date in another locale's format is refused, as on Windows. Task names may hold spaces.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from winlab.host.machine import Machine, ScheduledTask
from winlab.host.schtasks_dates import DateFormatError, host_date_format, parse_time, shown_time
from winlab.host.schtasks_xml import TaskXmlError, read_task_xml
from winlab.host.tools import ToolContext, register_tool

FAILED = 1
_VALUED = {"s", "u", "p", "ru", "rp", "sc", "mo", "d", "m", "i", "tn", "tr", "st", "sd", "ed", "et", "du", "ri", "fo"}
_VALUED_V2 = _VALUED | {"xml", "rl", "delay"}
_ALLOWED = {
    1: {
        "create": {"s", "u", "p", "ru", "rp", "sc", "mo", "d", "m", "i", "tn", "tr", "st", "sd", "ed", "it", "k"},
        "query": {"s", "u", "p", "fo", "nh", "v"},
        "delete": {"s", "u", "p", "tn", "f"},
        "run": {"s", "u", "p", "tn"},
    },
    2: {
        "create": {"s", "u", "p", "ru", "rp", "sc", "mo", "d", "m", "i", "tn", "tr", "st", "sd", "ed", "et", "du"}
        | {"ri", "it", "k", "xml", "rl", "delay", "f", "z", "np", "v1", "hresult"},
        "query": {"s", "u", "p", "fo", "nh", "v", "tn", "xml", "hresult"},
        "delete": {"s", "u", "p", "tn", "f", "hresult"},
        "run": {"s", "u", "p", "tn", "i", "hresult"},
    },
}


@dataclass
class LabTask(ScheduledTask):
    """A task as schtasks keeps it; the host's tick fires it (`done`) at `run_at` through its run-as-SYSTEM hook."""

    run_as: str = "SYSTEM"
    expired: bool = False  # created with a start in the past: a one-time task that never runs
    last_run: dt.datetime | None = None  # set by /run; a fired task's last run is its start time

    def ran_at(self) -> dt.datetime | None:
        if self.last_run is not None:
            return self.last_run
        return self.run_at if self.done and not self.expired else None


class SchtasksError(Exception):
    """Ends a schtasks run: the lines are printed on stderr and schtasks exits 1."""

    def __init__(self, *lines: str) -> None:
        self.lines = lines


def scheduler_version(machine: Machine) -> int:
    return 1 if machine.is_2003 else 2


def _parse(argv: list[str], version: int) -> tuple[str, dict[str, str]]:
    """The operation (create, query, delete, run) and its switches, refused as schtasks refuses them."""
    if not argv or argv[0][:1] not in ("/", "-") or argv[0][1:].lower() not in _ALLOWED[version]:
        raise SchtasksError(
            "ERROR: Invalid argument/option - '{}'.".format(argv[0] if argv else ""), 'Type "SCHTASKS /?" for usage.'
        )
    operation = argv[0][1:].lower()
    valued = _VALUED if version == 1 else _VALUED_V2
    usage = f'Type "SCHTASKS /{operation.upper()} /?" for usage.'
    switches: dict[str, str] = {}
    words = iter(argv[1:])
    for word in words:
        name = word[1:].lower() if word[:1] in ("/", "-") else ""
        if name not in _ALLOWED[version][operation]:
            raise SchtasksError(f"ERROR: Invalid argument/option - '{word}'.", usage)
        if name in valued:
            value = next(words, None)
            if value is None:
                raise SchtasksError(f"ERROR: Invalid syntax. Value expected for '{word}'.", usage)
            switches[name] = value
        else:
            switches[name] = ""
    return operation, switches


def _task_name(switches: dict[str, str]) -> str:
    name = switches.get("tn", "").strip().lstrip("\\")
    if not name:
        raise SchtasksError("ERROR: Invalid syntax. Mandatory option '/tn' is missing.")
    return name


def _find(machine: Machine, name: str) -> LabTask | None:
    task = next((t for key, t in machine.tasks.items() if key.lower() == name.lower()), None)
    return task if isinstance(task, LabTask) else None


def _not_found(ctx: ToolContext, name: str) -> SchtasksError:
    if scheduler_version(ctx.machine) == 1:
        return SchtasksError(f'ERROR: The specified task name "{name}" does not exist in the system.')
    return SchtasksError(
        ctx.text(
            "ERROR: The system cannot find the file specified.",
            "FEHLER: Das System kann die angegebene Datei nicht finden.",
        )
    )


# -- /create -----------------------------------------------------------------------------------------------------
def _start_from_switches(ctx: ToolContext, switches: dict[str, str]) -> dt.datetime:
    if switches.get("sc", "").lower() != "once":
        raise SchtasksError(
            "ERROR: The lab emulates /sc ONCE only."
            if "sc" in switches
            else "ERROR: Invalid syntax. Mandatory option '/sc' is missing."
        )
    if "tr" not in switches or "st" not in switches:
        raise SchtasksError("ERROR: Invalid syntax. Mandatory options '/tr' and '/st' are needed with /sc ONCE.")
    try:
        at = parse_time(switches["st"])
    except DateFormatError as error:
        raise SchtasksError(ctx.text("ERROR: Invalid Start Time.", "FEHLER: Ungültige Startzeit.")) from error
    date_format = host_date_format(ctx.machine)
    try:
        day = date_format.parse(switches["sd"]) if "sd" in switches else ctx.machine.clock.now().date()
    except DateFormatError as error:
        shown = date_format.shown
        raise SchtasksError(
            ctx.text(
                f'ERROR: Invalid Start Date (Date should be in "{shown}" format).',
                f'FEHLER: Ungültiges Startdatum (Datum muss im Format "{shown.replace("d", "t").replace("y", "j")}"'
                " vorliegen).",
            )
        ) from error
    return dt.datetime.combine(day, at)


def _create(ctx: ToolContext, switches: dict[str, str]) -> int:
    machine = ctx.machine
    name = _task_name(switches)
    if "xml" in switches:
        entry = machine.files.read(ctx.resolve(switches["xml"]))
        if entry is None:
            raise SchtasksError("ERROR: The system cannot find the file specified.")
        try:
            definition = read_task_xml(entry.data)
        except TaskXmlError as error:
            raise SchtasksError("ERROR: The task XML is malformed.", f"(1,1)::ERROR: {error}") from error
        start, command, run_as = (
            definition.start,
            definition.command_line,
            "SYSTEM" if definition.runs_as_system else "",
        )
    else:
        start, command, run_as = _start_from_switches(ctx, switches), switches["tr"], switches.get("ru", "")
    existing = _find(machine, name)
    if existing is not None:
        if scheduler_version(machine) == 1:
            raise SchtasksError("ERROR: Cannot create a file when that file already exists.")
        if "f" not in switches and not ctx.stdin.strip().lower().startswith(b"y"):
            ctx.print(f'WARNING: The task name "{name}" already exists. Do you want to replace it (Y/N)? ')
            return FAILED
        del machine.tasks[existing.name]
    expired = start <= machine.clock.now()
    if expired and scheduler_version(machine) == 2:
        ctx.print("WARNING: Task may not run because /ST is earlier than current time.")
    if run_as.upper() in ("SYSTEM", "NT AUTHORITY\\SYSTEM") and scheduler_version(machine) == 1:
        ctx.print('INFO: The task will be created under user name ("NT AUTHORITY\\SYSTEM").')
    # The lab has one way to run a task (as SYSTEM); the account is kept for /query.
    machine.tasks[name] = LabTask(name, start, command, done=expired, run_as=run_as or "SYSTEM", expired=expired)
    machine.log_event(f"task {name!r} created for {start.isoformat()}: {command}")
    ctx.print(
        ctx.text(
            f'SUCCESS: The scheduled task "{name}" has successfully been created.',
            f'ERFOLGREICH: Die geplante Aufgabe "{name}" wurde erfolgreich erstellt.',
        )
    )
    return 0


# -- /query ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    name: str
    next_run: str
    status: str
    last_run: str
    run_as: str
    command: str


def _row(machine: Machine, task: LabTask) -> _Row:
    locale, version = machine.profile.locale, scheduler_version(machine)
    pending = not task.done
    if version == 1:
        # Task Scheduler 1.0 prints "HH:MM:SS, <short date>" and "Never" once a one-time task has run.
        next_run = (
            f"{task.run_at:%H:%M:%S}, {host_date_format(machine).format(task.run_at.date())}" if pending else "Never"
        )
        status = ""
    else:
        next_run = shown_time(task.run_at, locale) if pending else "N/A"
        status = "Ready"
    ran = task.ran_at()
    last = shown_time(ran, locale) if ran else ("Never" if version == 1 else "N/A")
    return _Row(task.name, next_run, status, last, task.run_as, task.command)


def _query(ctx: ToolContext, switches: dict[str, str]) -> int:
    machine = ctx.machine
    tasks = [t for t in machine.tasks.values() if isinstance(t, LabTask)]
    if "tn" in switches:
        task = _find(machine, _task_name(switches))
        if task is None:
            raise _not_found(ctx, _task_name(switches))
        tasks = [task]
    rows = [_row(machine, task) for task in tasks]
    shape = switches.get("fo", "table").lower()
    if shape not in ("table", "list", "csv"):
        raise SchtasksError(f"ERROR: Invalid value '{switches['fo']}' for '/fo' option.")
    verbose, header = "v" in switches, "nh" not in switches
    version = scheduler_version(machine)
    host = machine.profile.name.upper()
    prefix = "" if version == 1 else "\\"
    if shape == "csv":
        columns = ["HostName", "TaskName", "Next Run Time", "Status"] if version == 1 or verbose else []
        columns = columns or ["TaskName", "Next Run Time", "Status"]
        if verbose:
            columns += ["Last Run Time", "Run As User", "Task To Run"]
        if header:
            ctx.print(",".join(f'"{c}"' for c in columns))
        for row in rows:
            values = {"HostName": host, "TaskName": prefix + row.name, "Next Run Time": row.next_run}
            values |= {"Status": row.status, "Last Run Time": row.last_run, "Run As User": row.run_as}
            values["Task To Run"] = row.command
            ctx.print(",".join(f'"{values[c]}"' for c in columns))
        return 0
    ctx.print()
    if version == 2:
        ctx.print("Folder: \\")
    if shape == "list":
        for row in rows:
            fields = [
                ("HostName", host),
                ("TaskName", prefix + row.name),
                ("Next Run Time", row.next_run),
                ("Status", row.status),
            ]
            if verbose:
                fields += [
                    ("Last Run Time", row.last_run),
                    ("Task To Run", row.command),
                    ("Run As User", row.run_as),
                    ("Schedule Type", "One Time Only"),
                ]
            width = 15 if version == 1 else 38
            for label, value in fields:
                ctx.print(f"{label + ':':<{width}}{value}".rstrip())
            ctx.print()
        return 0
    widths = (36, 24, 15) if version == 1 else (40, 22, 15)
    if header:
        ctx.print(
            " ".join(f"{title:<{w}}" for title, w in zip(("TaskName", "Next Run Time", "Status"), widths, strict=True))
        )
        ctx.print(" ".join("=" * w for w in widths))
    for row in rows:
        ctx.print(
            " ".join(f"{value:<{w}}" for value, w in zip((row.name, row.next_run, row.status), widths, strict=True))
        )
    return 0


# -- /delete, /run -----------------------------------------------------------------------------------------------
def _delete(ctx: ToolContext, switches: dict[str, str]) -> int:
    name = _task_name(switches)
    task = _find(ctx.machine, name)
    if task is None:
        raise _not_found(ctx, name)
    if "f" not in switches and not ctx.stdin.strip().lower().startswith((b"y", b"j")):
        ctx.print(f'WARNING: Are you sure you want to remove the task "{task.name}" (Y/N)? ')
        return FAILED
    del ctx.machine.tasks[task.name]
    ctx.print(
        ctx.text(
            f'SUCCESS: The scheduled task "{task.name}" was successfully deleted.',
            f'ERFOLGREICH: Die geplante Aufgabe "{task.name}" wurde erfolgreich gelöscht.',
        )
    )
    return 0


def _run(ctx: ToolContext, switches: dict[str, str]) -> int:
    machine = ctx.machine
    name = _task_name(switches)
    task = _find(machine, name)
    if task is None:
        raise _not_found(ctx, name)
    ctx.print(
        ctx.text(
            f'SUCCESS: Attempted to run the scheduled task "{task.name}".',
            f'ERFOLGREICH: Es wurde versucht, die geplante Aufgabe "{task.name}" auszuführen.',
        )
    )
    task.last_run = machine.clock.now()
    if machine.run_as_system is not None:
        machine.run_as_system(task.command)
    return 0


_OPERATIONS = {"create": _create, "query": _query, "delete": _delete, "run": _run}


@register_tool("schtasks")
def schtasks(ctx: ToolContext) -> int:
    try:
        operation, switches = _parse(ctx.argv, scheduler_version(ctx.machine))
        return _OPERATIONS[operation](ctx, switches)
    except SchtasksError as failure:
        for line in failure.lines:
            ctx.error(line if ctx.machine.german is False else line.replace("ERROR:", "FEHLER:", 1))
        return FAILED
