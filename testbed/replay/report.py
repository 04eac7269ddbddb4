"""What a replay tells people: progress as it runs, a summary table, JSON, JUnit XML, HTML."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any, TextIO
from xml.etree import ElementTree as ET

from testbed.config import format_duration
from testbed.replay.runner import ScenarioResult, StepResult


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
    """JUnit XML: a testsuite per scenario, a testcase per step and per assertion."""
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
            file=r.file,
        )
        for name, failures, step in cases:
            case = ET.SubElement(suite, "testcase", classname=r.name, name=name)
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


def to_html(results: Sequence[ScenarioResult]) -> str:
    parts = [
        "<!doctype html><html lang='ko'><head><meta charset='utf-8'><title>Scenario report</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}"
        ".pass{color:#116329}.fail{color:#a40e26}td,th{padding:.2rem .5rem;text-align:left;"
        "vertical-align:top;border-bottom:1px solid #ddd}pre{white-space:pre-wrap;margin:0}</style>"
        "</head><body><h1>Scenario report</h1>",
    ]
    for r in results:
        status = "pass" if r.passed else "fail"
        parts.append(f"<h2 class='{status}'>{status.upper()} · {html.escape(r.name)}</h2>")
        parts.append(
            f"<p>{html.escape(r.file)}</p>"
            "<table><tr><th>step</th><th>name</th><th>time</th><th>result</th></tr>"
        )
        for s in r.steps:
            cls = "pass" if s.passed else "fail"
            detail = "" if s.passed else "<pre>" + html.escape("\n".join(s.failures)) + "</pre>"
            parts.append(
                f"<tr><td>{s.index}</td><td>{html.escape(s.name)}</td><td>{s.time}</td>"
                f"<td class='{cls}'>{cls}{detail}</td></tr>"
            )
        for what, failure in r.assertions:
            cls = "fail" if failure else "pass"
            parts.append(
                f"<tr><td></td><td>assert {html.escape(what)}</td><td></td>"
                f"<td class='{cls}'>{cls} {html.escape(failure)}</td></tr>"
            )
        parts.append("</table>")
        for error in r.errors:
            parts.append(f"<p class='fail'>{html.escape(error)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
