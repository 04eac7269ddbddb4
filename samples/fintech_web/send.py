"""Sending money to another account (송금): a withdrawal from the customer's account into
our 약정계좌, then a deposit from our 약정계좌 to the payee's account.

Open Banking has no one call for this: they are two transfers, and the second can fail
after the first moved the money. The money is then ours, and it is not ours to keep: it
goes back at once, with a deposit to the account it came from (`points._give_back`;
KFTC's 기능테스트 checks it, and the testbed's readiness report too). A deposit whose
outcome is unknown is settled with transfer/result first, like every other transfer.
"""

from __future__ import annotations

from aiohttp import web

from samples.fintech_web.oauth import NeedsConsent, consent_needed
from samples.fintech_web.pages import STORE, customer_or_redirect, render
from samples.fintech_web.points import bad_input, deposit, parse_amount, withdraw


def _payee(form: dict[str, str]) -> dict[str, str] | None:
    """The payee's account as the acnt_num deposit names it, or None when malformed.

    We have no fintech_use_num for somebody else's account (it is not registered with
    us), so this is where the account-number API is the right one. The centre checks
    the holder's name against the account (name_check_option on: A0312 if it differs)."""
    bank = form.get("bank_code", "").strip()
    number = form.get("account_num", "").replace("-", "").strip()
    name = form.get("holder_name", "").strip()
    if not (len(bank) == 3 and bank.isdigit() and 6 <= len(number) <= 16 and number.isdigit()):
        return None
    if not 1 <= len(name) <= 20:
        return None
    return {"bank_code_std": bank, "account_num": number, "account_holder_name": name}


async def send(request: web.Request) -> web.Response:
    """POST /send: from one of the customer's accounts to anybody's account."""
    customer = customer_or_redirect(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    amount = parse_amount(form.get("amount", ""))
    fintech_use_num = form.get("fintech_use_num", "")
    payee = _payee(form)
    if amount is None or not fintech_use_num.isdigit() or payee is None:
        return bad_input(request)
    store = request.app[STORE]
    try:
        taken, shown = await withdraw(request, customer, fintech_use_num, amount, "send")
    except NeedsConsent:
        return consent_needed(request)
    withdrawal = store.transfer(taken)
    assert withdrawal is not None
    if withdrawal["state"] != "done":  # nothing moved (or not known yet): no deposit
        return render(request, "result.html", 200, transfer=withdrawal, **shown)
    given, shown = await deposit(request, customer, "send_deposit", fintech_use_num, payee, amount)
    delivered = store.transfer(given)
    assert delivered is not None
    # a failed deposit's money went back (`points._give_back`): the return's own transfer
    returned = next(
        (t for t in store.transfers(customer["id"]) if t["kind"] == "return" and t["id"] > given),
        None,
    )
    return render(
        request,
        "result.html",
        200,
        transfer=delivered,
        withdrawal=withdrawal,
        returned=returned,
        **shown,
    )
