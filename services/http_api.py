"""The local HTTP endpoints: GET /health (Docker HEALTHCHECK) and GET /metrics (Prometheus)."""

from __future__ import annotations

from aiohttp import web
from loguru import logger

from services.health import HealthMonitor
from services.metrics import PROMETHEUS_CONTENT_TYPE, Metrics


class HttpApi:
    def __init__(self, *, host: str, port: int, health: HealthMonitor, metrics: Metrics) -> None:
        self._host = host
        self._port = port
        self._health = health
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._get_health)
        app.router.add_get("/metrics", self._get_metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise OSError(
                f"cannot listen on {self._host}:{self._port} for /health ({exc.strerror}) — "
                "set HTTP__PORT to a free port"
            ) from None
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self._port
        logger.info("health and metrics on http://{}:{}/health", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _get_health(self, request: web.Request) -> web.Response:
        report = await self._health.report()
        return web.json_response(report.as_json(), status=200 if report.healthy else 503)

    async def _get_metrics(self, request: web.Request) -> web.Response:
        body = await self._metrics.render()
        return web.Response(body=body, headers={"Content-Type": PROMETHEUS_CONTENT_TYPE})
