"""`winlab serve` driven from outside (winlab.served): it comes up with its inventory and goes on SIGTERM; when it
cannot come up, the error carries its log."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import PASSWORD

from winlab.served import LabDidNotStart, ServedLab


def _start(tmp_path: Path, hosts: dict[str, dict[str, object]]) -> ServedLab:
    hosts_file = tmp_path / "hosts.yml"
    hosts_file.write_text(yaml.safe_dump({"defaults": {"password": PASSWORD}, "hosts": hosts}))
    return ServedLab.start(hosts_file, tmp_path / "inventory.ini", tmp_path / "state", tmp_path / "winlab.log")


def test_it_serves_until_stopped_and_a_second_stop_does_nothing(tmp_path: Path) -> None:
    with _start(tmp_path, {"w7": {}}) as served:
        assert served.process.poll() is None
        assert served.inventory.read_text().splitlines()[1].startswith("w7 ansible_host=127.0.0.1 ")
    assert served.process.returncode == 0  # ended on SIGTERM by itself, not killed
    served.stop()


def test_a_lab_that_cannot_start_raises_with_its_log(tmp_path: Path) -> None:
    with pytest.raises(LabDidNotStart, match=r"(?s)did not come up within 30 s:.*bad_name") as raised:
        _start(tmp_path, {"bad_name": {"auth": "kerberos"}})
    assert not (tmp_path / "inventory.ini").exists()
    assert "DNS label" in str(raised.value)
