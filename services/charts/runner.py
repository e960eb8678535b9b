"""Rendering off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")


async def render(renderer: Callable[P, bytes], /, *args: P.args, **kwargs: P.kwargs) -> bytes:
    """Run a chart renderer in a worker thread and return its PNG, so a ~0.1 s render never
    blocks the bot; the renderers serialise matplotlib among themselves."""
    return await asyncio.to_thread(renderer, *args, **kwargs)
