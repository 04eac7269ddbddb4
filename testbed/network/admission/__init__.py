"""이용신청 and 심사: who may use Open Banking, on what terms, and the institution an
approved company becomes — the institution side, apart from the KFTC API's rules.

- `rules`: the seed's 승인기준, 제외대상, 제외서비스 and 제공서비스, with the text each
  screening quotes, and `screen`;
- `values`: an application's fields as plain values (`Filing`), the errors naming a field,
  and the one check of a redirect URI, an IP address, a text;
- `service`: the use case (`Admission`: apply, decide, admit, My Page's changes).

The gateway serves it as `gateway.admission` (`testbed.network.gateway.admission`, which
adds the tenancy rule: whose institutions a developer sees); the web reads a posted
application into a `Filing` (`testbed.web.portal.application_form`).
"""
