# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Getting a Kerberos ticket for one winrs connection: kinit into a credential cache nobody else uses.

Like _action.py, and unlike the rest of plugin_utils, this module does I/O: it runs kinit and owns a temporary
directory. It is what ansible.builtin.winrm does in `_kerb_auth` (a private cache per connection, the password on
kinit's standard input), with the cache in a directory of its own (mode 0700) that is removed when the connection
closes, or at the latest when the process exits. The password never reaches a command line, the environment or
a message; every decision (arguments, environment, what a failure means) is in _kerberos.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import weakref
from collections.abc import Iterable

from ansible_collections.winfix.volsnap.plugins.plugin_utils._kerberos import (
    Failure,
    KerberosProblem,
    classify,
    kinit_command,
    kinit_environment,
)

KINIT_TIMEOUT_S = 60  # MIT kinit tries each KDC a few times; far above that means it is waiting for something else


class KinitError(Exception):
    """kinit could not get a ticket; `problem` says why (no secret in it)."""

    def __init__(self, problem: KerberosProblem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


class PrivateCredentialCache:
    """A FILE credential cache in a fresh directory only this process's user can read."""

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="winrs-krb5-")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.directory, True)

    @property
    def name(self) -> str:
        """The value for KRB5CCNAME."""
        return "FILE:" + os.path.join(self.directory, "ccache")

    def remove(self) -> None:
        self._finalizer()


def kinit(
    principal: str,
    password: str,
    *,
    command: str = "kinit",
    args: str | None = None,
    delegate: bool = False,
    pass_through: Iterable[str] = (),
) -> PrivateCredentialCache:
    """A ticket-granting ticket for `principal` in a new private cache; KinitError (and no cache left) if not."""
    cache = PrivateCredentialCache()
    argv = kinit_command(command, args, delegate, principal)
    environment = kinit_environment(os.environ, cache.name, pass_through)
    try:
        # A new session: no controlling terminal, so kinit reads the password from stdin (as ansible.builtin.winrm).
        result = subprocess.run(
            argv,
            input=password.encode("utf-8") + b"\n",
            capture_output=True,
            env=environment,
            timeout=KINIT_TIMEOUT_S,
            start_new_session=True,
            check=False,
        )
    except OSError as error:
        cache.remove()
        raise KinitError(KerberosProblem(Failure.OTHER, f"cannot run {command}: {error.strerror}")) from None
    except subprocess.TimeoutExpired:
        cache.remove()
        raise KinitError(KerberosProblem(Failure.OTHER, f"{command} did not finish in {KINIT_TIMEOUT_S} s")) from None
    if result.returncode != 0:
        cache.remove()
        message = result.stderr.decode("utf-8", "replace") or result.stdout.decode("utf-8", "replace")
        raise KinitError(classify(message, password))
    return cache
