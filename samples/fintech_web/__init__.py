"""포인트 지갑 (Point Wallet): a small fintech web app, written as teaching material.

It talks to an Open Banking server (the testbed, or KFTC's own testbed) over HTTP only,
with a configurable base URL, the way a real fintech's server would. It imports
nothing from `testbed`. One module per flow:

- `kftc.py`     a small client: base URL, bank_tran_id, tran_dtime, req_client, codes
- `store.py`    its own SQLite: customers, tokens, point balances, transfers
- `oauth.py`    the 3-legged authorization, token refresh and expiry
- `accounts.py` the customer's accounts, balance and transactions
- `points.py`   charge points (출금이체) and pay out (입금이체), with transfer/result
- `send.py`     send money to another account: withdrawal, then deposit; returned if
                the deposit fails
- `app.py`      the pages: sign-up, sign-in, the wallet; configuration; `main`

Run it: `testbed sample` (against a running testbed), or
`python -m samples.fintech_web --base-url URL --client-id ... ` (see `app.main`).
"""
