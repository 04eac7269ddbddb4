"""Scenario files: loading, and every check that can be made without running them.

A scenario is YAML. `load_scenario` reads it with line numbers, holds it to the
shipped JSON Schema (`scenario.schema.json`), then checks what a schema cannot: names
that steps and assertions refer to, bank codes, fault specs, times and durations.
Every problem is a `SourceError` naming the file, the line and the field; `check`
collects them all so that a QA engineer fixes a file in one pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from testbed.clock import ClockError, parse_kst
from testbed.config import (
    NetworkConfig,
    SourceDoc,
    SourceError,
    load_network,
    load_yaml,
    parse_duration,
    parse_network,
    parse_time_of_day,
    parse_yaml,
)
from testbed.config.spelling import nearest
from testbed.resources import network_path

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
DEFAULT_START = "2026-03-02T10:00:00+09:00"  # a Monday morning
DEFAULT_SEED = 20191218
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


class ScenarioError(Exception):
    """A scenario file that cannot run: every problem found in it."""

    def __init__(self, problems: list[SourceError]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Scenario:
    file: str
    doc: SourceDoc
    network: NetworkConfig

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def seed(self) -> int:
        return int(self.data.get("seed", DEFAULT_SEED))

    @property
    def start(self) -> str:
        return str(self.data.get("start", DEFAULT_START))


def _plain(value: Any) -> Any:
    """YAML reads an unquoted timestamp as a datetime: the scenario means the text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _json_path(parts: Any) -> str:
    path = ""
    for part in parts:
        path = (
            f"{path}[{part}]"
            if isinstance(part, int)
            else (f"{path}.{part}" if path else str(part))
        )
    return path


def _schema_problems(doc: SourceDoc, text: str = "") -> list[SourceError]:
    problems = []
    validator = Draft7Validator(schema())
    for error in sorted(
        validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))
    ):
        path = _json_path(error.absolute_path)
        message = error.message
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = (
                sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
            )
            for key in sorted(set(error.instance) - set(allowed)):
                close = nearest(str(key), allowed)
                hint = f"did you mean '{close}'? " if close else ""
                problems.append(
                    doc.error(
                        f"{path}.{key}" if path else str(key),
                        f"unknown field; {hint}this place takes {', '.join(allowed)}",
                    )
                )
            continue
        elif error.validator in ("oneOf", "anyOf") and isinstance(error.schema, dict):
            message = f"{message}: expected {error.schema.get('description', 'another form')}"
        elif (
            error.validator == "type"
            and error.validator_value == "string"
            and isinstance(error.instance, int | float)
            and not isinstance(error.instance, bool)
        ):
            message = _unquoted(error.instance, _as_written(text, doc.line_of(path), path))
        elif error.validator == "enum":
            message = (
                f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
            )
        problems.append(doc.error(path, message))
    return problems


def _as_written(text: str, line: int | None, path: str) -> str:
    """The value of `path`'s last key as the file writes it on `line` ("" if not found)."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    key = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
    found = re.search(rf"(?:^|[\s{{,-]){re.escape(key)}\s*:\s*([^\s,}}#]+)", lines[line - 1])
    return found.group(1) if found else ""


def _unquoted(value: float, written: str) -> str:
    """Why YAML made a number of what the file meant as text, and what to write instead:
    YAML 1.1 reads 020 as octal (16) and 23:40 as base 60 (1420)."""
    if written and written != str(value):
        return f"{written} is read as the number {value}: write '{written}' (in quotes)"
    return f"{value} is a number here: this field takes text, e.g. '{value}' (in quotes)"


def scenario_network(doc: SourceDoc) -> NetworkConfig:
    """The scenario's bank network: its `banks.file` (kftc by default) with its overrides."""
    banks = doc.data.get("banks", {})
    path = network_path(banks.get("file", "kftc"))
    overrides = banks.get("overrides", {})
    if not overrides:
        return load_network(path)
    base = load_yaml(path)
    institutions = base.data.get("institutions", [])
    for code, changes in overrides.items():
        entry = next((i for i in institutions if i.get("code") == str(code)), None)
        if entry is None:
            raise doc.error(f"banks.overrides.{code}", f"no institution {code} in {path}")
        entry.update(changes)
    try:
        return parse_network(SourceDoc(str(path), base.data, {}))
    except SourceError as e:
        where = e.path.split(".", 1)[-1] if "." in e.path else e.path
        raise doc.error("banks.overrides", f"{where}: {e.problem}") from None


class _Checker:
    """The checks a schema cannot make; collects every problem."""

    def __init__(self, doc: SourceDoc, network: NetworkConfig) -> None:
        self.doc = doc
        self.network = network
        self.problems: list[SourceError] = []
        data = doc.data
        fixtures = data.get("fixtures", {})
        self.institutions = set(fixtures.get("institutions", {})) or {"fintech"}
        self.users = fixtures.get("users", {})
        self.accounts = {
            f"{user}.{account.get('name') or i}"
            for user, spec in self.users.items()
            for i, account in enumerate(spec.get("accounts", []))
        } | {
            f"{user}.{i}"
            for user, spec in self.users.items()
            for i in range(len(spec.get("accounts", [])))
        }
        codes = {i.code for i in network.institutions} | {
            a.code for i in network.institutions for a in i.aliases
        }
        self.codes = codes

    def fail(self, path: str, problem: str) -> None:
        self.problems.append(self.doc.error(path, problem))

    def run(self) -> list[SourceError]:
        data = self.doc.data
        for key in ("start",):
            if key in data:
                try:
                    parse_kst(str(data[key]))
                except ClockError as e:
                    self.fail(key, str(e))
        for name in [*self.institutions, *self.users]:
            if not NAME.match(name):
                self.fail(
                    f"fixtures.{name}",
                    "names are letters, digits and _ (they appear in {{templates}})",
                )
        for name in self.institutions & set(self.users):
            self.fail(f"fixtures.users.{name}", "an institution has this name already")
        for name, user in self.users.items():
            where = f"fixtures.users.{name}"
            institution = user.get("institution")
            if institution is not None and institution not in self.institutions:
                self.fail(
                    f"{where}.institution",
                    f"one of the fixtures' institutions: {', '.join(sorted(self.institutions))}",
                )
            for i, account in enumerate(user.get("accounts", [])):
                if account.get("bank") not in self.codes:
                    self.fail(f"{where}.accounts[{i}].bank", f"a bank code of {self.network.file}")
        for i, entry in enumerate(data.get("timeline", [])):
            self.moment(f"timeline[{i}].at", entry.get("at"))
            self.action(f"timeline[{i}]", entry)
        self.steps("steps", data.get("steps", []))
        for account in data.get("assert", {}).get("balances", {}):
            if account not in self.accounts:
                self.fail(
                    f"assert.balances.{account}", "user.account (the account's name or its index)"
                )
        return self.problems

    def moment(self, path: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        try:
            if value.startswith("+"):
                parse_duration(value[1:])
            elif re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value):
                parse_time_of_day(value)
            else:
                parse_kst(value)
        except (ValueError, ClockError) as e:
            self.fail(path, f"{e}; expected an ISO time, '+10m' or 'HH:MM'")

    def action(self, path: str, entry: dict[str, Any]) -> None:
        for key in ("cash", "status"):
            if key in entry and entry[key].get("account") not in self.accounts:
                self.fail(f"{path}.{key}.account", "user.account (the account's name or its index)")
        if "traffic" in entry:
            try:
                parse_duration(entry["traffic"]["for"])
            except ValueError as e:
                self.fail(f"{path}.traffic.for", str(e))

    def steps(self, path: str, steps: list[dict[str, Any]]) -> None:
        for i, step in enumerate(steps):
            where = f"{path}[{i}]"
            kinds = [k for k in ("call", "path", "wait", "repeat", "do") if k in step]
            if len(kinds) != 1:
                self.fail(
                    where,
                    "a step is one of: call (or method + path), wait, repeat (with steps), do",
                )
                continue
            if "path" in step and "method" not in step:
                self.fail(f"{where}.method", "a step by path says its method")
            if "repeat" in step and "steps" not in step:
                self.fail(f"{where}.steps", "repeat runs the steps under it")
            who = step.get("as")
            if who is not None and who not in self.institutions | set(self.users) | {
                "admin",
                "nobody",
            }:
                self.fail(
                    f"{where}.as", "an institution or user of the fixtures, 'admin' or 'nobody'"
                )
            if "wait" in step:
                wait = step["wait"]
                if "until" in wait:
                    self.moment(f"{where}.wait.until", wait["until"])
                if "for" in wait:
                    try:
                        parse_duration(wait["for"])
                    except ValueError as e:
                        self.fail(f"{where}.wait.for", str(e))
            if "do" in step:
                self.action(f"{where}.do", step["do"])
            if "steps" in step:
                self.steps(f"{where}.steps", step["steps"])


def load_scenario(path: str | Path) -> Scenario:
    """A scenario ready to run, or a ScenarioError with every problem in it."""
    try:
        doc = load_yaml(path)
    except SourceError as e:
        raise ScenarioError([e]) from None
    return _scenario(doc, Path(path).read_text(encoding="utf-8"))


def parse_scenario(text: str, file: str = "<request>") -> Scenario:
    """The same, from text (a scenario posted to a running server)."""
    try:
        doc = parse_yaml(text, file)
    except SourceError as e:
        raise ScenarioError([e]) from None
    return _scenario(doc, text)


def _scenario(doc: SourceDoc, text: str) -> Scenario:
    doc.data = _plain(doc.data)
    problems = _schema_problems(doc, text)
    if problems:
        raise ScenarioError(problems)
    try:
        network = scenario_network(doc)
    except SourceError as e:
        raise ScenarioError([e]) from None
    problems = _Checker(doc, network).run()
    if problems:
        raise ScenarioError(problems)
    return Scenario(doc.file, doc, network)
