"""The README's install path: the system packages it names are bindep.txt's, and `pip install -r requirements.txt`
works in a new virtualenv once they are there (on this machine `make kdc` put them there).

The second test is the slow one of this module: a virtualenv and pip, about 10 s with pip's cache (which keeps the
pykerberos wheel it built the first time) and bounded at 15 minutes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT_S = 900


def _bindep(platform: str) -> set[str]:
    """bindep.txt's packages for a platform (dpkg or rpm), leaving out the project's own test profile."""
    packages = set()
    for line in (ROOT / "bindep.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, selectors = line.partition("[")
        tags = selectors.rstrip("]").split()
        if f"platform:{platform}" in tags and "test" not in tags:
            packages.add(name.strip())
    return packages


def _readme_install(command: str) -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Installing and using the collection\n", 1)[1].split("\n## ", 1)[0]
    line = next(line for line in section.splitlines() if command in line)
    return set(re.split(r"\s+", line.split(command, 1)[1].split("#", 1)[0].strip()))


def test_readme_names_the_system_packages_of_bindep() -> None:
    assert _readme_install("apt-get install") == _bindep("dpkg")
    assert _readme_install("dnf install") == _bindep("rpm")
    readme = (ROOT / "README.md").read_text()
    assert "pip install -r requirements.txt" in readme.split("\n## Installing and using the collection\n", 1)[1]


def test_requirements_install_in_a_clean_virtualenv(tmp_path: Path) -> None:
    for program in ("krb5-config", "kinit", "gcc"):  # libkrb5-dev, krb5-user, gcc: what the README installs first
        assert shutil.which(program), f"{program} missing: run `make kdc` (the README's system packages)"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.txt")],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    probe = (
        "import winrm.transport as t; "
        "assert t.HAVE_KERBEROS and t.HAVE_NTLM and t.HAVE_CREDSSP, (t.HAVE_KERBEROS, t.HAVE_NTLM, t.HAVE_CREDSSP); "
        "from winrm.vendor.requests_kerberos.exceptions import KerberosExchangeError"
    )
    imported = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    checked = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout
