"""The 3-legged user flow as browser pages: `/oauth/2.0/authorize` and `/authorize_account`.

These are pages, not a JSON API. The fintech's app sends the user's browser here;
the user walks through three pages and the browser is sent back to the
institution's `redirect_uri` with a one-time `code` (or an `error`):

1. 사용자 확인 (sign in): one of the world's users, or a new one made on the spot;
2. 본인인증 (identity check): a simulated SMS code, shown on the page;
3. 계좌 선택 및 동의: which accounts to register, and the 조회/출금 consents.

The flow's state stays on the server (`ConsentFlows`, keyed by a flow id carried in
a hidden field) and expires after 10 simulated minutes. Every handler answers an
HTML page or a redirect itself: the KFTC answer path (`kftc_answer`) would turn an
exception under `/oauth/2.0/` into KFTC JSON, which a browser user cannot read.

Testbed choices (⚠ not documented by KFTC):
- parameter errors are checked in the order client_id, redirect_uri (both shown as
  an error page: the URI is not trusted), response_type, scope, state, auth_type
  (these redirect with `error=...`);
- `auth_type=2` skips pages 1 and 2 when `Kftc-Bfop-UserSeqNo` names a user with
  an account registered to the institution (and `Kftc-Bfop-AccessToken`, if sent,
  is a live token of that user); otherwise the full flow runs, with a notice;
- `Kftc-Bfop-UserName`/`UserInfo`/`UserCellNo` pre-fill the new-user form;
- 출금 동의 applies to 수시입출금 (demand) accounts only, as in the seeded world;
- the token's scopes are the scopes asked for; the consent boxes decide what each
  registered account allows (`inquiry_agree_yn`, `transfer_agree_yn`);
- a new user is created only once the identity check passes.
"""

from __future__ import annotations

from testbed.web.consent.flows import install
from testbed.web.consent.pages import PAGES

__all__ = ["PAGES", "install"]
