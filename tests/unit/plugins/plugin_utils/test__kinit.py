"""kinit into a private credential cache, against a stand-in kinit that records how it was called."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._kerberos import Failure
from ansible_collections.winfix.volsnap.plugins.plugin_utils._kinit import KinitError, kinit

PASSWORD = "S3cret pass;word'\""

# Reads the password from stdin as MIT kinit does without a terminal, records argv and environment, writes a
# "ticket" into the cache named by KRB5CCNAME on the right password, and prints MIT's message otherwise (echoing the
# password back, which the real kinit never does, to prove it would be redacted).
STAND_IN = """\
import json, os, sys
password = sys.stdin.readline().rstrip("\\n")
record = {"argv": sys.argv[1:], "env": dict(os.environ), "tty": os.isatty(0)}
with open(os.environ["KINIT_RECORD"], "w") as handle:
    json.dump(record, handle)
if password == os.environ["KINIT_EXPECTS"]:
    with open(os.environ["KRB5CCNAME"].removeprefix("FILE:"), "w") as cache:
        cache.write("ticket")
    sys.exit(0)
print("Password for " + sys.argv[-1] + ": ", end="")
print("kinit: Password incorrect (" + password + ") while getting initial credentials", file=sys.stderr)
sys.exit(1)
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    script = tmp_path / "kinit"
    script.write_text(f"#!{sys.executable}\n{STAND_IN}")
    script.chmod(0o755)
    record = tmp_path / "record.json"
    monkeypatch.setenv("KINIT_RECORD", str(record))
    monkeypatch.setenv("KINIT_EXPECTS", PASSWORD)
    monkeypatch.setenv("KRB5_CONFIG", "/etc/lab/krb5.conf")
    monkeypatch.setenv("SOME_OTHER_SECRET", "not for kinit")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    return str(script), record


def _left_behind() -> list[str]:
    return [name for name in os.listdir(tempfile.gettempdir()) if name.startswith("winrs-krb5-")]


def test_the_password_goes_on_stdin_only_and_the_cache_is_private(stand_in: tuple[str, Path]) -> None:
    command, record = stand_in
    cache = kinit("jdoe@CORP.EXAMPLE", PASSWORD, command=command, pass_through=["KINIT_RECORD", "KINIT_EXPECTS"])
    called = json.loads(record.read_text())
    assert called["argv"] == ["jdoe@CORP.EXAMPLE"]
    assert called["tty"] is False
    assert PASSWORD not in json.dumps(called["env"])
    assert set(called["env"]) <= {"PATH", "KRB5CCNAME", "LC_ALL", "KRB5_CONFIG", "KINIT_RECORD", "KINIT_EXPECTS"}
    assert called["env"]["KRB5CCNAME"] == cache.name and called["env"]["KRB5_CONFIG"] == "/etc/lab/krb5.conf"
    path = Path(cache.name.removeprefix("FILE:"))
    assert path.read_text() == "ticket"
    assert os.stat(cache.directory).st_mode & 0o077 == 0
    cache.remove()
    assert not path.parent.exists() and _left_behind() == []


def test_delegation_asks_for_a_forwardable_ticket(stand_in: tuple[str, Path]) -> None:
    command, record = stand_in
    kinit("a@B", PASSWORD, command=command, delegate=True, pass_through=["KINIT_RECORD", "KINIT_EXPECTS"]).remove()
    assert json.loads(record.read_text())["argv"] == ["-f", "a@B"]


def test_a_refused_password_leaves_nothing_and_says_why_without_it(stand_in: tuple[str, Path]) -> None:
    command, _record = stand_in
    with pytest.raises(KinitError) as caught:
        kinit("a@B", "wrong one", command=command, pass_through=["KINIT_RECORD", "KINIT_EXPECTS"])
    assert caught.value.problem.failure is Failure.WRONG_PASSWORD
    assert "wrong one" not in caught.value.problem.detail and "<redacted>" in caught.value.problem.detail
    assert _left_behind() == []


def test_a_missing_kinit_is_named(stand_in: tuple[str, Path]) -> None:
    with pytest.raises(KinitError, match="cannot run /nonexistent/kinit"):
        kinit("a@B", PASSWORD, command="/nonexistent/kinit")
    assert _left_behind() == []
