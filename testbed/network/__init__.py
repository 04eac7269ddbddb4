"""The SimPy model of the bank network: centre, banks, ledger, parties, seeded world; its
Open Banking rules are the gateway's (`testbed.network.gateway`)."""

from testbed.network.bank import Bank
from testbed.network.centre import Centre, TransferOrder, TransferOutcome
from testbed.network.events import EventLog
from testbed.network.faults import BankState
from testbed.network.ledger import (
    EXTERNAL,
    Account,
    AccountKey,
    AccountStatus,
    AccountType,
    Entry,
    Ledger,
    LedgerError,
    Posting,
)
from testbed.network.parties import ContractAccount, Directory, FintechClient, Registration, User
from testbed.network.world import World

__all__ = [
    "EXTERNAL",
    "Account",
    "AccountKey",
    "AccountStatus",
    "AccountType",
    "Bank",
    "BankState",
    "Centre",
    "ContractAccount",
    "Directory",
    "Entry",
    "EventLog",
    "FintechClient",
    "Ledger",
    "LedgerError",
    "Posting",
    "Registration",
    "TransferOrder",
    "TransferOutcome",
    "User",
    "World",
]
