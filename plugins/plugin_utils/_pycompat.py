# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard-library names of Python 3.11 that the controller code needs on Python 3.9 and 3.10 too.

ansible-core 2.15 runs its controller on Python 3.9 to 3.11 (2.16 and 2.17 on 3.10 to 3.12), so every plugin and
plugin_utils module must import and behave alike from Python 3.9 on. This module is the one place that stands in for
what 3.9 lacks; the ansible-core differences live in _compat.py. Pure: no I/O, no Ansible.
"""

from __future__ import annotations

import datetime as dt
import enum

# datetime.UTC is 3.11's alias of this object.
UTC = dt.timezone.utc


class StrEnum(str, enum.Enum):
    """enum.StrEnum (3.11) for Python 3.9 and later: members are str, and str() and format() give the value.

    A plain (str, Enum) member prints as `Status.COMPLIANT` with str(), and its format() changed in 3.12 (it now
    follows str()); both are pinned to the value here, so f-strings, str() and the reports read the same on every
    Python."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)
