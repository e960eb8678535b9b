"""Starting with a bad configuration: one clear line per problem, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.settings import ConfigError, check_can_run, load_settings

ROOT = Path(__file__).resolve().parents[2]


def run_bot(tmp_path: Path, env_file: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot run` in an empty folder (so only this .env counts)."""
    if env_file is not None:
        (tmp_path / ".env").write_text(env_file, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, capture_output=True, text=True,
        timeout=30, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                         "PYTHONPATH": str(ROOT), "DATA_DIR": str(tmp_path / "data"), **env})


def test_missing_token_is_named_with_what_to_do_exit_2_fast(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_bot(tmp_path)
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert "TELEGRAM__BOT_TOKEN is not set" in result.stderr
    assert "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # Heavy libraries are not imported before the check (the user sees the line at once).
    assert elapsed < 10, elapsed


def test_bad_env_file_lists_every_problem_once_and_never_echoes_secrets(tmp_path: Path) -> None:
    result = run_bot(tmp_path, env_file=(
        "TELEGRAM__BOT_TOKEN=not a token\n"
        "TELEGRAM__ADMIN_IDS=me, you\n"
        "TRADING__MODE=yolo\n"
        "HTTP__PORT=99999\n"
        "EXCHANGE__SECRET=hunter2-very-secret\n"
        'EXCHANGE__CCXT_CONFIG={"options": \n'))
    assert result.returncode == 2
    err = result.stderr
    assert "TELEGRAM__ADMIN_IDS is invalid" in err and "JSON list" in err
    assert "TRADING__MODE is invalid" in err and "paper or live" in err
    assert "HTTP__PORT is invalid" in err
    assert "EXCHANGE__CCXT_CONFIG is invalid" in err
    assert err.count("•") == 4
    assert "hunter2" not in err and "not a token" not in err
    assert "Traceback" not in err


def test_malformed_token_is_reported_after_the_values_parse(tmp_path: Path) -> None:
    result = run_bot(tmp_path, TELEGRAM__BOT_TOKEN="abc:def")
    assert result.returncode == 2
    assert "does not look like a bot token" in result.stderr
    assert "abc:def" not in result.stderr


def test_live_mode_needs_api_keys() -> None:
    settings = load_settings(telegram={"bot_token": "1:x"}, trading={"mode": "live"})
    [problem] = check_can_run(settings)
    assert problem.startswith("TRADING__MODE=live needs EXCHANGE__API_KEY and EXCHANGE__SECRET")
    keyed = load_settings(telegram={"bot_token": "1:x"}, trading={"mode": "live"},
                          exchange={"api_key": "k", "secret": "s"})
    assert check_can_run(keyed) == []  # the preflight decides the rest, at start


def test_admin_listed_as_viewer_too_is_refused() -> None:
    settings = load_settings(telegram={"bot_token": "1:x", "admin_ids": [5], "viewer_ids": [5]})
    assert any("TELEGRAM__VIEWER_IDS repeats admin ids [5]" in p for p in check_can_run(settings))


def test_defaults_are_paper_mode_data_dir_and_listener_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATA_DIR", "TRADING__MODE", "TELETHON__API_ID"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.trading.mode == "paper"
    assert settings.data_dir == Path("data")
    assert settings.exchange.id == "binance" and settings.exchange.market == "futures"
    assert settings.telethon.missing() == ["TELETHON__API_ID", "TELETHON__API_HASH"]


def test_nested_json_values_are_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM__ADMIN_IDS", "[1, 2]")
    monkeypatch.setenv("EXCHANGE__CCXT_CONFIG", '{"options": {"defaultType": "spot"}}')
    monkeypatch.setenv("TELEGRAM__API_BASE", "http://127.0.0.1:8081/")
    settings = load_settings(_env_file=None)
    assert settings.telegram.admin_ids == [1, 2]
    assert settings.exchange.ccxt_config == {"options": {"defaultType": "spot"}}
    assert settings.telegram.api_base == "http://127.0.0.1:8081"


@pytest.mark.parametrize("written", ["[111, 222]", "111, 222", "111,222,", " 111 , 222 "])
def test_admin_ids_are_read_as_json_or_as_plain_comma_separated_ids(
        monkeypatch: pytest.MonkeyPatch, written: str) -> None:
    monkeypatch.setenv("TELEGRAM__ADMIN_IDS", written)
    assert load_settings(_env_file=None).telegram.admin_ids == [111, 222]


def test_config_error_carries_one_problem_per_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM__VIEWER_IDS", "[1, \"two\", 3]")
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert caught.value.problems == [
        'TELEGRAM__VIEWER_IDS is invalid (got "two"): expected a JSON list of numeric '
        "Telegram user ids, e.g. [123456789]."]


def test_the_env_example_loads_with_its_empty_values_as_unset() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    settings = load_settings(_env_file=example, telegram={"bot_token": "1:x"})
    assert settings.trading.mode == "paper" and settings.exchange.api_key is None
    assert settings.telethon.missing() == ["TELETHON__API_ID", "TELETHON__API_HASH"]
    assert check_can_run(settings) == []
