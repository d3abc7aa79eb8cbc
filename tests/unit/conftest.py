"""Ansible's collection loader, installed before any test imports the collection, so that the connection plugin can
be loaded by name (connection_loader) the way Ansible loads it."""

from __future__ import annotations

from pathlib import Path

from ansible.plugins.loader import init_plugin_loader

init_plugin_loader([str(Path(__file__).resolve().parents[2] / ".venv" / "collections")])
