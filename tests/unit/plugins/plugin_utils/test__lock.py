"""The host lock's pure side: owner lines by the host's clock, ages, staleness, the command lines and their markers;
and the proof that a removed folder is gone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_time import HostTime, parse_cim_datetime
from ansible_collections.winfix.volsnap.plugins.plugin_utils._lock import (
    LockOwner,
    LockSettingError,
    acquire_command,
    break_and_acquire_command,
    describe_age,
    held_lock_age_s,
    is_stale,
    lock_age_s,
    max_age_from,
    owner_command,
    owner_line,
    parse_acquire,
    parse_owner,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._removal import parse_removal, removal_command

LOCK = r"C:\Windows\Temp\winfix-volsnap.lock"


def host_time(text: str) -> HostTime:
    parsed = parse_cim_datetime(text)
    assert parsed is not None
    return parsed


def test_the_owner_line_carries_the_host_time_and_reads_back() -> None:
    taken = host_time("20260307233000.000000+330")
    line = owner_line(taken, "awx-job-42.example", "0a1b2c3d")
    assert line == "winfix-volsnap lock taken 20260307233000.000000+330 by awx-job-42.example run 0a1b2c3d"
    owner = parse_owner(line + "\r\n")
    assert (owner.taken, owner.controller, owner.run_id) == (taken, "awx-job-42.example", "0a1b2c3d")
    assert owner.describe() == "run 0a1b2c3d of awx-job-42.example, taken 2026-03-07 23:30:00 (UTC+05:30) host time"


def test_a_controller_name_cmd_could_misread_is_made_plain() -> None:
    line = owner_line(None, "ctl&del x>y|%PATH%^", "0a1b2c3d")
    assert line == "winfix-volsnap lock taken unknown by ctl-del-x-y--PATH-- run 0a1b2c3d"
    assert not set(line) & set('&|<>^%"!()')


@pytest.mark.parametrize(
    ("text", "controller", "described"),
    [
        ("", None, "an unknown run"),
        ("2026-03-07T18:00:00Z ctl01\r\n", None, "an unknown run (its owner file reads '2026-03-07T18:00:00Z ctl01')"),
        (
            "winfix-volsnap lock taken unknown by ctl01 run 0a1b2c3d\r\n",
            "ctl01",
            "run 0a1b2c3d of ctl01, taken at an unknown time",
        ),
    ],
)
def test_owners_in_other_forms_are_named_as_far_as_they_can_be(
    text: str, controller: str | None, described: str
) -> None:
    owner = parse_owner(text)
    assert owner.controller == controller and owner.taken is None
    assert owner.describe() == described


def test_a_preflight_can_age_a_lock_from_its_owner_text_and_the_probe_s_facts() -> None:
    facts = HostFacts(local_time="20260308070000.000000+120")
    text = "@@volsnap-lock held\r\nwinfix-volsnap lock taken 20260307230000.000000+060 by ctl run 0a1b2c3d\r\n"
    assert held_lock_age_s(text.split("\r\n", 1)[1], facts) == 7 * 3600
    assert parse_acquire(text).owner == parse_owner(text.split("\r\n", 1)[1])
    assert held_lock_age_s("winfix-volsnap lock taken 20260307230000.000000+060 by c run 0a1b2c3d", HostFacts()) is None


def test_age_is_measured_between_two_readings_of_the_host_clock() -> None:
    owner = parse_owner("winfix-volsnap lock taken 20260307230000.000000+060 by ctl run 0a1b2c3d")
    # Seven hours later by the host's clock, read after the host moved to summer time (+120).
    assert lock_age_s(owner, host_time("20260308070000.000000+120")) == 7 * 3600
    assert lock_age_s(owner, None) is None
    assert lock_age_s(LockOwner("garbage"), host_time("20260308070000.000000+120")) is None


@pytest.mark.parametrize(
    ("age", "max_age", "stale"),
    [
        (21601, 21600, True),
        (21600, 21600, False),  # "older than" the limit
        (5, 0, False),  # 0: never break
        (10**9, 0, False),
        (None, 21600, False),  # an unknown age is never proof that the run is dead
        (-3600, 21600, False),  # taken "in the future": the host clock was set back; not stale
    ],
)
def test_staleness(age: float | None, max_age: int, stale: bool) -> None:
    assert is_stale(age, max_age) is stale


@pytest.mark.parametrize(("value", "seconds"), [(21600, 21600), ("0", 0), (" 30 ", 30), (0, 0)])
def test_max_age_accepts_whole_seconds_as_numbers_or_text(value: object, seconds: int) -> None:
    assert max_age_from(value) == seconds


@pytest.mark.parametrize("value", [-1, "-5", "6h", 1.5, "", None, True, "1e3"])
def test_max_age_refuses_anything_else_naming_the_variable(value: object) -> None:
    with pytest.raises(LockSettingError, match="volsnap_lock_max_age_s must be a whole number of seconds"):
        max_age_from(value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (45, "45 s"), (61, "1 min 01 s"), (7 * 3600 + 120, "7 h 02 min"), (3 * 86400 + 4 * 3600, "3 d 4 h")],
)
def test_ages_read_as_people_say_them(seconds: float, text: str) -> None:
    assert describe_age(seconds) == text


def test_the_acquire_line_is_one_line_that_never_parses_cmd_messages() -> None:
    line = acquire_command(LOCK, owner_line(None, "ctl", "0a1b2c3d"))
    assert "\n" not in line
    assert line.startswith(f'mkdir "{LOCK}" && (echo winfix-volsnap lock taken unknown by ctl run 0a1b2c3d> ')
    assert f'if exist "{LOCK}\\"' in line  # a folder, not a file of that name
    broken = break_and_acquire_command(LOCK, parse_owner("winfix-volsnap lock taken unknown by c run 99aa88bb"), "x")
    assert broken.startswith(f'type "{LOCK}\\owner.txt" | findstr /c:"run 99aa88bb" >nul && rmdir /s /q "{LOCK}" & ')
    with pytest.raises(ValueError, match="whose owner is known"):
        break_and_acquire_command(LOCK, LockOwner("garbage"), "x")
    assert owner_command(LOCK) == f'if exist "{LOCK}\\" (echo @@volsnap-lock held& type "{LOCK}\\owner.txt")'


@pytest.mark.parametrize(
    ("stdout", "outcome", "run_id"),
    [
        ("@@volsnap-lock taken\r\n", "taken", None),
        ("@@volsnap-lock unwritten\r\n", "unwritten", None),
        ("@@volsnap-lock failed\r\n", "failed", None),
        ("@@volsnap-lock held\r\nwinfix-volsnap lock taken unknown by c run 0a1b2c3d\r\n", "held", "0a1b2c3d"),
        ("@@volsnap-lock held\r\n", "held", None),  # a lock folder without an owner file
        ("", "unknown", None),
        ("@@volsnap-lock tak", "unknown", None),  # cut short
    ],
)
def test_acquire_outcomes_come_from_the_markers(stdout: str, outcome: str, run_id: str | None) -> None:
    got = parse_acquire(stdout)
    assert got.outcome == outcome
    assert (got.owner.run_id if got.owner else None) == run_id


def test_removal_is_proved_and_what_is_left_is_named() -> None:
    work = r"C:\Windows\Temp\winfix-volsnap-0a1b2c3d"
    assert removal_command(work) == (
        f'rmdir /s /q "{work}" & if exist "{work}\\" '
        f'(echo @@volsnap-removal left& dir /b "{work}") else echo @@volsnap-removal gone'
    )
    assert parse_removal("@@volsnap-removal gone\r\n").gone is True
    left = parse_removal("@@volsnap-removal left\r\ninstall.log\r\nexpanded\r\n")
    assert (left.gone, left.left) == (False, ("install.log", "expanded"))
    assert parse_removal("").gone is None  # no marker: nobody can tell


@given(st.text(max_size=200))
def test_the_parsers_never_raise(text: str) -> None:
    parse_owner(text)
    parse_acquire(text)
    parse_removal(text)
