"""The .msu's .xml: the inner cabinet and the CBS package identity, read from what `type` printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.winfix.volsnap.plugins.plugin_utils._msu import MsuError, MsuPackage, parse_msu_xml

FIXTURE = (Path(__file__).parent / "fixtures" / "msu_unattend_kb929761.xml").read_text()


def test_a_real_msu_xml() -> None:
    assert parse_msu_xml(FIXTURE) == MsuPackage(
        "Windows6.0-KB929761-x86.CAB", "Package_1_for_KB929761~31bf3856ad364e35~x86~~6.0.1.1"
    )


def test_the_document_is_found_among_expand_output_and_type_headers() -> None:
    printed = (
        "Microsoft (R) File Expansion Utility  Version 6.0.6002.16385\r\n\r\nExpanding Files Complete ...\r\n"
        "4 files total.\r\n\r\nC:\\Windows\\Temp\\w\\expanded\\Windows6.0-KB929761-x86.xml\r\n\r\n\r\n"
        + FIXTURE.replace("\n", "\r\n")
    )
    assert parse_msu_xml(printed).inner_cab == "Windows6.0-KB929761-x86.CAB"


def test_a_language_other_than_neutral_is_part_of_the_identity() -> None:
    assert parse_msu_xml(FIXTURE.replace('"neutral"', '"de-DE"')).identity == (
        "Package_1_for_KB929761~31bf3856ad364e35~x86~de-DE~6.0.1.1"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Expanding Files Complete ...", "no unattend document"),
        (FIXTURE.replace("urn:schemas-microsoft-com:unattend", "urn:other"), "not an unattend file"),
        (FIXTURE.replace("Windows6.0-KB929761-x86.CAB", "WSUSSCAN.cab"), "not the name of an update cabinet"),
        (FIXTURE.replace("%configsetroot%\\", "C:\\x\\"), "is not %configsetroot%"),
        (FIXTURE.replace("x86.CAB", 'x86.CAB" & del x'), "not well-formed|not the name"),
        ('<!DOCTYPE x [<!ENTITY a "b">]>' + FIXTURE, "DOCTYPE"),
        (FIXTURE + FIXTURE.replace("KB929761-x86.CAB", "KB1-x86.cab"), "2 different packages"),
    ],
)
def test_what_names_no_usable_cabinet_is_refused(text: str, why: str) -> None:
    with pytest.raises(MsuError, match=why):
        parse_msu_xml(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_gives_a_package_or_msu_error_only(text: str) -> None:
    try:
        found = parse_msu_xml(text)
    except MsuError:
        return
    assert found.inner_cab.lower().endswith(".cab")
