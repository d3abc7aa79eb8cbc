# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: winrs
short_description: Run cmd.exe commands on Windows over WinRM, without PowerShell
version_added: 0.1.0
description:
  - The Windows Remote Shell (WinRS) over WS-Management, through pywinrm. Commands run in the host's C(cmd.exe),
    opened in its OEM code page, so hosts without PowerShell (Windows Server 2003, Vista, Server 2008, 2008 Server
    Core) can be reached. C(ansible.builtin.raw) works through it.
  - Reads the inventory variables of P(ansible.builtin.winrm#connection) listed below, and passes every other
    C(ansible_winrm_<name>) variable to pywinrm's C(winrm.Protocol) as ansible-core's winrm connection does, when
    C(<name>) is an argument of the installed pywinrm's C(Protocol) (for example C(ansible_winrm_send_cbt),
    C(ansible_winrm_proxy), C(ansible_winrm_kerberos_delegation), C(ansible_winrm_kerberos_hostname_override),
    C(ansible_winrm_credssp_disable_tlsv1_2)); any other is reported with a warning and not used. C(send_cbt),
    C(kerberos_delegation) and C(credssp_disable_tlsv1_2) given as text (C(false) in an INI inventory) are read as
    booleans.
  - What you send is what runs. WinRS runs every command through C(cmd.exe /c), which strips the first and the last
    quote of a line that starts with a quote (C(cmd /?)); so a line that starts with a quote is sent inside one more
    pair of quotes, which is exactly what cmd strips. Lines longer than cmd's 8191 characters are refused.
  - A command that prints nothing for O(operation_timeout) seconds is normal (a quiet installer); the host answers
    each wait with the WS-Management fault w:TimedOut and the connection asks again, until the command ends or
    O(command_timeout) passes. At C(-v) a long command is reported every 30 seconds. Past O(command_timeout) the task
    fails naming the command, the endpoint and the limit; the command is not stopped (no terminate signal, the shell
    is not deleted), because stopping an installer half-way is worse than letting it finish.
  - Files move with cmd-only tools (C(findstr), C(certutil)); every transfer is checked on the host and lands under
    its final name only when the hashes match - SHA-256 where the host can compute it, SHA-1 of the same bytes where it
    cannot (Windows Server 2003 without KB968730 or KB938397), detected from the host's answer.
  - Commands that get stdin are started with console-mode stdin off (C(WINRS_CONSOLEMODE_STDIN=FALSE)), as
    ansible-core does, and each request stays within the 150 KB a host accepts by default (MaxEnvelopeSizekb), message
    encryption included.
author:
  - winfix.volsnap maintainers (@winfix)
requirements:
  - pywinrm >= 0.5.0 (with requests-ntlm; requests-kerberos and requests-credssp for those transports)
  - for O(transport=kerberos), pywinrm[kerberos] and MIT Kerberos' kinit on the controller (see the README)
options:
  remote_addr:
    description: Address of the Windows host.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_winrm_host
  remote_user:
    description: The user to log in as.
    type: str
    vars:
      - name: ansible_user
      - name: ansible_winrm_user
    keyword:
      - name: remote_user
  remote_password:
    description: The password of O(remote_user). Never logged.
    type: str
    vars:
      - name: ansible_password
      - name: ansible_winrm_pass
      - name: ansible_winrm_password
    aliases:
      - password
  port:
    description:
      - The WinRM port. Defaults to 5986 for O(scheme=https) and 5985 otherwise; WinRM 1.1 listeners (2003 R2,
        Vista, 2008) use 80 and 443, reachable by setting this and O(scheme).
    type: int
    vars:
      - name: ansible_port
      - name: ansible_winrm_port
    keyword:
      - name: port
  scheme:
    description: C(http) or C(https). Defaults to C(https) unless O(port) is 5985 or 80.
    type: str
    choices: [http, https]
    vars:
      - name: ansible_winrm_scheme
  path:
    description: The URI path of the WinRM endpoint.
    type: str
    default: /wsman
    vars:
      - name: ansible_winrm_path
  transport:
    description:
      - How to authenticate. C(ntlm), C(kerberos) and C(credssp) encrypt messages over HTTP (see O(message_encryption)).
      - C(basic) sends the password in every request; use it only over C(https).
    type: str
    default: ntlm
    choices: [basic, ntlm, kerberos, credssp, certificate]
    vars:
      - name: ansible_winrm_transport
  message_encryption:
    description:
      - WinRM message encryption over HTTP. C(auto) encrypts when the transport can and the scheme is C(http).
    type: str
    default: auto
    choices: [auto, always, never]
    vars:
      - name: ansible_winrm_message_encryption
  server_cert_validation:
    description:
      - Validate the host's TLS certificate. Turn it off only for a host whose certificate cannot be validated and
        whose network path you trust; prefer O(ca_trust_path).
    type: str
    default: validate
    choices: [validate, ignore]
    vars:
      - name: ansible_winrm_server_cert_validation
  ca_trust_path:
    description: A CA bundle to validate the host's certificate with.
    type: path
    vars:
      - name: ansible_winrm_ca_trust_path
  cert_pem:
    description: Client certificate for O(transport=certificate).
    type: path
    vars:
      - name: ansible_winrm_cert_pem
  cert_key_pem:
    description: Key of O(cert_pem).
    type: path
    vars:
      - name: ansible_winrm_cert_key_pem
  connection_timeout:
    description:
      - As in P(ansible.builtin.winrm#connection), despite its name it sets both timeouts below when given, overriding
        them - O(operation_timeout) to this value and O(read_timeout) to 10 seconds more.
    type: int
    vars:
      - name: ansible_winrm_connection_timeout
  read_timeout:
    description:
      - Seconds to wait for one HTTP answer (pywinrm's C(read_timeout_sec)); must be above O(operation_timeout).
        Defaults to O(operation_timeout) plus 10.
    type: int
    vars:
      - name: ansible_winrm_read_timeout_sec
  operation_timeout:
    description:
      - Seconds the host may hold one WinRM operation (pywinrm's C(operation_timeout_sec)), in particular a Receive
        that waits for the output of a quiet command; the host then answers w:TimedOut and the connection asks again.
    type: int
    default: 20
    vars:
      - name: ansible_winrm_operation_timeout_sec
  command_timeout:
    description:
      - Seconds one command may run before the task fails. The command is left running on the host (see the
        description); the work folder and the lock of a C(volsnap_update) task are left in place and named.
    type: int
    default: 1800
    vars:
      - name: ansible_winrs_command_timeout
  codepage:
    description:
      - The code page the remote cmd.exe runs in; output is decoded from it. The OEM code page of the host's
        language (437 en-US, 850 western Europe). Never 65001 by default, which breaks cmd.exe before Windows 7.
    type: int
    default: 437
    vars:
      - name: ansible_winrs_codepage
  transfer_chunk_size:
    description:
      - Bytes of stdin per WinRM Send during a transfer. Defaults to the most that fits in one 150 KB request
        (MaxEnvelopeSizekb) with the transport's message encryption; a larger value is refused before anything is sent.
    type: int
    vars:
      - name: ansible_winrs_transfer_chunk_size
  kinit_mode:
    description:
      - Where the Kerberos ticket comes from when O(transport=kerberos).
      - V(managed) (the default when O(remote_password) is set) runs O(kinit_cmd) for O(remote_user) with the password
        on its standard input, into a credential cache of this connection's own that is removed when it closes.
      - V(manual) (the default without a password) uses the ticket already in your credential cache (C(KRB5CCNAME) or
        the system default), from your own C(kinit) or a keytab.
    type: str
    choices: [managed, manual]
    vars:
      - name: ansible_winrm_kinit_mode
  kinit_cmd:
    description: The kinit program, a name on C(PATH) or a path, for O(kinit_mode=managed).
    type: str
    default: kinit
    vars:
      - name: ansible_winrm_kinit_cmd
  kinit_args:
    description:
      - Arguments for kinit (split as a shell would), given before the principal, e.g. C(-l 4h).
      - They replace the C(-f) (forwardable ticket) that O(kerberos_delegation) adds otherwise.
    type: str
    vars:
      - name: ansible_winrm_kinit_args
  kinit_env_vars:
    description:
      - Environment variables kinit gets besides C(PATH) and C(KRB5_CONFIG); it otherwise runs with a blank
        environment in the C locale. C(KRB5CCNAME) names the private cache and cannot be passed.
    type: list
    elements: str
    default: []
    vars:
      - name: ansible_winrm_kinit_env_vars
  kerberos_hostname_override:
    description:
      - The host name of the service principal (C(HTTP/<name>)) when it is not the address connected to, e.g.
        when O(remote_addr) is an IP address, an alias or a load balancer.
    type: str
    vars:
      - name: ansible_winrm_kerberos_hostname_override
  kerberos_delegation:
    description:
      - Forward the Kerberos ticket to the host, so that commands there can authenticate to a second host (a share
        the packages come from with C(source=host)). Needs a forwardable ticket (kinit C(-f), added in
        O(kinit_mode=managed)) and, in the domain, a host account trusted for delegation.
    type: bool
    default: false
    vars:
      - name: ansible_winrm_kerberos_delegation
"""

import hashlib
import inspect
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.connection import ConnectionBase
from ansible.plugins.loader import shell_loader
from ansible.utils.display import Display

from ansible_collections.winfix.volsnap.plugins.plugin_utils._checksums import (
    ChecksumError,
    Expected,
    check_host_digest,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._cmdline import (
    UnsafeArgumentError,
    check_cmd_line_length,
    for_cmd_c,
    program_of,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._envelope import ChunkSizeError, pieces, stdin_chunk
from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import CommandStillRunning, WinrsFailure
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import Algorithm, parse_host_digest
from ansible_collections.winfix.volsnap.plugins.plugin_utils._kerberos import (
    KerberosUserError,
    check_principal,
    classify,
    describe,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._kinit import KinitError, PrivateCredentialCache, kinit
from ansible_collections.winfix.volsnap.plugins.plugin_utils._transfer import (
    base64_lines,
    decode_certutil_text,
    download_plan,
    upload_plan,
)

try:
    import requests.exceptions
    import winrm
    from winrm.exceptions import (
        AuthenticationError,
        WinRMError,
        WinRMOperationTimeoutError,
        WinRMTransportError,
        WSManFaultError,
    )

    HAS_WINRM = True
    WINRM_IMPORT_ERROR: Exception | None = None
except ImportError as error:  # pragma: no cover - reported when the connection is used
    HAS_WINRM = False
    WINRM_IMPORT_ERROR = error

# Authentication failures raised by the transports' own libraries (each optional, as in pywinrm).
_AUTH_ERRORS: tuple[type[BaseException], ...] = ()
try:
    from spnego.exceptions import SpnegoError

    _AUTH_ERRORS += (SpnegoError,)
except ImportError:  # pragma: no cover
    pass
try:
    from requests_credssp.exceptions import AuthenticationException as CredSSPAuthError
    from requests_credssp.exceptions import NTStatusException

    _AUTH_ERRORS += (CredSSPAuthError, NTStatusException)
except ImportError:  # pragma: no cover
    CredSSPAuthError = None
try:  # pywinrm's Kerberos loads only with pywinrm[kerberos]; its failures are explained apart (_kerberos_explained)
    from winrm.vendor.requests_kerberos.exceptions import KerberosExchangeError, MutualAuthenticationError

    KERBEROS_ERRORS: tuple[type[Exception], ...] = (KerberosExchangeError, MutualAuthenticationError)
    HAS_KERBEROS = True
except ImportError:
    KERBEROS_ERRORS = ()
    HAS_KERBEROS = False

display = Display()
T = TypeVar("T")
_QUOTA_FAULT = 2150859174  # too many shells for this user: re-create ours
_SHELL_GONE = 2150858843  # the shell is gone (host restarted): re-create ours
_PROGRESS_FROM = 1024 * 1024
_STILL_RUNNING_EVERY_S = 30  # how often -v reports a command that is still running
_READ_TIMEOUT_MARGIN_S = 10  # read timeout above the operation timeout, as ansible-core's connection_timeout does
# ansible-core's winrm connection: extras it never passes to pywinrm (they are its own, or given explicitly).
_NOT_PASSED = frozenset({"self", "endpoint", "transport", "username", "password", "scheme", "path"}) | frozenset(
    {"kinit_mode", "kinit_cmd"}
)
_BOOLEAN_EXTRAS = frozenset({"send_cbt", "kerberos_delegation", "credssp_disable_tlsv1_2"})


class Connection(ConnectionBase):  # type: ignore[misc]
    """cmd.exe over WinRM."""

    transport = "winfix.volsnap.winrs"
    module_implementation_preferences = ("",)
    allow_executable = False
    has_pipelining = False
    allow_extras = True
    _extras_prefix = "winrm"  # ansible_winrm_* variables that are not options reach pywinrm (get_option("_extras"))
    # Set by ConnectionBase (untyped): declared for the type checker only.
    _shell: Any
    _connected: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._shell_type = "cmd"
        super().__init__(*args, **kwargs)
        if self._shell is None or getattr(self._shell, "SHELL_FAMILY", "") != "cmd":
            self._shell = shell_loader.get("cmd")
        self._protocol: Any = None
        self._shell_id: str | None = None
        self._endpoint = ""
        self._kerberos_cache: PrivateCredentialCache | None = None
        self._saved_ccache_name: str | None = None
        # Which hash proved the last file put_file or fetch_file moved ("sha256", or "sha1" on a host without SHA-2);
        # volsnap_update reports it as host_hash.
        self.last_transfer_hash: str | None = None

    # -- connection ---------------------------------------------------------------------------------------------
    def _where(self) -> str:
        return f"{self._endpoint or self.get_option('remote_addr')} (transport {self.get_option('transport')})"

    def _build_endpoint(self) -> str:
        port = self.get_option("port")
        scheme = self.get_option("scheme") or ("http" if port in (5985, 80) else "https")
        port = port or (5985 if scheme == "http" else 5986)
        path = "/" + (self.get_option("path") or "/wsman").lstrip("/")
        host = self.get_option("remote_addr")
        return f"{scheme}://{host}:{port}{path}"

    def _connect(self) -> Connection:
        if not HAS_WINRM:
            raise AnsibleError(f"winrs needs pywinrm (pip install -r requirements.txt): {WINRM_IMPORT_ERROR}")
        if self._connected:
            return self
        self._endpoint = self._build_endpoint()
        self._kerberos_login()
        kwargs = self.protocol_kwargs()
        self._protocol = self._call("setting up the WinRM client", lambda: winrm.Protocol(**kwargs))
        display.vvv(
            f"WINRS CONNECT {self._where()} as {self.get_option('remote_user')}", host=self._play_context.remote_addr
        )
        self._open_shell()
        self._connected = True
        return self

    def protocol_kwargs(self) -> dict[str, Any]:
        """The arguments of winrm.Protocol: this plugin's options, then every ansible_winrm_* extra that the installed
        pywinrm's Protocol accepts (ansible-core's rule: the same names, the same warning for the others), then
        connection_timeout, which sets both timeouts as in ansible-core."""
        operation_timeout = self.get_option("operation_timeout")
        read_timeout = self.get_option("read_timeout") or operation_timeout + _READ_TIMEOUT_MARGIN_S
        kwargs: dict[str, Any] = {
            "endpoint": self._endpoint or self._build_endpoint(),
            "transport": self.get_option("transport"),
            "username": self.get_option("remote_user"),
            "password": self.get_option("remote_password"),
            "server_cert_validation": self.get_option("server_cert_validation"),
            "ca_trust_path": self.get_option("ca_trust_path") or "legacy_requests",
            "cert_pem": self.get_option("cert_pem"),
            "cert_key_pem": self.get_option("cert_key_pem"),
            "message_encryption": self.get_option("message_encryption"),
        }
        kwargs.update(self._extras_for(winrm.Protocol))
        kwargs.update(self._kerberos_arguments())
        connection_timeout = self.get_option("connection_timeout")
        if connection_timeout:
            operation_timeout, read_timeout = connection_timeout, connection_timeout + _READ_TIMEOUT_MARGIN_S
        if read_timeout <= operation_timeout:
            raise AnsibleError(
                f"winrs: {self._where()}: ansible_winrm_read_timeout_sec ({read_timeout}) must be above "
                f"ansible_winrm_operation_timeout_sec ({operation_timeout}): the host may hold a request that long"
            )
        kwargs.update(operation_timeout_sec=operation_timeout, read_timeout_sec=read_timeout)
        return kwargs

    def _extras_for(self, protocol_class: Any) -> dict[str, Any]:
        extras: dict[str, Any] = self._options.get("_extras") or {}  # set by Ansible from the host's variables
        accepted = set(inspect.getfullargspec(protocol_class.__init__).args) | _NOT_PASSED
        names = {name.removeprefix("ansible_winrm_"): name for name in extras}
        for name in sorted(set(names) - accepted):
            display.warning(
                f"ansible_winrm_{name} unsupported by pywinrm (is an up-to-date version of pywinrm installed?)"
            )
        passed = {}
        for name in sorted((set(names) & accepted) - _NOT_PASSED):
            value = extras[names[name]]
            passed[name] = boolean(value, strict=False) if name in _BOOLEAN_EXTRAS and isinstance(value, str) else value
        return passed

    def _open_shell(self) -> None:
        self._shell_id = self._call(
            "opening a cmd.exe shell",
            lambda: self._protocol.open_shell(codepage=self.get_option("codepage"), noprofile=True),
        )

    def _call(self, doing: str, action: Callable[[], T]) -> T:
        """Run one pywinrm call; any failure becomes an AnsibleConnectionFailure naming the endpoint, the transport and
        what was being done (never a secret)."""
        try:
            return action()
        except KERBEROS_ERRORS as error:
            explained = self._redact(self._kerberos_explained(str(error)))
            raise WinrsFailure(f"winrs: {self._where()}: Kerberos failed while {doing}: {explained}") from error
        except Exception as error:  # every library below pywinrm has its own exceptions: none may reach the user raw
            raise WinrsFailure(
                f"winrs: {self._where()}: {self._redact(_describe(error, doing, self.get_option('operation_timeout')))}"
            ) from error

    def _redact(self, text: str) -> str:
        password = self.get_option("remote_password")
        return text.replace(password, "********") if password else text

    # -- commands -------------------------------------------------------------------------------------------------
    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        display.vvv(f"WINRS EXEC {cmd}", host=self._play_context.remote_addr)
        stdin = pieces(in_data, self._chunk_size()) if in_data else None
        rc, stdout, stderr = self._run(cmd, stdin)
        codec = _codec(self.get_option("codepage"))
        # Ansible decodes command output as UTF-8: hand it text decoded from the shell's code page.
        return rc, stdout.decode(codec, "replace").encode("utf-8"), stderr.decode(codec, "replace").encode("utf-8")

    def _chunk_size(self) -> int:
        try:
            return stdin_chunk(self.get_option("transport"), self.get_option("transfer_chunk_size"))
        except ChunkSizeError as error:
            raise AnsibleError(f"winrs: {self._where()}: {error}; nothing was sent") from None

    def _run(
        self, cmd: str, stdin: Iterable[bytes] | None = None, progress: Callable[[int], None] | None = None
    ) -> tuple[int, bytes, bytes]:
        """One command in the shared shell: stdin streamed (or closed at once), output gathered, the command
        cleaned up. A shell lost to a restart or the shell quota is re-created once."""
        try:
            check_cmd_line_length(for_cmd_c(cmd))
        except UnsafeArgumentError as error:
            raise AnsibleError(f"winrs: {self._where()}: {error}; nothing was sent") from None
        self._connect()
        if self._shell_id is None:  # the last shell was left to a command still running in it
            self._open_shell()
        try:
            return self._run_once(cmd, stdin, progress)
        except _ShellLost:
            if stdin is not None:
                raise AnsibleConnectionFailure(
                    f"winrs: {self._where()}: the shell was lost during a transfer"
                ) from None
            self._open_shell()
            return self._run_once(cmd, None, progress)

    def _run_once(
        self, cmd: str, stdin: Iterable[bytes] | None, progress: Callable[[int], None] | None
    ) -> tuple[int, bytes, bytes]:
        protocol, shell_id = self._protocol, self._shell_id
        program = program_of(cmd)
        line = for_cmd_c(cmd)  # what cmd.exe /c turns back into cmd
        console_mode = stdin is None  # ansible-core: console-mode stdin off for every command it streams stdin to
        try:
            command_id = self._call(
                f"starting {program}",
                lambda: protocol.run_command(shell_id, line, console_mode_stdin=console_mode),
            )
        except AnsibleConnectionFailure as error:
            cause = error.__cause__
            if isinstance(cause, WSManFaultError) and cause.wsman_fault_code in (_QUOTA_FAULT, _SHELL_GONE):
                raise _ShellLost() from error
            if isinstance(error, WinrsFailure):
                error.command_started = None  # the request may have reached the host before the failure
            raise
        try:
            parts = list(stdin) if stdin is not None else [b""]
            sent = 0
            for index, piece in enumerate(parts):
                self._send(command_id, piece, last=index == len(parts) - 1)
                sent += len(piece)
                if progress and piece:
                    progress(sent)
            stdout, stderr, rc = self._gather(command_id, program)
        except WinrsFailure as error:
            error.command_started = True  # the host accepted the command: it runs, whatever became of its answer
            raise
        try:
            protocol.cleanup_command(shell_id, command_id)
        except Exception as error:  # the command finished; a failed cleanup (e.g. a restart began) is not an error
            display.vvvv(f"winrs: cleanup after the command failed: {type(error).__name__}")
        return rc, stdout, stderr

    def _send(self, command_id: str, data: bytes, last: bool) -> None:
        protocol, shell_id = self._protocol, self._shell_id

        def send() -> None:
            try:
                protocol.send_command_input(shell_id, command_id, data, end=last)
            except WinRMOperationTimeoutError:
                # ansible-core: a busy host may time out a Send it still processes; go on, the output tells.
                display.warning(f"winrs: {self._where()}: the host timed out a stdin message; going on")

        self._call("sending input", send)

    def _gather(self, command_id: str, program: str) -> tuple[bytes, bytes, int]:
        """Receive until the command is done. A Receive that ends with w:TimedOut (the command printed nothing within
        operation_timeout, [MS-WSMV] 3.1.4.14) is answered with the next Receive, until command_timeout."""
        protocol, shell_id = self._protocol, self._shell_id
        limit = self.get_option("command_timeout")
        started = time.monotonic()
        next_note = started + _STILL_RUNNING_EVERY_S
        out: list[bytes] = []
        err: list[bytes] = []

        def receive() -> tuple[bytes, bytes, int, bool] | None:
            try:
                return protocol.get_command_output_raw(shell_id, command_id)  # type: ignore[no-any-return]
            except WinRMOperationTimeoutError:
                return None  # no output yet

        while True:
            chunk = self._call(f"reading the output of {program}", receive)
            if chunk is not None:
                stdout, stderr, rc, done = chunk
                out.append(stdout)
                err.append(stderr)
                if done:
                    return b"".join(out), b"".join(err), rc
            now = time.monotonic()
            if now - started >= limit:
                self._shell_id = None  # deleting the shell would end the command with it: leave both alone
                raise CommandStillRunning(
                    f"winrs: {self._where()}: {program} was still running after {limit} s, the limit set by "
                    f"ansible_winrs_command_timeout; it was not stopped and may still be changing the host",
                    program,
                    limit,
                )
            if now >= next_note:
                display.v(f"{program} still running after {int(now - started)} s", host=self._play_context.remote_addr)
                next_note += _STILL_RUNNING_EVERY_S

    # -- files ----------------------------------------------------------------------------------------------------
    def put_file(self, in_path: str, out_path: str) -> None:
        super().put_file(in_path, out_path)
        if not os.path.isfile(in_path):
            raise AnsibleFileNotFound(f"winrs: file to send not found: {in_path}")
        try:
            plan = upload_plan(out_path, secrets.token_hex(4))
        except UnsafeArgumentError as error:
            raise AnsibleError(f"winrs: {self._where()}: refusing to send to {out_path!r}: {error}") from None
        chunk = self._chunk_size()
        with open(in_path, "rb") as handle:
            data = handle.read()
        expected = Expected(out_path, hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest())
        self.last_transfer_hash = None
        display.vvv(f"WINRS PUT {in_path} TO {out_path} ({len(data)} bytes)", host=self._play_context.remote_addr)
        committed = False
        leave_staging = False  # a command still working on the staging files keeps them
        try:
            if data:
                report = self._progress_reporter(len(data), out_path) if len(data) > _PROGRESS_FROM else None
                rc, _output, stderr = self._run(plan.receive_command(), base64_lines(data, chunk), report)
            else:
                rc, _output, stderr = self._run(plan.empty_file_command())
            self._check(rc, stderr, f"writing the staging file for {out_path}")
            algorithm: Algorithm | None = None  # an empty file is created, not decoded: nothing to check
            if data:
                rc, stdout, stderr = self._run(plan.decode_and_hash_command())
                self._check(rc, stderr, f"decoding {out_path}", stdout)
                algorithm = self._checked(
                    expected, stdout, "arrived damaged", "nothing was written under the final name"
                )
            rc, _output, stderr = self._run(plan.commit_command())
            self._check(rc, stderr, f"moving the checked file onto {out_path}")
            committed = True
            self.last_transfer_hash = algorithm.value if algorithm else None
        except CommandStillRunning:
            leave_staging = True
            raise
        finally:
            if not leave_staging:
                self._cleanup(plan.cleanup_command(), committed)

    def _progress_reporter(self, total: int, target: str) -> Callable[[int], None]:
        encoded_total = (total + 2) // 3 * 4 * 78 // 76
        step = max(encoded_total // 10, 1)
        marks = {"next": step}

        def report(sent: int) -> None:
            if sent >= marks["next"]:
                marks["next"] += step
                display.v(
                    f"winrs: {target}: {min(100, sent * 100 // encoded_total)}% sent",
                    host=self._play_context.remote_addr,
                )

        return report

    def _cleanup(self, command: str, quietly: bool) -> None:
        try:
            self._run(command)
        except AnsibleError as error:  # the host may be gone; the staging names never carry the final name
            if not quietly:
                display.warning(f"winrs: {self._where()}: could not remove staging files: {error}")

    def _checked(self, expected: Expected, stdout: bytes, damaged: str, consequence: str) -> Algorithm:
        """The host's hash of a moved file against the controller's: SHA-256, or SHA-1 where the host has no SHA-2."""
        found = parse_host_digest(stdout.decode(_codec(self.get_option("codepage")), "replace"))
        try:
            algorithm = check_host_digest(expected, found, expected.name)
        except ChecksumError as error:
            raise AnsibleError(f"winrs: {self._where()}: {expected.name} {damaged}: {error}; {consequence}") from None
        display.vvv(
            f"winrs: {expected.name} checked with {algorithm.value} on the host", host=self._play_context.remote_addr
        )
        return algorithm

    def _check(self, rc: int, stderr: bytes, doing: str, stdout: bytes = b"") -> None:
        """certutil writes its failures to stdout, most tools to stderr: name whichever has the text."""
        if rc != 0:
            text = (stderr.strip() or stdout.strip()).decode(_codec(self.get_option("codepage")), "replace")
            raise AnsibleError(f"winrs: {self._where()}: failed {doing} (exit code {rc}): {text}")

    def fetch_file(self, in_path: str, out_path: str) -> None:
        super().fetch_file(in_path, out_path)
        try:
            plan = download_plan(in_path, r"C:\Windows\Temp", secrets.token_hex(4))
        except UnsafeArgumentError as error:
            raise AnsibleError(f"winrs: {self._where()}: refusing to fetch {in_path!r}: {error}") from None
        self.last_transfer_hash = None
        rc, hashed, stderr = self._run(plan.hash_command())
        self._check(rc, stderr, f"hashing {in_path}", hashed)
        rc, stdout, stderr = self._run(plan.read_command())
        self._check(rc, stderr, f"reading {in_path}", stdout)
        try:
            data = decode_certutil_text(stdout.decode("ascii"))
        except (ValueError, UnicodeDecodeError) as error:
            raise AnsibleError(f"winrs: {self._where()}: {in_path} came back unreadable: {error}") from None
        arrived = Expected(in_path, hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest())
        algorithm = self._checked(arrived, hashed, "came back damaged", "nothing was written on the controller")
        self.last_transfer_hash = algorithm.value
        directory = os.path.dirname(os.path.abspath(out_path))
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".winrs-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, out_path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    # -- life cycle -----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.close()
        self._connect()

    def close(self) -> None:
        if self._protocol is not None and self._shell_id is not None:
            try:
                self._protocol.close_shell(self._shell_id)
            except Exception as error:  # the host may already be gone (restarting)
                display.vvvv(f"winrs: closing the shell failed: {type(error).__name__}")
        self._protocol = None
        self._shell_id = None
        self._connected = False
        self._kerberos_logout()

    # -- Kerberos: the ticket, and the Kerberos arguments for pywinrm ---------------------------------------------
    def _kerberos_principal(self) -> str:
        try:
            return check_principal(self.get_option("remote_user") or "")
        except KerberosUserError as error:
            raise AnsibleConnectionFailure(f"winrs: {self._where()}: {error}") from None

    def _kerberos_service_host(self) -> str:
        return str(self.get_option("kerberos_hostname_override") or self.get_option("remote_addr"))

    def _kerberos_explained(self, message: str) -> str:
        problem = classify(message, self.get_option("remote_password"))
        return describe(problem, self.get_option("remote_user") or "", self._kerberos_service_host())

    def _kerberos_login(self) -> None:
        """kinit_mode=managed (the default with a password): a ticket for remote_user in a credential cache of this
        connection's own, which pywinrm's GSS-API finds through KRB5CCNAME until close() (Ansible runs each task's
        connection in a worker process of its own, so the variable is this connection's alone)."""
        if self.get_option("transport") != "kerberos":
            return
        if not HAS_KERBEROS:
            raise AnsibleConnectionFailure(
                f"winrs: {self._where()}: Kerberos needs pywinrm[kerberos] and the system Kerberos libraries on the "
                "controller (README: Installing)"
            )
        principal = self._kerberos_principal()
        password = self.get_option("remote_password")
        mode = self.get_option("kinit_mode") or ("managed" if password else "manual")
        if mode == "manual":
            return
        if not password:
            raise AnsibleConnectionFailure(
                f"winrs: {self._where()}: ansible_winrm_kinit_mode=managed needs ansible_password for {principal}"
            )
        display.vvvv(f"WINRS KINIT {principal} into a private credential cache", host=self._play_context.remote_addr)
        try:
            cache = kinit(
                principal,
                password,
                command=self.get_option("kinit_cmd"),
                args=self.get_option("kinit_args"),
                delegate=bool(self.get_option("kerberos_delegation")),
                pass_through=self.get_option("kinit_env_vars") or (),
            )
        except KinitError as error:
            explained = describe(error.problem, principal, self._kerberos_service_host())
            raise AnsibleConnectionFailure(f"winrs: {self._where()}: kinit failed: {explained}") from None
        self._kerberos_cache = cache
        self._saved_ccache_name = os.environ.get("KRB5CCNAME")
        os.environ["KRB5CCNAME"] = cache.name

    def _kerberos_arguments(self) -> dict[str, Any]:
        """The Kerberos settings pywinrm takes: declared options of this plugin (so they are documented and never among
        the extras), passed on whenever set, as ansible.builtin.winrm passes them."""
        arguments: dict[str, Any] = {"kerberos_delegation": bool(self.get_option("kerberos_delegation"))}
        override = self.get_option("kerberos_hostname_override")
        if override:
            arguments["kerberos_hostname_override"] = override
        return arguments

    def _kerberos_logout(self) -> None:
        cache, self._kerberos_cache = self._kerberos_cache, None
        if cache is None:
            return
        if os.environ.get("KRB5CCNAME") == cache.name:
            if self._saved_ccache_name is None:
                os.environ.pop("KRB5CCNAME", None)
            else:
                os.environ["KRB5CCNAME"] = self._saved_ccache_name
        cache.remove()


class _ShellLost(Exception):
    pass


def _describe(error: BaseException, doing: str, operation_timeout: int) -> str:
    """What went wrong, for an operator: the kind of failure, what was being done, and what to check."""
    name = type(error).__name__
    no_credssp = "did not response CredSSP" in str(error)
    if CredSSPAuthError is not None and isinstance(error, CredSSPAuthError) and no_credssp:
        # requests_credssp: "The server did not response CredSSP being an available authentication method - actual: …"
        offered = str(error).rpartition("actual:")[2].strip(" '")
        return (
            f"authentication failed while {doing}: the host does not offer CredSSP (it offers {offered or 'nothing'}); "
            "enable CredSSP on the host's WinRM service or choose another ansible_winrm_transport"
        )
    if isinstance(error, PermissionError) and "did not respond with NTLM challenge" in str(error):
        # requests-ntlm, when the host offers no NTLM (a domain that restricts NTLM takes Kerberos only)
        return (
            f"authentication failed while {doing}: the host does not offer NTLM (domains often restrict it); use "
            "ansible_winrm_transport=kerberos"
        )
    if isinstance(error, (AuthenticationError, *_AUTH_ERRORS)):
        return (
            f"authentication failed while {doing}: the user name or password was rejected, or the host does not "
            f"accept this transport ({name}: {error})"
        )
    if isinstance(error, requests.exceptions.SSLError):
        return (
            f"TLS failure while {doing} ({name}); check ansible_winrm_ca_trust_path, or see the README on hosts that "
            "only speak TLS 1.0"
        )
    if isinstance(error, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)):
        return f"timed out while {doing} ({name})"
    if isinstance(error, requests.exceptions.ConnectionError):
        return (
            f"cannot reach the WinRM endpoint while {doing}: the connection was refused, reset or the host is down "
            f"({name})"
        )
    if isinstance(error, WinRMOperationTimeoutError):
        return (
            f"the host did not complete the request within the operation timeout ({operation_timeout} s) while {doing}"
        )
    if isinstance(error, WSManFaultError):
        return f"the host refused while {doing}: WS-Management fault {error.wsman_fault_code}: {error.reason}"
    if isinstance(error, WinRMTransportError) and error.code == 413:
        return (
            f"the host refused a request as larger than its MaxEnvelopeSizekb (HTTP 413) while {doing}; lower "
            "ansible_winrs_transfer_chunk_size"
        )
    if isinstance(error, WinRMTransportError):
        return (
            f"the endpoint answered HTTP {error.code} while {doing} (the connection may have been cut and re-opened "
            "without its authentication)"
        )
    if isinstance(error, WinRMError):
        return f"WinRM error while {doing}: {error}"
    if isinstance(error, requests.exceptions.RequestException):
        return f"HTTP failure while {doing} ({name}: {error})"
    return f"unexpected failure while {doing} ({name}: {error})"


def _codec(codepage: int) -> str:
    return {65001: "utf-8"}.get(codepage, f"cp{codepage}")
