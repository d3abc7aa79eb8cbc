"""The probe line and its parser: one command, sections cut by markers, nothing raises."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from probe_samples import Host, probe_output

from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import (
    SECTIONS,
    parse_probe,
    probe_command,
    split_sections,
)

WIN7 = Host()
W2003 = Host(
    "Microsoft Windows Server 2003", "5.2", 3790, "Service Pack 2", "ServerNT", None, None, "x86", "5.2.3790.4000", None
)


def test_probe_is_one_line_within_cmd_limits() -> None:
    line = probe_command()
    assert "\n" not in line and "\r" not in line
    assert len(line) < 8191  # cmd.exe's command line limit
    assert line.count("@@volsnap-rc 0") == len(SECTIONS)
    assert "< nul" in line  # wmic would wait for input otherwise
    assert "wmic os get LastBootUpTime,LocalDateTime /value < nul" in line  # the host's clock, no extra round trip


def test_a_host_without_wmic_has_no_clock() -> None:
    facts = parse_probe(probe_output(replace(WIN7, wmic=False)))
    assert facts.local_time is None and facts.last_boot is None


def test_windows7_facts() -> None:
    facts = parse_probe(probe_output(replace(WIN7, shadow_copies=2)))
    assert (facts.product_name, facts.current_version, facts.build) == ("Windows 7 Professional", "6.1", 7600)
    assert (facts.service_pack, facts.product_type, facts.arch) == (0, "WinNT", "AMD64")
    assert facts.volsnap_version == "6.1.7600.16385"
    assert facts.powershell_version == "2.0"
    assert facts.volumes[0].capacity_bytes == 25769803776
    assert facts.shadow_copies == 2
    assert facts.last_boot == "20121120093000.500000+060"
    assert facts.local_time == "20121123120000.000000+060"  # the host's clock, read in the same round trip
    assert facts.system_root == "C:\\Windows"
    assert not facts.pending_reboot and not facts.kb_installed
    assert facts.problems == ()


def test_2003_facts_in_the_xp_reg_format() -> None:
    facts = parse_probe(probe_output(replace(W2003, kb_installed=True, pending_reboot=True)))
    assert facts.service_pack == 2 and facts.arch == "x86" and facts.powershell_version is None
    assert facts.kb_installed
    assert facts.pending_reboot_reasons == ("UpdateExeVolatile",)


def test_vista_plus_kb_evidence_and_reboot_marker() -> None:
    facts = parse_probe(probe_output(replace(WIN7, kb_installed=True, pending_reboot=True)))
    assert facts.kb_installed
    assert facts.pending_reboot_reasons == ("Component Based Servicing RebootPending",)


@pytest.mark.fault("bad-probe-output")
def test_host_without_wmic_keeps_the_registry_facts() -> None:
    facts = parse_probe(probe_output(replace(WIN7, wmic=False)))
    assert not facts.wmic_available
    assert facts.volsnap_version is None and facts.volumes == ()
    assert facts.build == 7600


@pytest.mark.fault("bad-probe-output")
def test_truncated_output_is_reported() -> None:
    full = probe_output(WIN7)
    cut = full[: full.index("@@volsnap volsnap") + 40]
    facts = parse_probe(cut)
    assert any("cut short" in problem for problem in facts.problems)
    assert facts.build == 7600  # what arrived is still used


@pytest.mark.fault("bad-probe-output")
def test_garbage_has_a_problem_and_no_facts() -> None:
    facts = parse_probe("\x00\xff garbled \r\n@@@@\r\n")
    assert facts.problems and facts.build is None


def test_marker_lines_tolerate_cmd_trailing_spaces() -> None:
    spaced = probe_output(WIN7).replace("@@volsnap-rc 0\r\n", "@@volsnap-rc 0 \r\n")
    assert split_sections(spaced)["os"].ok is True


@pytest.mark.fault("bad-probe-output")
def test_german_host_parses_the_same() -> None:
    # Values are not localised; the error texts (FEHLER: …) go to stderr and are never parsed.
    german = replace(
        WIN7,
        product_name="Windows 7 Professional",
        csd_version="Service Pack 1",
        build=7601,
        volsnap_version="6.1.7601.17514",
    )
    facts = parse_probe(probe_output(german))
    assert facts.service_pack == 1 and facts.problems == ()


@pytest.mark.fault("parser-fuzz")
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_probe_never_raises_on_arbitrary_text(text: str) -> None:
    parse_probe(text)


@pytest.mark.fault("parser-fuzz")
@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000), st.binary(max_size=40))
def test_parse_probe_never_raises_on_corrupted_real_output(cut: int, noise: bytes) -> None:
    real = probe_output(WIN7)
    corrupted = real[: cut % len(real)] + noise.decode("latin-1") + real[cut % len(real) :]
    parse_probe(corrupted)


def _utf16_probe(codec: str) -> str:
    """The probe's stdout with two sections written as wmic writes to a file (UTF-16LE with a BOM, as a `type` of
    that file prints it), decoded from the shell's code page as the connection decodes all output."""
    host = replace(WIN7, volumes=[("C:", 25769803776), ("D:", 8589934592)])
    text = probe_output(host)
    raw = text.encode(codec)
    for name in ("volumes", "boot"):
        start = raw.index(f"@@volsnap {name}\r\n".encode()) + len(f"@@volsnap {name}\r\n")
        end = raw.index(b"@@volsnap-rc", start)
        body = raw[start:end].decode(codec)
        raw = raw[:start] + ("\ufeff" + body).encode("utf-16-le") + raw[end:]
    return raw.decode(codec, "replace")


@pytest.mark.parametrize("codec", ["cp437", "cp850", "latin-1"])
def test_utf16_sections_keep_every_marker(codec: str) -> None:
    facts = parse_probe(_utf16_probe(codec))
    assert facts.problems == (), facts.problems
    assert [(v.drive, v.capacity_bytes) for v in facts.volumes] == [("C:", 25769803776), ("D:", 8589934592)]
    assert facts.last_boot == "20121120093000.500000+060"
    assert facts.local_time == "20121123120000.000000+060"
    assert facts.shadow_copies == 0  # the section after the UTF-16 one still parses
    assert facts.volsnap_version == "6.1.7600.16385"
    sections = split_sections(_utf16_probe(codec))
    assert len(sections) == len(SECTIONS) and all(s.ok is not None for s in sections.values())
