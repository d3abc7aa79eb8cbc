"""SHA256SUMS parsing, user mappings, lookups and mismatch messages."""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._checksums import (
    ChecksumError,
    expected_sha256,
    parse_sha256sums,
    validate_mapping,
    verify,
)

X64 = hashlib.sha256(b"x64 package").hexdigest()
X86 = hashlib.sha256(b"x86 package").hexdigest()
EXE = hashlib.sha256(b"2003 package").hexdigest()


def test_sha256sum_format_with_binary_marker_comments_and_paths() -> None:
    text = (
        "\ufeff# packages for KB2748349\n"
        "\n"
        f"{X64}  Windows6.1-KB2748349-x64.msu\n"
        f"{X86.upper()} *Windows6.1-KB2748349-x86.msu\r\n"
        f"{EXE}  ./2003/WindowsServer2003-KB2748349-x86-ENU.exe\n"
    )
    assert parse_sha256sums(text) == {
        "Windows6.1-KB2748349-x64.msu": X64,
        "Windows6.1-KB2748349-x86.msu": X86,
        "WindowsServer2003-KB2748349-x86-ENU.exe": EXE,
    }


def test_a_bad_line_is_named_by_file_and_number() -> None:
    with pytest.raises(ChecksumError, match=r"sums\.txt line 2 .*'abc  x\.msu'"):
        parse_sha256sums(f"{X64}  a.msu\nabc  x.msu\n", "sums.txt")


def test_the_same_file_twice_with_different_hashes_is_refused() -> None:
    with pytest.raises(ChecksumError, match=rf"a\.msu twice .*{X64}.*{X86}"):
        parse_sha256sums(f"{X64}  a.msu\n{X86}  a.msu\n")
    assert parse_sha256sums(f"{X64}  a.msu\n{X64.upper()} *a.msu\n") == {"a.msu": X64}


def test_user_mapping_is_validated_and_every_bad_entry_named() -> None:
    assert validate_mapping({"a.msu": X64.upper()}) == {"a.msu": X64}
    with pytest.raises(ChecksumError) as error:
        validate_mapping({"a.msu": "1234", "b.msu": X86, "c.exe": None})
    assert "a.msu: '1234'" in str(error.value) and "c.exe: 'None'" in str(error.value)
    assert "b.msu" not in str(error.value)


def test_lookup_is_case_insensitive_like_windows_names() -> None:
    sums = {"Windows6.1-KB2748349-x64.msu": X64}
    assert expected_sha256("windows6.1-kb2748349-X64.MSU", sums) == X64
    with pytest.raises(ChecksumError, match=r"no SHA-256 is listed for Windows6\.0-KB2748349-x64\.msu"):
        expected_sha256("Windows6.0-KB2748349-x64.msu", sums)
    with pytest.raises(ChecksumError, match="not 64 hex digits"):
        expected_sha256("a.msu", {"a.msu": "zz"})


def test_mismatch_names_the_file_and_both_hashes() -> None:
    verify("a.msu", X64.upper(), X64)
    with pytest.raises(ChecksumError) as error:
        verify(r"C:\pkgs\a.msu", X86, X64)
    message = str(error.value)
    assert message.startswith(r"C:\pkgs\a.msu: SHA-256 mismatch") and f"has {X86}" in message
    assert f"expected {X64}" in message
