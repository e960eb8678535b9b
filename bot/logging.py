"""Logging to stderr through loguru, with every configured secret masked.

aiogram, aiohttp and Telethon log through the standard library; those records are routed
into loguru so there is one format and one redaction point.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from loguru import logger

FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS!UTC}Z | {level: <7} | {name}:{line} | {message}"
MASK = "***"


class _Intercept(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


class RedactingSink:
    """Writes formatted records to a stream with secrets replaced by ***."""

    def __init__(self, secrets: Iterable[str], stream: TextIO | None = None) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        self._stream = stream or sys.stderr

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def write(self, message: str) -> None:
        self._stream.write(self.redact(str(message)))
        self._stream.flush()


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> RedactingSink:
    sink = RedactingSink(secrets)
    logger.remove()
    logger.add(sink.write, level=level.upper(), format=FORMAT, backtrace=False, diagnose=False)
    logging.basicConfig(handlers=[_Intercept()], level=logging.INFO, force=True)
    for noisy in ("aiogram.event", "aiohttp.access", "telethon"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return sink
