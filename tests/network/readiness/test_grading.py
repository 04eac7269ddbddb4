"""Each grader of the catalogue on calls written out by hand: a run that passes it, one that
fails it (named for the rule it breaks), and one that never exercises it; then the verdict."""

from __future__ import annotations

from testbed.network.readiness import BY_ID, CHECKS, Drill, Exchange
from testbed.network.readiness.catalogue import (
    BACKOFF,
    PAIR_WITHIN,
    RETURN_WITHIN,
    SAME_INTENT_WITHIN,
)
from testbed.network.readiness.exchanges import AUTHORIZE, BANK_STATUS, RETURN_CLAIM, TOKEN
from testbed.network.readiness.grading import (
    Evidence,
    Finding,
    Status,
    Verdict,
    coverage,
    grade,
    report,
    verdict,
)
from tests.network.readiness.conftest import CODE, FIN, OTHER_FIN, Calls, customer

PASSED, FAILED, UNSEEN = Status.PASSED, Status.FAILED, Status.NOT_EXERCISED


def status(calls: Calls, check_id: str) -> Status:
    return calls.grade(check_id).status


# --- bank_tran_id ----------------------------------------------------------------------------


def test_bank_tran_ids_of_code_u_and_nine_pass(calls: Calls) -> None:
    calls.balance()
    calls.deposit()  # the id in its req_list item
    assert status(calls, "bank-tran-id-format") is PASSED


def test_a_short_random_bank_tran_id_fails_the_format(calls: Calls) -> None:
    calls.balance()
    bad = calls.balance(bank_tran_id=f"{CODE}U12345")  # Math.random(): 5 digits
    finding = calls.grade("bank-tran-id-format")
    assert finding.status is FAILED and finding.evidence == [bad.seq]
    assert f"'{CODE}U12345'" in finding.detail_en


def test_another_institutions_code_fails_the_format(calls: Calls) -> None:
    calls.deposit(bank_tran_id="T000000001U000000001")
    assert status(calls, "bank-tran-id-format") is FAILED


def test_no_bank_tran_id_leaves_both_id_checks_unexercised(calls: Calls) -> None:
    calls.issue("fp:oob")
    assert status(calls, "bank-tran-id-format") is UNSEEN
    assert status(calls, "bank-tran-id-unique") is UNSEEN


def test_bank_tran_ids_unique_within_the_day_pass(calls: Calls) -> None:
    calls.balance()
    calls.withdraw()
    calls.deposit()
    assert status(calls, "bank-tran-id-unique") is PASSED


def test_a_bank_tran_id_sent_twice_in_a_day_fails_uniqueness(calls: Calls) -> None:
    first = calls.balance()
    calls.balance()
    again = calls.balance(bank_tran_id=first.text("bank_tran_id"), at=3600)
    finding = calls.grade("bank-tran-id-unique")
    assert finding.status is FAILED and finding.evidence == [first.seq, again.seq]


def test_a_bank_tran_id_again_on_the_next_day_is_not_a_reuse(calls: Calls) -> None:
    first = calls.balance()
    calls.balance(bank_tran_id=first.text("bank_tran_id"), at=86_400)
    assert status(calls, "bank-tran-id-unique") is PASSED


def test_an_a0326_answer_fails_uniqueness(calls: Calls) -> None:
    # the centre saw the id before the run started: only its answer tells
    refused = calls.withdraw(rsp_code="A0326")
    finding = calls.grade("bank-tran-id-unique")
    assert finding.status is FAILED and finding.evidence == [refused.seq]


# --- naming accounts -------------------------------------------------------------------------


def test_accounts_named_one_way_pass(calls: Calls) -> None:
    calls.balance()
    calls.add("/v2.0/inquiry/real_name", bank_code_std="004", account_num="1234567890")
    assert status(calls, "account-named-once") is PASSED


def test_fintech_use_num_with_account_fields_fails_named_once(calls: Calls) -> None:
    calls.balance()
    both = calls.balance(bank_code_std="004", account_num="1234567890")
    finding = calls.grade("account-named-once")
    assert finding.status is FAILED and finding.evidence == [both.seq]


def test_the_requesting_customer_named_both_ways_fails_named_once(calls: Calls) -> None:
    both = calls.deposit(req_client_bank_code="004", req_client_account_num="1234567890")
    finding = calls.grade("account-named-once")
    assert finding.status is FAILED and finding.evidence == [both.seq]


def test_no_account_named_leaves_named_once_unexercised(calls: Calls) -> None:
    calls.add("/v2.0/bank/status", method="GET", token="fp:oob")
    assert status(calls, "account-named-once") is UNSEEN


def test_acnt_num_for_an_unregistered_account_passes(calls: Calls) -> None:
    calls.registered.add(("004", "1111111111"))
    calls.add(
        "/v2.0/transfer/deposit/acnt_num",
        req_list=[{"bank_code_std": "088", "account_num": "2222222222", "tran_amt": "1000"}],
    )
    assert status(calls, "acnt-num-only-when-needed") is PASSED


def test_acnt_num_for_a_registered_account_fails(calls: Calls) -> None:
    calls.registered.add(("004", "1111111111"))
    needless = calls.add(
        "/v2.0/transfer/deposit/acnt_num",
        req_list=[{"bank_code_std": "004", "account_num": "1111111111", "tran_amt": "1000"}],
    )
    finding = calls.grade("acnt-num-only-when-needed")
    assert finding.status is FAILED and finding.evidence == [needless.seq]


def test_no_acnt_num_call_leaves_nothing_to_misuse(calls: Calls) -> None:
    """A client that names every account by its fintech_use_num has nothing to show here:
    not applicable, so a should cannot hold a right fin_num-only client at CONDITIONAL."""
    calls.balance()
    calls.deposit()
    assert status(calls, "acnt-num-only-when-needed") is Status.NOT_APPLICABLE


# --- the requesting customer -----------------------------------------------------------------


def test_transfers_with_the_whole_customer_pass(calls: Calls) -> None:
    calls.withdraw()
    calls.deposit()
    assert status(calls, "req-client-present") is PASSED


def test_a_withdrawal_without_req_client_num_fails(calls: Calls) -> None:
    calls.deposit()
    bare = calls.withdraw(req_client_num="")
    finding = calls.grade("req-client-present")
    assert finding.status is FAILED and finding.evidence == [bare.seq]


def test_a_deposit_item_without_the_customers_account_fails(calls: Calls) -> None:
    bare = calls.deposit(req_client_fintech_use_num="")
    assert calls.grade("req-client-present").evidence == [bare.seq]


def test_a_transfer_without_transfer_purpose_fails(calls: Calls) -> None:
    calls.withdraw(transfer_purpose="")
    assert status(calls, "req-client-present") is FAILED


def test_the_customer_by_bank_and_account_number_passes(calls: Calls) -> None:
    calls.withdraw(
        req_client_fintech_use_num="", req_client_bank_code="004", req_client_account_num="1"
    )
    assert status(calls, "req-client-present") is PASSED


def test_no_transfer_leaves_req_client_unexercised(calls: Calls) -> None:
    calls.balance()
    assert status(calls, "req-client-present") is UNSEEN
    assert status(calls, "req-client-stable") is UNSEEN


def test_one_customer_the_same_every_time_passes_stable(calls: Calls) -> None:
    calls.withdraw()
    calls.deposit()
    calls.withdraw(2000, **customer(OTHER_FIN, "박철수", "M0002"))  # another customer
    assert status(calls, "req-client-stable") is PASSED


def test_a_req_client_num_made_per_call_fails_stable(calls: Calls) -> None:
    first = calls.withdraw(req_client_num="R1")
    second = calls.withdraw(req_client_num="R2")
    finding = calls.grade("req-client-stable")
    assert finding.status is FAILED and finding.evidence == [first.seq, second.seq]


def test_one_req_client_num_with_two_names_fails_stable(calls: Calls) -> None:
    calls.withdraw()
    calls.withdraw(req_client_name="고객")
    assert status(calls, "req-client-stable") is FAILED


# --- outcomes that are not final -------------------------------------------------------------


def test_transfer_result_after_a_time_out_passes(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0017", bank_rsp_code="")
    calls.moved[first.text("bank_tran_id")] = True
    calls.result(first)
    calls.balance()
    assert status(calls, "uncertain-outcome-asks-result") is PASSED
    assert status(calls, "no-double-debit") is PASSED


def test_a_time_out_never_asked_about_fails(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0017", bank_rsp_code="")
    calls.balance()
    finding = calls.grade("uncertain-outcome-asks-result")
    assert finding.status is FAILED and finding.evidence == [first.seq]


def test_a_time_out_retried_before_transfer_result_fails(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0001", bank_rsp_code="")
    calls.moved[first.text("bank_tran_id")] = False
    retry = calls.withdraw()
    calls.result(first)
    finding = calls.grade("uncertain-outcome-asks-result")
    assert finding.status is FAILED and finding.evidence == [first.seq, retry.seq]
    # the first did not move the money: the retry debited once, no double debit
    assert status(calls, "no-double-debit") is PASSED


def test_transfer_result_for_another_transfer_does_not_count(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0007", bank_rsp_code="")
    other = calls.withdraw(2000)
    calls.result(other)
    assert calls.grade("uncertain-outcome-asks-result").evidence == [first.seq]


def test_a_blind_retry_after_a_committed_time_out_is_a_double_debit(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0017", bank_rsp_code="")
    calls.moved[first.text("bank_tran_id")] = True
    calls.result(first)  # asked, but sent again anyway
    again = calls.withdraw()
    finding = calls.grade("no-double-debit")
    assert finding.status is FAILED and finding.evidence == [first.seq, again.seq]


def test_a_new_transfer_after_one_that_did_not_move_is_no_double_debit(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0017", bank_rsp_code="")
    calls.moved[first.text("bank_tran_id")] = False
    calls.result(first)
    calls.withdraw()
    assert status(calls, "no-double-debit") is PASSED
    assert status(calls, "uncertain-outcome-asks-result") is PASSED


def test_the_same_amount_long_after_is_the_customers_next_transfer(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0017", bank_rsp_code="")
    calls.moved[first.text("bank_tran_id")] = True
    calls.result(first)
    calls.withdraw(at=SAME_INTENT_WITHIN + 60)  # a fixed top-up amount, pressed again later
    assert status(calls, "no-double-debit") is PASSED


def _deposit_timed_out(calls: Calls, moved: bool) -> Exchange:
    """A deposit whose item came back without the bank's code (the centre stopped waiting)."""
    dep = calls.deposit(5000, "A0009", bank_rsp_code="")
    calls.moved[dep.items[0]["bank_tran_id"]] = moved
    return dep


def test_a_deposit_timed_out_is_asked_about(calls: Calls) -> None:
    dep = _deposit_timed_out(calls, moved=True)
    calls.result(dep)
    assert status(calls, "uncertain-outcome-asks-result") is PASSED
    assert status(calls, "no-double-debit") is PASSED


def test_a_deposit_timed_out_and_sent_again_is_a_double_payment(calls: Calls) -> None:
    dep = _deposit_timed_out(calls, moved=True)
    again = calls.deposit(5000)
    assert calls.grade("uncertain-outcome-asks-result").evidence == [dep.seq, again.seq]
    assert calls.grade("no-double-debit").evidence == [dep.seq, again.seq]


def test_a_send_whose_deposit_timed_out_but_moved_strands_nothing(calls: Calls) -> None:
    calls.withdraw(5000)
    calls.result(_deposit_timed_out(calls, moved=True))
    assert status(calls, "return-after-failed-deposit") is UNSEEN


def test_a_send_whose_deposit_timed_out_and_did_not_move_is_returned(calls: Calls) -> None:
    calls.withdraw(5000)
    calls.result(_deposit_timed_out(calls, moved=False))
    assert status(calls, "return-after-failed-deposit") is FAILED
    calls.deposit(5000, to=FIN)
    assert status(calls, "return-after-failed-deposit") is PASSED


def test_final_answers_leave_the_uncertain_checks_unexercised(calls: Calls) -> None:
    calls.withdraw()
    calls.withdraw(rsp_code="A0002", bank_rsp_code="401")
    assert status(calls, "uncertain-outcome-asks-result") is UNSEEN
    assert status(calls, "no-double-debit") is UNSEEN


# --- a deposit that failed after a withdrawal ------------------------------------------------


def _stranded(calls: Calls) -> tuple[int, int]:
    """A send whose deposit failed: (the withdrawal's seq, the deposit's)."""
    wd = calls.withdraw(5000)
    dep = calls.deposit(5000, "A0002", bank_rsp_code="499")
    return wd.seq, dep.seq


def test_the_money_deposited_back_passes(calls: Calls) -> None:
    _stranded(calls)
    calls.deposit(5000, to=FIN, at=RETURN_WITHIN - 60)
    assert status(calls, "return-after-failed-deposit") is PASSED


def test_the_money_given_back_by_account_number_passes(calls: Calls) -> None:
    # withdrawn by fintech_use_num, given back naming the same account by its number
    calls.accounts[FIN] = ("088", "1234567890")
    _stranded(calls)
    calls.add(
        "/v2.0/transfer/deposit/acnt_num",
        token="fp:oob",
        req_list=[{"bank_code_std": "088", "account_num": "1234567890", "tran_amt": "5000"}],
    )
    assert status(calls, "return-after-failed-deposit") is PASSED


def test_a_return_claim_passes(calls: Calls) -> None:
    _stranded(calls)
    calls.add(RETURN_CLAIM, token="fp:oob")
    assert status(calls, "return-after-failed-deposit") is PASSED


def test_a_deposit_delivered_after_all_strands_nothing(calls: Calls) -> None:
    # refused at the gateway (the token had expired), sent again with a new one: the money
    # reached its payee, nothing is left with the institution
    calls.withdraw(5000)
    calls.deposit(5000, "O0003", token="fp:oob-old")
    calls.deposit(5000, token="fp:oob-new")
    assert status(calls, "return-after-failed-deposit") is PASSED


def test_money_kept_after_a_failed_deposit_fails(calls: Calls) -> None:
    seqs = _stranded(calls)
    calls.balance()
    finding = calls.grade("return-after-failed-deposit")
    assert finding.status is FAILED and finding.evidence == list(seqs)


def test_money_given_back_too_late_fails(calls: Calls) -> None:
    _stranded(calls)  # at 1 and 2 s
    calls.deposit(5000, to=FIN, at=2 + RETURN_WITHIN + 1)
    assert status(calls, "return-after-failed-deposit") is FAILED


def test_a_return_to_another_account_is_no_return(calls: Calls) -> None:
    _stranded(calls)
    calls.deposit(5000, to="120220000000000000000009")
    assert status(calls, "return-after-failed-deposit") is FAILED


def test_a_failed_deposit_of_another_amount_strands_nothing(calls: Calls) -> None:
    calls.withdraw(5000)
    calls.deposit(3000, "A0002", bank_rsp_code="499")
    assert status(calls, "return-after-failed-deposit") is UNSEEN


def test_a_failed_deposit_long_after_the_withdrawal_strands_nothing(calls: Calls) -> None:
    calls.withdraw(5000)
    calls.deposit(5000, "A0002", bank_rsp_code="499", at=PAIR_WITHIN + 10)
    assert status(calls, "return-after-failed-deposit") is UNSEEN


# --- closed banks ------------------------------------------------------------------------------


def test_waiting_after_a_closed_answer_passes(calls: Calls) -> None:
    calls.withdraw(rsp_code="A0002", bank_rsp_code="503")
    calls.withdraw(at=1 + BACKOFF)
    assert status(calls, "backoff-when-closed") is PASSED


def test_asking_bank_status_after_a_closed_answer_passes(calls: Calls) -> None:
    calls.withdraw(rsp_code="A0020", bank_rsp_code="")
    calls.add(BANK_STATUS, method="GET", token="fp:oob")
    calls.withdraw()
    assert status(calls, "backoff-when-closed") is PASSED


def test_retrying_at_once_after_a_closed_answer_fails(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0002", bank_rsp_code="503")
    calls.balance()  # another API is no retry
    again = calls.withdraw(at=BACKOFF - 1)
    finding = calls.grade("backoff-when-closed")
    assert finding.status is FAILED and finding.evidence == [first.seq, again.seq]


def test_no_closed_answer_leaves_backoff_unexercised(calls: Calls) -> None:
    calls.withdraw(rsp_code="A0002", bank_rsp_code="401")  # a refusal, not a closure
    assert status(calls, "backoff-when-closed") is UNSEEN


# --- rate limits -------------------------------------------------------------------------------


def test_waiting_retry_after_passes(calls: Calls) -> None:
    calls.balance("O0008", retry_after=5)
    calls.issue("fp:oob2")  # the token endpoint is not what the limit counts
    calls.balance(at=1 + 5)
    assert status(calls, "rate-limit-wait") is PASSED


def test_calling_before_retry_after_fails(calls: Calls) -> None:
    first = calls.balance("O0008", retry_after=5)
    early = calls.withdraw(at=4)  # O0008 holds every API
    finding = calls.grade("rate-limit-wait")
    assert finding.status is FAILED and finding.evidence == [first.seq, early.seq]


def test_o0009_holds_only_its_own_api(calls: Calls) -> None:
    calls.balance("O0009", retry_after=5)
    calls.withdraw(at=2)
    calls.balance(at=6)
    assert status(calls, "rate-limit-wait") is PASSED
    calls.balance(at=6.5)  # fine: it is after Retry-After


def test_no_rate_limit_leaves_it_unexercised(calls: Calls) -> None:
    calls.balance()
    assert status(calls, "rate-limit-wait") is UNSEEN


# --- bank refusals -----------------------------------------------------------------------------


def test_a_refusal_told_and_not_resent_passes(calls: Calls) -> None:
    calls.withdraw(rsp_code="A0002", bank_rsp_code="401")
    calls.withdraw(500)  # the customer chose a smaller amount: a new request
    assert status(calls, "no-retry-loop-after-refusal") is PASSED


def test_one_identical_retry_is_tolerated(calls: Calls) -> None:
    calls.withdraw(rsp_code="A0002", bank_rsp_code="401")
    calls.withdraw(rsp_code="A0002", bank_rsp_code="401")
    assert status(calls, "no-retry-loop-after-refusal") is PASSED


def test_the_same_request_long_after_a_refusal_is_no_loop(calls: Calls) -> None:
    calls.withdraw(rsp_code="A0002", bank_rsp_code="401", at=0)
    for minutes in (11, 40, 90):  # the customer tries again later: not a loop
        calls.withdraw(rsp_code="A0002", bank_rsp_code="401", at=minutes * 60)
    assert status(calls, "no-retry-loop-after-refusal") is PASSED


def test_a_refused_request_resent_in_a_loop_fails(calls: Calls) -> None:
    first = calls.withdraw(rsp_code="A0002", bank_rsp_code="401")
    loop = [calls.withdraw(rsp_code="A0002", bank_rsp_code="401").seq for _ in range(3)]
    finding = calls.grade("no-retry-loop-after-refusal")
    assert finding.status is FAILED and finding.evidence[:2] == [first.seq, loop[0]]
    assert set(loop) <= set(finding.evidence)


def test_a_deposit_item_refused_by_its_bank_resent_in_a_loop_fails(calls: Calls) -> None:
    first = calls.deposit(rsp_code="A0009", bank_rsp_code="412")
    for _ in range(2):
        calls.deposit(rsp_code="A0009", bank_rsp_code="412")
    finding = calls.grade("no-retry-loop-after-refusal")
    assert finding.status is FAILED and finding.evidence[0] == first.seq


def test_the_gateways_own_refusals_are_no_bank_refusal(calls: Calls) -> None:
    # an expired token, a rate limit: the same request rightly goes again once fixed
    calls.deposit(rsp_code="O0003", token="fp:old")
    calls.deposit(rsp_code="O0008", retry_after=1)
    calls.deposit()
    assert status(calls, "no-retry-loop-after-refusal") is UNSEEN


def test_a_closed_answer_is_no_refusal(calls: Calls) -> None:
    for _ in range(3):
        calls.withdraw(rsp_code="A0002", bank_rsp_code="503")
    assert status(calls, "no-retry-loop-after-refusal") is UNSEEN


# --- tokens ------------------------------------------------------------------------------------


def test_tokens_of_the_right_family_pass(calls: Calls) -> None:
    calls.balance()
    assert status(calls, "token-family") is PASSED


def test_an_o0011_answer_fails_the_family(calls: Calls) -> None:
    calls.balance()
    wrong = calls.deposit(rsp_code="O0011")
    finding = calls.grade("token-family")
    assert finding.status is FAILED and finding.evidence == [wrong.seq]


def test_no_business_call_leaves_the_family_unexercised(calls: Calls) -> None:
    calls.issue("fp:oob")
    assert status(calls, "token-family") is UNSEEN


def test_a_token_kept_until_it_ends_passes(calls: Calls) -> None:
    calls.issue("fp:oob")
    calls.deposit()
    calls.deposit(token="fp:oob")
    calls.add(TOKEN, "", answer={}, grant_type="client_credentials", scope="oob", status=401)
    assert status(calls, "token-reused") is PASSED


def test_a_new_token_after_the_old_expired_is_no_reissue(calls: Calls) -> None:
    for n in range(5):
        calls.issue(f"fp:oob{n}")
        calls.add("/v2.0/bank/status", "O0003", method="GET", token=f"fp:oob{n}")
    assert status(calls, "token-reused") is PASSED


def test_a_token_issued_per_call_fails_reuse(calls: Calls) -> None:
    for n in range(4):
        calls.issue(f"fp:oob{n}")
        calls.deposit(token=f"fp:oob{n}")
    finding = calls.grade("token-reused")
    assert finding.status is FAILED and len(finding.evidence) == 3


def test_a_token_issued_before_the_run_and_kept_passes(calls: Calls) -> None:
    calls.deposit(token="fp:oob")
    calls.deposit(token="fp:oob")
    assert status(calls, "token-reused") is PASSED


def test_no_institution_token_issued_leaves_reuse_unexercised(calls: Calls) -> None:
    calls.issue("fp:user", grant_type="authorization_code", code="fp:code")
    assert status(calls, "token-reused") is UNSEEN


def test_refreshing_after_o0003_passes(calls: Calls) -> None:
    calls.balance("O0003", token="fp:old")
    calls.issue("fp:new", grant_type="refresh_token", refresh_token="fp:refresh")
    calls.balance(token="fp:new")
    assert status(calls, "token-expiry-handled") is PASSED


def test_the_expired_token_sent_again_fails(calls: Calls) -> None:
    expired = calls.balance("O0003", token="fp:old")
    calls.issue("fp:new", grant_type="refresh_token", refresh_token="fp:refresh")
    again = calls.balance("O0003", token="fp:old")
    finding = calls.grade("token-expiry-handled")
    assert finding.status is FAILED and finding.evidence == [expired.seq, again.seq]
    assert "sent again" in finding.detail_en


def test_an_expired_token_resent_is_caught_though_another_was_renewed(calls: Calls) -> None:
    # each expired token counts from its own first O0003, not its last
    first = calls.balance("O0003", token="fp:user-old")
    calls.issue("fp:user-new", grant_type="refresh_token", refresh_token="fp:refresh")
    again = calls.balance("O0003", token="fp:user-old")
    calls.deposit(rsp_code="O0003", token="fp:oob-old")
    calls.issue("fp:oob-new")
    finding = calls.grade("token-expiry-handled")
    assert finding.status is FAILED and {first.seq, again.seq} <= set(finding.evidence)


def test_no_new_token_after_o0003_fails(calls: Calls) -> None:
    calls.balance("O0003", token="fp:old")
    finding = calls.grade("token-expiry-handled")
    assert finding.status is FAILED and "no new token" in finding.detail_en


def test_no_o0003_leaves_expiry_unexercised(calls: Calls) -> None:
    calls.balance()
    assert status(calls, "token-expiry-handled") is UNSEEN


# --- 3-legged authorization ------------------------------------------------------------------


def _authorize(calls: Calls, state: str, status_code: int = 200, **kw: str) -> int:
    fields = {"response_type": "code", "client_id": "c", "redirect_uri": "https://f/cb"} | kw
    if state:
        fields["state"] = state
    return calls.add(AUTHORIZE[0], "", method="GET", status=status_code, token="", **fields).seq


def _consented(calls: Calls, state: str, code: str) -> int:
    answer = {"location": {"code": code, "state": state, "scope": "login"}}
    return calls.add("/oauth/2.0/authorize/consent", "", status=302, token="", answer=answer).seq


def _redeem(calls: Calls, code: str, answer_error: str = "") -> int:
    answer = {"error_description": answer_error} if answer_error else {"access_token": "fp:u"}
    return calls.add(
        TOKEN, "", token="", status=400 if answer_error else 200, answer=answer,
        grant_type="authorization_code", code=code, redirect_uri="https://f/cb",
    ).seq  # fmt: skip


def test_a_new_state_each_time_passes(calls: Calls) -> None:
    _authorize(calls, "s1")
    _consented(calls, "s1", "fp:c1")
    _authorize(calls, "s2")
    _consented(calls, "s2", "fp:c2")
    assert status(calls, "oauth-state") is PASSED


def test_authorize_without_state_fails(calls: Calls) -> None:
    bare = _authorize(calls, "")
    finding = calls.grade("oauth-state")
    assert finding.status is FAILED and finding.evidence == [bare]


def test_one_state_with_two_codes_fails(calls: Calls) -> None:
    _authorize(calls, "fixed")
    first = _consented(calls, "fixed", "fp:c1")
    _authorize(calls, "fixed")
    second = _consented(calls, "fixed", "fp:c2")
    finding = calls.grade("oauth-state")
    assert finding.status is FAILED and finding.evidence == [first, second]


def test_no_authorize_leaves_the_oauth_checks_unexercised(calls: Calls) -> None:
    calls.balance()
    for check_id in ("oauth-state", "oauth-code-once", "oauth-redirect-registered"):
        assert status(calls, check_id) is UNSEEN, check_id


def test_each_code_redeemed_once_passes(calls: Calls) -> None:
    _redeem(calls, "fp:c1")
    _redeem(calls, "fp:c2")
    assert status(calls, "oauth-code-once") is PASSED


def test_a_code_redeemed_twice_fails(calls: Calls) -> None:
    first = _redeem(calls, "fp:c1")
    again = _redeem(calls, "fp:c1", "authorization code already used")
    finding = calls.grade("oauth-code-once")
    assert finding.status is FAILED and finding.evidence == [first, again]


def test_the_registered_redirect_uri_passes(calls: Calls) -> None:
    _authorize(calls, "s1")
    _redeem(calls, "fp:c1")
    assert status(calls, "oauth-redirect-registered") is PASSED


def test_an_authorize_refused_for_its_redirect_uri_fails(calls: Calls) -> None:
    refused = _authorize(calls, "s1", 400, redirect_uri="https://evil.example/cb")
    finding = calls.grade("oauth-redirect-registered")
    assert finding.status is FAILED and finding.evidence == [refused]


def test_a_token_request_refused_for_its_redirect_uri_fails(calls: Calls) -> None:
    _authorize(calls, "s1")
    refused = _redeem(calls, "fp:c1", "redirect_uri does not match the authorization")
    assert calls.grade("oauth-redirect-registered").evidence == [refused]


# --- the report ------------------------------------------------------------------------------


def _findings(**statuses: Status) -> list[Finding]:
    """Every check passed but those named (ids with _ for -)."""
    named = {k.replace("_", "-"): v for k, v in statuses.items()}
    return [Finding(c, named.get(c.id, PASSED)) for c in CHECKS]


def test_every_check_passed_is_pass() -> None:
    assert verdict(_findings()) is Verdict.PASS


def test_a_must_failed_is_fail_whatever_else() -> None:
    findings = _findings(no_double_debit=FAILED, token_reused=FAILED, oauth_state=UNSEEN)
    assert verdict(findings) is Verdict.FAIL


def test_a_must_not_exercised_is_incomplete() -> None:
    assert verdict(_findings(rate_limit_wait=UNSEEN)) is Verdict.INCOMPLETE
    assert verdict(_findings(rate_limit_wait=UNSEEN, req_client_stable=FAILED)) is (
        Verdict.INCOMPLETE
    )


def test_a_should_failed_or_not_exercised_is_conditional_pass() -> None:
    assert verdict(_findings(token_reused=FAILED)) is Verdict.CONDITIONAL_PASS
    assert verdict(_findings(acnt_num_only_when_needed=UNSEEN)) is Verdict.CONDITIONAL_PASS


def test_not_applicable_checks_do_not_stop_a_pass() -> None:
    assert BY_ID["oauth-state"].three_legged
    findings = _findings(
        oauth_state=Status.NOT_APPLICABLE,
        oauth_code_once=Status.NOT_APPLICABLE,
        oauth_redirect_registered=Status.NOT_APPLICABLE,
    )
    assert verdict(findings) is Verdict.PASS


def test_a_self_auth_institution_is_not_graded_on_the_consent_flow(calls: Calls) -> None:
    calls.balance()
    graded = {f.check.id: f.status for f in grade(calls.evidence(three_legged=False))}
    assert {k for k, v in graded.items() if v is Status.NOT_APPLICABLE} == {
        c.id for c in CHECKS if c.three_legged
    } | {"acnt-num-only-when-needed"}  # no acnt_num call either


def test_coverage_is_apart_from_the_score(calls: Calls) -> None:
    calls.balance()
    calls.withdraw()
    bad = calls.balance(bank_tran_id="short")
    calls.drills.append(Drill(id="RR1-D01", kind="cutover", at=calls.exchanges[0].time, until=None))
    ev: Evidence = calls.evidence()
    findings = grade(ev)
    cover = coverage(ev, findings)
    assert cover["apis"]["balance"] and cover["apis"]["transfer/withdraw"]
    assert not cover["apis"]["transfer/deposit"]
    assert cover["situations"] == {
        "timeout_after_commit": False, "deposit_fails": False, "cutover": True,
        "expired_token": False, "rate_limit": False, "bank_refusal": False,
    }  # fmt: skip
    assert cover["index"] == round(100 * 3 / 17)
    exercised = [f for f in findings if f.status in (PASSED, FAILED)]
    assert cover["checks_exercised"] == len(exercised)
    passed = sum(f.status is PASSED for f in exercised)
    assert cover["score"] == round(100 * passed / len(exercised))
    shown = report(ev, findings)
    assert shown["verdict"] == "FAIL"
    failed = next(c for c in shown["checks"] if c["id"] == "bank-tran-id-format")
    assert failed["calls"][0]["seq"] == bad.seq and failed["advice_en"]
    assert "calls" not in next(c for c in shown["checks"] if c["status"] == "passed")
    assert shown["counts"]["failed"] == sum(c["status"] == "failed" for c in shown["checks"])
