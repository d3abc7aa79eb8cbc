"""schtasks on the simulated hosts: Task Scheduler 1.0 (2003) vs 2.0 (7), both locales, tasks firing on the lab
clock and running their action as SYSTEM."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

import winlab.host.schtasks  # registers the tool
import winlab.host.shutdown  # noqa: F401  (what the tasks run)
from winlab.host import create_host
from winlab.host.schtasks_dates import DateFormatError, date_format_of, parse_time
from winlab.host.schtasks_xml import TaskXmlError, read_task_xml
from winlab.host.shell import LabShell, SimulatedHost
from winlab.profile import load_config
from winlab.samples import W7, W2003

NAME = "volsnap restart window"  # spaces on purpose
RESTART = "shutdown.exe /r /t 0 /d p:2:17"


def make(sample: dict[str, Any], clock_rate: float = 1.0, **overrides: Any) -> SimulatedHost:
    (profile,) = load_config({"hosts": {"h": {**sample, **overrides}}}).hosts
    return create_host(profile, None, clock_rate)


def run(shell: LabShell, line: str, stdin: bytes = b"") -> tuple[str, str, int]:
    command = shell.start_command(line)
    if stdin:
        command.send_stdin(stdin, True)
    chunk = command.receive()
    assert chunk is not None and chunk.exit_code is not None
    return chunk.stdout.decode("cp850"), chunk.stderr.decode("cp850"), chunk.exit_code


def create_v1(host: SimulatedHost, when: dt.datetime, date: str | None = None, extra: str = "") -> tuple[str, str, int]:
    date = date or (f"{when:%d.%m.%Y}" if host.machine.german else f"{when:%m/%d/%Y}")
    line = f'schtasks /create /tn "{NAME}" /tr "{RESTART}" /sc once /st {when:%H:%M:%S} /sd {date} /ru SYSTEM{extra}'
    return run(host.open_shell(850, None, {}), line)


def task_xml(when: dt.datetime) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-16"?>\r\n'
        '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\r\n'
        f"  <Triggers><TimeTrigger><StartBoundary>{when:%Y-%m-%dT%H:%M:%S}</StartBoundary></TimeTrigger></Triggers>\r\n"
        "  <Principals><Principal><UserId>S-1-5-18</UserId></Principal></Principals>\r\n"
        "  <Actions><Exec><Command>shutdown.exe</Command><Arguments>/r /t 0 /d p:2:17</Arguments></Exec></Actions>\r\n"
        "</Task>\r\n"
    ).encode("utf-16")


def later(host: SimulatedHost, seconds: int = 3600) -> dt.datetime:
    return (host.machine.clock.now() + dt.timedelta(seconds=seconds)).replace(microsecond=0)


# -- 2003: Task Scheduler 1.0 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
def test_2003_create_in_the_host_locale(locale: str) -> None:
    host = make(W2003, locale=locale)
    when = later(host)
    out, err, rc = create_v1(host, when)
    assert rc == 0, err
    assert 'INFO: The task will be created under user name ("NT AUTHORITY\\SYSTEM").' in out
    assert f'"{NAME}"' in out and out.startswith("INFO:")
    task = host.machine.tasks[NAME]
    assert (task.run_at, task.command) == (when, RESTART)


@pytest.mark.parametrize(("locale", "wrong"), [("en-US", "%d.%m.%Y"), ("de-DE", "%m/%d/%Y"), ("en-US", "%Y-%m-%d")])
def test_a_date_in_another_format_is_refused(locale: str, wrong: str) -> None:
    host = make(W2003, locale=locale)
    when = later(host).replace(day=25) if later(host).day <= 12 else later(host)  # unambiguous day
    _, err, rc = create_v1(host, when, date=f"{when:{wrong}}")
    assert rc == 1 and not host.machine.tasks
    expected = "FEHLER: Ungültiges Startdatum" if locale == "de-DE" else "ERROR: Invalid Start Date (Date should be"
    assert err.startswith(expected)


@pytest.mark.parametrize("switch", ["/xml C:\\t.xml", "/rl HIGHEST", "/delay 0000:30", "/f"])
def test_2003_has_no_task_scheduler_2_switches(switch: str) -> None:
    host = make(W2003)
    _, err, rc = create_v1(host, later(host), extra=f" {switch}")
    assert rc == 1 and err.startswith(f"ERROR: Invalid argument/option - '{switch.split()[0]}'.")


def test_2003_query_lists_all_tasks_and_takes_no_tn() -> None:
    host = make(W2003)
    when = later(host)
    create_v1(host, when)
    shell = host.open_shell(437, None, {})
    assert run(shell, f'schtasks /query /tn "{NAME}"')[2] == 1
    out, _, rc = run(shell, "schtasks /query /fo csv")
    assert rc == 0
    assert out.splitlines() == [
        '"HostName","TaskName","Next Run Time","Status"',
        f'"H","{NAME}","{when:%H:%M:%S}, {when.month}/{when.day}/{when.year}",""',
    ]


def test_2003_existing_task_and_delete() -> None:
    host = make(W2003)
    create_v1(host, later(host))
    _, err, rc = create_v1(host, later(host))
    assert rc == 1 and "already exists" in err
    shell = host.open_shell(437, None, {})
    assert run(shell, f'schtasks /delete /tn "{NAME}" /f')[0].startswith("SUCCESS: The scheduled task")
    _, err, rc = run(shell, f'schtasks /delete /tn "{NAME}" /f')
    assert rc == 1 and err == f'ERROR: The specified task name "{NAME}" does not exist in the system.\r\n'


# -- 7: Task Scheduler 2.0 ---------------------------------------------------------------------------------------
def test_7_create_from_xml_query_list_and_csv() -> None:
    host = make(W7)
    when = later(host)
    host.machine.files.write(r"C:\Windows\Temp\task.xml", task_xml(when))
    shell = host.open_shell(437, None, {})
    out, err, rc = run(shell, rf'schtasks /create /tn "{NAME}" /xml C:\Windows\Temp\task.xml /f')
    assert (out, rc) == (f'SUCCESS: The scheduled task "{NAME}" has successfully been created.\r\n', 0), err
    assert host.machine.tasks[NAME].run_at == when
    out, _, rc = run(shell, f'schtasks /query /tn "{NAME}" /fo list')
    hour = when.hour % 12 or 12
    shown = f"{when.month}/{when.day}/{when.year} {hour}:{when:%M:%S} {'AM' if when.hour < 12 else 'PM'}"
    assert rc == 0
    assert f"TaskName:                             \\{NAME}\r\n" in out
    assert f"Next Run Time:                        {shown}\r\n" in out
    out, _, _ = run(shell, f'schtasks /query /tn "{NAME}" /fo csv /nh')
    assert out == f'"\\{NAME}","{shown}","Ready"\r\n'


def test_7_v1_syntax_in_german_and_replace_with_f() -> None:
    host = make(W7, locale="de-DE")
    when = later(host)
    assert create_v1(host, when)[2] == 0
    out, _, rc = create_v1(host, when)  # exists, no /f, no answer on stdin
    assert rc == 1 and "already exists" in out
    assert create_v1(host, when + dt.timedelta(hours=1), extra=" /f")[2] == 0
    assert host.machine.tasks[NAME].run_at == when + dt.timedelta(hours=1)
    out, _, rc = run(host.open_shell(850, None, {}), f'schtasks /query /tn "{NAME}" /fo csv /nh')
    assert rc == 0 and f"{when + dt.timedelta(hours=1):%d.%m.%Y %H:%M:%S}" in out


def test_7_missing_task_and_malformed_xml() -> None:
    host = make(W7)
    shell = host.open_shell(437, None, {})
    assert run(shell, 'schtasks /query /tn "nope"') == ("", "ERROR: The system cannot find the file specified.\r\n", 1)
    host.machine.files.write(r"C:\Windows\Temp\bad.xml", b"<Task><Triggers>")
    _, err, rc = run(shell, r"schtasks /create /tn x /xml C:\Windows\Temp\bad.xml")
    assert rc == 1 and err.startswith("ERROR: The task XML is malformed.")


# -- running: at the time on the lab clock, or on /run --------------------------------------------------------------
@pytest.mark.parametrize("sample", [W2003, W7])
def test_task_fires_at_its_time_and_restarts_the_host(sample: dict[str, Any]) -> None:
    host = make(sample, clock_rate=600.0, faults={"restart_takes_s": 0.05})
    booted = host.machine.boot_time
    when = later(host, 30)  # 30 lab seconds: 50 ms here
    if sample is W7:
        host.machine.files.write(r"C:\Windows\Temp\task.xml", task_xml(when))
        assert (
            run(host.open_shell(437, None, {}), rf'schtasks /create /tn "{NAME}" /xml C:\Windows\Temp\task.xml')[2] == 0
        )
    else:
        assert create_v1(host, when)[2] == 0
    assert host.availability().value == "up" and not host.machine.tasks[NAME].done
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and host.machine.boot_time == booted:
        host.availability()
        time.sleep(0.01)
    assert host.machine.tasks[NAME].done
    assert host.machine.boot_time >= when  # the restart came from the task, at its time


def test_task_in_the_past_never_runs_and_run_runs_now() -> None:
    host = make(W7)
    past = later(host, -600)
    out, _, rc = create_v1(host, past)
    assert rc == 0 and out.startswith("WARNING: Task may not run because /ST is earlier than current time.")
    host.machine.tick()
    assert host.machine.pending_restart is None
    out, _, rc = run(host.open_shell(437, None, {}), f'schtasks /run /tn "{NAME}"')
    assert (out, rc) == (f'SUCCESS: Attempted to run the scheduled task "{NAME}".\r\n', 0)
    assert host.machine.pending_restart is not None  # its shutdown /r /t 0 ran as SYSTEM


# -- the pure parts ------------------------------------------------------------------------------------------------
def test_dates_and_times() -> None:
    us, de = date_format_of("M/d/yyyy"), date_format_of("dd.MM.yyyy")
    assert (us.shown, de.shown) == ("mm/dd/yyyy", "dd.mm.yyyy")
    assert us.parse("11/25/2026") == dt.date(2026, 11, 25) == de.parse("25.11.2026")
    for bad_us in ("25.11.2026", "11/25/26", "13/01/2026", "2026-11-25"):
        with pytest.raises(DateFormatError):
            us.parse(bad_us)
    assert parse_time("6:05") == dt.time(6, 5) and parse_time("23:59:59") == dt.time(23, 59, 59)
    with pytest.raises(DateFormatError):
        parse_time("24:00")


def test_task_xml_reader() -> None:
    when = dt.datetime(2026, 11, 26, 2, 30)
    definition = read_task_xml(task_xml(when))
    assert (definition.start, definition.command_line, definition.runs_as_system) == (when, RESTART, True)
    with pytest.raises(TaskXmlError, match="StartBoundary"):
        read_task_xml(b'<Task xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"/>')
