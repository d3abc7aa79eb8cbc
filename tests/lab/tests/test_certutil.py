"""certutil per Windows release: SHA-2 on Server 2003, algorithm case, -f, -urlcache, localised text."""

from __future__ import annotations

import hashlib

import pytest
from test_host import host, run, shell_of

from winlab.host.shell import LabShell, SimulatedHost
from winlab.host.tools_certutil import E_INVALIDARG, NTE_BAD_ALGID
from winlab.samples import VISTA, W2003

FILE = r"C:\Windows\Temp\f.bin"
DATA = b"winlab certutil"


def _with_file(**profile: object) -> tuple[SimulatedHost, LabShell]:
    h = host(**profile)
    h.machine.files.write(FILE.replace(r"C:\Windows", h.machine.windows_root), DATA)
    return h, shell_of(h)


def _path(h: SimulatedHost) -> str:
    return FILE.replace(r"C:\Windows", h.machine.windows_root)


@pytest.mark.parametrize("algorithm", ["SHA256", "SHA384", "SHA512"])
def test_stock_2003_has_no_sha2(algorithm: str) -> None:
    h, sh = _with_file(**W2003)
    out, _, rc = run(sh, f"certutil -hashfile {_path(h)} {algorithm}")
    assert rc == NTE_BAD_ALGID
    assert b"0x80090008" in out and b"Invalid algorithm specified." in out  # certutil reports on stdout


@pytest.mark.parametrize("kb", ["KB968730", "KB938397"])
def test_2003_with_a_sha2_update_computes_sha256(kb: str) -> None:
    h, sh = _with_file(**W2003, installed_kbs=[kb])
    out, _, rc = run(sh, f"certutil -hashfile {_path(h)} SHA256")
    assert rc == 0 and " ".join(_pairs(hashlib.sha256(DATA).hexdigest())).encode() in out


def test_2003_plain_form_is_sha1_and_the_fallback_line_answers_with_it() -> None:
    h, sh = _with_file(**W2003)
    line = f"certutil -hashfile {_path(h)} SHA256 || certutil -hashfile {_path(h)}"
    out, _, rc = run(sh, line)
    assert rc == 0
    assert b"0x80090008" in out and " ".join(_pairs(hashlib.sha1(DATA).hexdigest())).encode() in out


def test_lower_case_algorithm_is_refused_before_windows_10() -> None:
    for profile in ({}, VISTA, W2003):
        h, sh = _with_file(**profile)
        assert run(sh, f"certutil -hashfile {_path(h)} sha1")[2] == NTE_BAD_ALGID
    h, sh = _with_file(current_version="6.3", current_major_version=10, build=10240)
    out, _, rc = run(sh, f"certutil -hashfile {_path(h)} sha256")
    assert rc == 0 and hashlib.sha256(DATA).hexdigest().encode() in out  # no spaces on Windows 10


def test_german_header_and_trailer() -> None:
    h, sh = _with_file(locale="de-DE")
    out, _, rc = run(sh, f"certutil -hashfile {_path(h)} SHA256")
    text = out.decode("cp437")
    assert rc == 0 and text.startswith(f"SHA256-Hash von Datei {_path(h)}:\r\n")
    assert text.endswith("CertUtil: -hashfile-Befehl wurde erfolgreich ausgeführt.\r\n")


def test_2003_refuses_f_and_has_no_urlcache() -> None:
    h, sh = _with_file(**W2003)
    b64 = _path(h) + ".b64"
    assert run(sh, f"certutil -f -encode {_path(h)} {b64}")[2] == E_INVALIDARG
    assert run(sh, f"certutil -encode {_path(h)} {b64}")[2] == 0
    out, _, rc = run(sh, r"certutil -urlcache -split -f http://127.0.0.1:1/x C:\WINDOWS\Temp\x")
    assert rc == E_INVALIDARG and b"Unknown arguments" in out
    vista, vsh = _with_file(**VISTA)
    assert run(vsh, f"certutil -f -encode {_path(vista)} {_path(vista)}.b64")[2] == 0


def _pairs(digest: str) -> list[str]:
    return [digest[i : i + 2] for i in range(0, len(digest), 2)]
