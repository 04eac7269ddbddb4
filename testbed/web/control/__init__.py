"""The control plane under `/testbed/`: what testers drive and read, guarded by the admin token.

One module per area (clients, clock, banks and faults, users, accounts, the network's
state, scenarios); what they share is `common`, and none imports another. Handlers
parse, call the model or the runtime, render; they never touch balances themselves.
Errors are HTTP 4xx with `{"error": "..."}` (this is the testbed's own API, not KFTC's).
"""
