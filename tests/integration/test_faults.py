"""Fault matrix rows proven through the playbooks against one lab: cut connections, restarts that never return,
wrong and missing packages, injection through every user variable, and secrets in the report files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULTS, VISTA, W7, W2003, Lab, extra_vars, raw, remediate, run_ansible
from fault_matrix import fault
from spnego._ntlm_raw.crypto import ntowfv1

PASSWORD = DEFAULTS["password"]
FAST = {"restart_takes_s": 1}
MARK = "INJECTED"  # what a successful injection would run: `echo INJECTED`
HOSTILE = f"a & echo {MARK} | b ^ c > d < e"  # cmd.exe metacharacters, in a value that must not reach cmd
QUOTABLE = f"W2003 & echo {MARK} ^ (x)"  # a legal Windows file name that only quoting keeps harmless
URL = "http://127.0.0.1:9/"
UNCARRIABLE = (f'x" & echo {MARK} & "', f"x%PATH%{MARK}", f"x!{MARK}!")  # quoting cannot carry these: refused


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {
            "defaults": {**DEFAULTS, "faults": FAST},
            "hosts": {
                "cut-transfer": {**W7, "faults": {"drop_after_bytes": 120000, **FAST}},
                "cut-install": {**W7, "faults": {"drop_during_command": "/add-package", **FAST}},
                "never-returns": {**W7, "faults": {"restart_never_returns": True}},
                "wrong-package": W7,
                "wrong-package-vista": VISTA,
                "wrong-package-2003": W2003,
                "exit-zero": {**W7, "faults": {"installer_exit_code": 0, **FAST}},
                "exit-wusa-code": {**VISTA, "faults": {"installer_exit_code": 2359302, **FAST}},
                "missing-package": W7,
                "inj7": W7,
                "inj2003": W2003,
                "refused": {**W7, "faults": {"auth_refused": True}},
                "tls": {**W7, "auth": "basic", "tls": True},
            },
        }
    )


def rows(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "report.json").read_text())["hosts"]  # type: ignore[no-any-return]


def injected(lab: Lab, host: str) -> list[list[str]]:
    return [argv for argv in lab.commands(host) if any(MARK in arg for arg in argv[1:]) and argv[0].lower() == "echo"]


@fault("cut-mid-transfer")
@fault("cut-during-install")
def test_cut_connections_leave_nothing_half_done_and_a_rerun_completes(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    args = extra_vars(
        f"volsnap_package_dir={packages}",
        "volsnap_restart=now",
        f"volsnap_report_dir={tmp_path}",
    )
    first = remediate(lab, "cut-transfer,cut-install", *args)
    assert first.returncode != 0
    report = rows(tmp_path)
    assert "the connection was cut while dism" in report["cut-install"]["reason"], report["cut-install"]
    assert "the connection was cut while sending" in report["cut-transfer"]["reason"], report["cut-transfer"]
    for host in ("cut-transfer", "cut-install"):
        assert "shutdown" not in lab.programs(host), host  # no restart scheduled
        temp = raw(lab, host, r"dir /b C:\Windows\Temp", check=False)
        assert "winfix-volsnap" not in temp and ".msu" not in temp, (host, temp)  # no lock, no work folder, no file
    assert "dism.exe" not in lab.programs("cut-transfer")  # nothing installed from a partial package
    assert lab.programs("cut-install").count("dism.exe") == 1  # the installer ran to its end during the cut
    second = remediate(lab, "cut-transfer,cut-install", *args)
    assert second.returncode == 0, second.stdout[-3000:]
    assert {rows(tmp_path)[h]["status"] for h in ("cut-transfer", "cut-install")} == {"compliant"}
    # The installer had finished during the cut: the rerun restarted the host and did not install again.
    assert lab.programs("cut-install").count("dism.exe") == 1


@fault("restart-never-returns")
def test_a_restart_that_never_returns_fails_in_bounded_time_and_is_reported_pending(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    done = remediate(
        lab,
        "never-returns",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            "volsnap_restart_timeout=6",
            f"volsnap_report_dir={tmp_path}",
        ),
    )
    assert done.returncode != 0
    row = rows(tmp_path)["never-returns"]
    assert row["status"] == "reboot_pending" and row["reboot_pending"] is True, row
    assert "did not come back with a new boot time within 6 s" in row["reason"]
    assert "not remediated: never-returns (reboot_pending" in done.stdout


@fault("wrong-package")
def test_a_package_for_another_architecture_installs_nothing_and_says_what_the_installer_said(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    wrong = {
        "7_2008r2/AMD64": "Windows6.1-KB2748349-x86.msu",
        "vista_2008/AMD64": "Windows6.0-KB2748349-x86.msu",
        "2003/x86": "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe",
    }
    done = remediate(
        lab,
        "wrong-package:wrong-package-vista:wrong-package-2003",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            f"volsnap_report_dir={tmp_path}",
            json.dumps({"volsnap_package_names": wrong}),
        ),
    )
    assert done.returncode != 0
    rows_ = rows(tmp_path)
    # DISM says 0x800f081e (CBS_E_NOT_APPLICABLE, attested); the host records nothing: the outcome.
    dism = rows_["wrong-package"]["reason"]
    assert "not applicable to this host" in dism and "0x800F081E: CBS_E_NOT_APPLICABLE" in dism, dism
    assert "the host records no installed update afterwards" in dism
    # update.exe's answer to a package that does not apply is not documented: verbatim, decided from the host.
    exe = rows_["wrong-package-2003"]["reason"]
    assert "exit 1 (0x00000001: a code with no documented meaning for this installer)" in exe, exe
    assert "no registry record of KB2748349" in exe
    assert "records no installed update" in rows_["wrong-package-vista"]["reason"]
    for host in ("wrong-package", "wrong-package-vista", "wrong-package-2003"):
        assert rows_[host]["status"] == "vulnerable" and "shutdown" not in lab.programs(host)


@fault("installer-exit-codes")
def test_an_exit_code_never_decides_an_install_the_host_does_not_show(lab: Lab, packages: Path, tmp_path: Path) -> None:
    done = remediate(
        lab,
        "exit-zero:exit-wusa-code",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            f"volsnap_report_dir={tmp_path}",
        ),
    )
    assert done.returncode != 0
    rows_ = rows(tmp_path)
    zero = rows_["exit-zero"]["reason"]  # exit 0, and nothing installed: a failure
    assert "dism exit 0 (0x00000000: success)" in zero and "records no installed update" in zero, zero
    wusa = rows_["exit-wusa-code"]["reason"]
    assert "pkgmgr exit 2359302 (0x00240006: WU_S_ALREADY_INSTALLED, a Windows Update agent (wusa) code" in wusa, wusa
    for host in ("exit-zero", "exit-wusa-code"):
        assert rows_[host]["status"] == "vulnerable" and "shutdown" not in lab.programs(host)


@fault("missing-package")
def test_a_missing_package_is_named_and_nothing_is_sent(lab: Lab, tmp_path: Path) -> None:
    (tmp_path / "SHA256SUMS").write_text(f"{'0' * 64}  Windows6.1-KB2748349-x64.msu\n")
    before = len(lab.commands("missing-package"))
    done = remediate(lab, "missing-package", "-e", f"volsnap_package_dir={tmp_path}", "-e", "volsnap_restart=now")
    assert done.returncode != 0
    assert f"package Windows6.1-KB2748349-x64.msu is not in {tmp_path}" in done.stdout
    assert not {"mkdir", "findstr", "dism.exe", "shutdown"} & set(lab.programs("missing-package", before))


def _probe_tools(lab: Lab, host: str) -> set[str]:
    before = len(lab.commands(host))
    assert run_ansible("ansible", "-i", str(lab.inventory), host, "-m", "winfix.volsnap.volsnap_facts").returncode == 0
    return set(lab.programs(host, before))


def _module(lab: Lab, host: str, module: str, args: str) -> Any:
    return run_ansible("ansible", "-i", str(lab.inventory), host, "-m", f"winfix.volsnap.{module}", "-a", args)


def test_a_source_without_its_location_is_refused_before_anything_is_sent(lab: Lab) -> None:
    for source, needed in (("host", "package_path"), ("url", "package_url")):
        before = len(lab.commands("inj7"))
        done = _module(lab, "inj7", "volsnap_update", f"source={source}")
        assert done.returncode != 0 and f"source={source} needs {needed}; nothing was sent" in done.stdout
        assert lab.commands("inj7")[before:] == []  # not even the probe


@fault("injection-variables")
@fault("cmd-quotes")
def test_hostile_user_variables_are_quoted_or_refused_before_anything_is_sent(
    lab: Lab, packages: Path, tmp_path: Path
) -> None:
    probe = _probe_tools(lab, "inj7")
    runs: list[tuple[str, tuple[str, ...]]] = []
    for value in UNCARRIABLE:
        runs += [
            ("package_names", ("-e", json.dumps({"volsnap_package_names": {"7_2008r2/AMD64": value + ".msu"}}))),
            (
                "package_path",
                ("-e", "volsnap_package_source=host", "-e", json.dumps({"volsnap_package_path": "C:\\" + value})),
            ),
            (
                "package_url",
                ("-e", "volsnap_package_source=url", "-e", json.dumps({"volsnap_package_url": URL + value})),
            ),
        ]
    runs.append(
        ("package_url", ("-e", "volsnap_package_source=url", "-e", json.dumps({"volsnap_package_url": URL + HOSTILE})))
    )
    for variable, extra in runs:
        before = len(lab.commands("inj7"))
        done = remediate(lab, "inj7", "-e", f"volsnap_package_dir={packages}", *extra)
        assert done.returncode != 0 and "nothing was sent" in done.stdout, (variable, done.stdout[-2000:])
        assert set(lab.programs("inj7", before)) <= probe, (variable, lab.programs("inj7", before))
    for args in (
        f"mode=delay delay=900000 force=true task_name='x\" & echo {MARK} & \"'",
        f"mode=delay delay=60 force=true comment='x\" & echo {MARK} & \"'",
        f"mode=window force=true at='23:30 & echo {MARK}'",
        f"mode=delay force=true delay='1 & echo {MARK}'",
    ):
        before = len(lab.commands("inj2003"))
        done = _module(lab, "inj2003", "volsnap_restart", args)
        assert done.returncode != 0, (args, done.stdout[-2000:])
        assert set(lab.programs("inj2003", before)) <= probe, (args, lab.programs("inj2003", before))
    # Quotable metacharacters in a package name: carried inside quotes, the update installs, nothing else runs.
    hostile_dir = tmp_path / "hostile & packages"
    shutil.copytree(packages, hostile_dir)
    name = f"{QUOTABLE}.exe"
    data = (packages / "WindowsServer2003-KB2748349-x86-ENU.exe").read_bytes()
    (hostile_dir / name).write_bytes(data)
    with open(hostile_dir / "SHA256SUMS", "a") as sums:
        sums.write(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
    done = remediate(
        lab,
        "inj2003",
        *extra_vars(
            json.dumps({"volsnap_package_dir": str(hostile_dir), "volsnap_package_names": {"2003/x86": name}}),
            "volsnap_restart=now",
        ),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    # The installer line starts with a quote: cmd.exe /c strips one pair, the pair the connection added.
    installer = [sent for sent in lab.command_lines("inj2003") if name in sent["line"] and "/quiet" in sent["line"]]
    assert len(installer) == 1, installer
    assert installer[0]["line"] == f'"{installer[0]["runs"]}"' and installer[0]["runs"].startswith('"C:\\WINDOWS')
    ran = [argv for argv in lab.commands("inj2003") if argv[0].endswith(name)]
    assert len(ran) == 1, ran  # it ran once, under its own name, with exactly its arguments
    assert ran[0][1:3] == ["/quiet", "/norestart"] and len(ran[0]) == 4
    assert ran[0][3].startswith("/log:C:\\WINDOWS\\Temp\\winfix-volsnap-") and ran[0][3].endswith("\\install.log")
    assert injected(lab, "inj7") == [] and injected(lab, "inj2003") == []


def _ver(lab: Lab, host: str, *extra: str) -> Any:
    return run_ansible("ansible", "-i", str(lab.inventory), host, "-m", "raw", "-a", "ver", *extra)


@fault("tls-untrusted")
def test_a_certificate_the_controller_does_not_trust_is_refused(lab: Lab) -> None:
    done = _ver(lab, "tls")
    assert done.returncode != 0
    assert "TLS failure" in done.stdout and "ansible_winrm_ca_trust_path" in done.stdout, done.stdout[-2000:]
    assert f"https://127.0.0.1:{lab.hosts['tls'].port}/wsman" in done.stdout
    assert lab.commands("tls") == []  # nothing ran


@fault("tls-trusted")
def test_https_works_with_the_ca_given_or_validation_turned_off(lab: Lab) -> None:
    with_ca = _ver(lab, "tls", "-e", f"ansible_winrm_ca_trust_path={lab.state_dir / 'ca.pem'}")
    assert with_ca.returncode == 0 and "Microsoft Windows [Version 6.1.7600]" in with_ca.stdout, with_ca.stdout
    ignored = _ver(lab, "tls", "-e", "ansible_winrm_server_cert_validation=ignore")
    assert ignored.returncode == 0 and "Microsoft Windows [Version 6.1.7600]" in ignored.stdout, ignored.stdout


@fault("secrets")
def test_no_secret_in_any_report_file(lab: Lab, packages: Path, tmp_path: Path) -> None:
    done = remediate(
        lab,
        "refused,wrong-package",
        *extra_vars(
            f"volsnap_package_dir={packages}",
            f"volsnap_report_dir={tmp_path}",
        ),
        "-vvv",
    )
    assert "authentication failed" in rows(tmp_path)["refused"]["reason"]  # the failure is in the report
    nt_hash = ntowfv1(PASSWORD).hex()
    for path in tmp_path.iterdir():
        text = path.read_text(errors="replace")
        for secret in (PASSWORD, nt_hash, nt_hash.upper(), "TlRMTVNT", "Authorization"):
            assert secret not in text, (path.name, secret)
    assert PASSWORD not in done.stdout + done.stderr
