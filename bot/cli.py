"""`python -m bot <command>`: run, migrate, login, parse, backup, restore, preflight, validate.

Configuration is checked before the heavy imports (aiogram, ccxt, matplotlib), so a
missing token is reported in well under a second with exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from bot.settings import ConfigError, Settings, check_can_run, load_settings

EXIT_OK, EXIT_ERROR, EXIT_CONFIG = 0, 1, 2


def _secrets(settings: Settings) -> list[str]:
    values = [settings.telegram.bot_token, settings.exchange.api_key, settings.exchange.secret,
              settings.telethon.api_hash, settings.telethon.session]
    return [v.get_secret_value() for v in values if v is not None]


def _print_problems(problems: list[str]) -> int:
    print("signaldesk cannot start — fix the configuration (.env or environment):",
          file=sys.stderr)
    for problem in problems:
        print(f"  • {problem}", file=sys.stderr)
    return EXIT_CONFIG


def _settings_or_exit() -> Settings | int:
    try:
        return load_settings()
    except ConfigError as exc:
        return _print_problems(exc.problems)


def cmd_run(_: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if isinstance(settings, int):
        return settings
    problems = check_can_run(settings)
    if problems:
        return _print_problems(problems)
    from bot.logging import setup_logging

    setup_logging(settings.log_level, _secrets(settings))
    return asyncio.run(_run(settings))


async def _run(settings: Settings) -> int:
    from loguru import logger

    from bot.app import Application, StartupError
    from storage.database import DatabaseError

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = Application(settings)
    try:
        await app.run_until(stop)
    except (StartupError, DatabaseError, OSError) as exc:
        logger.error("{}", exc)
        return EXIT_CONFIG if isinstance(exc, StartupError) else EXIT_ERROR
    return EXIT_OK


def cmd_migrate(_: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if isinstance(settings, int):
        return settings
    from storage.database import Database, DatabaseError

    async def migrate() -> int:
        db = Database(settings.database_path)
        try:
            await db.open()
            applied = await db.migrate()
            version = await db.schema_version()
        except DatabaseError as exc:
            print(f"migrate failed: {exc}", file=sys.stderr)
            return EXIT_ERROR
        finally:
            await db.close()
        if applied:
            names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied)
            print(f"{settings.database_path}: applied {names}; schema version {version}")
        else:
            print(f"{settings.database_path}: up to date (schema version {version})")
        return EXIT_OK

    return asyncio.run(migrate())


def cmd_login(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if isinstance(settings, int):
        return settings
    from bot.login_command import login

    return asyncio.run(login(settings, string_session=args.string_session))


def cmd_parse(args: argparse.Namespace) -> int:
    from bot.parse_command import main as parse_main

    return parse_main(["--jsonl"] if args.jsonl else [], sys.stdin, sys.stdout)


def cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if isinstance(settings, int):
        return settings
    from bot.backup_command import backup, list_backups

    return list_backups(settings) if args.list else backup(settings)


def cmd_restore(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if isinstance(settings, int):
        return settings
    from bot.backup_command import restore_backup

    return restore_backup(settings, args.file)


def cmd_preflight(_: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if isinstance(settings, int):
        return settings
    from bot.preflight_command import preflight

    return preflight(settings)


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 365:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 1 to 365")
    return int(text)


def cmd_validate(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if isinstance(settings, int):
        return settings
    from bot.validate_command import validate

    return validate(settings, args.days)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=(
        "signaldesk: Telegram signal channels in, approved trades out."))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (paper mode unless TRADING__MODE=live)"
                   ).set_defaults(func=cmd_run)
    sub.add_parser("migrate", help="create or upgrade the database in DATA_DIR"
                   ).set_defaults(func=cmd_migrate)
    login = sub.add_parser("login", help="log the channel listener's Telegram account in "
                           "(phone, code, 2FA password); run once, interactively")
    login.add_argument("--string-session", action="store_true",
                       help="print a session string for TELETHON__SESSION instead of a file")
    login.set_defaults(func=cmd_login)
    parse = sub.add_parser("parse", help="parse a post from stdin and print it as JSON")
    parse.add_argument("--jsonl", action="store_true",
                       help='read JSON lines {"text": ...}, write one JSON line each')
    parse.set_defaults(func=cmd_parse)
    backup = sub.add_parser("backup", help="back the database up now into DATA_DIR/backups "
                            "(safe while the bot runs)")
    backup.add_argument("--list", action="store_true", help="list the backups instead")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup over the database (stop the "
                             "bot first; the current database is kept aside)")
    restore.add_argument("file", help="a backup file, e.g. data/backups/signaldesk-….sqlite3.gz")
    restore.set_defaults(func=cmd_restore)
    sub.add_parser("preflight", help="check the live account and the limits before going "
                   "live (exit 0 when nothing FAILs)").set_defaults(func=cmd_preflight)
    validate = sub.add_parser("validate", help="GO or NO-GO for live trading from the "
                              "recent results (exit 0 on GO, 1 on NO-GO)")
    validate.add_argument("--days", type=_days, metavar="N",
                          help="days of results to judge (default: validation.window_days)")
    validate.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_CONFIG
    result: int = args.func(args)
    return result
