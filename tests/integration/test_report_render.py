"""The HTML report as a person sees it: rendered by headless Chromium, the status chart checked on the screenshot."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from conftest import DEFAULTS, W7, run_ansible
from PIL import Image

GREEN, RED = (0x2E, 0x7D, 0x32), (0xC6, 0x28, 0x28)  # compliant, vulnerable (roles/report/templates)


def _longest_run(image: Image.Image, colour: tuple[int, int, int]) -> int:
    pixels = image.convert("RGB").load()
    width, height = image.size
    best = 0
    for y in range(height):
        run = 0
        for x in range(width):
            run = run + 1 if pixels[x, y] == colour else 0
            best = max(best, run)
    return best


def test_status_chart_on_the_screenshot(lab_factory: Any, tmp_path: Path) -> None:
    lab = lab_factory(
        {
            "defaults": DEFAULTS,
            "hosts": {
                "old-1": W7,
                "old-2": W7,
                "fixed": {**W7, "build": 7601, "csd_version": "Service Pack 1", "volsnap_version": "6.1.7601.17514"},
            },
        }
    )
    report = tmp_path / "report"
    done = run_ansible(
        "ansible-playbook", "-i", str(lab.inventory), "playbooks/audit.yml", "-e", f"volsnap_report_dir={report}"
    )
    assert done.returncode == 0, done.stdout[-2000:]
    browser = shutil.which("chromium")
    assert browser, "make test installs Debian's chromium (make browser)"
    png = tmp_path / "report.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1100,900",
            f"--screenshot={png}",
            (report / "report.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = Image.open(png)
    red, green = _longest_run(image, RED), _longest_run(image, GREEN)
    # Two vulnerable hosts and one compliant: the red bar is twice the green one (both wider than a table badge).
    assert green > 100 and 1.7 < red / green < 2.3, (red, green)
