"""The Open Banking centre's registers (its books), apart from HTTP: the state the gateway
keeps and the bookkeeping rules that go with it (see `testbed.network.gateway` for the rest).

- `bank_tran_id`: 이용기관코드 + `U` + 9 characters, unique per institution per
  simulated day (A0004 for a wrong prefix, A0326 for a repeat).
- every transfer (withdraw, deposit) is kept as a `TransferRecord`, succeeded or
  not, so `transfer/result` can tell the true outcome later; with it the requesting
  customer's details (req_client_*) for anti-money-laundering, and the record's
  retention class (5 years above 10,000 won, 1 year at or below).
- limits per institution and per user, per transaction, day and month (A0101–A0112).
- 처리대행비용: each successful transfer is charged at the reduced rate, or at the basic
  rate once the institution exceeded the reduction threshold of that API for three
  months in a row (seed document's table; configurable) — or from the first month for
  an institution whose `fee_start` is basic (known to exceed it: 대형).

One concept over ~500 lines: the centre's registers and the bookkeeping rules that go with them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from testbed.clock import yyyymmdd
from testbed.network.codes import Refusal
from testbed.network.names import TRANSFER_APIS, Api
from testbed.network.parties import DEFAULT_LIMITS, FintechClient
from testbed.network.records import Decoder, RecordBook


@dataclass(frozen=True, slots=True)
class Tariff:
    """처리대행비용 per transfer API, in won, and the monthly reduction threshold."""

    basic: dict[str, int] = field(default_factory=lambda: {"withdraw": 50, "deposit": 40})
    reduced: dict[str, int] = field(default_factory=lambda: {"withdraw": 30, "deposit": 20})
    threshold_amount: int = 10_000_000_000  # 100억원 a month
    threshold_count: int = 100_000  # 10만건 a month
    months_over: int = 3  # this many months in a row over the threshold -> basic rate


@dataclass(slots=True)
class TransferRecord:
    client_use_code: str
    bank_tran_id: str
    bank_tran_date: str
    api: Api  # Api.WITHDRAW or Api.DEPOSIT
    tran_amt: int
    time: float
    rsp_code: str  # what the client was told
    bank_code_tran: str
    bank_rsp_code: str
    bank_rsp_message: str
    moved: bool  # the money moved (whatever the client was told)
    entry_id: int
    user_seq_no: str
    wd: dict[str, str]  # the withdrawal side, as rendered (bank_code_std, ..., account_holder_name)
    dps: dict[str, str]  # the deposit side
    req_client: dict[str, str]  # req_client_name/bank_code/account_num/fintech_use_num/num, purpose
    fee: int = 0
    fee_type: str = ""  # "basic" | "reduced"
    retention_years: int = 5
    keep_until: str = ""  # YYYYMMDD

    @property
    def key(self) -> str:
        return record_key(self.client_use_code, self.bank_tran_date, self.bank_tran_id)


@dataclass(slots=True)
class UsedTranId:
    api: Api  # the API it was claimed by
    time: float


class Total(NamedTuple):
    """The key of one running total of money moved (`OpenBankingBook.moved`): an
    institution's (`user_seq_no` "") or one of its users', of one transfer API, over a day
    (`period` YYYYMMDD) or a month (YYYY-MM, `month_of`)."""

    client_use_code: str
    api: Api
    period: str
    user_seq_no: str = ""


#: `Total(...)` without its generated `__new__`: a withdrawal builds seven keys, and each
#: went through a Python-level constructor (two calls; this is one)
_new_total = tuple.__new__


def _transfer(data: dict[str, Any]) -> TransferRecord:
    return TransferRecord(**{**data, "api": Api(data["api"])})


def _used_id(data: dict[str, Any]) -> UsedTranId:
    return UsedTranId(Api(data["api"]), data["time"])


def record_key(client_use_code: str, date: str, bank_tran_id: str) -> str:
    return f"{client_use_code}:{date}:{bank_tran_id}"


def month_of(date: str) -> str:
    return f"{date[:4]}-{date[4:6]}"


def previous_months(month: str, n: int) -> list[str]:
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(n):
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
        out.append(f"{year:04d}-{mon:02d}")
    return out


def retention(amount: int, date: str) -> tuple[int, str]:
    """전자금융거래기록 보관: 5 years above 10,000 won, 1 year at or below."""
    years = 5 if amount > 10_000 else 1
    return years, plus_years(date, years)


def plus_years(date: str, years: int) -> str:
    """The same day (YYYYMMDD) `years` later (earlier, if negative); a 29 February stays
    one, which compares as the day after the 28th."""
    return f"{int(date[:4]) + years}{date[4:]}"


class OpenBankingBook(RecordBook):
    KINDS: ClassVar[dict[str, Decoder]] = {
        # the stored text of `api` as the member it names (a StrEnum: the text unchanged)
        "transfer": _transfer,
        "tran_id": _used_id,
    }

    def __init__(
        self, tariff: Tariff | None = None, clients: Mapping[str, FintechClient] | None = None
    ) -> None:
        super().__init__()
        self.tariff = tariff or Tariff()
        # the directory's institutions (live): whose fee tier starts at the basic rate
        self.clients: Mapping[str, FintechClient] = {} if clients is None else clients
        self.transfers: dict[str, TransferRecord] = self.tables["transfer"]
        self.used_ids: dict[str, UsedTranId] = self.tables["tran_id"]
        # running totals of money moved: an institution's per day and month, a user's per day
        self.moved: dict[Total, int] = defaultdict(int)
        # billing: (client, api, month) -> [count, amount, fee]
        self.billing: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self._counted: set[str] = set()
        # (client, bank_tran_id) -> the dates a transfer of that id was made on
        self._dates: dict[tuple[str, str], list[str]] = {}

    def _index(self, kind: str, key: str, obj: Any) -> None:
        if kind == "transfer":
            dates = self._dates.setdefault((obj.client_use_code, obj.bank_tran_id), [])
            if obj.bank_tran_date not in dates:
                dates.append(obj.bank_tran_date)
        if kind == "transfer" and obj.moved and key not in self._counted:
            self._counted.add(key)
            self._count(obj)

    def _unindex(self, kind: str, key: str, obj: Any) -> None:
        if kind == "transfer":
            dates = self._dates.get((obj.client_use_code, obj.bank_tran_id), [])
            if obj.bank_tran_date in dates:
                dates.remove(obj.bank_tran_date)
            if not dates:
                self._dates.pop((obj.client_use_code, obj.bank_tran_id), None)
            self._counted.discard(key)  # the month's totals stay: they are the month's figures

    def _count(self, record: TransferRecord) -> None:
        c, api, date, amt = (
            record.client_use_code,
            record.api,
            record.bank_tran_date,
            record.tran_amt,
        )
        self.moved[_new_total(Total, (c, api, date, ""))] += amt
        self.moved[_new_total(Total, (c, api, month_of(date), ""))] += amt
        if record.user_seq_no:
            self.moved[_new_total(Total, (c, api, date, record.user_seq_no))] += amt
        bill = self.billing[(c, api, month_of(date))]
        bill[0] += 1
        bill[1] += amt
        bill[2] += record.fee

    # --- bank_tran_id -------------------------------------------------------------------
    def claim(self, client: FintechClient, bank_tran_id: str, api: Api, now: float) -> str:
        """Check and register a bank_tran_id for today; returns the bank_tran_date."""
        prefix = client.client_use_code + "U"
        if not bank_tran_id.startswith(prefix) or len(bank_tran_id) != 20:
            raise Refusal(
                "A0004",
                f"bank_tran_id: 이용기관코드 {client.client_use_code} + 'U' + 9 characters",
            )
        date = yyyymmdd(now)
        key = record_key(client.client_use_code, date, bank_tran_id)
        if key in self.used_ids:
            raise Refusal("A0326")
        self.put("tran_id", key, UsedTranId(api, now))
        return date

    # --- limits -------------------------------------------------------------------------
    def check_limits(
        self, client: FintechClient, api: Api, user_seq_no: str, amount: int, date: str
    ) -> None:
        month = month_of(date)
        day_total = self.moved[_new_total(Total, (client.client_use_code, api, date, ""))]
        month_total = self.moved[_new_total(Total, (client.client_use_code, api, month, ""))]
        codes = {
            Api.WITHDRAW: ("A0105", "A0103", "A0104"),
            Api.DEPOSIT: ("A0106", "A0101", "A0102"),
        }[api]
        checks = [
            (f"{api}_per_tx", amount, codes[0]),
            (f"{api}_day", day_total + amount, codes[1]),
            (f"{api}_month", month_total + amount, codes[2]),
        ]
        if api == Api.WITHDRAW and user_seq_no:
            user_day = self.moved[
                _new_total(Total, (client.client_use_code, api, date, user_seq_no))
            ]
            checks += [
                ("user_withdraw_per_tx", amount, "A0111"),
                ("user_withdraw_day", user_day + amount, "A0112"),
            ]
        own = client.limits  # client.limit(name), inline: five limits a withdrawal
        for name, total, code in checks:
            limit = own[name] if name in own else DEFAULT_LIMITS[name]
            if limit and total > limit:
                raise Refusal(code, f"{name} {limit}")

    # --- fees ---------------------------------------------------------------------------
    def over_threshold(self, client_use_code: str, api: Api, month: str) -> bool:
        count, amount, _ = self.billing.get((client_use_code, api, month), (0, 0, 0))
        return count >= self.tariff.threshold_count or amount >= self.tariff.threshold_amount

    def fee_type(self, client_use_code: str, api: Api, month: str) -> str:
        client = self.clients.get(client_use_code)
        if client is not None and client.fee_start == "basic":
            # "경감기준을 초과하는 것으로 확인된 이용기관은 첫 월부터 기본비용 부과" (seed):
            # known to exceed it, the institution pays the basic cost every month
            return "basic"
        earlier = previous_months(month, self.tariff.months_over)
        if all(self.over_threshold(client_use_code, api, m) for m in earlier):
            return "basic"
        return "reduced"

    def fee_for(self, client_use_code: str, api: Api, date: str) -> tuple[int, str]:
        kind = self.fee_type(client_use_code, api, month_of(date))
        rates = self.tariff.basic if kind == "basic" else self.tariff.reduced
        return rates[api], kind

    def bill(self, client_use_code: str, month: str) -> dict[str, Any]:
        apis = []
        for api in TRANSFER_APIS:
            count, amount, fee = self.billing.get((client_use_code, api, month), (0, 0, 0))
            kind = self.fee_type(client_use_code, api, month)
            apis.append(
                {
                    "api": api,
                    "count": count,
                    "amount": amount,
                    "fee": fee,
                    "fee_type": kind,
                    "rate": (self.tariff.basic if kind == "basic" else self.tariff.reduced)[api],
                    "over_threshold": self.over_threshold(client_use_code, api, month),
                }
            )
        return {"client_use_code": client_use_code, "month": month, "apis": apis}

    # --- records ------------------------------------------------------------------------
    def record(self, record: TransferRecord) -> TransferRecord:
        if record.moved:
            record.fee, record.fee_type = self.fee_for(
                record.client_use_code, record.api, record.bank_tran_date
            )
        record.retention_years, record.keep_until = retention(
            record.tran_amt, record.bank_tran_date
        )
        self.put("transfer", record.key, record)
        return record

    def settle(
        self,
        record: TransferRecord,
        entry_id: int,
        bank_code_tran: str,
        bank_rsp_code: str,
        bank_rsp_message: str,
    ) -> TransferRecord:
        """A transfer the client was told had timed out ends at the banks after all:
        keep its true outcome (entry_id 0: it did not go through)."""
        record.moved = entry_id > 0
        record.entry_id = entry_id
        record.bank_code_tran = bank_code_tran
        record.bank_rsp_code = bank_rsp_code
        record.bank_rsp_message = bank_rsp_message
        if record.moved:
            record.fee, record.fee_type = self.fee_for(
                record.client_use_code, record.api, record.bank_tran_date
            )
        self.put("transfer", record.key, record)
        return record

    def find(self, client_use_code: str, bank_tran_id: str, date: str) -> TransferRecord | None:
        return self.transfers.get(record_key(client_use_code, date, bank_tran_id))

    def dates_of(self, client_use_code: str, bank_tran_id: str) -> list[str]:
        """The dates the institution made a transfer with this bank_tran_id on."""
        return list(self._dates.get((client_use_code, bank_tran_id), ()))

    def in_period(self, client_use_code: str, from_date: str, to_date: str) -> list[TransferRecord]:
        return [
            r
            for r in self.transfers.values()
            if r.client_use_code == client_use_code and from_date <= r.bank_tran_date <= to_date
        ]


# --- 자금세탁방지: the transfers with their requesting customer -----------------------------


@dataclass(frozen=True, slots=True)
class AmlQuery:
    """What an AML analyst asks the centre's books; every filter given must hold."""

    req_client_num: str = ""  # the institution's member number of the requesting customer
    client_use_code: str = ""
    since: float | None = None  # simulated time, inclusive
    until: float | None = None  # exclusive
    min_amount: int = 0  # won, inclusive


def aml_records(book: OpenBankingBook, query: AmlQuery) -> list[TransferRecord]:
    """The transfers (succeeded or not) that match, newest first: each carries its
    requesting customer (요청고객), both sides, the amount and its retention class."""
    found = [
        r
        for r in book.transfers.values()
        if (not query.req_client_num or r.req_client.get("req_client_num") == query.req_client_num)
        and (not query.client_use_code or r.client_use_code == query.client_use_code)
        and (query.since is None or r.time >= query.since)
        and (query.until is None or r.time < query.until)
        and r.tran_amt >= query.min_amount
    ]
    found.sort(key=lambda r: (r.time, r.bank_tran_id), reverse=True)
    return found


# --- 자금반환청구 (return/claim, return/result) ------------------------------------------

#: the state of a claim the centre has taken (접수). The testbed never settles a claim: the
#: giving back is between the receiving bank and its customer, outside the API (⚠ choice).
CLAIM_REQUESTED = "접수"


@dataclass(slots=True)
class ReturnClaim:
    """자금반환청구: an institution asks for an earlier deposit of its own to be given back
    (money sent to the wrong account, the institution's own fault). It moves no money."""

    client_use_code: str
    bank_tran_id: str  # the claim's own bank_tran_id
    bank_tran_date: str
    time: float
    org_bank_tran_id: str  # the deposit claimed back
    org_bank_tran_date: str
    org_tran_amt: int
    dps_bank_code_std: str  # the deposit's receiving bank (canonical)
    wd_bank_code_std: str  # the deposit's paying bank (canonical)
    claim_code: str
    claim_message: str
    total_return_yn: str
    return_account_num: str
    use_org_contact: str
    use_org_email: str
    state: str = CLAIM_REQUESTED

    @property
    def key(self) -> str:
        return record_key(self.client_use_code, self.bank_tran_date, self.bank_tran_id)

    @property
    def org_key(self) -> str:
        return record_key(self.client_use_code, self.org_bank_tran_date, self.org_bank_tran_id)


@dataclass(frozen=True, slots=True)
class ClaimTarget:
    """What a return/claim says of the deposit it is about (bank codes canonical).

    The payee is named by bank code + account number, or by fintech_use_num."""

    org_bank_tran_id: str
    org_bank_tran_date: str
    org_tran_amt: int
    wd_bank_code_std: str
    dps_bank_code_std: str = ""
    dps_account_num: str = ""
    dps_fintech_use_num: str = ""

    def matches(self, record: TransferRecord) -> bool:
        if (
            record.api != Api.DEPOSIT
            or not record.moved
            or record.tran_amt != self.org_tran_amt
            or record.wd.get("bank_code_std") != self.wd_bank_code_std
        ):
            return False
        if self.dps_fintech_use_num:
            return record.dps.get("fintech_use_num") == self.dps_fintech_use_num
        return (
            record.dps.get("bank_code_std") == self.dps_bank_code_std
            and record.dps.get("account_num") == self.dps_account_num
        )


class ReturnClaimBook(RecordBook):
    """The centre's register of 자금반환청구, one claim at most per deposit."""

    KINDS: ClassVar[dict[str, Decoder]] = {"return_claim": lambda data: ReturnClaim(**data)}

    def __init__(self) -> None:
        super().__init__()
        self.claims: dict[str, ReturnClaim] = self.tables["return_claim"]
        self._by_deposit: dict[str, str] = {}  # the deposit's record key -> the claim's key

    @classmethod
    def attach(cls, books: list[RecordBook]) -> ReturnClaimBook:
        """A new book, registered with the world's books (so the store keeps it)."""
        book = cls()
        books.append(book)
        return book

    def _index(self, kind: str, key: str, obj: Any) -> None:
        self._by_deposit[obj.org_key] = key

    def _unindex(self, kind: str, key: str, obj: Any) -> None:
        self._by_deposit.pop(obj.org_key, None)

    def deposit_for(
        self, openbanking: OpenBankingBook, client_use_code: str, target: ClaimTarget
    ) -> TransferRecord:
        """The caller's deposit a claim is about: A0310 unless one of its deposits whose money
        moved matches every detail; A0008 when that deposit was already claimed."""
        record = openbanking.find(
            client_use_code, target.org_bank_tran_id, target.org_bank_tran_date
        )
        if record is None or not target.matches(record):
            raise Refusal("A0310")
        self._not_claimed(record.key)
        return record

    def file(self, claim: ReturnClaim) -> ReturnClaim:
        self._not_claimed(claim.org_key)  # again: another claim may have come in meanwhile
        self.put("return_claim", claim.key, claim)
        return claim

    def find(self, client_use_code: str, date: str, bank_tran_id: str) -> ReturnClaim | None:
        return self.claims.get(record_key(client_use_code, date, bank_tran_id))

    def _not_claimed(self, deposit_key: str) -> None:
        earlier = self._by_deposit.get(deposit_key)
        if earlier is not None:
            claim = self.claims[earlier]
            raise Refusal(
                "A0008",
                f"자금반환청구 {claim.bank_tran_date} {claim.bank_tran_id} already claims it",
            )


# --- what manage/fee, manage/count and manage/wd_limit report -------------------------


@dataclass(frozen=True, slots=True)
class DailyFee:
    """처리대행비용 of one day and transfer API (at one rate)."""

    date: str
    api: Api  # Api.WITHDRAW or Api.DEPOSIT
    fee_type: str  # "reduced" | "basic"
    count: int
    amount: int
    fee: int


_API_ORDER = {Api.WITHDRAW: 0, Api.DEPOSIT: 1}


def daily_fees(
    book: OpenBankingBook, client_use_code: str, from_date: str, to_date: str
) -> list[DailyFee]:
    """The institution's 처리대행비용 per day and API: only transfers whose money moved are
    charged (a refused one costs nothing)."""
    totals: dict[tuple[str, Api, str], list[int]] = {}
    for record in book.in_period(client_use_code, from_date, to_date):
        if not record.moved:
            continue
        total = totals.setdefault((record.bank_tran_date, record.api, record.fee_type), [0, 0, 0])
        total[0] += 1
        total[1] += record.tran_amt
        total[2] += record.fee
    rows = [DailyFee(d, api, kind, *t) for (d, api, kind), t in totals.items()]
    rows.sort(key=lambda r: (r.date, _API_ORDER.get(r.api, len(_API_ORDER)), r.api, r.fee_type))
    return rows


@dataclass(frozen=True, slots=True)
class ApiCount:
    """One day's use of one API by an institution."""

    api: Api  # the API the bank_tran_id was claimed under
    calls: int  # calls that took a bank_tran_id (went past validation)
    transfers: int  # transfers recorded (withdraw, deposit), whatever their outcome
    moved: int  # of those, the ones whose money moved


def api_counts(book: OpenBankingBook, client_use_code: str, date: str) -> list[ApiCount]:
    prefix = record_key(client_use_code, date, "")
    calls: dict[Api, int] = defaultdict(int)
    for key, used in book.used_ids.items():
        if key.startswith(prefix):
            calls[used.api] += 1
    transfers: dict[Api, int] = defaultdict(int)
    moved: dict[Api, int] = defaultdict(int)
    for record in book.transfers.values():
        if record.client_use_code == client_use_code and record.bank_tran_date == date:
            transfers[record.api] += 1
            moved[record.api] += record.moved
    apis = sorted(set(calls) | set(transfers))
    return [ApiCount(api, calls[api], transfers[api], moved[api]) for api in apis]


@dataclass(frozen=True, slots=True)
class LimitUse:
    """An institution's limits for one transfer API (0: none) and what it used of them."""

    api: Api  # Api.WITHDRAW or Api.DEPOSIT
    per_tx: int
    day: int
    month: int
    used_day: int
    used_month: int

    @property
    def remain_day(self) -> int | None:
        """None: no limit."""
        return max(self.day - self.used_day, 0) if self.day else None

    @property
    def remain_month(self) -> int | None:
        return max(self.month - self.used_month, 0) if self.month else None


def limit_use(book: OpenBankingBook, client: FintechClient, date: str) -> list[LimitUse]:
    """The institution's own limits (DEFAULT_LIMITS where it has none) and today's and this
    month's use, counted as `check_limits` counts it (money moved)."""
    code = client.client_use_code
    return [
        LimitUse(
            api,
            client.limit(f"{api}_per_tx"),
            client.limit(f"{api}_day"),
            client.limit(f"{api}_month"),
            book.moved.get(Total(code, api, date), 0),
            book.moved.get(Total(code, api, month_of(date)), 0),
        )
        for api in TRANSFER_APIS
    ]
