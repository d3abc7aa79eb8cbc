"""Every row of the article, both branches below/at/above each threshold, and the odd cases, end to end:
probe output (real shapes) → parse_probe → assess."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from probe_samples import Host, probe_output

from ansible_collections.winfix.volsnap.plugins.plugin_utils._assessment import Status, assess
from ansible_collections.winfix.volsnap.plugins.plugin_utils._host_facts import HostFacts, Volume
from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import parse_probe

W2003 = Host(
    "Microsoft Windows Server 2003", "5.2", 3790, "Service Pack 2", "ServerNT", None, None, "x86", "5.2.3790.4000", None
)
VISTA = Host(
    "Windows Vista (TM) Business",
    "6.0",
    6002,
    "Service Pack 2",
    "WinNT",
    "Business",
    None,
    "AMD64",
    "6.0.6002.18005",
    None,
)
W2008 = Host(
    "Windows Server (R) 2008 Standard",
    "6.0",
    6002,
    "Service Pack 2",
    "ServerNT",
    "ServerStandard",
    None,
    "x86",
    "6.0.6002.18005",
    None,
)
WIN7 = Host(
    "Windows 7 Professional", "6.1", 7600, None, "WinNT", "Professional", "Client", "AMD64", "6.1.7600.16385", "2.0"
)
R2 = Host(
    "Windows Server 2008 R2 Standard",
    "6.1",
    7600,
    None,
    "ServerNT",
    "ServerStandard",
    "Server",
    "AMD64",
    "6.1.7600.16385",
    "2.0",
)

W2008_6003 = replace(W2008, build=6003, arch="AMD64", volsnap_version="6.0.6003.21138")

# (base host, product, architectures) for every product and architecture the article lists
ROWS = [
    (W2003, "Windows Server 2003", ("x86", "AMD64", "IA64")),
    (VISTA, "Windows Vista", ("x86", "AMD64")),
    (W2008, "Windows Server 2008", ("x86", "AMD64", "IA64")),
    (WIN7, "Windows 7", ("x86", "AMD64")),
    (R2, "Windows Server 2008 R2", ("AMD64", "IA64")),
]
# Every threshold rule (docs/versions.md): the file line, its fixed revision, and the branch.
THRESHOLDS = {
    "Windows Server 2003": [("5.2.3790", 5059, "single")],
    "Windows Vista": [("6.0.6002", 18679, "GDR"), ("6.0.6002", 22913, "LDR")],
    "Windows Server 2008": [("6.0.6002", 18679, "GDR"), ("6.0.6002", 22913, "LDR")],
    "Windows 7": [("6.1.7600", 17122, "GDR"), ("6.1.7600", 21320, "LDR")],
    "Windows Server 2008 R2": [("6.1.7600", 17122, "GDR"), ("6.1.7600", 21320, "LDR")],
}
PACKAGES = {
    ("Windows Server 2003", "x86"): "WindowsServer2003-KB2748349-x86-ENU.exe",
    ("Windows Server 2003", "AMD64"): "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe",
    ("Windows Server 2003", "IA64"): "WindowsServer2003-KB2748349-ia64-ENU.exe",
    ("Windows Vista", "x86"): "Windows6.0-KB2748349-x86.msu",
    ("Windows Vista", "AMD64"): "Windows6.0-KB2748349-x64.msu",
    ("Windows Server 2008", "x86"): "Windows6.0-KB2748349-x86.msu",
    ("Windows Server 2008", "AMD64"): "Windows6.0-KB2748349-x64.msu",
    ("Windows Server 2008", "IA64"): "Windows6.0-KB2748349-ia64.msu",
    ("Windows 7", "x86"): "Windows6.1-KB2748349-x86.msu",
    ("Windows 7", "AMD64"): "Windows6.1-KB2748349-x64.msu",
    ("Windows Server 2008 R2", "AMD64"): "Windows6.1-KB2748349-x64.msu",
    ("Windows Server 2008 R2", "IA64"): "Windows6.1-KB2748349-ia64.msu",
}


def _assess(host: Host) -> tuple[Status, str]:
    result = assess(parse_probe(probe_output(host)))
    return result.status, result.reason


def _cases() -> list[tuple[Host, Status, str, str, str]]:
    cases = []
    for base, product, arches in ROWS:
        for arch in arches:
            for line, fixed, branch in THRESHOLDS[product]:
                for delta, status in ((-1, Status.VULNERABLE), (0, Status.COMPLIANT), (1, Status.COMPLIANT)):
                    host = replace(base, arch=arch, volsnap_version=f"{line}.{fixed + delta}")
                    label = f"{product} {arch} {line}.{fixed + delta}"
                    cases.append((host, status, branch, f"{line}.{fixed}", label))
    return cases


@pytest.mark.parametrize(("host", "status", "branch", "required", "label"), _cases(), ids=[c[4] for c in _cases()])
def test_every_row_every_branch_around_each_threshold(
    host: Host, status: Status, branch: str, required: str, label: str
) -> None:
    result = assess(parse_probe(probe_output(host)))
    assert result.status is status, result.reason
    assert (result.branch, result.required_version) == (branch, required)
    assert result.package == PACKAGES[(result.product or "", host.arch)]
    if status is Status.VULNERABLE:
        assert required in result.reason


# Versions the article never lists, as fleets carry them after 2012: (host, volsnap.sys, status, branch, required).
FIELD = [
    # Vista / 2008 SP2, GDR: the whole 18000-19999 range, late GDR revisions included
    (W2008, "6.0.6002.18000", Status.VULNERABLE, "GDR", "6.0.6002.18679"),
    (W2008, "6.0.6002.19214", Status.COMPLIANT, "GDR", "6.0.6002.18679"),
    (W2008, "6.0.6002.19999", Status.COMPLIANT, "GDR", "6.0.6002.18679"),
    # LDR from 20000 on, and the merged monthly-rollup line (24xxx) that continues it
    (W2008, "6.0.6002.20000", Status.VULNERABLE, "LDR", "6.0.6002.22913"),
    (W2008, "6.0.6002.22500", Status.VULNERABLE, "LDR", "6.0.6002.22913"),
    (W2008, "6.0.6002.23999", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    (W2008, "6.0.6002.24000", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    (W2008, "6.0.6002.24202", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    (W2008, "6.0.6002.24463", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    (W2008, "6.0.6002.24565", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    (VISTA, "6.0.6002.24202", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    # Build 6003 (April 2019 on): later than every 6002 line
    (W2008_6003, "6.0.6003.20000", Status.COMPLIANT, "6003", None),
    (W2008_6003, "6.0.6003.21138", Status.COMPLIANT, "6003", None),
    (W2008_6003, "6.0.6003.99999", Status.COMPLIANT, "6003", None),
    (W2008, "6.0.6003.20512", Status.COMPLIANT, "6003", None),  # a file newer than the OS build: the file decides
    # A build 6003 host still carrying an old 6002 file: judged by the file, around each threshold
    (W2008_6003, "6.0.6002.18005", Status.VULNERABLE, "GDR", "6.0.6002.18679"),
    (W2008_6003, "6.0.6002.18678", Status.VULNERABLE, "GDR", "6.0.6002.18679"),
    (W2008_6003, "6.0.6002.18679", Status.COMPLIANT, "GDR", "6.0.6002.18679"),
    (W2008_6003, "6.0.6002.18680", Status.COMPLIANT, "GDR", "6.0.6002.18679"),
    (W2008_6003, "6.0.6002.22912", Status.VULNERABLE, "LDR", "6.0.6002.22913"),
    (W2008_6003, "6.0.6002.22913", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    (W2008_6003, "6.0.6002.24202", Status.COMPLIANT, "LDR", "6.0.6002.22913"),
    # RTM and SP1 files (6000, 6001): SP2 first, whatever CSDVersion says
    (W2008, "6.0.6001.18000", Status.PREREQUISITE_MISSING, "pre-SP2", None),
    (W2008, "6.0.6000.16386", Status.PREREQUISITE_MISSING, "pre-SP2", None),
    (
        replace(VISTA, build=6001, csd_version="Service Pack 1"),
        "6.0.6001.18000",
        Status.PREREQUISITE_MISSING,
        "pre-SP2",
        None,
    ),
    (replace(VISTA, build=6000, csd_version=None), "6.0.6000.16386", Status.PREREQUISITE_MISSING, "pre-SP2", None),
    # Windows 7 / 2008 R2 RTM: GDR below 20000 (late GDR revisions stay there), LDR from 20000
    (WIN7, "6.1.7600.16000", Status.VULNERABLE, "GDR", "6.1.7600.17122"),
    (WIN7, "6.1.7600.19999", Status.COMPLIANT, "GDR", "6.1.7600.17122"),
    (WIN7, "6.1.7600.20000", Status.VULNERABLE, "LDR", "6.1.7600.21320"),
    (WIN7, "6.1.7600.21000", Status.VULNERABLE, "LDR", "6.1.7600.21320"),  # the LDR trap
    (R2, "6.1.7600.21999", Status.COMPLIANT, "LDR", "6.1.7600.21320"),
    # 7601 (SP1): the fix is included, also in the 23xxx years and the ESU revisions
    (replace(WIN7, build=7601, csd_version="Service Pack 1"), "6.1.7601.17514", Status.COMPLIANT, "SP1", None),
    (replace(R2, build=7601, csd_version="Service Pack 1"), "6.1.7601.23418", Status.COMPLIANT, "SP1", None),
    (replace(R2, build=7601, csd_version="Service Pack 1"), "6.1.7601.24545", Status.COMPLIANT, "SP1", None),
    (replace(WIN7, build=7601, csd_version="Service Pack 1"), "6.1.7601.25633", Status.COMPLIANT, "SP1", None),
    (replace(R2, build=7601, csd_version="Service Pack 1"), "6.1.7601.26321", Status.COMPLIANT, "SP1", None),
    (WIN7, "6.1.7601.17514", Status.COMPLIANT, "SP1", None),  # file newer than the OS build
    # A 7601 host with an RTM file: judged by the file
    (
        replace(WIN7, build=7601, csd_version="Service Pack 1"),
        "6.1.7600.16385",
        Status.VULNERABLE,
        "GDR",
        "6.1.7600.17122",
    ),
    # Server 2003: one series; pre-SP2 files below 3959 (SP2 shipped 3959); later revisions fixed
    (W2003, "5.2.3790.1830", Status.PREREQUISITE_MISSING, "pre-SP2", None),
    (W2003, "5.2.3790.3958", Status.PREREQUISITE_MISSING, "pre-SP2", None),
    (W2003, "5.2.3790.3959", Status.VULNERABLE, "single", "5.2.3790.5059"),
    (W2003, "5.2.3790.3960", Status.VULNERABLE, "single", "5.2.3790.5059"),
    (W2003, "5.2.3790.5190", Status.COMPLIANT, "single", "5.2.3790.5059"),
    (W2003, "5.2.3790.6021", Status.COMPLIANT, "single", "5.2.3790.5059"),
    (replace(W2003, csd_version="Service Pack 1"), "5.2.3790.1830", Status.PREREQUISITE_MISSING, "pre-SP2", None),
]


@pytest.mark.parametrize(
    ("host", "version", "status", "branch", "required"), FIELD, ids=[f"{h.build}-{v}" for h, v, *_rest in FIELD]
)
def test_field_versions(host: Host, version: str, status: Status, branch: str, required: str | None) -> None:
    result = assess(parse_probe(probe_output(replace(host, volsnap_version=version))))
    assert (result.status, result.branch, result.required_version) == (status, branch, required), result.reason
    assert version in result.reason
    assert result.package == PACKAGES[(result.product or "", host.arch)]
    file_build = int(version.split(".")[2])
    if file_build != host.build:  # the reason says both numbers
        assert f"build {file_build}" in result.reason and f"build {host.build}" in result.reason


def test_ldr_trap_above_gdr_threshold_is_still_vulnerable() -> None:
    status, reason = _assess(replace(WIN7, volsnap_version="6.1.7600.21000"))
    assert status is Status.VULNERABLE
    assert "LDR" in reason and "6.1.7600.21320" in reason


def test_build_6003_host_with_an_old_6002_file_names_both_builds() -> None:
    status, reason = _assess(replace(W2008_6003, volsnap_version="6.0.6002.18005"))
    assert status is Status.VULNERABLE
    assert "6.0.6002.18005" in reason and "6.0.6002.18679" in reason
    assert "the file is from build 6002, the OS reports build 6003" in reason


def test_pre_sp2_file_with_an_odd_csd_version_says_both() -> None:
    status, reason = _assess(replace(W2008, volsnap_version="6.0.6001.18000"))  # CSDVersion says Service Pack 2
    assert status is Status.PREREQUISITE_MISSING
    assert "Service Pack 2" in reason and "6.0.6001.18000" in reason and "CSDVersion says 'Service Pack 2'" in reason


def test_an_older_service_pack_than_required_comes_first_when_the_file_needs_the_fix() -> None:
    status, reason = _assess(replace(W2003, csd_version="Service Pack 1"))  # with an SP2-level 5.2.3790.4000
    assert status is Status.PREREQUISITE_MISSING
    assert "CSDVersion says 'Service Pack 1'" in reason and "5.2.3790.5059" in reason


def test_a_fixed_file_is_compliant_whatever_the_service_pack_says() -> None:
    status, _reason = _assess(replace(W2003, csd_version="Service Pack 1", volsnap_version="5.2.3790.5059"))
    assert status is Status.COMPLIANT


@pytest.mark.parametrize(
    "host",
    [
        Host("Microsoft Windows XP", "5.1", 2600, "Service Pack 3", "WinNT", None, None, "x86", "5.1.2600.5512"),
        Host("Microsoft Windows 2000", "5.0", 2195, "Service Pack 4", "ServerNT", None, None, "x86", "5.0.2195.1"),
        Host("Windows 8 Pro", "6.2", 9200, None, "WinNT", "Professional", "Client", "AMD64", "6.2.9200.16384"),
        Host(
            "Windows Server 2012 Standard",
            "6.2",
            9200,
            None,
            "ServerNT",
            "ServerStandard",
            "Server",
            "AMD64",
            "6.2.9200.16384",
        ),
        Host(
            "Windows 10 Pro",
            "6.3",
            19045,
            None,
            "WinNT",
            "Professional",
            "Client",
            "AMD64",
            None,
            "5.1",
            wmic=False,
            major_version=10,
        ),
        Host(
            "Windows Server 2016 Standard",
            "6.3",
            14393,
            None,
            "ServerNT",
            "ServerStandard",
            "Server",
            "AMD64",
            "10.0.14393.0",
            "5.1",
            major_version=10,
        ),
    ],
)
def test_products_outside_the_article(host: Host) -> None:
    assert _assess(host)[0] is Status.NOT_APPLICABLE


XP_X64 = Host("Microsoft Windows XP", "5.2", 3790, "Service Pack 2", "WinNT", None, None, "AMD64", "5.2.3790.4000")


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("5.2.3790.4000", "is below 5.2.3790.5059 and may carry the same defect (unconfirmed)"),
        ("5.2.3790.5058", "is below 5.2.3790.5059 and may carry the same defect (unconfirmed)"),
        ("5.2.3790.5059", "is at or above the 2003 fix level (5.2.3790.5059)"),
        ("5.2.3790.6021", "is at or above the 2003 fix level (5.2.3790.5059)"),
    ],
)
def test_xp_x64_is_not_applicable_and_says_what_it_shares(version: str, says: str) -> None:
    result = assess(parse_probe(probe_output(replace(XP_X64, volsnap_version=version))))
    assert (result.status, result.product, result.installed_version) == (
        Status.NOT_APPLICABLE,
        "Windows XP Professional x64 Edition",
        version,
    )
    assert "not listed in KB2748349" in result.reason
    assert "Windows Server 2003 x64 volsnap.sys line (5.2.3790)" in result.reason
    assert "WindowsServer2003.WindowsXP-KB2748349-x64-ENU.exe" in result.reason
    assert f"{version} {says}" in result.reason
    assert result.package is None  # nothing is installed on it


# Editions with names the collection has never seen: the build and ProductType decide (one per build).
UNSEEN = [
    (replace(W2003, product_name="Microsoft Windows Server 2003 R2"), "Windows Server 2003", Status.VULNERABLE),
    (replace(W2003, product_name="Unheard Of Server 2003"), "Windows Server 2003", Status.VULNERABLE),
    (
        replace(W2008, product_name="Windows Web Server 2008", edition_id="ServerWeb"),
        "Windows Server 2008",
        Status.VULNERABLE,
    ),
    (
        replace(
            W2008,
            product_name="Windows Small Business Server 2008",
            product_type="LanmanNT",
            arch="AMD64",
            edition_id="ServerSBSPremium",
        ),
        "Windows Server 2008",
        Status.VULNERABLE,
    ),
    (
        replace(W2008_6003, product_name="Windows Server (R) 2008 Foundation-ish unseen name"),
        "Windows Server 2008",
        Status.COMPLIANT,
    ),
    (replace(VISTA, product_name="Windows Vista (TM) Name Nobody Saw"), "Windows Vista", Status.VULNERABLE),
    (replace(WIN7, product_name="Windows Embedded Standard", edition_id="Embedded"), "Windows 7", Status.VULNERABLE),
    (
        replace(
            R2,
            product_name="Hyper-V Server 2008 R2",
            edition_id="ServerHyperCore",
            installation_type="Server Core",
            powershell=None,
        ),
        "Windows Server 2008 R2",
        Status.VULNERABLE,
    ),
    (
        replace(
            WIN7,
            build=7601,
            csd_version="Service Pack 1",
            product_name="Windows Thin PC",
            volsnap_version="6.1.7601.17514",
        ),
        "Windows 7",
        Status.COMPLIANT,
    ),
    (
        replace(
            R2,
            build=7601,
            csd_version="Service Pack 1",
            product_name="Windows MultiPoint Server 2011",
            volsnap_version="6.1.7601.24545",
        ),
        "Windows Server 2008 R2",
        Status.COMPLIANT,
    ),
    # ProductType missing: EditionID stands in for it
    (replace(W2008, product_type=None, product_name="Mystery"), "Windows Server 2008", Status.VULNERABLE),
    (replace(WIN7, product_type=None, product_name="Mystery"), "Windows 7", Status.VULNERABLE),
    (
        replace(R2, product_type=None, edition_id=None, product_name="Mystery"),
        "Windows Server 2008 R2",
        Status.VULNERABLE,
    ),
]


@pytest.mark.parametrize(("host", "product", "status"), UNSEEN, ids=[h.product_name for h, *_rest in UNSEEN])
def test_unfamiliar_product_names_never_decide(host: Host, product: str, status: Status) -> None:
    result = assess(parse_probe(probe_output(host)))
    assert (result.product, result.status) == (product, status), result.reason
    assert result.edition is not None and host.product_name in result.edition


def test_no_product_type_and_nothing_to_fall_back_on_is_unknown_with_the_reason() -> None:
    status, reason = _assess(replace(W2003, product_type=None))
    assert status is Status.UNKNOWN
    assert "ProductType missing" in reason and "Windows Server 2003" in reason


@pytest.mark.parametrize(
    "host",
    [
        replace(WIN7, arch="IA64"),  # Windows 7 has no IA-64 build
        replace(VISTA, arch="IA64"),
        replace(R2, arch="x86"),  # Server 2008 R2 has no x86 build
    ],
)
def test_architecture_the_product_lacks_is_unknown(host: Host) -> None:
    status, reason = _assess(host)
    assert status is Status.UNKNOWN
    assert "no" in reason and host.arch in reason


@pytest.mark.parametrize(
    ("host", "version", "why"),
    [
        (VISTA, "6.0.6002.17000", "fits no rule of Windows Vista: the rules of line 6.0.6002 cover"),
        (W2008, "6.0.6002.17999", "6.0.6002.18000-19999 (GDR)"),
        (W2008_6003, "6.0.6004.20000", "no rule covers line 6.0.6004"),
        (WIN7, "6.0.6002.18679", "is from line 6.0.6002, which is not a line of Windows 7 (6.1.x)"),
        (W2008, "6.1.7601.17514", "is from line 6.1.7601, which is not a line of Windows Server 2008 (6.0.x)"),
        (WIN7, "5.2.3790.5059", "is from line 5.2.3790"),
        (W2003, "6.0.6002.18679", "which is not a line of Windows Server 2003 (5.2.x)"),
        (WIN7, None, "missing"),
        (replace(WIN7, wmic=False), "6.1.7600.16385", "wmic is not available"),
    ],
)
def test_versions_that_fit_no_rule_are_unknown(host: Host, version: str | None, why: str) -> None:
    status, reason = _assess(replace(host, volsnap_version=version))
    assert status is Status.UNKNOWN
    assert why in reason
    if version and host.wmic:
        assert version in reason


def test_reboot_pending_after_install() -> None:
    host = replace(WIN7, kb_installed=True, pending_reboot=True)
    result = assess(parse_probe(probe_output(host)))
    assert result.status is Status.REBOOT_PENDING
    assert result.reboot_pending


def test_reboot_pending_on_2003_from_update_exe_volatile() -> None:
    host = replace(W2003, kb_installed=True, pending_reboot=True)
    assert _assess(host)[0] is Status.REBOOT_PENDING


def test_pending_restart_without_the_update_is_still_vulnerable() -> None:
    status, reason = _assess(replace(WIN7, pending_reboot=True))
    assert status is Status.VULNERABLE
    assert "restart is pending" in reason


def test_exposure_flags_multiples_of_8_gib_and_shadow_copies() -> None:
    gib = 1024**3
    host = replace(WIN7, volumes=[("C:", 24 * gib), ("D:", 20 * gib), ("", 16 * gib)], shadow_copies=2)
    exposure = assess(parse_probe(probe_output(host))).exposure
    assert exposure.large_volumes_multiple_of_8gib == ("C:", "volume 3")
    assert exposure.shadow_copies == 2
    assert "restore" in exposure.note


def test_empty_or_garbage_facts_are_unknown_with_a_reason() -> None:
    for stdout in ("", "garbage\r\n", "@@volsnap os\r\n\x00\x01"):
        result = assess(parse_probe(stdout))
        assert result.status is Status.UNKNOWN
        assert result.reason


def test_facts_without_volumes_do_not_crash_exposure() -> None:
    facts = HostFacts(volumes=(Volume(None, None, None), Volume("C:", 0, "NTFS")))
    assert assess(facts).exposure.large_volumes_multiple_of_8gib == ()


def test_package_override_reaches_the_assessment() -> None:
    facts = parse_probe(probe_output(WIN7))
    assert assess(facts, {"7_2008r2/AMD64": "custom.msu"}).package == "custom.msu"
    assert assess(facts).to_dict()["status"] == "vulnerable"


def _oracle(line: str, revision: int) -> Status:
    """docs/versions.md's decision table, written out independently of the catalog's data."""
    if line == "5.2.3790":
        if revision < 3959:
            return Status.PREREQUISITE_MISSING
        return Status.COMPLIANT if revision >= 5059 else Status.VULNERABLE
    if line in ("6.0.6000", "6.0.6001"):
        return Status.PREREQUISITE_MISSING
    if line == "6.0.6002":
        if revision < 18000:
            return Status.UNKNOWN
        return Status.COMPLIANT if revision >= (18679 if revision < 20000 else 22913) else Status.VULNERABLE
    if line == "6.1.7600":
        return Status.COMPLIANT if revision >= (17122 if revision < 20000 else 21320) else Status.VULNERABLE
    return Status.COMPLIANT  # 6.0.6003, 6.1.7601


ORACLE_HOSTS = {
    "5.2.3790": W2003,
    "6.0.6000": W2008,
    "6.0.6001": W2008,
    "6.0.6002": W2008_6003,
    "6.0.6003": W2008,
    "6.1.7600": R2,
    "6.1.7601": WIN7,
}


@given(line=st.sampled_from(sorted(ORACLE_HOSTS)), revision=st.integers(0, 99999))
def test_decision_matches_the_documented_table(line: str, revision: int) -> None:
    host = ORACLE_HOSTS[line]
    facts = HostFacts(
        product_name=host.product_name,
        current_version=host.current_version,
        build=host.build,
        product_type=host.product_type,
        arch=host.arch,
        volsnap_version=f"{line}.{revision}",
    )
    assert assess(facts).status is _oracle(line, revision)


@given(line=st.sampled_from(["5.2.3790", "6.0.6002", "6.1.7600"]), a=st.integers(0, 99999), b=st.integers(0, 99999))
def test_a_later_revision_on_the_same_branch_is_never_less_fixed(line: str, a: int, b: int) -> None:
    host = ORACLE_HOSTS[line]
    low, high = sorted((a, b))
    results = [
        assess(
            HostFacts(
                build=host.build,
                current_version=host.current_version,
                product_type=host.product_type,
                arch=host.arch,
                volsnap_version=f"{line}.{r}",
            )
        )
        for r in (low, high)
    ]
    if results[0].branch == results[1].branch and results[0].status is Status.COMPLIANT:
        assert results[1].status is Status.COMPLIANT
