"""전자금융거래기록 보관: what the seed says to keep, kept that long, then removed for good.

The seed's classes: a transaction over 10,000 won, and the access records that confirm a
transaction (when, which account, the fee, the consent), are kept 5 years; one of 10,000
won or less, 1 year (전자금융거래법 시행령 12조). A record is kept through its `keep_until`
day (the transaction's date plus its years) and removed the day after, by a daily job on
simulated time (`PURGE_AT`, after the night's cutover windows), which removes:

- transfer records (`TransferRecord`, with their 요청고객 AML details) and the claim of
  their `bank_tran_id`;
- the other `bank_tran_id` claims (inquiries: access records, 5 years) and return claims;
- ledger entries (the banks' lines of the same transactions), carried forward: see
  `Ledger.purge` (balances, conservation and every history's proof stay exact).

The lines of the seeded history are never stored (made from the seed when read): nothing
to remove; the API stops showing them once their class has ended (`shown`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from testbed.clock import DAY, iso_kst, kst_midnight, yyyymmdd
from testbed.network.books import OpenBankingBook, ReturnClaimBook, plus_years, retention
from testbed.network.ledger import CARRY, AccountKey, Entry, HistoryLine, Ledger

PURGE_AT = 4 * 3600  # 04:00 KST: after the cutover windows (23:30 to the small hours)
#: the purpose the processing log is given for a purge (개인정보 처리 목적)
PURPOSE = "전자금융거래기록 보관기간 경과 (retention ended)"
ACCESS_YEARS = 5  # access records (an inquiry's bank_tran_id claim): the 5-year class


def keep_until(amount: int, date: str) -> str:
    """The last day (YYYYMMDD) a record of `amount` won made on `date` is kept."""
    return retention(amount, date)[1]


def entry_amount(entry: Entry) -> int:
    """What a ledger entry is worth for its class: its largest movement."""
    return max((abs(leg.amount) for leg in entry.postings), default=0)


def entry_keep_until(entry: Entry) -> str:
    return keep_until(entry_amount(entry), yyyymmdd(entry.time))


def shown_on(today: str) -> Callable[[HistoryLine], bool]:
    """Whether a history line is still shown on `today`: no carry line; no seeded line
    whose class has ended (stored lines whose class ended are gone already). The first
    day still kept of each class is worked out once, not per line."""
    small, large = plus_years(today, -1), plus_years(today, -5)

    def shown(line: HistoryLine) -> bool:
        if line.entry_id:
            return line.tran_type != CARRY
        return yyyymmdd(line.time) >= (large if abs(line.amount) > 10_000 else small)

    return shown


class Kept(Protocol):
    """What holds transaction records (the world, without importing it)."""

    openbanking: OpenBankingBook
    return_claims: ReturnClaimBook
    ledger: Ledger
    last_purge: PurgeReport | None


@dataclass
class PurgeReport:
    """What one purge removed (counts only: never what the records said)."""

    date: str  # the day it ran (YYYYMMDD, KST)
    time: float
    removed: dict[str, int] = field(default_factory=dict)
    subjects: list[str] = field(default_factory=list)  # user_seq_nos whose records went
    accounts: list[AccountKey] = field(default_factory=list)  # whose ledger lines went
    carried_accounts: int = 0

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def view(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "time": iso_kst(self.time),
            "removed": dict(self.removed),
            "carried_accounts": self.carried_accounts,
        }


def purge(world: Kept, now: float) -> PurgeReport:
    """Remove everything whose retention ended before today (KST) — see the module."""
    today = yyyymmdd(now)
    report = PurgeReport(today, now)
    removed = report.removed
    subjects: set[str] = set()
    book = world.openbanking
    for key, record in list(book.transfers.items()):
        if (record.keep_until or keep_until(record.tran_amt, record.bank_tran_date)) < today:
            book.delete("transfer", key)
            removed["transfer_records"] = removed.get("transfer_records", 0) + 1
            if record.user_seq_no:
                subjects.add(record.user_seq_no)
            if key in book.used_ids:  # its bank_tran_id claim goes with it
                book.delete("tran_id", key)
                removed["tran_id_claims"] = removed.get("tran_id_claims", 0) + 1
    for key in list(book.used_ids):
        date = key.split(":")[1]
        if plus_years(date, ACCESS_YEARS) < today:
            book.delete("tran_id", key)
            removed["tran_id_claims"] = removed.get("tran_id_claims", 0) + 1
    claims = world.return_claims
    for key, claim in list(claims.tables["return_claim"].items()):
        if keep_until(claim.org_tran_amt, claim.bank_tran_date) < today:
            claims.delete("return_claim", key)
            removed["return_claims"] = removed.get("return_claims", 0) + 1
    before = len(world.ledger.entries)
    carry = world.ledger.purge(now, lambda e: entry_keep_until(e) < today)
    if carry is not None:
        removed["ledger_entries"] = before - (len(world.ledger.entries) - 1)
        report.accounts = sorted(
            {leg.account for leg in carry.postings if leg.account in world.ledger.accounts}
        )
        report.carried_accounts = len(report.accounts)
    report.subjects = sorted(subjects)
    return report


def overview(world: Kept, now: float) -> dict[str, Any]:
    """What is kept, per class, and when the next purge runs: `GET /testbed/retention`."""
    classes: dict[str, dict[str, int]] = {"1y": {}, "5y": {}}

    def count(years: int, what: str) -> None:
        table = classes[f"{years}y"]
        table[what] = table.get(what, 0) + 1

    for record in world.openbanking.transfers.values():
        count(
            record.retention_years or retention(record.tran_amt, record.bank_tran_date)[0],
            "transfer_records",
        )
    for _ in world.openbanking.used_ids:
        count(ACCESS_YEARS, "tran_id_claims")
    for claim in world.return_claims.tables["return_claim"].values():
        count(retention(claim.org_tran_amt, claim.bank_tran_date)[0], "return_claims")
    carries = 0
    for entry in world.ledger.entries:
        if entry.kind == CARRY:
            carries += 1
            continue
        count(retention(entry_amount(entry), yyyymmdd(entry.time))[0], "ledger_entries")
    midnight = kst_midnight(now)
    next_run = midnight + PURGE_AT if midnight + PURGE_AT > now else midnight + DAY + PURGE_AT
    return {
        "rule": "5 years above 10,000 won and access records; 1 year at or below",
        "classes": classes,
        "carry_entries": carries,
        "next_purge": iso_kst(next_run),
        "last_purge": world.last_purge.view() if world.last_purge else None,
    }


def start_retention(env: simpy.Environment, run: Callable[[float], object]) -> simpy.Process:
    """Call `run(now)` every day at PURGE_AT (KST), from now on (World.purge_expired)."""
    return env.process(_purge_daily(env, run))


def _purge_daily(
    env: simpy.Environment, run: Callable[[float], object]
) -> Generator[simpy.Event, Any, None]:
    midnight = kst_midnight(float(env.now))
    if midnight + PURGE_AT < env.now:
        midnight += DAY
    while True:
        yield env.timeout(max(0.0, midnight + PURGE_AT - env.now))
        run(float(env.now))
        midnight += DAY
