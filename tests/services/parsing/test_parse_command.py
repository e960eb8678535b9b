"""`bot/parse_command.main`: the `python -m bot parse [--jsonl]` command."""

import io
import json

from bot.parse_command import main

SIGNAL = "BTCUSDT LONG 36705-36200\nTarget 37000-37400\nLeverage 10x\nStop 35680"


def run(argv: list[str], stdin: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, io.StringIO(stdin), out)
    return code, out.getvalue()


def test_single_post_prints_one_pretty_json_object():
    code, out = run([], SIGNAL)
    assert code == 0
    record = json.loads(out)
    assert out.count("\n") > 5  # pretty-printed
    assert record["kind"] == "open"
    assert record["symbol"] == "BTC/USDT"
    assert record["side"] == "long"
    assert record["entry"] == [36200, 36705]
    assert record["targets"] == [37000, 37400]
    assert record["stop_loss"] == 35680
    assert record["leverage"] == 10
    assert record["market_type"] == "futures"
    assert record["tradable"] is True


def test_prices_are_json_numbers_not_strings():
    _, out = run([], "#DOGEUSDT LONG\nEntry: 0.34\nTP: 0.385\nSL: 0.28")
    record = json.loads(out)
    assert record["entry"] == [0.34] and record["stop_loss"] == 0.28


def test_not_tradable_signal_carries_its_reason():
    _, out = run([], "#BTCUSDT LONG\nEntry: 30000\nTP: 32000\nSL: 31000")
    record = json.loads(out)
    assert record["kind"] == "open" and record["tradable"] is False
    assert record["reason"] == "stop loss 31000 is above entry 30000 for a long"


def test_update_lists_its_actions():
    _, out = run([], "Close 25% #ETHUSDT and move SL on entry")
    record = json.loads(out)
    assert record["kind"] == "update"
    assert sorted(record["actions"]) == ["close_pct:25", "sl_to_breakeven"]


def test_jsonl_writes_one_line_per_input_in_order():
    lines = [
        json.dumps({"text": SIGNAL}),
        json.dumps({"text": "Cancel #BTCUSDT"}),
        json.dumps({"text": "Good morning!"}),
    ]
    code, out = run(["--jsonl"], "\n".join(lines) + "\n")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["kind"] for r in records] == ["open", "close", "noise"]


def test_jsonl_malformed_lines_become_noise_and_do_not_stop_the_run():
    stdin = "{not json\n" + json.dumps([1, 2]) + "\n\n" + json.dumps({"text": SIGNAL}) + "\n"
    code, out = run(["--jsonl"], stdin)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["kind"] for r in records] == ["noise", "noise", "noise", "open"]
    assert records[0]["reason"].startswith("malformed input line")
    assert records[1]["reason"].startswith("malformed input line")


def test_jsonl_keeps_unicode_readable():
    _, out = run(["--jsonl"], json.dumps({"text": "#BTC обзор"}, ensure_ascii=False) + "\n")
    assert json.loads(out)["reason"] == "market review"
