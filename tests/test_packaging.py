"""A non-editable install carries the data files the server needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.subprocess
def test_wheel_ships_banks_templates_networks_and_scenarios(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("kftc_testbed-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "testbed/_data/banks.yaml",
        "testbed/_data/networks/zengin.yaml",
        "testbed/_data/templates/index.html",
        "testbed/_data/scenarios/README.md",
        "testbed/cli.py",
        "testbed/scenario/scenario.schema.json",
        "testbed/py.typed",
        "samples/fintech_web/app.py",  # `testbed sample`
        "samples/fintech_web/templates/wallet.html",
    ):
        assert required in names, f"{required} missing from the wheel"
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    # the installed package finds its own copy, not the checkout's
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import testbed.resources as r;"
            " print(r.default_network_path()); print(r.templates_path())",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split() == [
        str(target / "testbed/_data/banks.yaml"),
        str(target / "testbed/_data/templates"),
    ]
