from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import FAMILIES
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import (
    Branch,
    FileVersion,
    classify_branch,
    parse_file_version,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6.1.7600.16385", FileVersion(6, 1, 7600, 16385)),
        ("6.1.7600.16385 (win7_rtm.090713-1255)", FileVersion(6, 1, 7600, 16385)),
        ("  5.2.3790.5059  ", FileVersion(5, 2, 3790, 5059)),
        ("6.1.7600", None),
        ("", None),
        (None, None),
        ("six.one", None),
        ("6.1.7600.x", None),
    ],
)
def test_parse_file_version(text: str | None, expected: FileVersion | None) -> None:
    assert parse_file_version(text) == expected


def test_ordering_is_numeric_not_textual() -> None:
    assert FileVersion(6, 1, 7600, 9999) < FileVersion(6, 1, 7600, 17122)
    assert str(FileVersion(6, 0, 6002, 18679)) == "6.0.6002.18679"


@pytest.mark.parametrize(
    ("family", "version", "branch"),
    [
        ("vista_2008", "6.0.6002.18005", Branch.GDR),
        ("vista_2008", "6.0.6002.18679", Branch.GDR),
        ("vista_2008", "6.0.6002.22913", Branch.LDR),
        ("vista_2008", "6.0.6002.23999", Branch.LDR),
        ("vista_2008", "6.0.6002.20000", Branch.UNKNOWN),
        ("vista_2008", "6.0.6001.18000", Branch.UNKNOWN),  # SP1 kernel line
        ("7_2008r2", "6.1.7600.16385", Branch.GDR),
        ("7_2008r2", "6.1.7600.17122", Branch.GDR),
        ("7_2008r2", "6.1.7600.21000", Branch.LDR),
        ("7_2008r2", "6.1.7600.19000", Branch.UNKNOWN),
        ("7_2008r2", "6.1.7601.17514", Branch.SP1),
        ("2003", "5.2.3790.4000", Branch.SINGLE),
        ("2003", "5.1.2600.5512", Branch.UNKNOWN),
    ],
)
def test_branch_classification(family: str, version: str, branch: Branch) -> None:
    parsed = parse_file_version(version)
    assert parsed is not None
    assert classify_branch(parsed, FAMILIES[family].ranges) is branch


versions = st.builds(FileVersion, *(st.integers(0, 65535) for _field in range(4)))


@given(versions, versions)
def test_order_matches_tuple_order(a: FileVersion, b: FileVersion) -> None:
    as_tuple = (a.major, a.minor, a.build, a.revision) < (b.major, b.minor, b.build, b.revision)
    assert (a < b) == as_tuple
    assert (a == b) == (str(a) == str(b))


@given(versions)
def test_text_round_trip(version: FileVersion) -> None:
    assert parse_file_version(str(version)) == version


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    parse_file_version(text)
