"""`winlab serve | stats | packages` (the command line other checks rely on)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from winlab.profile import LabConfig, ProfileError, load_hosts_file


def _serve(args: argparse.Namespace) -> int:
    try:
        config = load_hosts_file(Path(args.hosts))
    except (OSError, ProfileError) as error:
        print(f"winlab: {error}", file=sys.stderr)
        return 2
    if args.clock_rate <= 0:
        print("winlab: --clock-rate must be positive", file=sys.stderr)
        return 2
    state_dir = Path(args.state_dir) if args.state_dir else Path(tempfile.mkdtemp(prefix="winlab-"))
    asyncio.run(_run_until_signalled(config, state_dir, Path(args.inventory), args.clock_rate))
    return 0


async def _run_until_signalled(config: LabConfig, state_dir: Path, inventory: Path, clock_rate: float) -> None:
    from winlab.server import LabServer, write_inventory

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = LabServer(config, state_dir, clock_rate)
    try:
        await server.start()
        write_inventory(inventory, server.listings)  # only now: every host listens
        print(
            f"winlab: {len(server.listings)} host(s) listening; inventory {inventory}; state {state_dir}",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()
    finally:
        await server.stop()


def _stats(args: argparse.Namespace) -> int:
    from winlab.stats import read_stats

    try:
        counters = read_stats(Path(args.state_dir))
    except (OSError, ValueError) as error:
        print(f"winlab: no stats in {args.state_dir}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({name: asdict(c) for name, c in counters.items()}, indent=1, sort_keys=True))
    return 0


def _packages(args: argparse.Namespace) -> int:
    from winlab.packages import write_packages  # the servicing side of the lab

    for path in write_packages(Path(args.out_dir)):
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winlab", description="Simulated legacy Windows hosts over WS-Management")
    verbs = parser.add_subparsers(dest="verb", required=True)
    serve = verbs.add_parser("serve", help="serve the hosts of HOSTS.yml until SIGINT/SIGTERM")
    serve.add_argument("hosts", metavar="HOSTS.yml")
    serve.add_argument("--inventory", required=True, metavar="INVENTORY.ini", help="written once every host listens")
    serve.add_argument("--state-dir", metavar="DIR", help="host state and stats.json (default: a new temp dir)")
    serve.add_argument("--clock-rate", type=float, default=1.0, metavar="R", help="lab seconds per real second")
    serve.set_defaults(run=_serve)
    stats = verbs.add_parser("stats", help="print per-host request, byte, command and shell counters as JSON")
    stats.add_argument("--state-dir", required=True, metavar="DIR")
    stats.set_defaults(run=_stats)
    packages = verbs.add_parser("packages", help="write the lab's update packages")
    packages.add_argument("out_dir", metavar="OUT_DIR")
    packages.set_defaults(run=_packages)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
