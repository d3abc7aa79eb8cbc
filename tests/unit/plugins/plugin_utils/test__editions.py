"""Products told by build and ProductType (EditionID / InstallationType as fallbacks), never by ProductName."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._editions import Scope, identify
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts

CLIENT_SERVER = {
    3790: (None, "Windows Server 2003"),
    6000: ("Windows Vista", "Windows Server 2008"),
    6001: ("Windows Vista", "Windows Server 2008"),
    6002: ("Windows Vista", "Windows Server 2008"),
    6003: ("Windows Vista", "Windows Server 2008"),
    7600: ("Windows 7", "Windows Server 2008 R2"),
    7601: ("Windows 7", "Windows Server 2008 R2"),
}
CURRENT = {3790: "5.2", 6000: "6.0", 6001: "6.0", 6002: "6.0", 6003: "6.0", 7600: "6.1", 7601: "6.1"}


def facts(build: int, product_type: str | None, name: str, edition_id: str | None = None, **more: str) -> HostFacts:
    return HostFacts(
        product_name=name,
        current_version=CURRENT.get(build, "6.1"),
        build=build,
        product_type=product_type,
        edition_id=edition_id,
        **more,  # type: ignore[arg-type]
    )


# Editions of every build, with the ProductName each prints, and names never seen before.
EDITIONS = [
    (3790, "ServerNT", "Microsoft Windows Server 2003 R2", None, "Windows Server 2003"),
    (3790, "LanmanNT", "Microsoft(R) Windows(R) Server 2003, Enterprise Edition", None, "Windows Server 2003"),
    (3790, "ServerNT", "Windows Home Server", None, "Windows Server 2003"),
    (3790, "ServerNT", "Contoso Appliance 2031", None, "Windows Server 2003"),
    (6002, "ServerNT", "Windows Web Server 2008", "ServerWeb", "Windows Server 2008"),
    (6002, "LanmanNT", "Windows Small Business Server 2008", "ServerSBSStandard", "Windows Server 2008"),
    (
        6002,
        "ServerNT",
        "Windows Essential Business Server 2008",
        "ServerMediumBusinessManagement",
        "Windows Server 2008",
    ),
    (6002, "ServerNT", "Windows Storage Server 2008", "ServerStorageStandard", "Windows Server 2008"),
    (6002, "ServerNT", "Hyper-V Server", "ServerHyper", "Windows Server 2008"),
    (6002, "ServerNT", "Never Heard Of It Server 2008", "ServerMystery", "Windows Server 2008"),
    (6003, "ServerNT", "Windows Server (R) 2008 Standard", "ServerStandard", "Windows Server 2008"),
    (6003, "ServerNT", "Zzz Unseen Name", "ServerStandard", "Windows Server 2008"),
    (6002, "WinNT", "Windows Vista (TM) Ultimate", "Ultimate", "Windows Vista"),
    (6002, "WinNT", "Totally New Vista Name", "Business", "Windows Vista"),
    (6001, "WinNT", "Windows Vista (TM) Business", "Business", "Windows Vista"),
    (6000, "ServerNT", "Windows Server (R) 2008 Standard", "ServerStandard", "Windows Server 2008"),
    (7600, "WinNT", "Windows Embedded Standard", "Embedded", "Windows 7"),
    (7600, "ServerNT", "Hyper-V Server 2008 R2", "ServerHyperCore", "Windows Server 2008 R2"),
    (7600, "ServerNT", "Windows Storage Server 2008 R2 Essentials", "ServerStorageStandard", "Windows Server 2008 R2"),
    (7600, "WinNT", "Something Else 7", "Professional", "Windows 7"),
    (7601, "WinNT", "Windows Embedded POSReady 7", "Embedded", "Windows 7"),
    (7601, "WinNT", "Windows Thin PC", "ThinPC", "Windows 7"),
    (7601, "ServerNT", "Windows MultiPoint Server 2011", "ServerSolution", "Windows Server 2008 R2"),
    (7601, "LanmanNT", "A Name From 2031", "ServerDatacenter", "Windows Server 2008 R2"),
]


@pytest.mark.parametrize(("build", "ptype", "name", "edition_id", "product"), EDITIONS, ids=[e[2] for e in EDITIONS])
def test_every_edition_is_its_build_and_product_type(
    build: int, ptype: str, name: str, edition_id: str | None, product: str
) -> None:
    found = identify(facts(build, ptype, name, edition_id))
    assert (found.scope, found.product) == (Scope.LISTED, product)
    assert found.edition is not None and name in found.edition


@given(name=st.text(max_size=60), build=st.sampled_from(sorted(CLIENT_SERVER)), server=st.booleans())
def test_no_product_name_changes_the_product(name: str, build: int, server: bool) -> None:
    found = identify(facts(build, "ServerNT" if server else "WinNT", name))
    client, server_name = CLIENT_SERVER[build]
    assert found.scope is not Scope.UNDECIDED
    assert found.label == (server_name if server else client or "Windows XP Professional x64 Edition")


# ProductType missing: EditionID (Vista+), then InstallationType (2008 R2+) tell client from server.
@pytest.mark.parametrize(
    ("build", "edition_id", "installation_type", "product"),
    [
        (6002, "ServerWeb", None, "Windows Server 2008"),
        (6003, "ServerStandard", None, "Windows Server 2008"),
        (6002, "Business", None, "Windows Vista"),
        (7600, "Professional", None, "Windows 7"),
        (7600, "Embedded", None, "Windows 7"),
        (7600, "ServerHyperCore", "Server Core", "Windows Server 2008 R2"),
        (7601, None, "Server Core", "Windows Server 2008 R2"),
        (7601, None, "Server", "Windows Server 2008 R2"),
        (7601, None, "Client", "Windows 7"),
    ],
)
def test_missing_product_type_falls_back(
    build: int, edition_id: str | None, installation_type: str | None, product: str
) -> None:
    extra = {"installation_type": installation_type} if installation_type else {}
    found = identify(facts(build, None, "Unseen Product Name", edition_id, **extra))
    assert (found.scope, found.product) == (Scope.LISTED, product)


@pytest.mark.parametrize(
    ("build", "ptype", "needle"),
    [
        (3790, None, "Windows XP Professional x64 Edition from Windows Server 2003"),  # 5.x has no EditionID
        (6002, None, "ProductType missing"),
        (7600, "Strange", "ProductType 'Strange'"),
    ],
)
def test_cannot_tell_client_from_server_says_why(build: int, ptype: str | None, needle: str) -> None:
    found = identify(facts(build, ptype, "Microsoft Windows Server 2003"))  # the name alone never decides
    assert found.scope is Scope.UNDECIDED
    assert needle in found.reason


def test_xp_x64_shares_the_2003_family_but_is_not_listed() -> None:
    found = identify(facts(3790, "WinNT", "Microsoft Windows XP"))
    assert (found.scope, found.label, found.shares_family) == (
        Scope.OUTSIDE,
        "Windows XP Professional x64 Edition",
        "2003",
    )


@pytest.mark.parametrize(
    ("current", "build", "ptype", "label"),
    [
        ("6.3", 19045, "WinNT", "Windows 10 or later"),
        ("6.3", 14393, "ServerNT", "Windows Server 2016 or later"),
        ("6.3", 9600, "ServerNT", "Windows Server 2012 R2"),
        ("6.2", 9200, "WinNT", "Windows 8"),
        ("6.2", 9200, None, "Windows 8 or Windows Server 2012"),
        ("5.1", 2600, "WinNT", "Windows XP"),
        ("5.0", 2195, "ServerNT", "Windows 2000 or earlier"),
    ],
)
def test_products_outside_the_article(current: str, build: int, ptype: str | None, label: str) -> None:
    found = identify(HostFacts(current_version=current, build=build, product_type=ptype))
    assert (found.scope, found.label) == (Scope.OUTSIDE, label)


@pytest.mark.parametrize("build", [None, 5000, 6004, 7000, 8000])
def test_builds_of_no_release_are_undecided(build: int | None) -> None:
    found = identify(HostFacts(current_version="6.1", build=build, product_type="WinNT"))
    assert found.scope is Scope.UNDECIDED and found.reason


def test_edition_detail_keeps_the_hosts_own_naming() -> None:
    core = facts(7600, "ServerNT", " Hyper-V Server 2008 R2 ", "ServerHyperCore", installation_type="Server Core")
    assert identify(core).edition == "Hyper-V Server 2008 R2 (ServerHyperCore, Server Core)"
    assert identify(facts(3790, "ServerNT", "Microsoft Windows Server 2003 R2")).edition == (
        "Microsoft Windows Server 2003 R2"
    )
