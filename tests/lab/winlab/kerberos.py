"""The lab's own Kerberos realm LAB.TEST: a real MIT KDC on loopback for the hosts with `auth: kerberos`.

Everything lives under the state dir: `<state>/krb5.conf` (what a controller points KRB5_CONFIG at) and
`<state>/kdc/` (kdc.conf, the principal database and its stash, one keytab per host, the KDC's log and pid file).
Each Kerberos host gets the service principal `HTTP/<host>.lab.test` (the SPN a WinRM client asks for, RFC 4559
section 4 / [MS-WSMV] 2.2.9.1.1), its own keytab holding only that key (a host cannot decrypt another host's
tickets, as on Windows where each computer account has its own key), and the profile's user becomes
`<username>@LAB.TEST` with its password and pre-authentication required (Active Directory's default).

No traffic leaves loopback: the KDC listens on 127.0.0.1 only, and krb5.conf turns off every DNS lookup
(dns_lookup_kdc, dns_lookup_realm, dns_uri_lookup, rdns, dns_canonicalize_hostname) and names the KDC by address.
The KDC is a child of the lab that dies with it: `stop()` ends it, and on Linux `setpriv --pdeathsig` has the kernel
send it SIGTERM if the lab process is killed outright.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REALM = "LAB.TEST"
DNS_DOMAIN = "lab.test"
SERVICE = "HTTP"  # WinRM's service class for Kerberos (the SPN pywinrm and Windows clients ask for)
_SBIN = os.pathsep.join(("/usr/sbin", "/sbin", "/usr/bin", "/bin"))
_ENCTYPES = "aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal"


class KdcError(RuntimeError):
    """The lab could not set up or start its KDC; the message says what and where the log is."""


def service_hostname(host_name: str) -> str:
    """The DNS name a host's service principal is made for: `HTTP/<host>.lab.test`."""
    return f"{host_name.lower()}.{DNS_DOMAIN}"


def service_principal(host_name: str) -> str:
    return f"{SERVICE}/{service_hostname(host_name)}@{REALM}"


def keytab_path(state_dir: Path, host_name: str) -> Path:
    """The host's own keytab: only its `HTTP/<host>.lab.test` key."""
    return state_dir / "kdc" / f"{host_name.lower()}.keytab"


def user_principal(username: str) -> str:
    """`Administrator` → `Administrator@LAB.TEST`; a name that already carries the realm stays as it is."""
    return username if "@" in username else f"{username}@{REALM}"


@dataclass(frozen=True)
class RealmUser:
    principal: str
    password: str


def _program(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=_SBIN)
    if found is None:
        raise KdcError(f"winlab: Kerberos hosts need MIT Kerberos ({name} not found): run `make kdc`")
    return found


def _free_port() -> int:
    """A port free for both TCP and UDP on loopback (the KDC listens on both)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise KdcError("winlab: no free loopback port for the KDC")


def krb5_conf_text(port: int) -> str:
    """The client configuration: the realm's one KDC by address, and no DNS of any kind."""
    return (
        "# Written by winlab for its realm; point KRB5_CONFIG here. Loopback only, no DNS.\n"
        "[libdefaults]\n"
        f"  default_realm = {REALM}\n"
        "  dns_lookup_kdc = false\n"
        "  dns_lookup_realm = false\n"
        "  dns_uri_lookup = false\n"
        "  dns_canonicalize_hostname = false\n"
        "  rdns = false\n"
        "  udp_preference_limit = 1\n"  # TCP, as Windows clients use for tickets with a PAC-sized payload
        "  forwardable = true\n"
        "[realms]\n"
        f"  {REALM} = {{\n"
        f"    kdc = 127.0.0.1:{port}\n"
        "  }\n"
        "[domain_realm]\n"
        f"  .{DNS_DOMAIN} = {REALM}\n"
        f"  {DNS_DOMAIN} = {REALM}\n"
    )


def kdc_conf_text(directory: Path, port: int) -> str:
    return (
        "[kdcdefaults]\n"
        f"  kdc_listen = 127.0.0.1:{port}\n"
        f"  kdc_tcp_listen = 127.0.0.1:{port}\n"
        "[realms]\n"
        f"  {REALM} = {{\n"
        f"    database_name = {directory / 'principal'}\n"
        f"    key_stash_file = {directory / 'stash'}\n"
        f"    acl_file = {directory / 'kadm5.acl'}\n"
        "    master_key_type = aes256-cts-hmac-sha1-96\n"
        f"    supported_enctypes = {_ENCTYPES}\n"
        "    max_life = 10h\n"
        "    max_renewable_life = 7d\n"
        "  }\n"
        "[logging]\n"
        f"  kdc = FILE:{directory / 'kdc.log'}\n"
        f"  admin_server = FILE:{directory / 'kadmin.log'}\n"
        f"  default = FILE:{directory / 'krb5lib.log'}\n"
    )


def _quoted(word: str) -> str:
    """One argument for kadmin's command parser: in double quotes, a double quote doubled."""
    return '"' + word.replace('"', '""') + '"'


class LabKdc:
    """The realm of one lab: create it, start its KDC, stop it (idempotent)."""

    def __init__(self, state_dir: Path, hosts: Iterable[str], users: Iterable[RealmUser]) -> None:
        self.state_dir = state_dir
        self.directory = state_dir / "kdc"
        self.krb5_conf = state_dir / "krb5.conf"
        self.hosts = tuple(hosts)
        self.users = tuple(users)
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "KRB5_CONFIG": str(self.krb5_conf),
            "KRB5_KDC_PROFILE": str(self.directory / "kdc.conf"),
            "LC_ALL": "C",
        }

    def _run(self, argv: list[str], stdin: str, doing: str) -> None:
        # Secrets (the master key, the users' passwords) go on stdin, never on a command line; kadmin.local echoes
        # its commands, so its output is not kept.
        result = subprocess.run(argv, input=stdin.encode(), capture_output=True, env=self._environment(), timeout=60)
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace")
            for user in self.users:
                detail = detail.replace(user.password, "<password>")
            raise KdcError(f"winlab: {doing} failed (exit {result.returncode}): {detail.strip()}")

    def create(self) -> None:
        """A new database, the service principals with one keytab per host, and the users."""
        if self.directory.exists():
            shutil.rmtree(self.directory)
        self.directory.mkdir(parents=True, mode=0o700)
        self.port = _free_port()
        (self.directory / "kdc.conf").write_text(kdc_conf_text(self.directory, self.port))
        (self.directory / "kadm5.acl").write_text("")
        self.krb5_conf.write_text(krb5_conf_text(self.port))
        master = secrets.token_urlsafe(24)
        self._run([_program("kdb5_util"), "create", "-s", "-r", REALM], f"{master}\n{master}\n", "kdb5_util create")
        commands = []
        for user in self.users:
            commands.append(f"addprinc -pw {_quoted(user.password)} +requires_preauth {user.principal}")
        for host in self.hosts:
            principal = service_principal(host)
            commands.append(f"addprinc -randkey {principal}")
            commands.append(f"ktadd -k {keytab_path(self.state_dir, host)} {principal}")
        self._run([_program("kadmin.local"), "-r", REALM], "\n".join(commands) + "\n", "kadmin.local")

    def start(self) -> None:
        """Create the realm and run its KDC until stop(); ready (accepting on its port) when this returns."""
        self.create()
        kdc = _program("krb5kdc")
        log = open(self.directory / "krb5kdc.out", "wb")  # noqa: SIM115 - the KDC's stdout/stderr for its life
        argv = [kdc, "-n", "-r", REALM, "-P", str(self.directory / "krb5kdc.pid")]
        setpriv = shutil.which("setpriv")
        if setpriv is not None:  # the kernel ends the KDC if the lab dies without stopping it (SIGKILL, crash)
            argv = [setpriv, "--pdeathsig", "TERM", "--", *argv]
        self._process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self._environment()
        )
        log.close()
        atexit.register(self.stop)
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = (self.directory / "krb5kdc.out").read_text(errors="replace").strip()
                raise KdcError(f"winlab: the KDC exited with {self._process.returncode}: {output}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise KdcError(f"winlab: the KDC did not listen on 127.0.0.1:{self.port} within 15 s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def acceptor_environment(self) -> dict[str, str]:
        """What the lab process needs to accept tickets: the realm's configuration and a replay cache under the
        state dir (each host's keytab is chosen per acceptor, see wsman.auth.KerberosAcceptor)."""
        return {"KRB5_CONFIG": str(self.krb5_conf), "KRB5RCACHEDIR": str(self.directory)}
