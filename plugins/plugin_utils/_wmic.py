# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`wmic … /value` output → records.

Format (tests/lab/FIDELITY.md, wmic rows; Microsoft's WMIC reference; ss64.com/nt/wmic.html): `Key=Value` lines
ending in "\\r\\r\\n", instances separated by blank lines, values space-padded; UTF-16LE when redirected to a file (The
Wiert Corner, "Coping with UTF-16 / UCS-2 little endian in Batch files: numbers from WMIC", wiert.me 2016); "No
Instance(s) Available." when empty. Always run with `< nul`: wmic waits for input otherwise.
"""

from __future__ import annotations

from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of


def datafile_version_command(path_expression: str) -> str:
    """wmic wants backslashes doubled inside `where name="…"`; %SystemRoot:\\=\\\\% does that for the root."""
    return f'wmic datafile where name="{path_expression}" get Version /value < nul'


def parse_wmic_values(text: str) -> list[dict[str, str]]:
    """One dict per instance; keys as printed, values stripped of padding."""
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in lines_of(text):
        stripped = line.strip()
        if not stripped:
            if current:
                records.append(current)
                current = {}
            continue
        key, sep, value = stripped.partition("=")
        if sep and key and " " not in key:
            current[key] = value.strip()
    if current:
        records.append(current)
    return records
