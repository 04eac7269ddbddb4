"""A bare aiohttp server: the baseline the testbed's throughput is compared with.

`GET /` answers a fixed JSON body shaped like a balance inquiry's answer (about 600
bytes, `rsp_code` A0000, so the load generators check it the same way); `POST /`
parses the JSON body it is sent and answers JSON, the least a POST API can do.
No middleware, no model, no database: what aiohttp itself costs on this machine.

    python bench/baseline.py --port 8081
"""

from __future__ import annotations

import argparse
import json

from aiohttp import web

from testbed.cli import event_loop

#: a balance answer (GET /v2.0/account/balance/fin_num) with made-up values: same
#: fields, same length within a few bytes
BODY = {
    "api_tran_id": "2ffd133a-d17a-431d-a6a5-b4d6c4e4a2b1",
    "api_tran_dtm": "20260302100000123",
    "rsp_code": "A0000",
    "rsp_message": "",
    "bank_tran_id": "T991599190U000000001",
    "bank_tran_date": "20260302",
    "bank_code_tran": "088",
    "bank_rsp_code": "000",
    "bank_rsp_message": "",
    "bank_name": "신한은행",
    "savings_bank_name": "",
    "fintech_use_num": "199159919057870978715901",
    "balance_amt": "1000000000",
    "available_amt": "1000000000",
    "account_type": "1",
    "product_name": "수시입출금",
    "account_issue_date": "20260302",
    "maturity_date": "",
    "last_tran_date": "20260302",
}
FIXED = json.dumps(BODY, ensure_ascii=False).encode()


async def fixed(request: web.Request) -> web.Response:
    return web.Response(body=FIXED, content_type="application/json", charset="utf-8")


async def parse_and_answer(request: web.Request) -> web.Response:
    data = await request.json()
    answer = {**BODY, "bank_tran_id": str(data.get("bank_tran_id", ""))[:20]}
    return web.Response(
        text=json.dumps(answer, ensure_ascii=False),
        content_type="application/json",
        charset="utf-8",
    )


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", fixed)
    app.router.add_post("/", parse_and_answer)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    loop, loop_name = event_loop(args.loop)  # the same choice as `testbed serve --loop`
    print(
        f"baseline on http://{args.host}:{args.port} ({len(FIXED)} bytes, {loop_name})", flush=True
    )
    web.run_app(make_app(), host=args.host, port=args.port, print=None, loop=loop)


if __name__ == "__main__":
    main()
