"""The KFTC Open Banking API v2.0 over HTTP: OAuth (`/oauth/2.0/`) and the business APIs (`/v2.0/`).

Handlers parse and validate the request, call the model, and render the KFTC envelope.
Every answer is HTTP 200 with `rsp_code`, as on the real gateway.
"""
