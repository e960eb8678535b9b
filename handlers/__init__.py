"""aiogram routers, one per area, and the middlewares in front of them.

Each module builds its router in `build_router()` rather than at import time: a router can
belong to one Dispatcher only, and a process may build several (tests, restarts).
"""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n

from handlers import (
    approvals,
    backup,
    balance,
    channels,
    charts,
    closing,
    control,
    edits,
    logs,
    performance,
    positions,
    posts,
    preflight,
    reports,
    risk,
    settings,
    start,
    status,
    validation,
)
from handlers.access import AccessGate
from handlers.errors import build_errors_router, build_fallback_router
from handlers.i18n import ActorLocaleMiddleware
from services.access import AccessService
from services.metrics import Metrics


def setup_handlers(dp: Dispatcher, *, access: AccessService, i18n: I18n, metrics: Metrics) -> None:
    """Gate every update type, localise, then route; unknown input lands in the fallback."""
    dp.update.outer_middleware(AccessGate(access, i18n, metrics))
    ActorLocaleMiddleware(i18n).setup(dp)
    dp.include_routers(build_errors_router(),
                       *(area.build_router()
                         for area in (posts, start, status, balance, positions, closing, control,
                                      approvals, edits, channels, performance, reports, risk,
                                      charts, settings, logs, backup, validation, preflight)),
                       build_fallback_router())
