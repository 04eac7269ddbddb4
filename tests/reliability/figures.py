"""The reliability tests' figures and seed, for their long runs (`make soak`, bench/soak.py).

`RELIABILITY_FIGURES=DIR` makes each test write what it did (cases sent, kills, transfers,
simulated time...) as DIR/<name>.json, failures included; unset, nothing is written.
`RELIABILITY_SEED=N` replaces the fixed seed of the tests that draw their own randomness,
so a long run can be replayed from the seed it printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def seed(default: int) -> int:
    """The seed of this run: RELIABILITY_SEED, else the test's own fixed one."""
    return int(os.environ.get("RELIABILITY_SEED", default))


def write(name: str, figures: dict[str, Any]) -> None:
    """Write `figures` as RELIABILITY_FIGURES/<name>.json (nothing when it is unset)."""
    folder = os.environ.get("RELIABILITY_FIGURES")
    if folder:
        path = Path(folder) / f"{name}.json"
        path.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")
