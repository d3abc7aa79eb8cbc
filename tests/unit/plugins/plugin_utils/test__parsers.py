"""reg, wmic and vssadmin parsers against real output shapes (fixtures/*.txt, each with a .source note)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._reg import first_key, parse_reg_query
from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import normalise_output
from ansible_collections.winfix.volsnap.plugins.plugin_utils._vssadmin import count_shadow_copies
from ansible_collections.winfix.volsnap.plugins.plugin_utils._wmic import parse_wmic_values

FIXTURES = Path(__file__).parent / "fixtures"


def _text(name: str, encoding: str = "utf-8") -> str:
    return (FIXTURES / name).read_bytes().decode(encoding)


def test_every_fixture_names_its_source() -> None:
    """Each fixture says whether it is a verbatim capture (and where from: a URL or a repository path) or
    reconstructed (and from what)."""
    fixtures = [f for f in FIXTURES.iterdir() if f.suffix in (".txt", ".xml")]
    assert len(fixtures) >= 10
    for fixture in fixtures:
        note = fixture.with_name(fixture.name + ".source")
        assert note.is_file(), fixture.name
        text = note.read_text().strip()
        assert text.startswith(("Verbatim", "Reconstructed")), fixture.name
        assert "https://" in text or re.search(r"\b[\w.-]+/[\w.-]+[,: ]", text), fixture.name
        assert "shared/" not in text, fixture.name


def test_reg_vista_format() -> None:
    keys = parse_reg_query(_text("reg_query_win7_currentversion.txt"))
    assert keys[0].path.endswith(r"Windows NT\CurrentVersion")
    assert keys[0].text("productname") == "Windows 7 Professional"
    assert keys[0].text("RegisteredOrganization") == ""
    assert keys[0].value("InstallDate").as_int() == 0x4AC3A0B1  # type: ignore[union-attr]
    assert [k.path.rsplit("\\", 1)[1] for k in keys[1:]] == ["Accessibility", "AeDebug"]


def test_reg_2003_format_with_header_and_tabs() -> None:
    key = first_key(_text("reg_query_2003_currentversion.txt"))
    assert key is not None
    assert key.text("CSDVersion") == "Service Pack 2"
    assert key.text("ProductName") == "Microsoft Windows Server 2003"
    assert key.text("Nope") is None


def test_reg_value_names_with_spaces_and_empty_data() -> None:
    text = (
        "\r\nHKEY_LOCAL_MACHINE\\X\r\n"
        "    Common Files Dir    REG_SZ    C:\\Program Files\\Common\r\n"
        "    (Default)    REG_SZ\r\n"
    )
    key = first_key(text)
    assert key is not None
    assert key.text("Common Files Dir") == "C:\\Program Files\\Common"
    assert key.text("(Default)") == ""


def test_wmic_value_with_cr_cr_lf() -> None:
    assert parse_wmic_values(_text("wmic_datafile_version.txt")) == [{"Version": "6.1.7600.16385"}]


def test_wmic_utf16_through_a_code_page_decode() -> None:
    # The bytes decoded as Latin-1, as a code page decode of UTF-16 would leave them.
    records = parse_wmic_values(_text("wmic_volume_values_utf16.txt", "latin-1"))
    assert records[0] == {"Capacity": "25769803776", "DriveLetter": "C:", "FileSystem": "NTFS"}
    assert records[1] == {"Capacity": "", "DriveLetter": "", "FileSystem": ""}


def test_wmic_no_instances() -> None:
    assert parse_wmic_values("No Instance(s) Available.\r\r\n") == []


def test_vssadmin_counts_by_shape_in_any_language() -> None:
    assert count_shadow_copies(_text("vssadmin_list_shadows_de.txt")) == 1
    banner = "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
    assert count_shadow_copies(banner + "No items found that satisfy the query.\r\n") == 0
    assert count_shadow_copies("'vssadmin' is not recognized") is None


def test_normalise_output_line_ends() -> None:
    assert normalise_output("a\r\r\nb\r\nc\rd") == "a\nb\nc\nd"


@pytest.mark.fault("parser-fuzz")
@settings(max_examples=200)
@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    parse_reg_query(text)
    parse_wmic_values(text)
    count_shadow_copies(text)
