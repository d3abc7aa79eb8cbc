"""`make compat`: the collection on every ansible-core it supports, each in a virtualenv of its own.

For each version (2.15 to 2.19), in `.venv-compat/<version>` on the oldest Python that version runs its controller on
(found on PATH or under pyenv; the Python of .venv when it is missing, and the line says so):

  unit    the unit tests (tests/unit), importing the collection installed from the built tarball
  sanity  `ansible-test sanity` of that version (scripts/run-sanity, its own pip stand-in and ignore file)
  e2e     the lab (the main .venv's winlab) serves tests/compat/fleet.yml; that version's ansible-playbook, with only
          the installed tarball on its collections path, runs winfix.volsnap.audit (every exposed host reported
          vulnerable, nothing changed), winfix.volsnap.remediate with a restart now and host variables given as
          templates (every host compliant after), and
          winfix.volsnap.report_merge over the run's saved part and a crafted one (its template text kept as data)
  types   (2.15 only) mypy --python-version 3.9 over the controller code (on Python 3.9 where it is here)

One line per version says what passed; the logs of every step are in .venv-compat/logs/. Exit status 1 when anything
failed. COMPAT_VERSIONS="2.15 2.19" and COMPAT_STEPS="unit e2e" narrow a run. Virtualenvs are made once and kept
while their inputs (interpreter, requirements) are unchanged (a stamp file, as .venv's); pip's cache serves the wheels.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from winlab.served import LabDidNotStart, ServedLab

ROOT = Path(__file__).resolve().parents[1]
MAIN_BIN = ROOT / ".venv" / "bin"
COMPAT = ROOT / ".venv-compat"
LOGS = COMPAT / "logs"
BUILD = COMPAT / "build"
FLEET = ROOT / "tests" / "compat" / "fleet.yml"
MYPY_PACKAGES = ("plugin_utils", "action", "connection")
# Host variables that the actions template themselves (self._templar.template), given as templates: each version
# must render them (2.19 only renders trusted text; extra vars are trusted on all), or the remediation fails.
TEMPLATED_HOST_VARS = {
    "volsnap_lock_max_age_s": "{{ 3600 * 6 }}",
    "volsnap_package_names": {"2003/x86": "{{ 'WindowsServer2003-KB2748349-x86-ENU' ~ '.exe' }}"},
}
# A part another run could have published, with template text where a host's reason goes (report_merge reads parts as
# data, never as templates).
CRAFTED_HOST = "crafted-host"
CRAFTED_REASON = "{{ 6 * 7 }} {{ lookup('env', 'HOME') }}"


@dataclass(frozen=True)
class Version:
    minor: str  # "2.15"
    python: str  # the oldest controller Python of that ansible-core
    # The newest mypy that still runs on that Python (mypy 2 needs 3.10 and checks 3.10 and later only).
    mypy: str = "mypy>=1.11"

    @property
    def requirement(self) -> str:
        major, minor = self.minor.split(".")
        return f"ansible-core>={self.minor},<{major}.{int(minor) + 1}"


# Controller Pythons per ansible-core (its support matrix): 2.15 3.9-3.11, 2.16 and 2.17 3.10-3.12, 2.18 and 2.19
# 3.11-3.13. The oldest of each is what execution environments of that time carry, and the hardest to run on.
VERSIONS = (
    Version("2.15", "3.9", mypy="mypy>=1.11,<1.20"),
    Version("2.16", "3.10"),
    Version("2.17", "3.10"),
    Version("2.18", "3.11"),
    Version("2.19", "3.11"),
)
# What every compat virtualenv gets besides ansible-core: the collection's own requirements, and what the unit tests
# import.
TEST_REQUIREMENTS = ("pytest>=8", "hypothesis>=6.100", "PyYAML>=6.0", "requests-ntlm>=1.3", "cabarchive>=0.2.5")


def _release(python: Path) -> tuple[int, ...]:
    """(3, 9, 18) for .../versions/3.9.18/bin/python3.9."""
    return tuple(int(part) for part in python.parts[-3].split(".") if part.isdigit())


def find_python(version: str) -> Path | None:
    """A working python3.X: on PATH (not a pyenv shim for a version that is not active), else pyenv's newest 3.X."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    builds = sorted(pyenv.glob(f"{version}.*/bin/python{version}"), key=_release, reverse=True)
    on_path = shutil.which(f"python{version}")
    for candidate in [*([Path(on_path)] if on_path else []), *builds]:
        probe = subprocess.run(
            [str(candidate), "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def run(args: list[str | Path], log: Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> bool:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(map(str, args))}\n")
        out.flush()
        done = subprocess.run(
            [str(a) for a in args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    return done.returncode == 0


class Runner:
    def __init__(self, version: Version, tarball: Path) -> None:
        self.version = version
        self.tarball = tarball
        self.venv = COMPAT / version.minor
        self.bin = self.venv / "bin"
        self.collections = self.venv / "collections"
        self.installed = self.collections / "ansible_collections" / "winfix" / "volsnap"
        interpreter = find_python(version.python)
        self.fallback = interpreter is None
        self.interpreter = interpreter or Path(sys.executable)
        self.python_label = version.python if interpreter else f"{sys.version_info[0]}.{sys.version_info[1]}"

    def log(self, step: str) -> Path:
        path = LOGS / f"{self.version.minor}-{step}.log"
        path.write_text("")
        return path

    def env(self) -> dict[str, str]:
        """The compat venv first on PATH, Ansible reading nothing of the checkout's own configuration."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VIRTUAL_ENV"))}
        env["PATH"] = f"{self.bin}:{env.get('PATH', '')}"
        env["ANSIBLE_CONFIG"] = str(self.venv / "ansible.cfg")
        env["ANSIBLE_NOCOLOR"] = "1"
        env["ANSIBLE_LOCAL_TEMP"] = str(self.venv / "tmp")
        return env

    # -- the virtualenv ---------------------------------------------------------------------------------------------
    def ensure_venv(self) -> bool:
        wanted = self._stamp_text()
        stamp = self.venv / ".installed"
        if stamp.exists() and stamp.read_text() == wanted and (self.bin / "python").exists():
            return True
        log = self.log("venv")
        shutil.rmtree(self.venv, ignore_errors=True)
        ok = run([self.interpreter, "-m", "venv", self.venv], log)
        ok = ok and run([self.bin / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip"], log)
        packages = [self.version.requirement, "-r", ROOT / "requirements.txt", *TEST_REQUIREMENTS]
        if self.version.python == "3.9":  # the mypy run for Python 3.9 (see types)
            packages += [self.version.mypy, "types-PyYAML"]
        ok = ok and run([self.bin / "python", "-m", "pip", "install", "--quiet", *packages], log)
        if ok:
            (self.venv / "ansible.cfg").write_text(
                "[defaults]\n"
                f"collections_path = {self.collections}\n"
                "collections_scan_sys_path = False\n"
                "host_key_checking = False\n"
                "retry_files_enabled = False\n"
                "interpreter_python = auto_silent\n"
            )
            stamp.write_text(wanted)
        return ok

    def _stamp_text(self) -> str:
        inputs = [
            str(self.interpreter.resolve()),
            self.version.requirement,
            self.version.mypy,
            *TEST_REQUIREMENTS,
            (ROOT / "requirements.txt").read_text(),
        ]
        return hashlib.sha256("\n".join(inputs).encode()).hexdigest() + "\n"

    def install_collection(self) -> bool:
        shutil.rmtree(self.collections, ignore_errors=True)
        log = self.log("install")
        return (
            run(
                [self.bin / "ansible-galaxy", "collection", "install", "--force", "-p", self.collections, self.tarball],
                log,
                env=self.env(),
            )
            and (self.installed / "MANIFEST.json").is_file()
        )

    # -- the steps --------------------------------------------------------------------------------------------------
    def unit(self) -> bool:
        env = self.env()
        env["VOLSNAP_COLLECTIONS_PATH"] = str(self.collections)
        pythonpath = f"pythonpath={self.collections} {ROOT / 'tests' / 'lab'} {ROOT / 'tests'}"
        return run(
            [self.bin / "python", "-m", "pytest", "-q", "-o", pythonpath, "-rs", "tests/unit"], self.log("unit"), env
        )

    def sanity(self) -> bool:
        env = self.env()
        env["VENV_PYTHON"] = str(self.bin / "python")
        env["SANITY_ANSIBLE_TEST"] = str(self.bin / "ansible-test")
        env["SANITY_PYTHON"] = self.python_label
        env["SANITY_WORK"] = str(ROOT / "tests" / "output" / f"sanity-{self.version.minor}")
        log = self.log("sanity")
        return run([ROOT / "scripts" / "ansible-test-pip-standin"], log, env) and run(
            [ROOT / "scripts" / "run-sanity"], log, env
        )

    def types(self) -> bool:
        """mypy on Python 3.9 and for 3.9 over the installed controller code (strict, as `make typecheck`)."""
        packages = [f"ansible_collections.winfix.volsnap.plugins.{name}" for name in MYPY_PACKAGES]
        args: list[str | Path] = [
            self.bin / "mypy",
            "--config-file",
            ROOT / "pyproject.toml",
            "--python-version",
            "3.9",
        ]
        for package in packages:
            args += ["-p", package]
        env = self.env()
        env["MYPY_CACHE_DIR"] = str(self.venv / "mypy-cache")
        return run(args, self.log("types"), env, cwd=self.collections)

    def e2e(self) -> bool:
        log = self.log("e2e")
        work = self.venv / "e2e"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            lab = ServedLab.start(FLEET, work / "inventory.ini", work / "lab", work / "winlab.log", timeout_s=60)
        except LabDidNotStart as error:
            with log.open("a") as out:
                out.write(f"the lab did not start: {error}\n")
            return False
        try:
            return self._e2e_against(lab.inventory, work, log)
        finally:
            lab.stop(grace_s=20)

    def _e2e_against(self, inventory: Path, work: Path, log: Path) -> bool:
        if not run([MAIN_BIN / "winlab", "packages", work / "packages"], log):
            return False
        env = self.env()
        env["KRB5_CONFIG"] = str(work / "lab" / "krb5.conf")
        env["ANSIBLE_SHOW_CUSTOM_STATS"] = "True"  # what set_stats published (AWX's artifacts), printed at the end
        playbook = self.bin / "ansible-playbook"
        audited = run(
            [playbook, "-i", inventory, "winfix.volsnap.audit", "-e", f"volsnap_report_dir={work / 'before'}"],
            log,
            env,
            cwd=work,
        )
        remediated = run(
            [
                playbook,
                "-i",
                inventory,
                "winfix.volsnap.remediate",
                "-e",
                f"volsnap_package_dir={work / 'packages'}",
                "-e",
                "volsnap_restart=now",
                "-e",
                f"volsnap_report_dir={work / 'after'}",
                "-e",
                f"volsnap_save_part={work / 'part.json'}",
                "-e",
                json.dumps(TEMPLATED_HOST_VARS),
            ],
            log,
            env,
            cwd=work,
        )
        merged = remediated and self._merge_with_a_crafted_part(work, log, env)
        return audited and remediated and merged and self._reports_say_fixed(work, log)

    def _merge_with_a_crafted_part(self, work: Path, log: Path, env: dict[str, str]) -> bool:
        """winfix.volsnap.report_merge over the run's saved part and a crafted one whose host reports template text:
        parts are data on every version (2.19 would not template untrusted text; 2.15 to 2.18 would template any
        string that reached the templar), so the merged report must keep the text as it came."""
        try:
            saved = json.loads((work / "part.json").read_text())
            own_part = next(iter(saved.values()))
            row = dict(next(iter(own_part["rows"].values())), reason=CRAFTED_REASON)
        except (OSError, ValueError, StopIteration, KeyError) as error:
            with log.open("a") as out:
                out.write(f"no saved part to merge: {error}\n")
            return False
        crafted = {"volsnap_part_crafted": {"generated": own_part["generated"], "rows": {CRAFTED_HOST: row}}}
        (work / "crafted.json").write_text(json.dumps(crafted))
        return run(
            [
                self.bin / "ansible-playbook",
                "winfix.volsnap.report_merge",
                "-e",
                f"@{work / 'part.json'}",
                "-e",
                f"@{work / 'crafted.json'}",
                "-e",
                f"volsnap_report_dir={work / 'merged'}",
                "-e",
                "volsnap_require=reached",
            ],
            log,
            env,
            cwd=work,
        )

    def _reports_say_fixed(self, work: Path, log: Path) -> bool:
        """Before: the three exposed hosts vulnerable, the SP1 host compliant. After: all compliant, the exposed ones
        with the update among their actions. Merged: the fleet and the crafted host, its text as it came. Each of
        the three runs published volsnap_summary (set_stats). And no ansible-core said that it does not support the
        collection."""
        problems: list[str] = []
        try:
            before = json.loads((work / "before" / "report.json").read_text())["hosts"]
            after = json.loads((work / "after" / "report.json").read_text())["hosts"]
        except (OSError, ValueError, KeyError) as error:
            problems.append(f"no report: {error}")
            before, after = {}, {}
        exposed = {"w2003-sp2-x86", "vista-sp2-x64", "w7-rtm-x64-kerberos"}
        expected_before = {host: "vulnerable" for host in exposed} | {"w7-sp1-x64": "compliant"}
        seen_before = {host: row.get("status") for host, row in before.items()}
        if seen_before != expected_before:
            problems.append(f"audit statuses {seen_before}, expected {expected_before}")
        seen_after = {host: row.get("status") for host, row in after.items()}
        if seen_after != dict.fromkeys(expected_before, "compliant"):
            problems.append(f"statuses after remediation {seen_after}, expected all compliant")
        for host in exposed & set(after):
            if not after[host].get("actions"):
                problems.append(f"{host}: no action recorded in the report after remediation")
        try:
            merged = json.loads((work / "merged" / "report.json").read_text())["hosts"]
        except (OSError, ValueError, KeyError) as error:
            problems.append(f"no merged report: {error}")
            merged = {}
        if set(merged) != {*expected_before, CRAFTED_HOST}:
            problems.append(f"merged report hosts {sorted(merged)}, expected the fleet and {CRAFTED_HOST}")
        elif merged[CRAFTED_HOST].get("reason") != CRAFTED_REASON:
            problems.append(f"the crafted part's text was changed: {merged[CRAFTED_HOST].get('reason')!r}")
        output = log.read_text()
        published = re.findall(r"CUSTOM STATS: \*+\s+RUN: \{[^\n]*volsnap_summary", output)
        if len(published) != 3:
            problems.append(f"{len(published)} runs published volsnap_summary with set_stats, expected 3")
        if "does not support Ansible version" in output:
            problems.append("ansible-core warned that the collection does not support it (meta/runtime.yml)")
        with log.open("a") as out:
            out.write("\n".join(["", "report check:", *(problems or ["ok"])]) + "\n")
        return not problems


def build_tarball() -> Path:
    """The collection as users get it: ansible-galaxy collection build (once, shared by every version)."""
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    log = LOGS / "build.log"
    log.write_text("")
    if not run([MAIN_BIN / "ansible-galaxy", "collection", "build", "--output-path", BUILD, ROOT], log):
        print(log.read_text(), file=sys.stderr)
        raise SystemExit(1)
    (tarball,) = BUILD.glob("winfix-volsnap-*.tar.gz")
    return tarball


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def main() -> int:
    wanted = os.environ.get("COMPAT_VERSIONS", "").split() or [v.minor for v in VERSIONS]
    steps = os.environ.get("COMPAT_STEPS", "").split() or ["unit", "sanity", "e2e", "types"]
    LOGS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    tarball = build_tarball()
    failed = False
    for version in (v for v in VERSIONS if v.minor in wanted):
        began = time.monotonic()
        runner = Runner(version, tarball)
        results: list[str] = []
        if not runner.ensure_venv():
            results.append("venv FAILED")
        elif not runner.install_collection():
            results.append("install FAILED")
        else:
            checks: dict[str, Callable[[], bool]] = {"unit": runner.unit, "sanity": runner.sanity, "e2e": runner.e2e}
            if version.python == "3.9":  # on Python 3.9, or for it with mypy 1.x where 3.9 is not here
                checks["types"] = runner.types
            for name, check in checks.items():
                if name in steps:
                    results.append(f"{name} {'ok' if check() else 'FAILED'}")
        failed = failed or any("FAILED" in r for r in results)
        python = f"py{runner.python_label}" + (f" (no Python {version.python} here)" if runner.fallback else "")
        print(f"{version.minor}  {python:<8} {'  '.join(results)}  ({minutes(time.monotonic() - began)})", flush=True)
    print(f"compat: {'FAILED' if failed else 'all passed'} in {minutes(time.monotonic() - started)}; logs in {LOGS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
