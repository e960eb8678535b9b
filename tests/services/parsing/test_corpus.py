"""The whole shared corpus of real channel posts through `parse_post`.

Hard requirement: no post labelled anything but "open" may parse as a new trade.
Kind accuracy and field-exact accuracy (scored as ../shared/signals/score.py does) must
stay at the level reached when this test was written, minus a small margin.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest

from services.parsing import ParsedSignal, parse_post

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "signals" / "corpus.json"
KIND_ONLY_FLAGS = {"needs_image_context", "needs_price_scaling"}
FIELDS = ("symbol", "side", "entry", "targets", "stop_loss", "leverage")

# Reached: 116/116 kinds, 69/69 field-exact. The margin allows two misses of each.
MIN_KIND_ACCURACY = 0.98
MIN_FIELD_EXACT = 0.97


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    if not CORPUS.exists():
        pytest.skip(f"shared signal corpus not found at {CORPUS}")
    return json.loads(CORPUS.read_text(encoding="utf-8"))


def _fields(result) -> dict:
    if not isinstance(result, ParsedSignal):
        return {"kind": result.kind}
    return {
        "kind": "open",
        "symbol": result.symbol,
        "side": result.side.value,
        "entry": list(result.entries),
        "targets": list(result.targets),
        "stop_loss": result.stop_loss,
        "leverage": result.leverage,
    }


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _field_ok(field: str, got: dict, want: dict) -> bool:
    g, w = got.get(field), want.get(field)
    if field in ("symbol", "side"):
        return g == w
    if field in ("entry", "targets"):
        g, w = list(g or []), list(w or [])
        if field == "entry":
            g, w = sorted(map(float, g)), sorted(map(float, w))
        return len(g) == len(w) and all(_same(x, y) for x, y in zip(g, w, strict=True))
    return _same(g, w)


def _scored_on_fields(record: dict) -> bool:
    flags = set(record.get("flags", []))
    return (
        record["expected"]["kind"] == "open"
        and not flags & KIND_ONLY_FLAGS
        and record.get("context") != "reply_to_signal"
    )


def test_corpus_no_post_that_is_not_a_new_signal_opens_a_trade(corpus):
    false_trades = [
        r["text"][:80]
        for r in corpus
        if r["expected"]["kind"] != "open" and isinstance(parse_post(r["text"]), ParsedSignal)
    ]
    assert false_trades == []


def test_corpus_kind_accuracy(corpus):
    right = sum(parse_post(r["text"]).kind == r["expected"]["kind"] for r in corpus)
    assert right / len(corpus) >= MIN_KIND_ACCURACY, f"{right}/{len(corpus)}"


def test_corpus_field_exact_rate_on_open_signals(corpus):
    scored = [r for r in corpus if _scored_on_fields(r)]
    misses = []
    for record in scored:
        got = _fields(parse_post(record["text"]))
        bad = [f for f in FIELDS if not _field_ok(f, got, record["expected"])]
        if bad:
            misses.append((record["text"][:60], bad))
    exact = len(scored) - len(misses)
    assert exact / len(scored) >= MIN_FIELD_EXACT, misses


def test_corpus_prices_are_exact_decimals(corpus):
    for record in corpus:
        result = parse_post(record["text"])
        if isinstance(result, ParsedSignal):
            for price in (*result.entries, *result.targets):
                assert isinstance(price, Decimal)


def test_corpus_signals_labelled_inconsistent_are_not_tradable(corpus):
    flagged = [r for r in corpus if {"invalid_stop", "side_conflict"} & set(r.get("flags", []))]
    assert flagged
    for record in flagged:
        result = parse_post(record["text"])
        assert isinstance(result, ParsedSignal)
        assert not result.tradable and result.problems
