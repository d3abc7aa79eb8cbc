"""`winlab serve` in a process of its own, for what drives the lab from outside (the demo, the compat and benchmark
scripts, the integration tests): started, waited for until it has written its inventory, stopped with SIGTERM (on
which it stops its hosts and its KDC), killed only when it does not end in time."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The `winlab` console script of the virtualenv that runs the caller (where this package is installed).
WINLAB = Path(sys.executable).parent / "winlab"


class LabDidNotStart(RuntimeError):
    """`winlab serve` ended, or wrote no inventory in time; the message holds its log."""


@dataclass
class ServedLab:
    process: subprocess.Popen[bytes]
    inventory: Path
    state_dir: Path

    @classmethod
    def start(
        cls,
        hosts_file: Path,
        inventory: Path,
        state_dir: Path,
        log: Path,
        clock_rate: float = 1.0,
        timeout_s: float = 30.0,
    ) -> ServedLab:
        """Serve HOSTS.yml; return once the inventory exists. The lab's output goes to `log`."""
        args = [WINLAB, "serve", hosts_file, "--inventory", inventory, "--state-dir", state_dir]
        with log.open("wb") as output:  # the child keeps its own descriptor
            process = subprocess.Popen(
                [str(arg) for arg in args] + ["--clock-rate", str(clock_rate)], stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout_s
        while not inventory.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise LabDidNotStart(f"winlab serve did not come up within {timeout_s:g} s:\n{log.read_text()}")
            time.sleep(0.05)
        return cls(process, inventory, state_dir)

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM, then a kill if it has not ended within `grace_s`. Nothing to do once it has ended."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServedLab:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
