"""Reading certutil's hash from its output in any language and on every version, and checking it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._checksums import (
    ChecksumError,
    Expected,
    check_host_digest,
    parse_sums,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._hashes import (
    Algorithm,
    HostDigest,
    hash_command,
    parse_host_digest,
)

FIXTURES = Path(__file__).parent / "fixtures"
SHA256_TEST = hashlib.sha256(b"test").hexdigest()
SHA1_TEST = hashlib.sha1(b"test").hexdigest()


def _fixture(name: str, codec: str = "cp437") -> str:
    return (FIXTURES / name).read_bytes().decode(codec)


@pytest.mark.parametrize(
    ("name", "codec", "expected"),
    [
        ("certutil_hashfile_win7_sha256.txt", "cp437", HostDigest(Algorithm.SHA256, SHA256_TEST)),
        ("certutil_hashfile_de_sha256_cp850.txt", "cp850", HostDigest(Algorithm.SHA256, SHA256_TEST)),
        ("certutil_hashfile_2003_sha256_then_sha1.txt", "cp437", HostDigest(Algorithm.SHA1, SHA1_TEST)),
        ("certutil_hashfile_win10_sha512.txt", "cp437", None),  # 128 digits: neither
        ("certutil_hashfile_win10_failed.txt", "cp437", None),
    ],
)
def test_the_hex_line_is_read_whatever_the_words_around_it(name: str, codec: str, expected: HostDigest | None) -> None:
    assert parse_host_digest(_fixture(name, codec)) == expected


def test_windows_10_prints_the_hash_without_spaces() -> None:
    assert parse_host_digest(f"SHA256-Hash von x.msu:\r\n{SHA256_TEST.upper()}\r\nCertUtil: …\r\n") == HostDigest(
        Algorithm.SHA256, SHA256_TEST
    )


@pytest.mark.parametrize(
    "line",
    [
        "9f 86d0 81",  # pairs must be separated by single spaces throughout
        " ".join(SHA256_TEST[i : i + 2] for i in range(0, 62, 2)),  # 62 digits
        SHA1_TEST + "0",  # 41 digits
        "Input Length = 1234",
    ],
)
def test_lines_that_are_not_a_whole_digest_are_not_taken(line: str) -> None:
    assert parse_host_digest(f"header:\r\n{line}\r\nCertUtil: done\r\n") is None


def test_the_command_tries_sha256_in_upper_case_then_the_plain_form() -> None:
    assert (
        hash_command('"C:\\x y\\a.msu"')
        == 'certutil -hashfile "C:\\x y\\a.msu" SHA256 || certutil -hashfile "C:\\x y\\a.msu"'
    )


_WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60)


@settings(max_examples=150, deadline=None)
@given(_WORDS, _WORDS, st.booleans(), st.sampled_from([Algorithm.SHA256, Algorithm.SHA1]), st.binary(max_size=64))
def test_any_header_and_trailer_around_either_digest(
    header: str, trailer: str, spaced: bool, algorithm: Algorithm, data: bytes
) -> None:
    digest = hashlib.new(algorithm.value, data).hexdigest()
    shown = " ".join(digest[i : i + 2] for i in range(0, len(digest), 2)) if spaced else digest.upper()
    # The header and trailer are localised prose: unless they are themselves a digest, they are never read.
    found = parse_host_digest(f"{header}\r\n{shown}\r\n{trailer}\r\n")
    assert found is not None
    if parse_host_digest(header) is None:
        assert found == HostDigest(algorithm, digest)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_the_reader_never_raises_and_only_returns_whole_digests(text: str) -> None:
    found = parse_host_digest(text)
    if found is not None:
        assert len(found.hex) == {Algorithm.SHA256: 64, Algorithm.SHA1: 40}[found.algorithm]
        assert all(c in "0123456789abcdef" for c in found.hex)


def test_sha256_proves_the_file() -> None:
    expected = Expected("a.msu", SHA256_TEST, None)
    assert check_host_digest(expected, HostDigest(Algorithm.SHA256, SHA256_TEST), "C:\\a.msu") is Algorithm.SHA256
    with pytest.raises(ChecksumError, match="SHA-256 mismatch on the host: the file has 00"):
        check_host_digest(expected, HostDigest(Algorithm.SHA256, "00" * 32), "C:\\a.msu")


def test_sha1_proves_the_file_only_against_a_sha1_of_the_same_bytes() -> None:
    with_sha1 = Expected("a.exe", SHA256_TEST, SHA1_TEST)
    assert check_host_digest(with_sha1, HostDigest(Algorithm.SHA1, SHA1_TEST), "C:\\a.exe") is Algorithm.SHA1
    with pytest.raises(ChecksumError, match="SHA-1 mismatch"):
        check_host_digest(with_sha1, HostDigest(Algorithm.SHA1, "11" * 20), "C:\\a.exe")
    with pytest.raises(ChecksumError, match=r"could compute only SHA-1.*SHA1SUMS"):
        check_host_digest(Expected("a.exe", SHA256_TEST), HostDigest(Algorithm.SHA1, SHA1_TEST), "C:\\a.exe")
    with pytest.raises(ChecksumError, match="printed no SHA-256 or SHA-1"):
        check_host_digest(with_sha1, None, "C:\\a.exe")


def test_sha1sums_are_read_like_sha256sums() -> None:
    assert parse_sums(f"{SHA1_TEST}  a.exe\n", "SHA1SUMS", Algorithm.SHA1) == {"a.exe": SHA1_TEST}
    with pytest.raises(ChecksumError, match="SHA1SUMS line 1"):
        parse_sums(f"{SHA256_TEST}  a.exe\n", "SHA1SUMS", Algorithm.SHA1)
