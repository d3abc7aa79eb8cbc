# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalise command output text before parsing: line endings, UTF-16 that slipped through a code page decode."""

from __future__ import annotations

# A UTF-16LE byte order mark as it looks after decoding with common code pages or Latin-1.
_BOM_RENDERINGS = ("\ufeff", "\xff\xfe", "\xa0\u25a0")


def normalise_output(text: str) -> str:
    """Text with "\\n" line ends. UTF-16LE output decoded byte by byte (wmic writes it when redirected to a file; a
    NUL after every ASCII character) is folded back wherever it appears, together with its byte order mark: in the
    probe it sits between ASCII section markers, and a leftover NUL would glue itself to the next marker line.
    wmic's "\\r\\r\\n" and cmd's "\\r\\n" both become "\\n"."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    for bom in _BOM_RENDERINGS:
        text = text.replace(bom, "")
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def lines_of(text: str) -> list[str]:
    return normalise_output(text).split("\n")
