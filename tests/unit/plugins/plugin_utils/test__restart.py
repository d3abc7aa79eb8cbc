"""Restart decisions, shutdown limits per Windows, Task Scheduler 1.0 per locale and 2.0 XML, 1190, boot times."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError
from ansible_collections.winfix.volsnap.plugins.plugin_utils._restart import (
    TASK_NAMESPACE,
    Action,
    ShutdownLimits,
    ShutdownResult,
    came_back,
    date_format_from_short_date,
    interpret_shutdown_exit,
    limits_for_build,
    limits_for_family,
    next_window,
    parse_short_date,
    parse_wmic_datetime,
    plan_restart,
    shutdown_command,
    task_create_v1,
    task_create_v2,
    task_delete_command,
    task_xml_bytes,
    task_xml_v2,
    uses_task_scheduler_1,
)

NS = {"t": TASK_NAMESPACE}
NOW = dt.datetime(2026, 3, 7, 14, 5, 30)
LEGACY, WIN7 = limits_for_family("vista_2008"), limits_for_family("7_2008r2")


@pytest.mark.parametrize(
    ("build", "family", "limit", "comment"),
    [(3790, "2003", 600, 127), (6002, "vista_2008", 600, 127), (7600, "7_2008r2", 315360000, 512)],
)
def test_shutdown_limits_at_and_beyond_the_bounds(build: int, family: str, limit: int, comment: int) -> None:
    assert limits_for_build(build) == limits_for_family(family)
    assert shutdown_command(limit, "x" * comment, build) == f'shutdown /r /t {limit} /d p:2:17 /c "{"x" * comment}"'
    assert shutdown_command(0, "", build).startswith("shutdown /r /t 0 /d p:2:17")
    for delay, text in ((limit + 1, "ok"), (-1, "ok"), (0, "x" * (comment + 1))):
        with pytest.raises(UnsafeArgumentError):
            shutdown_command(delay, text, build)


@pytest.mark.parametrize("comment", ['evil" & del C:\\x', "100%", "a\nb", "x^y", "a|b"])
def test_comments_cmd_could_misread_are_refused(comment: str) -> None:
    with pytest.raises(UnsafeArgumentError):
        shutdown_command(0, comment, 7601)


def test_only_when_needed_unless_forced() -> None:
    assert plan_restart("now", needed=False, force=False, limits=WIN7).action is Action.SKIP
    forced = plan_restart("now", needed=False, force=True, limits=WIN7)
    assert forced.action is Action.SHUTDOWN and forced.wait_for_boot and forced.delay_s == 0
    assert plan_restart("none", needed=True, force=False, limits=WIN7).action is Action.REPORT_ONLY
    assert plan_restart("none", needed=False, force=False, limits=WIN7).action is Action.SKIP


@pytest.mark.parametrize(
    ("limits", "delay", "action"),
    [
        (LEGACY, 600, Action.SHUTDOWN),
        (LEGACY, 601, Action.TASK),
        (WIN7, 315360000, Action.SHUTDOWN),
        (WIN7, 315360001, Action.TASK),
    ],
)
def test_delay_within_the_os_limit_else_a_task(limits: ShutdownLimits, delay: int, action: Action) -> None:
    plan = plan_restart("delay", True, False, limits, delay_s=delay, host_now=NOW)
    assert plan.action is action and not plan.wait_for_boot
    if action is Action.SHUTDOWN:
        assert plan.delay_s == delay and plan.at is None
    else:
        assert plan.at == dt.datetime(2026, 3, 7, 14, 5, 30) + dt.timedelta(seconds=delay)
    with pytest.raises(ValueError, match="negative"):
        plan_restart("delay", True, False, LEGACY, delay_s=-5)
    with pytest.raises(ValueError, match="current time"):
        plan_restart("delay", True, False, LEGACY, delay_s=601)


def test_window_is_a_task_in_the_future() -> None:
    at = next_window("02:30", NOW)
    assert at == dt.datetime(2026, 3, 8, 2, 30)
    assert next_window("23:59", NOW) == dt.datetime(2026, 3, 7, 23, 59)
    plan = plan_restart("window", True, False, LEGACY, at=at, host_now=NOW)
    assert plan.action is Action.TASK and plan.at == at
    with pytest.raises(ValueError, match="not in the future"):
        plan_restart("window", True, False, LEGACY, at=NOW - dt.timedelta(minutes=1), host_now=NOW)
    with pytest.raises(ValueError, match="needs"):
        plan_restart("window", True, False, LEGACY)
    for bad in ("24:00", "2:3", "noon"):
        with pytest.raises(ValueError):
            next_window(bad, NOW)


def test_exit_1190_is_its_own_outcome() -> None:
    assert interpret_shutdown_exit(0).result is ShutdownResult.SCHEDULED
    already = interpret_shutdown_exit(1190, "A system shutdown has already been scheduled.(1190)")
    assert already.result is ShutdownResult.ALREADY_SCHEDULED and not already.changed
    assert "shutdown /a" in already.message
    failed = interpret_shutdown_exit(87, "\r\nThe parameter is incorrect.\r\n")
    assert failed.result is ShutdownResult.FAILED and failed.message.endswith("87: The parameter is incorrect.")


@pytest.mark.parametrize(
    ("reg_output", "short", "sd"),
    [
        (  # 2003 reg.exe: header, tab separated (en-US)
            "\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_CURRENT_USER\\Control Panel\\International\r\n"
            "\tsShortDate\tREG_SZ\tM/d/yyyy\r\n",
            "M/d/yyyy",
            "/sd 03/07/2026",
        ),
        (  # Vista and later: 4 spaces (de-DE)
            "\r\nHKEY_CURRENT_USER\\Control Panel\\International\r\n    sShortDate    REG_SZ    dd.MM.yyyy\r\n",
            "dd.MM.yyyy",
            "/sd 07.03.2026",
        ),
        ("    sShortDate    REG_SZ    d/M/yy\r\n", "d/M/yy", "/sd 07/03/2026"),  # en-GB style, 2-digit year shown
        ("    sShortDate    REG_SZ    yyyy-MM-dd\r\n", "yyyy-MM-dd", "/sd 2026-03-07"),
    ],
)
def test_task_scheduler_1_per_locale(reg_output: str, short: str, sd: str) -> None:
    assert parse_short_date(reg_output) == short
    command = task_create_v1("winfix-volsnap-restart", dt.datetime(2026, 3, 7, 23, 30), short)
    assert command == (
        'schtasks /create /tn "winfix-volsnap-restart" /tr "shutdown.exe /r /t 0 /d p:2:17" /sc once '
        f"/st 23:30:00 {sd} /ru SYSTEM"
    )


def test_short_date_formats_schtasks_cannot_take() -> None:
    assert parse_short_date("ERROR: The system was unable to find the specified registry key or value.") is None
    for pattern in ("nonsense", "dd MMM yyyy", "yyyy'年'M'月'd'日'", "M/yyyy", "dd.MM.yyyy gg"):
        with pytest.raises(ValueError):
            date_format_from_short_date(pattern)


def test_task_scheduler_2_xml_parses_back_with_an_iso_start() -> None:
    text = task_xml_v2(dt.datetime(2026, 3, 7, 23, 30, 0, 999), "KB2748349 <restart> & more")
    assert text.startswith('<?xml version="1.0" encoding="UTF-16"?>\n')
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == f"{{{TASK_NAMESPACE}}}Task"
    assert root.findtext(".//t:TimeTrigger/t:StartBoundary", namespaces=NS) == "2026-03-07T23:30:00"
    assert root.findtext(".//t:Principal/t:UserId", namespaces=NS) == "S-1-5-18"
    assert root.findtext(".//t:Description", namespaces=NS) == "KB2748349 <restart> & more"
    assert root.findtext(".//t:Exec/t:Command", namespaces=NS) == "shutdown.exe"
    assert root.findtext(".//t:Exec/t:Arguments", namespaces=NS) == "/r /t 0 /d p:2:17"
    assert root.findtext(".//t:Settings/t:StartWhenAvailable", namespaces=NS) == "false"


def test_task_xml_file_is_utf16_with_bom() -> None:
    data = task_xml_bytes(dt.datetime(2026, 12, 24, 3, 0), "d")
    assert data[:2] == b"\xff\xfe"
    text = data.decode("utf-16")
    assert "\r\n" in text and "<StartBoundary>2026-12-24T03:00:00</StartBoundary>" in text


def test_task_names_are_validated() -> None:
    assert task_create_v2("winfix-volsnap-restart", r'"C:\Windows\Temp\t.xml"').endswith(
        r'/xml "C:\Windows\Temp\t.xml" /f'
    )
    assert task_delete_command("winfix restart") == 'schtasks /delete /tn "winfix restart" /f'
    for name in ('x" & del C:\\', "a|b", "%PATH%", "", "a" * 201, "a>b"):
        with pytest.raises(UnsafeArgumentError):
            task_create_v1(name, NOW, "M/d/yyyy")
        with pytest.raises(UnsafeArgumentError):
            task_create_v2(name, '"C:\\t.xml"')
        with pytest.raises(UnsafeArgumentError):
            task_delete_command(name)


def test_task_scheduler_version_per_build() -> None:
    assert uses_task_scheduler_1(3790) and not uses_task_scheduler_1(6001) and not uses_task_scheduler_1(7601)


def test_came_back_from_boot_times() -> None:
    before = "20261122080000.500000+060"
    assert not came_back(before, None)  # not answering yet
    assert not came_back(before, before)
    assert not came_back(before, "20261122080002.125000+060")  # WMI drift, same boot
    assert came_back(before, "20261125060000.500000+060")
    assert came_back(before, "20261125060000.500000+000")
    assert not came_back("20261125070000.000000+060", "20261125060000.000000+000")  # same instant, other zone
    assert came_back(None, "20261125060000.500000+060")  # nothing known before: any answer with a boot time
    assert came_back("garbled", "20261125060000.500000+060")
    assert parse_wmic_datetime("20121120093000.500000+060") == dt.datetime(
        2012, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    assert parse_wmic_datetime("20121120093000") == dt.datetime(2012, 11, 20, 9, 30)
    assert parse_wmic_datetime("") is None and parse_wmic_datetime("20121399") is None
