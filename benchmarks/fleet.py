"""Fleet benchmark (`make bench`): audit vs the floor (one `raw: ver`) on the same lab hosts, in one run.

For each N: wall time of playbooks/audit.yml and of the floor, their ratio (and the ratio of controller CPU seconds),
WinRM requests and commands per host from the lab's counters, controller peak RSS (ansible-playbook and its forks), the
lab's own CPU share. Then a remediation
(transfer, install, restart now, verify) of up to 100 hosts in serial batches, once pushing the packages over WinRM and
once having the hosts download them, with the wire bytes of the transfer per package byte. Prints a table and writes
benchmarks/results.json. Numbers are ratios of one run: the machine is noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import yaml

from winlab.samples import W7, W2003, W2008
from winlab.served import ServedLab

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROFILES = [W7, W2003, W2008]
URL_PROFILES = [W7, W2008]  # source url: Vista and later (Server 2003 has no certutil -urlcache; it is refused)


class Lab:
    def __init__(self, hosts: int, workdir: Path, profiles: list[dict[str, Any]] = PROFILES) -> None:
        spec = {
            "defaults": {
                "username": "Administrator",
                "password": "Lab-Passw0rd!",
                "auth": "ntlm",
                "faults": {"restart_takes_s": 1},
            },
            "hosts": {f"h{i:04d}": profiles[i % len(profiles)] for i in range(hosts)},
        }
        (workdir / "hosts.yml").write_text(yaml.safe_dump(spec))
        self.served = ServedLab.start(
            workdir / "hosts.yml", workdir / "inventory.ini", workdir / "state", workdir / "winlab.log", timeout_s=120
        )
        self.ps = psutil.Process(self.served.process.pid)

    def counters(self) -> dict[str, dict[str, int]]:
        time.sleep(1.2)  # the lab writes stats.json every 0.5 s
        return json.loads((self.served.state_dir / "stats.json").read_text())  # type: ignore[no-any-return]

    def cpu(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.served.stop(grace_s=30)


# The commands of a transfer (winrs put_file: findstr, certutil -decode/-hashfile, move, del; source url: certutil
# -urlcache, certutil -hashfile). No other step of a remediation starts with these programs.
TRANSFER_TOOLS = ("findstr", "certutil", "move", "del")


def _delta(after: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]], key: str) -> int:
    return sum(after[h][key] - before.get(h, {}).get(key, 0) for h in after)


def _delta_by_tool(after: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for host, stats in after.items():
        earlier = before.get(host, {}).get("wire_bytes_by_tool", {})
        for tool, size in stats["wire_bytes_by_tool"].items():
            totals[tool] = totals.get(tool, 0) + size - earlier.get(tool, 0)
    return {tool: size for tool, size in sorted(totals.items()) if size}


def _memory(pid: int) -> tuple[int, int]:
    """RSS of the process alone, and of it with its children; a fork that exits while being read counts as nothing.
    The sum counts the pages a fork shares with its parent once per fork, so it grows with the parent fifty times
    over; the parent's own RSS is what grows with the number of hosts."""
    try:
        main = psutil.Process(pid)
        own = main.memory_info().rss
        children = main.children(recursive=True)
    except psutil.Error:
        return 0, 0
    total = own
    for each in children:
        with contextlib.suppress(psutil.Error):
            total += each.memory_info().rss
    return own, total


def _children_cpu_s() -> float:
    """CPU seconds of the finished children (ansible-playbook with its forks, once waited for); the lab, still
    running, is not among them."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_playbook(lab: Lab, *args: str) -> dict[str, Any]:
    """Run ansible-playbook; wall time, peak RSS of it and its forks, the lab's CPU seconds and counters."""
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_FORKS": "50"}
    before, cpu_before, controller_cpu_before = lab.counters(), lab.cpu(), _children_cpu_s()
    peak = [0, 0]  # the main process, the whole tree
    started = time.monotonic()
    process = subprocess.Popen(
        [str(BIN / "ansible-playbook"), "-i", str(lab.served.inventory), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def sample() -> None:
        while process.poll() is None:
            own, total = _memory(process.pid)
            peak[0], peak[1] = max(peak[0], own), max(peak[1], total)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.monotonic() - started
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"ansible-playbook {args[0]} failed ({process.returncode}): {stderr.decode()[-2000:]}")
    after = lab.counters()
    return {
        "wall_s": wall,
        "peak_rss_mb": peak[1] / 2**20,
        "main_peak_rss_mb": peak[0] / 2**20,
        "lab_cpu_s": lab.cpu() - cpu_before,
        "controller_cpu_s": _children_cpu_s() - controller_cpu_before,
        "requests": _delta(after, before, "requests"),
        "commands": _delta(after, before, "commands"),
        "bytes_in": _delta(after, before, "bytes_in"),
        "bytes_out": _delta(after, before, "bytes_out"),
        "wire_bytes_by_tool": _delta_by_tool(after, before),
    }


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(sorted(run[key] for run in runs)[len(runs) // 2])


def audit_vs_floor(hosts: int, workdir: Path, repeats: int) -> dict[str, Any]:
    """Floor and audit alternate on the same lab; the run with the median wall time of each side is compared, so
    that a burst of noise on the machine does not land on one side only."""
    lab = Lab(hosts, workdir)
    floors, audits = [], []
    try:
        timed_playbook(lab, "benchmarks/floor.yml")  # warm-up: connections, caches
        for _ in range(repeats):
            floors.append(timed_playbook(lab, "benchmarks/floor.yml"))
            audits.append(timed_playbook(lab, "playbooks/audit.yml"))
    finally:
        lab.stop()
    floor = sorted(floors, key=lambda run: run["wall_s"])[len(floors) // 2]
    audit = sorted(audits, key=lambda run: run["wall_s"])[len(audits) // 2]
    return {
        "hosts": hosts,
        "repeats": repeats,
        "audit_s": round(audit["wall_s"], 2),
        "floor_s": round(floor["wall_s"], 2),
        "ratio": round(audit["wall_s"] / floor["wall_s"], 3),
        # The same comparison in controller CPU seconds (medians): steadier than wall time on a busy machine.
        "controller_cpu_ratio": round(_median(audits, "controller_cpu_s") / _median(floors, "controller_cpu_s"), 3),
        "commands_per_host_audit": audit["commands"] / hosts,
        "commands_per_host_floor": floor["commands"] / hosts,
        "requests_per_host_audit": audit["requests"] / hosts,
        "requests_per_host_floor": floor["requests"] / hosts,
        "bytes_in_per_host_audit": round(audit["bytes_in"] / hosts),
        "bytes_in_per_host_floor": round(floor["bytes_in"] / hosts),
        "controller_peak_rss_mb": round(audit["peak_rss_mb"], 1),
        "controller_peak_rss_mb_per_host": round(audit["peak_rss_mb"] / hosts, 2),
        "controller_main_peak_rss_mb": round(audit["main_peak_rss_mb"], 1),
        "lab_cpu_share_audit": round(audit["lab_cpu_s"] / audit["wall_s"], 3),
    }


class _CountingWriter:
    """A response stream that adds what passes through it to the server's wire_bytes."""

    def __init__(self, raw: Any, server: PackageServer) -> None:
        self._raw, self._server = raw, server

    def write(self, data: bytes) -> int:
        self._server.wire_bytes += len(data)
        return self._raw.write(data)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:  # flush, closed, …
        return getattr(self._raw, name)


class PackageServer:
    """The packages over HTTP on loopback, for `source: url` (the hosts download them). Counts the wire bytes of every
    exchange: request line and headers in, status line, headers and body out."""

    def __init__(self, folder: Path) -> None:
        self.wire_bytes = 0
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def parse_request(self) -> bool:
                parsed = super().parse_request()
                server.wire_bytes += len(self.raw_requestline) + (len(bytes(self.headers)) if parsed else 0)
                return parsed

            def setup(self) -> None:
                super().setup()
                self.wfile = _CountingWriter(self.wfile, server)  # type: ignore[assignment]

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()


def remediation(hosts: int, workdir: Path, serial: int, source: str) -> dict[str, Any]:
    packages = workdir / "packages"
    subprocess.run([str(BIN / "winlab"), "packages", str(packages)], check=True, capture_output=True)
    profiles = URL_PROFILES if source == "url" else PROFILES
    lab = Lab(hosts, workdir, profiles)
    server = PackageServer(packages) if source == "url" else None
    extra = ("-e", "volsnap_package_source=url", "-e", f"volsnap_package_url={server.url}") if server else ()
    try:
        run = timed_playbook(
            lab,
            "playbooks/remediate.yml",
            "-e",
            f"volsnap_package_dir={packages}",  # its SHA256SUMS, in both modes
            "-e",
            "volsnap_restart=now",
            "-e",
            f"volsnap_serial={serial}",
            *extra,
        )
    finally:
        lab.stop()
        if server:
            server.stop()
    names = {
        "7600": "Windows6.1-KB2748349-x64.msu",
        "3790": "WindowsServer2003-KB2748349-x86-ENU.exe",
        "6002": "Windows6.0-KB2748349-x64.msu",
    }
    package_bytes = sum(
        (packages / names[str(profiles[i % len(profiles)]["build"])]).stat().st_size for i in range(hosts)
    )
    http_bytes = server.wire_bytes if server else 0
    transfer = sum(run["wire_bytes_by_tool"].get(tool, 0) for tool in TRANSFER_TOOLS) + http_bytes
    return {
        "hosts": hosts,
        "serial": serial,
        "source": source,
        "wall_s": round(run["wall_s"], 2),
        "wire_bytes_per_package_byte": round(transfer / package_bytes, 3),
        "whole_run_wire_bytes_per_package_byte": round(
            (run["bytes_in"] + run["bytes_out"] + http_bytes) / package_bytes, 3
        ),
        "package_bytes": package_bytes,
        "http_wire_bytes": http_bytes,
        "winrm_wire_bytes_by_tool": run["wire_bytes_by_tool"],
        "lab_cpu_share": round(run["lab_cpu_s"] / run["wall_s"], 3),
    }


NOTE = (
    "wire_bytes_per_package_byte: both directions of every request of the transfer's commands (the programs in "
    f"{', '.join(TRANSFER_TOOLS)}; winrm_wire_bytes_by_tool has every program) plus, for source url, the HTTP "
    "download, divided by the package bytes. whole_run_wire_bytes_per_package_byte: every WinRM and HTTP byte of the "
    "remediation (probe, lock, transfer, install, restart, verify), divided by the package bytes"
)


def _memory_growth(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Peak memory added per host between consecutive sizes: flat means the controller scales with the fleet."""
    steps = []
    for smaller, larger in itertools.pairwise(rows):
        added = larger["hosts"] - smaller["hosts"]
        main = larger["controller_main_peak_rss_mb"] - smaller["controller_main_peak_rss_mb"]
        tree = larger["controller_peak_rss_mb"] - smaller["controller_peak_rss_mb"]
        steps.append(
            {
                "from_hosts": smaller["hosts"],
                "to_hosts": larger["hosts"],
                "main_process": round(main / added, 3),
                "with_forks": round(tree / added, 3),
            }
        )
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10,100,500"))
    parser.add_argument("--repeats", type=int, default=3, help="floor/audit pairs per size (medians compared)")
    parser.add_argument("--remediation-hosts", type=int, default=100)
    parser.add_argument("--serial", type=int, default=25)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    args = parser.parse_args()
    results: dict[str, Any] = {"audit": []}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for size in (int(s) for s in args.sizes.split(",") if s):
            row = audit_vs_floor(size, Path(tempfile.mkdtemp(dir=scratch)), args.repeats)
            results["audit"].append(row)
            results[str(size)] = row
            print(
                f"N={size:4d}  audit {row['audit_s']:7.2f}s  floor {row['floor_s']:7.2f}s  ratio {row['ratio']:.3f} "
                f"(CPU {row['controller_cpu_ratio']:.3f})  "
                f"cmd/host {row['commands_per_host_audit']:.2f}  req/host {row['requests_per_host_audit']:.1f} "
                f"(floor {row['requests_per_host_floor']:.1f})  peak RSS {row['controller_peak_rss_mb']:.0f} MB "
                f"(main process {row['controller_main_peak_rss_mb']:.0f} MB)  "
                f"lab CPU {row['lab_cpu_share_audit']:.0%}",
                flush=True,
            )
        results["memory_per_added_host_mb"] = _memory_growth(results["audit"])
        for step in results["memory_per_added_host_mb"]:
            print(
                f"memory per added host, {step['from_hosts']} → {step['to_hosts']} hosts: main process "
                f"{step['main_process']:.2f} MB, with the forks {step['with_forks']:.2f} MB",
                flush=True,
            )
        if args.remediation_hosts:
            for source in ("controller", "url"):
                rem = remediation(args.remediation_hosts, Path(tempfile.mkdtemp(dir=scratch)), args.serial, source)
                results["remediation" if source == "controller" else "remediation_url"] = {**rem, "note": NOTE}
                print(
                    f"remediation of {rem['hosts']} hosts (serial {rem['serial']}, source {source}): "
                    f"{rem['wall_s']:.1f}s, transfer wire bytes per package byte "
                    f"{rem['wire_bytes_per_package_byte']:.3f} "
                    f"(whole run {rem['whole_run_wire_bytes_per_package_byte']:.3f}), "
                    f"lab CPU {rem['lab_cpu_share']:.0%}",
                    flush=True,
                )
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
