"""/channels, /follow, /unfollow and the channel buttons."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import ChannelAction, FollowChannel
from handlers.commands import command
from handlers.ui import answer_long, edit_in_place
from services.access import Actor, Role
from services.channels import ChannelService, ChannelSummary
from storage.channels import ChannelRow


def mode_label(mode: str) -> str:
    return _("auto") if mode == "auto" else _("manual approval")


def summary_line(s: ChannelSummary) -> str:
    c = s.channel
    state = "✅" if c.enabled else "⏸"
    line = f"{state} <b>{html.escape(c.name)}</b> — {mode_label(c.mode)}"
    if c.max_leverage or c.size_mode or c.updates != "follow":
        line += ", " + channel_defaults(c)
    if not c.enabled and c.disabled_reason:
        line += "\n    " + _("switched off: {reason}").format(
            reason=html.escape(c.disabled_reason))
    line += "\n    " + _("{signals} signals · {not_understood} not understood · {updates} updates"
                        ).format(signals=s.signals, not_understood=s.not_understood,
                                 updates=s.updates)
    return line


def channels_keyboard(summaries: list[ChannelSummary]) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for s in summaries:
        c = s.channel
        short = c.name[:18]
        builder.button(text=(_("⏸ {name}") if c.enabled else _("▶️ {name}")).format(name=short),
                       callback_data=ChannelAction(channel_id=c.channel_id,
                                                   action="off" if c.enabled else "on"))
        other = "auto" if c.mode == "manual" else "manual"
        builder.button(text=_("→ auto") if other == "auto" else _("→ manual"),
                       callback_data=ChannelAction(channel_id=c.channel_id, action=other))
        builder.button(text="🗑", callback_data=ChannelAction(channel_id=c.channel_id,
                                                             action="remove"))
    builder.adjust(3)
    return builder.as_markup() if summaries else None


async def channels_view(service: ChannelService,
                        actor: Actor) -> tuple[str, InlineKeyboardMarkup | None]:
    summaries = await service.summaries()
    if not summaries:
        text = _("No channels followed yet. Add one with /follow @channel, or forward a post "
                 "from it here and press Follow.")
        return text, None
    lines = [_("<b>Channels</b>")] + [summary_line(s) for s in summaries]
    keyboard = channels_keyboard(summaries) if actor.may(Role.ADMIN) else None
    return "\n".join(lines), keyboard


async def channels(message: Message, actor: Actor, channel_service: ChannelService) -> None:
    text, keyboard = await channels_view(channel_service, actor)
    await answer_long(message, text, reply_markup=keyboard)


async def follow(message: Message, command: CommandObject, actor: Actor,
                 channel_service: ChannelService) -> None:
    if not (command.args or "").strip():
        await message.answer(_("Usage: /follow @channel (or a t.me link, or the channel id)."))
        return
    row = await channel_service.follow(command.args or "", actor_id=actor.user_id,
                                       role=actor.role.label)
    await message.answer(_("✅ Following {name} (manual approval). /channels to change it.")
                         .format(name=html.escape(row.name)))


async def unfollow(message: Message, command: CommandObject, actor: Actor,
                   channel_service: ChannelService) -> None:
    if not (command.args or "").strip():
        await message.answer(_("Usage: /unfollow @channel (or the channel id)."))
        return
    row = await channel_service.find(command.args or "")
    await channel_service.unfollow(row.channel_id, actor_id=actor.user_id, role=actor.role.label)
    await message.answer(_("Stopped following {name}.").format(name=html.escape(row.name)))


async def channel_settings(message: Message, command: CommandObject, actor: Actor,
                           channel_service: ChannelService) -> None:
    parts = (command.args or "").split()
    if len(parts) < 3 or parts[1].lower() not in ("leverage", "size", "updates"):
        await message.answer(_("Usage: /channel @channel leverage 10|off, /channel @channel "
                               "size quote 50 | equity_pct 2 | risk_pct 1 | default, or "
                               "/channel @channel updates follow|ignore."))
        return
    row = await channel_service.find(parts[0])
    actor_id, role = actor.user_id, actor.role.label
    if parts[1].lower() == "leverage":
        row = await channel_service.set_max_leverage(row.channel_id, parts[2],
                                                     actor_id=actor_id, role=role)
    elif parts[1].lower() == "updates":
        row = await channel_service.set_updates(row.channel_id, parts[2], actor_id=actor_id,
                                                role=role)
    else:
        row = await channel_service.set_size(row.channel_id, parts[2],
                                             parts[3] if len(parts) > 3 else None,
                                             actor_id=actor_id, role=role)
    await message.answer(_("✅ {name}: {settings}").format(name=html.escape(row.name),
                                                          settings=channel_defaults(row)))


def channel_defaults(c: ChannelRow) -> str:
    leverage = _("leverage ≤ {n}x").format(n=c.max_leverage) if c.max_leverage else _(
        "leverage: global cap")
    if c.size_mode:
        unit = " USDT" if c.size_mode == "quote" else "%"
        size = _("size {mode} {value}").format(mode=c.size_mode, value=f"{c.size_value}{unit}")
    else:
        size = _("size: global")
    updates = _("channel updates followed") if c.updates == "follow" else _(
        "channel updates only shown")
    return f"{leverage}, {size}, {updates}"


async def channel_button(query: CallbackQuery, callback_data: ChannelAction, actor: Actor,
                         channel_service: ChannelService) -> None:
    cid, action = callback_data.channel_id, callback_data.action
    actor_id, role = actor.user_id, actor.role.label
    if action in ("on", "off"):
        await channel_service.set_enabled(cid, action == "on", actor_id=actor_id, role=role)
    elif action in ("manual", "auto"):
        await channel_service.set_mode(cid, action, actor_id=actor_id, role=role)
    elif action == "remove":
        await channel_service.unfollow(cid, actor_id=actor_id, role=role)
    text, keyboard = await channels_view(channel_service, actor)
    if isinstance(query.message, Message):
        await edit_in_place(query.message, text, reply_markup=keyboard)
    await query.answer(_("Done."))


async def follow_button(query: CallbackQuery, callback_data: FollowChannel, actor: Actor,
                        channel_service: ChannelService) -> None:
    existing = await channel_service.get(callback_data.channel_id)
    if existing is not None:
        await query.answer(_("{name} is already followed.").format(name=existing.name))
        return
    row = await channel_service.follow(str(callback_data.channel_id), actor_id=actor.user_id,
                                       role=actor.role.label)
    await query.answer(_("✅ Following {name}.").format(name=row.name))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(channels, command("channels"))
    router.message.register(follow, command("follow"))
    router.message.register(unfollow, command("unfollow"))
    router.message.register(channel_settings, command("channel"))
    router.callback_query.register(channel_button, ChannelAction.filter())
    router.callback_query.register(follow_button, FollowChannel.filter())
    return router
