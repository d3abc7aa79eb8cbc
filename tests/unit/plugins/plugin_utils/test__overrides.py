"""volsnap_catalog_overrides: valid rules change the verdict; every bad entry is named by its path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Status, assess
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts
from ansible_collections.winfix.volsnap.plugins.plugin_utils._overrides import (
    CatalogOverrideError,
    parse_catalog_overrides,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import FileVersion, Meaning

W2008 = HostFacts(
    product_name="Windows Server (R) 2008 Standard",
    current_version="6.0",
    build=6002,
    csd_version="Service Pack 2",
    service_pack=2,
    product_type="ServerNT",
    edition_id="ServerStandard",
    arch="AMD64",
    volsnap_version="6.0.6002.24202",
)
ROLLUP = {
    "vista_2008": {
        "branches": [
            {"line": "6.0.6002", "from": 24000, "to": 99999, "branch": "rollup", "fixed": "6.0.6002.24300"},
        ]
    }
}
P = "volsnap_catalog_overrides"


def _with(facts: HostFacts, version: str, overrides: Any) -> Any:
    return assess(HostFacts(**{**facts.to_dict(), "volumes": (), "volsnap_version": version}), None, overrides)


def test_the_readme_example_parses() -> None:
    rules = parse_catalog_overrides(
        {
            "vista_2008": {
                "branches": [
                    {"line": "6.0.6002", "from": 20000, "to": 99999, "branch": "LDR", "fixed": "6.0.6002.22913"}
                ]
            }
        }
    )
    (rule,) = rules["vista_2008"]
    assert (rule.line, rule.low, rule.high, rule.branch, rule.meaning, rule.fixed) == (
        (6, 0, 6002),
        20000,
        99999,
        "LDR",
        Meaning.THRESHOLD,
        FileVersion(6, 0, 6002, 22913),
    )
    assert rule.origin == f"{P}.vista_2008.branches[0]"


def test_a_valid_override_changes_the_verdict_and_says_where_the_rule_comes_from() -> None:
    before = _with(W2008, "6.0.6002.24202", None)
    after = _with(W2008, "6.0.6002.24202", parse_catalog_overrides(ROLLUP))
    assert (before.status, before.branch) == (Status.COMPLIANT, "LDR")
    assert (after.status, after.branch, after.required_version) == (Status.VULNERABLE, "rollup", "6.0.6002.24300")
    assert f"rule {P}.vista_2008.branches[0]" in after.reason
    # versions the user rule does not cover keep the built-in rules
    assert _with(W2008, "6.0.6002.22913", parse_catalog_overrides(ROLLUP)).status is Status.COMPLIANT


@pytest.mark.parametrize(
    ("entry", "version", "status", "branch"),
    [
        (
            {"line": "6.0.6002", "from": 17000, "to": 17999, "branch": "beta", "included": True},
            "6.0.6002.17500",
            Status.COMPLIANT,
            "beta",
        ),
        (
            {"line": "6.0.6003", "branch": "6003", "prerequisite": "ESU licence"},
            "6.0.6003.21138",
            Status.PREREQUISITE_MISSING,
            "6003",
        ),
        (
            {"line": "6.0.6004", "from": "0", "to": "99999", "branch": "future", "fixed": "6.0.6004.100"},
            "6.0.6004.99",
            Status.VULNERABLE,
            "future",
        ),
    ],
)
def test_rules_add_ranges_of_each_meaning(entry: dict[str, Any], version: str, status: Status, branch: str) -> None:
    result = _with(W2008, version, parse_catalog_overrides({"vista_2008": {"branches": [entry]}}))
    assert (result.status, result.branch) == (status, branch), result.reason


def test_the_xp_x64_reason_follows_a_2003_override() -> None:
    xp = HostFacts(build=3790, current_version="5.2", product_type="WinNT", arch="AMD64")
    rules = parse_catalog_overrides(
        {"2003": {"branches": [{"line": "5.2.3790", "from": 3959, "branch": "x", "fixed": "5.2.3790.6000"}]}}
    )
    assert "is below 5.2.3790.6000" in _with(xp, "5.2.3790.5100", rules).reason
    assert "at or above the 2003 fix level (5.2.3790.5059)" in _with(xp, "5.2.3790.5100", None).reason


@pytest.mark.parametrize("empty", [None, {}])
def test_nothing_set_means_no_rules(empty: Any) -> None:
    assert dict(parse_catalog_overrides(empty)) == {}


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"line": "6.0.6002", "from": 20000, "to": 99999, "branch": "LDR", "fixed": "6.0.6002.22913"}
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not ...}


B0 = f"{P}.vista_2008.branches[0]"
BAD = [
    (["not", "a", "mapping"], f"{P}: must be a mapping of family to rules, not a list"),
    ({"vista": {"branches": []}}, f"{P}.vista: unknown family (use 2003, vista_2008, 7_2008r2)"),
    ({"vista_2008": []}, f"{P}.vista_2008: must be a mapping with the key branches, not a list"),
    ({"vista_2008": {"branches": [], "ranges": 1}}, f"{P}.vista_2008.ranges: unknown key (allowed: branches)"),
    ({"vista_2008": {"branches": {"line": "6.0.6002"}}}, f"{P}.vista_2008.branches: must be a list of rules"),
    ({"vista_2008": {}}, f"{P}.vista_2008.branches: must be a list of rules, not nothing"),
    ({"vista_2008": {"branches": ["LDR"]}}, f"{B0}: must be a mapping"),
    ({"vista_2008": {"branches": [_entry(colour="red")]}}, f"{B0}.colour: unknown key"),
    ({"vista_2008": {"branches": [_entry(line=6.0)]}}, f"{B0}.line: 6.0 is not a kernel line"),
    ({"vista_2008": {"branches": [_entry(line="6.0.6002.1")]}}, f"{B0}.line: '6.0.6002.1' is not a kernel line"),
    (
        {"vista_2008": {"branches": [_entry(line="6.1.7600")]}},
        f"{B0}.line: 6.1.7600 is not a line of family vista_2008",
    ),
    ({"vista_2008": {"branches": [_entry(line=...)]}}, f"{B0}.line: None is not a kernel line"),
    ({"vista_2008": {"branches": [_entry(**{"from": -1})]}}, f"{B0}.from: -1 is not a revision number"),
    ({"vista_2008": {"branches": [_entry(to=100000)]}}, f"{B0}.to: 100000 is not a revision number from 0 to 99999"),
    ({"vista_2008": {"branches": [_entry(to=True)]}}, f"{B0}.to: True is not a revision number"),
    ({"vista_2008": {"branches": [_entry(**{"from": 30000, "to": 20000})]}}, f"{B0}: from (30000) is above to (20000)"),
    ({"vista_2008": {"branches": [_entry(branch="")]}}, f"{B0}.branch: '' must be a short label"),
    ({"vista_2008": {"branches": [_entry(branch="<b>LDR</b>")]}}, f"{B0}.branch: '<b>LDR</b>' must be a short label"),
    ({"vista_2008": {"branches": [_entry(branch=...)]}}, f"{B0}.branch: None must be a short label"),
    (
        {"vista_2008": {"branches": [_entry(fixed=...)]}},
        f"{B0}: needs exactly one of fixed, included or prerequisite (found 0)",
    ),
    (
        {"vista_2008": {"branches": [_entry(included=True)]}},
        f"{B0}: needs exactly one of fixed, included or prerequisite (found 2)",
    ),
    ({"vista_2008": {"branches": [_entry(fixed="6.0.6002")]}}, f"{B0}.fixed: '6.0.6002' is not a four-part version"),
    ({"vista_2008": {"branches": [_entry(fixed=22913)]}}, f"{B0}.fixed: 22913 is not a four-part version"),
    (
        {"vista_2008": {"branches": [_entry(fixed="6.0.6002.19000")]}},
        f"{B0}.fixed: 6.0.6002.19000 is not inside the entry's own range 6.0.6002.20000-99999 (LDR)",
    ),
    ({"vista_2008": {"branches": [_entry(fixed="6.0.6003.22913")]}}, f"{B0}.fixed: 6.0.6003.22913 is not inside"),
    ({"vista_2008": {"branches": [_entry(fixed=..., included=False)]}}, f"{B0}.included: must be true"),
    ({"vista_2008": {"branches": [_entry(fixed=..., included="yes")]}}, f"{B0}.included: must be true"),
    ({"vista_2008": {"branches": [_entry(fixed=..., prerequisite="")]}}, f"{B0}.prerequisite: '' must be a short text"),
    ({"vista_2008": {"branches": [_entry(fixed=..., prerequisite=2)]}}, f"{B0}.prerequisite: 2 must be a short text"),
    (
        {"vista_2008": {"branches": [_entry(), _entry(**{"from": 24000, "to": 24999, "fixed": "6.0.6002.24100"})]}},
        f"{P}.vista_2008.branches[1]: 6.0.6002.24000-24999 (LDR) overlaps {B0} (6.0.6002.20000-99999 (LDR))",
    ),
]


@pytest.mark.parametrize(
    ("raw", "message"), BAD, ids=[m.split(": ", 1)[0] + ":" + m.split(": ", 1)[1][:25] for _r, m in BAD]
)
def test_every_bad_entry_is_named_with_what_is_wrong(raw: Any, message: str) -> None:
    with pytest.raises(CatalogOverrideError) as caught:
        parse_catalog_overrides(raw)
    assert message in str(caught.value)


def test_all_problems_are_reported_at_once() -> None:
    raw = {
        "vista_2008": {"branches": [_entry(line="9.9.9"), _entry(fixed="x")]},
        "7_2008r2": {"branches": [{"line": "6.1.7600", "branch": "LDR"}]},
    }
    with pytest.raises(CatalogOverrideError) as caught:
        parse_catalog_overrides(raw)
    text = str(caught.value)
    assert f"{B0}.line" in text and f"{P}.vista_2008.branches[1].fixed" in text
    assert f"{P}.7_2008r2.branches[0]: needs exactly one" in text


revisions = st.integers(0, 99999)


@given(low=revisions, span=st.integers(0, 5000), probe=revisions)
def test_a_user_rule_decides_exactly_the_versions_it_covers(low: int, span: int, probe: int) -> None:
    high = min(low + span, 99999)
    rules = parse_catalog_overrides(
        {"7_2008r2": {"branches": [{"line": "6.1.7600", "from": low, "to": high, "branch": "mine", "included": True}]}}
    )
    facts = HostFacts(build=7600, current_version="6.1", product_type="WinNT", arch="AMD64")
    result = _with(facts, f"6.1.7600.{probe}", rules)
    if low <= probe <= high:
        assert (result.status, result.branch) == (Status.COMPLIANT, "mine")
    else:  # the built-in rules: GDR below 20000 (fixed at 17122), LDR from 20000 (fixed at 21320)
        expected_fixed = 17122 if probe < 20000 else 21320
        assert result.branch == ("GDR" if probe < 20000 else "LDR")
        assert (result.status is Status.COMPLIANT) == (probe >= expected_fixed)
