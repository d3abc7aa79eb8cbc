"""Windows tools as they really are, end to end: a fleet of every affected release, architecture, servicing branch and
language remediates to `compliant` with every package source its hosts support, under the lab's strict tools
(certutil without SHA-2 on a stock Server 2003, pkgmgr only from documented forms, attested exit codes only), and every
command it sent has a row in the fidelity ledger (tests/lab/FIDELITY.md).

The last test of the session (conftest orders it last) checks the same ledger over every lab the session started.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    DEFAULTS,
    LEDGER_CHECK,
    SESSION_LABS,
    TEST_LINES,
    VISTA,
    W7,
    W2003,
    Lab,
    extra_vars,
    put_on_host,
    run_ansible,
)
from ledger import family_of, missing

from winlab.samples import W2008

FAST = {"restart_takes_s": 1}
STOCK_2003 = {"x86": {**W2003}, "x64": {**W2003, "arch": "AMD64"}}  # SP2, no KB968730 / KB938397: no SHA-2
VISTA_2008 = {
    "vista-x86": {**VISTA, "arch": "x86"},
    "vista-x64": {**VISTA, "arch": "AMD64"},
    "w2008-x86": {**W2008, "arch": "x86"},
    "w2008-x64": {**W2008, "arch": "AMD64"},
    "w2008-ia64": {**W2008, "arch": "IA64"},
}
R2 = {
    **W7,
    "product_name": "Windows Server 2008 R2 Standard",
    "product_type": "ServerNT",
    "edition_id": "ServerStandard",
}
SEVEN = {"w7-x86": {**W7, "arch": "x86"}, "w7-x64": W7, "r2-x64": R2, "r2-ia64": {**R2, "arch": "IA64"}}
BRANCH = {"gdr": "6.1.7600.16385", "ldr": "6.1.7600.21000"}  # 21000: above the GDR fix, still exposed on LDR
# Per source, each 7 / 2008 R2 kind gets a branch and a language; over the three sources every kind meets both.
SEVEN_MIX = {
    "controller": (("gdr", "en-US"), ("ldr", "de-DE"), ("gdr", "de-DE"), ("ldr", "en-US")),
    "url": (("ldr", "de-DE"), ("gdr", "en-US"), ("ldr", "en-US"), ("gdr", "de-DE")),
    "host": (("gdr", "de-DE"), ("ldr", "en-US"), ("gdr", "en-US"), ("ldr", "de-DE")),
}
SOURCES_2003 = ("controller", "host")  # certutil -urlcache is Vista and later
HOST_FOLDER = r"C:\packages"


def fleet() -> dict[str, dict[str, Any]]:
    hosts: dict[str, dict[str, Any]] = {}
    for source, mix in SEVEN_MIX.items():
        if source in SOURCES_2003:
            hosts.update({f"{source}-w2003-{arch}": profile for arch, profile in STOCK_2003.items()})
        hosts.update({f"{source}-{kind}": profile for kind, profile in VISTA_2008.items()})
        for (kind, profile), (branch, locale) in zip(SEVEN.items(), mix, strict=True):
            language = locale.split("-")[0]
            hosts[f"{source}-{kind}-{branch}-{language}"] = {
                **profile,
                "volsnap_version": BRANCH[branch],
                "locale": locale,
            }
    hosts["url-w2003-x86"] = STOCK_2003["x86"]  # for the refusal: no -urlcache on Server 2003
    return hosts


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    started = lab_factory({"defaults": {**DEFAULTS, "faults": FAST}, "hosts": fleet()})
    host_vars = started.inventory.parent / "host_vars"
    host_vars.mkdir()
    for name, profile in fleet().items():
        if profile.get("locale") == "de-DE":  # a German host's OEM code page
            (host_vars / f"{name}.yml").write_text("ansible_winrs_codepage: 850\n")
    return started


@pytest.fixture(scope="module")
def package_url(packages: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(packages))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _remediate(lab: Lab, pattern: str, packages: Path, report: Path, *extra: str) -> Any:
    return run_ansible(
        "ansible-playbook",
        "-i",
        str(lab.inventory),
        "playbooks/remediate.yml",
        "-f",
        "12",
        *extra_vars(
            f"volsnap_hosts={pattern}",
            f"volsnap_package_dir={packages}",
            "volsnap_restart=now",
            f"volsnap_report_dir={report}",
        ),
        *extra,
    )


def _rows(report: Path) -> dict[str, Any]:
    return json.loads((report / "report.json").read_text())["hosts"]  # type: ignore[no-any-return]


def _put_packages_on_hosts(lab: Lab, names: list[str], packages: Path) -> None:
    """source=host: each host gets its package in a folder it can read (here put there through the connection)."""
    for name in names:
        package = _package_of(name)
        put_on_host(lab, name, packages / package, rf"{HOST_FOLDER}\{package}")


def _package_of(name: str) -> str:
    tag = {"x86": "x86", "x64": "x64", "ia64": "ia64"}[name.split("-")[2]]
    if "w2003" in name:
        return {
            "x86": "WindowsServer2003-KB2748349-x86-ENU.exe",
            "x64": "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe",
        }[tag]
    return f"Windows6.{0 if ('vista' in name or 'w2008' in name) else 1}-KB2748349-{tag}.msu"


@pytest.mark.fault("cmd-quotes")
def test_every_affected_release_remediates_with_every_source_it_supports(
    lab: Lab, packages: Path, package_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    fleet_hosts = fleet()
    _put_packages_on_hosts(lab, [n for n in fleet_hosts if n.startswith("host-")], packages)
    runs = {
        "controller": (),
        "url": ("-e", "volsnap_package_source=url", "-e", f"volsnap_package_url={package_url}"),
        "host": ("-e", "volsnap_package_source=host", "-e", json.dumps({"volsnap_package_path": HOST_FOLDER})),
    }
    for source, extra in runs.items():
        report = tmp_path / source
        targets = [n for n in fleet_hosts if n.startswith(f"{source}-") and n != "url-w2003-x86"]
        done = _remediate(lab, ":".join(targets), packages, report, *extra)
        assert done.returncode == 0, done.stdout[-4000:]
        rows = _rows(report)
        assert {n: rows[n]["status"] for n in targets} == dict.fromkeys(targets, "compliant")
        for name in targets:
            # The hash that proved the bytes on the host, read from its answer: SHA-1 on a stock Server 2003.
            expected = "sha1" if "w2003" in name else "sha256"
            assert f"update: installed (host hash {expected})" in rows[name]["actions"], (name, rows[name]["actions"])
    elapsed = time.monotonic() - started
    print(f"\nfidelity fleet: {len(fleet_hosts) - 1} hosts, three sources, {elapsed:.1f} s")

    # Server 2003's installer line starts with a quoted path and quotes /log:"…": cmd /c ran it as written.
    for name in ("controller-w2003-x86", "host-w2003-x64"):
        line = next(r for r in lab.command_lines(name) if "/log:" in r["line"])
        assert (
            line["runs"].startswith('"')
            and line["runs"].endswith('install.log"')
            and line["line"] == f'"{line["runs"]}"'
        )
        ran = next(argv for argv in lab.commands(name) if argv[0].lower().endswith(".exe") and "/quiet" in argv)
        assert ran[1:] == ["/quiet", "/norestart", f"/log:{ran[0].rsplit(chr(92), 1)[0]}\\install.log"], ran
    # Vista / 2008: pkgmgr got the inner cabinet and its own sandbox, never the folder expand made.
    for name in (n for n in fleet_hosts if "vista" in n or "w2008" in n):
        pkgmgr = [argv for argv in lab.commands(name) if argv[0].lower() == "pkgmgr"]
        assert len(pkgmgr) == 1 and pkgmgr[0][1] == "/ip", pkgmgr
        assert (
            pkgmgr[0][2].lower().endswith(".cab")
            and pkgmgr[0][2].startswith("/m:")
            and "wsusscan" not in pkgmgr[0][2].lower()
        )
        assert pkgmgr[0][3].startswith("/s:") and pkgmgr[0][3].endswith("\\sandbox")

    # The ledger covers every command this fleet was sent (the session's last test checks every lab).
    sent = _sent_by_collection([lab])
    assert missing(sent) == [], missing(sent)


def test_source_url_is_refused_for_server_2003_before_anything_changes(
    lab: Lab, packages: Path, package_url: str, tmp_path: Path
) -> None:
    before = len(lab.commands("url-w2003-x86"))
    done = _remediate(
        lab,
        "url-w2003-x86",
        packages,
        tmp_path,
        *extra_vars(
            "volsnap_package_source=url",
            f"volsnap_package_url={package_url}",
        ),
    )
    assert done.returncode != 0
    reason = _rows(tmp_path)["url-w2003-x86"]["reason"]
    assert "url-w2003-x86: source=url needs certutil -urlcache" in reason, reason
    assert "source=controller" in reason and "source=host" in reason and "nothing was changed" in reason
    programs = [argv[0].lower() for argv in lab.commands("url-w2003-x86")[before:]]
    assert programs and not {"mkdir", "certutil", "findstr"} & set(programs), programs  # the probe only


def _sent_by_collection(labs: list[Lab]) -> dict[str, list[str]]:
    """Per OS family, every command line the labs received except those the tests sent themselves."""
    sent: dict[str, list[str]] = {}
    for lab in labs:
        for host, build in lab.builds.items():
            for record in lab.command_lines(host):
                runs = record["runs"] if record["runs"] is not None else record["line"]
                if runs not in TEST_LINES and record["line"] not in TEST_LINES:
                    sent.setdefault(family_of(build), []).append(runs)
    return sent


def test_every_command_the_labs_received_has_a_ledger_row() -> None:
    """Runs last in the session (conftest): every lab any test started, every line the collection sent."""
    assert test_every_command_the_labs_received_has_a_ledger_row.__name__ == LEDGER_CHECK
    sent = _sent_by_collection(SESSION_LABS)
    if not sent:
        pytest.skip("no lab ran in this session: run it with the integration tests")
    assert sum(len(lines) for lines in sent.values()) > 0
    assert missing(sent) == [], "commands sent without a row in tests/lab/FIDELITY.md:\n" + "\n".join(missing(sent))
