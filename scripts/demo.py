"""`make demo`: a lab of mixed legacy Windows hosts, then audit → remediate (restart now) → verify, then a summary.

Everything lands under demo-output/ (git-ignored); the lab is stopped on every path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from winlab.served import LabDidNotStart, ServedLab

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
    try:
        lab = ServedLab.start(FLEET, inventory, OUT / "lab-state", OUT / "winlab.log")
    except LabDidNotStart as error:
        print(error, file=sys.stderr)
        return 1
    with lab:
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


if __name__ == "__main__":
    sys.exit(main())
