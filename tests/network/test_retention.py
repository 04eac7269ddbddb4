"""What the API still shows of a history on a given day (retention.shown_on)."""

from __future__ import annotations

from testbed.clock import from_compact
from testbed.network.ledger import CARRY, HistoryLine
from testbed.network.retention import keep_until, shown_on


def _line(entry_id: int, date: str, amount: int, tran_type: str = "") -> HistoryLine:
    return HistoryLine(entry_id, from_compact(date, "120000"), amount, 0, "", tran_type)


def test_seeded_lines_go_from_view_the_day_after_their_class_ends() -> None:
    small, large = _line(0, "20250301", -9_000), _line(0, "20250301", 20_000)
    assert keep_until(9_000, "20250301") == "20260301"
    assert shown_on("20260301")(small) and not shown_on("20260302")(small)
    assert shown_on("20300301")(large) and not shown_on("20300302")(large)


def test_carry_lines_are_never_shown_and_stored_lines_always() -> None:
    shown = shown_on("20400101")
    assert not shown(_line(7, "20260301", 5_000, CARRY))
    assert shown(_line(7, "20260301", 5_000))  # a stored line past its class is gone already
