"""The collection builds, and an execution environment can be defined from it (ansible-builder's create step).

No container engine runs here, so the image is not built; `create` resolves the definition, the collection's
requirements and bindep into a build context, which is what can go wrong in this project.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _build_collection(out: Path) -> Path:
    subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", "--output-path", str(out), "--force", str(ROOT)],
        check=True,
        capture_output=True,
    )
    (tarball,) = out.glob("winfix-volsnap-*.tar.gz")
    return tarball


def test_built_collection_holds_content_and_leaves_out_the_project_tooling(tmp_path: Path) -> None:
    tarball = _build_collection(tmp_path)
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {"MANIFEST.json", "meta/runtime.yml", "README.md", "COPYING"} <= names
    assert "plugins/modules/volsnap_facts.py" in names
    leaked = [n for n in names if n.startswith(("tests/lab", "tests/integration", ".venv", ".ci", "scripts"))]
    assert leaked == []
    assert "ansible.cfg" not in names


def test_execution_environment_definition_resolves_to_a_build_context(tmp_path: Path) -> None:
    tarball = _build_collection(tmp_path)
    shutil.move(tarball, tmp_path / "winfix-volsnap.tar.gz")
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copy(ROOT / name, tmp_path / name)

    subprocess.run(
        [BIN / "ansible-builder", "create", "--context", "context", "--output-filename", "Containerfile"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )

    build = tmp_path / "context" / "_build"
    assert (tmp_path / "context" / "Containerfile").is_file()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert [c["name"] for c in galaxy["collections"]] == ["winfix.volsnap"]
    assert (build / "winfix-volsnap.tar.gz").is_file()
    assert "pywinrm[kerberos,credssp]" in (build / "requirements.txt").read_text()
    assert "libkrb5-dev" in (build / "bindep.txt").read_text()
