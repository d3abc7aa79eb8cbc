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

import pytest
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


# The two definitions: the current base, and an older one with ansible-core 2.15 on Python 3.9 (README: Compatibility).
DEFINITIONS = {
    "execution-environment.yml": {
        "base": "quay.io/ansible/awx-ee:latest",
        "core": "ansible-core>=2.19,<2.20",
        "python": None,  # the base image's own
    },
    "execution-environment-2.15.yml": {
        "base": "quay.io/centos/centos:stream9",
        "core": "ansible-core>=2.15,<2.16",
        "python": "/usr/bin/python3",  # Python 3.9 on CentOS Stream 9
    },
}


@pytest.mark.parametrize("definition", sorted(DEFINITIONS))
def test_execution_environment_definition_resolves_to_a_build_context(tmp_path: Path, definition: str) -> None:
    tarball = _build_collection(tmp_path)
    shutil.move(tarball, tmp_path / "winfix-volsnap.tar.gz")
    for name in (definition, "requirements.txt", "bindep.txt"):
        shutil.copy(ROOT / name, tmp_path / name)

    subprocess.run(
        [
            BIN / "ansible-builder",
            "create",
            "--file",
            definition,
            "--context",
            "context",
            "--output-filename",
            "Containerfile",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )

    build = tmp_path / "context" / "_build"
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    wanted = DEFINITIONS[definition]
    assert f'ARG EE_BASE_IMAGE="{wanted["base"]}"' in containerfile
    install_refs = next(line for line in containerfile.splitlines() if line.startswith("ARG ANSIBLE_INSTALL_REFS="))
    assert wanted["core"] in install_refs
    if wanted["python"]:
        assert f'ARG PYCMD="{wanted["python"]}"' in containerfile
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert [c["name"] for c in galaxy["collections"]] == ["winfix.volsnap"]
    assert (build / "winfix-volsnap.tar.gz").is_file()
    assert "pywinrm[kerberos,credssp]" in (build / "requirements.txt").read_text()
    assert "libkrb5-dev" in (build / "bindep.txt").read_text()


def test_both_definitions_install_an_ansible_core_the_collection_supports() -> None:
    """meta/runtime.yml's requires_ansible admits the ansible-core each definition pins, and the older definition pins
    the oldest version `make compat` tests."""
    from packaging.specifiers import SpecifierSet

    requires = SpecifierSet(yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["requires_ansible"])
    for name, wanted in DEFINITIONS.items():
        pinned = yaml.safe_load((ROOT / name).read_text())["dependencies"]["ansible_core"]["package_pip"]
        assert pinned == wanted["core"], name
        lowest = pinned.split(">=")[1].split(",")[0]
        assert f"{lowest}.0" in requires, (name, str(requires))
    assert "2.14.99" not in requires and "2.15.0" in requires
