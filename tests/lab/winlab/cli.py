"""`winlab serve | packages | stats` (the interface other checks rely on)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
from pathlib import Path

from winlab.profile import ProfileError, load_hosts_file


def _serve(args: argparse.Namespace) -> int:
    from winlab.server import LabServer, write_inventory

    try:
        config = load_hosts_file(Path(args.hosts))
    except (OSError, ProfileError) as error:
        print(f"winlab: {error}", file=sys.stderr)
        return 2
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="winlab-"))

    async def run() -> None:
        server = LabServer(config, state_dir, args.clock_rate)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await server.start()
        write_inventory(Path(args.inventory), server.listings)
        print(
            f"winlab: {len(server.listings)} host(s) listening; inventory {args.inventory}; state {state_dir}",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()
        await server.stop()

    asyncio.run(run())
    return 0


def _packages(args: argparse.Namespace) -> int:
    from winlab.packages import write_packages

    for path in write_packages(Path(args.out_dir)):
        print(path)
    return 0


def _stats(args: argparse.Namespace) -> int:
    from winlab.stats import read_stats

    print(json.dumps(read_stats(Path(args.state_dir)), indent=1, sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="winlab", description="Simulated legacy Windows hosts over WS-Management")
    sub = parser.add_subparsers(dest="verb", required=True)
    serve = sub.add_parser("serve", help="serve the hosts of HOSTS.yml until SIGINT/SIGTERM")
    serve.add_argument("hosts")
    serve.add_argument("--inventory", required=True)
    serve.add_argument("--state-dir")
    serve.add_argument("--clock-rate", type=float, default=1.0, help="lab seconds per real second")
    serve.set_defaults(run=_serve)
    packages = sub.add_parser("packages", help="write the lab's update packages and SHA256SUMS")
    packages.add_argument("out_dir")
    packages.set_defaults(run=_packages)
    stats = sub.add_parser("stats", help="print per-host request and byte counters")
    stats.add_argument("--state-dir", required=True)
    stats.set_defaults(run=_stats)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
