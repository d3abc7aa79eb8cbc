"""Every row of the article, both branches below/at/above each threshold, and the odd cases, end to end:
probe output (real shapes) → parse_probe → assess."""

from __future__ import annotations

from dataclasses import replace

import pytest
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

# (base host, product) for every product and architecture the article lists
ROWS = [
    (W2003, "Windows Server 2003", ("x86", "AMD64", "IA64")),
    (VISTA, "Windows Vista", ("x86", "AMD64")),
    (W2008, "Windows Server 2008", ("x86", "AMD64", "IA64")),
    (WIN7, "Windows 7", ("x86", "AMD64")),
    (R2, "Windows Server 2008 R2", ("AMD64", "IA64")),
]
THRESHOLDS = {
    "Windows Server 2003": [("5.2.3790", 5059)],
    "Windows Vista": [("6.0.6002", 18679), ("6.0.6002", 22913)],
    "Windows Server 2008": [("6.0.6002", 18679), ("6.0.6002", 22913)],
    "Windows 7": [("6.1.7600", 17122), ("6.1.7600", 21320)],
    "Windows Server 2008 R2": [("6.1.7600", 17122), ("6.1.7600", 21320)],
}


def _assess(host: Host) -> tuple[Status, str]:
    result = assess(parse_probe(probe_output(host)))
    return result.status, result.reason


def _cases() -> list[tuple[Host, Status, str]]:
    cases = []
    for base, product, arches in ROWS:
        for arch in arches:
            for line, threshold in THRESHOLDS[product]:
                for delta, status in ((-1, Status.VULNERABLE), (0, Status.COMPLIANT), (1, Status.COMPLIANT)):
                    host = replace(base, arch=arch, volsnap_version=f"{line}.{threshold + delta}")
                    cases.append((host, status, f"{product} {arch} {line}.{threshold + delta}"))
    return cases


@pytest.mark.parametrize(("host", "status", "label"), _cases(), ids=[c[2] for c in _cases()])
def test_every_row_every_branch_around_each_threshold(host: Host, status: Status, label: str) -> None:
    result = assess(parse_probe(probe_output(host)))
    assert result.status is status, result.reason
    assert result.package is not None
    if status is Status.VULNERABLE:
        assert result.required_version and result.required_version in result.reason


def test_ldr_trap_above_gdr_threshold_is_still_vulnerable() -> None:
    status, reason = _assess(replace(WIN7, volsnap_version="6.1.7600.21000"))
    assert status is Status.VULNERABLE
    assert "LDR" in reason and "6.1.7600.21320" in reason


def test_sp1_includes_the_fix() -> None:
    sp1 = replace(WIN7, build=7601, csd_version="Service Pack 1", volsnap_version="6.1.7601.17514")
    assert _assess(sp1)[0] is Status.COMPLIANT


def test_sp1_build_with_an_rtm_file_is_unknown() -> None:
    odd = replace(WIN7, build=7601, csd_version="Service Pack 1", volsnap_version="6.1.7600.16385")
    status, reason = _assess(odd)
    assert status is Status.UNKNOWN
    assert "build 7600" in reason and "7601" in reason


@pytest.mark.parametrize(
    ("host", "needed"),
    [
        (replace(W2003, csd_version="Service Pack 1"), "Service Pack 2"),
        (replace(W2003, csd_version=None), "Service Pack 2"),
        (replace(VISTA, csd_version="Service Pack 1", build=6001, volsnap_version="6.0.6001.18000"), "Service Pack 2"),
        (replace(W2008, csd_version="Service Pack 1", build=6001), "Service Pack 2"),
    ],
)
def test_service_pack_prerequisite(host: Host, needed: str) -> None:
    status, reason = _assess(host)
    assert status is Status.PREREQUISITE_MISSING
    assert needed in reason


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
        (WIN7, "6.1.7600.19000", "fits no servicing branch"),  # between the GDR and LDR ranges
        (VISTA, "6.0.6002.17000", "fits no servicing branch"),
        (W2008, "6.0.6002.24000", "fits no servicing branch"),
        (WIN7, "6.0.6002.18679", "is from build 6002"),  # kernel line of another product
        (WIN7, "5.2.3790.5059", "is from build 3790"),
        (WIN7, None, "missing"),
        (replace(WIN7, wmic=False), "6.1.7600.16385", "wmic is not available"),
    ],
)
def test_versions_that_fit_no_rule_are_unknown(host: Host, version: str | None, why: str) -> None:
    status, reason = _assess(replace(host, volsnap_version=version))
    assert status is Status.UNKNOWN
    assert why in reason


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
