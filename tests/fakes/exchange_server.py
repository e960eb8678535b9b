"""HTTP side of the fake Binance: aiohttp server, request signing checks, injected failures.

Binance signs HMAC-SHA256(secret, totalParams) where totalParams is the raw query string
followed by the raw body (without the signature parameter); the key travels in the
X-MBX-APIKEY header. Checks run in Binance's order: key (-2014/-2015), timestamp
(-1102/-1021), signature (-1102/-1022).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.exchange_common import BinanceError, Json, Params, now_ms

Handler = Callable[[Params], Json]


@dataclass(frozen=True)
class Route:
    handler: Handler
    signed: bool


@dataclass
class RecordedRequest:
    """One request as the fake saw it (params exclude `signature`)."""

    method: str
    path: str
    params: dict[str, str]
    signed: bool
    api_key: str | None
    status: int = 0
    time: int = 0
    # perf_counter() when the handler got the request and when its answer was ready
    # (latency benches: the exchange's own share of a round trip)
    received: float = 0.0
    answered: float = 0.0


@dataclass
class FailRule:
    method: str | None
    path: str
    status: int
    code: int | None
    msg: str
    times: int
    delay: float
    retry_after: int | None

    def matches(self, method: str, path: str) -> bool:
        return self.path == path and (self.method is None or self.method == method)


@dataclass
class HttpFake:
    """aiohttp server that checks Binance auth, injects failures and dispatches to routes."""

    api_key: str
    secret: str
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    unhandled: list[str] = field(default_factory=list)
    fail_rules: list[FailRule] = field(default_factory=list)
    base_url: str = ""
    in_flight: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_failure(self, rule: FailRule) -> None:
        self.fail_rules.append(rule)

    def _take_failure(self, method: str, path: str) -> FailRule | None:
        for rule in self.fail_rules:
            if rule.times > 0 and rule.matches(method, path):
                rule.times -= 1
                return rule
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        received = perf_counter()
        raw_query = request.rel_url.raw_query_string
        raw_body = await request.text()
        values = dict(parse_qsl(raw_query, keep_blank_values=True))
        if raw_body:
            values.update(parse_qsl(raw_body, keep_blank_values=True))
        signature = values.pop("signature", None)
        api_key = request.headers.get("X-MBX-APIKEY")
        record = RecordedRequest(request.method, request.path, values, signature is not None,
                                 api_key, time=now_ms(), received=received)
        self.requests.append(record)
        self.in_flight += 1
        self._idle.clear()
        try:
            response = await self._respond(request, raw_query, raw_body, values, signature,
                                           api_key)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._idle.set()
        record.status, record.answered = response.status, perf_counter()
        return response

    async def settle(self) -> None:
        """Wait until every request the server is still working on (e.g. delayed) is done."""
        if self.in_flight:
            await self._idle.wait()

    async def _respond(self, request: web.Request, raw_query: str, raw_body: str,
                       values: dict[str, str], signature: str | None,
                       api_key: str | None) -> web.Response:
        rule = self._take_failure(request.method, request.path)
        if rule is not None:
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.status >= 400:
                return self._failure_response(rule)
        route = self.routes.get((request.method, request.path))
        if route is None:
            self.unhandled.append(f"{request.method} {request.path}")
            return _json({"code": -1, "msg": f"fake exchange has no route for {request.method} "
                                              f"{request.path}"}, status=404)
        try:
            if route.signed:
                self._authenticate(raw_query, raw_body, values, signature, api_key)
            return _json(route.handler(Params(values)))
        except BinanceError as error:
            return _json({"code": error.code, "msg": error.msg}, status=error.status)

    def _authenticate(self, raw_query: str, raw_body: str, values: dict[str, str],
                      signature: str | None, api_key: str | None) -> None:
        if not api_key:
            raise BinanceError(-2014, "API-key format invalid.", status=401)
        if api_key != self.api_key:
            raise BinanceError(-2015, "Invalid API-key, IP, or permissions for action.",
                               status=401)
        params = Params(values)
        timestamp = params.integer("timestamp")
        if timestamp is None:
            params.require("timestamp")
        assert timestamp is not None
        recv_window = params.integer("recvWindow") or 5000
        server_time = now_ms()
        if timestamp >= server_time + 1000 or server_time - timestamp > recv_window:
            raise BinanceError(-1021, "Timestamp for this request is outside of the recvWindow.")
        if signature is None:
            params.require("signature")
        payload = _without_signature(raw_query) + _without_signature(raw_body)
        expected = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, (signature or "").lower()):
            raise BinanceError(-1022, "Signature for this request is not valid.")

    @staticmethod
    def _failure_response(rule: FailRule) -> web.Response:
        headers = {}
        if rule.status in (418, 429):
            headers["Retry-After"] = str(rule.retry_after if rule.retry_after is not None else 1)
        if rule.code is None:
            return web.Response(status=rule.status, text=rule.msg, headers=headers)
        return _json({"code": rule.code, "msg": rule.msg}, status=rule.status, headers=headers)


def _without_signature(raw: str) -> str:
    return "&".join(part for part in raw.split("&") if part and not part.startswith("signature="))


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    merged = {"X-MBX-USED-WEIGHT-1M": "1", **(headers or {})}
    return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                        headers=merged)
