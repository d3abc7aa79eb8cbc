"""`make demo`: a lab of mixed legacy Windows hosts, then audit → remediate (restart now) → verify, then a summary.

Everything lands under demo-output/ (git-ignored); the lab is stopped on every path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "demo-output"
FLEET = ROOT / "tests" / "integration" / "fleets" / "demo.yml"


def run(step: str, *args: str) -> int:
    print(f"\n== {step}", flush=True)
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    done = subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=ROOT, env=env, text=True, capture_output=True, check=False
    )
    recap = done.stdout.split("PLAY RECAP", 1)[-1].strip().splitlines()
    print("\n".join(line for line in recap if line.strip())[-3000:])
    if done.returncode != 0:
        print(f"   ({step}: exit {done.returncode})")
    return done.returncode


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    inventory = OUT / "inventory.ini"
    with open(OUT / "winlab.log", "wb") as log:
        lab = subprocess.Popen(
            [
                str(BIN / "winlab"),
                "serve",
                str(FLEET),
                "--inventory",
                str(inventory),
                "--state-dir",
                str(OUT / "lab-state"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not inventory.exists():
            if lab.poll() is not None or time.monotonic() > deadline:
                print((OUT / "winlab.log").read_text(), file=sys.stderr)
                return 1
            time.sleep(0.1)
        subprocess.run([str(BIN / "winlab"), "packages", str(OUT / "packages")], check=True, capture_output=True)
        inv = ["-i", str(inventory)]
        run(
            "audit (changes nothing)",
            "ansible-playbook",
            *inv,
            "playbooks/audit.yml",
            "-e",
            f"volsnap_report_dir={OUT / 'report-before'}",
        )
        run(
            "remediate: install where needed, restart now, verify",
            "ansible-playbook",
            *inv,
            "playbooks/remediate.yml",
            "-e",
            f"volsnap_package_dir={OUT / 'packages'}",
            "-e",
            "volsnap_restart=now",
            "-e",
            f"volsnap_report_dir={OUT / 'report'}",
        )
        verified = run(
            "verify",
            "ansible-playbook",
            *inv,
            "playbooks/verify.yml",
            "-e",
            '{"volsnap_verify_allow": ["not_applicable", "prerequisite_missing"]}',
            "-e",
            f"volsnap_report_dir={OUT / 'report'}",
        )
        before = json.loads((OUT / "report-before" / "report.json").read_text())["hosts"]
        after = json.loads((OUT / "report" / "report.json").read_text())
        print("\n== per host: before → after")
        for name, row in after["hosts"].items():
            print(f"  {name:16} {before[name]['status']:>21} → {row['status']:<21} {row['reason']}")
        print(f"\nsummary: {after['summary']}")
        print(f"HTML report: {OUT / 'report' / 'report.html'}")
        return verified
    finally:
        lab.send_signal(signal.SIGTERM)
        try:
            lab.wait(timeout=10)
        except subprocess.TimeoutExpired:
            lab.kill()


if __name__ == "__main__":
    sys.exit(main())
