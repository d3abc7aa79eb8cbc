"""A lab started per test module: `winlab serve` in a subprocess, its inventory parsed for the tests."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
import yaml
from fault_matrix import pytest_runtest_makereport, pytest_terminal_summary  # noqa: F401  (hooks: the matrix table)

from winlab.profile import load_hosts_file
from winlab.samples import DEFAULTS, VISTA, W7, W2003  # noqa: F401  (re-exported for the tests)
from winlab.served import ServedLab

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Every lab this session started, and every command line a test sent itself (raw), for the ledger check that runs
# last (test_fidelity.py): what remains in the labs' logs is what the collection sent.
SESSION_LABS: list[Lab] = []
TEST_LINES: set[str] = set()
LEDGER_CHECK = "test_every_command_the_labs_received_has_a_ledger_row"


def note_test_line(line: str) -> str:
    """A command line a test sends itself (not the collection): left out of the ledger check."""
    TEST_LINES.add(line)
    return line


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The session's ledger check runs after every other test, over all the labs they started."""
    items.sort(key=lambda item: item.name == LEDGER_CHECK)


@dataclass
class LabHost:
    name: str
    port: int
    user: str
    password: str
    transport: str


@dataclass
class Lab:
    served: ServedLab
    hosts: dict[str, LabHost]
    builds: dict[str, int]  # each host's build number, from its profile (its OS family)

    @property
    def inventory(self) -> Path:
        return self.served.inventory

    @property
    def state_dir(self) -> Path:
        return self.served.state_dir

    def commands(self, host: str) -> list[list[str]]:
        """Every simple command the host ran (the lab's audit log)."""
        import json

        log = self.state_dir / "hosts" / host / "commands.jsonl"
        return [json.loads(line)["argv"] for line in log.read_text().splitlines()] if log.exists() else []

    def command_lines(self, host: str) -> list[dict[str, Any]]:
        """Every WinRS command line the host received: `line` as sent, `runs` (what cmd.exe /c ran after its quote
        rule; None without cmd), `console_mode_stdin`, `skip_cmd_shell` (the lab's command_lines.jsonl)."""
        import json

        log = self.state_dir / "hosts" / host / "command_lines.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def programs(self, host: str, since: int = 0) -> list[str]:
        """The program of each simple command the host ran after the first `since` (lower case)."""
        return [argv[0].lower() for argv in self.commands(host)[since:]]


def _parse_inventory(path: Path) -> dict[str, LabHost]:
    hosts = {}
    for line in path.read_text().splitlines()[1:]:
        name, *fields = shlex.split(line)
        values = dict(f.split("=", 1) for f in fields)
        hosts[name] = LabHost(
            name,
            int(values["ansible_port"]),
            values["ansible_user"],
            values["ansible_password"],
            values["ansible_winrm_transport"],
        )
    return hosts


def start_lab(hosts_file: Path, workdir: Path, clock_rate: float = 1.0) -> Lab:
    served = ServedLab.start(
        hosts_file, workdir / "inventory.ini", workdir / "state", workdir / "winlab.log", clock_rate=clock_rate
    )
    builds = {profile.name: profile.build for profile in load_hosts_file(hosts_file).hosts}
    lab = Lab(served, _parse_inventory(served.inventory), builds)
    SESSION_LABS.append(lab)
    return lab


@pytest.fixture(scope="module")
def lab_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Lab]]:
    """Start labs from a dict of hosts (HOSTS.yml content) or a file; all are stopped at the end of the module."""
    started: list[Lab] = []

    def start(hosts: dict | Path, clock_rate: float = 1.0) -> Lab:
        workdir = tmp_path_factory.mktemp("lab")
        hosts_file = hosts if isinstance(hosts, Path) else workdir / "hosts.yml"
        if not isinstance(hosts, Path):
            hosts_file.write_text(yaml.safe_dump(hosts))
        lab = start_lab(hosts_file, workdir, clock_rate)
        started.append(lab)
        return lab

    yield start
    for lab in started:
        lab.served.stop()


def ansible_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv" / "collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


def run_ansible(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    program = args[0]
    if "raw" in args and "-a" in args:  # `ansible … -m raw -a LINE`: the test's own command
        note_test_line(args[args.index("-a") + 1])
    return subprocess.run(
        [str(BIN / program), *args[1:]],
        cwd=ROOT,
        env=ansible_env(**extra_env),
        text=True,
        capture_output=True,
        timeout=600,
    )


def raw(lab: Lab, host: str, command: str, check: bool = True) -> str:
    """`ansible HOST -m raw -a COMMAND` on a lab host (a test's own command); its output. With `check`, it must work."""
    done = run_ansible("ansible", "-i", str(lab.inventory), host, "-m", "raw", "-a", command)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def host_now(lab: Lab, host: str) -> dt.datetime:
    """The host's local time, as wmic shows it."""
    found = re.search(r"LocalDateTime=(\d{14})", raw(lab, host, "wmic os get LocalDateTime /value < nul"))
    assert found is not None
    return dt.datetime.strptime(found.group(1), "%Y%m%d%H%M%S")


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's update packages and their SHA256SUMS, made once per test module."""
    out = tmp_path_factory.mktemp("packages")
    assert run_ansible("winlab", "packages", str(out)).returncode == 0
    return out


def extra_vars(*assignments: str) -> list[str]:
    """`-e name=value` for each assignment, as ansible-playbook takes them."""
    return [arg for assignment in assignments for arg in ("-e", assignment)]


def remediate(lab: Lab, hosts: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """playbooks/remediate.yml on some of the lab's hosts (volsnap_hosts)."""
    return run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/remediate.yml",
        *extra_vars(f"volsnap_hosts={hosts}"),
        *extra,
    )


class AwxJob:
    """A job as AWX runs it: ansible-runner over its own private data dir (inventory, extra vars, env, project)."""

    def __init__(self, pdd: Path, lab: Lab, playbook: str, extravars: dict[str, Any], limit: str | None = None) -> None:
        self.pdd = pdd
        (pdd / "inventory").mkdir(parents=True)
        (pdd / "env").mkdir()
        shutil.copy(lab.inventory, pdd / "inventory" / "hosts")
        shutil.copytree(ROOT / "playbooks", pdd / "project")
        (pdd / "env" / "extravars").write_text(json.dumps(extravars))
        (pdd / "env" / "envvars").write_text(
            json.dumps(
                {
                    "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".venv" / "collections"),
                    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    "ANSIBLE_HOST_KEY_CHECKING": "False",
                }
            )
        )
        self.run = ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, limit=limit, quiet=True)
        self.events = list(self.run.events)

    @property
    def artifacts(self) -> dict[str, Any]:
        """What AWX keeps of the job's set_stats: the playbook_on_stats event's artifact_data."""
        stats = next(e for e in self.events if e["event"] == "playbook_on_stats")
        return dict(stats["event_data"].get("artifact_data") or {})

    def everything(self) -> str:
        """Every event and every file under the job's artifacts folder, as text."""
        files = (p.read_text(errors="replace") for p in (self.pdd / "artifacts").rglob("*") if p.is_file())
        return json.dumps(self.events) + "".join(files)


def put_on_host(lab: Lab, host: str, local: Path, remote: str) -> None:
    """Put a file on a lab host through the winrs connection (a test's own setup, e.g. packages for source=host)."""
    from ansible.playbook.play_context import PlayContext
    from ansible.plugins.loader import connection_loader

    init_collection_loader()
    target = lab.hosts[host]
    conn = connection_loader.get("winfix.volsnap.winrs", PlayContext(), None)
    conn.set_options(
        direct={
            "remote_addr": "127.0.0.1",
            "port": target.port,
            "remote_user": target.user,
            "remote_password": target.password,
            "transport": target.transport,
            "scheme": "http",
        }
    )
    folder = remote.rsplit("\\", 1)[0]
    conn.exec_command(note_test_line(f"mkdir {folder} 2>nul"))
    conn.put_file(str(local), remote)
    conn.close()


@functools.cache
def init_collection_loader() -> None:
    """Ansible's collection loader, once per session (it warns when configured twice)."""
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader([str(ROOT / ".venv" / "collections")])
