"""The one bank-code resolver: every bank code a request carries goes through it.

It maps a standard code or an alias to the canonical `Institution` and applies
the network's rules: retired codes, 미참여기관 (member: false), aliases that do
not accept deposits (006/019 -> "입금은 004로"), and deposits that may also reach
another institution (011 <-> 012). Every lookup is a dictionary access.
"""

from __future__ import annotations

from .banks_file import Alias, Institution, NetworkConfig, RetiredCode

__all__ = ["BankCodeError", "BankCodeResolver"]

# How a code reads aloud decides the Korean particle: 0 영, 3 삼, 6 육 end in a
# consonant other than ㄹ and take 으로; the other digits take 로.
_EURO_DIGITS = frozenset("036")


def _ro(code: str) -> str:
    """``code`` with the particle (으)로: "004로", "020으로"."""
    return f"{code}으로" if code[-1:] in _EURO_DIGITS else f"{code}로"


def _shown(code: object) -> str:
    text = code if isinstance(code, str) else repr(code)
    return text if len(text) <= 20 else text[:20] + "…"


class BankCodeError(ValueError):
    """A bank code that cannot be used for the request.

    ``reason`` is one of ``malformed``, ``unknown``, ``retired``, ``not_member``,
    ``alias_deposit_refused``; ``message`` (also ``str(e)``) is Korean + English.
    """

    code: str
    reason: str
    message: str

    def __init__(self, code: str, reason: str, message: str) -> None:
        super().__init__(code, reason, message)
        self.code = code
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return self.message


class BankCodeResolver:
    """Resolves bank codes against one `NetworkConfig` (all tables precomputed)."""

    def __init__(self, network: NetworkConfig) -> None:
        self.network = network
        self.code_length = network.scheme.code_length
        self._canonical: dict[str, Institution] = {i.code: i for i in network.institutions}
        self._aliases: dict[str, tuple[Alias, Institution]] = {
            alias.code: (alias, institution)
            for institution in network.institutions
            for alias in institution.aliases
        }
        self._retired: dict[str, RetiredCode] = {r.code: r for r in network.retired}
        self._deposit_targets: dict[str, tuple[Institution, ...]] = {
            institution.code: (
                institution,
                *(self._canonical[code] for code in institution.deposit_also_for),
            )
            for institution in network.institutions
        }

    # -- lookups

    def is_alias(self, code: str) -> bool:
        """Whether ``code`` is an alias (not the canonical code) of some institution."""
        return code in self._aliases

    def alias(self, code: str) -> Alias | None:
        """The alias entry for ``code``, or None when it is not an alias."""
        found = self._aliases.get(code)
        return found[0] if found is not None else None

    def resolve(self, code: str) -> Institution:
        """The canonical institution for a standard code or an alias (inquiry, withdrawal).

        Raises `BankCodeError` for malformed, unknown, retired or non-member codes.
        """
        institution = self._canonical.get(code) if isinstance(code, str) else None
        if institution is None:
            found = self._aliases.get(code) if isinstance(code, str) else None
            if found is None:
                raise self._not_found(code)
            institution = found[1]
        if not institution.member:
            raise BankCodeError(
                code,
                "not_member",
                f"{code}은(는) 금융공동망 미참여기관({institution.name_ko})입니다. "
                "이 기관으로는 이체할 수 없습니다 "
                f"({code} {institution.name_en} is not a member of the interbank network; "
                "transfers to it are refused)",
            )
        return institution

    def resolve_for_deposit(self, code: str) -> tuple[Institution, ...]:
        """Where a deposit addressed to ``code`` may land: the canonical institution
        first, then those in its ``deposit_also_for``.

        Raises `BankCodeError` like `resolve`, and ``alias_deposit_refused`` for an
        alias that does not take deposits.
        """
        institution = self.resolve(code)
        found = self._aliases.get(code)
        if found is not None and not found[0].deposit:
            alias = found[0]
            canonical = institution.code
            named = f"{code}({alias.savings_bank_name})" if alias.savings_bank_name else code
            rule = f" 규칙: {alias.note}" if alias.note else ""
            raise BankCodeError(
                code,
                "alias_deposit_refused",
                f"{named}은(는) {institution.name_ko}({canonical})의 보조코드입니다. "
                f"입금은 {_ro(canonical)} 해야 합니다 "
                f"({code} is an alias of {canonical} {institution.name_en}; "
                f"deposits must be addressed to {canonical}).{rule}",
            )
        return self._deposit_targets[institution.code]

    # -- errors

    def _not_found(self, code: object) -> BankCodeError:
        n = self.code_length
        if not isinstance(code, str) or len(code) != n or not (code.isascii() and code.isdigit()):
            shown = _shown(code)
            return BankCodeError(
                code if isinstance(code, str) else repr(code),
                "malformed",
                f"은행코드는 {n}자리 숫자여야 합니다: {shown!r} "
                f"(a bank code must be {n} digits, got {shown!r})",
            )
        retired = self._retired.get(code)
        if retired is not None:
            note = f" — {retired.note}" if retired.note else ""
            english_note = f"; {retired.note}" if retired.note else ""
            english = retired.name_en or retired.name_ko
            return BankCodeError(
                code,
                "retired",
                f"{code}은(는) 없어진 금융기관의 코드입니다: {retired.name_ko}{note} "
                f"({code} is the retired code of {english}{english_note})",
            )
        near = ", ".join(f"{i.code} {i.name_ko}" for i in self.nearest(code))
        return BankCodeError(
            code,
            "unknown",
            f"알 수 없는 은행코드 {code} (unknown bank code {code}); "
            f"가까운 코드 / nearest known codes: {near}",
        )

    def nearest(self, code: str, n: int = 3) -> list[Institution]:
        """The known institutions whose codes look most like `code`: fewest digits apart
        first (a typo is usually one digit: 098 for 088), then the nearest in value."""

        def distance(known: str) -> tuple[int, int]:
            digits = sum(a != b for a, b in zip(known, code, strict=True))
            return digits, abs(int(known) - int(code))

        ranked = sorted(self._canonical, key=lambda known: (*distance(known), known))
        return [self._canonical[known] for known in ranked[:n]]
