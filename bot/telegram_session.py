"""The aiogram HTTP session: Bot API base URL, flood-wait retries, polling heartbeat;
reaching the Bot API at start."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import User
from loguru import logger

# The send queue handles waits itself (persisted); replies from handlers retry here.
retries_disabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "signaldesk_retries_disabled", default=False)


class RetryAndHeartbeat(BaseRequestMiddleware):
    """Retries a handler's request after a short flood wait or a 5xx; records good polls."""

    def __init__(self, on_poll_ok: Callable[[], None], *, max_attempts: int = 3,
                 max_wait_s: float = 10.0) -> None:
        self._on_poll_ok = on_poll_ok
        self._max_attempts = max_attempts
        self._max_wait = max_wait_s

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):  # the dispatcher has its own backoff for polling
            response = await make_request(bot, method)  # type: ignore[arg-type]
            self._on_poll_ok()
            return response
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
                if retries_disabled.get() or attempt >= self._max_attempts or wait > self._max_wait:
                    raise
                logger.warning("Telegram flood control on {}: waiting {}s", method.__api_method__,
                               wait)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if retries_disabled.get() or attempt >= self._max_attempts:
                    raise
                wait = 0.5 * 2 ** (attempt - 1)
                logger.warning("Telegram {} failed ({}); retrying in {}s",
                               method.__api_method__, type(exc).__name__, wait)
            await asyncio.sleep(wait)
            attempt += 1


def create_bot(token: str, api_base: str, on_poll_ok: Callable[[], None], **bot_kwargs: Any) -> Bot:
    """A Bot talking to `api_base` (Telegram's or a self-hosted/fake Bot API server)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    session.middleware(RetryAndHeartbeat(on_poll_ok))
    return Bot(token, session=session, **bot_kwargs)


class BotTokenRejected(Exception):
    """Telegram refused the bot token (401): nothing will work until it is fixed."""


async def reach_telegram(bot: Bot, api_base: str) -> User:
    """getMe until it answers: a wrong token is fatal (BotTokenRejected), an outage is
    waited out (retried with a growing delay, up to a minute)."""
    delay = 1.0
    while True:
        try:
            return await bot.get_me()
        except TelegramUnauthorizedError:
            raise BotTokenRejected("Telegram rejected TELEGRAM__BOT_TOKEN (401 Unauthorized) — "
                                   "copy the token again from @BotFather.") from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            logger.warning("cannot reach the Telegram Bot API at {} ({}); retrying in {:.0f}s",
                           api_base, exc, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 60.0)
