"""Every module's RETURN against what its action returns: each action runs over a scripted host for every status,
outcome and mode, and every key it returns must be documented with its type, choices and nested keys; every key
documented `returned: always` must be there; every other documented key must appear exactly under the condition its
`returned:` text states; and every documented key and choice must be seen in some run."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from ansible.errors import AnsibleActionFail
from unit.plugins.plugin_utils.probe_samples import Host, probe_output, wmic_output

from ansible_collections.winfix.volsnap.plugins.action import (
    volsnap_facts,
    volsnap_preflight,
    volsnap_preflight_report,
    volsnap_restart,
    volsnap_update,
    volsnap_verify,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._compat import failure_result
from ansible_collections.winfix.volsnap.plugins.plugin_utils._errors import WinrsFailure
from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import probe_command

MODULES = Path(__file__).resolve().parents[4] / "plugins" / "modules"
COMMON = {"changed", "failed", "skipped", "warnings", "deprecations", "invocation", "exception"}
W7 = Host()  # Windows 7 RTM, GDR volsnap.sys below the fix: vulnerable, dism
VISTA = Host("Windows Vista (TM) Business", "6.0", 6002, "Service Pack 2", volsnap_version="6.0.6002.18005")
W2003 = Host(
    "Microsoft Windows Server 2003", "5.2", 3790, "Service Pack 2", "ServerNT", None, None, "x86", "5.2.3790.4000", None
)
MSU_XML = Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "fixtures" / "msu_unattend_kb929761.xml"
NOW = "20121123120000.000000+060"  # the probe's LocalDateTime in probe_samples
SEVEN_HOURS_AGO = "20121123050000.000000+060"
TEN_MINUTES_AGO = "20121123115000.000000+060"
YES = "yes\r\n"  # what the preflight's `if exist … (echo yes) else echo no` prints for what is there


# -- a host that answers the collection's commands --------------------------------------------------------------
@dataclass
class Script:
    host: Host = field(default_factory=Host)
    installer_rc: int = 3010
    lock: str = "free"  # free | stale | fresh | denied
    removal: str = "gone"  # gone | left
    shutdown: str = "ok"  # ok | 1190 | lost | unsent
    boot_after: str | None = "20121123120130.500000+060"  # what the boot query answers after the restart
    sent: list[str] = field(default_factory=list)
    removing: bool = False  # the last installer run was a removal

    @property
    def took(self) -> bool:
        """Whether the installer changed the host: the host's state read afterwards says so, not the exit code."""
        return self.installer_rc in (0, 3010)

    def answer(self, cmd: str) -> tuple[int, str, str]:
        self.sent.append(cmd)
        if cmd == probe_command():
            return 0, probe_output(self.host), ""
        if cmd.startswith("echo @@volsnap temp&"):  # the preflight's line
            return 0, self._preflight(cmd), ""
        if "@@volsnap-lock" in cmd:
            return self._lock(cmd)
        if "@@volsnap-removal" in cmd:
            if self.removal == "left":
                return 0, "@@volsnap-removal left\r\ninstall.log\r\n", "The process cannot access the file.\r\n"
            return 0, "@@volsnap-removal gone\r\n", ""
        if " && expand -F:* " in cmd:  # expand the .msu and print its .xml
            return 0, MSU_XML.read_text(encoding="utf-8"), ""
        if cmd.startswith("mkdir "):
            return 0, "", ""
        if any(tool in cmd for tool in ("dism.exe", "pkgmgr", "spuninst.exe", ".exe /quiet")):
            self.removing = any(word in cmd for word in ("/remove-package", "/up:", "spuninst.exe"))
            return self.installer_rc, "", ""
        if "@@volsnap kb_cbs" in cmd and cmd != probe_command():  # the state after the installer
            return 0, self._state(cmd), ""
        if cmd.startswith("shutdown "):
            return self._shutdown()
        if cmd == volsnap_restart.BOOT_COMMAND:
            if not self.host.wmic:
                return 9009, "", "'wmic' is not recognized as an internal or external command,\r\n"
            records = [{"LastBootUpTime": self.boot_after, "LocalDateTime": NOW}] if self.boot_after else []
            return 0, wmic_output(records), ""
        if cmd.startswith("schtasks "):
            return 0, "SUCCESS: The scheduled task was created.\r\n", ""
        if cmd == volsnap_restart.SHORT_DATE_COMMAND:
            return (
                0,
                "\r\nHKEY_CURRENT_USER\\Control Panel\\International\r\n    sShortDate    REG_SZ    M/d/yyyy\r\n",
                "",
            )
        raise AssertionError(f"the scripted host got an unexpected command: {cmd}")

    def _state(self, cmd: str) -> str:
        """The sections the state command asks for: the update recorded (and its CBS package Install Pending) and a
        restart pending when an install took; nothing recorded after a removal that took or an install that did not."""
        recorded = self.took != self.removing
        cbs = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
        bodies = {
            "cbs_package": f"\r\n{cbs}\\Packages\\P\r\n    CurrentState    REG_DWORD    0x60\r\n" if recorded else None,
            "kb_cbs": f"\r\n{cbs}\\Packages\\Package_for_KB2748349~31bf3856ad364e35~amd64~~6.1.1.0\r\n"
            if recorded and self.host.current_version != "5.2"
            else None,
            "kb_2003_updates": "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Updates\\Windows Server 2003\\SP3\\"
            "KB2748349\r\n"
            if recorded and self.host.current_version == "5.2"
            else None,
            "cbs_reboot_pending": f"\r\n{cbs}\\RebootPending\r\n" if self.took else None,
        }
        names = [part.split("&", 1)[0].strip() for part in cmd.split("echo @@volsnap ")[1:]]
        return "".join(
            f"@@volsnap {name}\r\n{bodies.get(name) or ''}@@volsnap-rc {0 if bodies.get(name) else 1}\r\n"
            for name in names
        )

    def _preflight(self, cmd: str) -> str:
        """Every section the line asks for, answered as a host with everything in place would (the lock as set)."""
        sha1 = self.host.build == 3790  # a stock Server 2003: no SHA-2, the plain form answers with SHA-1
        digest = "69 c6 40 1e 58 5d f2 ab 81 f8 04 c0 f8 93 ef 7a 97 dc 8c d8" if sha1 else " ".join(["cf"] * 32)
        label = "SHA1" if sha1 else "SHA256"
        taken = {"stale": SEVEN_HOURS_AGO, "fresh": TEN_MINUTES_AGO}.get(self.lock)
        bodies = {
            "hash": f"{label} hash of file volsnap.sys:\r\n{digest}\r\nCertUtil: -hashfile command completed.\r\n",
            "free": wmic_output([{"FreeSpace": "12884901888"}]),
            "lock": f"@@volsnap-lock held\r\nwinfix-volsnap lock taken {taken} by awx-ee run 0badc0de\r\n"
            if taken
            else "",
        }
        names = [part.split("&", 1)[0].strip() for part in cmd.split("echo @@volsnap ")[1:]]
        return "".join(f"@@volsnap {name}\r\n{bodies.get(name, YES)}@@volsnap-rc 0\r\n" for name in names)

    def _lock(self, cmd: str) -> tuple[int, str, str]:
        if cmd.startswith("type ") or self.lock == "free":  # breaking a stale lock, or a free one
            return 0, "@@volsnap-lock taken\r\n", ""
        if self.lock == "denied":
            return 0, "@@volsnap-lock failed\r\n", "Access is denied.\r\n"
        taken = SEVEN_HOURS_AGO if self.lock == "stale" else TEN_MINUTES_AGO
        owner = f"winfix-volsnap lock taken {taken} by awx-ee run 0badc0de \r\n"
        return 0, f"@@volsnap-lock held\r\n{owner}", "A subdirectory or file already exists.\r\n"

    def _shutdown(self) -> tuple[int, str, str]:
        if self.shutdown in ("lost", "unsent"):
            error = WinrsFailure("winrs: http://h:5985/wsman (transport ntlm): cannot reach the WinRM endpoint")
            error.command_started = self.shutdown == "lost"
            if self.shutdown == "lost":
                self.shutdown = "1190"  # asked again, the host has it scheduled
            raise error
        if self.shutdown == "1190":
            return 1190, "", "A system shutdown has already been scheduled.(1190)\r\n"
        return 0, "", ""


class ScriptedConnection:
    def __init__(self, script: Script) -> None:
        self.script = script
        self._shell = SimpleNamespace(tmpdir="unused")
        self.uploads: list[str] = []

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        rc, out, err = self.script.answer(cmd)
        return rc, out.encode(), err.encode()

    def put_file(self, local: str, remote: str) -> None:
        self.uploads.append(remote)

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


# -- the runs ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    name: str
    module: str
    args: dict[str, Any]
    script: Script = field(default_factory=Script)
    check_mode: bool = False
    task_vars: dict[str, Any] = field(default_factory=dict)


ACTIONS = {
    "volsnap_facts": volsnap_facts.ActionModule,
    "volsnap_preflight": volsnap_preflight.ActionModule,
    "volsnap_update": volsnap_update.ActionModule,
    "volsnap_restart": volsnap_restart.ActionModule,
    "volsnap_verify": volsnap_verify.ActionModule,
}


def execute(run: Run, package_dir: Path) -> tuple[dict[str, Any], bool]:
    """The task result, and whether the action raised (Ansible then reports the exception's result)."""
    args = dict(run.args)
    if run.module in ("volsnap_update", "volsnap_preflight") and "package_dir" not in args:
        args["package_dir"] = str(package_dir)
    task = SimpleNamespace(args=args, async_val=0, check_mode=run.check_mode, action=f"winfix.volsnap.{run.module}")
    action = ACTIONS[run.module](
        task,
        ScriptedConnection(replace(run.script, sent=[])),
        SimpleNamespace(check_mode=run.check_mode),
        None,
        SimpleNamespace(template=lambda value: value),
        None,
    )
    try:
        return action.run(task_vars={"inventory_hostname": "h1", **run.task_vars}), False
    except AnsibleActionFail as error:
        return failure_result(error), True


COMPLIANT = replace(W7, volsnap_version="6.1.7600.17122")
PENDING = replace(W7, kb_installed=True, pending_reboot=True)
SP1 = replace(W7, build=7601, csd_version="Service Pack 1", volsnap_version="6.1.7601.17514")
WIN8 = replace(W7, product_name="Windows 8 Pro", current_version="6.2", build=9200, volsnap_version="6.2.9200.16384")
NO_SP2 = replace(VISTA, build=6001, csd_version="Service Pack 1", volsnap_version="6.0.6001.18000")
UNKNOWN = replace(W7, volsnap_version="6.1.7700.1")
NO_CLOCK = replace(W7, wmic=False)
FAST_WAIT = {"timeout": 1, "poll_interval": 0.01}

RUNS = [
    Run("facts", "volsnap_facts", {}),
    # volsnap_update: every status and outcome
    Run("installed, restart required", "volsnap_update", {}),
    Run("installed", "volsnap_update", {}, Script(installer_rc=0)),
    Run("already installed", "volsnap_update", {}, Script(replace(W7, kb_installed=True), installer_rc=0)),
    Run("not applicable", "volsnap_update", {}, Script(installer_rc=0x800F081E - 2**32)),
    Run("installer failed", "volsnap_update", {}, Script(installer_rc=1603)),
    Run("compliant", "volsnap_update", {}, Script(COMPLIANT)),
    Run("reboot pending", "volsnap_update", {}, Script(PENDING)),
    Run("fixed by SP1", "volsnap_update", {}, Script(SP1)),
    Run("not applicable host", "volsnap_update", {}, Script(WIN8)),
    Run("prerequisite missing", "volsnap_update", {}, Script(NO_SP2)),
    Run("unknown", "volsnap_update", {}, Script(UNKNOWN)),
    Run("would install", "volsnap_update", {}, check_mode=True),
    Run("stale lock broken", "volsnap_update", {}, Script(lock="stale")),
    Run("fresh lock refused", "volsnap_update", {}, Script(lock="fresh")),
    Run("lock never broken", "volsnap_update", {}, Script(lock="stale"), task_vars={"volsnap_lock_max_age_s": "0"}),
    Run("lock denied", "volsnap_update", {}, Script(lock="denied")),
    Run("work folder left", "volsnap_update", {}, Script(removal="left")),
    Run("removed", "volsnap_update", {"state": "absent"}, Script(replace(W7, kb_installed=True), installer_rc=0)),
    Run("removed 2003", "volsnap_update", {"state": "absent"}, Script(replace(W2003, kb_installed=True), 0)),
    Run("nothing to remove", "volsnap_update", {"state": "absent"}),
    Run("would remove", "volsnap_update", {"state": "absent"}, Script(replace(W7, kb_installed=True)), True),
    # volsnap_restart: every mode
    Run("no restart needed", "volsnap_restart", {"mode": "now"}, Script(COMPLIANT)),
    Run("mode none", "volsnap_restart", {"mode": "none"}, Script(PENDING)),
    Run("now", "volsnap_restart", {"mode": "now", **FAST_WAIT}, Script(PENDING)),
    Run("now, answer lost", "volsnap_restart", {"mode": "now", **FAST_WAIT}, Script(PENDING, shutdown="lost")),
    Run("now, never back", "volsnap_restart", {"mode": "now", **FAST_WAIT}, Script(PENDING, boot_after=None)),
    Run("now, not sent", "volsnap_restart", {"mode": "now", **FAST_WAIT}, Script(PENDING, shutdown="unsent")),
    Run("now, already scheduled", "volsnap_restart", {"mode": "now"}, Script(PENDING, shutdown="1190")),
    Run("now, no boot time", "volsnap_restart", {"mode": "now"}, Script(replace(PENDING, wmic=False))),
    Run("would restart now", "volsnap_restart", {"mode": "now"}, Script(PENDING), True),
    Run("delay", "volsnap_restart", {"mode": "delay", "delay": 300}, Script(PENDING)),
    Run("delay, answer lost", "volsnap_restart", {"mode": "delay", "delay": 300}, Script(PENDING, shutdown="lost")),
    Run(
        "delay beyond /t",
        "volsnap_restart",
        {"mode": "delay", "delay": 3600},
        Script(replace(VISTA, pending_reboot=True)),
    ),
    Run("would delay", "volsnap_restart", {"mode": "delay", "delay": 3600}, Script(PENDING), True),
    Run(
        "window 2003", "volsnap_restart", {"mode": "window", "at": "23:30"}, Script(replace(W2003, pending_reboot=True))
    ),
    Run("would window", "volsnap_restart", {"mode": "window", "at": "23:30"}, Script(PENDING), True),
    Run(
        "window, no clock",
        "volsnap_restart",
        {"mode": "window", "at": "23:30"},
        Script(replace(NO_CLOCK, pending_reboot=True)),
    ),
    Run("window in the past", "volsnap_restart", {"mode": "window", "at": "2012-11-23T11:00"}, Script(PENDING)),
    # volsnap_verify: every status
    Run("verify compliant", "volsnap_verify", {}, Script(COMPLIANT)),
    Run("verify vulnerable", "volsnap_verify", {}),
    Run("verify pending", "volsnap_verify", {}, Script(PENDING)),
    Run("verify not applicable", "volsnap_verify", {"allow": ["not_applicable"]}, Script(WIN8)),
    Run("verify prerequisite", "volsnap_verify", {}, Script(NO_SP2)),
    Run("verify unknown", "volsnap_verify", {}, Script(UNKNOWN)),
    # volsnap_preflight: every status, each source, a held lock, a refused argument
    Run("preflight ready", "volsnap_preflight", {}),
    Run("preflight url", "volsnap_preflight", {"source": "url", "package_url": "http://p.example/kb/"}),
    Run(
        "preflight 2003 url", "volsnap_preflight", {"source": "url", "package_url": "http://p.example/"}, Script(W2003)
    ),
    Run("preflight host", "volsnap_preflight", {"source": "host", "package_path": "D:\\packages"}, Script(VISTA)),
    Run("preflight fresh lock", "volsnap_preflight", {}, Script(lock="fresh")),
    Run("preflight stale lock", "volsnap_preflight", {}, Script(lock="stale")),
    Run("preflight compliant", "volsnap_preflight", {}, Script(COMPLIANT)),
    Run("preflight pending", "volsnap_preflight", {}, Script(PENDING)),
    Run("preflight not applicable", "volsnap_preflight", {}, Script(WIN8)),
    Run("preflight prerequisite", "volsnap_preflight", {}, Script(NO_SP2)),
    Run("preflight unknown", "volsnap_preflight", {}, Script(UNKNOWN)),
    Run("preflight no clock", "volsnap_preflight", {}, Script(NO_CLOCK), check_mode=True),
    Run("preflight without package_url", "volsnap_preflight", {"source": "url"}),
]


def _assessment(result: dict[str, Any]) -> dict[str, Any]:
    return result["ansible_facts"]["volsnap"]["assessment"]  # type: ignore[no-any-return]


_INSTALLER_RAN = {"installed", "removed", "already_installed", "not_applicable", "failed"}
# (module, key) -> the `returned:` text of its RETURN entry, and when the key must be there.
CONDITIONS: dict[tuple[str, str], tuple[str, Callable[[Run, dict[str, Any]], bool]]] = {
    ("volsnap_update", "sha256"): (
        "when a package's hash was checked (installing, or removing with dism or pkgmgr)",
        lambda run, r: (
            r["outcome"] not in ("skipped",)
            and _assessment(r)["status"] != "unknown"
            and (run.args.get("state") != "absent" or _assessment(r)["installer"] != "update_exe")
        ),
    ),
    ("volsnap_update", "exit_code"): (
        "when an installer ran",
        lambda run, r: r["outcome"] in _INSTALLER_RAN and _assessment(r)["status"] != "unknown",
    ),
    ("volsnap_update", "host_hash"): (
        "when an installer ran",
        lambda run, r: r["outcome"] in _INSTALLER_RAN and _assessment(r)["status"] != "unknown",
    ),
    ("volsnap_update", "lock_broken"): (
        "when a stale lock was broken",
        lambda run, r: run.script.lock == "stale" and run.task_vars.get("volsnap_lock_max_age_s") != "0",
    ),
    ("volsnap_update", "lock_holder"): (
        "when another run holds the lock",
        lambda run, r: run.script.lock == "fresh" or run.task_vars.get("volsnap_lock_max_age_s") == "0",
    ),
    ("volsnap_update", "left_on_host"): (
        "when the work folder or the lock could not be removed",
        lambda run, r: run.script.removal == "left",
    ),
    ("volsnap_restart", "elapsed"): ("when the host restarted (mode now)", lambda run, r: r["restarted"]),
    ("volsnap_restart", "reply_lost"): (
        "when shutdown was sent (mode now, or mode delay within the shutdown /t limit)",
        lambda run, r: (
            not run.check_mode
            and r["restart_needed"]
            and (run.args["mode"] == "now" or (run.args["mode"] == "delay" and run.args["delay"] <= 600))
        ),
    ),
    ("volsnap_restart", "scheduled_for"): (
        "when a restart time was computed (window, delay; in check mode too)",
        lambda run, r: (
            r["restart_needed"] and run.args["mode"] in ("window", "delay") and run.script.shutdown != "1190"
        ),
    ),
    ("volsnap_restart", "task_name"): (
        "when a task was scheduled (window, or a delay beyond the shutdown /t limit)",
        lambda run, r: (
            not run.check_mode
            and r["restart_needed"]
            and (run.args["mode"] == "window" or run.args.get("delay", 0) > 600)
        ),
    ),
}
CONDITIONS[("volsnap_restart", "scheduled_for_utc")] = CONDITIONS[("volsnap_restart", "scheduled_for")]
CONDITIONS[("volsnap_restart", "host_time")] = CONDITIONS[("volsnap_restart", "scheduled_for")]


def returns(module: str) -> dict[str, Any]:
    source = (MODULES / f"{module}.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RETURN":
            return yaml.safe_load(node.value.value)  # type: ignore[attr-defined, no-any-return]
    raise AssertionError(f"{module} has no RETURN")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Run, dict[str, Any], bool]]:
    packages = tmp_path_factory.mktemp("packages")
    sums = []
    for name in (
        "Windows6.1-KB2748349-x64.msu",
        "Windows6.0-KB2748349-x86.msu",
        "WindowsServer2003-KB2748349-x86-ENU.exe",
    ):
        data = name.encode() * 10
        (packages / name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    (packages / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return [(run, *execute(run, packages)) for run in RUNS]


def _check(value: Any, spec: dict[str, Any], where: str) -> None:
    description = " ".join(spec["description"]) if isinstance(spec["description"], list) else spec["description"]
    if value is None:
        assert "null" in description, f"{where} is null, and its description does not say when"
        return
    kind = spec["type"]
    expected = {
        "str": str,
        "bool": bool,
        "int": int,
        "float": (int, float),
        "dict": dict,
        "complex": dict,
        "list": list,
    }
    assert isinstance(value, expected[kind]), f"{where}: {value!r} is not {kind}"
    assert not (kind in ("int", "float") and isinstance(value, bool)), f"{where}: {value!r} is not {kind}"
    if "choices" in spec:
        assert value in spec["choices"], f"{where}: {value!r} is not one of {spec['choices']}"
    if kind == "list" and "elements" in spec:
        assert all(isinstance(item, expected[spec["elements"]]) for item in value), where
    contains = spec.get("contains")
    if contains and isinstance(value, dict):
        for key, item in value.items():
            assert key in contains, f"{where}.{key} is returned but not documented"
            _check(item, contains[key], f"{where}.{key}")
        for key, sub in contains.items():
            if sub.get("returned") == "always":
                assert key in value, f"{where}.{key} is documented as always returned but missing"


@pytest.mark.parametrize("module", sorted(ACTIONS))
def test_every_returned_key_is_documented_with_its_type(
    module: str, results: list[tuple[Run, dict[str, Any], bool]]
) -> None:
    documented = returns(module)
    for run, result, _raised in (item for item in results if item[0].module == module):
        for key, value in result.items():
            if key in COMMON or key.startswith("_ansible"):
                continue
            assert key in documented, f"{module} ({run.name}) returns {key!r}, which its RETURN does not list"
            _check(value, documented[key], f"{module} ({run.name}): {key}")


@pytest.mark.parametrize("module", sorted(ACTIONS))
def test_returned_conditions_hold_in_every_run(module: str, results: list[tuple[Run, dict[str, Any], bool]]) -> None:
    documented = returns(module)
    for key, spec in documented.items():
        condition = CONDITIONS.get((module, key))
        if condition is None:
            assert spec["returned"] == "always", f"{module}.{key}: returned {spec['returned']!r} has no check here"
            continue
        assert spec["returned"] == condition[0], f"{module}.{key}: its returned text changed; check the condition"
    for run, result, raised in (item for item in results if item[0].module == module):
        if raised:  # an exception's result: only msg and what the exception carries
            assert result["failed"] and result["msg"], run.name
            assert not set(result) - COMMON - {"msg", "lock_holder"}, (run.name, result)
            continue
        for key, spec in documented.items():
            condition = CONDITIONS.get((module, key))
            wanted = spec["returned"] == "always" if condition is None else condition[1](run, result)
            if key == "lock_holder":
                wanted = False  # only in the exception's result (checked below)
            assert (key in result) == wanted, f"{module} ({run.name}): {key} present={key in result}, expected={wanted}"


def test_a_refused_lock_says_whose_it_is(results: list[tuple[Run, dict[str, Any], bool]]) -> None:
    for run, result, raised in results:
        if run.name in ("fresh lock refused", "lock never broken"):
            assert raised and set(result["lock_holder"]) == set(returns("volsnap_update")["lock_holder"]["contains"])
            assert result["lock_holder"]["run"] == "0badc0de" and result["lock_holder"]["controller"] == "awx-ee"
            assert "another winfix.volsnap run holds the lock" in result["msg"]


@pytest.mark.parametrize("module", sorted(ACTIONS))
def test_every_documented_key_and_choice_is_seen(module: str, results: list[tuple[Run, dict[str, Any], bool]]) -> None:
    seen = [result for run, result, _raised in results if run.module == module]
    for key, spec in returns(module).items():
        values = [result[key] for result in seen if key in result]
        assert values, f"{module}.{key} is documented but no run returned it"
        missing = [choice for choice in spec.get("choices", ()) if choice not in values]
        assert not missing, f"{module}.{key}: no run returned {sorted(missing)}"


def test_times_sent_to_a_host_come_from_its_clock(results: list[tuple[Run, dict[str, Any], bool]]) -> None:
    by_name = {run.name: result for run, result, _raised in results}
    probe = dt.datetime(2012, 11, 23, 12, 0)  # the probe's LocalDateTime, UTC+01:00; not the controller's clock
    assert by_name["delay beyond /t"]["scheduled_for"] == (probe + dt.timedelta(seconds=3600)).isoformat()
    assert by_name["delay beyond /t"]["scheduled_for_utc"] == "2012-11-23T12:00:00Z"
    assert by_name["window 2003"]["scheduled_for"] == "2012-11-23T23:30:00"
    assert "not in the future on the host" in by_name["window in the past"]["msg"]
    assert "cannot read the host's local time" in by_name["window, no clock"]["msg"]
    assert by_name["now, answer lost"]["restarted"] and by_name["now, answer lost"]["reply_lost"]
    assert by_name["now, never back"]["failed"] and "gave no boot time" in by_name["now, never back"]["msg"]
    assert "shutdown could not be sent" in by_name["now, not sent"]["msg"]
    assert "cannot read the host's boot time" in by_name["now, no boot time"]["msg"]


# -- volsnap_preflight's checks, and the preflight report ------------------------------------------------------------
_CHECK_CONDITIONS: dict[str, Callable[[Run, dict[str, Any]], bool]] = {
    "always": lambda run, r: True,
    "when the host needs the update": lambda run, r: r["status"] == "vulnerable",
    "when the host needs the update and O(source=url)": lambda run, r: (
        r["status"] == "vulnerable" and run.args.get("source") == "url"
    ),
}


def test_each_preflight_check_appears_exactly_when_its_returned_text_says(
    results: list[tuple[Run, dict[str, Any], bool]],
) -> None:
    documented = returns("volsnap_preflight")["checks"]["contains"]
    seen: set[str] = set()
    for run, result, raised in results:
        if run.module != "volsnap_preflight" or raised:
            continue
        for name, spec in documented.items():
            wanted = _CHECK_CONDITIONS[spec["returned"]](run, result)
            assert (name in result["checks"]) == wanted, (run.name, name, sorted(result["checks"]))
        for check in result["checks"].values():
            assert set(check) == {"ok", "detail"} and isinstance(check["ok"], bool) and check["detail"]
        assert result["ready"] == all(check["ok"] for check in result["checks"].values())
        seen |= set(result["checks"])
    assert seen == set(documented)


def test_the_preflight_says_what_is_missing(results: list[tuple[Run, dict[str, Any], bool]]) -> None:
    by_name = {run.name: (result, raised) for run, result, raised in results if run.module == "volsnap_preflight"}

    def failed(name: str) -> list[str]:
        result, raised = by_name[name]
        assert not raised, result
        return [check for check, value in result["checks"].items() if not value["ok"]]

    assert failed("preflight ready") == [] and by_name["preflight ready"][0]["msg"] == "ready"
    assert failed("preflight 2003 url") == ["urlcache"]
    assert by_name["preflight 2003 url"][0]["checks"]["host_hash"]["detail"].startswith("sha1: ")
    assert failed("preflight fresh lock") == ["lock"] and failed("preflight stale lock") == []
    assert "would be broken" in by_name["preflight stale lock"][0]["checks"]["lock"]["detail"]
    assert failed("preflight prerequisite") == ["assessment"] and failed("preflight unknown") == ["assessment"]
    assert failed("preflight no clock")[-1] == "host_time"
    assert by_name["preflight fresh lock"][0]["msg"] == "not ready: lock"
    refused, raised = by_name["preflight without package_url"]
    assert raised and refused["msg"] == "source=url needs package_url; nothing was sent"


class _HostVars(dict):  # type: ignore[type-arg]
    """Ansible's hostvars as the report reads them: raw_get, without templating."""

    def raw_get(self, name: str) -> Any:
        return self.get(name, {})


def _report(
    results: dict[str, Any], tmp_path: Path, batches: list[list[str]], check_mode: bool = False
) -> list[dict[str, Any]]:
    """volsnap_preflight_report run once per batch, as the playbook runs it (run_once, delegated, facts kept)."""
    every = [host for batch in batches for host in batch]
    hostvars = _HostVars({host: {"volsnap_preflight_result": results.get(host)} for host in every})
    hostvars["localhost"] = {}
    task = SimpleNamespace(
        args={"dir": str(tmp_path)},
        async_val=0,
        check_mode=check_mode,
        action="winfix.volsnap.volsnap_preflight_report",
        run_once=True,
        delegate_to="localhost",
        delegate_facts=True,
        _uuid="task-1",
    )
    outs = []
    for batch in batches:
        action = volsnap_preflight_report.ActionModule(
            task, ScriptedConnection(Script()), SimpleNamespace(check_mode=check_mode), None, None, None
        )
        out = action.run(
            task_vars={
                "hostvars": hostvars,
                "ansible_play_hosts_all": every,
                "ansible_play_hosts": every,
                "ansible_play_batch": batch,
            }
        )
        hostvars["localhost"] = {"ansible_facts": out["ansible_facts"]}
        outs.append(out)
    return outs


def test_the_preflight_report_returns_what_its_return_says_and_writes_preflight_json(
    results: list[tuple[Run, dict[str, Any], bool]], tmp_path: Path
) -> None:
    by_host = {
        "ready": next(result for run, result, _raised in results if run.name == "preflight ready"),
        "locked": next(result for run, result, _raised in results if run.name == "preflight fresh lock"),
        "down": {"unreachable": True, "msg": "winrs: cannot reach the WinRM endpoint", "changed": False},
    }
    first, last = _report(by_host, tmp_path, [["ready", "locked"], ["down"]])
    documented = returns("volsnap_preflight_report")
    for out in (first, last):
        for key, value in out.items():
            if key in COMMON or key == "ansible_stats":
                continue
            assert key in documented, f"volsnap_preflight_report returns {key!r}, which its RETURN does not list"
            _check(value, documented[key], f"volsnap_preflight_report: {key}")
        assert {key for key, spec in documented.items() if spec["returned"] == "always"} <= set(out)
    # after the first batch, the host of the second is not attempted yet; after the second, it is unreachable
    assert first["not_ready"]["down"].startswith("reachable: not attempted")
    assert set(last["not_ready"]) == {"locked", "down"}
    assert last["not_ready"]["down"] == "reachable: winrs: cannot reach the WinRM endpoint"
    assert last["table"][1:] == ["down    no     reachable", "locked  no     lock", "ready   yes"]
    written = json.loads((tmp_path / "preflight.json").read_text())
    assert last["files"] == [str(tmp_path / "preflight.json")]
    assert set(written) == {"generated", "summary", "hosts"} and written["summary"] == {"ready": 1, "not_ready": 2}
    assert written["hosts"]["ready"] == {"ready": True, "checks": by_host["ready"]["checks"]}
    published = last["ansible_stats"]["data"]["volsnap_preflight"]
    assert published["not_ready"] == {"down": ["reachable"], "locked": ["lock"]}


def test_the_preflight_report_writes_nothing_in_check_mode_and_refuses_to_run_per_host(tmp_path: Path) -> None:
    (out,) = _report({"h": {"unreachable": True, "msg": "down"}}, tmp_path, [["h"]], check_mode=True)
    assert out["files"] == [] and not (tmp_path / "preflight.json").exists()
    assert out["not_ready"] == {"h": "reachable: down"} and out["msg"].endswith("nothing written (check mode)")
    task = SimpleNamespace(
        args={}, async_val=0, check_mode=False, action="x", run_once=False, delegate_to=None, delegate_facts=None
    )
    action = volsnap_preflight_report.ActionModule(
        task, ScriptedConnection(Script()), SimpleNamespace(check_mode=False), None, None, None
    )
    with pytest.raises(AnsibleActionFail, match="needs run_once: true, delegate_to: localhost"):
        action.run(task_vars={})
