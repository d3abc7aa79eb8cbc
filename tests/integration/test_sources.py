"""Package sources other than the controller push: hosts download from a URL, or copy from a folder they can read."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULTS, W7, W2003, Lab, extra_vars, put_on_host, remediate, run_ansible

FAST = {"restart_takes_s": 1}
SOURCES_HOSTS = ("url-ok", "url-missing", "share-missing")
SHARE_2003 = ("share-2003-sha1sums", "share-2003-no-sha1")  # stock Server 2003: the host can only compute SHA-1
EXE = "WindowsServer2003-KB2748349-x86-ENU.exe"


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    hosts = {**dict.fromkeys(SOURCES_HOSTS, W7), **dict.fromkeys(SHARE_2003, W2003)}
    return lab_factory({"defaults": {**DEFAULTS, "faults": FAST}, "hosts": hosts})


@pytest.fixture()
def serve() -> Iterator[Any]:
    """A loopback HTTP server for a folder; yields a function that starts one and returns its URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def remediate_now(lab: Lab, host: str, packages: Path, *extra: str) -> Any:
    # volsnap_package_dir: its SHA256SUMS, whatever the source
    return remediate(lab, host, "-e", f"volsnap_package_dir={packages}", "-e", "volsnap_restart=now", *extra)


def test_hosts_download_the_package_and_nothing_is_pushed(lab: Lab, packages: Path, serve: Any) -> None:
    url = serve(packages)
    done = remediate_now(
        lab, "url-ok", packages, "-e", "volsnap_package_source=url", "-e", f"volsnap_package_url={url}"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    ran = lab.programs("url-ok")
    assert "certutil" in ran and "findstr" not in ran and ran.count("dism.exe") == 1
    after = run_ansible("ansible", "-i", str(lab.inventory), "url-ok", "-o", "-m", "winfix.volsnap.volsnap_facts")
    assert '"status": "compliant"' in after.stdout, after.stdout[-2000:]


def test_a_download_that_fails_is_named_and_nothing_is_installed(
    lab: Lab, packages: Path, serve: Any, tmp_path: Path
) -> None:
    url = serve(tmp_path)  # an empty folder: 404 for every package
    done = remediate_now(
        lab, "url-missing", packages, "-e", "volsnap_package_source=url", "-e", f"volsnap_package_url={url}"
    )
    assert done.returncode != 0
    assert f"downloading {url}Windows6.1-KB2748349-x64.msu failed" in done.stdout, done.stdout[-3000:]
    assert not {"dism.exe", "shutdown"} & set(lab.programs("url-missing"))


def test_a_copy_from_a_missing_folder_is_named_and_nothing_is_installed(lab: Lab, packages: Path) -> None:
    done = remediate_now(
        lab,
        "share-missing",
        packages,
        *extra_vars(
            "volsnap_package_source=host",
        ),
        "-e",
        json.dumps({"volsnap_package_path": "C:\\no-such-folder"}),  # JSON: key=value would read \\n as a newline
    )
    assert done.returncode != 0
    assert r'copying the package from "C:\no-such-folder\Windows6.1-KB2748349-x64.msu" failed' in done.stdout, (
        done.stdout[-3000:]
    )
    assert not {"dism.exe", "shutdown"} & set(lab.programs("share-missing"))


def test_a_2003_host_copying_from_a_share_is_checked_against_sha1sums(lab: Lab, packages: Path, tmp_path: Path) -> None:
    """The controller has no copy of the package, only its lists: the host's SHA-1 is checked against SHA1SUMS; with
    no SHA-1 to check against, nothing is installed and the error says what to provide."""
    import hashlib

    for host in SHARE_2003:
        put_on_host(lab, host, packages / EXE, rf"C:\packages\{EXE}")
    data = (packages / EXE).read_bytes()
    with_sha1 = tmp_path / "with-sha1"
    with_sha1.mkdir()
    (with_sha1 / "SHA256SUMS").write_text((packages / "SHA256SUMS").read_text())
    (with_sha1 / "SHA1SUMS").write_text(f"{hashlib.sha1(data).hexdigest()}  {EXE}\n")
    only_sha256 = tmp_path / "only-sha256"
    only_sha256.mkdir()
    (only_sha256 / "SHA256SUMS").write_text((packages / "SHA256SUMS").read_text())
    source = ("-e", "volsnap_package_source=host", "-e", json.dumps({"volsnap_package_path": "C:\\packages"}))
    report = tmp_path / "report"
    done = remediate(
        lab,
        "share-2003-sha1sums",
        *extra_vars(
            f"volsnap_package_dir={with_sha1}",
            "volsnap_restart=now",
            f"volsnap_report_dir={report}",
        ),
        *source,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    row = json.loads((report / "report.json").read_text())["hosts"]["share-2003-sha1sums"]
    assert row["status"] == "compliant" and "update: installed (host hash sha1)" in row["actions"], row
    refused = remediate(
        lab,
        "share-2003-no-sha1",
        *extra_vars(
            f"volsnap_package_dir={only_sha256}",
            "volsnap_restart=now",
            f"volsnap_report_dir={report}",
        ),
        *source,
    )
    assert refused.returncode != 0
    reason = json.loads((report / "report.json").read_text())["hosts"]["share-2003-no-sha1"]["reason"]
    assert "could compute only SHA-1" in reason and "SHA1SUMS" in reason and "nothing was installed" in reason, reason
    assert not [argv for argv in lab.commands("share-2003-no-sha1") if argv[0].lower().endswith(".exe")]
