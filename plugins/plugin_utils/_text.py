# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalise command output text before parsing: line endings, UTF-16 that slipped through a code page decode."""

from __future__ import annotations

# A UTF-16LE byte order mark as it looks after decoding with common code pages or Latin-1.
_BOM_RENDERINGS = ("\ufeff", "\xff\xfe", "\xa0\u25a0")


def normalise_output(text: str) -> str:
    """Text with "\\n" line ends. UTF-16LE text decoded byte by byte (every other character NUL, e.g. wmic output
    that went through a file) is folded back; wmic's "\\r\\r\\n" and cmd's "\\r\\n" both become "\\n"."""
    for bom in _BOM_RENDERINGS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    if text and text.count("\x00") * 3 >= len(text):
        text = text.replace("\x00", "")
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def lines_of(text: str) -> list[str]:
    return normalise_output(text).split("\n")
