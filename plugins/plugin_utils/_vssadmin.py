# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`vssadmin list shadows` output → the number of shadow copies.

Format (vssadmin 1.1 on 2003-2008 R2): a banner `vssadmin 1.1 - …`, then per snapshot set
`Contents of shadow copy set ID: {…}` and, indented, `Shadow Copy ID: {…}` per copy. The labels are localised, so
copies are counted by shape (an indented `label: {GUID}` line), never by the words; with none, a localised
"No items found…" line follows the banner.
"""

from __future__ import annotations

import re

from ansible_collections.winfix.volsnap.plugins.plugin_utils._text import lines_of

LIST_SHADOWS_COMMAND = "vssadmin list shadows"
_GUID = r"\{[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\}"
_COPY_ID_RE = re.compile(rf"^ {{4,8}}\S[^:]*:\s*{_GUID}\s*$")


def count_shadow_copies(text: str) -> int | None:
    """The number of shadow copies; None when the text is not vssadmin's (its banner is missing)."""
    lines = lines_of(text)
    if not any(line.lower().startswith("vssadmin ") for line in lines):
        return None
    return sum(1 for line in lines if _COPY_ID_RE.match(line))
