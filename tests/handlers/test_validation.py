"""/validate through the real app and the fake Bot API: the verdict with each criterion,
in the admin's language, saved for the preflight; viewers refused; bad arguments answered
with the usage."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Application
from services.validation import latest_validation
from tests.conftest import ADMIN, ADMIN_RU, VIEWER, say
from tests.fakes.bot_api import FakeBotAPI
from tests.handlers.test_performance import known_trades
from tests.services.test_validation import good_month


async def test_known_trades_are_no_go_with_what_is_missing(
        app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)  # 4 trades: +50, −20, +30, −10 after fees
    text = (await say(telegram, ADMIN, "/validate")).params["text"]
    lines = text.splitlines()
    assert lines[0] == "<b>Validation: NO-GO ❌</b>"
    assert lines[1] == "Paper results, last 30 day(s)"
    assert "❌ Trades: 4 (at least 10, −6)" in lines
    assert "✅ Win rate: 50.0 % (at least 45.0 %, +5.0)" in lines
    assert "Net profit: +50.00 USDT over 4 trade(s)" in lines
    assert "Traceback" not in text
    record = latest_validation(app.settings.data_dir)
    assert record is not None and not record.go


async def test_a_good_month_is_go_and_points_to_the_preflight(
        app: Application, telegram: FakeBotAPI) -> None:
    await good_month(app.db, datetime.now(UTC))
    text = (await say(telegram, ADMIN, "/validate")).params["text"]
    assert text.startswith("<b>Validation: GO ✅</b>")
    assert "Next: /preflight" in text
    record = latest_validation(app.settings.data_dir)
    assert record is not None and record.go


async def test_russian_window_and_bad_arguments(app: Application, telegram: FakeBotAPI) -> None:
    await known_trades(app)
    text = (await say(telegram, ADMIN_RU, "/validate 7")).params["text"]
    assert "NO-GO" in text and "7" in text.splitlines()[1]
    assert "Validation" not in text  # translated
    for bad in ("/validate abc", "/validate 0", "/validate 400"):
        answer = (await say(telegram, ADMIN, bad)).params["text"]
        assert answer.startswith("Usage: /validate [days]"), answer


async def test_viewers_cannot_validate(app: Application, telegram: FakeBotAPI) -> None:
    answer = (await say(telegram, VIEWER, "/validate")).params["text"]
    assert "Validation" not in answer
    assert latest_validation(app.settings.data_dir) is None
