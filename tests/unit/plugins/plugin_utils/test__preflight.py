"""The preflight's pure side: its one line (read-only sections), what its output says, and every check's decision,
including output that does not tell ("cannot tell", never a crash)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from probe_samples import Host, probe_output, section, wmic_output

from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Assessment, assess
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import UnsafeArgumentError
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import Algorithm
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._preflight import (
    CHECKS,
    EXPANSION_FACTOR,
    ControllerPackage,
    Plan,
    Readings,
    Settings,
    evaluate,
    not_read,
    parse_preflight,
    plan,
    size_text,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import parse_probe

FIXTURES = Path(__file__).parent / "fixtures"
SHA256_OUT = (FIXTURES / "certutil_hashfile_win7_sha256.txt").read_text(encoding="cp437")
SHA1_OUT = (FIXTURES / "certutil_hashfile_2003_sha256_then_sha1.txt").read_text(encoding="cp437")
W2003_HOST = Host(
    "Microsoft Windows Server 2003", "5.2", 3790, "Service Pack 2", "ServerNT", None, None, "x86", "5.2.3790.4000", None
)
PACKAGE_SIZE = 300_000
SETTINGS = Settings("controller", 21600)
LOCK = r"C:\Windows\Temp\winfix-volsnap.lock"


def facts_of(host: Host) -> HostFacts:
    return parse_probe(probe_output(host))


def host_and_assessment(host: Host | None = None) -> tuple[HostFacts, Assessment]:
    facts = facts_of(host or Host())
    return facts, assess(facts)


def package(**fields: object) -> ControllerPackage:
    base = ControllerPackage(
        name="Windows6.1-KB2748349-x64.msu",
        sha256="a" * 64,
        list_error=None,
        package_dir="/srv/kb2748349",
        copy_size=PACKAGE_SIZE,
        copy_sha256="a" * 64,
        sha1="there is no SHA1SUMS beside SHA256SUMS",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def output(
    *,
    temp: str = "yes",
    files: dict[str, str] | None = None,
    hash_text: str = SHA256_OUT,
    hash_ok: bool = True,
    free: str | None = "12884901888",
    lock: str = "",
    family: str = "7_2008r2",
) -> str:
    """The line's output in the shapes cmd, certutil and wmic print (see probe_samples)."""
    wanted = {"7_2008r2": ("expand", "dism"), "vista_2008": ("expand", "pkgmgr"), "2003": ()}[family]
    answers = {name: "yes" for name in wanted} | (files or {})
    parts = [section("temp", f"{temp}\r\n", True)]
    parts += [section(f"file_{name}", f"{answers[name]}\r\n", True) for name in wanted]
    parts.append(section("hash", hash_text, hash_ok))
    parts.append(section("free", wmic_output([{"FreeSpace": free}]) if free is not None else "", free is not None))
    parts.append(section("lock", lock, True))
    return "".join(parts)


W7_PLAN = plan("7_2008r2", r"C:\Windows")


def verdict(
    host: Host | None = None,
    out: str | None = None,
    pkg: ControllerPackage | None = None,
    settings_: Settings = SETTINGS,
    line_plan: Plan = W7_PLAN,
) -> tuple[bool, dict[str, tuple[bool, str]]]:
    facts, assessment = host_and_assessment(host)
    readings = parse_preflight(out if out is not None else output(), line_plan)
    result = evaluate(facts, assessment, settings_, readings, pkg or package(), line_plan)
    return result.ready, {name: (check.ok, check.detail) for name, check in result.checks.items()}


def failed(checks: dict[str, tuple[bool, str]]) -> list[str]:
    return [name for name, (ok, _detail) in checks.items() if not ok]


# -- the line ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("family", "root", "files"),
    [
        ("2003", r"C:\WINDOWS", []),
        ("vista_2008", r"C:\Windows", ["expand", "pkgmgr"]),
        ("7_2008r2", r"D:\WINNT", ["expand", "dism"]),
    ],
)
def test_the_line_has_the_family_s_sections_and_reads_only(family: str, root: str, files: list[str]) -> None:
    line_plan = plan(family, root)
    assert line_plan.drive == root[:2] and line_plan.lock == rf"{root}\Temp\winfix-volsnap.lock"
    names = [part.split("&", 1)[0] for part in line_plan.line.split("echo @@volsnap ")[1:]]
    assert names == ["temp", *(f"file_{f}" for f in files), "hash", "free", "lock"]
    assert f'if exist "{root}\\Temp\\" (echo yes) else echo no' in line_plan.line
    for name in files:
        assert f'if exist "{root}\\System32\\{name}.exe" (echo yes) else echo no' in line_plan.line
    volsnap = f'"{root}\\System32\\drivers\\volsnap.sys"'
    assert f"(certutil -hashfile {volsnap} SHA256 || certutil -hashfile {volsnap})" in line_plan.line
    assert f'wmic logicaldisk where DeviceID="{root[:2]}" get FreeSpace /value < nul' in line_plan.line
    # Nothing that writes: the only redirection is wmic's stdin from nul.
    assert line_plan.line.count(">") == 0 and line_plan.line.count("<") == 1
    for verb in ("mkdir", "rmdir", "del ", "move ", "copy ", "findstr", "schtasks", "shutdown", "-urlcache"):
        assert verb not in line_plan.line


def test_a_system_root_cmd_could_misread_or_an_unknown_family_sends_nothing() -> None:
    with pytest.raises(UnsafeArgumentError):
        plan("7_2008r2", r"C:\Win%PATH%dows")
    with pytest.raises(UnsafeArgumentError):
        plan("7_2008r2", r"Windows")
    with pytest.raises(ValueError, match="no installer is known for family 'later'"):
        plan("later", r"C:\Windows")


# -- reading the output ------------------------------------------------------------------------------------------
def test_everything_read() -> None:
    found = parse_preflight(output(), W7_PLAN)
    assert found.temp_folder is True and dict(found.files) == {"expand.exe": True, "dism.exe": True}
    assert found.digest is not None and found.digest.algorithm is Algorithm.SHA256
    assert (found.free_bytes, found.lock_held, found.lock_owner, found.unreadable) == (12884901888, False, None, None)


def test_a_held_lock_and_its_owner() -> None:
    owner = "winfix-volsnap lock taken 20121123115000.000000+060 by awx-ee run 0badc0de \r\n"
    found = parse_preflight(output(lock=f"@@volsnap-lock held\r\n{owner}"), W7_PLAN)
    assert found.lock_held is True and found.lock_owner is not None
    assert (found.lock_owner.controller, found.lock_owner.run_id) == ("awx-ee", "0badc0de")
    no_owner_file = parse_preflight(output(lock="@@volsnap-lock held\r\n"), W7_PLAN)
    assert no_owner_file.lock_held is True and no_owner_file.lock_owner is not None
    assert no_owner_file.lock_owner.taken is None


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        (output(temp="no"), "temp_folder", False),
        (output(temp="yes\r\nyes"), "temp_folder", None),  # two answers: not what the line prints
        (output(temp="maybe"), "temp_folder", None),
        (output(free=None), "free_bytes", None),
        (output(free=""), "free_bytes", None),  # wmic printed FreeSpace= without a number (not a fixed disk)
        (output(lock="Zugriff verweigert\r\n"), "lock_held", None),
        (output(hash_text="CertUtil: -hashfile command FAILED: 0x80070002\r\n", hash_ok=False), "digest", None),
    ],
)
def test_answers_that_do_not_tell_read_as_cannot_tell(text: str, field: str, expected: object) -> None:
    assert getattr(parse_preflight(text, W7_PLAN), field) == expected


def test_output_cut_short_reads_as_cannot_tell_for_the_sections_it_lost() -> None:
    text = output()
    cut = text[: text.index("@@volsnap lock") + len("@@volsnap lock\r\n")]  # no exit marker after the lock section
    found = parse_preflight(cut, W7_PLAN)
    assert found.free_bytes == 12884901888 and found.lock_held is None
    nothing = parse_preflight("The system cannot find the path specified.\r\n", W7_PLAN)
    assert nothing.unreadable and "no section markers" in nothing.unreadable
    assert (nothing.temp_folder, nothing.digest, nothing.free_bytes, nothing.lock_held) == (None, None, None, None)


@settings(max_examples=200)
@given(st.text())
def test_any_text_reads_without_raising(text: str) -> None:
    found = parse_preflight(text, W7_PLAN)
    assert isinstance(found, Readings)
    facts, assessment = host_and_assessment()
    result = evaluate(facts, assessment, SETTINGS, found, package(), W7_PLAN)
    assert set(result.checks) <= set(CHECKS)


@settings(max_examples=100)
@given(st.integers(min_value=0, max_value=len(output()) - 1))
def test_output_cut_anywhere_is_never_ready_by_accident(cut: int) -> None:
    """A truncated answer can only lose information: whatever it still tells must be what the full answer says."""
    found = parse_preflight(output()[:cut], W7_PLAN)
    assert found.temp_folder in (True, None) and found.lock_held in (False, None)
    assert found.free_bytes in (12884901888, None)


# -- the checks --------------------------------------------------------------------------------------------------
def test_a_host_that_needs_the_update_and_has_everything_is_ready() -> None:
    ready, checks = verdict()
    assert ready and failed(checks) == []
    assert list(checks) == [c for c in CHECKS if c not in ("preflight", "urlcache")]
    assert checks["host_hash"][1].startswith("sha256: ")
    assert checks["installer"][1] == r"expand.exe and dism.exe in C:\Windows\System32; C:\Windows\Temp exists " + (
        "(writability not tested)"
    )
    assert checks["disk_space"][1] == (
        "C: has 12.9 GB free; the package (300.0 kB) and what is unpacked from it need about 3.0 MB (10 times its size)"
    )
    assert checks["lock"] == (True, rf"no lock at {LOCK}")
    assert checks["host_time"] == (True, "2012-11-23 12:00:00 (UTC+01:00) host time")


@pytest.mark.parametrize(
    ("host", "status", "ready"),
    [
        (Host(volsnap_version="6.1.7600.17122"), "compliant", True),
        (
            Host(product_name="Windows 8 Pro", current_version="6.2", build=9200, volsnap_version="6.2.9200.16384"),
            "not_applicable",
            True,
        ),
        (Host(kb_installed=True, pending_reboot=True), "reboot_pending", True),
        (
            Host("Windows Vista (TM) Business", "6.0", 6001, "Service Pack 1", volsnap_version="6.0.6001.18000"),
            "prerequisite_missing",
            False,
        ),
        (Host(volsnap_version="6.1.7700.1"), "unknown", False),
    ],
)
def test_a_host_that_needs_no_install_gets_only_the_checks_that_apply(host: Host, status: str, ready: bool) -> None:
    facts, assessment = host_and_assessment(host)
    assert assessment.status.value == status
    result = evaluate(facts, assessment, Settings("url", 21600))
    assert list(result.checks) == ["reachable", "assessment", "pending_restart", "host_time"]
    assert result.ready is ready and result.failed() == ([] if ready else ["assessment"])
    assert result.checks["assessment"].detail.startswith(f"{status}: ")
    if status == "reboot_pending":
        assert "KB2748349's own restart" in result.checks["pending_restart"].detail


def test_a_restart_pending_for_another_change_stops_an_install() -> None:
    ready, checks = verdict(Host(pending_reboot=True))
    assert not ready and failed(checks) == ["pending_restart"]
    assert checks["pending_restart"][1].startswith("pending for another change (Component Based Servicing")


def test_a_host_whose_clock_cannot_be_read() -> None:
    ready, checks = verdict(Host(local_time="**************.******+***"))
    assert not ready and "host_time" in failed(checks)
    assert checks["host_time"][1].startswith("cannot read the host's clock")


@pytest.mark.parametrize(
    ("lock_text", "max_age", "ok", "says"),
    [
        (
            "winfix-volsnap lock taken 20121123050000.000000+060 by awx-ee run 0badc0de",
            21600,
            True,
            "7 h 00 min old: would be broken (older than volsnap_lock_max_age_s, 21600 s)",
        ),
        (
            "winfix-volsnap lock taken 20121123115000.000000+060 by awx-ee run 0badc0de",
            21600,
            False,
            "10 min 00 s old: a run now would refuse it; it would be broken once older than volsnap_lock_max_age_s "
            "(21600 s), in 5 h 50 min",
        ),
        (
            "winfix-volsnap lock taken 20121123050000.000000+060 by awx-ee run 0badc0de",
            0,
            False,
            "volsnap_lock_max_age_s is 0, so it is never broken",
        ),
        (
            "winfix-volsnap lock taken unknown by awx-ee run 0badc0de",
            21600,
            False,
            "its age cannot be told, so it would not be broken",
        ),
        ("", 21600, False, "held by an unknown run; its age cannot be told"),
    ],
)
def test_a_held_lock_by_its_age(lock_text: str, max_age: int, ok: bool, says: str) -> None:
    out = output(lock=f"@@volsnap-lock held\r\n{lock_text}\r\n")
    ready, checks = verdict(out=out, settings_=Settings("controller", max_age))
    assert checks["lock"][0] is ok and ready is ok, checks["lock"]
    assert checks["lock"][1].startswith(f"{LOCK} is held by ") and says in checks["lock"][1], checks["lock"][1]


def test_disk_space_against_ten_times_the_package() -> None:
    need = PACKAGE_SIZE * EXPANSION_FACTOR
    assert verdict(out=output(free=str(need)))[1]["disk_space"][0] is True
    ready, checks = verdict(out=output(free=str(need - 1)))
    assert not ready and failed(checks) == ["disk_space"]
    assert checks["disk_space"][1].startswith("C: has only 3.0 MB free")
    _ready, checks = verdict(pkg=package(copy_size=None, copy_sha256=None), settings_=Settings("url", 21600))
    assert checks["disk_space"] == (
        False,
        "cannot tell: C: has 12.9 GB free, and the package's size is unknown (it is not in package_dir on the "
        "controller)",
    )
    _ready, checks = verdict(out=output(free=None))
    assert checks["disk_space"] == (False, "cannot tell: wmic logicaldisk printed no FreeSpace for C:")


@pytest.mark.parametrize(
    ("files", "temp", "says"),
    [
        ({"dism": "no"}, "yes", r"dism.exe not in C:\Windows\System32: dism cannot run"),
        ({"expand": "no", "dism": "no"}, "yes", r"expand.exe, dism.exe not in C:\Windows\System32"),
        ({"dism": "?"}, "yes", r"cannot tell whether dism.exe is in C:\Windows\System32"),
        ({}, "no", r"C:\Windows\Temp does not exist: the work folder and the lock go there"),
    ],
)
def test_installer_files_and_the_temp_folder(files: dict[str, str], temp: str, says: str) -> None:
    ready, checks = verdict(out=output(files=files, temp=temp))
    assert not ready and failed(checks) == ["installer"] and checks["installer"][1].startswith(says)


def test_server_2003_runs_its_package_itself_and_proves_bytes_with_sha1_from_the_controller() -> None:
    line_plan = plan("2003", r"C:\WINDOWS")
    out = output(family="2003", hash_text=SHA1_OUT)
    pkg = package(name="WindowsServer2003-KB2748349-x86-ENU.exe", package_dir="/srv/p")
    ready, checks = verdict(W2003_HOST, out, pkg, line_plan=line_plan)
    assert ready, checks
    assert checks["installer"][1].startswith(r"update.exe runs itself; C:\WINDOWS\Temp exists")
    assert checks["host_hash"][1].endswith("the SHA-1 of the controller's copy in /srv/p proves the bytes")
    listed = package(copy_size=None, copy_sha256=None, sha1="listed")
    _ready, checks = verdict(W2003_HOST, out, listed, Settings("host", 21600), line_plan)
    assert checks["host_hash"][0] and "SHA1SUMS lists the package's SHA-1" in checks["host_hash"][1]
    neither = package(copy_size=None, copy_sha256=None, sha1="/srv/p/SHA1SUMS does not list x.exe")
    ready, checks = verdict(W2003_HOST, out, neither, Settings("host", 21600), line_plan)
    assert not ready and failed(checks) == ["host_hash", "disk_space"]
    assert "(x.exe" not in checks["host_hash"][1] and "/srv/p/SHA1SUMS does not list x.exe" in checks["host_hash"][1]
    assert "cannot be proven" in checks["host_hash"][1]


def test_source_url_on_server_2003_fails_the_urlcache_check_only() -> None:
    line_plan = plan("2003", r"C:\WINDOWS")
    out = output(family="2003", hash_text=SHA1_OUT)
    ready, checks = verdict(W2003_HOST, out, package(), Settings("url", 21600), line_plan)
    assert not ready and failed(checks) == ["urlcache"]
    assert checks["urlcache"][1].startswith("Windows Server 2003 has no certutil -urlcache")
    _ready, checks = verdict(out=output(), settings_=Settings("url", 21600))
    assert checks["urlcache"][0] and "from Vista on" in checks["urlcache"][1]


def test_a_host_without_any_digest_cannot_tell_which_hash_proves_the_bytes() -> None:
    out = output(hash_text="CertUtil: Unknown arguments.\r\n", hash_ok=False)
    ready, checks = verdict(out=out)
    assert not ready and failed(checks) == ["host_hash"]
    assert checks["host_hash"][1].startswith("cannot tell: certutil -hashfile printed no SHA-256 or SHA-1")


@pytest.mark.parametrize(
    ("pkg", "source", "says"),
    [
        (
            package(sha256=None, list_error="no SHA-256 is listed for x: add it"),
            "controller",
            "no SHA-256 is listed for x: add it",
        ),
        (package(copy_sha256="b" * 64), "controller", "SHA-256 mismatch: the file has bbbb"),
        (
            package(copy_size=None, copy_sha256=None),
            "controller",
            "source controller pushes Windows6.1-KB2748349-x64.msu, which is not in /srv/kb2748349",
        ),
        (
            package(copy_size=None, copy_sha256=None, package_dir=None),
            "controller",
            "which is not anywhere: package_dir is not given",
        ),
    ],
)
def test_what_the_controller_lacks_fails_the_package_check(pkg: ControllerPackage, source: str, says: str) -> None:
    _ready, checks = verdict(pkg=pkg, settings_=Settings(source, 21600))
    assert not checks["package"][0] and says in checks["package"][1], checks["package"]


def test_source_url_or_host_needs_no_copy_on_the_controller_for_the_package_check() -> None:
    for source, how in (("url", "downloads it from package_url"), ("host", "copies it from package_path")):
        _ready, checks = verdict(pkg=package(copy_size=None, copy_sha256=None), settings_=Settings(source, 21600))
        assert checks["package"][0] and how in checks["package"][1]


def test_a_line_that_was_not_sent_cannot_tell_anything_it_would_have_read() -> None:
    facts, assessment = host_and_assessment()
    result = evaluate(facts, assessment, SETTINGS, not_read("the preflight line was not sent: bad root"), package())
    assert not result.ready
    assert result.failed() == ["installer", "host_hash", "disk_space", "lock"]
    for name in result.failed():
        assert "the preflight line was not sent: bad root" in result.checks[name].detail


def test_sizes_in_decimal_units() -> None:
    assert [size_text(n) for n in (900, 1500, 2_500_000, 35 * 10**9)] == ["900 bytes", "1.5 kB", "2.5 MB", "35.0 GB"]
