"""Simulated legacy Windows hosts behind the api.py seam."""

from __future__ import annotations

from pathlib import Path

from winlab.clock import LabClock
from winlab.host import (  # noqa: F401
    builtins,
    tools_certutil,
    tools_misc,
    tools_power,
    tools_reg,
    tools_servicing,
    tools_wmic,
)
from winlab.host.provision import provision
from winlab.host.shell import SimulatedHost
from winlab.profile import HostProfile


def create_host(
    profile: HostProfile, state_dir: Path | None, clock_rate: float = 1.0, clock: LabClock | None = None
) -> SimulatedHost:
    """A host in its initial state. Tools register themselves on import (above)."""
    return SimulatedHost(provision(profile, clock or LabClock(clock_rate), state_dir))
