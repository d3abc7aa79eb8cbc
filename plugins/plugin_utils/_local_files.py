# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the controller: a package's digest, and report files written so that no reader sees half of one.

Like _action.py this module does I/O (on the controller, never on a host); the actions that write reports or read
packages share it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ansible.errors import AnsibleActionFail


def file_digest(path: str, algorithm: str) -> str:
    """The hex digest of a file (`sha256`, `sha1`), read in blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path: Path, text: str) -> str:
    """Readers never see half a file: write beside it, then rename over it."""
    try:
        path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporary, 0o640)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise AnsibleActionFail(f"cannot write {path}: {error.strerror or error}") from None
    return str(path)
