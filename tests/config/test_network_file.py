"""The network files: the shipped ones load, and bad ones get precise errors."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testbed.config import (
    RESPONSE_CODE_KEYS,
    Latency,
    NetworkConfig,
    SourceError,
    Window,
    load_network,
    parse_network,
    parse_yaml,
)

from .conftest import ZENGIN_YAML

# ------------------------------------------------------------ shipped files

OPEN_BANKING = (
    "002",
    "003",
    "004",
    "007",
    "011",
    "020",
    "023",
    "027",
    "031",
    "032",
    "034",
    "035",
    "037",
    "039",
    "081",
    "088",
    "089",
    "090",
)
BANKS = (
    "001",
    "002",
    "003",
    "004",
    "007",
    "008",
    "011",
    "012",
    "020",
    "023",
    "027",
    "031",
    "032",
    "034",
    "035",
    "037",
    "039",
    "054",
    "081",
    "088",
    "089",
    "090",
)
OTHERS = (
    "045",
    "048",
    "050",
    "064",
    "071",
    "076",
    "077",
    "093",
    "094",
    "095",
    "096",
    "097",
    "098",
    "099",
    "101",
)
SECURITIES = (
    "209",
    "218",
    "224",
    "225",
    "227",
    "238",
    "240",
    "243",
    "247",
    "261",
    "262",
    "263",
    "264",
    "265",
    "266",
    "267",
    "268",
    "269",
    "270",
    "278",
    "279",
    "280",
    "287",
    "288",
    "290",
    "291",
    "292",
    "294",
)
NON_MEMBERS = ("293", "295")
RETIRED = ("022", "024", "028", "029", "030", "033", "036", "038", "040", "083", "092")
# alias -> (canonical, deposit allowed)
ALIASES = {
    "006": ("004", False),
    "019": ("004", False),
    "009": ("007", True),
    "010": ("011", False),
    "016": ("011", False),
    "013": ("012", False),
    "014": ("012", False),
    "015": ("012", False),
    "017": ("012", False),
    "084": ("020", False),
    "053": ("027", True),
    "005": ("081", True),
    "025": ("081", False),
    "080": ("081", False),
    "082": ("081", False),
    "021": ("088", True),
    "026": ("088", True),
    "102": ("050", False),
    "103": ("050", False),
    "104": ("050", False),
    "105": ("050", False),
    "106": ("050", False),
    "072": ("071", False),
    "073": ("071", False),
    "074": ("071", False),
    "075": ("071", False),
}


def test_kftc_participants_are_the_18_open_banking_banks(kftc: NetworkConfig) -> None:
    assert tuple(i.code for i in kftc.participants) == OPEN_BANKING
    assert all(i.member for i in kftc.participants)
    assert {i.kind for i in kftc.participants} == {"bank", "internet_bank"}
    assert [i.code for i in kftc.participants if i.kind == "internet_bank"] == ["089", "090"]


def test_kftc_lists_every_institution_of_the_article(kftc: NetworkConfig) -> None:
    codes = [i.code for i in kftc.institutions]
    assert len(codes) == len(set(codes))
    expected = (*BANKS, *OTHERS, *SECURITIES, *NON_MEMBERS)
    assert sorted(codes) == sorted(expected)
    for code in SECURITIES:
        assert kftc.institution(code).kind == "securities"
    for code in OTHERS:
        assert kftc.institution(code).kind == ("savings" if code == "050" else "other")
    for code in NON_MEMBERS:
        assert kftc.institution(code).member is False
    assert all(kftc.institution(code).member for code in (*BANKS, *OTHERS, *SECURITIES))
    assert kftc.institution("004").name_ko == "KB국민은행"
    assert kftc.institution("293").name_ko == "한국증권금융"
    assert kftc.institution("295").name_ko == "우리종합금융"
    assert all(i.name_en.strip() and i.name_ko.strip() for i in kftc.institutions)


def test_kftc_aliases(kftc: NetworkConfig) -> None:
    found = {
        alias.code: (institution.code, alias.deposit)
        for institution in kftc.institutions
        for alias in institution.aliases
    }
    assert found == ALIASES
    savings = {a.code: a.savings_bank_name for a in kftc.institution("050").aliases}
    assert savings == {
        "102": "대신저축은행",
        "103": "SBI저축은행",
        "104": "애큐온저축은행",
        "105": "웰컴저축은행",
        "106": "신한저축은행",
    }
    assert all(alias.note for i in kftc.institutions for alias in i.aliases)


def test_kftc_deposit_links_and_retired(kftc: NetworkConfig) -> None:
    links = {i.code: i.deposit_also_for for i in kftc.institutions if i.deposit_also_for}
    assert links == {"011": ("012",), "012": ("011",)}
    assert tuple(r.code for r in kftc.retired) == RETIRED
    retired = {r.code: r for r in kftc.retired}
    assert retired["022"].name_ko == "한국상업은행"
    assert "009" not in retired
    assert all(r.name_en for r in kftc.retired)


def test_kftc_centre(kftc: NetworkConfig) -> None:
    centre = kftc.centre
    assert (centre.code, centre.name_ko) == ("099", "금융결제원")
    assert (centre.open, centre.close) == (300, 86_100)
    assert centre.bank_timeout == 20.0
    assert kftc.institution("099").name_ko == "금융결제원"  # centre and institution
    assert (kftc.scheme.code_length, kftc.file.endswith("banks.yaml")) == (3, True)


#: bank_name as public captures of real gateway answers show it (docs/compatibility.md)
DISPLAY_NAMES = {"002": "KDB산업은행", "003": "IBK기업은행", "012": "농협중앙회", "032": "부산은행"}


def test_kftc_display_names_are_the_gateways(kftc: NetworkConfig) -> None:
    shown = {i.code: i.display_name for i in kftc.institutions if i.display_name != i.name_ko}
    assert shown == DISPLAY_NAMES
    assert kftc.institution("003").name_ko == "중소기업은행(IBK기업은행)"  # the legal name stays
    assert kftc.institution("002").name_ko == "한국산업은행"
    confirmed = {c: kftc.institution(c).display_name for c in ("004", "007", "020", "023")}
    assert confirmed == {
        "004": "KB국민은행",
        "007": "수협은행",
        "020": "우리은행",
        "023": "SC제일은행",
    }
    assert all(len(i.display_name) <= 20 for i in kftc.institutions)


def test_kftc_cutover_windows(kftc: NetworkConfig) -> None:
    def labels(code: str) -> list[str]:
        return [w.label() for w in kftc.institution(code).cutover]

    assert labels("011") == labels("012") == ["23:30–01:30"]
    assert labels("020") == ["23:30–01:00"]
    assert labels("002") == ["23:30–02:00"]
    assert labels("023") == ["23:30–01:00"]
    assert labels("004") == ["23:30–23:50"]
    assert labels("088") == ["23:30–23:40"]
    assert labels("089") == labels("090") == ["23:50–00:10"]
    assert labels("001") == ["23:30–23:40"]  # the default
    for institution in kftc.institutions:
        for window in institution.cutover:
            assert 600 <= window.end - window.start <= 3 * 3600


def test_kftc_every_institution_has_all_codes(kftc: NetworkConfig) -> None:
    for institution in kftc.institutions:
        assert tuple(institution.codes) == RESPONSE_CODE_KEYS
    codes = kftc.institution("004").codes
    assert {key: codes[key].bank_rsp_code for key in RESPONSE_CODE_KEYS} == {
        "insufficient_balance": "401",
        "bank_closed": "503",
        "account_not_found": "412",
        "account_closed": "415",
        "account_suspended": "420",
        "account_accident": "419",
        "name_mismatch": "815",
        "duplicate_bank_tran_id": "822",
        "bank_error": "499",
    }
    assert all(code.rsp_code == "A0002" for code in codes.values())
    with pytest.raises(TypeError):
        codes["bank_error"] = codes["bank_closed"]  # type: ignore[index]


def test_kftc_operational_values(kftc: NetworkConfig) -> None:
    digits = {code: kftc.institution(code).account_digits for code in ("004", "088", "020")}
    assert digits == {"004": 14, "088": 12, "020": 13}
    for institution in kftc.institutions:
        assert 8 <= institution.account_digits <= 16
        assert institution.capacity >= 1
    internet = kftc.institution("090").latency
    assert internet.distribution == "lognormal"
    assert internet.median < kftc.institution("002").latency.median


def test_kftc_institution_lookup_is_canonical_only(kftc: NetworkConfig) -> None:
    assert kftc.institution("004").code == "004"
    with pytest.raises(KeyError):
        kftc.institution("006")
    with pytest.raises(KeyError):
        kftc.institution("022")


def test_network_config_is_frozen_and_hashable(kftc: NetworkConfig) -> None:
    institution = kftc.institution("004")
    with pytest.raises(dataclasses.FrozenInstanceError):
        institution.capacity = 1  # type: ignore[misc]
    shinhan = kftc.institution("088")
    assert len({institution, shinhan, kftc.institution("004")}) == 2


def test_zengin_loads_with_four_digit_codes() -> None:
    zengin = load_network(ZENGIN_YAML)
    assert zengin.scheme.code_length == 4
    assert zengin.centre.code == "9998"
    assert (zengin.centre.open, zengin.centre.close) == (0, 86_400)
    assert len(zengin.participants) >= 8
    codes = {i.code for i in zengin.institutions}
    assert {"0000", "9900", "0472", "0423", "0477", "0498", "0603", "0624"} <= codes
    assert all(len(code) == 4 for code in codes)
    assert {r.code for r in zengin.retired} == {"0428", "0436", "0480", "0486"}
    assert zengin.institution("0000").open_banking is False


# ------------------------------------------------------------ a small file

CODES = "\n".join(
    f'    {key}: {{bank_rsp_code: "{400 + n}", message: 메시지{n}}}'
    for n, key in enumerate(RESPONSE_CODE_KEYS)
)
VALID = f"""\
scheme: {{name: test, code_length: 3}}
centre:
  code: "099"
  name_ko: 금융결제원
  name_en: KFTC
  operating_hours: {{open: "00:05", close: "23:55"}}
  bank_timeout: 20s
defaults:
  cutover: [{{start: "23:30", duration: 10m}}]
  latency: {{distribution: fixed, value: 0}}
  capacity: 4
  account_digits: 12
  codes:
{CODES}
institutions:
  - code: "004"
    name_ko: KB국민은행
    name_en: KB Kookmin Bank
    kind: bank
    open_banking: true
    aliases:
      - {{code: "006", deposit: false, note: 입금은 004로}}
  - code: "088"
    name_ko: 신한은행
    name_en: Shinhan Bank
    kind: bank
    open_banking: true
  - code: "099"
    name_ko: 금융결제원
    name_en: KFTC
    kind: other
retired:
  - {{code: "022", name_ko: 한국상업은행, note: 삭제}}
"""


def line_no(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in the test file"
    return hits[occurrence - 1]


def edit(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def load_text(tmp_path: Path, text: str) -> NetworkConfig:
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    return load_network(path)


def error_of(tmp_path: Path, text: str) -> SourceError:
    with pytest.raises(SourceError) as info:
        load_text(tmp_path, text)
    error = info.value
    assert error.file == str(tmp_path / "net.yaml")
    assert str(error).startswith(f"{error.file}:{error.line}: ")
    return error


def test_the_small_file_is_valid(tmp_path: Path) -> None:
    network = load_text(tmp_path, VALID)
    assert [i.code for i in network.institutions] == ["004", "088", "099"]
    assert network.institution("004").cutover == (Window(84_600, 85_200),)
    assert network.institution("004").latency == Latency("fixed", value=0.0)
    assert network.institution("004").codes["bank_error"].rsp_code == "A0002"  # default
    assert network.institution("099").open_banking is False
    assert network.institution("099").member is True


def test_parse_network_takes_a_source_doc() -> None:
    network = parse_network(parse_yaml(VALID, "inline.yaml"))
    assert network.file == "inline.yaml"
    assert len(network.participants) == 2


def test_institution_overrides_merge_over_defaults(tmp_path: Path) -> None:
    text = edit(
        "    name_en: Shinhan Bank\n    kind: bank\n",
        "    name_en: Shinhan Bank\n    kind: bank\n"
        "    cutover: []\n"
        "    capacity: 9\n"
        "    codes:\n"
        '      bank_error: {rsp_code: A0003, bank_rsp_code: "599", message: 다른 오류}\n',
    )
    network = load_text(tmp_path, text)
    shinhan = network.institution("088")
    assert shinhan.cutover == ()
    assert shinhan.capacity == 9
    assert shinhan.codes["bank_error"].bank_rsp_code == "599"
    assert shinhan.codes["bank_error"].rsp_code == "A0003"
    assert shinhan.codes["name_mismatch"] == network.institution("004").codes["name_mismatch"]
    assert network.institution("004").codes["bank_error"].bank_rsp_code == "408"


def test_display_name_defaults_to_name_ko(tmp_path: Path) -> None:
    text = edit(
        "    name_en: Shinhan Bank\n", "    name_en: Shinhan Bank\n    display_name: 신한\n"
    )
    network = load_text(tmp_path, text)
    assert (network.institution("088").display_name, network.institution("088").name_ko) == (
        "신한",
        "신한은행",
    )
    assert network.institution("004").display_name == "KB국민은행"


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ('""', "must not be empty"),
        ("12", "expected text"),
        ("가" * 21, "has 21 characters; bank_name is AH(20), so at most 20"),
    ],
    ids=["empty", "a-number", "too-long"],
)
def test_bad_display_name(tmp_path: Path, value: str, phrase: str) -> None:
    text = edit(
        "    name_en: Shinhan Bank\n", f"    name_en: Shinhan Bank\n    display_name: {value}\n"
    )
    error = error_of(tmp_path, text)
    assert error.path == "institutions[1].display_name"
    assert error.line == line_no(text, "display_name:")
    assert phrase in error.problem


def test_missing_code(tmp_path: Path) -> None:
    text = edit('  - code: "088"\n    name_ko: 신한은행', "  - name_ko: 신한은행")
    error = error_of(tmp_path, text)
    assert error.path == "institutions[1]"
    assert error.line == line_no(text, "name_ko: 신한은행")
    assert "missing required key 'code'" in error.problem


def test_duplicate_institution_code(tmp_path: Path) -> None:
    text = edit('  - code: "088"', '  - code: "004"')
    error = error_of(tmp_path, text)
    assert error.path == "institutions[1].code"
    assert error.line == line_no(text, 'code: "004"', occurrence=2)
    assert "duplicate code '004'" in error.problem
    assert "institutions[0].code" in error.problem
    first_line = line_no(text, 'code: "004"')
    assert f"line {first_line}" in error.problem


def test_alias_duplicating_an_institution_code(tmp_path: Path) -> None:
    text = edit('{code: "006", deposit', '{code: "088", deposit')
    error = error_of(tmp_path, text)
    # The alias comes first in the file, so the institution is the duplicate.
    assert error.path == "institutions[1].code"
    assert error.line == line_no(text, '  - code: "088"')
    assert "duplicate code '088'" in error.problem
    assert "alias 088 of 004" in error.problem
    assert f"institutions[0].aliases[0].code on line {line_no(text, '{code: ')}" in error.problem


def test_retired_code_duplicating_an_alias(tmp_path: Path) -> None:
    text = edit('{code: "022", name_ko', '{code: "006", name_ko')
    error = error_of(tmp_path, text)
    assert error.path == "retired[0].code"
    assert "duplicate code '006'" in error.problem
    assert "institutions[0].aliases[0].code" in error.problem


def test_centre_code_may_only_equal_an_institution_code(tmp_path: Path) -> None:
    load_text(tmp_path, VALID)  # 099 is both the centre and an institution
    text = edit('centre:\n  code: "099"', 'centre:\n  code: "006"')
    error = error_of(tmp_path, text)
    assert error.path == "centre.code"
    assert error.line == line_no(text, 'code: "006"')
    assert "alias 006" in error.problem


def test_window_end_before_start(tmp_path: Path) -> None:
    text = edit(
        '  cutover: [{start: "23:30", duration: 10m}]',
        '  cutover: [{start: "23:30", end: "00:30"}]',
    )
    error = error_of(tmp_path, text)
    assert error.path == "defaults.cutover[0].end"
    assert error.line == line_no(text, 'end: "00:30"')
    assert "at or before its start" in error.problem
    assert "crosses midnight" in error.problem
    assert '"24:30"' in error.problem


@pytest.mark.parametrize(
    ("window", "key", "phrase"),
    [
        ('{start: "23:30", end: "23:30"}', "end", "at or before its start"),
        ('{start: "01:00", end: "25:30"}', "end", "longer than 24 hours"),
        ('{start: "23:30", duration: 25h}', "duration", "longer than 24 hours"),
        ('{start: "23:30", end: "24:00", duration: 10m}', "duration", "not both"),
        ('{start: "23:30"}', "", "needs an end or a duration"),
        ('{end: "23:30"}', "", "missing required key 'start'"),
        ('{start: "24:10", end: "25:00"}', "start", "hours must be 0-23"),
        ('{start: "23:30", duration: 0s}', "duration", "more than zero"),
        ('{start: "23:30", duration: 10m, stop: "24:00"}', "stop", "unknown key 'stop'"),
        ("{start: 23:30, end: 24:00}", "start", 'quote the time, e.g. "23:30"'),
    ],
)
def test_bad_windows(tmp_path: Path, window: str, key: str, phrase: str) -> None:
    text = edit(
        '    open_banking: true\n  - code: "099"',
        f'    open_banking: true\n    cutover: [{window}]\n  - code: "099"',
    )
    error = error_of(tmp_path, text)
    assert error.path == "institutions[1].cutover[0]" + (f".{key}" if key else "")
    assert error.line == line_no(text, "    cutover: [{")
    assert phrase in error.problem


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    text = edit("    kind: other\n", "    kind: other\n    cutovr: []\n")
    error = error_of(tmp_path, text)
    assert error.path == "institutions[2].cutovr"
    assert error.line == line_no(text, "cutovr")
    assert "unknown key 'cutovr'" in error.problem
    assert "did you mean 'cutover'?" in error.problem


def test_unknown_top_level_key(tmp_path: Path) -> None:
    text = VALID + "defualts: {}\n"
    error = error_of(tmp_path, text)
    assert (error.path, error.line) == ("defualts", line_no(text, "defualts"))
    assert "did you mean 'defaults'?" in error.problem


def test_unknown_key_without_a_close_match(tmp_path: Path) -> None:
    text = edit("  capacity: 4\n", "  capacity: 4\n  zzz: 1\n")
    error = error_of(tmp_path, text)
    assert error.path == "defaults.zzz"
    assert "did you mean" not in error.problem
    assert "expected one of: cutover, latency" in error.problem


def test_code_given_as_an_int(tmp_path: Path) -> None:
    text = edit('  - code: "088"', "  - code: 88")
    error = error_of(tmp_path, text)
    assert error.path == "institutions[1].code"
    assert error.line == line_no(text, "code: 88")
    assert "got the number 88" in error.problem
    assert "quote it" in error.problem


def test_unquoted_code_with_leading_zero(tmp_path: Path) -> None:
    text = edit('  - code: "004"', "  - code: 004")  # YAML 1.1 octal: the number 4
    error = error_of(tmp_path, text)
    assert error.path == "institutions[0].code"
    assert "got the number 4" in error.problem


@pytest.mark.parametrize("code", ["88", "0088", "08a", "８８８"])
def test_code_of_the_wrong_shape(tmp_path: Path, code: str) -> None:
    text = edit('  - code: "088"', f'  - code: "{code}"')
    error = error_of(tmp_path, text)
    assert error.path == "institutions[1].code"
    assert "exactly 3 digits" in error.problem


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = edit("    kind: other\n", "    kind: other\n    name_ko: 또\n")
    error = error_of(tmp_path, text)
    assert error.path == "institutions[2].name_ko"
    assert error.line == line_no(text, "name_ko: 또")
    assert "duplicate key 'name_ko'" in error.problem
    assert f"line {line_no(text, 'name_ko: 금융결제원', occurrence=2)}" in error.problem


def test_close_before_open(tmp_path: Path) -> None:
    text = edit('{open: "00:05", close: "23:55"}', '{open: "09:00", close: "08:00"}')
    error = error_of(tmp_path, text)
    assert error.path == "centre.operating_hours.close"
    assert error.line == line_no(text, "operating_hours")
    assert "at or before open" in error.problem


def test_close_at_midnight_is_allowed_but_not_later(tmp_path: Path) -> None:
    network = load_text(tmp_path, edit('close: "23:55"', 'close: "24:00"'))
    assert network.centre.close == 86_400
    error = error_of(tmp_path, edit('close: "23:55"', 'close: "24:30"'))
    assert error.path == "centre.operating_hours.close"
    assert "by midnight" in error.problem


def test_bad_duration(tmp_path: Path) -> None:
    text = edit("  bank_timeout: 20s", "  bank_timeout: 20 sec")
    error = error_of(tmp_path, text)
    assert error.path == "centre.bank_timeout"
    assert error.line == line_no(text, "bank_timeout")
    assert "unknown unit 'sec'" in error.problem


def test_missing_centre_field(tmp_path: Path) -> None:
    text = edit("  bank_timeout: 20s\n", "")
    error = error_of(tmp_path, text)
    assert (error.path, error.line) == ("centre", line_no(text, "centre:"))
    assert "missing required key 'bank_timeout'" in error.problem


def test_missing_scheme_field(tmp_path: Path) -> None:
    text = edit("scheme: {name: test, code_length: 3}", "scheme: {name: test}")
    error = error_of(tmp_path, text)
    assert (error.path, error.line) == ("scheme", 1)
    assert "missing required key 'code_length'" in error.problem


LATENCY = "{distribution: fixed, value: 0}"
ALIAS = '{code: "006", deposit: false, note: 입금은 004로}'
BANK_ERROR = '    bank_error: {bank_rsp_code: "408", message: 메시지8}'


@pytest.mark.parametrize(
    ("old", "new", "path", "needle", "phrase"),
    [
        ("  capacity: 4", "  capacity: 0", "defaults.capacity", "capacity: 0", ">= 1"),
        (
            "  account_digits: 12",
            "  account_digits: 30",
            "defaults.account_digits",
            "account_digits",
            "from 8 to 16",
        ),
        (
            LATENCY,
            "{distribution: fixed, value: -5ms}",
            "defaults.latency.value",
            "latency:",
            "must not be negative",
        ),
        (
            LATENCY,
            "{distribution: lognormal, median: 50ms, sigma: -1}",
            "defaults.latency.sigma",
            "latency:",
            "must not be negative",
        ),
        (
            LATENCY,
            "{distribution: uniform, low: 80ms, high: 20ms}",
            "defaults.latency.high",
            "latency:",
            "expected low <= high",
        ),
        (
            LATENCY,
            "{distribution: normal, value: 0}",
            "defaults.latency.distribution",
            "latency:",
            "unknown distribution 'normal'",
        ),
        (
            LATENCY,
            "{distribution: fixed, median: 5ms}",
            "defaults.latency.median",
            "latency:",
            "unknown key 'median'",
        ),
        (
            "    kind: other",
            "    kind: bnak",
            "institutions[2].kind",
            "kind: bnak",
            "did you mean 'bank'?",
        ),
        (
            "    kind: other",
            "    kind: other\n    open_banking: true  # here\n    member: false",
            "institutions[2].open_banking",
            "# here",
            "needs member: true",
        ),
        (
            ALIAS,
            '{code: "004", deposit: false, note: 자기 자신}',
            "institutions[0].aliases[0].code",
            "자기 자신",
            "its own institution's code",
        ),
        (
            ALIAS,
            '{code: "006", note: 입금은 004로}',
            "institutions[0].aliases[0]",
            "입금은 004로",
            "missing required key 'deposit'",
        ),
        (
            "    kind: other",
            '    kind: other\n    deposit_also_for: ["123"]',
            "institutions[2].deposit_also_for[0]",
            "deposit_also_for",
            "no institution has the code",
        ),
        (
            "    kind: other",
            '    kind: other\n    deposit_also_for: ["006"]',
            "institutions[2].deposit_also_for[0]",
            "deposit_also_for",
            "006 is an alias of 004",
        ),
        (
            "    kind: other",
            '    kind: other\n    deposit_also_for: ["099"]',
            "institutions[2].deposit_also_for[0]",
            "deposit_also_for",
            "own code",
        ),
        (
            BANK_ERROR,
            '    bank_error: {bank_rsp_code: "4080", message: 메시지8}',
            "defaults.codes.bank_error.bank_rsp_code",
            "bank_error",
            "exactly 3 characters",
        ),
        (
            BANK_ERROR,
            "    bank_error: {bank_rsp_code: 408, message: 메시지8}",
            "defaults.codes.bank_error.bank_rsp_code",
            "bank_error",
            "quote it",
        ),
        (
            BANK_ERROR,
            '    bank_error: {rsp_code: 2, bank_rsp_code: "408", message: 메시지8}',
            "defaults.codes.bank_error.rsp_code",
            "bank_error",
            'like "A0002"',
        ),
        (
            BANK_ERROR,
            '    bank_errors: {bank_rsp_code: "408", message: 메시지8}',
            "defaults.codes.bank_errors",
            "bank_errors",
            "did you mean 'bank_error'?",
        ),
        (
            BANK_ERROR + "\n",
            "",
            "institutions[0]",
            '  - code: "004"',
            "missing response codes bank_error after merging defaults",
        ),
        (
            "scheme: {name: test, code_length: 3}",
            "scheme: {name: test, code_length: 4}",
            "centre.code",
            '  code: "099"',
            "exactly 4 digits",
        ),
    ],
)
def test_invalid_values(
    tmp_path: Path, old: str, new: str, path: str, needle: str, phrase: str
) -> None:
    text = edit(old, new)
    error = error_of(tmp_path, text)
    assert error.path == path
    assert error.line == line_no(text, needle)
    assert phrase in error.problem


def test_missing_capacity_everywhere(tmp_path: Path) -> None:
    text = edit("  capacity: 4\n", "")
    error = error_of(tmp_path, text)
    assert error.path == "institutions[0]"
    assert error.line == line_no(text, 'code: "004"')
    assert "missing 'capacity'" in error.problem


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        load_network(tmp_path / "absent.yaml")
    assert info.value.problem == "file not found"


def test_institutions_must_be_a_list(tmp_path: Path) -> None:
    text = VALID.split("institutions:")[0] + "institutions: {}\n"
    error = error_of(tmp_path, text)
    assert error.path == "institutions"
    assert "non-empty list" in error.problem


# ------------------------------------------------------------------ latency


def test_latency_sample_is_deterministic() -> None:
    latency = Latency("lognormal", median=0.06, sigma=0.35)
    first = [latency.sample(random.Random(42)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng_a, rng_b = random.Random(7), random.Random(7)
    a = [latency.sample(rng_a) for _ in range(100)]
    b = [latency.sample(rng_b) for _ in range(100)]
    assert a == b
    assert len(set(a)) > 90  # it does draw from the rng


def test_latency_uses_only_the_given_rng() -> None:
    latency = Latency("uniform", low=0.02, high=0.08)
    random.seed(1)
    a = latency.sample(random.Random(3))
    random.seed(2)
    b = latency.sample(random.Random(3))
    assert a == b
    assert 0.02 <= a <= 0.08


def test_latency_lognormal_median() -> None:
    latency = Latency("lognormal", median=0.06, sigma=0.35)
    rng = random.Random(123)
    draws = sorted(latency.sample(rng) for _ in range(4001))
    assert draws[2000] == pytest.approx(0.06, rel=0.05)


def test_latency_fixed() -> None:
    assert Latency("fixed", value=0.25).sample(random.Random(0)) == 0.25


@pytest.mark.parametrize(
    "kwargs",
    [
        {"distribution": "normal"},
        {"distribution": "fixed", "value": -1.0},
        {"distribution": "uniform", "low": 2.0, "high": 1.0},
        {"distribution": "lognormal", "median": 0.05, "sigma": float("nan")},
    ],
)
def test_latency_rejects_bad_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Latency(**kwargs)  # type: ignore[arg-type]


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    median=st.floats(min_value=1e-6, max_value=10.0),
    sigma=st.floats(min_value=0.0, max_value=5.0),
    low=st.floats(min_value=0.0, max_value=1.0),
    spread=st.floats(min_value=0.0, max_value=1.0),
)
def test_latency_never_negative(
    seed: int, median: float, sigma: float, low: float, spread: float
) -> None:
    rng = random.Random(seed)
    for latency in (
        Latency("lognormal", median=median, sigma=sigma),
        Latency("uniform", low=low, high=low + spread),
        Latency("fixed", value=low),
    ):
        assert latency.sample(rng) >= 0.0
