from __future__ import annotations

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import (
    DEFAULT_PACKAGES,
    FAMILIES,
    PRODUCTS,
    package_name,
    rules_for,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._versions import Meaning, VersionRule


def test_every_product_architecture_has_a_default_package() -> None:
    for product in PRODUCTS.values():
        for arch in product.arches:
            assert (product.family, arch) in DEFAULT_PACKAGES


def test_article_architectures() -> None:
    assert PRODUCTS["Windows Server 2008 R2"].arches == ("AMD64", "IA64")  # no x86 build
    assert "IA64" not in PRODUCTS["Windows 7"].arches
    assert "IA64" not in PRODUCTS["Windows Vista"].arches
    assert "IA64" in PRODUCTS["Windows Server 2008"].arches


def test_package_names_and_overrides() -> None:
    assert package_name("7_2008r2", "AMD64") == "Windows6.1-KB2748349-x64.msu"
    assert package_name("vista_2008", "IA64") == "Windows6.0-KB2748349-ia64.msu"
    assert package_name("2003", "AMD64") == "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe"
    assert package_name("2003", "x86", {"2003/x86": "WindowsServer2003-KB2748349-x86-DEU.exe"}) == (
        "WindowsServer2003-KB2748349-x86-DEU.exe"
    )
    assert package_name("2003", "x86", {"2003/AMD64": "other.exe"}) == "WindowsServer2003-KB2748349-x86-ENU.exe"


def test_thresholds_from_the_article() -> None:
    assert {str(v) for v in FAMILIES["vista_2008"].thresholds.values()} == {"6.0.6002.18679", "6.0.6002.22913"}
    assert {str(v) for v in FAMILIES["7_2008r2"].thresholds.values()} == {"6.1.7600.17122", "6.1.7600.21320"}
    assert {str(v) for v in FAMILIES["2003"].thresholds.values()} == {"5.2.3790.5059"}


def test_every_built_in_rule_sits_on_a_line_of_its_family_and_rules_do_not_overlap() -> None:
    for family in FAMILIES.values():
        for index, rule in enumerate(family.rules):
            assert family.holds(rule.line), rule
            assert rule.low <= rule.high
            if rule.fixed is not None:
                assert rule.fixed.kernel_line == rule.line and rule.low <= rule.fixed.revision <= rule.high
            for other in family.rules[index + 1 :]:
                assert other.line != rule.line or other.low > rule.high or rule.low > other.high, (rule, other)


def test_user_rules_come_before_the_built_in_ones() -> None:
    family = FAMILIES["vista_2008"]
    mine = VersionRule((6, 0, 6002), 24000, 24999, "rollup", Meaning.INCLUDED, origin="mine")
    assert rules_for(family, {"vista_2008": (mine,)}) == (mine, *family.rules)
    assert rules_for(family, {"2003": (mine,)}) == family.rules
    assert rules_for(family) == family.rules
