"""`python -m bot parse [--jsonl]`: show how signaldesk reads a channel post.

Without flags: one post on stdin, its parse on stdout as one pretty JSON object.
With `--jsonl`: JSON lines `{"text": ...}` in, exactly one JSON line out per input line,
in order — the format of ../shared/signals/score.py. A line that is not such an object
(blank lines included) gives `{"kind": "noise", "reason": ...}`; the command never stops
half-way.

Fields: kind (open / update / close / noise), symbol, side, entry (sorted), targets,
stop_loss, leverage, market_type — the corpus schema — plus margin_mode, entry_type,
stop_loss_pct, dca, tradable, problems and reason for signals, actions for updates and
closes, and reason for noise. Prices are JSON numbers.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any, TextIO

from services.parsing import (
    Noise,
    ParsedClose,
    ParsedSignal,
    ParsedUpdate,
    ParseResult,
    not_understood_reason,
    parse_post,
)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _numbers(values: tuple[Decimal, ...]) -> list[int | float | None]:
    return [_number(v) for v in values]


def to_record(result: ParseResult) -> dict[str, Any]:
    """The JSON object for one parse result (corpus fields first)."""
    record: dict[str, Any] = {
        "kind": result.kind,
        "symbol": None,
        "side": None,
        "entry": [],
        "targets": [],
        "stop_loss": None,
        "leverage": None,
        "market_type": None,
    }
    if isinstance(result, ParsedSignal):
        record.update(
            symbol=result.symbol,
            side=result.side.value,
            entry=_numbers(result.entries),
            targets=_numbers(result.targets),
            stop_loss=_number(result.stop_loss),
            leverage=result.leverage,
            market_type=result.market_type.value if result.market_type else None,
            margin_mode=result.margin_mode.value if result.margin_mode else None,
            entry_type=result.entry_type.value,
            at_market=result.at_market,
            stop_loss_pct=_number(result.stop_loss_pct),
            dca=_numbers(result.dca),
            tradable=result.tradable,
            problems=list(result.problems),
        )
        reason = not_understood_reason(result)
        if reason:
            record["reason"] = reason
    elif isinstance(result, ParsedUpdate | ParsedClose):
        record.update(
            symbol=result.symbol,
            side=result.side.value if result.side else None,
            leverage=result.leverage,
            actions=[a.label() for a in result.actions],
        )
        if all(a.symbol is None for a in result.actions):  # one trade: show its new levels
            new_targets = [a.targets for a in result.actions if a.targets]
            if new_targets:
                record["targets"] = _numbers(new_targets[0])
            new_stops = [a.price for a in result.actions if a.price is not None]
            if new_stops:
                record["stop_loss"] = _number(new_stops[0])
    elif isinstance(result, Noise):
        record["reason"] = result.reason
        record["looks_like_signal"] = result.looks_like_signal
    return record


def _jsonl_line(line: str) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return to_record(Noise(f"malformed input line: {exc.msg}"))
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return to_record(Noise('malformed input line: expected {"text": "..."}'))
    try:
        return to_record(parse_post(item["text"]))
    except Exception as exc:  # one bad post must not stop a batch
        return to_record(Noise(f"parser error: {type(exc).__name__}: {exc}"))


def main(argv: list[str], stdin: TextIO, stdout: TextIO) -> int:
    """Run the parse command; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m bot parse",
        description="Parse channel posts as signaldesk reads them and print JSON.",
    )
    parser.add_argument(
        "--jsonl", action="store_true", help='read JSON lines {"text": ...}, write one line each'
    )
    args = parser.parse_args(argv)
    if not args.jsonl:
        record = to_record(parse_post(stdin.read()))
        stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        return 0
    for line in stdin:  # every line, blank ones included, gets exactly one answer
        stdout.write(json.dumps(_jsonl_line(line), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
