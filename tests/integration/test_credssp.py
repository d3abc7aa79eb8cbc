"""CredSSP through the winrs connection against the lab's CredSSP acceptor: raw, and a refused logon.

requests-credssp negotiates Kerberos before NTLM inside CredSSP: the runs get a krb5.conf without realms, so that a
machine's own krb5.conf cannot send that attempt off loopback (it fails at once and NTLM is used)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import DEFAULTS, W7, W2003, Lab, extra_vars, run_ansible
from fault_matrix import fault

PASSWORD = DEFAULTS["password"]


@pytest.fixture(scope="module")
def no_realm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    conf = tmp_path_factory.mktemp("krb5") / "krb5.conf"
    conf.write_text("[libdefaults]\n  dns_lookup_kdc = false\n  dns_lookup_realm = false\n")
    return {"KRB5_CONFIG": str(conf)}


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory(
        {"defaults": DEFAULTS, "hosts": {"c7": {**W7, "auth": "credssp"}, "c2003": {**W2003, "auth": "credssp"}}}
    )


def test_raw_over_credssp(lab: Lab, no_realm: dict[str, str]) -> None:
    done = run_ansible("ansible", "-i", str(lab.inventory), "all", "-m", "raw", "-a", "ver", **no_realm)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "[Version 6.1.7600]" in done.stdout and "[Version 5.2.3790]" in done.stdout


@fault("auth-refused")
def test_a_refused_credssp_logon_is_named(lab: Lab, no_realm: dict[str, str]) -> None:
    ran_before = len(lab.commands("c7"))
    done = run_ansible(
        "ansible",
        "-i",
        str(lab.inventory),
        "c7",
        "-m",
        "raw",
        "-a",
        "ver",
        *extra_vars(
            "ansible_password=Not-It-1",
        ),
        **no_realm,
    )
    message = re.sub(r"\s+", " ", done.stdout)
    assert done.returncode != 0
    assert f"winrs: http://127.0.0.1:{lab.hosts['c7'].port}/wsman (transport credssp): authentication failed" in message
    assert PASSWORD not in message and "Not-It-1" not in message
    assert len(lab.commands("c7")) == ran_before  # nothing ran on the host
