"""The architecture's promises, checked on the source: the layers themselves are
import-linter's contracts (pyproject.toml, run by `make lint`); these are the rest."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import testbed
from testbed.api.routes import OPERATIONS

PACKAGE = Path(testbed.__file__).parent
API = sorted((PACKAGE / "api").glob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_of_the_api_layer_runs_the_model_itself() -> None:
    """SimPy is the model's business: handlers make one gateway call."""
    offenders = [
        path.name
        for path in API
        if any(n == "simpy" or n.startswith("simpy.") for n in _imports(_tree(path)))
    ]
    assert offenders == []


def test_every_request_handler_is_short() -> None:
    """parse -> one gateway call -> durable -> render: at most 40 lines a handler (and
    each async helper a handler hands on to, such as the fin_num/acnt_num pairs' shared
    half)."""
    handlers = {op.handler.__name__ for op in OPERATIONS}
    lengths: dict[str, int] = {}
    for path in API:
        for node in _tree(path).body:
            if isinstance(node, ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lengths[f"{path.name}:{node.name}"] = node.end_lineno - node.lineno + 1
    found = {key.split(":")[1] for key in lengths}
    assert handlers <= found, handlers - found  # the check sees every handler
    assert {k: n for k, n in lengths.items() if n > 40} == {}


def test_the_centre_closed_code_is_decided_in_one_place() -> None:
    """How a bank's (or the centre's) answer becomes a KFTC code is written once:
    `BankAnswer.of` in the gateway. A0020 (the centre closed) is the tell-tale."""
    places = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(
            isinstance(node, ast.Constant) and node.value == "A0020"
            for node in ast.walk(_tree(path))
        )
    )
    assert places == ["network/codes.py", "network/gateway/base.py"]


def test_the_architecture_map_names_only_files_that_exist() -> None:
    """docs/architecture.md matches the code: every module it names is there."""
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:[a-z_]+/)*[a-z_]+\.py)\b", text))
    assert len(named) > 20  # the check reads the map
    missing = sorted(
        name
        for name in named
        if not (PACKAGE.parent / name).exists()  # a path from the repository's top
        and not any((PACKAGE / prefix / name).exists() for prefix in ("", *_PACKAGES))
    )
    assert missing == []


_PACKAGES = ("api", "network", "network/gateway", "network/faults", "web", "web/control", "config")
_PACKAGES += ("store", "scenario", "replay", "web/consent", "web/portal")


def _defined(path: Path) -> set[str]:
    """Every function and class name a module defines, at any depth (methods too)."""
    return {
        node.name
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_where_each_rule_lives_names_code_and_tests_that_exist() -> None:
    """docs/architecture.md's "Where each rule lives": every file, function and test it
    names is there (a renamed rule or test fails here, not in a newcomer's search)."""
    root = PACKAGE.parent
    text = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Where each rule lives", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| [^|]+ \| `([^`]+)::(\w+)` \| `([^`]+)::(\w+)` \|$", section, re.M)
    assert len(rows) >= 15
    for code, name, test, test_name in rows:
        assert name in _defined(root / code), f"{code} defines no {name}"
        assert test_name in _defined(root / test), f"{test} has no {test_name}"
    for must in ("withdraw limits", "23:30 cutover", "which test user"):
        assert must in section


def test_a_module_over_500_lines_says_which_one_concept_it_is() -> None:
    """One concern per module (issue 23): a module past ~500 lines is one concept, and its
    docstring says which."""
    long = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if len(path.read_text(encoding="utf-8").splitlines()) > 500
        and "one concept" not in " ".join((ast.get_docstring(_tree(path)) or "").lower().split())
    )
    assert long == []
