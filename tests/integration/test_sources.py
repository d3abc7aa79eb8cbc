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
from conftest import DEFAULTS, W7, Lab, remediate, run_ansible

FAST = {"restart_takes_s": 1}
SOURCES_HOSTS = ("url-ok", "url-missing", "share-missing")


@pytest.fixture(scope="module")
def lab(lab_factory: Any) -> Lab:
    return lab_factory({"defaults": {**DEFAULTS, "faults": FAST}, "hosts": dict.fromkeys(SOURCES_HOSTS, W7)})


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
        "-e",
        "volsnap_package_source=host",
        "-e",
        json.dumps({"volsnap_package_path": "C:\\no-such-folder"}),  # JSON: key=value would read \\n as a newline
    )
    assert done.returncode != 0
    assert r'copying the package from "C:\no-such-folder\Windows6.1-KB2748349-x64.msu" failed' in done.stdout, (
        done.stdout[-3000:]
    )
    assert not {"dism.exe", "shutdown"} & set(lab.programs("share-missing"))
