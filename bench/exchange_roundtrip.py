"""Exchange round trip: create_order → filled Order through ResilientExchange + CcxtExchange
(real ccxt 4.5.90) against the fake Binance on 127.0.0.1.

Measures, per market order (futures, with a client id), the time from the call to the filled
order being returned; then a client-id look-up per order. Loopback only, so the figures are
our overhead plus ccxt's (signing, parsing), not the exchange's.

    uv run python bench/exchange_roundtrip.py [--orders 500]

The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.trading.port import OrderSide, OrderStatus  # noqa: E402
from services.trading.resilient import ResilientExchange, RetryPolicy  # noqa: E402
from tests.fakes.exchange import FakeExchange  # noqa: E402
from tests.services.trading.ccxt_support import BTC_PERP, exchange_on, order  # noqa: E402

WARMUP = 20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(orders: int) -> dict[str, float | int]:
    async with FakeExchange() as fake:
        fake.set_balance("USDT", "100000000", market="futures")
        async with exchange_on(fake, "futures") as ccxt_exchange:
            exchange = ResilientExchange(ccxt_exchange, retry=RetryPolicy(order_settle_s=1))
            await exchange.load_markets()
            create_ms: list[float] = []
            lookup_ms: list[float] = []
            started_all = time.perf_counter()
            for i in range(orders + WARMUP):
                side = OrderSide.BUY if i % 2 == 0 else OrderSide.SELL
                client_id = f"bn-{i}-entry"
                started = time.perf_counter()
                placed = await exchange.create_order(order(client_id, side=side))
                created = time.perf_counter()
                found = await exchange.fetch_order_by_client_id(BTC_PERP, client_id)
                looked_up = time.perf_counter()
                assert placed.status is OrderStatus.FILLED and found is not None
                if i >= WARMUP:
                    create_ms.append((created - started) * 1000)
                    lookup_ms.append((looked_up - created) * 1000)
            elapsed = time.perf_counter() - started_all
            assert len(fake.orders("futures")) == orders + WARMUP
    return {
        "orders": orders,
        "create_to_fill_p50_ms": round(percentile(create_ms, 0.50), 3),
        "create_to_fill_p99_ms": round(percentile(create_ms, 0.99), 3),
        "create_to_fill_mean_ms": round(statistics.fmean(create_ms), 3),
        "lookup_by_client_id_p50_ms": round(percentile(lookup_ms, 0.50), 3),
        "lookup_by_client_id_p99_ms": round(percentile(lookup_ms, 0.99), 3),
        "orders_per_s": round((orders + WARMUP) / elapsed, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    figures = asyncio.run(main(parser.parse_args().orders))
    for name, value in figures.items():
        print(f"{name:>28}: {value}")
    print(json.dumps(figures))
