"""Building the ccxt client from settings: EXCHANGE__ID, keys, market kind, sandbox and
EXCHANGE__CCXT_CONFIG (deep-merged last, so it can point anywhere: testnet, proxy, a local
test server)."""

from __future__ import annotations

from typing import Any, Protocol

import ccxt.async_support as ccxt_async
from ccxt.async_support.base.exchange import Exchange as CcxtClient
from pydantic import SecretStr

# ccxt's defaultType for linear perpetuals: Binance calls USDⓈ-M "future", most others "swap".
_FUTURES_TYPE = {"binance": "future", "binanceusdm": "future"}


class ExchangeConfig(Protocol):
    """The shape of `bot.settings.ExchangeSettings` (services/ does not import bot/)."""

    @property
    def id(self) -> str: ...

    @property
    def market(self) -> str: ...  # "spot" | "futures"

    @property
    def api_key(self) -> SecretStr | None: ...

    @property
    def secret(self) -> SecretStr | None: ...

    @property
    def sandbox(self) -> bool: ...

    @property
    def ccxt_config(self) -> dict[str, Any]: ...


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` over `base`, merging nested dicts key by key (new dicts; values shared)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build_ccxt_client(settings: ExchangeConfig) -> CcxtClient:
    """The ccxt async client for `settings`: class by EXCHANGE__ID, keys, rate limiter on,
    defaultType from EXCHANGE__MARKET, sandbox mode, then EXCHANGE__CCXT_CONFIG on top.

    The config is merged into the constructor's and merged again after `set_sandbox_mode`
    (which replaces `urls.api` with the testnet's), so it can point a testnet, a proxy or a
    local test server anywhere.
    """
    if settings.id not in ccxt_async.exchanges:
        raise ValueError(f"EXCHANGE__ID {settings.id!r} is not an exchange ccxt knows "
                         "(e.g. binance, bybit, okx)")
    futures = settings.market == "futures"
    config: dict[str, Any] = {
        "enableRateLimit": True,
        "options": {
            "defaultType": _FUTURES_TYPE.get(settings.id, "swap") if futures else "spot",
            # reconciliation lists every open order at once, knowingly
            "warnOnFetchOpenOrdersWithoutSymbol": False,
        },
    }
    if settings.api_key is not None:
        config["apiKey"] = settings.api_key.get_secret_value()
    if settings.secret is not None:
        config["secret"] = settings.secret.get_secret_value()
    client: CcxtClient = getattr(ccxt_async, settings.id)(deep_merge(config,
                                                                      settings.ccxt_config))
    if settings.sandbox:
        client.set_sandbox_mode(True)
        for key, value in settings.ccxt_config.items():
            current = getattr(client, key, None)
            if isinstance(value, dict) and isinstance(current, dict):
                setattr(client, key, deep_merge(current, value))
    return client
