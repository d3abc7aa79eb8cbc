from __future__ import annotations

import pytest

from ansible_collections.winfix.volsnap.plugins.plugin_utils._catalog import (
    DEFAULT_PACKAGES,
    FAMILIES,
    PRODUCTS,
    identify_product,
    package_name,
)


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


@pytest.mark.parametrize(
    ("current", "build", "ptype", "name", "product", "in_scope"),
    [
        ("5.2", 3790, "ServerNT", "Microsoft Windows Server 2003", "Windows Server 2003", True),
        ("5.2", 3790, "WinNT", "Microsoft Windows XP", None, False),  # XP x64 shares the build
        ("6.0", 6002, "WinNT", "Windows Vista (TM) Business", "Windows Vista", True),
        ("6.0", 6002, "LanmanNT", "Windows Server (R) 2008 Standard", "Windows Server 2008", True),
        ("6.1", 7600, "WinNT", "Windows 7 Professional", "Windows 7", True),
        ("6.1", 7601, "ServerNT", "Windows Server 2008 R2 Standard", "Windows Server 2008 R2", True),
        ("6.3", 19045, "WinNT", "Windows 10 Pro", None, False),  # Windows 10 says 6.3
        ("6.3", 9600, "ServerNT", "Windows Server 2012 R2", None, False),
        ("6.2", 9200, "WinNT", "Windows 8", None, False),
        ("5.1", 2600, "WinNT", "Microsoft Windows XP", None, False),
        ("5.0", 2195, "ServerNT", "Windows 2000", None, False),
    ],
)
def test_identify_product(current: str, build: int, ptype: str, name: str, product: str | None, in_scope: bool) -> None:
    found = identify_product(current, build, ptype, name)
    assert found is not None
    assert (found.product, found.in_scope) == (product, in_scope)


def test_identify_needs_a_build_and_client_server() -> None:
    assert identify_product("6.1", None, "WinNT", "Windows 7") is None
    assert identify_product("6.1", 7600, None, None) is None
    assert identify_product("6.1", 8000, "WinNT", "?") is None
