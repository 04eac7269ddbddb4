"""Every scenario the docs show is real: each YAML block of README.md and docs/*.md that
is a whole scenario (it has a top-level `name:`) passes `testbed check` and replays green."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from testbed.replay.runner import run_scenario
from testbed.scenario.model import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        blocks = re.findall(r"```ya?ml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
        for i, block in enumerate(blocks, start=1):
            if re.search(r"^name:", block, re.M):
                found.append((f"{doc.name}#{i}", block))
    return found


EXAMPLES = examples()


def test_the_docs_show_at_least_the_whole_file() -> None:
    assert any(name.startswith("scenarios.md") for name, _ in EXAMPLES)


@pytest.mark.parametrize(("name", "text"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_a_doc_example_replays(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / (re.sub(r"\W", "_", name) + ".yaml")
    path.write_text(text, encoding="utf-8")
    result = asyncio.run(run_scenario(load_scenario(path)))
    assert result.passed, "\n".join(result.failures)
    assert result.steps and result.assertions
