"""The one command registry: feeds the routers' filters, setMyCommands and /help."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.filters import Command

from handlers.i18n import N_
from services.access import Role


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str  # English; translated where shown
    role: Role  # the least role allowed to run it: VIEWER = read-only, ADMIN = changes state
    usage: str = ""  # arguments, e.g. "[n]"
    menu: bool = True  # listed in Telegram's command menu


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", N_("Start: what this bot is and your role"), Role.VIEWER),
    CommandSpec("help", N_("Commands you can use"), Role.VIEWER),
    CommandSpec("status", N_("Mode, trading state, health"), Role.VIEWER),
    CommandSpec("balance", N_("Equity, free and in use, per asset"), Role.VIEWER),
    CommandSpec("positions", N_("Active positions with PnL"), Role.VIEWER),
    CommandSpec("position", N_("One position in full: orders, fills, chart"), Role.VIEWER,
                usage="<id>"),
    CommandSpec("close", N_("Close a position at market (asks first)"), Role.ADMIN,
                usage="<id>"),
    CommandSpec("closeall", N_("Stop new entries and close every position (asks first)"),
                Role.ADMIN),
    CommandSpec("pause", N_("Pause new entries (open positions stay managed)"), Role.ADMIN),
    CommandSpec("resume", N_("Resume new entries"), Role.ADMIN),
    CommandSpec("stop", N_("Stop new entries and cancel waiting entries (asks first)"),
                Role.ADMIN),
    CommandSpec("pnl", N_("Today's profit and loss"), Role.VIEWER),
    CommandSpec("pnl_week", N_("This week's profit and loss"), Role.VIEWER),
    CommandSpec("daily", N_("Profit per day, the last n days (7)"), Role.VIEWER, usage="[n]"),
    CommandSpec("weekly", N_("Profit per week, the last n weeks (4)"), Role.VIEWER,
                usage="[n]"),
    CommandSpec("monthly", N_("Profit per month, the last n months (3)"), Role.VIEWER,
                usage="[n]"),
    CommandSpec("report", N_("Daily report or weekly summary, with charts"), Role.VIEWER,
                usage="[yesterday|week|last week]"),
    CommandSpec("stats", N_("Trade statistics per channel and in total"), Role.VIEWER,
                usage="[@channel]"),
    CommandSpec("risk", N_("Risk limits, their use, and halts"), Role.VIEWER),
    CommandSpec("channels", N_("Followed channels, their mode and results"), Role.VIEWER),
    CommandSpec("chart", N_("Chart: equity, daily PnL or results by channel"), Role.VIEWER,
                usage="[equity|daily|channels]"),
    CommandSpec("follow", N_("Follow a channel: @name, t.me link or id"), Role.ADMIN,
                usage="<@channel>"),
    CommandSpec("unfollow", N_("Stop following a channel"), Role.ADMIN, usage="<@channel>"),
    CommandSpec("channel", N_("A channel's own leverage cap and position size"), Role.ADMIN,
                usage="<@channel> leverage|size <value>"),
    CommandSpec("settings", N_("Runtime settings and their values"), Role.VIEWER),
    CommandSpec("set", N_("Change a setting: /set key value"), Role.ADMIN, usage="<key> <value>"),
    CommandSpec("logs", N_("Recent audit log entries"), Role.ADMIN, usage="[n]"),
    CommandSpec("backup", N_("Back up the database now and send the file"), Role.ADMIN),
    CommandSpec("validate", N_("GO or NO-GO for live trading, from recent results"),
                Role.ADMIN, usage="[days]"),
    CommandSpec("preflight", N_("Check the live account and limits before going live"),
                Role.ADMIN),
    CommandSpec("lang", N_("Language: English or Russian"), Role.VIEWER, usage="[en|ru]"),
)

_BY_NAME = {spec.name: spec for spec in COMMANDS}


def command(name: str) -> Command:
    """The aiogram filter for a registered command (a typo fails at import, not at run time)."""
    if name not in _BY_NAME:
        raise KeyError(f"/{name} is not in the command registry")
    return Command(name)


def usage_of(name: str) -> str:
    """"/close <id>": how a registered command is typed (plain text: escape it for HTML)."""
    return f"/{name} {_BY_NAME[name].usage}".rstrip()


def spec_of(name: str) -> CommandSpec | None:
    return _BY_NAME.get(name.lower())


def commands_for(role: Role) -> list[CommandSpec]:
    """Commands a user with `role` may run, in registry order."""
    return [spec for spec in COMMANDS if role >= spec.role]


def command_name(text: str | None) -> str | None:
    """`/Status@my_bot arg` → "status"; None when the text is not a command."""
    if not text or not text.startswith("/") or len(text) < 2:
        return None
    word = text[1:].split(maxsplit=1)[0] if text[1:].strip() else ""
    return word.split("@", 1)[0].lower() or None
