"""The real_hosts molecule scenario stops at once, saying what to set, when no inventory of real VMs is given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_real_hosts_scenario_names_what_to_set() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("VOLSNAP_REAL_INVENTORY", "VOLSNAP_PACKAGE_DIR")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "molecule"), "test", "-s", "real_hosts"],
        cwd=ROOT / "extensions",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "Set VOLSNAP_REAL_INVENTORY" in done.stdout + done.stderr
