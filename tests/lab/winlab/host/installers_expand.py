"""expand.exe: extracts cabinet members (`expand -F:<files> <cabinet> <destination>`, -F before or after the source).

Syntax: Microsoft TechNet "Expand Command-Line Options" (Windows 7, dd744339): `expand [-r] source [destination]
[-d source.cab [-f:files]] [source.cab [-f:files destination]`. Output: expand.exe of Windows 7 (banner, one
"Adding … to Extraction Queue" line per member, "Expanding Files Complete ...", "N files total."); the 2003 tool
prints the same lines with its own version.
"""

from __future__ import annotations

import fnmatch
import ntpath

from winlab.host.filesystem import DiskFullError
from winlab.host.installers_common import DISK_FULL_TEXT, parse_switches, positionals
from winlab.host.tools import ToolContext, register_tool
from winlab.packages import PackageError, read_cab

FAILED = 1


def _banner(ctx: ToolContext) -> None:
    profile = ctx.machine.profile
    revision = 3959 if ctx.machine.is_2003 else 16385  # the tool's file version on 2003 SP2 / Vista-7 RTM
    ctx.print(f"Microsoft (R) File Expansion Utility  Version {profile.current_version}.{profile.build}.{revision}")
    ctx.print("Copyright (c) Microsoft Corporation. All rights reserved.")
    ctx.print()


@register_tool("expand")
def expand(ctx: ToolContext) -> int:
    _banner(ctx)
    pattern = parse_switches(ctx.argv).get("f")
    paths = positionals(ctx.argv)
    if len(paths) != 2:
        ctx.error("Invalid parameter.")
        return FAILED
    source, target = (ctx.resolve(p) for p in paths)
    entry = ctx.machine.files.read(source)
    if entry is None:
        ctx.error(f"Can't open input file: {source}.")
        return FAILED
    try:
        archive = read_cab(entry.data)
    except PackageError:
        ctx.error(f"Can't read from input file: {source}.")
        return FAILED
    wanted = (pattern or "*").lower()
    members = [name for name in archive if fnmatch.fnmatch(ntpath.basename(name).lower(), wanted)]
    if pattern is None and len(members) != 1:
        ctx.error(f"{source}: the cabinet holds {len(members)} files; name them with -F:")
        return FAILED
    single_file_target = pattern is None and not ctx.machine.files.is_dir(target)
    if not single_file_target and not ctx.machine.files.is_dir(target):
        ctx.error(f"Can't open output file: {target}.")
        return FAILED
    destinations = [target if single_file_target else ntpath.join(target, name) for name in members]
    for destination in destinations:
        ctx.print(f"Adding {destination} to Extraction Queue")
    ctx.print()
    ctx.print("Expanding Files ....")
    for name, destination in zip(members, destinations, strict=True):
        try:
            # Members with folders (component\file) land in those folders, as expand creates them.
            ctx.machine.files.mkdir(ntpath.dirname(destination))
            ctx.machine.files.write(destination, archive[name].buf or b"")
        except DiskFullError:
            ctx.error(f"Can't write to output file: {destination}. {ctx.text(*DISK_FULL_TEXT)}")
            return FAILED
    ctx.print()
    ctx.print("Expanding Files Complete ...")
    ctx.print(f"{len(members)} files total.")
    return 0
