"""The probe line and its parser: one command, sections cut by markers, nothing raises."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from probe_samples import Host, probe_output, reg_output, vssadmin_output, wmic_output

from ansible_collections.winfix.volsnap.plugins.plugin_utils._probe import (
    SECTIONS,
    parse_probe,
    probe_command,
    split_sections,
)
from ansible_collections.winfix.volsnap.plugins.plugin_utils._servicing import parse_state

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
    assert facts.pending_reboot_reasons == ("UpdateExeVolatile=1 (update.exe)",)


def test_2003_pending_restart_in_the_key_form() -> None:
    facts = parse_probe(probe_output(replace(W2003, kb_installed=True, pending_reboot=True, update_exe_marker="key")))
    assert facts.pending_reboot and facts.pending_reboot_reasons == ("UpdateExeVolatile\\Flags=2 (update.exe)",)


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


GERMAN_SHADOWS = (Path(__file__).parent / "fixtures" / "vssadmin_list_shadows_de.txt").read_text()


@pytest.mark.fault("bad-probe-output")
def test_german_host_parses_the_same() -> None:
    """A de-DE host: the tools' words are German (vssadmin's labels, reg's search trailer, umlauts in the OEM code
    page 850 the shell runs in); values and markers are not. The facts come out as on an English host."""
    english = replace(WIN7, kb_installed=True, pending_reboot=True, shadow_copies=1)
    text = probe_output(english)
    german = text.replace(vssadmin_output(1), GERMAN_SHADOWS.replace("\n", "\r\n")).replace(
        "End of search: 1 match(es) found.", "Suche beendet: 1 Übereinstimmung(en) gefunden."
    )
    assert "Schattenkopiekennung" in german and "Übereinstimmung" in german
    from_host = german.encode("cp850").decode("cp850")  # what the connection decodes with ansible_winrs_codepage=850
    assert parse_probe(from_host) == parse_probe(text)
    facts = parse_probe(from_host)
    assert facts.shadow_copies == 1 and facts.kb_installed and facts.pending_reboot and facts.problems == ()


@pytest.mark.fault("parser-fuzz")
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_probe_never_raises_on_arbitrary_text(text: str) -> None:
    parse_probe(text)


# Output in the shapes the tools print, with the data varied: it reaches the value parsers (numbers, versions,
# markers) that arbitrary text never gets to.
_VALUE_NAMES = [
    "CurrentBuildNumber",
    "CurrentBuild",
    "CurrentMajorVersionNumber",
    "CurrentVersion",
    "CSDVersion",
    "ProductType",
    "PROCESSOR_ARCHITECTURE",
    "UpdateExeVolatile",
    "Flags",
    "PendingFileRenameOperations",
    "PowerShellVersion",
    "SystemRoot",
    "CurrentState",
]
_DATA = st.one_of(st.text(max_size=14), st.sampled_from(["0x1", "0x", "0x1g", "7600", "-1", "Service Pack", "", " "]))
_REG = st.builds(
    reg_output,
    st.sampled_from(["HKEY_LOCAL_MACHINE\\SOFTWARE\\X", "HKLM\\X"]),
    st.lists(st.tuples(st.sampled_from(_VALUE_NAMES), st.sampled_from(["REG_SZ", "REG_DWORD", "REG_MULTI_SZ"]), _DATA)),
    st.booleans(),
)
_WMIC = st.builds(
    wmic_output,
    st.lists(
        st.dictionaries(
            st.sampled_from(["Version", "Capacity", "DriveLetter", "FileSystem", "LastBootUpTime"]), _DATA, max_size=4
        ),
        max_size=3,
    ),
)
_BODY = st.one_of(_REG, _WMIC, st.builds(vssadmin_output, st.integers(0, 3)), st.text(max_size=60))


@pytest.mark.fault("parser-fuzz")
@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([name for name, _command in SECTIONS] + ["cbs_package", "bogus"]),
            _BODY,
            st.sampled_from(["0", "0", "1", None]),
        ),
        max_size=len(SECTIONS) + 3,
    )
)
def test_parse_probe_never_raises_on_tool_shaped_output(sections: list[tuple[str, str, str | None]]) -> None:
    text = "".join(
        f"@@volsnap {name}\r\n{body}" + (f"@@volsnap-rc {rc}\r\n" if rc else "") for name, body, rc in sections
    )
    facts = parse_probe(text)
    assert isinstance(facts.problems, tuple)
    parse_state(text)  # the servicing state reads the same sections


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
