"""Turns the services' events into messages for the admins, in each admin's language,
through the send queue (so flood limits and outages never lose one)."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import DecideEdit, FollowChannel
from handlers.position_text import (
    approval_card,
    approval_keyboard,
    close_reason,
    plan_lines,
    position_head,
    signed_money,
    signed_pct,
)
from handlers.signal_text import post_excerpt, price, signal_lines, update_lines
from handlers.ui import format_duration
from services.access import AccessService
from services.events import (
    ChannelRef,
    EventBus,
    ListenerStateChanged,
    PostEdited,
    SignalAccepted,
    SignalNotUnderstood,
    TradeUpdateReceived,
)
from services.outbox import Outbox, OutgoingMessage
from services.posts import ListenerState
from services.preflight import PreflightWarned
from services.runtime_config import RuntimeConfig
from services.scheduler import JobFailed, JobRecovered
from services.trading.breaker import CircuitChanged
from services.trading.edits import ApprovalRevised, EditProposed, Plan
from services.trading.engine_events import (
    ApprovalExpired,
    ApprovalRequested,
    EntryAdded,
    EntryPlaced,
    EntryRestExpired,
    OrderFailed,
    PositionClosed,
    PositionOpened,
    PositionSkipped,
    PositionStuck,
    StopMoved,
    TargetHit,
    UpdateApplied,
)
from services.trading.pnl import pnl_pct
from services.trading.risk_monitor import ChannelSwitchedOff, RiskHalted

ZERO = Decimal(0)


def card_refs(event: Any) -> tuple[str | None, str | None]:
    """(ref, replaces) of the message for `event`: an approval card is remembered, and
    edited in place when the channel revises it or it expires."""
    if isinstance(event, ApprovalRequested):
        return f"approval:{event.position.id}", None
    if isinstance(event, ApprovalRevised):
        card = f"approval:{event.position.id}"
        return card, card
    if isinstance(event, ApprovalExpired):
        return None, f"approval:{event.position.id}"
    return None, None


# Which `notify.<kind>` setting (services/runtime_config.py) governs each event.
KINDS: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("signals", (SignalAccepted, TradeUpdateReceived, PostEdited)),
    ("not_understood", (SignalNotUnderstood,)),
    ("approvals", (ApprovalRequested, ApprovalRevised, ApprovalExpired, EditProposed)),
    ("skipped", (PositionSkipped,)),
    ("entries", (EntryPlaced, PositionOpened, EntryAdded, EntryRestExpired)),
    ("targets", (TargetHit,)),
    ("stops", (StopMoved,)),
    ("closed", (PositionClosed,)),
    ("updates", (UpdateApplied,)),
    ("stuck", (PositionStuck,)),
    ("risk", (RiskHalted, ChannelSwitchedOff)),
    ("exchange", (CircuitChanged,)),
    ("listener", (ListenerStateChanged,)),
    ("errors", (OrderFailed, JobFailed, JobRecovered, PreflightWarned)),
)


def kind_of(event: Any) -> str | None:
    return next((kind for kind, types in KINDS if isinstance(event, types)), None)


class Notifier:
    def __init__(self, *, access: AccessService, outbox: Outbox, i18n: I18n,
                 config: RuntimeConfig | None = None) -> None:
        self._access = access
        self._outbox = outbox
        self._i18n = i18n
        self._config = config

    def subscribe_to(self, events: EventBus) -> None:
        events.subscribe(self.notify)

    async def level(self, kind: str | None) -> str:
        """on, silent or off, as the admins set `notify.<kind>`."""
        if kind is None or self._config is None:
            return "on"
        return str(await self._config.get(f"notify.{kind}"))

    async def notify(self, event: Any) -> None:
        level = await self.level(kind_of(event))
        if level == "off":
            return
        for admin in await self._access.admins():
            with self._i18n.context(), self._i18n.use_locale(admin.language):
                rendered = self.render(event)
            if rendered is not None:
                text, markup = rendered
                ref, replaces = card_refs(event)
                await self._outbox.send(OutgoingMessage(chat_id=admin.user_id, text=text,
                                                        reply_markup=markup, ref=ref,
                                                        replaces=replaces,
                                                        silent=level == "silent"))

    def render(self, event: Any) -> tuple[str, dict[str, Any] | None] | None:
        _ = self._i18n.gettext
        if isinstance(event, SignalAccepted):
            head = _("📡 <b>Signal</b> from {channel}").format(channel=channel_name(event.channel))
            lines = [head, *signal_lines(event.signal)]
            if event.rescaled:
                lines.append(_("ℹ️ Prices rescaled from the channel's shorthand to the market's."))
            if not event.market_checked:
                lines.append(_("⚠️ Not checked against the exchange (it could not be reached)."))
            return "\n".join(lines), follow_offer(event.channel, _)
        if isinstance(event, SignalNotUnderstood):
            head = _("❓ <b>Not understood</b> from {channel}: {reason}").format(
                channel=channel_name(event.channel), reason=html.escape(event.reason))
            return head + "\n" + post_excerpt(event.post.text), follow_offer(event.channel, _)
        if isinstance(event, TradeUpdateReceived):
            head = _("🔁 <b>Update</b> from {channel}").format(channel=channel_name(event.channel))
            lines = [head, *update_lines(event.update)]
            if event.linked_signal_id is None:
                lines.append(_("Not linked to a signal the bot has seen."))
            else:
                lines.append(_("For signal #{id}.").format(id=event.linked_signal_id))
            return "\n".join(lines), None
        if isinstance(event, PostEdited):
            head = _("✏️ {channel} edited signal #{id}. Before:").format(
                channel=channel_name(event.channel), id=event.previous_signal_id)
            return "\n".join([head, post_excerpt(event.previous_text), _("after:"),
                              post_excerpt(event.post.text)]), None
        if isinstance(event, ListenerStateChanged):
            return listener_text(event, _), None
        return self.render_trade(event)

    def render_trade(self, event: Any) -> tuple[str, dict[str, Any] | None] | None:
        _ = self._i18n.gettext
        if isinstance(event, ApprovalRevised):
            return (_("✏️ The channel edited this signal; the new levels:") + "\n"
                    + approval_card(event.position, _("the channel")),
                    approval_keyboard(event.position.id).model_dump(exclude_none=True))
        if isinstance(event, EditProposed):
            return edit_text(event, _), edit_keyboard(event.position.id, _)
        if isinstance(event, ApprovalRequested):
            return (approval_card(event.position, event.channel.name, event.split_prices),
                    approval_keyboard(event.position.id).model_dump(exclude_none=True))
        if isinstance(event, PositionSkipped):
            return _("⏭ Not traded: {position} — {reason}").format(
                position=position_head(event.position), reason=html.escape(event.reason)), None
        if isinstance(event, ApprovalExpired):  # the card, without its buttons
            return (approval_card(event.position, event.channel_name) + "\n\n"
                    + _("⌛ Expired: not traded.")), None
        if isinstance(event, EntryPlaced):
            if event.parts > 1:
                return _("⏳ {position}: entry split into {n} orders across the zone, waiting "
                         "for the price.").format(position=position_head(event.position),
                                                  n=event.parts), None
            return _("⏳ {position}: entry order placed, waiting for the price.").format(
                position=position_head(event.position)), None
        if isinstance(event, EntryAdded):
            p = event.position
            if event.late:
                return _("➕ {position}: entry part {filled}/{parts} filled at {price} after the "
                         "position closed; it is closed at market.").format(
                    position=position_head(p), filled=event.filled, parts=event.parts,
                    price=price(event.order.average_price or event.order.price or ZERO)), None
            return _("➕ {position}: entry part {filled}/{parts} filled at {price}. Now {amount} "
                     "at an average of {average}; stop and targets resized.").format(
                position=position_head(p), filled=event.filled, parts=event.parts,
                price=price(event.order.average_price or event.order.price or ZERO),
                amount=price(p.remaining), average=price(p.average_entry or ZERO)), None
        if isinstance(event, EntryRestExpired):
            return _("⌛ {position}: {n} entry order(s) not filled in time, cancelled. The "
                     "position keeps {amount}.").format(
                position=position_head(event.position), n=event.cancelled,
                amount=price(event.position.remaining)), None
        if isinstance(event, PositionOpened):
            head = _("✅ <b>Opened</b> {position}").format(position=position_head(event.position))
            lines = [head, *plan_lines(event.position)]
            if event.entry_parts > 1:
                lines.append(_("Entry part 1/{parts} filled: {amount} at {price}; the other "
                               "orders rest across the zone.").format(
                    parts=event.entry_parts, amount=price(event.position.filled_amount),
                    price=price(event.position.average_entry or ZERO)))
            return "\n".join(lines), None
        if isinstance(event, OrderFailed):
            return _("⚠️ Order {leg} of #{id} failed: {reason}").format(
                leg=html.escape(event.leg), id=event.position_id,
                reason=html.escape(event.reason)), None
        text = self.render_life(event)
        return (text, None) if text is not None else None

    def render_life(self, event: Any) -> str | None:
        """What happens to a position once it is open: targets, stop, close, stuck."""
        _ = self._i18n.gettext
        if isinstance(event, TargetHit):
            p = event.position
            return _("🎯 <b>TP{number} hit</b>: {position} at {price}, {amount} closed, "
                     "<b>{pnl} USDT</b>. Left: {left}.").format(
                number=event.number, position=position_head(p), price=price(event.price),
                amount=price(event.amount), pnl=signed_money(event.pnl), left=price(p.remaining))
        if isinstance(event, StopMoved):
            return stop_moved_text(event, _)
        if isinstance(event, PositionClosed):
            return closed_text(event, _)
        if isinstance(event, PositionStuck):
            return _("⏰ {position} has been open for {duration}: worth a look, "
                     "/position {id}.").format(position=position_head(event.position),
                                               duration=format_duration(
                                                   event.open_for.total_seconds()),
                                               id=event.position.id)
        if isinstance(event, UpdateApplied):
            lines = [_("🔁 {position}: update from {channel}").format(
                position=position_head(event.position),
                channel=f"<b>{html.escape(event.channel_name)}</b>")]
            lines += [f"✅ {html.escape(line)}" for line in event.applied]
            lines += [f"⏭ {html.escape(line)}" for line in event.skipped]
            return "\n".join(lines)
        return self.render_operations(event)

    def render_operations(self, event: Any) -> str | None:
        """Risk halts, channels switched off, failing scheduled jobs."""
        _ = self._i18n.gettext
        if isinstance(event, RiskHalted):
            if event.kind == "drawdown":
                return _("⛔ <b>Trading halted</b>: {reason}. Open positions stay managed; "
                         "/risk for the details, /resume when ready.").format(
                    reason=html.escape(event.reason))
            return _("⛔ <b>Daily loss limit</b>: {reason}. /risk for the details.").format(
                reason=html.escape(event.reason))
        if isinstance(event, ChannelSwitchedOff):
            return _("⏸ {channel} switched off after {n} losing trades in a row: its signals "
                     "are not traded until you switch it on in /channels.").format(
                channel=f"<b>{html.escape(event.name)}</b>", n=event.losses)
        if isinstance(event, JobFailed):
            return _("⚠️ Scheduled job {name} is failing: {reason}. Reported once; the bot "
                     "keeps retrying.").format(name=html.escape(event.name),
                                              reason=html.escape(event.reason))
        if isinstance(event, PreflightWarned):
            lines = [_("⚠️ <b>Live trading started with warnings</b> (/preflight):")]
            lines += [f"• {html.escape(c.name)}: {html.escape(c.detail)}" for c in event.warnings]
            return "\n".join(lines)
        if isinstance(event, JobRecovered):
            return _("✅ Scheduled job {name} works again.").format(name=html.escape(event.name))
        if isinstance(event, CircuitChanged):
            if event.opened:
                return _("⛔ <b>The exchange keeps failing</b> ({reason}): calls are paused and "
                         "new entries wait; orders already on the exchange stay there. "
                         "/status shows when it answers again.").format(
                    reason=html.escape(event.reason[:300]))
            return _("✅ The exchange answers again: new entries are allowed.")
        return None


def levels(plan: Plan, _: Any) -> str:
    entry = " – ".join(price(p) for p in plan.entries) if plan.entries else _("market")
    targets = " · ".join(price(p) for p in plan.targets) or "—"
    stop = price(plan.stop_loss) if plan.stop_loss is not None else "—"
    return _("entry {entry}; targets {targets}; stop {stop}").format(
        entry=entry, targets=targets, stop=stop)


def edit_text(event: EditProposed, _: Any) -> str:
    return "\n".join([
        _("✏️ The channel edited the signal of {position}. Nothing changes until you "
          "choose.").format(position=position_head(event.position)),
        _("Before: {levels}").format(levels=levels(event.before, _)),
        _("After: {levels}").format(levels=levels(event.after, _))])


def edit_keyboard(position_id: int, _: Any) -> dict[str, Any]:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Apply"), callback_data=DecideEdit(position_id=position_id,
                                                               apply=True))
    builder.button(text=_("✖️ Ignore"), callback_data=DecideEdit(position_id=position_id,
                                                                apply=False))
    return builder.as_markup().model_dump(exclude_none=True)


def channel_name(channel: ChannelRef) -> str:
    return f"<b>{html.escape(channel.name)}</b>"


def follow_offer(channel: ChannelRef, _: Any) -> dict[str, Any] | None:
    if channel.known:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(text="➕ " + _("Follow this channel"),
                   callback_data=FollowChannel(channel_id=channel.channel_id))
    return builder.as_markup().model_dump(exclude_none=True)


def listener_text(event: ListenerStateChanged, _: Any) -> str:
    detail = f" ({html.escape(event.detail)})" if event.detail else ""
    if event.state is ListenerState.CONNECTED:
        return _("🔌 Channel listener connected.") + detail
    if event.state is ListenerState.UNAUTHORIZED:
        return _("🔌 Channel listener is not logged in: run python -m bot login.") + detail
    if event.state is ListenerState.RECONNECTING:
        return _("🔌 Channel listener disconnected, reconnecting…") + detail
    return _("🔌 Channel listener is off.") + detail


def stop_moved_text(event: StopMoved, _: Any) -> str | None:
    head, new = position_head(event.position), price(event.new)
    old = price(event.old) if event.old is not None else _("none")
    if event.why == "break_even":
        return _("🛡 {position}: stop moved to break-even ({new}).").format(position=head,
                                                                           new=new)
    if event.why == "channel":
        return _("🛡 {position}: stop moved to {new} as the channel said (was {old}).").format(
            position=head, new=new, old=old)
    if event.why == "trailing":
        return _("🛡 {position}: stop trails to {new} (was {old}).").format(position=head,
                                                                           new=new, old=old)
    return None  # the stop re-placed for what is left after a target: nothing new to say


def closed_text(event: PositionClosed, _: Any) -> str:
    p = event.position
    head, reason = position_head(p), close_reason(p.reason)
    if p.filled_amount <= 0:
        return _("✖️ {position}: {reason}, nothing was traded.").format(position=head,
                                                                        reason=reason)
    net = p.net_pnl
    icon = "🟢" if net > 0 else "🔴" if net < 0 else "⚪"
    lines = [_("{icon} <b>Closed</b> {position}: {reason}").format(icon=icon, position=head,
                                                                  reason=reason)]
    pct = pnl_pct(net, p.margin)
    result = _("Net PnL <b>{pnl} USDT</b>").format(pnl=signed_money(net))
    if pct is not None:
        result += " " + _("({pct} of margin)").format(pct=signed_pct(pct))
    if event.held_for is not None:
        result += " · " + _("held {duration}").format(
            duration=format_duration(event.held_for.total_seconds()))
    lines.append(result)
    return "\n".join(lines)
