"""The winrs connection without a host: what it gives pywinrm's Protocol for a set of inventory variables (as Ansible
resolves them), how it waits for quiet commands, what it sends, and what it says when the libraries below fail."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
import winrm
from ansible.errors import AnsibleConnectionFailure, AnsibleError
from requests_credssp.exceptions import AuthenticationException, NTStatusException
from spnego.exceptions import InvalidTokenError
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)
from winrm.vendor.requests_kerberos.exceptions import KerberosExchangeError

from ansible_collections.winfix.volsnap.plugins.plugin_utils._compat import supply_connection_extras
from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import CommandStillRunning, WinrsFailure

PASSWORD = "S3cret-Pass!"
BASE_VARS = {
    "inventory_hostname": "host1",
    "ansible_host": "192.0.2.10",
    "ansible_port": 5985,
    "ansible_user": "Administrator",
    "ansible_password": PASSWORD,
}
# Every ansible_winrm_* variable ansible-core's winrm connection hands to pywinrm as an extra (not one of its options).
EXTRAS = {
    "ansible_winrm_send_cbt": False,
    "ansible_winrm_proxy": "http://proxy.example:3128",
    "ansible_winrm_kerberos_delegation": True,
    "ansible_winrm_kerberos_hostname_override": "host1.corp.example",
    "ansible_winrm_credssp_disable_tlsv1_2": True,
    "ansible_winrm_service": "WSMAN",
    "ansible_winrm_realm": None,
    "ansible_winrm_keytab": None,
}
NEWER_PYWINRM_ONLY = {"ansible_winrm_credssp_auth_mechanism": "kerberos", "ansible_winrm_credssp_minimum_version": 5}


def connection(variables: dict[str, Any]) -> Any:
    """The connection as Ansible sets it up for a host with these variables (options and the winrm extras)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook.play_context import PlayContext
    from ansible.plugins.loader import connection_loader
    from ansible.template import Templar

    conn = connection_loader.get("winfix.volsnap.winrs", PlayContext(), None)
    templar = Templar(loader=DataLoader())
    host_vars = {**BASE_VARS, **variables}
    conn.set_options(var_options=_var_options(conn, host_vars, templar))
    # ansible-core 2.15 gives a collection connection no extras; the collection's actions supply them (_compat).
    supply_connection_extras(conn, host_vars, templar.template)
    return conn


def _var_options(conn: Any, variables: dict[str, Any], templar: Any) -> dict[str, Any]:
    """What the task executor passes to set_options(var_options=...): from 2.17 on the connection resolves them
    itself; 2.15 and 2.16 build them in TaskExecutor._set_connection_options, as copied here."""
    if hasattr(conn, "_resolve_option_variables"):
        return dict(conn._resolve_option_variables(variables, templar))
    from ansible import constants as C

    options: dict[str, Any] = {"_extras": {}}
    for name in C.config.get_plugin_vars("connection", conn._load_name):
        if name in variables:
            options[name] = templar.template(variables[name])
    prefix = conn.extras_prefix if hasattr(conn, "extras_prefix") else conn._load_name  # 2.16 : 2.15
    for name, value in variables.items():
        if name.startswith(f"ansible_{prefix}_") and name not in options:
            options["_extras"][name] = templar.template(value)
    return options


class NewerProtocol:
    """A pywinrm Protocol whose __init__ also takes the CredSSP arguments (pywinrm 0.5.0 gives them to Transport
    only): the connection passes whatever the installed Protocol accepts."""

    def __init__(
        self,
        endpoint: str,
        transport: str = "plaintext",
        username: str | None = None,
        password: str | None = None,
        realm: None = None,
        service: str = "HTTP",
        keytab: None = None,
        ca_trust_path: str = "legacy_requests",
        cert_pem: str | None = None,
        cert_key_pem: str | None = None,
        server_cert_validation: str = "validate",
        kerberos_delegation: bool = False,
        read_timeout_sec: int = 30,
        operation_timeout_sec: int = 20,
        kerberos_hostname_override: str | None = None,
        message_encryption: str = "auto",
        credssp_disable_tlsv1_2: bool = False,
        send_cbt: bool = True,
        proxy: str | None = "legacy_requests",
        credssp_auth_mechanism: str = "auto",
        credssp_minimum_version: int = 2,
    ) -> None:
        self.kwargs = {k: v for k, v in locals().items() if k != "self"}
        RECORDED.append(self)

    def open_shell(self, **_kwargs: Any) -> str:
        return "SHELL"


RECORDED: list[NewerProtocol] = []


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from ansible.utils.display import Display

    seen: list[str] = []
    monkeypatch.setattr(Display, "warning", lambda self, msg, *a, **k: seen.append(msg))
    return seen


def test_every_extra_ansible_core_passes_reaches_the_protocol(
    monkeypatch: pytest.MonkeyPatch, warnings: list[str]
) -> None:
    RECORDED.clear()
    monkeypatch.setattr(winrm, "Protocol", NewerProtocol)
    conn = connection({**EXTRAS, **NEWER_PYWINRM_ONLY, "ansible_winrm_transport": "credssp"})
    conn._connect()
    kwargs = RECORDED[-1].kwargs
    for name, value in {**EXTRAS, **NEWER_PYWINRM_ONLY}.items():
        assert kwargs[name.removeprefix("ansible_winrm_")] == value, name
    assert kwargs["endpoint"] == "http://192.0.2.10:5985/wsman" and kwargs["transport"] == "credssp"
    assert kwargs["username"] == "Administrator" and kwargs["password"] == PASSWORD
    assert kwargs["operation_timeout_sec"] == 20 and kwargs["read_timeout_sec"] == 30
    assert warnings == []


def test_extras_the_installed_pywinrm_does_not_take_are_warned_about_and_left_out(warnings: list[str]) -> None:
    conn = connection({**EXTRAS, **NEWER_PYWINRM_ONLY, "ansible_winrm_no_such_option": "x"})
    kwargs = conn.protocol_kwargs()
    assert "credssp_auth_mechanism" not in kwargs and "no_such_option" not in kwargs
    assert kwargs["proxy"] == "http://proxy.example:3128" and kwargs["send_cbt"] is False
    assert sorted(warnings) == [
        f"ansible_winrm_{name} unsupported by pywinrm (is an up-to-date version of pywinrm installed?)"
        for name in ("credssp_auth_mechanism", "credssp_minimum_version", "no_such_option")
    ]
    winrm.Protocol(**kwargs)  # the real pywinrm takes what is passed


def test_options_are_not_extras_and_ansible_core_s_own_names_are_not_passed(warnings: list[str]) -> None:
    conn = connection(
        {
            "ansible_winrm_transport": "basic",
            "ansible_winrm_scheme": "https",
            "ansible_winrm_path": "/custom",
            "ansible_winrm_kinit_mode": "managed",
            "ansible_winrm_kinit_cmd": "kinit",
            "ansible_winrm_server_cert_validation": "ignore",
            "ansible_winrm_message_encryption": "never",
        }
    )
    kwargs = conn.protocol_kwargs()
    assert kwargs["endpoint"] == "https://192.0.2.10:5985/custom" and kwargs["transport"] == "basic"
    assert kwargs["server_cert_validation"] == "ignore" and kwargs["message_encryption"] == "never"
    assert not {"scheme", "path", "kinit_mode", "kinit_cmd"} & set(kwargs)
    assert warnings == []


@pytest.mark.parametrize(("text", "expected"), [("false", False), ("no", False), ("True", True), ("1", True)])
def test_boolean_extras_given_as_text_are_booleans(text: str, expected: bool) -> None:
    kwargs = connection({"ansible_winrm_send_cbt": text, "ansible_winrm_kerberos_delegation": text}).protocol_kwargs()
    assert kwargs["send_cbt"] is expected and kwargs["kerberos_delegation"] is expected


def test_connection_timeout_sets_both_timeouts_as_in_ansible_core() -> None:
    kwargs = connection(
        {
            "ansible_winrm_connection_timeout": 60,
            "ansible_winrm_operation_timeout_sec": 5,
            "ansible_winrm_read_timeout_sec": 8,
        }
    ).protocol_kwargs()
    assert kwargs["operation_timeout_sec"] == 60 and kwargs["read_timeout_sec"] == 70


def test_operation_and_read_timeouts() -> None:
    kwargs = connection({"ansible_winrm_operation_timeout_sec": 2}).protocol_kwargs()
    assert kwargs["operation_timeout_sec"] == 2 and kwargs["read_timeout_sec"] == 12
    kwargs = connection(
        {"ansible_winrm_operation_timeout_sec": 2, "ansible_winrm_read_timeout_sec": 4}
    ).protocol_kwargs()
    assert kwargs["read_timeout_sec"] == 4
    with pytest.raises(AnsibleError, match=r"read_timeout_sec \(20\) must be above .*operation_timeout_sec \(20\)"):
        connection({"ansible_winrm_read_timeout_sec": 20}).protocol_kwargs()


# -- commands: a protocol that answers like a host ----------------------------------------------------------------
class FakeProtocol:
    """Commands finish after `quiet_receives` Receives that time out (w:TimedOut → WinRMOperationTimeoutError)."""

    def __init__(self, quiet_receives: int = 0, receive_seconds: float = 0.0) -> None:
        self.quiet_receives = quiet_receives
        self.receive_seconds = receive_seconds
        self.calls: list[tuple[str, Any]] = []

    def open_shell(self, **kwargs: Any) -> str:
        self.calls.append(("open_shell", kwargs))
        return f"SHELL{self.names().count('open_shell')}"

    def run_command(self, shell_id: str, command: str, console_mode_stdin: bool = True) -> str:
        self.calls.append(("run_command", (shell_id, command, console_mode_stdin)))
        self.left = self.quiet_receives
        return "CMD"

    def send_command_input(self, shell_id: str, command_id: str, data: bytes, end: bool = False) -> None:
        self.calls.append(("send", (len(data), end)))

    def get_command_output_raw(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int, bool]:
        self.calls.append(("receive", shell_id))
        time.sleep(self.receive_seconds)
        if self.left > 0:
            self.left -= 1
            raise WinRMOperationTimeoutError()
        return b"done\r\n", b"", 0, True

    def cleanup_command(self, shell_id: str, command_id: str) -> None:
        self.calls.append(("signal_terminate", command_id))

    def close_shell(self, shell_id: str) -> None:
        self.calls.append(("close_shell", shell_id))

    def names(self) -> list[str]:
        return [name for name, _args in self.calls]


def connected(protocol: FakeProtocol, variables: dict[str, Any] | None = None) -> Any:
    conn = connection(variables or {})
    conn._endpoint = conn._build_endpoint()
    conn._protocol = protocol
    conn._shell_id = protocol.open_shell()
    conn._connected = True
    return conn


def test_a_quiet_command_is_waited_for_through_operation_timeouts() -> None:
    protocol = FakeProtocol(quiet_receives=5)
    rc, stdout, _stderr = connected(protocol).exec_command("dism.exe /online /add-package /quiet")
    assert (rc, stdout) == (0, b"done\r\n")
    assert protocol.names().count("receive") == 6


def test_past_command_timeout_the_command_is_left_running_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    protocol = FakeProtocol(quiet_receives=1000, receive_seconds=0.05)
    conn = connected(protocol, {"ansible_winrs_command_timeout": 1})
    with pytest.raises(CommandStillRunning) as caught:
        conn.exec_command(r'"C:\W\Temp\w\WindowsServer2003-KB2748349-x86-ENU.exe" /quiet /norestart')
    message = str(caught.value)
    assert "WindowsServer2003-KB2748349-x86-ENU.exe was still running after 1 s" in message
    assert "http://192.0.2.10:5985/wsman (transport ntlm)" in message and "ansible_winrs_command_timeout" in message
    assert isinstance(caught.value, AnsibleConnectionFailure)
    assert "signal_terminate" not in protocol.names()  # not stopped
    protocol.quiet_receives = 0
    assert conn.exec_command("ver")[0] == 0  # a later command runs in a new shell
    shells = [args for name, args in protocol.calls if name == "run_command"]
    assert [shell for shell, _line, _console in shells] == ["SHELL1", "SHELL2"]
    conn.close()
    # Deleting the first shell would end the installer with it: only the new one is closed.
    assert [args for name, args in protocol.calls if name == "close_shell"] == ["SHELL2"]


def test_a_long_command_is_reported_at_v(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible.utils.display import Display

    from ansible_collections.winfix.volsnap.plugins.connection import winrs

    notes: list[str] = []
    monkeypatch.setattr(Display, "v", lambda self, msg, host=None: notes.append(msg))
    monkeypatch.setattr(winrs, "_STILL_RUNNING_EVERY_S", 0.1)
    connected(FakeProtocol(quiet_receives=6, receive_seconds=0.05)).exec_command("start /w pkgmgr /ip /m:x /quiet")
    assert notes and all(note.startswith("pkgmgr still running after") for note in notes), notes


def test_stdin_commands_run_with_console_mode_off_in_pieces_that_fit(tmp_path: Path) -> None:
    protocol = FakeProtocol()
    conn = connected(protocol)
    conn.exec_command("findstr x", in_data=b"y" * 300000)
    conn.exec_command("ver")
    runs = [args for name, args in protocol.calls if name == "run_command"]
    assert [console for _shell, _line, console in runs] == [False, True]
    sends = [args for name, args in protocol.calls if name == "send"]
    assert max(size for size, _end in sends) <= 113232 and sends[-1][1] is True  # ntlm's largest chunk
    source = tmp_path / "f.bin"
    source.write_bytes(b"\x00" * 1000)
    protocol.calls.clear()
    with pytest.raises(AnsibleError):  # the fake host prints no hash: the transfer fails after the upload
        conn.put_file(str(source), r"C:\Windows\Temp\f.bin")
    upload = next(args for name, args in protocol.calls if name == "run_command")
    assert upload[1].startswith('findstr "^"') and upload[2] is False


def test_a_line_starting_with_a_quote_is_sent_in_one_more_pair_of_quotes() -> None:
    protocol = FakeProtocol()
    line = r'"C:\w\x.exe" /quiet /log:"C:\w\l.txt"'
    connected(protocol).exec_command(line)
    assert ("run_command", ("SHELL1", f'"{line}"', True)) in protocol.calls


def test_a_chunk_size_above_the_request_limit_is_refused_before_sending() -> None:
    protocol = FakeProtocol()
    conn = connected(protocol, {"ansible_winrs_transfer_chunk_size": 250000})
    with pytest.raises(AnsibleError, match=r"transfer_chunk_size 250000 is outside 1\.\.113232.*nothing was sent"):
        conn.exec_command("findstr x", in_data=b"y")
    assert "run_command" not in protocol.names()


# -- failures of the libraries below pywinrm -------------------------------------------------------------------
def _fault(code: int) -> WSManFaultError:
    return WSManFaultError(500, "m", "r", "The shell was not found", wsman_fault_code=code)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InvalidCredentialsError("the specified credentials were rejected by the server"), "authentication failed"),
        (
            AuthenticationException(
                "The server did not response CredSSP being an available authentication method - actual: 'Negotiate'"
            ),
            "the host does not offer CredSSP (it offers Negotiate)",
        ),
        (NTStatusException(0xC000006D), "authentication failed"),
        (InvalidTokenError(context_msg="bad token"), "authentication failed"),
        (
            PermissionError("Access denied: Server did not respond with NTLM challenge token"),
            "the host does not offer NTLM",
        ),
        (KerberosExchangeError("authGSSClientStep() failed"), "Kerberos failed"),
        (requests.exceptions.SSLError("certificate verify failed"), "TLS failure"),
        (requests.exceptions.ReadTimeout("read timed out"), "timed out"),
        (requests.exceptions.ConnectionError("refused"), "cannot reach the WinRM endpoint"),
        (requests.exceptions.ProxyError("proxy refused"), "cannot reach the WinRM endpoint"),
        (requests.exceptions.ChunkedEncodingError("broken"), "HTTP failure"),
        (WinRMTransportError("http", 413, ""), "larger than its MaxEnvelopeSizekb (HTTP 413)"),
        (WinRMTransportError("http", 400, ""), "answered HTTP 400"),
        (_fault(2150858843), "WS-Management fault 2150858843"),
        (WinRMError("requested auth method is kerberos, but pykerberos is not installed"), "pykerberos is not"),
        (WinRMOperationTimeoutError(), "within the operation timeout (20 s)"),
        (ValueError(f"odd value {PASSWORD}"), "unexpected failure"),
    ],
)
def test_every_library_failure_names_endpoint_transport_and_the_step(error: Exception, expected: str) -> None:
    conn = connection({})
    conn._endpoint = conn._build_endpoint()

    def fail() -> None:
        raise error

    with pytest.raises(AnsibleConnectionFailure) as caught:
        conn._call("opening a cmd.exe shell", fail)
    message = str(caught.value)
    assert expected in message, message
    assert message.startswith("winrs: http://192.0.2.10:5985/wsman (transport ntlm): ")
    assert "while opening a cmd.exe shell" in message
    assert PASSWORD not in message


# -- whether a failed command reached the host ---------------------------------------------------------------------
class CutProtocol(FakeProtocol):
    """The connection is cut at one step: "open_shell", "run_command" or "receive"."""

    def __init__(self, cut_at: str) -> None:
        super().__init__()
        self.cut_at = cut_at

    def open_shell(self, **kwargs: Any) -> str:
        if self.cut_at == "open_shell":
            raise requests.exceptions.ConnectionError("refused")
        return super().open_shell(**kwargs)

    def run_command(self, shell_id: str, command: str, console_mode_stdin: bool = True) -> str:
        if self.cut_at == "run_command":
            raise requests.exceptions.ReadTimeout("read timed out")
        return super().run_command(shell_id, command, console_mode_stdin)

    def get_command_output_raw(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int, bool]:
        if self.cut_at == "receive":
            raise requests.exceptions.ConnectionError("reset")
        return super().get_command_output_raw(shell_id, command_id)


@pytest.mark.parametrize(("cut_at", "started"), [("open_shell", False), ("run_command", None), ("receive", True)])
def test_a_failure_says_whether_the_host_got_the_command(cut_at: str, started: bool | None) -> None:
    protocol = CutProtocol("none")
    conn = connected(protocol)
    protocol.cut_at = cut_at
    conn._shell_id = None if cut_at == "open_shell" else conn._shell_id  # a new shell is opened for the command
    with pytest.raises(WinrsFailure) as caught:
        conn.exec_command("shutdown /r /f /t 2 /d p:2:17")
    assert caught.value.command_started is started


def test_on_ansible_core_2_15_the_collections_actions_hand_the_extras_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """2.15's task executor gives a collection's connection no extras; the actions then set them from the host's
    variables, templated, leaving out the connection's own options (on 2.16 and later they leave them to Ansible)."""
    from ansible_collections.winfix.volsnap.plugins.plugin_utils import _compat

    conn = connection({})
    conn._options["_extras"] = {}  # what 2.15's executor leaves there
    host_vars = {
        **BASE_VARS,
        "ansible_winrm_proxy": "{{ proxy }}",
        "ansible_winrm_send_cbt": "false",
        "ansible_winrm_transport": "ntlm",
        "ansible_winrm_scheme": "http",
        "ansible_winrs_codepage": 850,
    }
    rendered = {"{{ proxy }}": "http://proxy.example:3128"}

    monkeypatch.setattr(_compat, "EXECUTOR_COLLECTS_EXTRAS_BY_PREFIX", True)  # 2.16 to 2.19
    assert not supply_connection_extras(conn, host_vars, lambda value: rendered.get(value, value))
    assert conn._options["_extras"] == {}

    monkeypatch.setattr(_compat, "EXECUTOR_COLLECTS_EXTRAS_BY_PREFIX", False)  # 2.15
    assert supply_connection_extras(conn, host_vars, lambda value: rendered.get(value, value))
    assert conn._options["_extras"] == {
        "ansible_winrm_proxy": "http://proxy.example:3128",
        "ansible_winrm_send_cbt": "false",
    }
    assert conn.protocol_kwargs()["proxy"] == "http://proxy.example:3128"
    assert conn.protocol_kwargs()["send_cbt"] is False
