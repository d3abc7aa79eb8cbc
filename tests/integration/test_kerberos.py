"""Kerberos against the lab's own KDC (realm LAB.TEST): raw, the audit, a remediation, the failures an operator meets,
secrets, and a fleet that mixes Kerberos, NTLM, CredSSP and Basic over TLS.

The controller finds the realm as in a domain: KRB5_CONFIG names the krb5.conf the lab writes, and the inventory the
lab writes is used as it is (user Administrator@LAB.TEST, transport kerberos, the SPN's host name through
ansible_winrm_kerberos_hostname_override); the connection gets its own ticket with kinit.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
from conftest import DEFAULTS, W7, W2003, Lab, extra_vars, run_ansible
from fault_matrix import fault

from winlab.stats import read_stats

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = DEFAULTS["password"]
KERBEROS = {"auth": "kerberos"}
# What Kerberos material looks like in base64: a GSS-API InitialContextToken (AP-REQ, AP-REP) starts with the
# ASN.1 tag 0x60 and a long-form length (0x82: "YII"), and a Negotiate header names its scheme.
TOKEN_MARKS = ("YII", "Negotiate ", "Authorization")


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {
            "defaults": DEFAULTS,
            "hosts": {
                "k7": {**W7, **KERBEROS},
                "k2003": {**W2003, **KERBEROS},
                "krem": {**W7, **KERBEROS, "faults": {"restart_takes_s": 1}},
                "kfail": {**W7, **KERBEROS},
                "n7": W7,
                "btls": {**W7, "auth": "basic", "tls": True},
                "c7": {**W7, "auth": "credssp"},
            },
        }
    )


def realm_env(lab: Lab, **extra: str) -> dict[str, str]:
    return {"KRB5_CONFIG": str(lab.state_dir / "krb5.conf"), **extra}


def ansible(lab: Lab, *args: str, **extra_env: str) -> Any:
    return run_ansible("ansible", "-i", str(lab.inventory), *args, **realm_env(lab, **extra_env))


def stats(lab: Lab, host: str) -> dict[str, Any]:
    time.sleep(0.6)  # the lab writes its counters every 0.5 s
    return read_stats(lab.state_dir)[host]


def test_the_lab_inventory_is_a_domain_inventory(lab: Lab) -> None:
    host = lab.hosts["k7"]
    assert (host.user, host.transport) == ("Administrator@LAB.TEST", "kerberos")
    assert "ansible_winrm_kerberos_hostname_override=k7.lab.test" in lab.inventory.read_text()


def test_raw_over_kerberos_with_every_message_sealed(lab: Lab) -> None:
    before = stats(lab, "k2003")
    done = ansible(lab, "k7:k2003", "-m", "raw", "-a", "ver")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Microsoft Windows [Version 6.1.7600]" in done.stdout
    assert "Microsoft Windows [Version 5.2.3790]" in done.stdout  # 2003: no PowerShell, cmd.exe only
    after = stats(lab, "k2003")
    logons = after["logons"].get("kerberos", 0) - before["logons"].get("kerberos", 0)
    sealed = after["sealed_requests"] - before["sealed_requests"]
    # One empty request carries the logon; every other request's body was sealed with the session key (the lab
    # refuses a plaintext body over HTTP, and test_kerberos.py in the lab's tests shows no SOAP on the wire).
    assert logons >= 1 and sealed >= 3
    assert after["requests"] - before["requests"] == logons + sealed
    assert after["auth_failures"] == before["auth_failures"]


def test_audit_over_kerberos(lab: Lab, tmp_path: Path) -> None:
    done = run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/audit.yml",
        *extra_vars(
            "volsnap_hosts=k7:k2003",
            f"volsnap_report_dir={tmp_path}",
        ),
        **realm_env(lab),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    hosts = json.loads((tmp_path / "report.json").read_text())["hosts"]
    assert {name: row["status"] for name, row in hosts.items()} == {"k7": "vulnerable", "k2003": "vulnerable"}
    reports = "".join(p.read_text() for p in tmp_path.iterdir())
    assert PASSWORD not in reports and not any(mark in reports for mark in TOKEN_MARKS)


def test_remediation_of_a_kerberos_host(lab: Lab, packages: Path, tmp_path: Path) -> None:
    done = run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/remediate.yml",
        *extra_vars(
            "volsnap_hosts=krem",
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            f"volsnap_report_dir={tmp_path}",
        ),
        **realm_env(lab),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert json.loads((tmp_path / "report.json").read_text())["hosts"]["krem"]["status"] == "compliant"
    assert {"dism.exe", "shutdown"} <= set(lab.programs("krem"))
    assert stats(lab, "krem")["logons"]["kerberos"] >= 2  # a new logon after the restart


FAILURES = {
    "wrong-password": (
        ("-e", "ansible_password=Not-The-Passw0rd"),
        "kinit failed: the KDC of realm LAB.TEST rejected the password of Administrator@LAB.TEST",
    ),
    "unknown-user": (
        ("-e", "ansible_user=nobody@LAB.TEST"),
        "kinit failed: the KDC of realm LAB.TEST does not know the user nobody@LAB.TEST",
    ),
    "no-service-principal": (
        ("-e", "ansible_winrm_kerberos_hostname_override=nothere.lab.test"),
        "Kerberos failed while opening a cmd.exe shell: the KDC of realm LAB.TEST has no service principal "
        "HTTP/nothere.lab.test",
    ),
}


@fault("kerberos")
@pytest.mark.parametrize("case", sorted(FAILURES))
def test_kerberos_failures_are_named(lab: Lab, case: str, tmp_path: Path) -> None:
    args, expected = FAILURES[case]
    ran_before = len(lab.commands("kfail"))
    done = ansible(lab, "kfail", "-m", "raw", "-a", "ver", *args, TMPDIR=str(tmp_path))
    assert done.returncode != 0
    message = re.sub(r"\s+", " ", done.stdout)
    assert expected in message, message[-2000:]
    assert f"winrs: http://127.0.0.1:{lab.hosts['kfail'].port}/wsman (transport kerberos)" in message
    assert PASSWORD not in message and "Not-The-Passw0rd" not in message
    assert len(lab.commands("kfail")) == ran_before  # nothing ran on the host
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("winrs-krb5-")] == []  # no credential cache left


@fault("kerberos")
def test_kdc_down_is_named(lab_factory: Any) -> None:
    lone = lab_factory({"defaults": DEFAULTS, "hosts": {"k": {**W7, **KERBEROS}}})
    kdc = int((lone.state_dir / "kdc" / "krb5kdc.pid").read_text())
    os.kill(kdc, signal.SIGTERM)
    done = ansible(lone, "k", "-m", "raw", "-a", "ver")
    assert done.returncode != 0
    message = re.sub(r"\s+", " ", done.stdout)
    assert "kinit failed: no KDC of realm LAB.TEST answered" in message, message[-2000:]
    assert f"http://127.0.0.1:{lone.hosts['k'].port}/wsman" in message


@fault("secrets")
def test_no_password_or_ticket_at_vvvvv_and_no_cache_left(lab: Lab, tmp_path: Path) -> None:
    scratch, log = tmp_path / "tmp", tmp_path / "ansible.log"
    scratch.mkdir()
    done = ansible(lab, "k7:k2003", "-m", "raw", "-a", "ver", "-vvvvv", TMPDIR=str(scratch), ANSIBLE_LOG_PATH=str(log))
    output = done.stdout + done.stderr + log.read_text()
    assert done.returncode == 0 and "Microsoft Windows [Version 5.2.3790]" in output  # the run really happened
    assert "WINRS KINIT Administrator@LAB.TEST" in output  # the ticket was got by the connection, at -vvvv
    assert PASSWORD not in output
    assert not any(mark in output for mark in TOKEN_MARKS), [m for m in TOKEN_MARKS if m in output]
    assert [p.name for p in scratch.iterdir() if p.name.startswith("winrs-krb5-")] == []


@fault("secrets")
def test_ansible_runner_events_hold_no_password_or_ticket(lab: Lab, tmp_path: Path) -> None:
    pdd = tmp_path / "pdd"
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "env").mkdir()
    shutil.copy(lab.inventory, pdd / "inventory" / "hosts")
    shutil.copytree(ROOT / "playbooks", pdd / "project")
    report = tmp_path / "report"
    (pdd / "env" / "extravars").write_text(json.dumps({"volsnap_hosts": "k7", "volsnap_report_dir": str(report)}))
    envvars = {
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".venv" / "collections"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **realm_env(lab),
    }
    (pdd / "env" / "envvars").write_text(json.dumps(envvars))
    run = ansible_runner.run(private_data_dir=str(pdd), playbook="audit.yml", quiet=True, verbosity=5)
    events = list(run.events)
    assert run.rc == 0
    assert any(e["event"] == "runner_on_ok" and e["event_data"].get("host") == "k7" for e in events)
    everything = json.dumps(events) + "".join(
        p.read_text(errors="replace") for p in [*(pdd / "artifacts").rglob("*"), *report.iterdir()] if p.is_file()
    )
    assert PASSWORD not in everything
    assert not any(mark in everything for mark in TOKEN_MARKS)


def test_a_mixed_fleet_is_audited_in_one_run(lab: Lab, tmp_path: Path) -> None:
    before = {name: stats(lab, name)["logons"] for name in ("k7", "n7", "c7")}
    done = run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/audit.yml",
        *extra_vars(
            "volsnap_hosts=k7:n7:btls:c7",
            f"volsnap_report_dir={tmp_path}",
            f"ansible_winrm_ca_trust_path={lab.state_dir / 'ca.pem'}",
        ),
        **realm_env(lab),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    hosts = json.loads((tmp_path / "report.json").read_text())["hosts"]
    assert {name: row["status"] for name, row in hosts.items()} == dict.fromkeys(
        ("k7", "n7", "btls", "c7"), "vulnerable"
    )
    transports = {name: lab.hosts[name].transport for name in hosts}
    assert transports == {"k7": "kerberos", "n7": "ntlm", "btls": "basic", "c7": "credssp"}
    after = {name: stats(lab, name)["logons"] for name in ("k7", "n7", "c7")}
    for name, mechanism in (("k7", "kerberos"), ("n7", "ntlm"), ("c7", "credssp")):
        assert after[name][mechanism] > before[name].get(mechanism, 0), name
