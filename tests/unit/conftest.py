"""Ansible's collection loader, installed before any test imports the collection, so that the connection plugin can
be loaded by name (connection_loader) the way Ansible loads it.

The collection comes from .venv/collections (this checkout, linked by `make venv`), or from VOLSNAP_COLLECTIONS_PATH:
`make compat` points it at the collection installed from the built tarball in each ansible-core's virtualenv."""

from __future__ import annotations

import os
from pathlib import Path

from ansible.plugins.loader import init_plugin_loader

CHECKOUT_COLLECTIONS = Path(__file__).resolve().parents[2] / ".venv" / "collections"
init_plugin_loader([os.environ.get("VOLSNAP_COLLECTIONS_PATH") or str(CHECKOUT_COLLECTIONS)])
