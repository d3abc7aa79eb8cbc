"""The lab's realm: its KDC's life cycle, and Kerberos hosts as pywinrm (pykerberos) reaches them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import winrm
import yaml
from conftest import PASSWORD, RunningLab
from winrm.exceptions import InvalidCredentialsError

from winlab.kerberos import REALM, LabKdc, RealmUser, keytab_path, service_principal
from winlab.profile import ProfileError, load_config
from winlab.served import ServedLab
from winlab.stats import read_stats

USER = f"Administrator@{REALM}"


def _kinit(principal: str, password: str, ccache: str, *flags: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "KRB5CCNAME": ccache, "LC_ALL": "C"}
    return subprocess.run(["kinit", *flags, principal], input=f"{password}\n".encode(), env=env, capture_output=True)


@pytest.fixture
def ticket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """kinit into a cache of this test's own, which pywinrm (in this process) then uses."""

    def get(password: str = PASSWORD, *flags: str) -> None:
        ccache = f"FILE:{tmp_path / 'ccache'}"
        result = _kinit(USER, password, ccache, *flags)
        assert result.returncode == 0, result.stderr
        monkeypatch.setenv("KRB5CCNAME", ccache)

    return get


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _gone(pid: int, within_s: float = 10) -> bool:
    """The process ended (gone, or a zombie waiting for its new parent to reap it)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return True
        time.sleep(0.05)
    return False


# -- the KDC ---------------------------------------------------------------------------------------------------------
def test_kdc_issues_tickets_on_loopback_only_and_stops(tmp_path: Path) -> None:
    kdc = LabKdc(tmp_path, ["w7", "R2-Core"], [RealmUser(USER, 'Pa ss"word!')])
    kdc.start()
    try:
        assert kdc.pid is not None and _listening(kdc.port)
        conf = kdc.krb5_conf.read_text()
        for setting in ("dns_lookup_kdc = false", "dns_lookup_realm = false", "dns_uri_lookup = false", "rdns = false"):
            assert setting in conf
        assert "dns_canonicalize_hostname = false" in conf and f"kdc = 127.0.0.1:{kdc.port}" in conf
        env = {**os.environ, "KRB5_CONFIG": str(kdc.krb5_conf)}
        os.environ["KRB5_CONFIG"] = str(kdc.krb5_conf)
        try:
            assert _kinit(USER, 'Pa ss"word!', f"FILE:{tmp_path / 'cc'}").returncode == 0
            wrong = _kinit(USER, "wrong", f"FILE:{tmp_path / 'cc2'}")
        finally:
            os.environ.pop("KRB5_CONFIG")
        assert wrong.returncode != 0 and b"Password incorrect" in wrong.stderr
        # Each host's keytab holds its own service principal and nothing else.
        for host, principal in (("w7", "HTTP/w7.lab.test@LAB.TEST"), ("R2-Core", "HTTP/r2-core.lab.test@LAB.TEST")):
            assert service_principal(host) == principal
            listing = subprocess.run(["klist", "-k", str(keytab_path(tmp_path, host))], env=env, capture_output=True)
            names = {line.split()[-1] for line in listing.stdout.decode().splitlines()[3:] if line.strip()}
            assert names == {principal}
        # Nothing of the KDC listens beyond loopback.
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.2", kdc.port)) != 0
    finally:
        pid = kdc.pid
        kdc.stop()
    assert pid is not None and _gone(pid) and not _listening(kdc.port)
    kdc.stop()  # idempotent


def _serve(tmp_path: Path) -> ServedLab:
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(yaml.safe_dump({"defaults": {"password": PASSWORD}, "hosts": {"k1": {"auth": "kerberos"}}}))
    return ServedLab.start(hosts, tmp_path / "inventory.ini", tmp_path / "state", tmp_path / "winlab.log")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_no_kdc_outlives_winlab_serve(tmp_path: Path, how: signal.Signals) -> None:
    with _serve(tmp_path) as served:
        kdc_pid = int((served.state_dir / "kdc" / "krb5kdc.pid").read_text())
        conf = (served.state_dir / "krb5.conf").read_text().splitlines()
        port = int(next(line for line in conf if line.strip().startswith("kdc =")).split(":")[-1])
        assert not _gone(kdc_pid, 0.2) and _listening(port)
        served.process.send_signal(how)
        served.process.wait(15)
        assert _gone(kdc_pid), f"krb5kdc {kdc_pid} still runs after winlab got {how.name}"
        assert not _listening(port)


def test_inventory_of_a_kerberos_host(tmp_path: Path) -> None:
    with _serve(tmp_path) as served:
        line = served.inventory.read_text().splitlines()[1]
    assert "ansible_user=Administrator@LAB.TEST" in line
    assert "ansible_winrm_transport=kerberos" in line
    assert "ansible_winrm_kerberos_hostname_override=k1.lab.test" in line


def test_profiles_a_realm_cannot_hold() -> None:
    with pytest.raises(ProfileError, match="DNS label"):
        load_config({"hosts": {"bad_name": {"auth": "kerberos"}}})
    with pytest.raises(ProfileError, match="one password"):
        load_config({"hosts": {"a": {"auth": "kerberos"}, "b": {"auth": "kerberos", "password": "Other-1"}}})
    # NTLM hosts keep their own passwords.
    load_config({"hosts": {"a": {"auth": "kerberos"}, "b": {"password": "Other-1"}}})


# -- Kerberos hosts through pywinrm ----------------------------------------------------------------------------------
@pytest.fixture
def realm(lab: Callable[..., RunningLab]) -> Iterator[RunningLab]:
    yield lab(
        {
            "k1": {"auth": "kerberos"},
            "k2": {"auth": "kerberos"},
            "refusing": {"auth": "kerberos", "faults": {"auth_refused": True}},
            "n1": {},
        }
    )


def test_kerberos_logon_with_mutual_authentication_and_sealed_messages(realm: RunningLab, ticket) -> None:  # type: ignore[no-untyped-def]
    ticket()
    session = realm.session("k1")
    answers: list[tuple[int, dict[str, str], bytes]] = []
    sent: list[bytes] = []
    transport = session.protocol.transport
    original = transport._send_message_request

    def spy(s, prepared):  # type: ignore[no-untyped-def]
        sent.append(prepared.body or b"")
        response = original(s, prepared)
        answers.append((response.status_code, dict(response.headers), response.content))
        return response

    transport._send_message_request = spy
    result = session.run_cmd("echo", ["TOPSECRET-MARKER"])
    assert result.status_code == 0 and b"TOPSECRET-MARKER" in result.std_out
    # The logon: one empty request with the AP-REQ, a 200 carrying the AP-REP (RFC 4559 section 5).
    status, headers, _ = answers[0]
    assert status == 200 and headers["WWW-Authenticate"].startswith("Negotiate ")
    assert len(headers["WWW-Authenticate"]) > len("Negotiate ") + 40
    # Every SOAP message, both ways, is sealed: no plaintext on the wire.
    bodies = [body for body in sent if body]
    assert bodies and all(b"TOPSECRET-MARKER" not in b and b"<s:Envelope" not in b for b in bodies)
    assert all(b"Content-Type: application/HTTP-SPNEGO-session-encrypted" in b for b in bodies)
    replies = [content for _, _, content in answers[1:]]
    assert replies and all(b"TOPSECRET-MARKER" not in r and b"Envelope" not in r for r in replies)
    realm.server.flush_stats()
    stats = read_stats(realm.server.state_dir)["k1"]
    assert stats["logons"] == {"kerberos": 1}
    assert stats["sealed_requests"] == len(bodies)


def test_a_ticket_for_another_host_is_refused(realm: RunningLab, ticket) -> None:  # type: ignore[no-untyped-def]
    ticket()
    assert realm.session("k2").run_cmd("ver").status_code == 0
    # k1 holds only its own key: a ticket made for HTTP/k2.lab.test cannot be read there.
    with pytest.raises(InvalidCredentialsError):
        realm.session("k1", kerberos_hostname_override="k2.lab.test").run_cmd("ver")


def test_ntlm_and_refused_logons_on_kerberos_hosts(realm: RunningLab, ticket) -> None:  # type: ignore[no-untyped-def]
    ticket()
    # requests-ntlm gives up with PermissionError when the answer to its NEGOTIATE carries no NTLM challenge.
    with pytest.raises(PermissionError, match="NTLM challenge"):
        realm.session("k1", transport="ntlm").run_cmd("ver")
    with pytest.raises(InvalidCredentialsError):
        realm.session("refusing").run_cmd("ver")
    # The NTLM host of the same lab is untouched by the realm.
    assert realm.session("n1").run_cmd("ver").status_code == 0


def test_delegation_reaches_the_host(realm: RunningLab, ticket) -> None:  # type: ignore[no-untyped-def]
    ticket(PASSWORD, "-f")
    assert realm.session("k1", kerberos_delegation=True).run_cmd("ver").status_code == 0
    assert realm.session("k2").run_cmd("ver").status_code == 0
    realm.server.flush_stats()
    stats = read_stats(realm.server.state_dir)
    assert (stats["k1"]["delegated_logons"], stats["k2"]["delegated_logons"]) == (1, 0)


def test_unencrypted_soap_over_http_is_refused(realm: RunningLab, ticket) -> None:  # type: ignore[no-untyped-def]
    ticket()
    session = winrm.Session(
        f"http://127.0.0.1:{realm.ports['k1']}/wsman",
        auth=(USER, None),
        transport="kerberos",
        kerberos_hostname_override="k1.lab.test",
        message_encryption="never",
    )
    with pytest.raises(winrm.exceptions.WinRMTransportError):
        session.run_cmd("ver")
