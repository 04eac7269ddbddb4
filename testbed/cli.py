"""The `testbed` command line, the top layer: `serve`, `check`, `replay`, `ca`, `rekey`,
`datakey`, `sample`, `readiness`, `wait`.

- `serve` runs the server (`testbed.web`), optionally with a scenario's world loaded
  (`--scenario`) or the traffic recorded as a scenario (`--record`).
- `check` validates scenario files without running them (`testbed.scenario`).
- `replay` runs scenario files on a virtual clock and reports (`testbed.replay`).
- `ca` shows (and makes, once) the local CA of `serve --tls` (`testbed.tls`).
- `rekey` rotates the key that encrypts a database; `datakey` prints a fresh key for
  TESTBED_DATA_KEY (`testbed.store.rekey`, `testbed.store.crypto`).
- `sample` runs the sample fintech web app (`samples.fintech_web`, a separate package
  that talks to the testbed over HTTP only) against a running testbed.
- `readiness` starts a go-live readiness run of an institution on a running testbed, lays
  its drills, finishes it and reports (a summary, JUnit XML, the HTML page) with an exit
  code a CI gates on; `wait` waits until a testbed answers (a CI job starts one in the
  background first).

Each command imports the layers it needs when it runs, so `check` never loads the app.

One concept over ~500 lines: the command line, each command a small function over the layers below.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from testbed.clock import ClockError, iso_kst
from testbed.config import SourceError
from testbed.config.settings import DEFAULT_SEED, DEFAULT_TLS_PORT, Settings
from testbed.network.gateway import tenancy
from testbed.network.text import printable
from testbed.runtime import Runtime, open_runtime
from testbed.serving import (
    DEFAULT_KEEPALIVE_TIMEOUT,
    RESERVED_FDS,
    Site,
    SiteError,
    run_sites,
)
from testbed.store import StoreError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="testbed", description="KFTC Open Banking testbed with a simulated bank network"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the testbed server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--banks", default="kftc", help="network file, or a shipped network: kftc (default), zengin"
    )
    serve.add_argument("--db", default="testbed.db", help="SQLite file, or :memory:")
    serve.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated world")
    serve.add_argument("--clock", choices=("realtime", "virtual"), default="realtime")
    serve.add_argument("--start", help="initial simulated time, ISO-8601 (KST if no offset)")
    serve.add_argument("--speed", type=float, default=1.0, help="realtime speed factor")
    _admin_token_options(
        serve, "control plane token (default: $TESTBED_ADMIN_TOKEN, else generated and printed)"
    )
    serve.add_argument("--users", type=int, default=100, help="users in a newly seeded world")
    serve.add_argument(
        "--loop-lag",
        type=float,
        default=0.0,
        metavar="MS",
        help="log event-loop stalls of MS or more and name the callbacks that ran as long"
        " (asyncio debug mode: for investigations, it costs CPU itself)",
    )
    serve.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        default="asyncio",
        help="event loop: asyncio's (default; measured the better here, see"
        " docs/benchmarks.md) or uvloop's (pip install uvloop)",
    )
    serve.add_argument(
        "--scenario", metavar="FILE", help="load a scenario's world and timeline (not its steps)"
    )
    serve.add_argument(
        "--record", metavar="PATH", help="write the traffic received as a scenario to replay"
    )
    serve.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS too, as testapi.openbanking.or.kr, with the local CA (see `testbed ca`)",
    )
    serve.add_argument(
        "--tls-port", type=int, help=f"HTTPS port under --tls (default {DEFAULT_TLS_PORT})"
    )
    serve.add_argument(
        "--keepalive-timeout",
        type=float,
        default=DEFAULT_KEEPALIVE_TIMEOUT,
        metavar="S",
        help="close a keep-alive connection idle for S seconds"
        f" (default {DEFAULT_KEEPALIVE_TIMEOUT:g})",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="connections open at once, over HTTP and HTTPS (default: the open-file limit"
        f" less {RESERVED_FDS}); past it the oldest idle one is closed, or the new one"
        " refused with 503",
    )
    check = sub.add_parser("check", help="validate scenario files without running them")
    check.add_argument("files", nargs="+", metavar="FILE|DIR")
    replay = sub.add_parser("replay", help="run scenario files on a virtual clock and report")
    replay.add_argument("files", nargs="+", metavar="FILE|DIR")
    replay.add_argument("--junit", metavar="PATH", help="write a JUnit XML report")
    replay.add_argument("--json", metavar="PATH", help="write a JSON report")
    replay.add_argument("--html", metavar="PATH", help="write an HTML report")
    replay.add_argument("--transcript", metavar="DIR", help="write each scenario's transcript")
    replay.add_argument("-k", dest="keyword", help="only scenarios whose name or file has this")
    ca = sub.add_parser("ca", help="the local CA of `serve --tls`: where it is and how to trust it")
    ca.add_argument("--db", default="testbed.db", help="the database whose CA (beside it)")
    ca.add_argument("--export", metavar="PATH", help="write the CA certificate (PEM); - for stdout")
    rekey = sub.add_parser(
        "rekey",
        help="rotate the key that encrypts a database (stop its testbed first)",
        description="Seal every personal value again under a new key. With TESTBED_DATA_KEY"
        " set, the new key comes from TESTBED_NEW_DATA_KEY; otherwise the key file beside"
        " the database is replaced.",
    )
    rekey.add_argument("--db", default="testbed.db", help="the database (default testbed.db)")
    sub.add_parser("datakey", help="print a fresh key for TESTBED_DATA_KEY")
    sample = sub.add_parser(
        "sample", help="run the sample fintech web app (포인트 지갑) against a running testbed"
    )
    sample.add_argument("--port", type=int, default=8090, help="its port (default 8090)")
    sample.add_argument(
        "--testbed", default="http://127.0.0.1:8080", help="the running testbed's base URL"
    )
    _admin_token_options(
        sample, "the testbed's control plane token (default: $TESTBED_ADMIN_TOKEN)"
    )
    sample.add_argument("--db", default="fintech_web.db", help="the sample's own SQLite file")
    _readiness_parser(sub)
    wait = sub.add_parser(
        "wait",
        help="wait until a server answers HTTP at URL (a CI job's testbed, started in the"
        " background)",
        description="Poll URL until the server answers any HTTP request (any status): exit 0;"
        " exit 1 if it has not answered within --timeout seconds.",
    )
    wait.add_argument("url", metavar="URL", help="e.g. http://127.0.0.1:8080/")
    wait.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="give up after (default 60)"
    )
    return parser


#: `testbed readiness`'s exit codes: a CI gates on them (docs/readiness.md)
READINESS_EXIT: Final = {"PASS": 0, "FAIL": 1, "INCOMPLETE": 1, "CONDITIONAL PASS": 2}
#: the server could not be reached, refused the request, or the command line was wrong:
#: never 2, which a CI would read as CONDITIONAL PASS
READINESS_UNREACHED: Final = 3
READINESS_CODES_HELP: Final = """exit codes:
  0  PASS: every check passed
  1  FAIL (a must failed) or INCOMPLETE (a must was not exercised yet)
  2  CONDITIONAL PASS: every must passed, some should failed or was not exercised
  3  the testbed could not be reached or refused (no run, bad token, bad drill), or a
     usage error
with --start or --drill (and no --finish): 0 when done, 3 when refused."""


def _readiness_parser(sub: Any) -> None:
    readiness = sub.add_parser(
        "readiness",
        help="go-live readiness of an institution on a running testbed: run, drill, verdict",
        description="Without --start or --drill: finish the institution's open run, if any"
        " (--no-finish only reads), print a summary of its report, write --junit and --html,"
        " and exit by its verdict. --start opens a run, --drill lays a drill on it.",
        epilog=READINESS_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    readiness.add_argument("--client", required=True, metavar="CODE", help="client_use_code")
    readiness.add_argument(
        "--url", default="http://127.0.0.1:8080", help="the testbed (default http://127.0.0.1:8080)"
    )
    _admin_token_options(readiness, "the testbed's control plane token")
    readiness.add_argument("--start", action="store_true", help="start a run")
    readiness.add_argument(
        "--drill", metavar="KIND", help="lay a drill on the open run (e.g. timeout_after_commit)"
    )
    readiness.add_argument("--api", default="", help="the drill's API (its default if not given)")
    readiness.add_argument(
        "--for", dest="lasts", metavar="DURATION", help="how long the drill lasts: 90s, 2m"
    )
    finishing = readiness.add_mutually_exclusive_group()
    finishing.add_argument(
        "--finish", action="store_true", help="finish the open run (after --start/--drill too)"
    )
    finishing.add_argument(
        "--no-finish", action="store_true", help="only read: leave an open run open"
    )
    readiness.add_argument("--run", metavar="RR...", help="report this run, not the latest")
    readiness.add_argument("--junit", metavar="FILE", help="write the report as JUnit XML")
    readiness.add_argument("--html", metavar="FILE", help="write the report as a page (HTML)")


ADMIN_TOKEN_ENV = "TESTBED_ADMIN_TOKEN"
#: what `--admin-token` on the command line is told: every user of the machine can read it
ADMIN_TOKEN_VISIBLE = (
    "WARNING: --admin-token on the command line is visible to every user of this machine in"
    f" the process list (ps): prefer ${ADMIN_TOKEN_ENV} or --admin-token-file"
)


def _admin_token_options(parser: argparse.ArgumentParser, about: str) -> None:
    token = parser.add_mutually_exclusive_group()
    token.add_argument("--admin-token", help=f"{about}; visible in the process list")
    token.add_argument(
        "--admin-token-file",
        metavar="PATH",
        help=f"read the admin token from a file (its first line) instead of ${ADMIN_TOKEN_ENV}",
    )


class AdminTokenError(Exception):
    pass


def admin_token(args: argparse.Namespace) -> str:
    """The admin token from --admin-token (warned about), --admin-token-file, or
    $TESTBED_ADMIN_TOKEN; "" if none is given."""
    if args.admin_token:
        print(ADMIN_TOKEN_VISIBLE, file=sys.stderr)
        return str(args.admin_token)
    if args.admin_token_file:
        try:
            lines = Path(args.admin_token_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise AdminTokenError(f"--admin-token-file: cannot read it: {e}") from None
        token = lines[0].strip() if lines else ""
        if not token:
            raise AdminTokenError(f"--admin-token-file: {args.admin_token_file} is empty")
        return token
    return os.environ.get(ADMIN_TOKEN_ENV, "")


def _admin_call(base: str, token: str, method: str, path: str, body: Any = None) -> Any:
    import json
    import urllib.request

    request = urllib.request.Request(
        base.rstrip("/") + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sample(args: argparse.Namespace) -> int:
    """The sample fintech (samples/fintech_web), configured from the testbed's demo
    institution: its credentials and 약정계좌 from `GET /testbed/clients`, and its
    callback added to the institution's redirect_uris (the control plane)."""
    import urllib.error

    from samples.fintech_web.app import run
    from samples.fintech_web.kftc import Config

    try:
        args.admin_token = admin_token(args)
    except AdminTokenError as e:
        print(f"testbed: {e}", file=sys.stderr)
        return 2
    if not args.admin_token:
        print(
            "testbed: sample needs $TESTBED_ADMIN_TOKEN, --admin-token-file or --admin-token",
            file=sys.stderr,
        )
        return 2
    callback = f"http://127.0.0.1:{args.port}/callback"
    try:
        found = _admin_call(args.testbed, args.admin_token, "GET", "/testbed/clients")
        client = next(c for c in found["clients"] if not c["self_auth"])
        if callback not in client["redirect_uris"]:
            uris = [*client["redirect_uris"], callback]  # added to, not replacing, the others
            path = f"/testbed/clients/{client['client_use_code']}"
            _admin_call(args.testbed, args.admin_token, "POST", path, {"redirect_uris": uris})
    except (urllib.error.URLError, OSError, ValueError, KeyError, StopIteration) as e:
        print(f"testbed: sample: cannot configure from {args.testbed}: {e}", file=sys.stderr)
        return 2
    contract = {a["purpose"]: a["account_num"] for a in client["contract_accounts"]}
    config = Config(
        base_url=args.testbed,
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_use_code=client["client_use_code"],
        withdraw_account=contract.get("withdraw", ""),
        deposit_account=contract.get("deposit", ""),
        redirect_uri=callback,
        db=args.db,
    )
    print(printable(f"  institution     {client['name']} {client['client_use_code']}"), flush=True)
    run(config, "127.0.0.1", args.port)
    return 0


class Refused(Exception):
    """The testbed answered with a refusal (its words), or could not be reached."""


def _admin_fetch(
    base: str, token: str, method: str, path: str, body: Any = None, timeout: float = 30
) -> bytes:
    """One control-plane call: the answer's body, or Refused with the testbed's words."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        base.rstrip("/") + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: bytes = response.read()
            return answer
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace")
        try:
            said = json.loads(text).get("error", text)
        except (ValueError, AttributeError):
            said = text
        raise Refused(f"{method} {path}: {e.code} {said}") from None
    except (urllib.error.URLError, OSError) as e:
        raise Refused(f"cannot reach {base}: {getattr(e, 'reason', e)}") from None


def _readiness_json(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    import json

    code = _quoted(args.client)
    return json.loads(
        _admin_fetch(args.url, args.admin_token, method, f"/testbed/readiness/{code}{path}", body)
    )


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def readiness(args: argparse.Namespace) -> int:
    """`testbed readiness`: act on the institution's run on a running testbed (the operator's
    `/testbed/readiness/{code}`, with the admin token) and report; the exit code says the
    verdict (READINESS_EXIT), or READINESS_UNREACHED."""
    try:
        args.admin_token = admin_token(args)
    except AdminTokenError as e:
        print(f"testbed: {e}", file=sys.stderr)
        return READINESS_UNREACHED
    if not args.admin_token:
        print(
            f"testbed: readiness needs ${ADMIN_TOKEN_ENV}, --admin-token-file or --admin-token",
            file=sys.stderr,
        )
        return READINESS_UNREACHED
    if (args.api or args.lasts) and not args.drill:
        print("testbed: --api and --for go with --drill", file=sys.stderr)
        return READINESS_UNREACHED
    try:
        acting = args.start or args.drill
        if args.start:
            run = _readiness_json(args, "POST", "")
            print(printable(f"started readiness run {run['run']} of {args.client}"))
        if args.drill:
            body: dict[str, Any] = {"kind": args.drill}
            if args.api:
                body["api"] = args.api
            if args.lasts:
                body["for"] = args.lasts
            drill = _readiness_json(args, "POST", "/drills", body)
            print(
                printable(
                    f"drill {drill['id']} {drill['kind']} until {drill['until']}:"
                    f" {drill['injected_en']}; expected: {drill['expects_en']}"
                )
            )
        if acting and not args.finish:
            return 0
        return _readiness_report(args)
    except Refused as e:
        print(printable(f"testbed: readiness: {e}"), file=sys.stderr)
        return READINESS_UNREACHED


def _readiness_report(args: argparse.Namespace) -> int:
    from urllib.parse import urlencode

    if not args.no_finish and not args.run:
        listed = _readiness_json(args, "GET", "/runs")["runs"]
        open_runs = [r["run"] for r in listed if r["state"] == "open"]
        if open_runs:
            _readiness_json(args, "POST", "/finish")
            print(printable(f"finished the open run {open_runs[0]}: graded and kept"))
        elif args.finish:
            print(printable(f"no open run of {args.client} to finish"), file=sys.stderr)
            return READINESS_UNREACHED
    query = f"?{urlencode({'run': args.run})}" if args.run else ""
    report = _readiness_json(args, "GET", query)
    print(readiness_summary(report))
    code = _quoted(args.client)
    for option, kind in (("junit", "junit"), ("html", "html")):
        target = getattr(args, option)
        if target:
            path = f"/testbed/readiness/{code}/{kind}?{urlencode({'run': report['run']})}"
            data = _admin_fetch(args.url, args.admin_token, "GET", path)
            try:
                Path(target).write_bytes(data)
            except OSError as e:
                print(f"testbed: --{option}: cannot write {target}: {e}", file=sys.stderr)
                return READINESS_UNREACHED
            print(f"  {option:<8} {target}")
    return READINESS_EXIT.get(report["verdict"], READINESS_UNREACHED)


def readiness_summary(report: dict[str, Any]) -> str:
    """A report in a few lines: the verdict, score and coverage, each failed or unexercised
    must with its detail, the shoulds in one line."""
    coverage = report["coverage"]
    lines = [
        f"readiness run {report['run']} of {report['client_use_code']} ({report['state']}):"
        f" {report['verdict']}",
        f"  score {report['score']}/100 · coverage index {coverage['index']}/100"
        f" ({coverage['checks_exercised']} of {coverage['checks_applicable']} checks"
        f" exercised, {report['calls_seen']} calls seen)",
    ]
    for check in report["checks"]:
        if check["level"] == "must" and check["status"] in ("failed", "not_exercised"):
            status = "FAILED" if check["status"] == "failed" else "not exercised"
            lines.append(f"  must {status:<13} {check['id']}: {check.get('detail_en', '')}")
    shoulds = [
        f"{c['id']} ({c['status'].replace('_', ' ')})"
        for c in report["checks"]
        if c["level"] == "should" and c["status"] in ("failed", "not_exercised")
    ]
    if shoulds:
        lines.append(f"  should: {', '.join(shoulds)}")
    return "\n".join(printable(line) for line in lines)


def wait(args: argparse.Namespace) -> int:
    """`testbed wait URL`: poll until the server answers HTTP at all (any status: a 401 of
    the control plane is an answer), bounded by --timeout. A poll, not a ready file written
    by `serve`: it works wherever the CI's testbed runs (a background process or a service
    container), needs no shared disk, and tells "listening" from "answering"."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + max(args.timeout, 0.0)
    while True:
        left = deadline - time.monotonic()
        try:
            with urllib.request.urlopen(args.url, timeout=max(min(left, 5.0), 0.1)):
                pass
            return 0
        except urllib.error.HTTPError:  # an answer, whatever it says
            return 0
        except (urllib.error.URLError, OSError, ValueError) as e:
            if isinstance(e, ValueError) or time.monotonic() >= deadline:
                reason = getattr(e, "reason", e)
                print(
                    printable(
                        f"testbed: wait: {args.url} did not answer in {args.timeout:g} s: {reason}"
                    ),
                    file=sys.stderr,
                )
                return 1
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0.0)))


def ca(args: argparse.Namespace) -> int:
    from testbed import tls

    try:
        local = tls.ensure_ca(tls.ca_directory(args.db))
        written = tls.export(local, args.export) if args.export else None
    except (tls.TLSError, OSError) as e:
        print(f"testbed: {e}", file=sys.stderr)
        return 2
    if args.export == "-":
        return 0  # the PEM alone, for a pipe
    print(tls.instructions(local, args.db), end="")
    if written is not None:
        print(f"\nThe CA certificate is written to {written}")
    return 0


def rekey(args: argparse.Namespace) -> int:
    from testbed.store.rekey import rotate

    try:
        lines = rotate(
            args.db, os.environ.get("TESTBED_DATA_KEY"), os.environ.get("TESTBED_NEW_DATA_KEY")
        )
    except (StoreError, OSError) as e:
        print(f"testbed: {e}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def datakey(_: argparse.Namespace) -> int:
    from testbed.store.crypto import encode_key, new_key

    print(encode_key(new_key()))
    return 0


def scenario_files(paths: Sequence[str]) -> list[str]:
    """The scenario files named: a directory stands for every *.yaml and *.yml below it,
    in name order (as pytest takes a directory); a directory with none is an error."""
    files: list[str] = []
    for path in paths:
        folder = Path(path)
        if not folder.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
        if not found:
            raise FileNotFoundError(f"{path}: a directory with no scenario (*.yaml) in it")
        files.extend(str(p) for p in found)
    return files


def _scenario_files_said(paths: Sequence[str]) -> list[str] | None:
    """`scenario_files`, or None once the reason is printed (a directory with none)."""
    try:
        return scenario_files(paths)
    except FileNotFoundError as e:
        print(f"testbed: {e}", file=sys.stderr)
        return None


def check(args: argparse.Namespace) -> int:
    from testbed.scenario.model import ScenarioError, load_scenario

    bad = 0
    files = _scenario_files_said(args.files)
    if files is None:
        return 2
    for file in files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as e:
            bad += 1
            for problem in e.problems:
                print(problem, file=sys.stderr)
            continue
        print(f"ok  {file}: {scenario.name}")
    return 1 if bad else 0


def replay(args: argparse.Namespace) -> int:
    from testbed.replay import report
    from testbed.replay.runner import run_scenario
    from testbed.scenario.model import ScenarioError, load_scenario

    scenarios = []
    files = _scenario_files_said(args.files)
    if files is None:
        return 2
    for file in files:
        try:
            scenarios.append(load_scenario(file))
        except ScenarioError as e:
            for problem in e.problems:
                print(problem, file=sys.stderr)
            return 2  # a scenario with an error runs nothing
    if args.keyword:
        scenarios = [s for s in scenarios if args.keyword in s.name or args.keyword in s.file]
        if not scenarios:
            print(f"testbed: no scenario matches -k {args.keyword}", file=sys.stderr)
            return 2
    results = []
    for scenario in scenarios:
        steps = _count_steps(scenario.data.get("steps", []))
        progress = report.Progress(sys.stdout, steps, scenario.name)
        if not progress.tty:
            print(f"{scenario.file}: {scenario.name}")
        result = asyncio.run(run_scenario(scenario, progress.step))
        progress.finish()
        results.append(result)
        if args.transcript:
            folder = Path(args.transcript)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / (Path(scenario.file).stem + ".jsonl")).write_text(
                result.transcript(), encoding="utf-8"
            )
    for result in results:
        report.explain(result, sys.stdout)
    report.summary(results, sys.stdout)
    for path, render in (
        (args.json, report.to_json),
        (args.junit, report.to_junit),
        (args.html, report.to_html),
    ):
        if path:
            Path(path).write_text(render(results), encoding="utf-8")
    return 0 if all(r.passed for r in results) else 1


def _count_steps(steps: list[Any]) -> int:
    total = 0
    for step in steps:
        total += step["repeat"] * _count_steps(step["steps"]) if "repeat" in step else 1
    return total


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _banner(runtime: Runtime, settings: Settings) -> str:
    world = runtime.world
    url = f"http://{settings.host}:{settings.port}"
    origin = f"seeded with {world.seed}" if runtime.created else "restored"
    lines = [
        f"KFTC Open Banking testbed on {url}",
        f"  simulated time  {iso_kst(world.clock.now())} ({world.clock.mode} clock)",
        f"  network         {runtime.network.file} ({len(world.banks)} institutions,"
        f" {len(world.config.participants)} Open Banking participants)",
        f"  database        {settings.db} ({origin},"
        f" {len(world.ledger.accounts)} accounts, {len(world.ledger.entries)} ledger entries)",
        f"  encrypted with  {runtime.store.master.source} (keep it with the database)",
        f"  admin token     {settings.admin_token}",
    ]
    for client in tenancy.institutions_of(world, tenancy.SHARED):  # never a portal app's
        lines += [
            f"  fintech         {client.name} {client.client_use_code}"
            f"{' (self-auth)' if client.self_auth else ''}",
            f"    client_id     {client.client_id}",
            f"    client_secret {client.client_secret}",
        ]
    lines += [f"  note            {note}" for note in runtime.notes]
    auth = f"Authorization: Bearer {settings.admin_token}"
    lines.append(f"  try             curl -H '{auth}' {url}/testbed/banks")
    lines.append(f"  dashboard       {url}/dashboard#token={settings.admin_token}")
    # names come from applications: a control character in one (refused at input, but a
    # database may be older) is shown escaped, never sent to the terminal
    return "\n".join(printable(line) for line in lines)


def serve(args: argparse.Namespace) -> int:
    from testbed.web.app import init_app

    try:
        given_token = admin_token(args)
    except AdminTokenError as e:
        print(f"testbed: {e}", file=sys.stderr)
        return 2
    settings = Settings(
        host=args.host,
        port=args.port,
        banks=args.banks,
        db=args.db,
        seed=args.seed,
        clock=args.clock,
        start=args.start,
        speed=args.speed,
        admin_token=given_token or secrets.token_urlsafe(24),
        users=args.users,
        tls=args.tls,
        tls_port=DEFAULT_TLS_PORT if args.tls_port is None else args.tls_port,
        session_key=os.environ.get("TESTBED_SESSION_KEY", ""),
        data_key=os.environ.get("TESTBED_DATA_KEY", ""),
        loop_lag_ms=args.loop_lag,
    )
    if args.tls_port is not None and not args.tls:
        print("testbed: --tls-port needs --tls", file=sys.stderr)
        return 2
    if args.keepalive_timeout <= 0 or (
        args.max_connections is not None and args.max_connections < 1
    ):
        print(
            "testbed: --keepalive-timeout takes seconds above 0, --max-connections 1 or more",
            file=sys.stderr,
        )
        return 2
    tls_site: Site | None = None
    tls_lines: list[str] = []
    if settings.tls:
        if settings.tls_port == settings.port:
            print("testbed: --tls-port must differ from --port", file=sys.stderr)
            return 2
        from testbed import tls

        try:
            local = tls.ensure_ca(tls.ca_directory(settings.db))
            server = tls.ensure_server_certificate(local)
            tls_site = Site(settings.host, settings.tls_port, server.context())
        except (tls.TLSError, OSError) as e:
            print(f"testbed: --tls: {e}", file=sys.stderr)
            return 2
        tls_lines = tls.banner(local, server, settings.host, settings.tls_port)
    scenario = None
    if args.scenario:
        from testbed.scenario.model import ScenarioError, load_scenario

        try:
            scenario = load_scenario(args.scenario)
        except ScenarioError as e:
            for problem in e.problems:
                print(f"testbed: {problem}", file=sys.stderr)
            return 2
    try:
        runtime = open_runtime(settings)
    except (SourceError, StoreError, ClockError) as e:
        print(f"testbed: {e}", file=sys.stderr)
        return 2
    if not _is_loopback(settings.host):
        print(
            f"WARNING: listening on {settings.host}, beyond loopback: anyone who can reach it and"
            " holds the admin token controls this testbed",
            file=sys.stderr,
        )
    from testbed.web.portal.sessions import SessionKeyError

    try:
        app = init_app(settings, runtime)
    except (SessionKeyError, OSError) as e:  # the portal's key: given badly, or unwritable
        runtime.close()
        print(f"testbed: {e}", file=sys.stderr)
        return 2
    if scenario is not None:
        from testbed.scenario.live import load_into

        loaded = scenario

        async def load_scenario_world(_: web.Application) -> None:
            made = await load_into(runtime, loaded)
            print(f"  scenario        {loaded.name} loaded at {made['now']}", flush=True)
            for name, value in made["fixtures"].items():
                token = value.get("access_token") or value.get("token", "")
                who = value.get("client_use_code") or value.get("user_seq_no")
                print(f"    {name:<13} {who} token {token}")

        app.on_startup.append(load_scenario_world)
    if args.record:
        from testbed.web.recorder import install

        install(app, args.record)
    try:
        loop, loop_name = event_loop(args.loop)
    except ImportError:
        print("testbed: --loop uvloop: uvloop is not installed", file=sys.stderr)
        return 2
    gc.set_threshold(*SERVER_GC_THRESHOLDS)
    runtime.freeze_now()  # the world, the app and the imports: out of the collector's passes
    lines = [_banner(runtime, settings), f"  event loop      {loop_name}", *tls_lines]
    print("\n".join(lines), flush=True)
    sites = [Site(settings.host, settings.port), *([tls_site] if tls_site else [])]
    try:  # not run_app: it serves one kind of site, and cannot cap connections
        run_sites(
            app,
            sites,
            loop=loop,
            keepalive_timeout=args.keepalive_timeout,
            max_connections=args.max_connections,
        )
    except SiteError as e:
        print(f"testbed: {e}", file=sys.stderr)
        return 2
    return 0


#: The collector's thresholds for a server (CPython's: 700, 10, 10). A request leaves no
#: reference cycle (tests/api/test_context.py) but allocates many short-lived containers,
#: and the world keeps growing (claims, records, history): with the defaults the
#: collector ran thousands of times a minute, and full passes over the whole world
#: landed in the middle of requests. Rarer collections measured up to 16 % less CPU a
#: request (about 10 % on average) and mostly a shorter p99 (docs/benchmarks.md).
SERVER_GC_THRESHOLDS = (20_000, 20, 50)


def event_loop(kind: str = "asyncio") -> tuple[asyncio.AbstractEventLoop, str]:
    """A new event loop of this kind, and its name. ImportError: uvloop is not installed.

    uvloop serves a bare aiohttp handler ~20 % faster, but under `bench/run.py` the
    testbed answered transaction lists ~40 % slower on it, with p99 several times
    longer, and nothing faster: so asyncio's own loop is the default.
    """
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop(), f"uvloop {uvloop.__version__}"  # type: ignore[attr-defined]
    return asyncio.new_event_loop(), "asyncio"


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(given)
    except SystemExit as e:
        # a usage error of `readiness` is not its 2 (CONDITIONAL PASS) but 3
        if e.code == 2 and given[:1] == ["readiness"]:
            return READINESS_UNREACHED
        raise
    if args.command == "serve":
        return serve(args)
    if args.command == "check":
        return check(args)
    if args.command == "replay":
        return replay(args)
    if args.command == "ca":
        return ca(args)
    if args.command == "rekey":
        return rekey(args)
    if args.command == "datakey":
        return datakey(args)
    if args.command == "sample":
        return sample(args)
    if args.command == "readiness":
        return readiness(args)
    if args.command == "wait":
        return wait(args)
    return 2  # pragma: no cover - argparse refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
