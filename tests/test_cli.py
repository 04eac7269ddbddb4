"""The command line's own work: which files a command takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.cli import _banner, main, scenario_files
from testbed.config.settings import Settings
from testbed.runtime import open_runtime
from testbed.store import Store
from testbed.store.crypto import key_file_of


def _scenario(path: Path, name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"name: {name}\nsteps:\n  - wait: {{for: 1m}}\n", encoding="utf-8")
    return path


def test_a_directory_stands_for_its_scenarios_in_name_order(tmp_path: Path) -> None:
    b = _scenario(tmp_path / "lib" / "b.yaml", "b")
    a = _scenario(tmp_path / "lib" / "a.yml", "a")
    deep = _scenario(tmp_path / "lib" / "more" / "c.yaml", "c")
    (tmp_path / "lib" / "README.md").write_text("not a scenario", encoding="utf-8")
    single = _scenario(tmp_path / "one.yaml", "one")
    files = scenario_files([str(tmp_path / "lib"), str(single)])
    assert files == [str(a), str(b), str(deep), str(single)]


def test_check_and_replay_take_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _scenario(tmp_path / "lib" / "a.yaml", "first")
    _scenario(tmp_path / "lib" / "b.yaml", "second")
    assert main(["check", str(tmp_path / "lib")]) == 0
    out = capsys.readouterr().out
    assert "ok  " in out and ": first" in out and ": second" in out
    assert main(["replay", str(tmp_path / "lib")]) == 0
    assert "second" in capsys.readouterr().out


def test_a_directory_without_scenarios_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty")]) == 2
    assert "no scenario" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "empty")]) == 2


def test_the_shipped_library_checks_as_a_directory() -> None:
    library = Path(__file__).resolve().parent.parent / "scenarios"
    assert main(["check", str(library)]) == 0


def test_datakey_prints_a_key_that_opens_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["datakey"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) == 44
    Store(str(tmp_path / "d.db"), key).close()


def test_rekey_rotates_the_key_file_and_refuses_a_database_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TESTBED_DATA_KEY", raising=False)
    monkeypatch.delenv("TESTBED_NEW_DATA_KEY", raising=False)
    db = str(tmp_path / "r.db")
    assert main(["rekey", "--db", db]) == 2
    assert "no database" in capsys.readouterr().err
    Store(db).close()
    before = key_file_of(db).read_text()
    assert main(["rekey", "--db", db]) == 0
    assert "sealed again" in capsys.readouterr().out
    assert key_file_of(db).read_text() != before
    running = Store(db)
    try:
        assert main(["rekey", "--db", db]) == 2
        assert "in use by a running testbed" in capsys.readouterr().err
    finally:
        running.close()


def test_the_banner_prints_control_characters_in_a_name_escaped(tmp_path: Path) -> None:
    """Defence in depth: a name with a terminal escape (refused at input today, but a
    database may be older) reaches the terminal as text, never as an escape sequence."""
    settings = Settings(db=str(tmp_path / "banner.db"), clock="virtual", admin_token="t", users=4)
    runtime = open_runtime(settings)
    try:
        client = next(iter(runtime.world.directory.clients.values()))
        client.name = "주식회사 \x1b[2J\x1b]0;pwned\x07해커\u202e"
        banner = _banner(runtime, settings)
    finally:
        runtime.close()
    assert "\x1b" not in banner and "\x07" not in banner and "\u202e" not in banner
    assert "주식회사 \\x1b[2J\\x1b]0;pwned\\x07해커\\u202e" in banner
    assert banner.count("\n") >= 8  # the lines themselves still end in newlines


def test_the_admin_token_from_a_file_or_the_environment_or_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the command line the token is in every user's `ps`: said so. A file (its first
    line) or TESTBED_ADMIN_TOKEN are quiet."""
    from testbed.cli import AdminTokenError, _parser, admin_token

    monkeypatch.setenv("TESTBED_ADMIN_TOKEN", "from-env")
    assert admin_token(_parser().parse_args(["serve"])) == "from-env"
    assert capsys.readouterr().err == ""
    secret = tmp_path / "admin-token"
    secret.write_text("from-file\n")
    args = _parser().parse_args(["serve", "--admin-token-file", str(secret)])
    assert admin_token(args) == "from-file" and capsys.readouterr().err == ""
    assert admin_token(_parser().parse_args(["serve", "--admin-token", "typed"])) == "typed"
    assert "visible to every user" in capsys.readouterr().err
    for bad in (tmp_path / "missing", tmp_path / "empty"):
        if bad.name == "empty":
            bad.write_text("\n")
        with pytest.raises(AdminTokenError):
            admin_token(_parser().parse_args(["sample", "--admin-token-file", str(bad)]))
    monkeypatch.delenv("TESTBED_ADMIN_TOKEN")
    assert admin_token(_parser().parse_args(["serve"])) == ""
