"""/preflight: the checks that guard real money, run now against the live account."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.commands import command
from services.preflight import PreflightReport, Verdict

MARKS = {Verdict.PASS: "✅", Verdict.WARN: "⚠️", Verdict.FAIL: "❌"}


def report_text(report: PreflightReport) -> str:
    lines = [_("<b>Preflight</b>")]
    lines += [f"{MARKS[c.verdict]} <b>{html.escape(c.name)}</b>: {html.escape(c.detail)}"
              for c in report.checks]
    if report.ok:
        lines.append(_("Ready for live trading ({warnings} warning(s)).").format(
            warnings=len(report.warnings)))
    else:
        lines.append(_("Not ready: {failures} check(s) failed. Live mode will refuse to start "
                       "until they pass.").format(failures=len(report.failures)))
    return "\n".join(lines)


async def preflight(message: Message,
                    run_preflight: Callable[[], Awaitable[PreflightReport]]) -> None:
    await message.answer(report_text(await run_preflight()))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(preflight, command("preflight"))
    return router
