"""Injected faults: the model (`model`: what goes wrong, where, when, how often) and the
reader of the specs testers write (`specs`: JSON on the control plane, YAML in scenarios),
side by side."""

from testbed.network.faults.model import (
    KINDS,
    MAGIC_AMOUNTS,
    BankState,
    Fault,
    FaultBook,
    magic,
)
from testbed.network.faults.specs import FaultSpecError, describe, fault_from_spec, order_bank

__all__ = [
    "KINDS",
    "MAGIC_AMOUNTS",
    "BankState",
    "Fault",
    "FaultBook",
    "FaultSpecError",
    "describe",
    "fault_from_spec",
    "magic",
    "order_bank",
]
