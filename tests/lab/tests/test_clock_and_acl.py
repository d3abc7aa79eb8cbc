"""Each host's own time zone on the lab's UTC clock (wmic, schtasks, shutdown, date/time, %DATE%/%TIME%), the fault
access_denied, and the cmd forms the host lock uses (`if exist "folder\\"`, ELSE)."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from conftest import W2003
from test_host import host, run, shell_of

from winlab.host import create_host
from winlab.profile import ProfileError, load_config

LOCK = r"C:\Windows\Temp\winfix-volsnap.lock"


def wmic_os(sh: object) -> dict[str, str]:
    out, _, rc = run(sh, "wmic os get InstallDate,LastBootUpTime,LocalDateTime /value < nul")  # type: ignore[arg-type]
    assert rc == 0
    return dict(line.split("=", 1) for line in out.decode().split("\r\r\n") if "=" in line)


@pytest.mark.parametrize(("offset", "suffix"), [(0, "+000"), (300, "+300"), (-480, "-480"), (330, "+330")])
def test_wmic_shows_the_host_local_time_with_its_offset(offset: int, suffix: str) -> None:
    h = host(utc_offset_minutes=offset)
    values = wmic_os(shell_of(h))
    local = dt.datetime.strptime(values["LocalDateTime"][:14], "%Y%m%d%H%M%S")
    assert all(values[name].endswith(suffix) for name in ("InstallDate", "LastBootUpTime", "LocalDateTime"))
    assert re.fullmatch(r"\d{14}\.\d{3}000[+-]\d{3}", values["LocalDateTime"])
    utc_now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((local - dt.timedelta(minutes=offset) - utc_now).total_seconds()) < 5  # the lab clock is UTC
    boot = dt.datetime.strptime(values["LastBootUpTime"][:14], "%Y%m%d%H%M%S")
    assert boot == (h.machine.boot_time + dt.timedelta(minutes=offset)).replace(microsecond=0)


def test_utc_offset_minutes_is_validated() -> None:
    with pytest.raises(ProfileError, match="utc_offset_minutes must be whole minutes from -720"):
        load_config({"hosts": {"h": {"utc_offset_minutes": 900}}})
    assert load_config({"hosts": {"h": {}}}).hosts[0].utc_offset_minutes == 0


def test_schtasks_times_are_host_local() -> None:
    h = host(utc_offset_minutes=300, **W2003)
    sh = shell_of(h)
    local = h.machine.local_now() + dt.timedelta(hours=2)
    line = (
        f'schtasks /create /tn "t1" /tr "shutdown /r /t 0" /sc once /st {local:%H:%M:%S} /sd {local:%m/%d/%Y} '
        "/ru SYSTEM"
    )
    assert run(sh, line)[2] == 0
    task = h.machine.tasks["t1"]
    assert task.run_at == (local - dt.timedelta(minutes=300)).replace(microsecond=0)  # stored in UTC
    out, _, _ = run(sh, 'schtasks /query /tn "t1"')
    assert f"{local:%m/%d/%Y %I:%M:%S %p}" in out.decode()  # shown in host time


def test_schtasks_refuses_a_tr_longer_than_261_characters() -> None:
    h = host(**W2003)
    sh = shell_of(h)
    local = h.machine.local_now() + dt.timedelta(hours=2)

    def create(name: str, command: str) -> tuple[bytes, bytes, int]:
        return run(
            sh,
            f'schtasks /create /tn "{name}" /tr "{command}" /sc once /st {local:%H:%M:%S} /sd {local:%m/%d/%Y} '
            "/ru SYSTEM",
        )

    longest = "shutdown /r /t 0 /c " + "x" * (261 - len("shutdown /r /t 0 /c "))
    assert create("fits", longest)[2] == 0 and "fits" in h.machine.tasks
    _, err, rc = create("long", longest + "x")
    assert rc == 1 and err == b"ERROR: Invalid syntax. Value for '/tr' option cannot be more than 261 character(s).\r\n"
    assert "long" not in h.machine.tasks


def _xml_task(h: object, start: str) -> dt.datetime:
    machine = h.machine  # type: ignore[attr-defined]
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?><Task xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">'
        f"<Triggers><TimeTrigger><StartBoundary>{start}</StartBoundary></TimeTrigger></Triggers>"
        "<Actions><Exec><Command>shutdown.exe</Command><Arguments>/r /t 0</Arguments></Exec></Actions></Task>"
    )
    machine.files.write(r"C:\Windows\Temp\t.xml", xml.encode("utf-16"))
    assert run(shell_of(h), r'schtasks /create /tn "x" /xml "C:\Windows\Temp\t.xml" /f')[2] == 0  # type: ignore[arg-type]
    return machine.tasks["x"].run_at  # type: ignore[no-any-return]


def test_a_start_boundary_without_offset_is_host_local_and_one_with_an_offset_is_that_moment() -> None:
    h = host(utc_offset_minutes=-300)
    assert _xml_task(h, "2030-01-01T01:30:00") == dt.datetime(2030, 1, 1, 6, 30)
    assert _xml_task(h, "2030-01-01T01:30:00Z") == dt.datetime(2030, 1, 1, 1, 30)
    assert _xml_task(h, "2030-01-01T01:30:00+02:00") == dt.datetime(2029, 12, 31, 23, 30)


def test_a_task_fires_at_the_host_local_time(tmp_path: Path) -> None:
    (profile,) = load_config({"hosts": {"h": {"utc_offset_minutes": 300, "faults": {"restart_takes_s": 0.1}}}}).hosts
    h = create_host(profile, tmp_path, 600.0)
    sh = shell_of(h)
    local = (h.machine.local_now() + dt.timedelta(minutes=3)).replace(microsecond=0)
    _xml_task(h, f"{local:%Y-%m-%dT%H:%M:%S}")
    boot = h.machine.boot_time
    deadline = time.monotonic() + 5
    while h.machine.boot_time == boot and time.monotonic() < deadline:
        h.availability()
        time.sleep(0.02)
    events = [json.loads(line) for line in (tmp_path / "hosts" / "h" / "events.jsonl").read_text().splitlines()]
    ran = next(e for e in events if e["event"] == "task x ran")
    assert abs((dt.datetime.fromisoformat(ran["host_time"]) - local).total_seconds()) < 20  # lab seconds, rate 600
    assert dt.datetime.fromisoformat(ran["host_time"]) - dt.datetime.fromisoformat(ran["lab_time"]) == dt.timedelta(
        minutes=300
    )
    assert any(e["event"] == "restart" for e in events)
    del sh


def test_shutdown_logs_its_time_in_host_time(tmp_path: Path) -> None:
    (profile,) = load_config({"hosts": {"h": {"utc_offset_minutes": 90}}}).hosts
    h = create_host(profile, tmp_path)
    assert run(shell_of(h), "shutdown /r /f /t 600 /d p:2:17")[2] == 0
    events = (tmp_path / "hosts" / "h" / "events.jsonl").read_text()
    expected = h.machine.to_local(h.machine.pending_restart.at)  # type: ignore[union-attr]
    assert f"for {expected:%Y-%m-%dT%H:%M:%S} host time" in events


@pytest.mark.parametrize(
    ("locale", "date_re", "short_time_re", "time_re"),
    [
        ("en-US", r"[A-Z][a-z]{2} \d\d/\d\d/\d{4}", r"\d\d:\d\d [AP]M", r"[ \d]\d:\d\d:\d\d\.\d\d"),
        ("de-DE", r"\d\d\.\d\d\.\d{4}", r"\d\d:\d\d", r"[ \d]\d:\d\d:\d\d,\d\d"),
    ],
)
def test_date_and_time_in_the_locale_formats_and_host_time(
    locale: str, date_re: str, short_time_re: str, time_re: str
) -> None:
    h = host(locale=locale, utc_offset_minutes=600)
    out, _, rc = run(shell_of(h), "date /t& time /t& echo %DATE%^|%TIME%")
    lines = out.decode("cp437").split("\r\n")
    assert rc == 0 and re.fullmatch(date_re, lines[0]) and re.fullmatch(short_time_re, lines[1]), lines
    date, clock = lines[2].split("|")
    assert date == lines[0] and re.fullmatch(time_re, clock), lines
    local = h.machine.local_now()
    shown_hour = int(clock.split(":")[0])
    assert shown_hour in (local.hour, (local.hour - 1) % 24)  # host time, not UTC (10 hours apart)
    day = dt.datetime.strptime(date[-10:], "%d.%m.%Y" if locale == "de-DE" else "%m/%d/%Y").date()
    assert day in (local.date(), (local - dt.timedelta(minutes=1)).date())


def test_a_variable_named_date_overrides_the_dynamic_one() -> None:
    sh = shell_of(host(utc_offset_minutes=60))
    run(sh, "set DATE=not-a-date")
    assert run(sh, "echo %DATE%")[0] == b"not-a-date\r\n"


def test_if_exist_with_a_trailing_backslash_is_true_for_folders_only_and_else_runs_otherwise() -> None:
    h = host()
    sh = shell_of(h)
    h.machine.files.write(r"C:\Windows\Temp\plain.txt", b"x")
    line = 'if exist "{0}\\" (echo folder) else echo not-a-folder'
    assert run(sh, line.format(r"C:\Windows\Temp"))[0] == b"folder\r\n"
    assert run(sh, line.format(r"C:\Windows\Temp\plain.txt"))[0] == b"not-a-folder\r\n"
    assert run(sh, 'if exist "C:\\Windows\\Temp\\plain.txt" (echo file) else echo none')[0] == b"file\r\n"
    assert run(sh, 'if exist "C:\\nowhere" (echo a& echo b) else (echo c& echo d)')[0] == b"c\r\nd\r\n"


def test_access_denied_stops_mkdir_writes_and_removal_there_and_only_there() -> None:
    h = host(faults={"access_denied": [LOCK]})
    sh = shell_of(h)
    _, err, rc = run(sh, f'mkdir "{LOCK}"')
    assert (err, rc) == (b"Access is denied.\r\n", 1)
    assert not h.machine.files.exists(LOCK)
    assert run(sh, f'echo x> "{LOCK}\\owner.txt"')[1] == b"Access is denied.\r\n"
    assert run(sh, r'mkdir "C:\Windows\Temp\winfix-volsnap-0a1b2c3d"')[2] == 0  # a neighbour is allowed
    h.machine.files.denied = ()
    run(sh, f'mkdir "{LOCK}"')
    h.machine.files.denied = (LOCK,)
    _, err, _ = run(sh, f'rmdir /s /q "{LOCK}"')
    assert err == b"Access is denied.\r\n" and h.machine.files.is_dir(LOCK)
    assert run(shell_of(host(locale="de-DE", faults={"access_denied": [LOCK]})), f'mkdir "{LOCK}"')[1] == (
        b"Zugriff verweigert\r\n"
    )


def test_the_lock_lines_the_collection_sends() -> None:
    """The shape of _lock.acquire_command / break_and_acquire_command / _removal.removal_command, written out."""
    h = host()
    sh = shell_of(h)
    owner = f'"{LOCK}\\owner.txt"'

    def acquire(who: str) -> str:
        return (
            f'mkdir "{LOCK}" && (echo winfix-volsnap lock taken unknown by c run {who}> {owner} && echo @@volsnap-lock '
            f'taken|| (rmdir /s /q "{LOCK}" & echo @@volsnap-lock unwritten))|| (if exist "{LOCK}\\" (echo '
            f"@@volsnap-lock held& type {owner} 2>nul) else echo @@volsnap-lock failed)"
        )

    assert run(sh, acquire("11111111"))[0] == b"@@volsnap-lock taken\r\n"
    out, _, _ = run(sh, acquire("22222222"))
    assert out == b"@@volsnap-lock held\r\nwinfix-volsnap lock taken unknown by c run 11111111 \r\n"
    stale = f'type {owner} | findstr /c:"run 11111111" >nul && rmdir /s /q "{LOCK}" & '
    assert run(sh, stale + acquire("33333333"))[0] == b"@@volsnap-lock taken\r\n"
    assert b"run 33333333" in run(sh, stale + acquire("44444444"))[0]  # not thrown out by a second breaker
    removal = f'rmdir /s /q "{LOCK}" & if exist "{LOCK}\\" (echo @@volsnap-removal left& dir /b "{LOCK}") else echo '
    assert run(sh, removal + "@@volsnap-removal gone")[0] == b"@@volsnap-removal gone\r\n"
    full = host(faults={"disk_full": True})
    h2 = shell_of(full)
    assert run(h2, acquire("55555555"))[0] == b"@@volsnap-lock taken\r\n"  # a small owner file still fits
