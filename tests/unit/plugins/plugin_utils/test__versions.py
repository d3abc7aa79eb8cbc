from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import FAMILIES, MAX_REVISION
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import (
    Branch,
    FileVersion,
    Meaning,
    VersionRule,
    find_rule,
    line_text,
    parse_file_version,
    parse_kernel_line,
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6.0.6002", (6, 0, 6002)), (" 5.2.3790 ", (5, 2, 3790)), ("6.0", None), ("6.0.6002.1", None), ("a.b.c", None)],
)
def test_parse_kernel_line(text: str, expected: tuple[int, int, int] | None) -> None:
    assert parse_kernel_line(text) == expected


def test_ordering_is_numeric_not_textual() -> None:
    assert FileVersion(6, 1, 7600, 9999) < FileVersion(6, 1, 7600, 17122)
    assert FileVersion(6, 0, 6002, 24202) < FileVersion(6, 0, 6003, 20000)  # 6003 is later than every 6002 line
    assert str(FileVersion(6, 0, 6002, 18679)) == "6.0.6002.18679"


@pytest.mark.parametrize(
    ("family", "version", "branch", "meaning"),
    [
        ("vista_2008", "6.0.6000.16386", Branch.PRE_SP, Meaning.PREREQUISITE),
        ("vista_2008", "6.0.6001.18000", Branch.PRE_SP, Meaning.PREREQUISITE),
        ("vista_2008", "6.0.6002.18000", Branch.GDR, Meaning.THRESHOLD),
        ("vista_2008", "6.0.6002.19214", Branch.GDR, Meaning.THRESHOLD),
        ("vista_2008", "6.0.6002.19999", Branch.GDR, Meaning.THRESHOLD),
        ("vista_2008", "6.0.6002.20000", Branch.LDR, Meaning.THRESHOLD),
        ("vista_2008", "6.0.6002.22913", Branch.LDR, Meaning.THRESHOLD),
        ("vista_2008", "6.0.6002.24202", Branch.LDR, Meaning.THRESHOLD),  # the merged rollup line
        ("vista_2008", "6.0.6002.24565", Branch.LDR, Meaning.THRESHOLD),
        ("vista_2008", "6.0.6003.21138", Branch.B6003, Meaning.INCLUDED),
        ("vista_2008", "6.0.6002.17999", None, None),
        ("vista_2008", "6.0.6004.1", None, None),
        ("7_2008r2", "6.1.7600.16385", Branch.GDR, Meaning.THRESHOLD),
        ("7_2008r2", "6.1.7600.19999", Branch.GDR, Meaning.THRESHOLD),
        ("7_2008r2", "6.1.7600.20000", Branch.LDR, Meaning.THRESHOLD),
        ("7_2008r2", "6.1.7600.21000", Branch.LDR, Meaning.THRESHOLD),
        ("7_2008r2", "6.1.7601.17514", Branch.SP1, Meaning.INCLUDED),
        ("7_2008r2", "6.1.7601.26321", Branch.SP1, Meaning.INCLUDED),
        ("2003", "5.2.3790.1830", Branch.PRE_SP, Meaning.PREREQUISITE),
        ("2003", "5.2.3790.3958", Branch.PRE_SP, Meaning.PREREQUISITE),
        ("2003", "5.2.3790.3959", Branch.SINGLE, Meaning.THRESHOLD),
        ("2003", "5.2.3790.6021", Branch.SINGLE, Meaning.THRESHOLD),
        ("2003", "5.1.2600.5512", None, None),
    ],
)
def test_rule_per_version(family: str, version: str, branch: Branch | None, meaning: Meaning | None) -> None:
    parsed = parse_file_version(version)
    assert parsed is not None
    rule = find_rule(parsed, FAMILIES[family].rules)
    assert (rule.branch if rule else None, rule.meaning if rule else None) == (branch, meaning)


def test_first_matching_rule_wins() -> None:
    mine = VersionRule((6, 0, 6002), 24000, 24999, "rollup", Meaning.INCLUDED)
    rules = (mine, *FAMILIES["vista_2008"].rules)
    assert find_rule(FileVersion(6, 0, 6002, 24202), rules) is mine
    assert find_rule(FileVersion(6, 0, 6002, 22913), rules) is FAMILIES["vista_2008"].rules[3]


versions = st.builds(FileVersion, *(st.integers(0, 65535) for _field in range(4)))


@given(versions, versions)
def test_order_matches_tuple_order(a: FileVersion, b: FileVersion) -> None:
    as_tuple = (a.major, a.minor, a.build, a.revision) < (b.major, b.minor, b.build, b.revision)
    assert (a < b) == as_tuple
    assert (a == b) == (str(a) == str(b))


@given(versions)
def test_text_round_trip(version: FileVersion) -> None:
    assert parse_file_version(str(version)) == version
    assert parse_kernel_line(line_text(version.kernel_line)) == version.kernel_line


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    parse_file_version(text)
    parse_kernel_line(text)


# Every documented line is covered by exactly one built-in rule, whatever the revision (docs/versions.md).
COVERED_LINES = [
    ("2003", (5, 2, 3790), 0),
    ("vista_2008", (6, 0, 6000), 0),
    ("vista_2008", (6, 0, 6001), 0),
    ("vista_2008", (6, 0, 6002), 18000),  # below 18000 is no 6002 file anyone has seen: no rule, unknown
    ("vista_2008", (6, 0, 6003), 0),
    ("7_2008r2", (6, 1, 7600), 0),
    ("7_2008r2", (6, 1, 7601), 0),
]


@pytest.mark.parametrize(("family", "line", "low"), COVERED_LINES)
@given(revision=st.integers(0, MAX_REVISION))
def test_documented_lines_have_exactly_one_rule_per_revision(
    family: str, line: tuple[int, int, int], low: int, revision: int
) -> None:
    version = FileVersion(*line, revision)
    matching = [rule for rule in FAMILIES[family].rules if rule.contains(version)]
    assert len(matching) == (1 if revision >= low else 0), (version, matching)
