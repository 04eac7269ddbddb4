"""What a replay tells people: progress as it runs, a summary table, JSON, JUnit XML, HTML.

The HTML report is one file for a whole run (a scenario or a directory of them): it opens
on the summary and the failures, each linked to its step, where the request, the answer
and the expectation stand side by side."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO
from xml.etree import ElementTree as ET

import jinja2

from testbed.config import format_duration
from testbed.replay.runner import MISSING, ScenarioResult, StepResult, lookup
from testbed.resources import templates_path


class Progress:
    """A progress line per step: redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, out: TextIO, total: int, name: str) -> None:
        self.out = out
        self.total = max(total, 1)
        self.name = name
        self.done = 0
        self.tty = out.isatty()

    def step(self, step: StepResult) -> None:
        self.done += 1
        mark = "✓" if step.passed else "✗"
        if self.tty:
            width = 24
            filled = min(width, width * self.done // self.total)
            bar = "█" * filled + "·" * (width - filled)
            line = f"{self.name} [{bar}] {self.done}/{self.total} {mark} {step.name[:50]}"
            self.out.write("\r\x1b[2K" + line)
            if not step.passed:
                self.out.write("\n")
        else:
            self.out.write(f"  {mark} {step.index} {step.name} ({step.time})\n")
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("\n")


def explain(result: ScenarioResult, out: TextIO) -> None:
    """Each failure with the step, the request, the response and the difference."""
    for step in result.steps:
        if step.passed:
            continue
        out.write(f"\n✗ {result.name} · step {step.index}: {step.name}\n")
        if step.request is not None:
            out.write("  request:  " + json.dumps(step.request, ensure_ascii=False) + "\n")
        if step.response is not None:
            out.write("  response: " + json.dumps(step.response, ensure_ascii=False) + "\n")
        for failure in step.failures:
            out.write(f"  - {failure}\n")
    for what, failure in result.assertions:
        if failure:
            out.write(f"\n✗ {result.name} · assert {what}: {failure}\n")
    for error in result.errors:
        out.write(f"\n✗ {result.name} · {error}\n")


def summary(results: Sequence[ScenarioResult], out: TextIO) -> None:
    rows = [
        (
            "PASS" if r.passed else "FAIL",
            r.name,
            f"{sum(s.passed for s in r.steps)}/{len(r.steps)}",
            f"{sum(not f for _, f in r.assertions)}/{len(r.assertions)}",
            format_duration(r.simulated),
        )
        for r in results
    ]
    header = ("", "scenario", "steps", "asserts", "simulated")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    out.write("\n")
    for row in [header, *rows]:
        out.write(
            "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
    failed = sum(not r.passed for r in results)
    out.write(f"\n{len(results) - failed} passed, {failed} failed\n")


def to_json(results: Sequence[ScenarioResult]) -> str:
    data: list[dict[str, Any]] = [
        {
            "file": r.file,
            "name": r.name,
            "passed": r.passed,
            "simulated_seconds": r.simulated,
            "steps": [s.record() for s in r.steps],
            "assertions": [{"what": w, "failure": f} for w, f in r.assertions],
            "errors": r.errors,
        }
        for r in results
    ]
    return json.dumps({"scenarios": data}, ensure_ascii=False, indent=2)


def to_junit(results: Sequence[ScenarioResult]) -> str:
    """JUnit XML: a testsuite per scenario, a testcase per step and per assertion, each
    with its wall `time`; a failure carries the step's request and answer."""
    suites = ET.Element("testsuites")
    for r in results:
        cases: list[tuple[str, list[str], StepResult | None]] = [
            (f"{s.index} {s.name}", s.failures, s) for s in r.steps
        ]
        cases += [(f"assert {w}", [f] if f else [], None) for w, f in r.assertions]
        cases += [("setup", [e], None) for e in r.errors]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=r.name,
            tests=str(len(cases)),
            failures=str(sum(bool(f) for _, f, _ in cases)),
            time=f"{sum(s.seconds for s in r.steps):.3f}",
            file=r.file,
        )
        for name, failures, step in cases:
            seconds = step.seconds if step is not None else 0.0
            case = ET.SubElement(
                suite, "testcase", classname=r.name, name=name, time=f"{seconds:.3f}"
            )
            if failures:
                failure = ET.SubElement(case, "failure", message=failures[0])
                detail = list(failures)
                if step is not None:
                    detail += [
                        "request: " + json.dumps(step.request, ensure_ascii=False),
                        "response: " + json.dumps(step.response, ensure_ascii=False),
                    ]
                failure.text = "\n".join(detail)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


# --- the HTML report --------------------------------------------------------------------

#: the answer's fields a failed step shows first: what QA reads to decide
ANSWER_FIELDS = ("rsp_code", "rsp_message", "bank_rsp_code", "bank_rsp_message")


def _request_text(request: dict[str, Any] | None) -> str:
    if request is None:
        return "—"
    head = f"{request.get('method', '')} {request.get('path', '')}"
    rest = {k: v for k, v in request.items() if k not in ("method", "path")}
    return head + ("\n" + json.dumps(rest, ensure_ascii=False, indent=1) if rest else "")


def _step_view(i: int, step: StepResult) -> dict[str, Any]:
    """A step as the page shows it: its request as text, the answer's telling fields, and
    each expectation beside what came."""
    response = step.response or {}
    body = response.get("body")
    answer: list[tuple[str, Any]] = [("HTTP", response.get("status", ""))] if response else []
    if isinstance(body, dict):
        answer += [(name, body[name]) for name in ANSWER_FIELDS if name in body]
    if response.get("warning"):
        answer.append(("X-Testbed-Warning", response["warning"]))
    expected = []
    for path, wanted in (step.expected or {}).items():
        got = response.get("status") if path == "status" else lookup(body, path)
        expected.append(
            {
                "field": path,
                "wanted": json.dumps(wanted, ensure_ascii=False),
                "got": "(없음 · missing)"
                if got is MISSING
                else json.dumps(got, ensure_ascii=False),
                "ok": not any(f.startswith(f"{path}:") for f in step.failures),
            }
        )
    return {
        "anchor": f"s{i}-step-{step.index}",
        "step": step,
        "request": _request_text(step.request),
        "answer": answer,
        "whole": json.dumps(body, ensure_ascii=False, indent=1) if response else "",
        "expected": expected,
    }


def to_html(results: Sequence[ScenarioResult]) -> str:
    """One page for a whole run (a file or a directory, `templates/replay_report.html`): a
    summary first (files, steps, passed, failed, time) with every failure linked, then each
    scenario, each failed step with its request, its answer (rsp_code, bank_rsp_code,
    messages) and what was expected side by side; a checkbox hides what passed. No
    script, nothing from elsewhere; it fits a phone."""
    scenarios = []
    failures: list[tuple[str, str, str]] = []  # (anchor, what, the first problem)
    for i, r in enumerate(results):
        views = [_step_view(i, s) for s in r.steps]
        scenarios.append({"i": i, "result": r, "steps": views})
        failures += [(f"s{i}", r.name, error) for error in r.errors]
        failures += [
            (view["anchor"], f"{r.name} · {s.index} {s.name}", s.failures[0])
            for s, view in zip(r.steps, views, strict=True)
            if not s.passed
        ]
        failures += [(f"s{i}", f"{r.name} · assert {w}", f) for w, f in r.assertions if f]
    steps = [s for r in results for s in r.steps]
    asserts = [f for r in results for _, f in r.assertions]
    failed = sum(not r.passed for r in results)
    summary = {
        "verdict": "FAIL" if failed else "PASS",
        "passed": len(results) - failed,
        "failed": failed,
        "files": len({r.file for r in results}),
        "scenarios": len(results),
        "steps": len(steps),
        "steps_passed": sum(s.passed for s in steps),
        "steps_failed": sum(not s.passed for s in steps),
        "asserts": f"{sum(not f for f in asserts)}/{len(asserts)}",
        "wall": f"{sum(s.seconds for s in steps):.2f}s",
        "simulated": format_duration(sum(r.simulated for r in results)),
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_path()),
        autoescape=True,
        keep_trailing_newline=True,
    )
    return env.get_template("replay_report.html").render(
        summary=summary, failures=failures, scenarios=scenarios, format_duration=format_duration
    )
